"""Printed text: ``Inline`` (characters, footnote calls, marks), made from the content's
Markdown by one parse (``PlainText``), and Markdown's blocks (``prose_blocks``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Union

from markdown_it.token import Token
from markdown_it.utils import OptionsDict

from .. import model
from ..markup import Mark, MarkKind, PlainText, printing_parser

# ------------------------------------------------------------------ printed text


@dataclass(frozen=True)
class Call:
    """A footnote call in a printed text: where its 「※」 stands, the footnote, its number
    (0 where the page prints no number: a text of the cover's metadata)."""

    at: int
    footnote: str
    number: int


@dataclass(frozen=True)
class Inline:
    """A run of printed text. ``text`` has 「※」 where a footnote is called; ``calls`` has
    the footnote and number of each 「※」, in order; ``marks`` the ranges set in strong,
    emphasis, strikeout, code, links and line breaks (for a writer that sets them, as Word
    does). Two texts are equal when they print the same characters and calls: the marks
    are left out, as the 新旧対照表 compares what is printed."""

    text: str = ""
    calls: tuple[Call, ...] = ()
    marks: tuple[Mark, ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.text)

    def __add__(self, other: Inline | str) -> Inline:
        if isinstance(other, str):
            return Inline(self.text + other, self.calls, self.marks)
        shift = len(self.text)
        return Inline(
            self.text + other.text,
            self.calls + tuple(Call(c.at + shift, c.footnote, c.number) for c in other.calls),
            self.marks + tuple(m.shifted(shift) for m in other.marks),
        )

    def __radd__(self, other: str) -> Inline:
        return Inline(other) + self

    def marked(self, kind: MarkKind, href: str = "") -> Inline:
        """The whole text set as ``kind`` (outside the marks it has)."""
        return Inline(self.text, self.calls, (Mark(0, len(self.text), kind, href), *self.marks))

    def nested(self) -> list[Mark]:
        """Its marks outer first: by start, the longer of two at one start first (a
        writer sets them as nested elements, ``held``)."""
        order = sorted(
            range(len(self.marks)), key=lambda n: (self.marks[n].start, -self.marks[n].end, n)
        )
        return [self.marks[n] for n in order]

    def unmarked(self, kind: MarkKind) -> Inline:
        """Without the marks of ``kind`` over the whole text (what ``marked`` adds): for a
        writer that sets that look by the element holding the text (the HTML's
        ``span.pending-label``)."""
        whole = len(self.text)
        kept = tuple(
            m for m in self.marks if not (m.kind == kind and m.start == 0 and m.end == whole)
        )
        return Inline(self.text, self.calls, kept)

    def after(self, start: int) -> Inline:
        """The text from ``start`` on (a line without its marker)."""
        return Inline(
            self.text[start:],
            tuple(Call(c.at - start, c.footnote, c.number) for c in self.calls if c.at >= start),
            tuple(m.shifted(-start) for m in self.marks if m.end > start),
        )

    @property
    def printed(self) -> str:
        """As the PDF prints it: each call with its number (※1)."""
        out, last = [], 0
        for call in self.calls:
            out.append(self.text[last : call.at + 1])
            out.append(str(call.number) if call.number else "")
            last = call.at + 1
        out.append(self.text[last:])
        return "".join(out)

    @property
    def plain(self) -> str:
        """Without the calls: as the 目次, the bookmarks and the figures show a title."""
        cut = {c.at for c in self.calls}
        return "".join(ch for i, ch in enumerate(self.text) if i not in cut)


def held(marks: Sequence[Mark], n: int) -> int:
    """The index after the marks that ``marks[n]`` holds (``marks`` outer first, as
    ``Inline.nested`` orders them): those are set inside it."""
    m, inner = marks[n], n + 1
    while (
        inner < len(marks)
        and marks[inner].end <= m.end
        and (marks[inner].start < m.end or m.start == m.end)
    ):
        inner += 1
    return inner


#: A line break inside a text (between the lines of a table cell).
LINE_BREAK = Inline("\n", (), (Mark(0, 1, "break"),))


def join(*parts: Inline | str) -> Inline:
    out = Inline()
    for part in parts:
        out = out + part
    return out


def _read(tokens: Sequence[Token], options: OptionsDict) -> Inline:
    """Inline tokens as printed text, its footnote calls not yet numbered."""
    env: dict = {}
    text = PlainText().render(tokens, options, env)
    calls = tuple(Call(at, fid, 0) for at, fid in env["calls"])
    return Inline(text, calls, tuple(env["marks"]))


def inline(text: model.Text | None) -> Inline:
    """A content text as printed, its footnote calls unnumbered (``number`` 0): one parse
    of its Markdown with the plan's parser. A table cell's lines are parsed one by one, as
    the loader renders them, and joined by line breaks."""
    if text is None or not text.raw:
        return Inline()
    md = printing_parser()
    if isinstance(text, model.Cell):
        out = Inline()
        for n, line in enumerate(text.raw.split("\n")):
            if n:
                out = out + LINE_BREAK
            out = out + _read(md.parseInline(line.strip(), {}), md.options)
        return out
    return _read(md.parseInline(text.raw, {}), md.options)


# ------------------------------------------------------------------ Markdown's blocks


@dataclass(frozen=True)
class ProsePara:
    """A paragraph of Markdown (a heading, which the loader refuses, reads as one)."""

    text: Inline


@dataclass(frozen=True)
class ProseList:
    """A list of Markdown: bullets (•) or numbers from ``start`` (1., 2. …); each item
    its blocks (a tight list's item holds its text as a paragraph too)."""

    ordered: bool
    start: int
    items: tuple[tuple[ProseBlock, ...], ...]


@dataclass(frozen=True)
class ProseTable:
    """A GFM table: its header rows and body rows, each a cell's text."""

    head: tuple[tuple[Inline, ...], ...]
    body: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class ProseQuote:
    blocks: tuple[ProseBlock, ...]


@dataclass(frozen=True)
class ProseCode:
    """A code block, indented or fenced: its lines as written."""

    text: str


ProseBlock = Union[ProsePara, ProseList, ProseTable, ProseQuote, ProseCode]  # noqa: UP007


def prose_blocks(raw: str) -> tuple[ProseBlock, ...]:
    """Markdown as blocks of printed text (for a writer that sets its paragraphs, lists
    and tables as such: Word): one parse with the plan's parser, the footnote calls
    unnumbered. A thematic break (---) prints nothing."""
    md = printing_parser()
    tokens = md.parse(raw, {})
    blocks, _ = _prose_blocks(tokens, 0, "", md.options)
    return blocks


def _prose_blocks(
    tokens: Sequence[Token], i: int, close: str, options: OptionsDict
) -> tuple[tuple[ProseBlock, ...], int]:
    """The blocks from ``tokens[i]`` up to the token ``close`` (the end if ""), and the
    index after it."""
    out: list[ProseBlock] = []
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == close:
            return tuple(out), i + 1
        if kind in ("paragraph_open", "heading_open"):
            out.append(ProsePara(_read([tokens[i + 1]], options)))
            i += 3
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            start = int(token.attrGet("start") or 1) if ordered else 1
            end = kind.replace("_open", "_close")
            items = []
            i += 1
            while tokens[i].type != end:  # list_item_open
                item, i = _prose_blocks(tokens, i + 1, "list_item_close", options)
                items.append(item)
            out.append(ProseList(ordered, start, tuple(items)))
            i += 1
        elif kind == "blockquote_open":
            inner, i = _prose_blocks(tokens, i + 1, "blockquote_close", options)
            out.append(ProseQuote(inner))
        elif kind == "table_open":
            head: list[tuple[Inline, ...]] = []
            body: list[tuple[Inline, ...]] = []
            rows = head
            cells: list[Inline] = []
            while tokens[i].type != "table_close":
                kind = tokens[i].type
                if kind == "tbody_open":
                    rows = body
                elif kind == "inline":
                    cells.append(_read([tokens[i]], options))
                elif kind == "tr_close":
                    rows.append(tuple(cells))
                    cells = []
                i += 1
            out.append(ProseTable(tuple(head), tuple(body)))
            i += 1
        elif kind in ("code_block", "fence"):
            out.append(ProseCode(token.content))
            i += 1
        else:  # hr
            i += 1
    return tuple(out), i
