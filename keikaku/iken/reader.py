"""Pandoc's JSON of a reviewed copy, walked into paragraphs (``_Unit``) with their
insertions, deletions and comments, each with its author and date (``_Reader``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .package import _MARK


@dataclass
class _Piece:
    """A run of text as the reviewer left it: unchanged, inserted or deleted by someone."""

    text: str
    state: str = ""  # "", "ins", "del"
    author: str = ""
    date: str = ""


@dataclass
class _Comment:
    id: str
    author: str
    date: str
    body: str
    anchor: list[tuple[int, str]] = field(default_factory=list)
    """The text the comment is attached to, with the paragraph each piece stands in."""
    open: bool = True
    unit: int = 0

    def anchored(self) -> str:
        """The commented text. A comment whose end pandoc never saw (LibreOffice writes it
        inside an insertion, where pandoc 2.17 misses it) keeps its own paragraph only."""
        pieces = (
            self.anchor if not self.open else [(u, t) for u, t in self.anchor if u == self.unit]
        )
        return "".join(t for _u, t in pieces).strip()


@dataclass
class _Unit:
    """One paragraph of the reviewed document."""

    index: int
    marks: list[str] = field(default_factory=list)
    pieces: list[_Piece] = field(default_factory=list)
    comments: list[_Comment] = field(default_factory=list)
    para_marks: list[_Piece] = field(default_factory=list)
    """Paragraph marks inserted or deleted (the paragraph was added, or joined to the next)."""
    footnote_of: _Unit | None = None

    def original(self) -> str:
        return "".join(p.text for p in self.pieces if p.state != "ins")

    def original_marked(self, author: str) -> tuple[tuple[str, bool], ...]:
        return _runs(
            (p.text, p.state == "del" and p.author == author)
            for p in self.pieces
            if p.state != "ins"
        )

    def proposed_marked(self, author: str) -> tuple[tuple[str, bool], ...]:
        return _runs(
            (p.text, p.state == "ins")
            for p in self.pieces
            if p.state == ""
            or (p.state == "ins" and p.author == author)
            or (p.state == "del" and p.author != author)
        )

    def authors(self) -> list[str]:
        seen = (
            [p.author for p in self.pieces if p.state]
            + [c.author for c in self.comments]
            + [p.author for p in self.para_marks]
        )
        return list(dict.fromkeys(seen))


def _runs(pairs: Iterable[tuple[str, bool]]) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for text, changed in pairs:
        if not text:
            continue
        if out and out[-1][1] == changed:
            out[-1] = (out[-1][0] + text, changed)
        else:
            out.append((text, changed))
    return tuple(out)


def _attr(node: dict, key: str) -> str:
    return next((v for k, v in node["c"][0][2] if k == key), "")


class _Reader:
    """Walks pandoc's JSON of a reviewed file into paragraphs with their marks."""

    def __init__(self) -> None:
        self.units: list[_Unit] = []
        self.open_comments: dict[str, _Comment] = {}

    def blocks(self, blocks: list, footnote_of: _Unit | None = None) -> None:
        for b in blocks:
            t, c = b.get("t"), b.get("c")
            if t in ("Para", "Plain"):
                self.paragraph(c, footnote_of)
            elif t == "Header":
                self.paragraph(c[2], footnote_of)
            elif t == "LineBlock":
                for line in c:
                    self.paragraph(line, footnote_of)
            elif t == "CodeBlock":
                self.paragraph([{"t": "Str", "c": c[1]}], footnote_of)
            elif t in ("Div",):
                self.blocks(c[1], footnote_of)
            elif t == "BlockQuote":
                self.blocks(c, footnote_of)
            elif t == "BulletList":
                for item in c:
                    self.blocks(item, footnote_of)
            elif t == "OrderedList":
                for item in c[1]:
                    self.blocks(item, footnote_of)
            elif t == "DefinitionList":
                for term, defs in c:
                    self.paragraph(term, footnote_of)
                    for d in defs:
                        self.blocks(d, footnote_of)
            elif t == "Table":
                _, caption, _, head, bodies, foot = c
                self.blocks(caption[1], footnote_of)
                for row in head[1]:
                    self.row(row, footnote_of)
                for body in bodies:
                    for row in body[2] + body[3]:
                        self.row(row, footnote_of)
                for row in foot[1]:
                    self.row(row, footnote_of)

    def row(self, row: list, footnote_of: _Unit | None) -> None:
        for cell in row[1]:
            self.blocks(cell[4], footnote_of)

    def paragraph(self, inlines: list, footnote_of: _Unit | None) -> None:
        unit = _Unit(len(self.units), footnote_of=footnote_of)
        self.units.append(unit)
        notes: list[list] = []
        self.inlines(inlines, unit, "", "", "", notes)
        for note in notes:
            self.blocks(note, unit)

    def text(self, unit: _Unit, text: str, state: str, author: str, date: str) -> None:
        pos = 0
        for m in _MARK.finditer(text):
            self.add(unit, text[pos : m.start()], state, author, date)
            unit.marks.append(m.group(1))
            pos = m.end()
        self.add(unit, text[pos:], state, author, date)

    def add(self, unit: _Unit, text: str, state: str, author: str, date: str) -> None:
        if not text:
            return
        for comment in self.open_comments.values():
            comment.anchor.append((unit.index, text))
        if unit.pieces and (unit.pieces[-1].state, unit.pieces[-1].author) == (state, author):
            unit.pieces[-1].text += text
        else:
            unit.pieces.append(_Piece(text, state, author, date))

    def inlines(
        self, inlines: list, unit: _Unit, state: str, author: str, date: str, notes: list
    ) -> None:
        for node in inlines:
            t, c = node.get("t"), node.get("c")
            if t == "Str":
                self.text(unit, c, state, author, date)
            elif t in ("Space", "SoftBreak"):
                self.text(unit, " ", state, author, date)
            elif t == "LineBreak":
                self.text(unit, "\n", state, author, date)
            elif t in ("Code", "Math"):
                self.text(unit, c[1], state, author, date)
            elif t in (
                "Emph",
                "Strong",
                "Underline",
                "Strikeout",
                "Superscript",
                "Subscript",
                "SmallCaps",
            ):
                self.inlines(c, unit, state, author, date, notes)
            elif t == "Quoted" or t == "Cite" or t == "Link":
                self.inlines(c[1], unit, state, author, date, notes)
            elif t == "Image":
                self.text(unit, "［図］", state, author, date)
            elif t == "Note":
                self.text(unit, "※", state, author, date)
                notes.append(c)
            elif t == "Span":
                classes = c[0][1]
                if "insertion" in classes or "deletion" in classes:
                    kind = "ins" if "insertion" in classes else "del"
                    self.inlines(
                        c[1], unit, kind, _attr(node, "author"), _attr(node, "date"), notes
                    )
                elif "comment-start" in classes:
                    body = _Reader.flat(c[1])
                    comment = _Comment(
                        _attr(node, "id"),
                        _attr(node, "author"),
                        _attr(node, "date"),
                        body,
                        unit=unit.index,
                    )
                    unit.comments.append(comment)
                    self.open_comments[comment.id] = comment
                elif "comment-end" in classes:
                    done = self.open_comments.pop(_attr(node, "id"), None)
                    if done is not None:
                        done.open = False
                elif "paragraph-insertion" in classes or "paragraph-deletion" in classes:
                    kind = "ins" if "paragraph-insertion" in classes else "del"
                    unit.para_marks.append(
                        _Piece("", kind, _attr(node, "author"), _attr(node, "date"))
                    )
                else:
                    self.inlines(c[1], unit, state, author, date, notes)

    @staticmethod
    def flat(inlines: list) -> str:
        """A comment's text: its paragraphs (pandoc joins them with ¶) on lines of their own."""
        out: list[str] = []

        def walk(nodes: list) -> None:
            for n in nodes:
                t, c = n.get("t"), n.get("c")
                if t == "Str":
                    out.append(c)
                elif t in ("Space", "SoftBreak"):
                    out.append(" ")
                elif t == "LineBreak":
                    out.append("\n")
                elif t in ("Code", "Math"):
                    out.append(c[1])
                elif t in (
                    "Emph",
                    "Strong",
                    "Underline",
                    "Strikeout",
                    "Superscript",
                    "Subscript",
                    "SmallCaps",
                ):
                    walk(c)
                elif t in ("Quoted", "Cite", "Link", "Span"):
                    walk(c[1])

        walk(inlines)
        text = "".join(out)
        return _MARK.sub("", re.sub(r"\s*¶\s*", "\n", text)).strip()
