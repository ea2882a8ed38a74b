"""What every part of the Word edition's builder shares: traces, paragraphs, text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, assert_never

from .. import tree
from ..errors import Problem
from ..model import Plan
from .pandoc_ast import _SPACES, LINE_BREAK, Div, Para, Span, Str, _cell, _plain_text
from .styles import StyleBook
from .trace_map import BOOKMARK, TRACE_PREFIX, Trace

# ------------------------------------------------------------------ the builder


@dataclass(frozen=True)
class _Ctx:
    """Where the blocks being set stand: the headings above (their traces' place), the left
    margin (em) and the heading that holds them (its look sets lists and paragraphs in);
    the content id and field path of each block are its node's trace."""

    where: tuple[str, ...]
    left: float
    node: tree.Heading | None = None


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path and not part.startswith("[") else f"{path}{part}"


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


#: The end of a section of the document (front matter, a part): an empty paragraph of
#: almost no height, whose section properties ``_finish`` fills in.
_SECTION_END = (
    '<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
    "<w:sectPr><!--keikaku:{}--></w:sectPr></w:pPr></w:p>"
)


class _Core:
    """The plan as Pandoc's AST, with the trace of every paragraph: what every part of the
    builder shares (the traces, the paragraphs, the text)."""

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
        self.heading_ppr: dict[str, str] = {}
        self.running_heads: list[str] = []
        """The title of each part that opens a section of the body, in order."""
        self.document = tree.printed(plan, draft=draft)
        self.footnotes = {f.id: f for f in self.document.footnotes}
        self.figures: dict[bytes, bytes] = {}
        """Each figure's stand-in given to Pandoc → the image that replaces it."""
        """Direct paragraph properties of each heading (by bookmark): its indent."""

    def traced(self, t: tree.Trace, where: tuple[str, ...]) -> Trace:
        """The trace map's entry of a paragraph the tree traces, under the headings ``where``."""
        return self.trace(t.id, t.field, t.kind, where, t.pos or "")

    def cell_para(self, style: str, row: tree.Row, n: int, ctx: _Ctx, *, sep: list) -> dict:
        """Cell ``n`` of ``row`` as one paragraph, its lines joined by ``sep``."""
        inlines: list = []
        for i, line in enumerate(row.cells[n]):
            inlines += [*(sep if i else []), *self.inline(line)]
        traces = row.traces[n] if n < len(row.traces) else ()
        return self.para(style, inlines, self.traced(traces[0], ctx.where) if traces else None)

    def header(
        self, table: tree.Table, style: str, ctx: _Ctx, spans: Mapping[int, tuple[int, str]]
    ) -> list:
        """A generated list's header row; ``spans``: per column, its span and alignment."""
        (labels,) = table.header
        (traces,) = table.header_traces
        out = []
        for n, (label, t) in enumerate(zip(labels, traces, strict=True)):
            cols, align = spans.get(n, (1, "AlignDefault"))
            para = self.para(style, self.inline(label), self.traced(t, ctx.where))
            out.append(_cell([para], cols=cols, align=align))
        return out

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

    def record_text(self, trace: Trace, inlines: list) -> None:
        """The trace map keeps the text its paragraph was built with."""
        self.traces[trace.order] = replace(trace, text=_plain_text(inlines))

    def para(self, style: str, inlines: list, trace: Trace | None) -> dict:
        """One Word paragraph, opened by its trace bookmark."""
        if trace is not None:
            inlines = [Span([], ident=trace.name), *inlines]
            self.record_text(trace, inlines)
        return Div([Para(inlines)], style)

    def add(self, block: dict) -> None:
        self.blocks.append(block)

    # -------------------------------------------------------------- inline text

    def inline(self, text: tree.Inline) -> list:
        """Printed text as AST inlines: its marks as Word sets them (strong in the plan's
        style, links to a heading's bookmark or outside), each footnote call a footnote."""
        return self.runs(text, 0, len(text.text), text.nested())

    def runs(self, text: tree.Inline, start: int, end: int, marks: list[tree.Mark]) -> list:
        """``text[start:end]`` as AST inlines; ``marks`` the ranges inside it, outer first."""
        out: list = []
        at, n = start, 0
        while n < len(marks):
            m = marks[n]
            inner = tree.held(marks, n)
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
                case "small":
                    out.append(Span(kids, style="Plan Year"))
                case "aside":
                    out += kids
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
        note = self.footnotes.get(fid)
        trace = self.trace(fid, "", "footnote", (), note.trace.pos or "" if note else "")
        inlines = [Span([], ident=trace.name), *(self.inline(note.text) if note else [])]
        self.record_text(trace, inlines)
        return {"t": "Note", "c": [Para(inlines)]}
