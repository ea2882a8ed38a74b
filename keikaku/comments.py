"""The 意見対応表: what the reviewers marked in their copies of plan.docx, in plan order.

Other bureaus and ministries return the Word edition (``docx/``) with tracked changes and
comments. ``collect_comments`` reads every returned file with Pandoc (``pandoc --sandbox
--track-changes=all -f docx -t json``) and gathers every insertion, deletion and comment
with its author and date; each becomes part of a row of the 意見対応表 at the place in the
plan it was made: the headings above it with the plan's numbering, and the content item
(id and field path) its paragraph was built from. Changes and comments by one author in
one paragraph form one row, with the paragraph's original text and the text the author
proposes. Rows come in plan order; the 対応 column is left for the planning staff.
``write_iken_xlsx`` writes the table for working on (internal ids included) and
``write_iken_pdf`` for circulating (no internal ids).

How a paragraph is traced: every paragraph of plan.docx starts with a bookmark
``kk_<tag>_<n>`` that the custom XML part ``customXml/item1.xml`` (the trace map) maps to
its content item. Bookmarks move with the text when a reviewer edits around them, so the
trace survives editing; a paragraph a reviewer added has none and is placed after the
paragraph before it. Pandoc's reader keeps only bookmarks that a link points to, so each
``kk_`` bookmark is first made visible to it as a marker run (private-use characters
around its name) at the bookmark's place. If a reviewer's program dropped the trace map,
the original plan.docx (``plan_docx``) supplies it. A mark that can no longer be placed
(its bookmark gone or unknown) is listed separately, never dropped.

Reviewed files are hostile input. Each is read only if it is a regular file of at most
``MAX_DOCX_BYTES``; it must be a zip of at most ``MAX_MEMBERS`` members whose declared sizes
add up to at most ``MAX_UNZIPPED_BYTES`` (``zipfile`` never inflates a member past its
declared size), none encrypted; only its XML parts are passed on, each refused if it
declares a DOCTYPE or an entity, in a new zip that pandoc reads in sandbox mode with a
time limit. Every problem is reported as one line per file (``BuildError``), never a
traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .docx import MAP_NAMESPACE, TRACE_PREFIX, TraceMap, parse_trace_map
from .errors import BuildError, Pos, Problem
from .files import shown_path, write_file
from .limits import (  # with every other limit
    MAX_DOCX_BYTES,
    MAX_IKEN_TEXT_CHARS,
    MAX_XML_BYTES,
    MAX_XML_TOTAL,
    MB,
    PANDOC_READ_TIMEOUT,
)
from .limits import MAX_DOCX_MEMBERS as MAX_MEMBERS
from .limits import MAX_DOCX_UNZIPPED_BYTES as MAX_UNZIPPED_BYTES
from .pandoc import PandocFailed
from .pandoc import run as run_pandoc

__all__ = [
    "COLUMNS",
    "IkenRow",
    "collect_comments",
    "iken_html",
    "iken_pdf_bytes",
    "iken_xlsx_bytes",
    "write_iken_pdf",
    "write_iken_xlsx",
]

PANDOC_READ_HEAP = "2g"
"""Most memory pandoc's heap may take while reading one file (GHC's ``+RTS -M``)."""

#: 修正案 of a paragraph the reviewer deleted whole.
DELETED = "（削除）"

#: Around a bookmark's name in the marker run that makes it visible to pandoc's reader.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_OPEN}([A-Za-z][A-Za-z0-9_]{{0,39}}){_CLOSE}")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)

#: The columns of the 意見対応表, and whether each goes into the PDF (internal ids do not).
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("number", "番号", True),
    ("place", "箇所", True),
    ("item_id", "項目ID", False),
    ("item_path", "項目内の位置", False),
    ("source", "内容ファイル", False),
    ("bookmark", "しおり", False),
    ("file", "提出ファイル", True),
    ("author", "意見提出者", True),
    ("date", "日付", True),
    ("kind", "種別", True),
    ("original", "原文", True),
    ("proposed", "修正案", True),
    ("comments", "コメント", True),
    ("response", "対応", True),
)


@dataclass
class IkenRow:
    """One row of the 意見対応表: what one reviewer marked in one paragraph."""

    number: int
    where: tuple[str, ...]
    """The headings above the paragraph, with the plan's numbering (「第１章　…」)."""
    note: str
    """What the row is about within that place: 「（脚注）」, 「（この段落の後に追加）」 …"""
    item_id: str
    item_path: str
    source: str
    bookmark: str
    file: str
    author: str
    date: str
    """The earliest date of the row's marks (ISO 8601, as Word records it)."""
    kind: str
    """修正, コメント, or 修正・コメント."""
    original: str
    proposed: str
    original_marked: tuple[tuple[str, bool], ...]
    """The original text in runs, True where this reviewer deleted."""
    proposed_marked: tuple[tuple[str, bool], ...]
    """The proposed text in runs, True where this reviewer inserted."""
    comments: tuple[str, ...]
    response: str = ""
    located: bool = True
    plan_title: str = ""
    revision: str = ""
    order: tuple = field(default=(), repr=False)

    @property
    def place(self) -> str:
        return "\n".join(self.where) + (f"\n{self.note}" if self.note else "")

    def value(self, column: str) -> str | int:
        if column == "comments":
            return "\n".join(self.comments)
        if column == "place":
            return self.place
        return getattr(self, column)


# ------------------------------------------------------------------ reading a file safely


def _problem(shown: str, message: str) -> Problem:
    return Problem(Pos(shown), message)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read_file(path: Path) -> bytes:
    """The file's bytes: a regular file, at most ``MAX_DOCX_BYTES``."""
    try:
        fd = os.open(
            path,
            os.O_RDONLY
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_NOFOLLOW", 0),
        )
    except FileNotFoundError:
        raise _Refused(
            "ファイルが見つかりません。ファイル名を確かめてください。 (file not found)"
        ) from None
    except OSError as exc:
        raise _Refused(
            f"ファイルを開けません（{exc.strerror}）。リンクではなくファイルそのものを指定してください。"
            " (cannot open the file)"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(
                "通常のファイルではありません。Word 文書（.docx）を指定してください。 (not a regular file)"
            )
        if info.st_size > MAX_DOCX_BYTES:
            raise _Refused(
                f"ファイルが大きすぎます（{info.st_size / MB:.1f} MB）。読み込めるのは "
                f"{MAX_DOCX_BYTES // MB} MB までです。画像を除いて保存し直してください。 (file over 20 MB)"
            )
        data = f.read(MAX_DOCX_BYTES + 1)
    if len(data) > MAX_DOCX_BYTES:
        raise _Refused(
            f"ファイルが大きすぎます。読み込めるのは {MAX_DOCX_BYTES // MB} MB までです。 (file over 20 MB)"
        )
    return data


def _xml_ok(data: bytes) -> bool:
    """No DOCTYPE and no entity declaration (in UTF-8 or UTF-16)."""
    if _DOCTYPE.search(data):
        return False
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00<" in data[:8] or b"<\x00" in data[:8]:
        for codec in ("utf-16",):
            with contextlib.suppress(UnicodeDecodeError):
                if _DOCTYPE.search(data.decode(codec).encode("utf-8")):
                    return False
    return True


def _unpack(data: bytes) -> dict[str, bytes]:
    """The XML parts of a docx, each checked; raises ``_Refused`` with the reason."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Refused(
            "Word 97-2003 形式（.doc）の文書か、パスワードで保護された文書です。パスワードを外し、"
            "「Word 文書 (*.docx)」として保存し直してください。 (legacy .doc or password-protected document)"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise _Refused(
            "Word 文書（.docx）ではありません。Word で「Word 文書 (*.docx)」として保存してください。"
            " (not a .docx file)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise _Refused(
                    f"文書の中のファイルが {len(members)} 個あり、上限の {MAX_MEMBERS} 個を超えています。"
                    " (too many members in the zip)"
                )
            total = sum(m.file_size for m in members)
            if total > MAX_UNZIPPED_BYTES:
                raise _Refused(
                    f"文書を展開すると {total / MB:.0f} MB になり、上限の {MAX_UNZIPPED_BYTES // MB} MB を"
                    "超えます。 (zip expands beyond the limit)"
                )
            if any(m.flag_bits & 0x1 for m in members):
                raise _Refused(
                    "暗号化された文書は読めません。パスワードを外して保存し直してください。 (encrypted zip members)"
                )
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise _Refused(
                    "zip ファイルですが Word 文書（.docx）ではありません。 (zip is not a Word document)"
                )
            parts: dict[str, bytes] = {}
            for m in members:
                name = m.filename
                if m.is_dir() or not (name.endswith(".xml") or name.endswith(".rels")):
                    continue  # images, embedded objects, macros: not needed for the text
                if ".." in name.split("/") or name.startswith("/"):
                    continue
                if m.file_size > MAX_XML_BYTES:
                    raise _Refused(f"文書の部品「{name}」が大きすぎます。 (XML part too large)")
                body = archive.read(m)
                if sum(len(b) for b in parts.values()) + len(body) > MAX_XML_TOTAL:
                    raise _Refused(
                        f"文書の XML が合計 {MAX_XML_TOTAL // MB} MB を超えます。 (XML parts too large)"
                    )
                if not _xml_ok(body):
                    raise _Refused(
                        f"文書の部品「{name}」が DOCTYPE または ENTITY を宣言しています。Word で保存した"
                        "文書ではないため読みません。 (XML declares a DOCTYPE or entities)"
                    )
                parts[name] = body
            return parts
    except _Refused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise _Refused(
            f"zip として読めません（{exc}）。Word で保存し直してください。 (broken zip)"
        ) from None


_TAGS = re.compile(r"<(/?)w:(p|del|moveFrom|bookmarkStart)\b([^>]*?)(/?)>")


def _mark_bookmarks(xml: str) -> str:
    """A marker run at every trace bookmark, so pandoc's reader keeps its place: inside a
    paragraph where it stands (as deleted text inside a deletion), else at the start of
    the next paragraph."""
    out: list[str] = []
    stack: list[str] = []
    pending: list[str] = []
    last = 0
    for m in _TAGS.finditer(xml):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == "bookmarkStart":
            name = re.search(r'w:name="([^"]*)"', attrs)
            if not name or not name.group(1).startswith(TRACE_PREFIX):
                continue
            run = _OPEN + name.group(1) + _CLOSE
            if "p" in stack:
                deleted = any(t in ("del", "moveFrom") for t in stack[stack.index("p") :])
                text = (
                    f"<w:delText>{run}</w:delText>"
                    if deleted
                    else f'<w:t xml:space="preserve">{run}</w:t>'
                )
                out.append(xml[last : m.end()] + f"<w:r>{text}</w:r>")
                last = m.end()
            else:
                pending.append(run)
            continue
        if empty:
            continue
        if closing:
            if tag in stack:
                del stack[len(stack) - 1 - stack[::-1].index(tag) :]
            continue
        stack.append(tag)
        if tag == "p" and pending:
            # After the paragraph's properties, if it has any.
            end = xml.find("</w:pPr>", m.end())
            nxt = xml.find("<w:", m.end())
            at = end + len("</w:pPr>") if end != -1 and xml.startswith("<w:pPr", nxt) else m.end()
            out.append(
                xml[last:at]
                + "".join(f'<w:r><w:t xml:space="preserve">{r}</w:t></w:r>' for r in pending)
            )
            last = at
            pending = []
    out.append(xml[last:])
    return "".join(out)


def _repack(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def _trace_map_of(parts: dict[str, bytes]) -> TraceMap | None:
    for name, body in sorted(parts.items()):
        if (
            name.startswith("customXml/item")
            and "Props" not in name
            and MAP_NAMESPACE.encode() in body
        ):
            found = parse_trace_map(body)
            if found is not None:
                return found
    return None


# ------------------------------------------------------------------ the AST, paragraph by paragraph


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


# ------------------------------------------------------------------ rows


def _date_only(date: str) -> str:
    return date[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", date) else date


def _rows_of(
    units: list[_Unit], tmap: TraceMap | None, shown: str, file_index: int
) -> list[IkenRow]:
    rows: dict[tuple, IkenRow] = {}
    last_mark: str | None = None
    for unit in units:
        host = unit.footnote_of
        name = next((m for m in unit.marks if m.startswith(TRACE_PREFIX)), None)
        after = False
        if name is None and host is None:
            # A paragraph without a bookmark: one the reviewer added after the last one that
            # has one (or, before any, one that cannot be placed).
            name, after = last_mark, last_mark is not None
        elif name is not None and unit.footnote_of is None:
            last_mark = name
        if host is not None:
            host_name = next((m for m in host.marks if m.startswith(TRACE_PREFIX)), last_mark)
        else:
            host_name = name
        trace = tmap.traces.get(host_name or "") if tmap else None
        own = tmap.traces.get(name or "") if tmap and host is not None else trace
        located = trace is not None
        for author in unit.authors():
            changes = [p for p in unit.pieces if p.state and p.author == author] + [
                p for p in unit.para_marks if p.author == author
            ]
            comments = [c for c in unit.comments if c.author == author]
            if not changes and not comments:
                continue
            key = (
                file_index,
                host_name if located else f"?{unit.index}",
                after,
                host is not None,
                author,
            )
            dates = [p.date for p in changes if p.date] + [c.date for c in comments if c.date]
            comment_texts = []
            for c in comments:
                anchor = c.anchored()
                comment_texts.append(f"「{anchor}」について：{c.body}" if anchor else c.body)
            original = unit.original()
            orig_marked = unit.original_marked(author)
            proposed_marked = unit.proposed_marked(author) if changes else ()
            proposed = "".join(t for t, _ in proposed_marked)
            if any(p.state == "del" for p in unit.para_marks if p.author == author):
                proposed += "（次の段落と結合）"
            if changes and not proposed.strip():
                proposed, proposed_marked = DELETED, ()  # the whole paragraph deleted
            note = ""
            if host is not None:
                note = "（脚注）"
            elif after:
                before = re.sub(r"\s+", "", trace.text if trace else "")
                before = before if len(before) <= 20 else before[:19] + "…"
                note = f"（「{before}」の後に追加された段落）" if before else "（追加された段落）"
            kind = "修正・コメント" if changes and comments else ("修正" if changes else "コメント")
            row = rows.get(key)
            if row is None:
                where = trace.where if trace else ()
                if not located:
                    reason = (
                        "（しおりが見つからない段落）"
                        if host_name is None
                        else "（しおりが元の計画の対応表にない段落）"
                    )
                    note = reason + note
                rows[key] = IkenRow(
                    0,
                    where,
                    note,
                    (own.id if own else ""),
                    (own.path if own else ""),
                    (own.src if own else ""),
                    host_name or "",
                    shown,
                    author or "（不明）",
                    min(dates) if dates else "",
                    kind,
                    original,
                    proposed,
                    orig_marked,
                    proposed_marked,
                    tuple(comment_texts),
                    located=located,
                    plan_title=tmap.title if tmap else "",
                    revision=tmap.revision if tmap else "",
                    order=(
                        trace.order if trace else 10**9,
                        after,
                        host is not None,
                        file_index,
                        min(dates) if dates else "",
                        author,
                        unit.index,
                    ),
                )
            else:
                # More paragraphs by the same author at the same place (paragraphs added one
                # after another, or a footnote with several paragraphs): one row.
                row.original = "\n".join(x for x in (row.original, original) if x)
                row.proposed = "\n".join(x for x in (row.proposed, proposed) if x)
                row.original_marked = (
                    row.original_marked
                    + ((("\n", False),) if row.original_marked else ())
                    + orig_marked
                )
                row.proposed_marked = (
                    row.proposed_marked
                    + ((("\n", False),) if row.proposed_marked else ())
                    + proposed_marked
                )
                row.comments = row.comments + tuple(comment_texts)
                if dates:
                    row.date = min([row.date, *dates]) if row.date else min(dates)
                if row.kind != kind:
                    row.kind = "修正・コメント"
    return list(rows.values())


def _read_reviewed(path: Path, reference: TraceMap | None) -> tuple[list[_Unit], TraceMap | None]:
    data = _read_file(path)
    parts = _unpack(data)
    tmap = _trace_map_of(parts)
    doc = parts["word/document.xml"].decode("utf-8", "replace")
    has_marks = f'w:name="{TRACE_PREFIX}' in doc
    if tmap is None:
        if not has_marks:
            raise _Refused(
                "plan.docx から作った文書ではありません（計画の段落のしおりも対応表もありません）。"
                "協議用に配布した plan.docx に変更履歴とコメントを付けたものを指定してください。"
                " (not derived from plan.docx)"
            )
        tags = set(re.findall(rf'w:name="{TRACE_PREFIX}([a-z0-9]+)_', doc))
        if reference is None or reference.tag not in tags:
            raise _Refused(
                "段落のしおりはありますが、しおりと計画の対応表が文書から失われています。"
                "配布した元の plan.docx も指定してください（--plan-docx）。 (trace map missing: give the original plan.docx)"
            )
        tmap = reference
    parts["word/document.xml"] = _mark_bookmarks(doc).encode("utf-8")
    if "word/footnotes.xml" in parts:
        parts["word/footnotes.xml"] = _mark_bookmarks(
            parts["word/footnotes.xml"].decode("utf-8", "replace")
        ).encode("utf-8")
    try:
        out = run_pandoc(
            [
                "+RTS",
                f"-M{PANDOC_READ_HEAP}",
                "-RTS",
                "--track-changes=all",
                "-f",
                "docx",
                "-t",
                "json",
                "reviewed.docx",
            ],
            b"",
            timeout=PANDOC_READ_TIMEOUT,
            files_in={"reviewed.docx": _repack(parts)},
        )
    except PandocFailed as exc:
        raise _Refused(
            f"pandoc が文書を読めませんでした（{exc.message}）。Word で開いて保存し直してください。"
            " (pandoc could not read the document)"
        ) from None
    try:
        ast = json.loads(out)
    except ValueError:
        raise _Refused("pandoc の出力を読めませんでした。 (unreadable pandoc output)") from None
    reader = _Reader()
    reader.blocks(ast.get("blocks", []))
    return reader.units, tmap


def collect_comments(
    docx_paths: Iterable[Path | str], plan_docx: Path | str | bytes | None = None
) -> list[IkenRow]:
    """The 意見対応表's rows from the reviewed copies of plan.docx: located rows in plan
    order, numbered 1, 2 …, then the rows that could not be placed (``located`` False,
    numbered on). ``plan_docx`` is the plan.docx that was sent out (path or bytes): it
    supplies the trace map to a copy whose program dropped it. Every file is checked
    before anything is returned; problems raise ``BuildError``, one line per file."""
    from .docx import read_trace_map

    reference: TraceMap | None = None
    problems: list[Problem] = []
    if plan_docx is not None:
        try:
            ref_bytes = plan_docx if isinstance(plan_docx, bytes) else _read_file(Path(plan_docx))
            _unpack(ref_bytes)
            reference = read_trace_map(ref_bytes)
            if reference is None:
                problems.append(
                    _problem(
                        "plan.docx"
                        if isinstance(plan_docx, bytes)
                        else shown_path(Path(plan_docx)),
                        "plan.docx の対応表（customXml）がありません。build.py が作った plan.docx を"
                        "指定してください。 (no trace map in the reference plan.docx)",
                    )
                )
        except _Refused as exc:
            problems.append(
                _problem(
                    shown_path(Path(plan_docx))
                    if not isinstance(plan_docx, bytes)
                    else "plan.docx",
                    exc.message,
                )
            )
    rows: list[IkenRow] = []
    paths = [Path(p) for p in docx_paths]
    if not paths:
        problems.append(
            _problem(
                "comments", "意見を集める Word 文書を一つ以上指定してください。 (no files given)"
            )
        )
    for index, path in enumerate(paths):
        shown = shown_path(path)
        try:
            units, tmap = _read_reviewed(path, reference)
        except _Refused as exc:
            problems.append(_problem(shown, exc.message))
            continue
        except BuildError as exc:
            problems.extend(Problem(Pos(shown), p.message) for p in exc.problems)
            continue
        except Exception as exc:
            problems.append(
                _problem(
                    shown,
                    f"文書を読めませんでした（{type(exc).__name__}）。Word で開いて"
                    "保存し直してください。 (unreadable document)",
                )
            )
            continue
        found = _rows_of(units, tmap, path.name, index)
        longest = max(
            (
                (len(text), row)
                for row in found
                for text in (row.original, row.proposed, *row.comments)
            ),
            default=(0, None),
            key=lambda pair: pair[0],
        )
        if longest[1] is not None and longest[0] > MAX_IKEN_TEXT_CHARS:
            row = longest[1]
            problems.append(
                _problem(
                    shown,
                    f"{row.author or '（記入者なし）'}の{row.kind}（{row.where[-1] if row.where else '位置不明'}）"
                    f"の文が長すぎます（{longest[0]:,}字。意見対応表の 1 つの欄は "
                    f"{MAX_IKEN_TEXT_CHARS:,}字まで）。意見を分けるか、別の資料で送ってもらって"
                    "ください。 (comment or change too long)",
                )
            )
            continue
        rows.extend(found)
    if problems:
        raise BuildError(problems)
    located = sorted((r for r in rows if r.located), key=lambda r: r.order)
    lost = sorted((r for r in rows if not r.located), key=lambda r: r.order[3:])
    for n, row in enumerate([*located, *lost], start=1):
        row.number = n
    return [*located, *lost]


# ------------------------------------------------------------------ writers


def _when(rows: list[IkenRow], date: datetime | None) -> datetime:
    """The date the table records: given, or the newest mark's (same input, same bytes)."""
    if date is not None:
        return date
    stamps = []
    for r in rows:
        with contextlib.suppress(ValueError):
            stamps.append(datetime.fromisoformat(r.date.replace("Z", "+00:00")))
    newest = max(stamps, default=datetime(2000, 1, 1, tzinfo=UTC))
    return newest if newest.tzinfo else newest.replace(tzinfo=UTC)


def write_iken_xlsx(rows: list[IkenRow], path: Path, *, date: datetime | None = None) -> Path:
    """Write ``iken_xlsx_bytes`` to ``path`` (through a temporary file). Returns the path."""
    return write_file(Path(path), iken_xlsx_bytes(rows, date=date))


def iken_xlsx_bytes(rows: list[IkenRow], *, date: datetime | None = None) -> bytes:
    """The 意見対応表 as a workbook: sheet 意見対応表 (the placed rows, internal ids
    included) and, if any, sheet 位置不明 (the rows that could not be placed). Changed text
    is underlined in 原文 (deleted) and 修正案 (inserted); 対応 is left empty. Dated
    ``date`` or the newest mark's: the same rows give the same bytes."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.table import Table, TableStyleInfo
    from openpyxl.writer.excel import ExcelWriter

    when = _when(rows, date)
    wb = Workbook()
    wb.remove(wb.active)
    head_font = Font(name="BIZ UDGothic", bold=True)
    body_font = "BIZ UDMincho"
    widths = {
        "number": 6,
        "place": 34,
        "item_id": 22,
        "item_path": 22,
        "source": 26,
        "bookmark": 18,
        "file": 20,
        "author": 14,
        "date": 20,
        "kind": 12,
        "original": 50,
        "proposed": 50,
        "comments": 40,
        "response": 40,
    }

    def rich(runs: tuple[tuple[str, bool], ...]) -> Any:
        if not any(changed for _t, changed in runs):
            return "".join(t for t, _ in runs)
        return CellRichText(
            [
                TextBlock(
                    InlineFont(
                        rFont=body_font,
                        u="single" if changed else None,
                        color="C00000" if changed else None,
                    ),
                    t,
                )
                for t, changed in runs
            ]
        )

    def sheet(title: str, chosen: list[IkenRow]) -> None:
        ws = wb.create_sheet(title)
        ws.append([label for _k, label, _pdf in COLUMNS])
        for cell in ws[1]:
            cell.font = head_font
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for r in chosen:
            values: list[Any] = []
            for key, _label, _pdf in COLUMNS:
                if key == "original":
                    values.append(rich(r.original_marked) if r.original_marked else r.original)
                elif key == "proposed":
                    values.append(rich(r.proposed_marked) if r.proposed_marked else r.proposed)
                else:
                    values.append(r.value(key))
            ws.append(values)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                if not isinstance(cell.value, CellRichText):
                    cell.font = Font(name=body_font)
        for i, (key, _label, _pdf) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = widths[key]
        ws.freeze_panes = "C2"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if chosen:
            ref = f"A1:{ws.cell(row=len(chosen) + 1, column=len(COLUMNS)).coordinate}"
            table = Table(displayName="Iken" if title == "意見対応表" else "IkenUnplaced", ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
            ws.add_table(table)

    sheet("意見対応表", [r for r in rows if r.located])
    lost = [r for r in rows if not r.located]
    if lost:
        sheet("位置不明", lost)
    naive = when.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = naive
    wb.properties.modified = naive
    wb.properties.creator = "keikaku"
    wb.properties.title = "意見対応表"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        ExcelWriter(wb, z).save()
    return _fixed_zip(buf.getvalue(), when)


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """The zip with every member dated ``when`` (zipfile dates members with the clock)."""
    stamp = max(when.astimezone(UTC).replace(tzinfo=None), datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def iken_html(
    rows: list[IkenRow], *, title: str | None = None, date: datetime | None = None
) -> str:
    """The 意見対応表 as HTML for the PDF (templates/iken.html): no internal ids."""
    from .paths import TEMPLATES_DIR
    from .render import make_environment

    env = make_environment(TEMPLATES_DIR)
    when = _when(rows, date)
    plan_title = title or next((r.plan_title for r in rows if r.plan_title), "")
    columns = [(k, label) for k, label, pdf in COLUMNS if pdf]
    return env.get_template("iken.html").render(
        title=plan_title,
        rows=[r for r in rows if r.located],
        lost=[r for r in rows if not r.located],
        columns=columns,
        date=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        date_only=_date_only,
        files=list(dict.fromkeys(r.file for r in rows)),
    )


def write_iken_pdf(
    rows: list[IkenRow], path: Path, *, title: str | None = None, date: datetime | None = None
) -> Path:
    """Write ``iken_pdf_bytes`` to ``path`` (through a temporary file). Returns the path."""
    return write_file(Path(path), iken_pdf_bytes(rows, title=title, date=date))


def iken_pdf_bytes(
    rows: list[IkenRow], *, title: str | None = None, date: datetime | None = None
) -> bytes:
    """The 意見対応表 as a PDF: A4 landscape, the header row on every page, the rows that
    could not be placed in a table of their own, no internal ids; laid out by
    ``write.layout_pdf`` (templates/iken.html, styles/iken.css). ``title`` defaults to
    the plan's, from the trace map."""
    from .paths import STYLES_DIR, TEMPLATES_DIR
    from .write import layout_pdf

    html = iken_html(rows, title=title, date=date)
    return layout_pdf(html, STYLES_DIR.as_uri() + "/", allowed=[TEMPLATES_DIR, STYLES_DIR])
