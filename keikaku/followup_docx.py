"""The フォローアップ report's Word edition, set as plan.docx is set.

Pandoc's HTML reader reads the report's HTML into its AST; ``_Report`` sets that AST in
the plan's Word styles, as ``docx._Builder`` sets the plan's, and Pandoc writes it against
the plan's reference document (``docx.reference_docx``: the same styles, A4 with the
plan's margins, the page head with the draft's mark in its box, 「- n -」 at the foot).

- Every heading of the plan (重点目標, its ≪…≫ group, 政策パッケージ) is the Heading n
  of its outline depth, as in plan.docx, its number and a tab before its title, indented
  as plan.docx indents it (``docx.heading_indent``); each 重点目標 starts a page, as in
  the PDF. The report's own headings stand at the level of the plan's around them: the
  summary at the 重点目標's, a ＫＰＩ below its package.
- Tables are in the plan's table style, their heads (and row heads) in 「Plan Cell Head」,
  numbers flush right; a list is the plan's 「・」 list; the status of a ＫＰＩ is in the
  box of the draft's mark.
- The charts are inline SVG, which Word shows only with a PNG fallback (that Pandoc makes
  only with rsvg-convert): each chart is its description in words (the SVG's ``<desc>``:
  baseline, 実績値 and target with their years) as body text, the same text a screen
  reader gives for it in the PDF.

Its faces, BIZ UD明朝 and BIZ UDゴシック, are embedded as plan.docx embeds them
(``docx_fonts.embed``), since a ministry PC may have neither.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from html import unescape
from typing import Any

from .docx import (
    TAB,
    Div,
    Para,
    Span,
    Str,
    StyleBook,
    finish_body,
    heading_indent,
    heading_widths,
    marked,
    reference_docx,
)
from .docx_fonts import embed
from .model import PolicyPackage, PriorityGoal
from .outline import Heading
from .pandoc import run as run_pandoc
from .typeset import char_width

_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_CHART = re.compile(r'<figure class="chart">\s*(<svg\b.*?</svg>)?\s*</figure>', re.S)
_DESC = re.compile(r"<desc>(.*?)</desc>", re.S)
#: A paragraph with a class: Pandoc's HTML reader keeps a class on a <div> only.
_CLASSED_P = re.compile(r'<p class="([a-z -]+)">(.*?)</p>', re.S)
#: What Pandoc would print besides the report's own heading: the stylesheet, the
#: watermark's style, and <title> and the author, which it sets as a title block.
_HEAD_EXTRAS = re.compile(r"<style\b.*?</style>|<title>.*?</title>|<(link|meta)\b[^>]*>", re.S)
_UPDATE_FIELDS = re.compile(r'<w:updateFields w:val="true" ?/>')
_TABLE = re.compile(r"<w:tbl>.*?</w:tbl>", re.S)
_KEEP = re.compile(r'(<w:pPr><w:pStyle w:val="[^"]*" ?/>)(?!<w:keepNext)')
#: The marker of the report's lists, as the PDF prints them (followup.css).
_MARKER = "・"


def docx_html(html: str) -> str:
    """The report's HTML as Pandoc reads it for Word: each chart as its description, in a
    paragraph of class ``chart-text``; every classed paragraph in a <div> of its class."""

    def described(match: re.Match[str]) -> str:
        desc = _DESC.search(match.group(0))
        text = unescape(desc.group(1)) if desc else ""
        return f'<p class="chart-text">{_escape(text)}</p>' if text else ""

    html = _CHART.sub(described, html)
    html = _SVG.sub(described, html)
    html = _CLASSED_P.sub(r'<div class="\1"><p>\2</p></div>', html)
    return _HEAD_EXTRAS.sub("", html)


def _width(text: str) -> float:
    """The width of ``text`` in ems, as the plan's Word edition (docx/) counts a marker's."""
    return sum(char_width(c) for c in text)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(inlines: list) -> str:
    """The text of Pandoc inlines."""
    out = []
    for i in inlines:
        t, c = i.get("t"), i.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak"):
            out.append(" ")
        elif t == "Span":
            out.append(_plain(c[1]))
        elif t in ("Emph", "Strong", "Underline", "SmallCaps"):
            out.append(_plain(c))
    return "".join(out)


def _classes(attr: list) -> list[str]:
    return list(attr[1])


class _Report:
    """The report's AST set in the plan's Word styles (see the module's doc)."""

    def __init__(self, headings: Iterable[Heading]) -> None:
        self.headings = {h.line: h for h in headings}
        self.styles = StyleBook()
        #: Each plan heading's paragraph properties, by its bookmark (``finish_body``).
        self.heading_ppr: dict[str, str] = {}
        self.used: list[Heading] = []
        #: Outline depth minus HTML level of the plan's headings: the report's own
        #: headings take the level of the plan's around them.
        self.offset = 0

    def run(self, blocks: list) -> list:
        for b in _walk(blocks):
            if b.get("t") == "Header":
                h = self.headings.get(_plain(b["c"][2]))
                if h is not None:
                    self.offset = h.depth - b["c"][0]
                    break
        return self.blocks(blocks, 0.0)

    def blocks(self, blocks: list, left: float) -> list:
        out: list = []
        for b in blocks:
            out.extend(self.block(b, left))
        return out

    def block(self, b: dict[str, Any], left: float) -> list:
        t, c = b.get("t"), b.get("c", [])
        if t == "Div":
            classes = _classes(c[0])
            style = self.para_style(classes, left)
            if style is not None:
                return [Div([Para(self.inlines(blk["c"])) for blk in c[1]], style)]
            inner = left + 1.0 if "package" in classes else left
            return self.blocks(c[1], inner)
        if t == "Header" and c[0] == 1 and self.headings.get(_plain(c[2])) is None:
            # The report's title (it has no cover): centred, as the PDF sets it.
            return [Div([Para(self.inlines(c[2]))], self.styles.get("Title"))]
        if t == "Header":
            return [self.header(c[0], c[2])]
        if t == "Figure":  # what is left of a chart without a description
            return self.blocks(c[2], left)
        if t == "BulletList":
            hang = _width(_MARKER)
            style = self.styles.get("Point", left=left, hang=hang)
            return [
                Div([Para([*marked(_MARKER, hang), *self.inlines(_item_inlines(item))])], style)
                for item in c
            ]
        if t == "Table":
            return [self.table(b)]
        if t in ("Para", "Plain"):
            return [{"t": t, "c": self.inlines(c)}]
        return [b]

    def para_style(self, classes: list[str], left: float) -> str | None:
        """The plan's style for a classed paragraph of the report (followup.css)."""
        if "as-of" in classes:
            return self.styles.get("Center")
        if "note" in classes:
            return self.styles.get("Table Note", left=left, hang=_width("※"))
        if "pending" in classes:
            return self.styles.get("Pending", left=left)
        if "standing" in classes:
            return self.styles.get("Table Foot", left=left)
        if "chart-text" in classes:
            return self.styles.get("Body", left=left)
        return None

    def header(self, level: int, inlines: list) -> dict:
        h = self.headings.get(_plain(inlines))
        if h is None:  # the report's own: at the level of the plan's around it
            level = max(1, min(level + self.offset, 6))
            return {"t": "Header", "c": [level, ["", [], []], self.inlines(inlines)]}
        self.used.append(h)
        mark = f"fu_{len(self.used)}"
        node = h.node
        ppr = heading_indent(h, 1.0 if isinstance(node, PolicyPackage) else 0.0)
        if isinstance(node, PriorityGoal):
            ppr = "<w:pageBreakBefore/>" + ppr  # section.goal { break-before: page }
        self.heading_ppr[mark] = ppr
        title = h.line.removeprefix(h.label).lstrip("\u3000")
        body = [Span([], ident=mark), *([Str(h.label), TAB] if h.label else []), Str(title)]
        return {"t": "Header", "c": [min(h.depth, 6), ["", [], []], body]}

    def table(self, b: dict) -> dict:
        attr, caption, specs, head, bodies, foot = b["c"]
        cell = self.styles.get("Cell")
        head_style = self.styles.get("Cell Head")

        def cells(row: list, heads: bool) -> list:
            out = []
            for cattr, align, rows, cols, content in row[1]:
                kvs = dict(cattr[2])
                style = head_style if heads or kvs.get("scope") == "row" else cell
                inlines = [i for blk in content for i in self.inlines(blk["c"])]
                if "n" in _classes(cattr) and not heads:
                    align = {"t": "AlignRight"}  # a number, flush right as in the PDF
                # An empty cell is one empty paragraph (Pandoc writes it).
                blocks = [Div([Para(inlines)], style)] if inlines else []
                out.append([cattr, align, rows, cols, blocks])
            return [row[0], out]

        head = [head[0], [cells(r, True) for r in head[1]]]
        bodies = [
            [battr, n, [cells(r, True) for r in hrows], [cells(r, False) for r in rows]]
            for battr, n, hrows, rows in bodies
        ]
        return {"t": "Table", "c": [attr, caption, specs, head, bodies, foot]}

    def inlines(self, inlines: list) -> list:
        out: list = []
        for i in inlines:
            if i.get("t") != "Span":
                out.append(i)
                continue
            attr, inner = i["c"]
            classes = _classes(attr)
            if "status" in classes:  # the ＫＰＩ's status, boxed as the draft's mark
                out += [Str("\u3000"), Span(self.inlines(inner), style="Plan Status Box")]
            elif "key" in classes:
                out.append(Span(self.inlines(inner), style="Plan Strong"))
            else:
                out.extend(self.inlines(inner))
        return out


def _item_inlines(item: list) -> list:
    return [i for blk in item if blk.get("t") in ("Plain", "Para") for i in blk["c"]]


def _walk(blocks: list) -> Iterable[dict]:
    for b in blocks:
        yield b
        if b.get("t") == "Div":
            yield from _walk(b["c"][1])


def followup_docx(html: str, *, status: str | None, headings: Iterable[Heading]) -> bytes:
    """followup.docx from the report's HTML: ``status`` is the draft's mark for the page
    head's box (None: the formal report, no mark), ``headings`` the plan's headings the
    report prints (its 重点目標, groups and 政策パッケージ)."""
    read = run_pandoc(["-f", "html", "-t", "json"], docx_html(html).encode("utf-8"))
    doc = json.loads(read)
    report = _Report(headings)
    doc["blocks"] = report.run(doc["blocks"])
    reference = reference_docx(status, heading_widths(report.used), report.styles.used.values())
    written = run_pandoc(
        [
            "-f",
            "json",
            "-t",
            "docx",
            "--no-highlight",
            "--reference-doc=reference.docx",
            "-o",
            "followup.docx",
        ],
        json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        output="followup.docx",
        files_in={"reference.docx": reference},
    )
    return _finish(written, report)


def _finish(docx: bytes, report: _Report) -> bytes:
    """The package Pandoc wrote, with each plan heading's indent and page break, rows that
    never break (``docx.finish_body``) and the plan's faces embedded."""
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        infos = {info.filename: info for info in src.infolist()}
        parts = {name: src.read(info) for name, info in infos.items()}
    doc = finish_body(parts["word/document.xml"].decode("utf-8"), report.heading_ppr)
    # A table stands on one page with the line under it, as a ＫＰＩ does in the PDF
    # (followup.css div.kpi { break-inside: avoid }): each of its paragraphs keeps with
    # the next.
    doc = _TABLE.sub(lambda m: _KEEP.sub(r"\1<w:keepNext/>", m.group(0)), doc)
    parts["word/document.xml"] = doc.encode("utf-8")
    # The plan's settings (Pandoc takes the reference's), but for updating fields on
    # opening: the report has no 目次, and Word would ask about its page numbers alone.
    settings = parts["word/settings.xml"].decode("utf-8")
    parts["word/settings.xml"] = _UPDATE_FIELDS.sub("", settings).encode("utf-8")
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
