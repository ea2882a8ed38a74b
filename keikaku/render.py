"""Render stage: the document tree (``tree.printed``) into one HTML document, the same
for the PDF and the screen.

The templates walk the tree's nodes, one macro per kind (``node_kind``); every number,
title, label and row they print comes from the tree, which the 新旧対照表 and the Word
edition read too, and every printed text is set by ``htmltext.InlineHtml``.
"""

from __future__ import annotations

import base64
import functools
import os
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypedDict, assert_never

import jinja2
from markupsafe import Markup, escape

from . import tree, typeset
from .figures import society_diagram, watermark_svg, wrap
from .htmltext import InlineHtml
from .model import Pending, Plan, Text, draft_mark, printed_number
from .paths import PROJECT_ROOT, TEMPLATES_DIR
from .typeset import char_width, heading_phrases, keep_together, last_phrase, squeeze_punctuation

if TYPE_CHECKING:
    from .shinkyu import Row


def is_pending(value: object) -> bool:
    """True for a ``Pending`` item (used by templates to show 「（今後設定）」)."""
    return isinstance(value, Pending)


def kpi_value(value: object) -> str:
    """A KPI's value as printed: numbers as written in the data, grouped by three (32, 0.5,
    1,200; ``model.printed_number``), text as its Markdown renders."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return printed_number(value)
    return value.html if isinstance(value, Text) else str(value)


def cover_title(title: Markup) -> tuple[Markup, str]:
    """The cover's title broken between its parts, never inside a word, and its size if
    smaller than the cover's 24pt (``typeset.cover_title``)."""
    html, size = typeset.cover_title(str(title))
    return Markup(html), size


def node_kind(node: tree.Node) -> str:
    """The name of the macro of blocks.html that sets a node. Every kind is named (mypy
    checks it, ``assert_never``); a ListItem, a Footnote is set by the macro of
    what holds it, and the cover and the 目次 by that of their generated list."""
    match node:
        case tree.Heading():
            return "heading"
        case tree.Part():
            return "part"
        case tree.Paragraph():
            return "paragraph"
        case tree.List():
            return "list"
        case tree.Note():
            return "note"
        case tree.Pending():
            return "pending"
        case tree.Table():
            return "table"
        case tree.Figure():
            return "figure"
        case tree.Diagram():
            return "diagram"
        case tree.Prose():
            return "prose"
        case tree.PageBreak():
            return "page_break"
        case tree.Generated():
            return "generated"
        case tree.ListItem() | tree.Cover() | tree.Toc() | tree.Footnote():
            return "inside"
        case _:
            assert_never(node)


def unprinted(what: str) -> NoReturn:
    """What a template reaches for a kind it has no macro for: a fault of the templates,
    never silently dropped."""
    raise ValueError(f"the templates set no {what!r}")


def marker_width(marker: str) -> int:
    """The width of a list marker in whole ems (its class mk-wN): （１） is 3, ■ is 1."""
    return min(3, max(1, round(sum(char_width(c) for c in marker) + 0.49)))


#: The text area's width in em of the body's 10.5pt (the 45-character grid), and the
#: tables' text size.
TEXT_EM = 45
TABLE_PT = 9.5


def examples_columns(plan: Plan) -> str:
    """The width of the 施策テーマの例 table's first column (目指す社会の姿), fitted to
    its content: of the widths that leave each column room for its longest word, the one
    that sets the table in the fewest lines (each row as tall as its taller cell), the
    most even split among equals. A fixed 40 % broke 「再構築」 in the narrow column while
    the other had room."""
    marker = plan.labels["examples_marker"].plain
    rows = [
        (v.title.plain, [marker + t.plain for t in v.theme_examples])
        for v in plan.index.visions.values()
        if v.theme_examples
    ]
    total = TEXT_EM * 10.5 / TABLE_PT - 2 * 1.4  # in em of the table's text, less padding
    if not rows:
        return "40%"

    def lines(left: float) -> int:
        right = total - left
        return sum(
            max(
                len(wrap(title, left)),
                sum(len(wrap(item, right - 1)) for item in items),
            )
            for title, items in rows
        )

    candidates = [total * share / 100 for share in range(25, 61)]
    best = min(candidates, key=lambda left: (lines(left), abs(left - total / 2)))
    return f"{100 * (best + 1.4) / (total + 2 * 1.4):.1f}%"


class DocumentContext(TypedDict):
    """What ``document.html`` receives."""

    plan: Plan
    document: tree.Document
    h: InlineHtml
    """Sets a printed text as HTML."""
    L: dict[str, Text]
    """The labels: every word the templates print that is not content."""
    stylesheet: str
    content_href: str
    """The content folder's URL relative to the output folder (figures' images)."""
    keywords: str
    date: str
    examples_width: str
    """The 施策テーマの例 table's first column (``examples_columns``)."""
    draft: bool
    watermark: str
    """The draft watermark as a data: URL (empty in a final build)."""


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """The templates compiled once, kept under ``.cache/`` beside the project (as the
    fonts' coverage is, ``glyphs.py``): compiling them is most of a fresh process's
    rendering time, about 70 ms of every ``build.py``. Jinja checks each entry against
    its template's source; a read-only checkout goes on without the cache."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
            super().dump_bytecode(bucket)
        except OSError:
            pass


def make_environment(templates: Path | None = None) -> jinja2.Environment:
    """A Jinja environment for the plan: strict, autoescaped, filters in one place."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates or TEMPLATES_DIR),
        bytecode_cache=_CompiledTemplates(str(PROJECT_ROOT / ".cache" / "templates")),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        kpi_value=kpi_value,
        cover_title=cover_title,
        marker_width=marker_width,
        last_phrase=last_phrase,
    )
    env.globals.update(society_diagram=society_diagram, node_kind=node_kind, unprinted=unprinted)
    env.tests.update(pending=is_pending)
    return env


# One environment per process: compiling the templates is most of rendering's time
# (about 65 ms of 80), and the environment keeps them compiled between builds. It
# still picks up an edited template: Jinja checks each template's mtime when it is used.
_FOOTNOTE_OPEN = re.compile(r'<span class="footnote" data-footnote="[^"]*">')
_SECTION_TAG = re.compile(r"<section\b[^>]*>|</section>")
_SPAN_TAG = re.compile(r"<span\b[^>]*>|</span>")
_CLASS = re.compile(r'\bclass="([^"]*)"')


def _span_end(html: str, start: int) -> int:
    """The index just after the ``</span>`` that closes the span whose content starts at
    ``start`` (spans nest: a footnote's text holds the 「ＰＰＰ」 kept together)."""
    depth = 1
    for tag in _SPAN_TAG.finditer(html, start):
        depth += -1 if tag.group().startswith("</") else 1
        if depth == 0:
            return tag.end()
    raise ValueError("unclosed footnote span")


def screen_notes(html: str, labels: dict[str, Text]) -> str:
    """The HTML edition's footnotes as a reader of a screen expects them.

    On paper (WeasyPrint) a footnote is the ``<span class="footnote">`` at its call,
    floated to the page's foot and numbered ※1, ※2 … in the order of the calls. A screen
    has no page foot: each call also gets a link 「※n」 (``a.fn-call``, role doc-noteref)
    to the note, and each chapter (a ``section.chapter``) ends with its notes in a list
    (``aside.screen-notes``), each with a link back to its call. The numbers are the
    PDF's (the order of the calls, running on across chapters). The stylesheet shows
    either form, never both: the print one in the PDF, the list on screen.
    """
    out: list[str] = []
    notes: list[tuple[int, str]] = []
    chapters: list[bool] = []  # open sections: is each a chapter?
    number = 0
    at = 0
    title = escape(labels["screen_notes"].plain)
    back = escape(labels["screen_notes_back"].plain)

    def listed(notes: list[tuple[int, str]]) -> str:
        items = "".join(
            f'<li id="fn-{n}"><span class="fn-no">※{n}</span>{body}'
            f' <a class="fn-back" href="#fn-call-{n}" role="doc-backlink"'
            f' aria-label="{back}（※{n}）">↩</a></li>'
            for n, body in notes
        )
        return (
            f'<aside class="screen-notes" aria-label="{title}">'
            f'<p class="screen-notes-title">{title}</p><ol>{items}</ol></aside>'
        )

    while True:
        call = _FOOTNOTE_OPEN.search(html, at)
        section = _SECTION_TAG.search(html, at)
        if section and (not call or section.start() < call.start()):
            out.append(html[at : section.start()])
            tag = section.group()
            if tag.startswith("</"):
                if chapters.pop() and notes:
                    out.append(listed(notes))
                    notes = []
            else:
                classes = _CLASS.search(tag)
                chapters.append(bool(classes and "chapter" in classes.group(1).split()))
            out.append(tag)
            at = section.end()
            continue
        if not call:
            rest = html[at:]
            if notes:  # called outside any chapter: listed at the end of the main text
                end_of_main = rest.rfind("</main>")
                end_of_main = len(rest) if end_of_main < 0 else end_of_main
                rest = rest[:end_of_main] + listed(notes) + rest[end_of_main:]
            out.append(rest)
            return "".join(out)
        end = _span_end(html, call.end())
        number += 1
        body = html[call.end() : end - len("</span>")]
        out.append(html[at:end])
        out.append(
            f'<a class="fn-call" id="fn-call-{number}" href="#fn-{number}"'
            f' role="doc-noteref">※{number}</a>'
        )
        notes.append((number, body))
        at = end


_shared_environment = functools.cache(make_environment)


class Renderer:
    """Renders plans to HTML with the process's one Jinja environment."""

    def __init__(self) -> None:
        self.env = _shared_environment(TEMPLATES_DIR)

    def render(
        self,
        plan: Plan,
        stylesheet_href: str,
        date: datetime,
        *,
        draft: bool = True,
        content_href: str = "",
    ) -> str:
        """The whole document. A draft carries its watermark (``model.draft_mark``) and the
        draft-only parts."""
        document = tree.printed(plan, draft=draft)
        context: DocumentContext = {
            "plan": plan,
            "document": document,
            "h": InlineHtml(document),
            "L": plan.labels,
            "stylesheet": stylesheet_href,
            "content_href": content_href,
            "keywords": ", ".join(k.raw for k in plan.meta.keywords),
            "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),  # W3C date-time, as WeasyPrint reads it
            "draft": draft,
            "watermark": (
                _data_url(watermark_svg(draft_mark(plan.meta.status, plan.labels))) if draft else ""
            ),
            "examples_width": examples_columns(plan),
        }
        return screen_notes(
            squeeze_punctuation(
                keep_together(
                    heading_phrases(self.env.get_template("document.html").render(**context))
                )
            ),
            plan.labels,
        )

    def render_shinkyu(self, context: ShinkyuContext) -> str:
        """The 新旧対照表 of two revisions (``build.py diff``)."""
        return self.env.get_template("shinkyu.html").render(**context)


class ShinkyuContext(TypedDict):
    """What ``shinkyu.html`` receives."""

    title: str
    new_label: str
    old_label: str
    columns: list[tuple[str, str]]
    """(heading, side) in the order of the table's columns; side is "new" or "old"."""
    rows: list[Row]
    widths: bool
    """Whether width-only changes (ＤＸ → DX) are marked."""
    stylesheet: str
