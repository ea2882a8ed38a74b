"""The plan as a Word document for consultation (協議用の Word 版): ``plan.docx``.

Before the plan is decided its draft goes to other bureaus and ministries for comments.
They work in Word: they mark the draft up with tracked changes and comments and send it
back, and ``comments.py`` collects every mark into the 意見対応表. This module writes that
Word edition from the same loaded ``Plan`` as the PDF: the same document tree, the same
outline (第１章, （２）, ア …), the same labels, so the two editions read alike.

**Pandoc, not python-docx.** Pandoc's docx writer gives real footnotes, Word's built-in
heading styles, tables with repeated header rows and merged cells, images, bookmarks from
element ids and ``custom-style`` paragraphs, from an AST that is easy to build; python-docx
has no footnote API and would need raw XML for most of that. The same tool reads a reviewed
copy back with its tracked changes and comments (``--track-changes=all``). What Pandoc does
not do — a section break between the front matter and the body, a pre-filled 目次 field,
the running head and page numbers, the map of bookmarks — is raw OpenXML in the AST, parts
of the reference document made here, or a small rewrite of the package afterwards.

How the document is made:

1. ``_Builder`` walks the plan and writes Pandoc's JSON AST: every paragraph a ``Div`` with
   a ``custom-style`` (made to measure: indents in characters as in the PDF), every
   heading a ``Header`` of level = its outline depth (Word's Heading 1–6), its number as
   text. Each paragraph starts with an empty span whose id becomes a Word bookmark
   (``kk_<tag>_<n>``): the trace back to the content (see ``Trace``). Text is the
   document tree's printed text (``tree.inline``, ``tree.prose_blocks``: one parse of
   the Markdown, its marks as Word runs, no HTML parsed back). Generated lists
   are Word tables; the diagram of 課題 → 姿 → 重点目標 is a table of its three columns; a
   figure's PNG or JPEG is inlined, an SVG stands in as 「［図：代替テキスト］」 (Word shows
   SVG only with a PNG fallback, which pandoc makes only with rsvg-convert).
2. The 目次 is raw OpenXML: a TOC field over the heading styles, down to the deepest level
   the PDF's 目次 lists (the headings it leaves out are in 「Plan Heading n」, based on
   Heading n, so a refreshed 目次 lists the same headings), filled in with the entries as
   the headings read and, when given, the PDF's page numbers (``pdf_page_numbers``) in
   PAGEREF fields; settings.xml asks Word to update fields on opening.
3. ``_reference`` makes the reference document from Pandoc's default one (``pandoc
   --print-default-data-file reference.docx``): our styles, fonts, header (素案) and
   footer (「- n -」, a PAGE field), A4 with the plan's margins; ``_finish`` embeds the
   fonts (``docx_fonts``). The フォローアップ's Word edition (``followup_docx.py``) is
   written against the same reference document (``reference_docx``), in the same styles
   (``StyleBook``, ``heading_indent``, ``finish_body``).
4. ``pandoc -f json -t docx --reference-doc=…`` writes the package; ``_finish`` adds the
   sections (``_sections``: the front matter without page numbers and its cover without a
   page head; then one per part, numbered from 1 at 第１章, its page head naming it but on
   its opening page), each heading's
   indent as the PDF hangs it, unbreakable table rows, our settings (pandoc rebuilds
   settings.xml from its own), the trace map as a custom XML part, document properties,
   and fixes every date, so the same content gives the same bytes.

Pandoc is the binary of the pinned ``pypandoc-binary`` wheel (``pandoc.py``), run with
``--sandbox`` in an empty temporary folder with an empty home: it reads only our AST and
the reference document, and writes only the package.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, assert_never
from xml.sax.saxutils import escape as _xml_escape

from . import files, tree
from .docx_fonts import GOTHIC, MINCHO, Cutting, ast_text, font_table, used_text
from .docx_fonts import embed as embed_fonts
from .errors import BuildError, Problem
from .limits import MAX_IMAGE_BYTES
from .model import (
    HEADINGS,
    NUMBERED_MARKERS,
    BulletList,
    Challenge,
    Diagram,
    Figure,
    Generated,
    GoalOutline,
    KpiPart,
    ListItem,
    MarkdownBlock,
    MarkdownFile,
    Note,
    PackageGroup,
    PackagePart,
    PageBreak,
    Paragraph,
    Pending,
    Plan,
    PolicyPackage,
    PriorityGoal,
    Projects,
    Section,
    Table,
    Text,
    Vision,
    children,
    draft_mark,
    printed_number,
)
from .outline import Heading, Outline, list_marker, zen
from .pandoc import PandocFailed, PandocMissing, Running
from .pandoc import run as run_pandoc
from .pandoc import start as start_pandoc
from .typeset import char_width

__all__ = [
    "MAP_NAMESPACE",
    "PandocFailed",
    "PandocMissing",
    "Trace",
    "TraceMap",
    "WordEdition",
    "docx_bytes",
    "page_numbers",
    "parse_trace_map",
    "pdf_page_numbers",
    "read_trace_map",
    "revision_tag",
    "run_pandoc",
    "start_docx",
]

# ------------------------------------------------------------------ units and names

#: Twips (1/20 pt) per em of the body text (10.5 pt): indents are counted in characters.
EM = 210
#: Twips per millimetre.
MM = 1440 / 25.4
#: The page: A4 portrait with the PDF's margins (styles/plan.css @page: 25mm 21.65mm 22mm).
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_SIDE, MARGIN_BOTTOM = round(25 * MM), round(21.65 * MM), round(22 * MM)
#: The text width: 45 characters of 10.5 pt, as in the PDF.
TEXT_W = PAGE_W - 2 * MARGIN_SIDE

#: The two families and their Windows names (w:altName) are docx_fonts' (MINCHO, GOTHIC,
#: FONT_ALT), as followup.docx names and embeds the same.

#: The custom XML part that maps every bookmark to the content it traces (``Trace``).
MAP_NAMESPACE = "urn:keikaku:plan-docx:1"
MAP_PART = "customXml/item1.xml"
#: Bookmarks Word accepts: a letter first, then letters, digits or underscores, ≤ 40.
BOOKMARK = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
TRACE_PREFIX = "kk_"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def revision_tag(revision: str) -> str:
    """Seven letters or digits that name ``revision`` in bookmark names: a commit's
    abbreviated hash, or a digest of any other revision string."""
    compact = revision.strip().lower()
    if re.fullmatch(r"[0-9a-f]{7,64}", compact):
        return compact[:7]
    return hashlib.sha1(revision.encode("utf-8")).hexdigest()[:7]


def _x(text: str) -> str:
    """Text for XML content."""
    return _xml_escape(text)


def _xa(text: str) -> str:
    """Text for an XML attribute value in double quotes."""
    return _xml_escape(text, {'"': "&quot;"})


# ------------------------------------------------------------------ the trace map


@dataclass(frozen=True)
class Trace:
    """Where one paragraph of the Word document comes from: its bookmark's record.

    ``id`` is the nearest content id (a section, a typed entity, a ＫＰＩ; "" for the
    cover and the 目次's title), ``path`` the field path of the text under it as the
    content files write it (``body[2].list[1]``, ``parts[0].body[3]``, ``title``), ``src``
    the file, line and column of the text, ``where`` the headings above the paragraph in
    the document (「第１章　…」, 「１　…」) and ``order`` its place in the document.
    """

    name: str
    id: str
    path: str
    kind: str
    where: tuple[str, ...]
    src: str
    order: int
    text: str = ""
    """The paragraph's text as built (for messages; the reviewed copy has its own)."""


def _map_xml(
    traces: list[Trace], *, revision: str, tag: str, draft: bool, title: str, date: datetime
) -> bytes:
    """The trace map as a custom XML part. Heading paths are written once, as a table."""
    paths: dict[tuple[str, ...], int] = {}
    for t in traces:
        paths.setdefault(t.where, len(paths))
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<keikaku xmlns="{MAP_NAMESPACE}" revision="{_xa(revision)}" tag="{tag}" '
        f'edition="{"draft" if draft else "final"}" title="{_xa(title)}" '
        f'date="{date.strftime("%Y-%m-%dT%H:%M:%SZ")}">\n',
    ]
    for where, i in paths.items():
        out.append(f'<w i="{i}">' + "".join(f"<h>{_x(h)}</h>" for h in where) + "</w>\n")
    for t in traces:
        out.append(
            f'<b n="{t.name}" o="{t.order}" id="{_xa(t.id)}" p="{_xa(t.path)}" '
            f'k="{t.kind}" w="{paths[t.where]}" s="{_xa(t.src)}">{_x(t.text)}</b>\n'
        )
    out.append("</keikaku>\n")
    return "".join(out).encode("utf-8")


@dataclass(frozen=True)
class TraceMap:
    """The trace map of one plan.docx, read back (``read_trace_map``)."""

    revision: str
    tag: str
    edition: str
    title: str
    date: str
    traces: dict[str, Trace]


def parse_trace_map(data: bytes) -> TraceMap | None:
    """The trace map from the bytes of its custom XML part, or None if they are not one.
    The caller has checked the bytes declare no DOCTYPE (no entities can be expanded)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    ns = f"{{{MAP_NAMESPACE}}}"
    if root.tag != f"{ns}keikaku":
        return None
    wheres: dict[str, tuple[str, ...]] = {}
    for w in root.iter(f"{ns}w"):
        wheres[w.get("i", "")] = tuple(h.text or "" for h in w.iter(f"{ns}h"))
    traces: dict[str, Trace] = {}
    for b in root.iter(f"{ns}b"):
        name = b.get("n", "")
        try:
            order = int(b.get("o", "0"))
        except ValueError:
            order = 0
        traces[name] = Trace(
            name,
            b.get("id", ""),
            b.get("p", ""),
            b.get("k", ""),
            wheres.get(b.get("w", ""), ()),
            b.get("s", ""),
            order,
            b.text or "",
        )
    return TraceMap(
        root.get("revision", ""),
        root.get("tag", ""),
        root.get("edition", ""),
        root.get("title", ""),
        root.get("date", ""),
        traces,
    )


def read_trace_map(docx: bytes) -> TraceMap | None:
    """The trace map inside a plan.docx (or a reviewed copy that kept it), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as z:
            for info in z.infolist():
                if (
                    info.filename.startswith("customXml/item")
                    and info.filename.endswith(".xml")
                    and "Props" not in info.filename
                    and info.file_size < 50 * 1024 * 1024
                ):
                    data = z.read(info)
                    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                        continue
                    found = parse_trace_map(data)
                    if found is not None:
                        return found
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


# ------------------------------------------------------------------ Pandoc's AST


def Str(text: str) -> dict:
    return {"t": "Str", "c": text}


def Span(
    inlines: list, *, ident: str = "", style: str | None = None, classes: Iterable[str] = ()
) -> dict:
    attrs = [["custom-style", style]] if style else []
    return {"t": "Span", "c": [[ident, list(classes), attrs], inlines]}


def Raw(xml: str) -> dict:
    return {"t": "RawInline", "c": ["openxml", xml]}


def RawBlock(xml: str) -> dict:
    return {"t": "RawBlock", "c": ["openxml", xml]}


TAB = Raw("<w:r><w:tab/></w:r>")
LINE_BREAK = {"t": "LineBreak"}


def Para(inlines: list) -> dict:
    return {"t": "Para", "c": inlines}


def Div(blocks: list, style: str | None = None) -> dict:
    return {"t": "Div", "c": [["", [], [["custom-style", style]] if style else []], blocks]}


def _cell(blocks: list, *, align: str = "AlignDefault", rows: int = 1, cols: int = 1) -> list:
    return [["", [], []], {"t": align}, rows, cols, blocks]


def _row(cells: list) -> list:
    return [["", [], []], cells]


def TableBlock(
    widths: list[float], head: list[list], body: list[list], aligns: list[str] | None = None
) -> dict:
    """A Word table: ``widths`` are fractions of the text width (they sum to 1), ``head``
    the header rows (repeated on every page), ``body`` the rest; rows of ``_cell``s."""
    aligns = aligns or ["AlignDefault"] * len(widths)
    specs = [[{"t": a}, {"t": "ColWidth", "c": w}] for a, w in zip(aligns, widths, strict=True)]
    return {
        "t": "Table",
        "c": [
            ["", [], []],
            [None, []],
            specs,
            [["", [], []], [_row(r) for r in head]],
            [[["", [], []], 0, [], [_row(r) for r in body]]],
            [["", [], []], []],
        ],
    }


def _plain_text(inlines: list) -> str:
    """The text of a list of AST inlines, footnotes left out (for the trace map)."""
    out: list[str] = []
    for node in inlines:
        t = node.get("t")
        if t == "Str":
            out.append(node["c"])
        elif t in ("Space", "SoftBreak"):
            out.append(" ")
        elif t == "LineBreak":
            out.append("\n")
        elif t == "RawInline" and "<w:tab/>" in node["c"][1]:
            out.append("\t")
        elif t in (
            "Emph",
            "Strong",
            "Strikeout",
            "Underline",
            "Superscript",
            "Subscript",
            "SmallCaps",
        ):
            out.append(_plain_text(node["c"]))
        elif t in ("Span", "Link"):
            out.append(_plain_text(node["c"][1]))
        elif t == "Code":
            out.append(node["c"][1])
    return "".join(out)


_SPACES = re.compile(r"[ \t\r\n\f]+")


# ------------------------------------------------------------------ styles made to measure


@dataclass(frozen=True)
class _Style:
    """A paragraph or character style of the reference document."""

    id: str
    name: str
    kind: str = "paragraph"
    based: str | None = "Normal"
    ppr: str = ""
    rpr: str = ""
    extra: str = ""


def _ind(left: float = 0.0, hang: float = 0.0, first: float = 0.0) -> str:
    """An indent in ems (characters of 10.5 pt)."""
    parts = [f'w:left="{round(left * EM)}"']
    if hang:
        parts.append(f'w:hanging="{round(hang * EM)}"')
    elif first:
        parts.append(f'w:firstLine="{round(first * EM)}"')
    return f"<w:ind {' '.join(parts)}/>"


def _fonts(face: str) -> str:
    return f'<w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:eastAsia="{face}" w:cs="{face}"/>'


def _size(pt: float) -> str:
    half = round(pt * 2)
    return f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'


def _spacing(before_mm: float = 0, after_mm: float = 0, line: float = 1.75) -> str:
    """Spacing in millimetres, as plan.css gives it; line spacing as CSS's line-height
    (multiples of the font's height: BIZ UD's ascent and descent are exactly 1 em)."""
    return (
        f'<w:spacing w:before="{round(before_mm * MM)}" w:after="{round(after_mm * MM)}" '
        f'w:line="{round(line * 240)}" w:lineRule="auto"/>'
    )


GOTHIC_BOLD = _fonts(GOTHIC) + "<w:b/><w:bCs/>"

#: Paragraph roles: the look of each kind of paragraph the PDF sets (styles/plan.css).
#: (ppr, rpr, takes a hanging marker width); indents are added per use.
_ROLES: dict[str, tuple[str, str]] = {
    "Body": (_spacing(0, 1.5), ""),
    "Flush": (_spacing(0, 1.5), ""),
    "Center": (_spacing(0, 3) + '<w:jc w:val="center"/>', ""),
    "Right": (_spacing(0, 1.5) + '<w:jc w:val="right"/>', ""),
    "Labelled": (_spacing(0, 1.5), ""),
    # The フォローアップ report's own (followup.css): its title (it has no cover), the
    # note under its summary table and the line under each ＫＰＩ's table.
    "Title": (_spacing(0, 1, 1.5) + '<w:keepNext/><w:jc w:val="center"/>', GOTHIC_BOLD + _size(15)),
    "Table Note": (_spacing(2, 1.5), _size(9.5)),
    "Table Foot": (_spacing(1.5, 1.5), ""),
    "Note": (_spacing(0, 1.5), _size(9.5)),
    "Pending": (_spacing(0, 1.5), ""),
    "Pending Note": (_spacing(0, 2) + "<w:keepNext/>", _size(9.5)),
    "Point": (_spacing(0, 0.8), ""),
    "Part Label": (
        _spacing(2, 0.5, 1.5) + '<w:keepNext/><w:jc w:val="left"/>',
        GOTHIC_BOLD + _size(10),
    ),
    "Block Title": (_spacing(6, 2, 1.5) + '<w:keepNext/><w:jc w:val="left"/>', GOTHIC_BOLD),
    "Figure": ('<w:keepNext/><w:jc w:val="center"/>' + _spacing(4, 0, 1.0), ""),
    "Figure Caption": (_spacing(2, 1, 1.5) + '<w:jc w:val="center"/>', _fonts(GOTHIC) + _size(9)),
    "Table Caption": (
        _spacing(2, 1.5, 1.5) + '<w:keepNext/><w:jc w:val="center"/>',
        GOTHIC_BOLD + _size(9.5),
    ),
    "Source": (_spacing(0, 4, 1.5) + '<w:jc w:val="right"/>', _size(8.5)),
    "Pillar": (
        _spacing(1, 1, 1.5)
        + '<w:jc w:val="center"/>'
        + '<w:shd w:val="clear" w:color="auto" w:fill="D9D9D9"/>'
        + '<w:pBdr><w:top w:val="single" w:sz="6" w:space="4" w:color="000000"/><w:left w:val="single" w:sz="6" w:space="4" w:color="000000"/>'
        '<w:bottom w:val="single" w:sz="6" w:space="4" w:color="000000"/><w:right w:val="single" w:sz="6" w:space="4" w:color="000000"/></w:pBdr>',
        GOTHIC_BOLD,
    ),
    "Appendix Note": (_spacing(0, 3), _size(9.5)),
    "Pending Item": (
        _spacing(1.2, 1.2, 1.5)
        + '<w:jc w:val="left"/>'
        + '<w:pBdr><w:bottom w:val="single" w:sz="3" w:space="4" w:color="999999"/></w:pBdr>',
        _size(9),
    ),
    "Cell": (_spacing(0, 0, 1.5) + '<w:jc w:val="left"/>', _size(9.5)),
    "Cell Head": (_spacing(0, 0, 1.5) + '<w:jc w:val="left"/>', GOTHIC_BOLD + _size(9.5)),
    "Cell Group": (_spacing(0, 0, 1.5) + '<w:jc w:val="left"/>', GOTHIC_BOLD + _size(9.5)),
    "Cell Point": (_spacing(0, 0, 1.5) + '<w:jc w:val="left"/>', _size(9.5)),
    "Page Break": (
        '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>',
        _size(1),
    ),
}
#: Roles whose first line starts one character in (公用文's indent).
_FIRST_LINE = {"Body"}
#: Roles that hang their text after a marker of ``hang`` characters.
_HANGING = {"Point", "Cell Point", "Pending Item", "Note", "Labelled", "Table Note"}


class StyleBook:
    """The paragraph styles a document uses, made to measure: ``Plan Point 1 +1.5`` is a
    list item with a one-character marker, its list set in by one and a half characters."""

    def __init__(self) -> None:
        self.used: dict[str, _Style] = {}

    def get(self, role: str, *, left: float = 0.0, hang: float = 0.0) -> str:
        name = f"Plan {role}"
        if role in _HANGING:
            name += f" {hang:g}"
        if left:
            name += f" +{left:g}"
        if name not in self.used:
            ppr, rpr = _ROLES[role]
            indent = _ind(
                left + (hang if role in _HANGING else 0),
                hang if role in _HANGING else 0,
                1.0 if role in _FIRST_LINE else 0.0,
            )
            tabs = (
                f'<w:tabs><w:tab w:val="left" w:pos="{round((left + hang) * EM)}"/></w:tabs>'
                if role in _HANGING and hang
                else ""
            )
            ident = re.sub(r"[^A-Za-z0-9]", "", name.replace(".", "p").replace("+", "i"))
            self.used[name] = _Style(ident, name, ppr=tabs + ppr + indent, rpr=rpr)
        return name


# ------------------------------------------------------------------ the builder


@dataclass(frozen=True)
class _Ctx:
    """Where the blocks being set stand: the nearest content id and the field path under
    it, the headings above, the left margin (em) and the heading node that holds them."""

    id: str
    path: str
    where: tuple[str, ...]
    left: float
    node: Any = None


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path and not part.startswith("[") else f"{path}{part}"


def _em(width: str) -> float | None:
    """A CSS width of the content format as a fraction of the text width, or None (auto)."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(%|em|mm|cm|pt)\s*", width or "")
    if not m:
        return None
    value, unit = float(m.group(1)), m.group(2)
    twips = {
        "%": value / 100 * TEXT_W,
        "em": value * EM,
        "mm": value * MM,
        "cm": value * 10 * MM,
        "pt": value * 20,
    }[unit]
    return max(0.02, min(1.0, twips / TEXT_W))


def _fractions(widths: list[float | None]) -> list[float]:
    """Column widths as fractions summing to 1: the auto columns share what is left."""
    fixed = sum(w for w in widths if w is not None)
    auto = [w for w in widths if w is None]
    spare = max(1.0 - fixed, 0.1 * len(auto)) if auto else 0.0
    out = [w if w is not None else spare / len(auto) for w in widths]
    total = sum(out) or 1.0
    return [round(w / total, 4) for w in out]


def _marker_width(marker: str) -> int:
    from .render import marker_width

    return marker_width(marker)


def _width(text: str) -> float:
    """The width of ``text`` in ems: BIZ UD sets full-width characters 1 em, others ½."""
    return sum(char_width(c) for c in text)


def marked(mark: str, hang: float) -> list:
    """A marker and the tab to the text, which hangs ``hang`` ems in. A marker as wide
    as the indent needs no tab (a tab there would jump to the next stop)."""
    if not mark:
        return []
    return [Str(mark), TAB] if _width(mark) < hang else [Str(mark)]


def _toc_page(mark: str, page: int | None) -> str:
    """A 目次 entry's page: a tab and a PAGEREF field showing the PDF's page number;
    nothing without one."""
    if page is None:
        return ""
    return (
        '<w:r><w:tab/></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> PAGEREF {mark} \\h </w:instrText></w:r>'
        f'<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>{page}</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _page_ref(mark: str, page: int | None) -> str:
    """A heading's page in a table (参考１'s 頁): a PAGEREF field to its bookmark."""
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> PAGEREF {mark} \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:t>{'' if page is None else page}</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


_SLOT = re.compile(r"<!--keikaku:page:[0-9]+-->")


class _Builder:
    """The plan as Pandoc's AST, with the trace of every paragraph."""

    def __init__(
        self,
        plan: Plan,
        *,
        draft: bool,
        tag: str,
        pages: Mapping[str, int] | None,
        content: Path | None,
    ) -> None:
        self.plan = plan
        self.draft = draft
        self.outline = plan.outline(draft)
        self.L = plan.labels
        self.tag = tag
        self.pages = None if pages is None else dict(pages)
        """The PDF's page numbers; None while the layout is still running (``start_docx``):
        each page number is then a slot (``slot``), filled in once they are known."""
        self.slots: dict[str, tuple[str, str]] = {}
        """Each slot's mark in the raw XML → (``toc`` or ``ref``, the heading's anchor)."""
        self.content = content
        self.styles = StyleBook()
        self.traces: list[Trace] = []
        self.problems: list[Problem] = []
        self.blocks: list[dict] = []
        self.heading_marks = {
            h.anchor: f"{TRACE_PREFIX}{tag}_h{i}" for i, h in enumerate(self.outline.headings)
        }
        self.origin: dict[int, tuple[str, str]] = {}
        """(content id, field path) of typed items by ``id()``: the 未定事項一覧 points back."""
        self.heading_ppr: dict[str, str] = {}
        self.running_heads: list[str] = []
        """The title of each part that opens a section of the body, in order."""
        self.figures: dict[bytes, bytes] = {}
        """Each figure's stand-in given to Pandoc → the image that replaces it."""
        """Direct paragraph properties of each heading (by bookmark): its indent."""

    # -------------------------------------------------------------- traces

    def trace(
        self,
        cid: str,
        path: str,
        kind: str,
        where: tuple[str, ...],
        src: Any,
        *,
        name: str | None = None,
    ) -> Trace:
        if name is None:
            name = f"{TRACE_PREFIX}{self.tag}_{len(self.traces)}"
        assert BOOKMARK.match(name), name
        pos = getattr(src, "pos", src)
        t = Trace(name, cid, path, kind, where, str(pos) if pos else "", len(self.traces))
        self.traces.append(t)
        return t

    def label_trace(self, key: str, ctx: _Ctx) -> Trace:
        """A paragraph of wording that is not content but a label (plan.yaml's ``labels``
        over the defaults): traced to the label."""
        return self.trace("", f"labels.{key}", "label", ctx.where, self.L[key])

    def para(self, style: str, inlines: list, trace: Trace | None) -> dict:
        """One Word paragraph, opened by its trace bookmark."""
        if trace is not None:
            inlines = [Span([], ident=trace.name), *inlines]
            self.traces[trace.order] = Trace(
                trace.name,
                trace.id,
                trace.path,
                trace.kind,
                trace.where,
                trace.src,
                trace.order,
                _plain_text(inlines),
            )
        return Div([Para(inlines)], style)

    def add(self, block: dict) -> None:
        self.blocks.append(block)

    # -------------------------------------------------------------- inline text

    def text(self, value: Text | str | None) -> list:
        """Content text as AST inlines (as printed, the footnotes as Word footnotes)."""
        if value is None:
            return []
        if isinstance(value, Text):
            return self.inline(tree.inline(value))
        return [Str(str(value))] if value else []

    def inline(self, text: tree.Inline) -> list:
        """Printed text as AST inlines: its marks as Word sets them (strong in the plan's
        style, links to a heading's bookmark or outside), each footnote call a footnote."""
        order = sorted(
            range(len(text.marks)), key=lambda n: (text.marks[n].start, -text.marks[n].end, n)
        )
        return self.runs(text, 0, len(text.text), [text.marks[n] for n in order])

    def runs(self, text: tree.Inline, start: int, end: int, marks: list[tree.Mark]) -> list:
        """``text[start:end]`` as AST inlines; ``marks`` the ranges inside it, outer first."""
        out: list = []
        at, n = start, 0
        while n < len(marks):
            m = marks[n]
            inner = n + 1
            while (
                inner < len(marks)
                and marks[inner].end <= m.end
                and (marks[inner].start < m.end or m.start == m.end)
            ):
                inner += 1
            out += self.plain_runs(text, at, m.start)
            kids = self.runs(text, m.start, m.end, marks[n + 1 : inner])
            match m.kind:
                case "strong":
                    out.append(Span(kids, style="Plan Strong"))
                case "em":
                    out.append({"t": "Emph", "c": kids})
                case "strike":
                    out.append({"t": "Strikeout", "c": kids})
                case "code":
                    out.append({"t": "Code", "c": [["", [], []], text.text[m.start : m.end]]})
                case "link":
                    out.append(self.link(m.href, kids))
                case "break":
                    out.append(LINE_BREAK)
                case _:
                    assert_never(m.kind)
            at, n = m.end, inner
        return out + self.plain_runs(text, at, end)

    def plain_runs(self, text: tree.Inline, start: int, end: int) -> list:
        """Unmarked ``text[start:end]``: its runs of white space one space (as HTML sets
        them), each footnote call a footnote."""
        out: list = []
        at = start
        for call in text.calls:
            if start <= call.at < end:
                if run := _SPACES.sub(" ", text.text[at : call.at]):
                    out.append(Str(run))
                out.append(self.footnote(call.footnote))
                at = call.at + 1
        if run := _SPACES.sub(" ", text.text[at:end]):
            out.append(Str(run))
        return out

    def link(self, href: str, inlines: list) -> dict:
        if href.startswith("#"):
            target = self.heading_marks.get(href[1:])
            if target is None:
                return Span(inlines)
            return {"t": "Link", "c": [["", [], []], inlines, ["#" + target, ""]]}
        if re.match(r"^(https?://|mailto:)", href, re.I):
            return {"t": "Link", "c": [["", [], []], inlines, [href, ""]]}
        return Span(inlines)

    def footnote(self, fid: str) -> dict:
        text = self.plan.footnotes.get(fid)
        trace = self.trace(fid, "", "footnote", (), text if text is not None else "")
        inlines = [Span([], ident=trace.name), *self.text(text)]
        self.traces[trace.order] = Trace(
            trace.name,
            trace.id,
            trace.path,
            trace.kind,
            trace.where,
            trace.src,
            trace.order,
            _plain_text(inlines),
        )
        return {"t": "Note", "c": [Para(inlines)]}

    # -------------------------------------------------------------- the document

    def build(self) -> list[dict]:
        parts = self.plan.parts
        front = 0
        while front < len(parts) and _is_front(parts[front]):
            front += 1
        root = _Ctx("", "", (), 0.0)
        for i, part in enumerate(parts):
            if i == front and front:
                # The front matter (cover, 目次) is a section of its own: no page number;
                # the numbering starts at 1 with the first part, as in the PDF.
                self.add(RawBlock(_SECTION_END.format("front")))
            if i >= front and isinstance(part, HEADINGS):
                if isinstance(part, Section) and part.draft_only and not self.draft:
                    continue
                # Each part is a section of its own, whose page head names it (as the
                # PDF's running head), except on its opening page, where its title stands.
                if self.running_heads:
                    self.add(RawBlock(_SECTION_END.format("part")))
                self.running_heads.append(self.outline.of(part).title)
            self.block(part, root, f"parts[{i}]")
        return self.blocks

    def block(self, b: Any, ctx: _Ctx, path: str) -> None:
        if isinstance(b, HEADINGS):
            if isinstance(b, Section) and b.draft_only and not self.draft:
                return
            self.heading_block(b, ctx, path)
        elif isinstance(b, Paragraph):
            self.paragraph(b, ctx, path)
        elif isinstance(b, BulletList):
            self.bullet_list(b, ctx, path, ctx.left + self.list_offset(ctx))
        elif isinstance(b, Note):
            self.add(
                self.para(
                    self.styles.get("Note", left=ctx.left, hang=1),
                    [*marked(b.mark, 1), *self.text(b.text)],
                    self.trace(ctx.id, path, "note", ctx.where, b.text),
                )
            )
        elif isinstance(b, Pending):
            self.origin[id(b)] = (ctx.id, path)
            self.pending(b, ctx, path, value=False)
        elif isinstance(b, Table):
            self.table(b, ctx, path)
        elif isinstance(b, Projects):
            self.projects(b, ctx, path)
        elif isinstance(b, Figure):
            self.figure(b, ctx, path)
        elif isinstance(b, Diagram):
            self.diagram(b, ctx, path)
        elif isinstance(b, PageBreak):
            self.add(
                RawBlock(
                    '<w:p><w:pPr><w:pStyle w:val="PlanPageBreak"/></w:pPr>'
                    '<w:r><w:br w:type="page"/></w:r></w:p>'
                )
            )
            self.styles.get("Page Break")
        elif isinstance(b, (MarkdownBlock, MarkdownFile)):
            self.prose(b, ctx, path)
        elif isinstance(b, Generated):
            self.generated(b, ctx, path)

    # -------------------------------------------------------------- headings

    def list_offset(self, ctx: _Ctx) -> float:
        """How far a list is set in from its section (plan.css: .blk-item > ul.points …)."""
        node = ctx.node
        if node is None:
            return 0.0
        if isinstance(node, PolicyPackage):
            return 0.5
        if isinstance(node, PackageGroup):
            return 1.0
        look = self.outline.of(node).look
        return {"item": 1.0, "paren": 1.0, "kana": 2.0, "paren-kana": 2.0}.get(look, 0.0)

    def para_offset(self, ctx: _Ctx) -> float:
        """How far a paragraph is set in from its section (.blk-paren > p)."""
        node = ctx.node
        if node is None or isinstance(node, PolicyPackage):
            return 0.0
        return 1.0 if self.outline.of(node).look == "paren" else 0.0

    def heading_block(self, b: Any, ctx: _Ctx, path: str) -> None:
        h = self.outline.of(b)
        where = (*h.path, h.line)
        title_inlines, cid, tpath, src = self.heading_title(b)
        if not cid:
            cid, tpath = ctx.id, _join(path, "title")
        mark = self.heading_marks[h.anchor]
        trace = self.trace(cid, tpath, b.KIND, where, src, name=mark)
        inlines: list = [Span([], ident=mark)]
        if h.label:
            inlines += [Str(h.label), TAB]  # the heading styles hang wider than any number
        inlines += title_inlines
        if isinstance(b, Section) and b.title_note:
            inlines.append(Span(self.text(b.title_note), style="Plan Title Note"))
        self.traces[trace.order] = Trace(
            trace.name,
            trace.id,
            trace.path,
            trace.kind,
            trace.where,
            trace.src,
            trace.order,
            _plain_text(inlines),
        )
        self.heading_ppr[mark] = heading_indent(
            h,
            ctx.left + (1.0 if isinstance(b, PolicyPackage) else 0.0),
            before_mm=12 if self.follows_goal(b) else None,
        )
        self.add({"t": "Header", "c": [min(h.depth, 6), ["", [], []], inlines]})
        # The blocks below: ids of their own where the content gives one.
        own = getattr(b, "id", None)
        if isinstance(b, (Section, Challenge, Vision, PriorityGoal, PolicyPackage)) or (
            isinstance(b, PackageGroup) and b.id
        ):
            inner = _Ctx(str(own), "", where, ctx.left, b)
        else:  # a group without an id of its own, a 重点目標の案: counted from the holder
            inner = _Ctx(ctx.id, path, where, ctx.left, b)
        if isinstance(b, PolicyPackage):
            inner = _Ctx(inner.id, inner.path, where, ctx.left + 1.0, b)  # .kind-package
            self.package_parts(b, inner)
            return
        for j, child in enumerate(getattr(b, "body", ())):
            self.block(child, inner, _join(inner.path, f"body[{j}]"))
        if isinstance(b, GoalOutline):
            marker = self.L["outline_marker"].plain
            left = inner.left + self.list_offset(inner)
            style = self.styles.get("Point", left=left, hang=_marker_width(marker))
            for v in (v for v in self.plan.index.visions.values() if v.goal == b.goal):
                self.add(
                    self.para(
                        style,
                        [
                            *marked(marker, _marker_width(marker)),
                            self.link("#" + v.id, self.text(v.title)),
                        ],
                        self.trace(v.id, "title", "vision", where, v.title),
                    )
                )

    def follows_goal(self, b: Any) -> bool:
        """A 重点目標 right after another stands further off (plan.css .kind-goal + .kind-goal)."""
        if not isinstance(b, PriorityGoal):
            return False
        parent = self.plan.index.parents.get(id(b))
        siblings = children(parent) if parent is not None else self.plan.parts
        i = next((i for i, s in enumerate(siblings) if s is b), 0)
        return i > 0 and isinstance(siblings[i - 1], PriorityGoal)

    def heading_title(self, b: Any) -> tuple[list, str, str, Any]:
        """A heading's title as printed, and the content item its text comes from."""
        if isinstance(b, PackageGroup):
            v = self.plan.vision(b.vision)
            return (
                [
                    Str(self.L["group_open"].plain),
                    *self.text(v.title),
                    Str(self.L["group_close"].plain),
                ],
                v.id,
                "title",
                v.title,
            )
        if isinstance(b, GoalOutline):
            g = self.plan.goal(b.goal)
            return self.text(g.title), g.id, "title", g.title
        return self.text(b.title), b.id, "title", b.title

    def package_parts(self, pkg: PolicyPackage, ctx: _Ctx) -> None:
        for i, part in enumerate(pkg.parts):
            ppath = f"parts[{i}]"
            label = self.L.get(part.label)
            self.add(
                self.para(
                    self.styles.get("Part Label", left=ctx.left),
                    [Str(f"【{label.plain if label else part.label}】")],
                    self.trace(ctx.id, ppath, "part", ctx.where, label or ""),
                )
            )
            if isinstance(part, KpiPart):
                if isinstance(part.kpis, Pending):
                    self.origin[id(part.kpis)] = (ctx.id, _join(ppath, "kpis"))
                    self.pending(part.kpis, ctx, _join(ppath, "kpis"), value=True)
                else:
                    self.kpi_table(part.kpis, ctx)
            elif isinstance(part, PackagePart):
                for j, child in enumerate(part.body):
                    self.block(child, ctx, f"{ppath}.body[{j}]")

    # -------------------------------------------------------------- plain blocks

    def paragraph(self, b: Paragraph, ctx: _Ctx, path: str) -> None:
        left = ctx.left + self.para_offset(ctx)
        trace = self.trace(ctx.id, path, "p", ctx.where, b.text)
        if b.label:
            style = self.styles.get("Labelled", left=left, hang=2)
            tab = [TAB] if _width(b.label.plain) < 2 else []
            inlines = [Span(self.text(b.label), style="Plan Gothic"), *tab, *self.text(b.text)]
        else:
            role = {"center": "Center", "right": "Right"}.get(
                b.align or "", "Body" if b.indent else "Flush"
            )
            style = self.styles.get(role, left=left)
            inlines = self.text(b.text)
        self.add(self.para(style, inlines, trace))

    def bullet_list(self, b: BulletList, ctx: _Ctx, path: str, left: float) -> None:
        numbered = b.marker in NUMBERED_MARKERS
        hang = 0 if b.marker == "none" else _marker_width(b.marker)
        style = self.styles.get("Point", left=left, hang=hang)
        for n, item in enumerate(b.items, start=1):
            ipath = _join(path, f"list[{n - 1}]")
            text = item.text if isinstance(item, ListItem) else item
            mark = (
                "" if b.marker == "none" else (list_marker(n, b.marker) if numbered else b.marker)
            )
            inlines = marked(mark, hang) + self.text(text)
            self.add(self.para(style, inlines, self.trace(ctx.id, ipath, "list", ctx.where, text)))
            if isinstance(item, ListItem):
                inner = _Ctx(ctx.id, ctx.path, ctx.where, left + hang, ctx.node)
                for j, child in enumerate(item.body):
                    cpath = _join(ipath, f"body[{j}]")
                    if isinstance(child, BulletList):
                        self.bullet_list(child, inner, cpath, left + hang)
                    elif isinstance(child, Paragraph):
                        self.paragraph(
                            child, _Ctx(inner.id, inner.path, inner.where, left + hang), cpath
                        )
                    else:
                        self.block(
                            child, _Ctx(inner.id, inner.path, inner.where, left + hang), cpath
                        )

    def pending(self, p: Pending, ctx: _Ctx, path: str, *, value: bool) -> None:
        trace = self.trace(ctx.id, path, "pending", ctx.where, p.pending)
        left = ctx.left
        if p.label and len(p.label.raw) == 1:
            self.add(
                self.para(
                    self.styles.get("Pending Note", left=left),
                    [*self.text(p.label), *self.text(p.pending)],
                    trace,
                )
            )
            return
        label = p.label or (self.L["pending_value"] if value else self.L["pending_text"])
        self.add(
            self.para(
                self.styles.get("Pending", left=left),
                [Span(self.text(label), style="Plan Strong"), *self.text(p.pending)],
                trace,
            )
        )

    def caption_no(self, b: Any) -> list:
        no = self.outline.caption_no(b)
        return [Str(f"{no}　")] if no else []

    def table(self, b: Table, ctx: _Ctx, path: str) -> None:
        if b.caption:
            self.add(
                self.para(
                    self.styles.get("Table Caption", left=ctx.left),
                    [*self.caption_no(b), *self.text(b.caption)],
                    self.trace(ctx.id, _join(path, "caption"), "caption", ctx.where, b.caption),
                )
            )
        ncols = max((len(r) for r in b.rows), default=1)
        widths = _fractions(
            [_em(w) if w != "auto" else None for w in b.widths] + [None] * (ncols - len(b.widths))
        )
        cell = self.styles.get("Cell")
        head_style = self.styles.get("Cell Head")

        def row(r: int, cells: tuple) -> list:
            return [
                _cell(
                    [
                        self.para(
                            head_style if r < b.header else cell,
                            self.text(c),
                            self.trace(
                                ctx.id, _join(path, f"table[{r}][{c_i}]"), "cell", ctx.where, c
                            ),
                        )
                    ]
                )
                for c_i, c in enumerate(cells)
            ]

        head = [row(r, cells) for r, cells in enumerate(b.rows[: b.header])]
        body = [row(r + b.header, cells) for r, cells in enumerate(b.rows[b.header :])]
        self.add(TableBlock(widths[:ncols], head, body))
        if b.source:
            self.add(
                self.para(
                    self.styles.get("Source"),
                    [Str(self.L["source"].plain), *self.text(b.source)],
                    self.trace(ctx.id, _join(path, "source"), "source", ctx.where, b.source),
                )
            )

    def projects(self, b: Projects, ctx: _Ctx, path: str) -> None:
        """主要事業 as plan.pdf sets it (blocks.html): the columns some row fills, a row
        per project, the 計 computed; the header repeated on every page."""
        if b.caption:
            self.add(
                self.para(
                    self.styles.get("Table Caption", left=ctx.left),
                    [*self.caption_no(b), *self.text(b.caption)],
                    self.trace(ctx.id, _join(path, "caption"), "caption", ctx.where, b.caption),
                )
            )
        columns = b.columns
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        header = [
            _cell([self.para(head, [Str(self.L[label].plain)], self.label_trace(label, ctx))])
            for _name, label in columns
        ]
        aligns = ["AlignRight" if name == "cost" else "AlignDefault" for name, _ in columns]
        rows = []
        for p in b.projects:
            cells = []
            for (name, _label), align in zip(columns, aligns, strict=True):
                value = getattr(p, name)
                inl = (
                    []
                    if value is None
                    else [Str(printed_number(value))]
                    if name == "cost"
                    else self.text(value)
                )
                src = value if isinstance(value, Text) else p.pos
                cells.append(
                    _cell(
                        [self.para(cell, inl, self.trace(p.id, name, "project", ctx.where, src))],
                        align=align,
                    )
                )
            rows.append(cells)
        total = self.L["projects_total"].raw.replace("{count}", zen(b.count))
        cost = b.total_cost
        rows.append(
            [
                _cell([self.para(head, [Str(total)], self.label_trace("projects_total", ctx))]),
                *(
                    _cell(
                        [
                            self.para(
                                head,
                                [Str(printed_number(cost))]
                                if name == "cost" and cost is not None
                                else [],
                                None,
                            )
                        ],
                        align=align,
                    )
                    for (name, _label), align in zip(columns[1:], aligns[1:], strict=True)
                ),
            ]
        )
        share = {"name": 0.3, "place": 0.2, "completion": 0.14, "cost": 0.14, "notes": 0.22}
        widths = _fractions([share[name] for name, _ in columns])
        self.add(TableBlock(widths, [header], rows, aligns))
        if b.source:
            self.add(
                self.para(
                    self.styles.get("Source"),
                    [Str(self.L["source"].plain), *self.text(b.source)],
                    self.trace(ctx.id, _join(path, "source"), "source", ctx.where, b.source),
                )
            )

    def kpi_table(self, kpis: tuple, ctx: _Ctx) -> None:
        from .render import kpi_columns, kpi_value

        widths = kpi_columns(self.plan)
        unit = float(widths["unit"].removesuffix("em")) * 9.5 / 10.5 / 45
        value = float(widths["value"].removesuffix("em")) * 9.5 / 10.5 / 45
        L = self.L
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        header = [
            _cell([self.para(head, [Str(L[k].plain)], self.label_trace(k, ctx))])
            for k in ("kpi_indicator", "kpi_unit", "kpi_baseline", "kpi_target", "kpi_notes")
        ]
        rows = []
        for k in kpis:
            cells = [
                _cell(
                    [
                        self.para(
                            cell,
                            self.text(k.indicator),
                            self.trace(k.id, "indicator", "kpi", ctx.where, k.indicator),
                        )
                    ]
                ),
                _cell(
                    [
                        self.para(
                            cell,
                            self.text(k.unit) if k.unit else [Str(L["kpi_no_unit"].plain)],
                            self.trace(k.id, "unit", "kpi", ctx.where, k.unit or ""),
                        )
                    ]
                ),
            ]
            for name in ("baseline", "target"):
                v = getattr(k, name)
                if isinstance(v, Pending):
                    inl = [Span([Str(L["pending_value"].plain)], style="Plan Strong")]
                    src: Any = v.pending
                else:
                    shown = v.value if isinstance(v.value, Text) else None
                    inl = [
                        *(
                            self.text(shown)
                            if shown is not None
                            else [Str(str(kpi_value(v.value)))]
                        ),
                        LINE_BREAK,
                        Span([Str("（"), *self.text(v.year), Str("）")], style="Plan Year"),
                    ]
                    src = v.year
                cells.append(
                    _cell([self.para(cell, inl, self.trace(k.id, name, "kpi", ctx.where, src))])
                )
            cells.append(
                _cell(
                    [
                        self.para(
                            cell,
                            self.text(k.notes),
                            self.trace(k.id, "notes", "kpi", ctx.where, k.notes or ""),
                        )
                    ]
                )
            )
            rows.append(cells)
        notes = 0.24
        rest = max(1.0 - unit - 2 * value - notes, 0.2)
        self.add(TableBlock(_fractions([rest, unit, value, value, notes]), [header], rows))

    def figure(self, b: Figure, ctx: _Ctx, path: str) -> None:
        data = self.image_bytes(b)
        suffix = Path(b.src).suffix.lower()
        trace = self.trace(ctx.id, path, "figure", ctx.where, b.alt)
        if data is None or suffix == ".svg":
            # SVG is left out: Word shows an SVG only with a PNG fallback, which pandoc
            # makes only with rsvg-convert; the alt text stands in, with caption and 出典.
            self.add(self.para(self.styles.get("Figure"), [Str(f"［図：{b.alt.plain}］")], trace))
        else:
            from .images import placeholder, printed

            # Pandoc lays out a blank stand-in of the same size; _finish puts the figure,
            # at no more than its printed size, in its place (Pandoc held about 400 times
            # an image's size in memory: 10 GB for a 20 MB scan).
            data = printed(data)
            stand_in = placeholder(data, f"{len(self.figures)}-{hashlib.sha256(data).hexdigest()}")
            self.figures[stand_in] = data
            kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
            url = f"data:image/{kind};base64," + base64.b64encode(stand_in).decode("ascii")
            attrs = []
            width = _em(b.width) if b.width else None
            if width is not None:
                attrs.append(["width", f"{round(width * 100)}%"])
            image = {"t": "Image", "c": [["", [], attrs], [Str(b.alt.plain)], [url, ""]]}
            self.add(self.para(self.styles.get("Figure"), [image], trace))
        self.add(
            self.para(
                self.styles.get("Figure Caption"),
                [*self.caption_no(b), *self.text(b.caption)],
                self.trace(ctx.id, _join(path, "caption"), "caption", ctx.where, b.caption),
            )
        )
        self.add(
            self.para(
                self.styles.get("Source"),
                [Str(self.L["source"].plain), *self.text(b.source)],
                self.trace(ctx.id, _join(path, "source"), "source", ctx.where, b.source),
            )
        )

    def image_bytes(self, b: Figure) -> bytes | None:
        root = self.content or files.current_root()
        if root is None:
            self.problems.append(
                Problem(
                    b.pos,
                    f"図「{b.src}」の画像を読むには内容のフォルダが必要です。"
                    " (content folder not given for figures)",
                )
            )
            return None
        try:
            return files.read_bytes(root / b.src, root=root, limit=MAX_IMAGE_BYTES)
        except files.Refused as exc:
            self.problems.append(Problem(b.pos, f"図「{b.src}」の画像を読めません。{exc.reason}"))
            return None

    def diagram(self, b: Diagram, ctx: _Ctx, path: str) -> None:
        if b.name == "society":
            self.society(b, ctx, path)
        else:
            self.pillars(b, ctx, path)
        self.add(
            self.para(
                self.styles.get("Figure Caption"),
                [*self.caption_no(b), *self.text(b.caption)],
                self.trace(ctx.id, _join(path, "caption"), "caption", ctx.where, b.caption),
            )
        )

    def society(self, b: Diagram, ctx: _Ctx, path: str) -> None:
        """The diagram of 課題 → 姿 → 重点目標 (the PDF's SVG) as a table in the same three
        columns: every 基本的な課題認識; each 目指す社会の姿 in a row of its own, with the 課題
        the content links to it (``links:``) under 「対応する課題」; each 重点目標 beside its 姿."""
        from .figures import _heading_of

        index = self.plan.index
        goal_order = list(
            dict.fromkeys([o.goal for o in index.outlines] + [g.id for g in self.plan.goals])
        )
        visions = sorted(
            index.visions.values(),
            key=lambda v: goal_order.index(v.goal) if v.goal in goal_order else len(goal_order),
        )
        goals = {g.id: g for g in self.plan.goals}
        visions = [v for v in visions if v.goal in goals]
        challenges = {c.id: c for c in index.challenges}
        links: dict[str, list[str]] = {}
        for link in b.links:
            links.setdefault(link.vision, []).append(link.challenge)
        heads = (
            _heading_of(self.plan, index.challenges[0] if index.challenges else None, ""),
            _heading_of(self.plan, visions[0] if visions else None, ""),
            _heading_of(self.plan, index.outlines[0] if index.outlines else None, ""),
        )
        cell, head_style, group = (
            self.styles.get("Cell"),
            self.styles.get("Cell Head"),
            self.styles.get("Cell Group"),
        )
        header = [
            _cell(
                [
                    self.para(
                        head_style, [Str(t)], self.trace(ctx.id, path, "diagram", ctx.where, "")
                    )
                ]
            )
            for t in heads
        ]
        left = _cell(
            [
                self.para(
                    cell,
                    self.text(c.title),
                    self.trace(c.id, "title", "diagram", ctx.where, c.title),
                )
                for c in index.challenges
            ]
            or [self.para(cell, [], None)],
            rows=max(len(visions), 1),
        )
        rows: list[list] = []
        for v in visions:
            inlines = self.text(v.title)
            linked = [challenges[c] for c in links.get(v.id, ()) if c in challenges]
            if linked:
                inlines += [
                    LINE_BREAK,
                    Span(
                        [
                            Str(f"{self.L['relation'].plain}："),
                            *_joined([self.text(c.title) for c in linked]),
                        ],
                        style="Plan Year",
                    ),
                ]
            row = [
                _cell(
                    [
                        self.para(
                            cell, inlines, self.trace(v.id, "title", "diagram", ctx.where, v.title)
                        )
                    ]
                )
            ]
            first = not rows or visions[len(rows) - 1].goal != v.goal
            if first:
                goal = goals[v.goal]
                members = sum(1 for w in visions if w.goal == v.goal)
                row.append(
                    _cell(
                        [
                            self.para(
                                group,
                                self.text(goal.title),
                                self.trace(goal.id, "title", "diagram", ctx.where, goal.title),
                            )
                        ],
                        rows=members,
                    )
                )
            rows.append(row)
        if rows:
            rows[0] = [left, *rows[0]]
        else:
            rows = [[left, _cell([]), _cell([])]]
        self.add(TableBlock([0.36, 0.38, 0.26], [header], rows))

    def pillars(self, b: Diagram, ctx: _Ctx, path: str) -> None:
        of = self.plan.index.sections[b.section] if b.section else ctx.node
        if of is None:
            return
        pillar = self.styles.get("Pillar")
        self.add(
            self.para(
                pillar,
                self.text(of.title),
                self.trace(of.id, "title", "diagram", ctx.where, of.title),
            )
        )
        cells = []
        for p in (p for p in of.body if isinstance(p, HEADINGS) and self.outline.printed(p)):
            ph = self.outline.of(p)
            title, cid, field_path, src = self.heading_title(p)
            cells.append(
                _cell(
                    [
                        self.para(
                            self.styles.get("Cell Group"),
                            [Str(ph.label), LINE_BREAK, *title],
                            self.trace(cid, field_path, "diagram", ctx.where, src),
                        )
                    ],
                    align="AlignCenter",
                )
            )
        if cells:
            self.add(
                TableBlock(
                    _fractions([None] * len(cells)), [], [cells], ["AlignCenter"] * len(cells)
                )
            )
        if b.base:
            base = self.plan.index.sections[b.base]
            self.add(
                self.para(
                    pillar,
                    self.text(base.title),
                    self.trace(base.id, "title", "diagram", ctx.where, base.title),
                )
            )

    def prose(self, b: MarkdownBlock | MarkdownFile, ctx: _Ctx, path: str) -> None:
        src = b.prose.pos
        counter = [0]

        def trace() -> Trace:
            counter[0] += 1
            return self.trace(
                ctx.id, _join(path, f"prose[{counter[0] - 1}]"), "prose", ctx.where, src
            )

        def blocks(nodes: Iterable[tree.ProseBlock], left: float) -> None:
            for node in nodes:
                match node:
                    case tree.ProsePara():
                        self.add(
                            self.para(
                                self.styles.get("Body", left=left),
                                _trim(self.inline(node.text)),
                                trace(),
                            )
                        )
                    case tree.ProseList():
                        hang = 2.0 if node.ordered else 1.0
                        for i, item in enumerate(node.items):
                            mark = f"{node.start + i}." if node.ordered else "•"
                            # The item's first paragraph, then its others, then the rest.
                            paras = [c for c in item if isinstance(c, tree.ProsePara)]
                            first = self.inline(paras[0].text) if paras else []
                            self.add(
                                self.para(
                                    self.styles.get("Point", left=left, hang=hang),
                                    [*marked(mark, hang), *_trim(first)],
                                    trace(),
                                )
                            )
                            rest = [c for c in item if not isinstance(c, tree.ProsePara)]
                            blocks([*paras[1:], *rest], left + hang)
                    case tree.ProseTable():
                        self.prose_table(node, trace)
                    case tree.ProseQuote():
                        blocks(node.blocks, left + 2)
                    case tree.ProseCode():
                        code = {"t": "Code", "c": [["", [], []], node.text.rstrip("\n")]}
                        self.add(self.para(self.styles.get("Flush", left=left), [code], trace()))
                    case _:
                        assert_never(node)

        blocks(tree.prose_blocks(b.prose.raw), ctx.left)

    def prose_table(self, node: tree.ProseTable, trace: Any) -> None:
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")

        def row(cells: tuple[tree.Inline, ...], style: str) -> list:
            return [_cell([self.para(style, _trim(self.inline(c)), trace())]) for c in cells]

        rows_h = [row(r, head) for r in node.head]
        rows_b = [row(r, cell) for r in node.body]
        ncols = max((len(r) for r in rows_h + rows_b), default=1)
        rows_h = [r + [_cell([])] * (ncols - len(r)) for r in rows_h]
        rows_b = [r + [_cell([])] * (ncols - len(r)) for r in rows_b]
        self.add(TableBlock(_fractions([None] * ncols), rows_h, rows_b))

    # -------------------------------------------------------------- generated lists

    def generated(self, b: Generated, ctx: _Ctx, path: str) -> None:
        name = b.name
        if name == "cover":
            self.cover()
        elif name == "toc":
            self.toc(b)
        elif name == "package-list":
            self.package_list(ctx)
        elif name == "kpi-list":
            self.kpi_list(ctx)
        elif name == "pending-list":
            self.pending_list(ctx, path)
        elif name == "vision-examples":
            self.vision_examples(b, ctx, path)

    def cover(self) -> None:
        m, L = self.plan.meta, self.L
        where = (L["cover"].plain,)

        def line(style: str, inlines: list, field_name: str, src: Any) -> None:
            self.add(self.para(style, inlines, self.trace("", field_name, "cover", where, src)))

        # Every line but the title is optional, as on the PDF's cover.
        if m.status:
            line(
                "Plan Cover Status",
                [Span(self.text(m.status), style="Plan Status Box")],
                "status",
                m.status,
            )
        line("Title", self.text(m.title), "title", m.title)
        if m.meeting:
            line(
                "Plan Cover Meeting",
                [Str("（"), *self.text(m.meeting), Str("）")],
                "meeting",
                m.meeting,
            )
        if m.plan_period:
            line(
                "Plan Cover Meeting",
                [Str(L["plan_period"].plain + "　"), *self.text(m.plan_period)],
                "plan_period",
                m.plan_period,
            )
        if m.notice:
            line("Plan Cover Notice", self.text(m.notice), "notice", m.notice)
        if isinstance(m.date_line, Pending):
            line(
                "Plan Cover Date", [Str(L["pending_date"].plain)], "date_line", m.date_line.pending
            )
        elif m.date_line:
            line("Plan Cover Date", self.text(m.date_line), "date_line", m.date_line)
        if m.issuer:
            line("Plan Cover Issuer", self.text(m.issuer), "issuer", m.issuer)
        # An empty paragraph after the frame: LibreOffice anchors a frame to the paragraph
        # that follows it, which must stand on the cover's page.
        self.styles.get("Page Break")
        self.add(RawBlock('<w:p><w:pPr><w:pStyle w:val="PlanPageBreak"/></w:pPr></w:p>'))

    def toc(self, b: Generated) -> None:
        """目次: a TOC field over the heading styles (Heading 1 to the deepest level the
        PDF's 目次 lists), filled in as the PDF's 目次 reads: each entry the heading's number,
        a tab and its title, as the heading itself reads, so that an update by Word gives
        the same entries (``_outside_toc`` keeps out the headings the PDF's 目次 leaves out)."""
        title = b.caption or self.L["toc_title"]
        trace = self.trace("", "toc", "toc", (title.plain,), title)
        self.add(self.para("TOC Heading", self.text(title), trace))
        entries = self.outline.toc
        if not entries:
            return
        xml = [
            '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/>'
            "</w:docPartObj></w:sdtPr><w:sdtContent>"
        ]
        for i, e in enumerate(entries):
            mark = self.heading_marks[e.anchor]
            t = self.trace(
                _content_id(e), "title", "toc", (title.plain,), getattr(e.node, "title", "")
            )
            runs = [
                f'<w:bookmarkStart w:id="{90000 + i}" w:name="{t.name}"/><w:bookmarkEnd w:id="{90000 + i}"/>'
            ]
            if i == 0:
                runs.append(
                    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                    f'<w:r><w:instrText xml:space="preserve"> TOC \\o "1-{toc_levels(self.outline)}" \\h \\z </w:instrText></w:r>'
                    '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                )
            link = [f'<w:hyperlink w:anchor="{mark}" w:history="1">']
            # The entry as the heading reads (a group's vision in ≪≫), as Word's update has it.
            text = e.title
            if isinstance(e.node, PackageGroup):
                text = f"{self.L['group_open'].plain}{text}{self.L['group_close'].plain}"
            link.append(
                f'<w:r><w:t xml:space="preserve">{_x(e.label)}</w:t></w:r><w:r><w:tab/></w:r>'
                f'<w:r><w:t xml:space="preserve">{_x(text)}</w:t></w:r>'
            )
            if self.pages is None:
                link.append(self.slot("toc", e.anchor))
            else:
                link.append(_toc_page(mark, self.pages.get(e.anchor)))
            link.append("</w:hyperlink>")
            runs += link
            if i == len(entries) - 1:
                runs.append('<w:r><w:fldChar w:fldCharType="end"/></w:r>')
            depth = min(e.depth, 6)
            xml.append(f'<w:p><w:pPr><w:pStyle w:val="TOC{depth}"/></w:pPr>{"".join(runs)}</w:p>')
            self.traces[t.order] = Trace(
                t.name, t.id, t.path, t.kind, t.where, t.src, t.order, f"{e.label}\t{text}"
            )
        xml.append("</w:sdtContent></w:sdt>")
        self.add(RawBlock("".join(xml)))

    def page_ref(self, anchor: str) -> dict:
        """The page of a heading: a PAGEREF field to its bookmark, showing the PDF's page
        number (``pages``) until Word updates it."""
        if self.pages is None:
            return Raw(self.slot("ref", anchor))
        return Raw(_page_ref(self.heading_marks[anchor], self.pages.get(anchor)))

    def slot(self, kind: str, anchor: str) -> str:
        """A place for a page number not known yet: an XML comment, which Pandoc copies
        from raw OpenXML as it is (content text never makes one: it is escaped)."""
        mark = f"<!--keikaku:page:{len(self.slots)}-->"
        self.slots[mark] = (kind, anchor)
        return mark

    def fill(self, xml: str, pages: Mapping[str, int]) -> str:
        """``xml`` with every slot replaced by what the builder writes when given
        ``pages`` from the start: the same bytes either way."""

        def filled(m: re.Match) -> str:
            kind, anchor = self.slots[m.group(0)]
            mark, page = self.heading_marks[anchor], pages.get(anchor)
            return _toc_page(mark, page) if kind == "toc" else _page_ref(mark, page)

        return _SLOT.sub(filled, xml) if self.slots else xml

    def package_list(self, ctx: _Ctx) -> None:
        L = self.L
        cell, head, group = (
            self.styles.get("Cell"),
            self.styles.get("Cell Head"),
            self.styles.get("Cell Group"),
        )
        for goal in self.plan.goals:
            gh = self.outline.of(goal)
            header = [
                _cell(
                    [
                        self.para(
                            head,
                            [Str(L["package_list_head"].plain)],
                            self.label_trace("package_list_head", ctx),
                        )
                    ],
                    cols=2,
                ),
                _cell(
                    [
                        self.para(
                            head,
                            [Str(L["package_list_kpi"].plain)],
                            self.label_trace("package_list_kpi", ctx),
                        )
                    ],
                    align="AlignCenter",
                ),
                _cell(
                    [
                        self.para(
                            head,
                            [Str(L["package_list_page"].plain)],
                            self.label_trace("package_list_page", ctx),
                        )
                    ],
                    align="AlignCenter",
                ),
            ]
            rows = [
                [
                    _cell(
                        [
                            self.para(
                                group,
                                [Str(f"{gh.label}　"), *self.text(goal.title)],
                                self.trace(goal.id, "title", "package-list", ctx.where, goal.title),
                            )
                        ],
                        cols=4,
                    )
                ]
            ]
            for grp in (g for g in goal.body if isinstance(g, PackageGroup)):
                v = self.plan.vision(grp.vision)
                rows.append(
                    [
                        _cell(
                            [
                                self.para(
                                    group,
                                    [
                                        Str(
                                            f"{self.outline.of(grp).label}　{L['group_open'].plain}"
                                        ),
                                        *self.text(v.title),
                                        Str(L["group_close"].plain),
                                    ],
                                    self.trace(v.id, "title", "package-list", ctx.where, v.title),
                                )
                            ],
                            cols=4,
                        )
                    ]
                )
                for pkg in (p for p in grp.body if isinstance(p, PolicyPackage)):
                    count = (
                        L["pending_value"].plain
                        if isinstance(pkg.kpis, Pending)
                        else f"{zen(len(pkg.kpis))}{L['kpi_count'].plain}"
                    )
                    rows.append(
                        [
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [Str(self.outline.of(pkg).label)],
                                        self.trace(pkg.id, "", "number", ctx.where, pkg.title),
                                    )
                                ]
                            ),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [self.link("#" + pkg.id, self.text(pkg.title))],
                                        self.trace(
                                            pkg.id, "title", "package-list", ctx.where, pkg.title
                                        ),
                                    )
                                ]
                            ),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [Str(count)],
                                        self.trace(
                                            pkg.id,
                                            self.kpis_path(pkg),
                                            "count",
                                            ctx.where,
                                            pkg.kpi_part or pkg.title,
                                        ),
                                    )
                                ],
                                align="AlignCenter",
                            ),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [self.page_ref(self.outline.of(pkg).anchor)],
                                        self.trace(pkg.id, "", "page", ctx.where, pkg.title),
                                    )
                                ],
                                align="AlignCenter",
                            ),
                        ]
                    )
            # The PDF's widths (plan.css: 3.5em + 2em for the number, 6em for ＫＰＩ, 3em for
            # the page). The page is a PAGEREF field to the package's heading: Word counts
            # its own pages when the fields are updated; until then it shows the PDF's.
            self.add(
                TableBlock(
                    [0.12, 0.64, 0.16, 0.08],
                    [header],
                    rows,
                    ["AlignDefault", "AlignDefault", "AlignCenter", "AlignCenter"],
                )
            )

    def kpi_list(self, ctx: _Ctx) -> None:
        from .render import kpi_columns, kpi_value

        L = self.L
        value = float(kpi_columns(self.plan)["value"].removesuffix("em")) * 9.5 / 10.5 / 45
        cell, head, group = (
            self.styles.get("Cell"),
            self.styles.get("Cell Head"),
            self.styles.get("Cell Group"),
        )
        for goal in self.plan.goals:
            header = [
                _cell([self.para(head, [Str(L[k].plain)], self.label_trace(k, ctx))])
                for k in (
                    "kpi_list_package",
                    "kpi_indicator",
                    "kpi_baseline",
                    "kpi_target",
                    "kpi_notes",
                )
            ]
            rows = [
                [
                    _cell(
                        [
                            self.para(
                                group,
                                [Str(f"{self.outline.of(goal).label}　"), *self.text(goal.title)],
                                self.trace(goal.id, "title", "kpi-list", ctx.where, goal.title),
                            )
                        ],
                        cols=5,
                    )
                ]
            ]
            for grp in (g for g in goal.body if isinstance(g, PackageGroup)):
                for pkg in (p for p in grp.body if isinstance(p, PolicyPackage)):
                    title = [self.link("#" + pkg.id, self.text(pkg.title))]
                    if isinstance(pkg.kpis, Pending):
                        rows.append(
                            [
                                _cell(
                                    [
                                        self.para(
                                            cell,
                                            title,
                                            self.trace(
                                                pkg.id, "title", "kpi-list", ctx.where, pkg.title
                                            ),
                                        )
                                    ]
                                ),
                                _cell(
                                    [
                                        self.para(
                                            cell,
                                            [
                                                Span(
                                                    [Str(L["pending_value"].plain)],
                                                    style="Plan Strong",
                                                ),
                                                *self.text(pkg.kpis.pending),
                                            ],
                                            self.trace(
                                                pkg.id,
                                                self.kpis_path(pkg),
                                                "kpi-list",
                                                ctx.where,
                                                pkg.kpis.pending,
                                            ),
                                        )
                                    ],
                                    cols=4,
                                ),
                            ]
                        )
                    listed: list[tuple[Any, str]] = []
                    if not isinstance(pkg.kpis, Pending):
                        listed += [(k, "" if i else "national") for i, k in enumerate(pkg.kpis)]
                    # A regional edition's own ＫＰＩ of the package, after the national ones.
                    listed += [
                        (k, "" if i else "regional") for i, k in enumerate(pkg.regional_kpis)
                    ]
                    for k, lead in listed:
                        if lead == "national":
                            first = self.para(
                                cell,
                                title,
                                self.trace(pkg.id, "title", "kpi-list", ctx.where, pkg.title),
                            )
                        elif lead == "regional":
                            first = self.para(
                                cell,
                                [Str(f"（{L['regional_kpis'].plain}）")],
                                self.label_trace("regional_kpis", ctx),
                            )
                        else:
                            first = self.para(cell, [], None)
                        indicator = [*self.text(k.indicator)]
                        if k.unit:
                            indicator.append(
                                Span([Str("（"), *self.text(k.unit), Str("）")], style="Plan Year")
                            )
                        row = [
                            _cell([first]),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        indicator,
                                        self.trace(
                                            k.id, "indicator", "kpi-list", ctx.where, k.indicator
                                        ),
                                    )
                                ]
                            ),
                        ]
                        for name in ("baseline", "target"):
                            v = getattr(k, name)
                            if isinstance(v, Pending):
                                inl = [Span([Str(L["pending_value"].plain)], style="Plan Strong")]
                            else:
                                shown = v.value if isinstance(v.value, Text) else None
                                inl = [
                                    *(
                                        self.text(shown)
                                        if shown is not None
                                        else [Str(str(kpi_value(v.value)))]
                                    ),
                                    LINE_BREAK,
                                    Span(
                                        [Str("（"), *self.text(v.year), Str("）")],
                                        style="Plan Year",
                                    ),
                                ]
                            row.append(
                                _cell(
                                    [
                                        self.para(
                                            cell,
                                            inl,
                                            self.trace(
                                                k.id,
                                                name,
                                                "kpi-list",
                                                ctx.where,
                                                v.pending if isinstance(v, Pending) else v.year,
                                            ),
                                        )
                                    ]
                                )
                            )
                        notes = (
                            self.para(
                                cell,
                                self.text(k.notes),
                                self.trace(k.id, "notes", "kpi-list", ctx.where, k.notes),
                            )
                            if k.notes
                            else self.para(cell, [], None)
                        )
                        row.append(_cell([notes]))
                        rows.append(row)
            self.add(TableBlock(_fractions([0.24, None, value, value, 0.2]), [header], rows))

    def kpis_path(self, pkg: PolicyPackage) -> str:
        i = next((i for i, p in enumerate(pkg.parts) if isinstance(p, KpiPart)), 0)
        return f"parts[{i}].kpis"

    def pending_list(self, ctx: _Ctx, path: str) -> None:
        """The 未定事項一覧 as the PDF prints it: each reason once, numbered, with the places
        it stands for under it."""
        L = self.L
        self.add(
            self.para(
                self.styles.get("Appendix Note"),
                [Str(L["pending_list_note"].raw.replace("{count}", zen(len(self.plan.pending))))],
                self.trace(ctx.id, path, "pending-list", ctx.where, L["pending_list_note"]),
            )
        )
        style = self.styles.get("Pending Item", hang=2)
        marker = L["pending_list_marker"].plain
        for n, (reason, places) in enumerate(self.plan.pending_groups, start=1):
            cid, ipath = self.origin.get(id(places[0][1]), ("", ""))
            count = (
                [Str(L["pending_list_count"].raw.replace("{count}", zen(len(places))))]
                if len(places) > 1
                else []
            )
            inlines = [
                Span([Str(zen(n))], style="Plan Gothic"),
                *([TAB] if _width(zen(n)) < 2 else []),
                Span([*self.text(reason), *count], style="Plan Gothic"),
            ]
            for where, _ in places:
                inlines += [LINE_BREAK, Str(marker + where)]
            self.add(
                self.para(style, inlines, self.trace(cid, ipath, "pending-list", ctx.where, reason))
            )

    def vision_examples(self, b: Generated, ctx: _Ctx, path: str) -> None:
        L = self.L
        if b.caption:
            self.add(
                self.para(
                    self.styles.get("Block Title", left=ctx.left),
                    self.text(b.caption),
                    self.trace(ctx.id, _join(path, "caption"), "caption", ctx.where, b.caption),
                )
            )
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        marker = L["examples_marker"].plain
        point = self.styles.get("Cell Point", hang=_marker_width(marker))
        header = [
            _cell([self.para(head, [Str(L[k].plain)], self.label_trace(k, ctx))])
            for k in ("vision_examples_vision", "vision_examples_themes")
        ]
        rows = []
        for v in self.plan.index.visions.values():
            if not v.theme_examples:
                continue
            themes = [
                self.para(
                    point,
                    [*marked(marker, _marker_width(marker)), *self.text(t)],
                    self.trace(v.id, f"theme_examples[{i}]", "vision-examples", ctx.where, t),
                )
                for i, t in enumerate(v.theme_examples)
            ]
            rows.append(
                [
                    _cell(
                        [
                            self.para(
                                cell,
                                self.text(v.title),
                                self.trace(v.id, "title", "vision-examples", ctx.where, v.title),
                            )
                        ]
                    ),
                    _cell(themes),
                ]
            )
        self.add(TableBlock([0.4, 0.6], [header], rows))


#: The end of a section of the document (front matter, a part): an empty paragraph of
#: almost no height, whose section properties ``_finish`` fills in.
_SECTION_END = (
    '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    "<w:sectPr><!--keikaku:{}--></w:sectPr></w:pPr></w:p>"
)


def _is_front(block: Any) -> bool:
    """The cover and the 目次: the front matter, without page numbers."""
    return isinstance(block, Generated) and block.name in ("cover", "toc")


def _joined(parts: list[list], sep: str = "、") -> list:
    out: list = []
    for i, part in enumerate(parts):
        if i:
            out.append(Str(sep))
        out.extend(part)
    return out


def _trim(inlines: list) -> list:
    """Inlines without leading and trailing white space (HTML's collapsing at a block's edges)."""
    out = list(inlines)
    while out and out[0].get("t") == "Str" and not out[0]["c"].strip():
        out.pop(0)
    while out and out[-1].get("t") == "Str" and not out[-1]["c"].strip():
        out.pop()
    if out and out[0].get("t") == "Str":
        out[0] = Str(out[0]["c"].lstrip(" "))
    if out and out[-1].get("t") == "Str":
        out[-1] = Str(out[-1]["c"].rstrip(" "))
    return out


def _content_id(h: Heading) -> str:
    node = h.node
    if isinstance(node, PackageGroup):
        return node.vision
    if isinstance(node, GoalOutline):
        return node.goal
    return getattr(node, "id", "") or h.anchor


#: How each numbering style sets its heading (plan.css .hd-chapter …): font size (pt), the
#: width its title hangs after the number and its own left margin, both in ems of that size.
_HEADING_LOOKS = {
    "chapter": (16, 4.5, 0),
    "annex": (16, 4.5, 0),
    "section": (13, 4.5, 0),
    "item": (11.5, 2, 0),
    "paren": (10.5, 3.5, 0),
    "kana": (10.5, 2, 1),
    "paren-kana": (10.5, 3.5, 1),
}


def heading_indent(h: Heading, left_em: float, *, before_mm: float | None = None) -> str:
    """A heading's indent as the PDF sets it: the number in a box as wide as its numbering
    style asks (or the number, if wider) and half an em after it, then the title; a
    wrapped title lines up under its first line."""
    size, hang, own = _HEADING_LOOKS.get(h.look, (10.5, 2, 0))
    if h.depth == 1:
        size = 16  # .chapter-title
    em = size * 20
    left = round(left_em * EM + own * em)
    spacing = f'<w:spacing w:before="{round(before_mm * MM)}"/>' if before_mm is not None else ""
    if not h.label:
        return f'{spacing}<w:ind w:left="{left}" w:hanging="0"/>'
    title = round((max(hang, _width(h.label)) + 0.5) * em)
    return (
        f'<w:tabs><w:tab w:val="left" w:pos="{left + title}"/></w:tabs>{spacing}'
        f'<w:ind w:left="{left + title}" w:hanging="{title}"/>'
    )


def toc_levels(outline: Outline) -> int:
    """How deep the 目次's TOC field reaches: the deepest heading level the PDF's 目次 lists
    (Word's Heading 1–6)."""
    return max((min(h.depth, 6) for h in outline.toc), default=0)


def _outside_toc(outline: Outline) -> set[str]:
    """The headings within the TOC field's levels that the PDF's 目次 leaves out (below a
    section's own ``toc_depth``): set in 「Plan Heading n」, a style based on Heading n, so
    Word's ``TOC \\o`` (built-in heading styles only) passes them by as the PDF does."""
    levels = toc_levels(outline)
    return {h.anchor for h in outline.headings if not h.toc and h.depth <= levels}


# ------------------------------------------------------------------ the reference document


def heading_widths(headings: Iterable[Heading]) -> dict[int, float]:
    """The widest number at each heading depth (1–6) of ``headings``, in ems, with the
    half em after it: what each level's heading style hangs its title after."""
    widths: dict[int, float] = {}
    for h in headings:
        d = min(h.depth, 6)
        w = sum(char_width(c) for c in h.label)
        widths[d] = max(widths.get(d, 0.0), w + 0.5 if w else 0.0)
    return widths


def _heading_styles(widths: Mapping[int, float]) -> list[_Style]:
    """Heading 1–6, one per depth, looking as the PDF's numbering style at that depth
    usually looks (plan.css .hd-chapter, .hd-section …). Each hangs its title after the
    widest number at its depth (``heading_widths``), as the PDF hangs headings after their
    number."""
    looks = {  # size pt, before mm, after mm, bold, left em, hang default em
        1: (16, 0, 8, True, 0, 4.5),
        2: (13, 8, 3, True, 0, 4.5),
        3: (11.5, 6, 2, True, 0, 2),
        4: (10.5, 4, 1.5, True, 0, 3.5),
        5: (10.5, 2, 1, False, 1, 2),
        6: (10.5, 2, 1, False, 1, 3.5),
    }
    out = []
    for d in range(1, 7):
        size, before, after, bold, left, hang = looks[d]
        hang = max(hang, widths.get(d, 0.0))
        ppr = (
            "<w:keepNext/><w:keepLines/>"
            + ("<w:pageBreakBefore/>" if d == 1 else "")
            + (
                f'<w:pBdr><w:bottom w:val="single" w:sz="12" w:space="{round(2 * 72 / 25.4)}" w:color="000000"/></w:pBdr>'
                if d == 1
                else ""
            )
            + _spacing(before, after, 1.5)
            + _ind(left + hang, hang)
            + '<w:jc w:val="left"/>'
            + f'<w:outlineLvl w:val="{d - 1}"/>'
        )
        rpr = (
            _fonts(GOTHIC)
            + ("<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/><w:bCs w:val="0"/>')
            + _size(size)
        )
        out.append(
            _Style(
                f"Heading{d}",
                f"heading {d}",
                ppr=ppr,
                rpr=rpr,
                extra='<w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>',
            )
        )
    # The same heading outside the 目次 (``_outside_toc``): at body text's outline level,
    # as LibreOffice builds a TOC field's \\o levels from outline levels, not styles.
    for d in range(1, 7):
        out.append(
            _Style(
                f"PlanHeading{d}",
                f"Plan Heading {d}",
                based=f"Heading{d}",
                ppr='<w:outlineLvl w:val="9"/>',
                extra='<w:next w:val="Normal"/><w:uiPriority w:val="9"/>',
            )
        )
    return out


def _toc_styles() -> list[_Style]:
    """toc 1–6, as the PDF's 目次 (plan.css .toc-1 …): set in by a padding, then the number
    in its box (wide enough for the number and half an em), then the title at a left tab,
    a wrapped title hanging under it, then a leader of dots to the page number at a right
    tab on the margin; all in ems of the entry's own size."""
    looks = {
        1: (0, 4.5, 10.5, True),
        2: (2, 3.5, 10.5, False),
        3: (5.5, 2, 10.5, False),
        4: (7.5, 3.5, 9.5, False),
        5: (11, 2, 9.5, False),
        6: (11, 2, 9.5, False),
    }
    out = []
    for d, (pad, no, size, bold) in looks.items():
        em = size * 20
        left, hang = round((pad + no) * em), round(no * em)
        ppr = (
            f'<w:tabs><w:tab w:val="left" w:pos="{left}"/>'
            f'<w:tab w:val="right" w:leader="dot" w:pos="{TEXT_W}"/></w:tabs>'
            + _spacing(3 if d == 1 else 0, 0, 1.75)
            + f'<w:ind w:left="{left}" w:right="0" w:hanging="{hang}"/>'
            + '<w:jc w:val="left"/>'
        )
        rpr = (GOTHIC_BOLD if bold else "") + _size(size)
        out.append(
            _Style(
                f"TOC{d}",
                f"toc {d}",
                ppr=ppr,
                rpr=rpr,
                extra='<w:uiPriority w:val="39"/><w:unhideWhenUsed/>',
            )
        )
    return out


#: The frame that holds the cover's date and issuer at the foot of the page.
_COVER_FRAME = (
    f'<w:framePr w:w="{TEXT_W}" w:wrap="around" w:vAnchor="margin" w:hAnchor="margin" '
    f'w:xAlign="center" w:y="{round(214 * MM)}"/>'
)


def _fixed_styles() -> list[_Style]:
    pbdr_box = '<w:bdr w:val="single" w:sz="10" w:space="2" w:color="000000"/>'
    return [
        _Style("BodyText", "Body Text", ppr=_spacing(0, 1.5) + _ind(first=1.0)),
        _Style("FirstParagraph", "First Paragraph", based="BodyText"),
        _Style(
            "Compact", "Compact", ppr=_spacing(0, 0, 1.5) + '<w:jc w:val="left"/>', rpr=_size(9.5)
        ),
        _Style(
            "Title",
            "Title",
            ppr=_spacing(18, 0, 1.4) + '<w:jc w:val="center"/>',
            rpr=GOTHIC_BOLD + _size(24),
            extra="<w:qFormat/>",
        ),
        _Style(
            "PlanCoverStatus",
            "Plan Cover Status",
            ppr=_spacing(40, 0, 1.5) + '<w:jc w:val="center"/>',
            rpr=_fonts(GOTHIC) + _size(14),
        ),
        _Style(
            "PlanCoverMeeting",
            "Plan Cover Meeting",
            ppr=_spacing(6, 0) + '<w:jc w:val="center"/>',
            rpr=_size(13),
        ),
        _Style(
            "PlanCoverNotice", "Plan Cover Notice", ppr=_spacing(8, 0) + '<w:jc w:val="center"/>'
        ),
        # The foot of the cover stands at the bottom of the page, as in the PDF (a frame).
        _Style(
            "PlanCoverDate",
            "Plan Cover Date",
            ppr=_COVER_FRAME + _spacing(2, 2) + '<w:jc w:val="center"/>',
            rpr=_size(13),
        ),
        _Style(
            "PlanCoverIssuer",
            "Plan Cover Issuer",
            based="PlanCoverDate",
            rpr=GOTHIC_BOLD + _size(13),
        ),
        _Style(
            "TOCHeading",
            "TOC Heading",
            ppr="<w:pageBreakBefore/>" + _spacing(0, 8, 1.5) + '<w:jc w:val="center"/>',
            rpr=_fonts(GOTHIC) + _size(16),
            extra='<w:uiPriority w:val="39"/><w:unhideWhenUsed/>',
        ),
        _Style(
            "FootnoteText",
            "footnote text",
            ppr=_spacing(0, 0, 1.5) + _ind(1.5, 1.5),
            rpr=_size(8.5),
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
        ),
        _Style(
            "Header",
            "header",
            ppr=f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_W}"/></w:tabs>' + _spacing(0, 0, 1.5),
            rpr=_fonts(GOTHIC) + _size(8) + '<w:color w:val="444444"/>',
        ),
        _Style(
            "Footer", "footer", ppr='<w:jc w:val="center"/>' + _spacing(0, 0, 1.5), rpr=_size(9)
        ),
        _Style(
            "ImageCaption",
            "Image Caption",
            ppr=_spacing(2, 1, 1.5) + '<w:jc w:val="center"/>',
            rpr=_fonts(GOTHIC) + _size(9),
        ),
        _Style(
            "TableCaption",
            "Table Caption",
            ppr=_spacing(2, 1.5, 1.5) + '<w:jc w:val="center"/>',
            rpr=GOTHIC_BOLD + _size(9.5),
        ),
        _Style(
            "CaptionedFigure",
            "Captioned Figure",
            ppr='<w:keepNext/><w:jc w:val="center"/>' + _spacing(4, 0, 1.0),
        ),
        # Character styles.
        _Style(
            "FootnoteReference",
            "footnote reference",
            kind="character",
            based=None,
            rpr='<w:vertAlign w:val="superscript"/>',
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
        ),
        _Style(
            "Hyperlink",
            "Hyperlink",
            kind="character",
            based=None,
            rpr="",
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
        ),
        _Style("PlanStrong", "Plan Strong", kind="character", based=None, rpr=GOTHIC_BOLD),
        _Style("PlanGothic", "Plan Gothic", kind="character", based=None, rpr=_fonts(GOTHIC)),
        _Style(
            "PlanTitleNote",
            "Plan Title Note",
            kind="character",
            based=None,
            rpr='<w:b w:val="0"/><w:bCs w:val="0"/>',
        ),
        _Style("PlanYear", "Plan Year", kind="character", based=None, rpr=_size(8.5)),
        _Style(
            "PlanStatusBox",
            "Plan Status Box",
            kind="character",
            based=None,
            rpr=_fonts(GOTHIC) + pbdr_box,
        ),
        _Style(
            "VerbatimChar",
            "Verbatim Char",
            kind="character",
            based=None,
            rpr=_fonts("BIZ UDGothic"),
        ),
    ]


#: The order WordprocessingML requires of paragraph and run properties (ECMA-376 Part 1,
#: CT_PPrBase and CT_RPr): Word refuses a document whose properties stand out of order.
_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]
_RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]


def _in_order(fragment: str, order: list[str]) -> str:
    """The top-level elements of ``fragment`` (``<w:x .../>`` or ``<w:x>…</w:x>``) sorted
    into the schema's order; a later element of the same name replaces an earlier one."""
    items: dict[str, str] = {}
    pos = 0
    while pos < len(fragment):
        m = re.compile(r"<w:([A-Za-z]+)\b[^>]*?(/?)>").match(fragment, pos)
        if m is None:
            raise ValueError(f"not an element list: {fragment[pos : pos + 40]!r}")
        name = m.group(1)
        if m.group(2):
            end = m.end()
        else:
            close = fragment.index(f"</w:{name}>", m.end())
            end = close + len(f"</w:{name}>")
        items[name] = fragment[pos:end]
        pos = end
    unknown = [n for n in items if n not in order]
    if unknown:
        raise ValueError(f"unknown properties {unknown}")
    return "".join(items[n] for n in order if n in items)


def _style_xml(s: _Style) -> str:
    default = ' w:default="1"' if s.id == "Normal" else ""
    custom = "" if s.id in _BUILTIN_IDS else ' w:customStyle="1"'
    based = f'<w:basedOn w:val="{s.based}"/>' if s.based else ""
    ppr = (
        f"<w:pPr>{_in_order(s.ppr, _PPR_ORDER)}</w:pPr>" if s.ppr and s.kind == "paragraph" else ""
    )
    rpr = f"<w:rPr>{_in_order(s.rpr, _RPR_ORDER)}</w:rPr>" if s.rpr else ""
    return (
        f'<w:style w:type="{s.kind}"{default}{custom} w:styleId="{s.id}"><w:name w:val="{_xa(s.name)}"/>'
        f"{based}{s.extra}{ppr}{rpr}</w:style>"
    )


_BUILTIN_IDS = {
    "Normal",
    "Title",
    "Header",
    "Footer",
    "FootnoteText",
    "FootnoteReference",
    "Hyperlink",
    "TOCHeading",
    "BodyText",
    *(f"Heading{d}" for d in range(1, 7)),
    *(f"TOC{d}" for d in range(1, 7)),
    "DefaultParagraphFont",
    "TableNormal",
}


def _styles_part(widths: Mapping[int, float], used: Iterable[_Style] = ()) -> bytes:
    """styles.xml: body text, the heading styles (hung after the numbers of ``widths``),
    the 目次's, the fixed ones and the paragraph styles a document made to measure
    (``StyleBook.used``), and the table style."""
    body_ppr = (
        _spacing(0, 1.5)
        + '<w:snapToGrid w:val="0"/><w:autoSpaceDE w:val="0"/><w:autoSpaceDN w:val="0"/>'
        '<w:jc w:val="both"/>'
    )
    styles = [
        _Style("Normal", "Normal", based=None, ppr=body_ppr, extra="<w:qFormat/>"),
        *_heading_styles(widths),
        *_toc_styles(),
        *_fixed_styles(),
        *used,
    ]
    border = '<w:{0} w:val="single" w:sz="5" w:space="0" w:color="000000"/>'
    borders = "".join(
        border.format(e) for e in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    pad = round(2 * MM)
    vpad = round(1.2 * MM)
    table = (
        f'<w:style w:type="table" w:styleId="Table"><w:name w:val="Table"/><w:basedOn w:val="TableNormal"/>'
        f'<w:pPr><w:spacing w:before="0" w:after="0" w:line="360" w:lineRule="auto"/><w:jc w:val="left"/></w:pPr>'
        f"<w:rPr>{_size(9.5)}</w:rPr>"
        f'<w:tblPr><w:tblBorders>{borders}</w:tblBorders><w:tblCellMar><w:top w:w="{vpad}" w:type="dxa"/>'
        f'<w:left w:w="{pad}" w:type="dxa"/><w:bottom w:w="{vpad}" w:type="dxa"/><w:right w:w="{pad}" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr>"
        '<w:tblStylePr w:type="firstRow"><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="EEEEEE"/></w:tcPr></w:tblStylePr>'
        "</w:style>"
    )
    table_normal = (
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>'
        '<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/>'
        '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
        '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>'
    )
    char_default = (
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>'
    )
    xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        + _in_order(
            _fonts(MINCHO)
            + _size(10.5)
            + '<w:kern w:val="2"/><w:lang w:val="ja-JP" w:eastAsia="ja-JP" w:bidi="ar-SA"/>',
            _RPR_ORDER,
        )
        + "</w:rPr></w:rPrDefault>"
        f"<w:pPrDefault><w:pPr>{_in_order(body_ppr, _PPR_ORDER)}</w:pPr></w:pPrDefault></w:docDefaults>"
        + char_default
        + table_normal
        + "".join(_style_xml(s) for s in styles)
        + table
        + "</w:styles>"
    )
    return xml.encode("utf-8")


def _settings_part() -> bytes:
    """Word's settings (the finished package's also ask for its embedded fonts: see
    ``docx_fonts.embed``): Japanese text, punctuation kept full width as in the PDF, changes
    tracked from the start (a reviewer's edits are recorded unless they turn it off),
    moves recorded as deletions and insertions (as the 意見対応表 reads them), and fields
    updated on opening (Word asks, then rebuilds the 目次 from the heading styles and its
    page numbers from its own layout)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        '<w:zoom w:percent="100"/>'
        '<w:proofState w:spelling="clean" w:grammar="clean"/>'
        '<w:trackRevisions/><w:doNotTrackMoves/><w:defaultTabStop w:val="420"/>'
        '<w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:updateFields w:val="true"/>'
        '<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
        '<w:compat><w:doNotExpandShiftReturn/><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
        "</w:compat>"
        '<w:themeFontLang w:val="en-US" w:eastAsia="ja-JP"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
        "</w:settings>"
    ).encode()


def _field(code: str, result: str = "") -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t xml:space="preserve">{_x(result)}</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _header_part(status: str | None, running_head: str | None = None) -> bytes:
    """The page head: the draft mark (``model.draft_mark``: 素案, 作業中) at the left while
    a draft, the part's title at the right. The title is text, one header per part (each
    part is a section): Word and LibreOffice show it alike, with no field to update."""
    runs = ""
    if status:
        runs += (
            f'<w:r><w:rPr><w:rStyle w:val="PlanStatusBox"/></w:rPr><w:t>{_x(status)}</w:t></w:r>'
        )
    if running_head:
        runs += f'<w:r><w:tab/></w:r><w:r><w:t xml:space="preserve">{_x(running_head)}</w:t></w:r>'
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        f'<w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr>{runs}</w:p></w:hdr>'
    ).encode()


def _footer_part() -> bytes:
    """「- n -」 at the foot of the page, n a PAGE field."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        '<w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr><w:r><w:t xml:space="preserve">- </w:t></w:r>'
        + _field("PAGE", "1")
        + '<w:r><w:t xml:space="preserve"> -</w:t></w:r></w:p></w:ftr>'
    ).encode("utf-8")


def _sect_pr(refs: str, *, restart: bool, title_page: bool = False) -> str:
    """A section's properties: its page heads and feet (``refs``), A4 with the plan's
    margins, page numbers from 1 if ``restart``, its own head and foot on its first page
    (``w:titlePg``) if ``title_page``."""
    return (
        f"<w:sectPr>{refs}"
        f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_SIDE}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_SIDE}" '
        f'w:header="{round(15 * MM)}" w:footer="{round(9 * MM)}" w:gutter="0"/>'
        + ('<w:pgNumType w:start="1"/>' if restart else "")
        + ("<w:titlePg/>" if title_page else "")
        + "</w:sectPr>"
    )


def _sections(doc: str, rels: str, builder: _Builder) -> tuple[str, dict[str, tuple[str, bytes]]]:
    """The document's sections completed: the front matter's (the cover without a page
    head: its own box names the stage), then one per part, headed by its title except on
    its opening page. Returns the document and the header parts to add (name → (relation
    id, part))."""
    plan, draft = builder.plan, builder.draft
    status = draft_mark(plan.meta.status, plan.labels) if draft else None
    header1, footer1 = _rels_target(rels, "header1.xml"), _rels_target(rels, "footer1.xml")
    added: dict[str, tuple[str, bytes]] = {}

    def header(name: str, body: bytes) -> str:
        rid = f"rIdKkHead{len(added) + 1}"
        added[f"word/{name}"] = (rid, body)
        return rid

    def ref(kind: str, which: str, rid: str | None) -> str:
        return f'<w:{kind}Reference w:type="{which}" r:id="{rid}"/>' if rid else ""

    blank = header("header-cover.xml", _header_part(None))
    front = ref("header", "default", header1 if draft else blank) + ref("header", "first", blank)
    doc = doc.replace(
        "<w:sectPr><!--keikaku:front--></w:sectPr>", _sect_pr(front, restart=False, title_page=True)
    )
    heads = builder.running_heads
    if not heads:
        return doc, added
    props = []
    for k, title in enumerate(heads, 1):
        rid = header(f"header-part{k}.xml", _header_part(status, title))
        refs = (
            ref("header", "default", rid)
            + ref("header", "first", header1)
            + ref("footer", "default", footer1)
            + ref("footer", "first", footer1)
        )
        props.append(_sect_pr(refs, restart=k == 1, title_page=True))
    for sect in props[:-1]:
        doc = doc.replace("<w:sectPr><!--keikaku:part--></w:sectPr>", sect, 1)
    last = re.compile(r"<w:sectPr\b(?:(?!<w:sectPr\b).)*</w:sectPr>(\s*</w:body>)", re.S)
    doc, n = last.subn(lambda m: props[-1] + m.group(1), doc)
    if n != 1:
        raise AssertionError("plan.docx: the body's last section was not found")
    return doc, added


@functools.cache
def _default_reference() -> bytes:
    """Pandoc's own reference.docx: the parts we do not make ourselves (theme, numbering …)."""
    return run_pandoc(["--print-default-data-file", "reference.docx"], b"")


def _reference(builder: _Builder) -> bytes:
    plan = builder.plan
    status = draft_mark(plan.meta.status, plan.labels) if builder.draft else None
    return reference_docx(
        status, heading_widths(builder.outline.headings), builder.styles.used.values()
    )


def reference_docx(
    status: str | None, widths: Mapping[int, float], used: Iterable[_Style] = ()
) -> bytes:
    """The reference document of a Word edition (plan.docx, followup.docx): the plan's
    styles (``_styles_part``: the heading styles hung after ``widths``, and the styles of
    ``used``), fonts and settings, A4 with the plan's margins, the page head with the
    draft's mark ``status`` in its box (none: no mark) and the foot 「- n -」; the rest
    (theme, numbering …) is Pandoc's own reference.docx."""
    mine = {
        "word/styles.xml": _styles_part(widths, used),
        "word/fontTable.xml": font_table(),
        "word/settings.xml": _settings_part(),
        "word/header1.xml": _header_part(status),
        "word/header2.xml": _header_part(status),
        "word/footer1.xml": _footer_part(),
    }
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_default_reference())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        names = [i.filename for i in src.infolist()]
        for name in names:
            data = mine.pop(name, None) or src.read(name)
            if name == "word/document.xml":
                refs = (
                    '<w:headerReference w:type="default" r:id="rIdKkHeader2"/>'
                    '<w:footerReference w:type="default" r:id="rIdKkFooter1"/>'
                )
                data = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}" '
                    f'xmlns:r="{R_NS}"><w:body><w:p/>{_sect_pr(refs, restart=True)}</w:body></w:document>'
                ).encode()
            elif name == "word/_rels/document.xml.rels":
                text = data.decode("utf-8")
                text = re.sub(r'<Relationship [^>]*TargetMode="External"[^>]*/>', "", text)
                extra = "".join(
                    f'<Relationship Type="{REL}/{kind}" Id="{rid}" Target="{target}"/>'
                    for kind, rid, target in (
                        ("header", "rIdKkHeader1", "header1.xml"),
                        ("header", "rIdKkHeader2", "header2.xml"),
                        ("footer", "rIdKkFooter1", "footer1.xml"),
                    )
                )
                data = text.replace("</Relationships>", extra + "</Relationships>").encode("utf-8")
            elif name == "[Content_Types].xml":
                extra = "".join(
                    f'<Override PartName="/word/{p}.xml" ContentType="application/vnd.openxmlformats-'
                    f'officedocument.wordprocessingml.{kind}+xml"/>'
                    for p, kind in (
                        ("header1", "header"),
                        ("header2", "header"),
                        ("footer1", "footer"),
                    )
                )
                data = data.decode("utf-8").replace("</Types>", extra + "</Types>").encode("utf-8")
            dst.writestr(_fixed_info(name, _EPOCH_1980), data)
        for name, data in mine.items():
            dst.writestr(_fixed_info(name, _EPOCH_1980), data)
    return out.getvalue()


# ------------------------------------------------------------------ pandoc


@functools.cache
def _api_version() -> list[int]:
    """The pandoc-types version pandoc's JSON must carry."""
    return json.loads(run_pandoc(["-f", "markdown", "-t", "json"], b""))["pandoc-api-version"]


# ------------------------------------------------------------------ finishing the package

_EPOCH_1980 = datetime(1980, 1, 1, tzinfo=UTC)


def _fixed_info(name: str, when: datetime) -> zipfile.ZipInfo:
    stamp = max(when, _EPOCH_1980).timetuple()[:6]
    info = zipfile.ZipInfo(name, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _rels_target(rels: str, target: str) -> str | None:
    for m in re.finditer(r"<Relationship\b[^>]*/>", rels):
        rel = m.group(0)
        if f'Target="{target}"' in rel:
            found = re.search(r'Id="([^"]+)"', rel)
            return found.group(1) if found else None
    return None


def _core_xml(plan: Plan, date: datetime) -> bytes:
    m = plan.meta
    issuer = m.issuer.plain if m.issuer else ""
    stamp = date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_x(m.title.plain)}{f'（{_x(m.status.plain)}）' if m.status else ''}</dc:title>"
        f"<dc:subject>{_x(m.subject.plain if m.subject else '')}</dc:subject>"
        f"<dc:creator>{_x(issuer)}</dc:creator>"
        f"<cp:keywords>{_x(', '.join(k.plain for k in m.keywords))}</cp:keywords>"
        f"<dc:language>ja-JP</dc:language><cp:lastModifiedBy>{_x(issuer)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _custom_xml(props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{_xa(k)}">'
        f"<vt:lpwstr>{_x(v)}</vt:lpwstr></property>"
        for i, (k, v) in enumerate(props.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{items}</Properties>'
    ).encode()


def finish_body(doc: str, heading_ppr: Mapping[str, str], outside: Set[str] = frozenset()) -> str:
    """document.xml as pandoc wrote it, set as the plan sets it: each heading (a Heading n
    paragraph opening with the bookmark ``mark``) with its paragraph properties
    ``heading_ppr[mark]`` (its indent as its numbering style hangs it in the PDF: the
    Heading n styles are per depth), in 「Plan Heading n」 if ``mark`` is in ``outside`` (a
    heading the PDF's 目次 leaves out: the TOC field reads the built-in heading styles
    only); the cover's foot in its frame; table rows that never break across pages."""

    def indent(m: re.Match) -> str:
        ppr = heading_ppr.get(m.group(3), "")
        style = m.group(1)
        if m.group(3) in outside:
            style = style.replace('w:val="Heading', 'w:val="PlanHeading')
        return style + ppr + m.group(2)

    doc = re.sub(
        r'(<w:pPr><w:pStyle w:val="Heading[1-6]" ?/>)(</w:pPr><w:bookmarkStart w:id="[0-9]+" '
        r'w:name="([A-Za-z0-9_]+)" ?/>)',
        indent,
        doc,
    )
    # The cover's foot stands at the bottom of the page, in a frame: set on the paragraphs
    # themselves too, as LibreOffice reads frames only there.
    doc = re.sub(r'(<w:pStyle w:val="PlanCover(?:Date|Issuer)" ?/>)', r"\1" + _COVER_FRAME, doc)
    # A table row never breaks across pages (plan.css: tr { break-inside: avoid }).
    doc = re.sub(r"<w:tr>(?!<w:trPr)", "<w:tr><w:trPr><w:cantSplit/></w:trPr>", doc)
    return re.sub(r"<w:trPr>(?!<w:cantSplit)", "<w:trPr><w:cantSplit/>", doc)


def _finish(
    docx: bytes,
    builder: _Builder,
    *,
    revision: str,
    date: datetime,
    pages: Mapping[str, int] | None = None,
    fonts: Cutting | None = None,
) -> bytes:
    """The package pandoc wrote, completed: the page numbers in their slots (``pages``,
    if the builder left slots), the front matter's section, the trace map, document
    properties, the faces embedded (``fonts``: being cut while the PDF was laid out), and
    every date fixed."""
    plan, draft = builder.plan, builder.draft
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
        order = [i.filename for i in src.infolist()]
    if builder.slots:
        for name in ("word/document.xml", "word/footnotes.xml"):
            if name in parts:
                filled = builder.fill(parts[name].decode("utf-8"), pages or {})
                parts[name] = filled.encode("utf-8")
    for name, body in parts.items():
        if name.startswith("word/media/") and body in builder.figures:
            parts[name] = builder.figures[body]  # the figure in place of its stand-in
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8")
    doc, headers = _sections(parts["word/document.xml"].decode("utf-8"), rels, builder)
    for name, (rid, body) in headers.items():
        parts[name] = body
        order.append(name)
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="{rid}" Type="{REL}/header" Target="{name.removeprefix("word/")}"/>'
            "</Relationships>",
        )
    parts["word/_rels/document.xml.rels"] = rels.encode("utf-8")

    outside = {builder.heading_marks[a] for a in _outside_toc(builder.outline)}
    doc = finish_body(doc, builder.heading_ppr, outside)
    parts["word/document.xml"] = doc.encode("utf-8")

    item_props = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<ds:datastoreItem ds:itemID="{{{str(uuid.uuid5(uuid.NAMESPACE_URL, MAP_NAMESPACE + revision)).upper()}}}" '
        'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        f'<ds:schemaRefs><ds:schemaRef ds:uri="{MAP_NAMESPACE}"/></ds:schemaRefs></ds:datastoreItem>'
    ).encode()
    parts[MAP_PART] = _map_xml(
        builder.traces,
        revision=revision,
        tag=builder.tag,
        draft=draft,
        title=plan.meta.title.plain,
        date=date,
    )
    parts["customXml/itemProps1.xml"] = item_props
    parts["customXml/_rels/item1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/customXmlProps" '
        'Target="itemProps1.xml"/></Relationships>'
    ).encode()
    if "../customXml/item1.xml" not in rels:
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdKkMap" Type="{REL}/customXml" '
            'Target="../customXml/item1.xml"/></Relationships>',
        )
    parts["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    types = types.replace(
        "</Types>",
        "".join(
            f'<Override PartName="/{name}" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
            for name in headers
        )
        + "</Types>",
    )
    if "/customXml/itemProps1.xml" not in types:
        types = types.replace(
            "</Types>",
            '<Override PartName="/customXml/itemProps1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/></Types>',
        )
    if "/docProps/custom.xml" not in types:
        types = types.replace(
            "</Types>",
            '<Override PartName="/docProps/custom.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
        )
    parts["[Content_Types].xml"] = types.encode("utf-8")
    package_rels = parts["_rels/.rels"].decode("utf-8")
    if "docProps/custom.xml" not in package_rels:
        package_rels = package_rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdKkCustom" Type="{REL}/custom-properties" '
            'Target="docProps/custom.xml"/></Relationships>',
        )
    parts["_rels/.rels"] = package_rels.encode("utf-8")
    # Pandoc builds settings.xml from its own defaults (keeping little of the reference's,
    # and adding embedSystemFonts): ours replaces it.
    parts["word/settings.xml"] = _settings_part()
    # The plan's faces, cut down to the characters the package shows (docx_fonts).
    embed_fonts(parts, order, cutting=fonts)
    parts["docProps/core.xml"] = _core_xml(plan, date)
    parts["docProps/custom.xml"] = _custom_xml(
        {
            "KeikakuDocument": "plan.docx",
            "KeikakuRevision": revision[:255],
            "KeikakuTag": builder.tag,
            "KeikakuEdition": "draft" if draft else "final",
        }
    )
    for name in (
        MAP_PART,
        "customXml/itemProps1.xml",
        "customXml/_rels/item1.xml.rels",
        "docProps/custom.xml",
    ):
        if name not in order:
            order.append(name)
    # [Content_Types].xml first, as Word writes it; then pandoc's order.
    order.sort(key=lambda n: n != "[Content_Types].xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            dst.writestr(_fixed_info(name, date), parts[name])
    return out.getvalue()


# ------------------------------------------------------------------ the public functions


def docx_bytes(
    plan: Plan,
    *,
    draft: bool = True,
    revision: str,
    date: datetime,
    pages: Mapping[str, int] | None = None,
    content: Path | None = None,
) -> bytes:
    """plan.docx as bytes. ``revision`` names the content it is built from (a commit, or
    any string), recorded with every bookmark; ``date`` goes into the document properties
    (the same date as the PDF's: ``dates.document_date``); ``pages`` are the page numbers
    of the headings to show in the 目次 (``pdf_page_numbers`` of the PDF of the same
    build; without them the 目次 lists the headings without numbers until Word refreshes
    it); ``content`` is the content folder, for the images of figures (default: the one
    ``files.content_root`` set). Raises ``BuildError``.

    The build makes the same bytes with ``start_docx`` while the PDF is laid out."""
    with start_docx(
        plan, draft=draft, revision=revision, date=date, content=content, pages=pages or {}
    ) as word:
        return word.result()


class WordEdition:
    """plan.docx on its way: the AST built, pandoc running (``start_docx``). ``result``
    waits for pandoc and completes the package; leaving the ``with`` block without it
    (the layout failed) stops pandoc and removes its folder."""

    def __init__(
        self,
        builder: _Builder,
        job: Running,
        *,
        revision: str,
        date: datetime,
        fonts: Cutting | None = None,
    ) -> None:
        self.builder = builder
        self.job = job
        self.revision = revision
        self.date = date
        self.fonts = fonts

    def result(self, pages: Mapping[str, int] | None = None) -> bytes:
        """The package, its page-number slots (if any) filled with ``pages`` (as
        ``page_numbers`` gives them). Raises ``BuildError``."""
        written = self.job.result()
        return _finish(
            written,
            self.builder,
            revision=self.revision,
            date=self.date,
            pages=pages,
            fonts=self.fonts,
        )

    def __enter__(self) -> WordEdition:
        return self

    def __exit__(self, *exc: object) -> None:
        self.job.close()
        if self.fonts is not None:
            self.fonts.close()


def start_docx(
    plan: Plan,
    *,
    draft: bool = True,
    revision: str,
    date: datetime,
    content: Path | None = None,
    pages: Mapping[str, int] | None = None,
) -> WordEdition:
    """Build the Word edition's AST and start pandoc on it, returning at once: the build
    lays the PDF out while pandoc, a process of its own, writes the package on the other
    core. The page numbers (the PDF's, known only after the layout) are left as slots
    that ``WordEdition.result`` fills in, unless ``pages`` are given here (``docx_bytes``).
    Either way the bytes are the same. Raises ``BuildError``."""
    tag = revision_tag(revision)
    builder = _Builder(plan, draft=draft, tag=tag, pages=pages, content=content)
    blocks = builder.build()
    if builder.problems:
        raise BuildError(builder.problems)
    doc = {"pandoc-api-version": _api_version(), "meta": {}, "blocks": blocks}
    reference = _reference(builder)
    # The faces cut down to the text, on the other core while the PDF is laid out.
    with zipfile.ZipFile(io.BytesIO(reference)) as ref:
        shown = used_text({i.filename: ref.read(i) for i in ref.infolist()})
    fonts = Cutting(ast_text(blocks, shown))
    epoch = str(int(max(date, _EPOCH_1980).timestamp()))
    job = start_pandoc(
        [
            "-f",
            "json",
            "-t",
            "docx",
            "--no-highlight",
            "--reference-doc=reference.docx",
            "-o",
            "plan.docx",
        ],
        json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        env={"SOURCE_DATE_EPOCH": epoch},
        output="plan.docx",
        files_in={"reference.docx": reference},
    )
    return WordEdition(builder, job, revision=revision, date=date, fonts=fonts)


def page_numbers(
    anchor_pages: Mapping[str, int], plan: Plan, *, draft: bool = True
) -> dict[str, int]:
    """The page number the PDF prints on the page of every heading, from the page (counted
    from 0) each anchor lands on (``write.layout``): counted from the first part, as the
    PDF's 「- n -」 (the cover and the 目次 carry no number)."""
    outline = plan.outline(draft)
    first = next(
        (
            anchor_pages[h.anchor]
            for h in outline.headings
            if h.depth == 1 and h.anchor in anchor_pages
        ),
        None,
    )
    if first is None:
        return {}
    return {
        h.anchor: anchor_pages[h.anchor] - first + 1
        for h in outline.headings
        if h.anchor in anchor_pages and anchor_pages[h.anchor] >= first
    }


def pdf_page_numbers(pdf: bytes, plan: Plan, *, draft: bool = True) -> dict[str, int]:
    """The page number the PDF prints on the page of every heading (its named
    destinations), for the Word 目次: counted from the first part, as the PDF's
    「- n -」 (the cover and the 目次 carry no number)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    index: dict[str, int] = {}
    for name, dest in reader.named_destinations.items():
        try:
            page = reader.get_destination_page_number(dest)
        except Exception:  # a destination pypdf cannot resolve is left out
            continue
        if page is not None:
            index[str(name)] = page
    return page_numbers(index, plan, draft=draft)
