"""Pandoc's AST as the Word edition builds it, and the units of its page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.sax.saxutils import escape as _xml_escape

from ..typeset import char_width
from .css import plan_sheet

# ------------------------------------------------------------------ units and names

_CSS = plan_sheet()
#: The body text's size (plan.css ``html``), and the multiple of it a line takes.
BODY_PT = _CSS.size_pt(["html"], 0)
LINE_HEIGHT = _CSS.length(["html"], "line-height").value
#: Twips (1/20 pt) per em of the body text: indents are counted in characters.
EM = round(BODY_PT * 20)
#: Twips per millimetre.
MM = 1440 / 25.4
#: The page: A4 (plan.css ``@page``'s size) with the PDF's margins (its margin).
if _CSS.value(["@page"], "size").split()[0].lower() != "a4":
    raise ValueError("plan.css: the Word edition is set on A4 (@page size)")
PAGE_W, PAGE_H = round(210 * MM), round(297 * MM)
_MARGINS = _CSS.box(["@page"])
MARGIN_TOP, MARGIN_BOTTOM = round(_MARGINS[0].mm() * MM), round(_MARGINS[2].mm() * MM)
MARGIN_SIDE = round(_MARGINS[3].mm() * MM)
#: The text width: 45 characters of 10.5 pt, as in the PDF.
TEXT_W = PAGE_W - 2 * MARGIN_SIDE

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _x(text: str) -> str:
    """Text for XML content."""
    return _xml_escape(text)


def _xa(text: str) -> str:
    """Text for an XML attribute value in double quotes."""
    return _xml_escape(text, {'"': "&quot;"})


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
    from ..render import marker_width

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
