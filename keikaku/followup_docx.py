"""The フォローアップ report's Word edition: its HTML through Pandoc.

The report is tables and short headings, which Pandoc's HTML reader carries into Word as
they are. The charts are inline SVG, which Word shows only with a PNG fallback (that
Pandoc 2.17 makes only with rsvg-convert): in the Word edition each chart is its
description in words (the SVG's ``<desc>``: baseline, 実績値 and target with their years),
the same text a screen reader gives for it in the PDF.
"""

from __future__ import annotations

import re
from html import unescape

from .docx import _writer_sandboxed, run_pandoc

_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_DESC = re.compile(r"<desc>(.*?)</desc>", re.S)
_HEAD_EXTRAS = re.compile(r"<(style|link)\b[^>]*>(?:.*?</style>)?", re.S)


def docx_html(html: str) -> str:
    """The report's HTML as Pandoc reads it for Word: charts as their descriptions."""

    def described(match: re.Match[str]) -> str:
        desc = _DESC.search(match.group(0))
        text = unescape(desc.group(1)) if desc else ""
        return f'<p class="chart-text">{_escape(text)}</p>' if text else ""

    return _HEAD_EXTRAS.sub("", _SVG.sub(described, html))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def followup_docx(html: str) -> bytes:
    """followup.docx from the report's HTML."""
    return run_pandoc(
        ["-f", "html", "-t", "docx", "-o", "followup.docx"],
        docx_html(html).encode("utf-8"),
        sandbox=_writer_sandboxed(),
        output="followup.docx",
    )
