"""The フォローアップ report's Word edition: its HTML through Pandoc.

The report is tables and short headings, which Pandoc's HTML reader carries into Word as
they are. The charts are inline SVG, which Word shows only with a PNG fallback (that
Pandoc makes only with rsvg-convert): in the Word edition each chart is its
description in words (the SVG's ``<desc>``: baseline, 実績値 and target with their years),
the same text a screen reader gives for it in the PDF. Its text is set in the plan's
faces: BIZ UD明朝 for the body, BIZ UDゴシック for the headings (Pandoc's styles name
the theme's fonts, which on a Japanese Word are not the plan's), embedded in the package
as plan.docx embeds them (``docx_fonts.embed``), since a ministry PC may have neither.
"""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape

from .docx_fonts import embed
from .pandoc import run as run_pandoc

_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_DESC = re.compile(r"<desc>(.*?)</desc>", re.S)
#: What Pandoc would print besides the report's own heading: the stylesheet, the
#: watermark's style, and <title> and the author, which it sets as a title block.
_HEAD_EXTRAS = re.compile(r"<style\b.*?</style>|<title>.*?</title>|<(link|meta)\b[^>]*>", re.S)


def docx_html(html: str) -> str:
    """The report's HTML as Pandoc reads it for Word: charts as their descriptions."""

    def described(match: re.Match[str]) -> str:
        desc = _DESC.search(match.group(0))
        text = unescape(desc.group(1)) if desc else ""
        return f'<p class="chart-text">{_escape(text)}</p>' if text else ""

    return _HEAD_EXTRAS.sub("", _SVG.sub(described, html))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: A style's theme fonts: Pandoc 3 names them for every script (``w:asciiTheme`` …) or,
#: where a style takes the Latin face from the one it is based on, for East Asian and
#: complex scripts only (``w:eastAsiaTheme``, ``w:cstheme``).
_THEME_FONTS = re.compile(
    r"<w:rFonts\b[^>]*\bw:(?:ascii|hAnsi|eastAsia)Theme=\"(major|minor)[A-Za-z]*\"[^>]*/>"
)


def _fonts(match: re.Match[str]) -> str:
    face = "BIZ UDGothic" if match.group(1) == "major" else "BIZ UDMincho"
    return f'<w:rFonts w:ascii="{face}" w:eastAsia="{face}" w:hAnsi="{face}" w:cs="{face}"/>'


def with_plan_fonts(docx: bytes) -> bytes:
    """The package with its styles' theme fonts replaced by the plan's faces, and those
    faces embedded as plan.docx embeds them (``docx_fonts.embed``): a ministry PC without
    the BIZ UD fonts shows the report in them too."""
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        infos = {info.filename: info for info in src.infolist()}
        parts = {name: src.read(info) for name, info in infos.items()}
    parts["word/styles.xml"] = _THEME_FONTS.sub(
        _fonts, parts["word/styles.xml"].decode("utf-8")
    ).encode("utf-8")
    order = list(infos)
    embed(parts, order)
    # A part of our own is dated as Pandoc dated the document (the same bytes each time).
    dated = infos.get("word/document.xml") or next(iter(infos.values()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            info = infos.get(name) or zipfile.ZipInfo(name, dated.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, parts[name])
    return out.getvalue()


def followup_docx(html: str) -> bytes:
    """followup.docx from the report's HTML."""
    return with_plan_fonts(
        run_pandoc(
            ["-f", "html", "-t", "docx", "-o", "followup.docx"],
            docx_html(html).encode("utf-8"),
            output="followup.docx",
        )
    )
