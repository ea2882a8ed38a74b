"""The Word edition's styles: made to measure (``StyleBook``), the headings', and the styles part."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ..docx_fonts import GOTHIC, MINCHO
from ..outline import Heading, Outline
from ..typeset import char_width
from .css import plan_sheet
from .pandoc_ast import BODY_PT, EM, LINE_HEIGHT, MM, R_NS, TEXT_W, W_NS, _width, _xa

_CSS = plan_sheet()

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


@dataclass(frozen=True)
class _Role:
    """A kind of paragraph the PDF sets: the rules of plan.css it matches, which give its
    spacing before and after (in mm, from their margin, or padding), its line height, its
    size, its alignment (centred or right) and whether it keeps with the next paragraph
    (``break-after: avoid``); then what Word sets of its own: its face (``rpr``: the
    stylesheet's fonts are the PDF's), other paragraph properties (``ppr``: a left
    alignment where the PDF justifies a short line, a border, a shade), and a spacing
    where Word's must differ (``before``, ``after``, ``line``), each said why."""

    css: tuple[str, ...]
    rpr: str = ""
    ppr: str = ""
    box: str = "margin"
    before: float | None = None
    after: float | None = None
    line: float | None = None
    sized: bool = True
    """Whether its size is set (a role whose rules set none has the body's)."""

    def properties(self) -> tuple[str, str]:
        """Its paragraph and run properties as the style sets them."""
        css = ("html", *self.css)
        box = _CSS.box(self.css, self.box)
        before = box[0].mm() if self.before is None else self.before
        after = box[2].mm() if self.after is None else self.after
        line = _CSS.length(css, "line-height").value if self.line is None else self.line
        ppr = _spacing(before, after, line)
        if _CSS.value(self.css, "break-after", "auto") == "avoid":
            ppr += "<w:keepNext/>"
        align = _CSS.value(css, "text-align")
        if align in ("center", "right"):
            ppr += f'<w:jc w:val="{align}"/>'
        rpr = self.rpr
        size = _CSS.size_pt(self.css, 0)
        if size and self.sized:
            rpr += _size(size)
        return ppr + self.ppr, rpr


_LEFT = '<w:jc w:val="left"/>'
_BOX_BORDER = (
    "<w:pBdr>"
    + "".join(
        f'<w:{side} w:val="single" w:sz="6" w:space="4" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right")
    )
    + "</w:pBdr>"
)

#: Paragraph roles: each kind of paragraph the PDF sets, by the rules of styles/plan.css
#: it matches (``_Role``); indents are added per use.
_ROLE_LOOKS: dict[str, _Role] = {
    "Body": _Role(("p",)),
    "Flush": _Role(("p", "p.no-indent")),
    "Center": _Role(("p", "p.align-center")),
    "Right": _Role(("p", "p.align-right")),
    "Labelled": _Role(("p", "p.labelled")),
    "Note": _Role(("p", "p.note")),
    "Pending": _Role(("p", "p.pending")),
    "Pending Note": _Role(("p", ".pending-note")),
    "Point": _Role(("ul.points > li",)),
    "Part Label": _Role((".label",), GOTHIC_BOLD, _LEFT),
    # Its size is the body's: Word's style needs none.
    "Block Title": _Role((".block-title",), GOTHIC_BOLD, _LEFT, sized=False),
    # The image's paragraph: the caption follows it at once, and it keeps with it; its
    # line is the image's height.
    "Figure": _Role(("figure.figure", "figure.image"), ppr="<w:keepNext/>", after=0, line=1.0),
    # Under the image, the caption's line of gothic (its space after: before the 出典).
    "Figure Caption": _Role(("figcaption",), _fonts(GOTHIC), after=1, line=1.5),
    # Above its table: the table's space before, then the caption's own after it.
    "Table Caption": _Role(
        ("table.data caption",), GOTHIC_BOLD, "<w:keepNext/>", before=2, line=1.5
    ),
    # Under the table or the figure: Word has no negative space before (the PDF's -3mm
    # draws it up to the table's foot).
    "Source": _Role(("p", "p.source"), before=0, line=1.5),
    # A box: its border stands 4pt off the text, which is most of the PDF's 2mm padding.
    "Pillar": _Role(
        (".pillars-roof",),
        GOTHIC_BOLD,
        '<w:shd w:val="clear" w:color="auto" w:fill="D9D9D9"/>' + _BOX_BORDER,
        before=1,
        after=1,
        line=1.5,
    ),
    "Appendix Note": _Role((".appendix-note",)),
    "Pending Item": _Role(
        ("ol.pending-list", "ol.pending-list > li"),
        ppr=_LEFT
        + '<w:pBdr><w:bottom w:val="single" w:sz="3" w:space="4" w:color="999999"/></w:pBdr>',
        box="padding",
    ),
    "Cell": _Role(("table",), ppr=_LEFT, before=0, after=0),
    "Cell Head": _Role(("table", "th"), GOTHIC_BOLD, _LEFT, before=0, after=0),
    "Cell Group": _Role(("table", "tr.row-goal th"), GOTHIC_BOLD, _LEFT, before=0, after=0),
    "Cell Point": _Role(("table",), ppr=_LEFT, before=0, after=0),
}

#: The フォローアップ report's own (followup.css): its title (it has no cover), the note
#: under its summary table and the line under each ＫＰＩ's table; and the page break.
_OWN_ROLES: dict[str, tuple[str, str]] = {
    "Title": (_spacing(0, 1, 1.5) + '<w:keepNext/><w:jc w:val="center"/>', GOTHIC_BOLD + _size(15)),
    "Table Note": (_spacing(2, 1.5), _size(9.5)),
    "Table Foot": (_spacing(1.5, 1.5), ""),
    "Page Break": (
        '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>',
        _size(1),
    ),
}

_ROLES: dict[str, tuple[str, str]] = {
    **{name: role.properties() for name, role in _ROLE_LOOKS.items()},
    **_OWN_ROLES,
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


#: The numbering style a heading level of Word (Heading 1–6) looks like: the look the
#: PDF's headings at that depth usually have (outline.py's default numbering).
_DEPTH_LOOKS = {1: "chapter", 2: "section", 3: "item", 4: "paren", 5: "kana", 6: "paren-kana"}


def _heading_css(look: str, depth: int) -> list[str]:
    """The rules of plan.css a heading of ``look`` at ``depth`` matches."""
    selectors = [".hd", f".hd-{look}"] if f".hd-{look}" in _CSS.rules else [".hd"]
    return selectors + ([".chapter-title"] if depth == 1 else [])


def _heading_look(look: str, depth: int) -> tuple[float, float, float]:
    """How a heading is set (plan.css .hd-chapter …, .chapter-title): its font size (pt),
    the width its title hangs after the number (``--no-width``) and its own left margin,
    both in ems of that size."""
    css = _heading_css(look, depth)
    size = _CSS.size_pt(css, BODY_PT)
    hang = _CSS.length(css, "--no-width", "2em").em(size)
    return size, hang, _CSS.box(css)[3].em(size)


class _Numbered(Protocol):
    """A numbered heading: the outline's, or the document tree's."""

    @property
    def look(self) -> str: ...
    @property
    def depth(self) -> int: ...
    @property
    def label(self) -> str: ...


def heading_indent(h: _Numbered, left_em: float, *, before_mm: float | None = None) -> str:
    """A heading's indent as the PDF sets it: the number in a box as wide as its numbering
    style asks (or the number, if wider) and half an em after it, then the title; a
    wrapped title lines up under its first line."""
    size, hang, own = _heading_look(h.look, h.depth)
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
    out = []
    for d in range(1, 7):
        look = _DEPTH_LOOKS[d]
        css = _heading_css(look, d)
        size, hang, left = _heading_look(look, d)
        margin = _CSS.box(css)
        before, after = margin[0].mm(), margin[2].mm()
        bold = _CSS.bold(css, True)  # h1–h6 are bold unless plan.css says otherwise
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
    out = []
    for d in range(1, 7):
        css = [".toc li", f".toc-{d}"]
        size = _CSS.size_pt(css, BODY_PT)
        pad = _CSS.box(css, "padding")[3].em(size)
        no = _CSS.length(css, "--toc-no").em(size)
        bold = _CSS.bold(css, False)
        before = _CSS.box(css)[0].mm()
        em = size * 20
        left, hang = round((pad + no) * em), round(no * em)
        ppr = (
            f'<w:tabs><w:tab w:val="left" w:pos="{left}"/>'
            f'<w:tab w:val="right" w:leader="dot" w:pos="{TEXT_W}"/></w:tabs>'
            + _spacing(before, 0, LINE_HEIGHT)
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
