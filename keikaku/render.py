"""Render stage: the ``Plan`` into one HTML document, the same for the PDF and the screen.

The templates walk the document tree; every number, anchor and 目次 entry comes from
the plan's outline (``outline.py``), so the 目次, the headings and the bookmarks can
never disagree.
"""

from __future__ import annotations

import base64
import functools
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import jinja2
from markupsafe import Markup

from . import typeset
from .figures import society_diagram, watermark_svg
from .model import HEADINGS, NUMBERED_MARKERS, Pending, Plan, Text, amount, draft_mark
from .outline import Outline, kana, list_marker, number, zen
from .paths import PROJECT_ROOT, TEMPLATES_DIR
from .typeset import keep_together, squeeze_punctuation

if TYPE_CHECKING:
    from .compare import Row


def is_pending(value: object) -> bool:
    """True for a ``Pending`` item (used by templates to show 「（今後設定）」)."""
    return isinstance(value, Pending)


def kpi_value(value: object) -> str:
    """A KPI's value as printed: numbers as written in the data (32, 0.5, 1,200 stays 1200)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value.html if isinstance(value, Text) else str(value)


def cover_title(title: Text) -> tuple[Markup, str]:
    """The cover's title broken between its parts, never inside a word, and its size if
    smaller than the cover's 24pt (``typeset.cover_title``)."""
    html, size = typeset.cover_title(str(title.html))
    return Markup(html), size


def marker_width(marker: str) -> int:
    """The width of a list marker in whole ems (its class mk-wN): （１） is 3, ■ is 1."""
    from .figures import char_width

    return min(3, max(1, round(sum(char_width(c) for c in marker) + 0.49)))


def kpi_columns(plan: Plan) -> dict[str, str]:
    """Column widths shared by every ＫＰＩ table of the plan, fitted to its data.

    Every table of the ＫＰＩ一覧 gets the same widths, so the columns line up from one
    重点目標 to the next; the 単位 and value columns are as wide as their longest entry
    (a unit such as 万kW, a year such as 「（令和１２年度）」 on one line), the rest goes to
    the indicator and the notes. Widths are in em of the tables' text (BIZ UD: full-width
    characters 1 em, half-width ½ em).
    """
    from .figures import char_width

    def width(text: str) -> float:
        return sum(char_width(c) for c in text)

    labels = plan.labels
    kpis = [k for _g, _grp, pkg in plan.packages() for k in pkg.all_kpis]
    values = [v for k in kpis for v in (k.baseline, k.target) if not isinstance(v, Pending)]
    unit = max(
        [width(labels["kpi_unit"].plain), width(labels["kpi_no_unit"].plain)]
        + [width(k.unit.plain) for k in kpis if k.unit]
    )
    value = max(
        [width(labels[key].plain) for key in ("kpi_baseline", "kpi_target", "pending_value")]
        + [
            width(str(kpi_value(v.value)) if not isinstance(v.value, Text) else v.value.plain)
            for v in values
        ]
        # The year is set at 8.5pt in a 9.5pt table.
        + [width(f"（{v.year.plain}）") * 8.5 / 9.5 for v in values]
    )
    padding = 1.4  # 2 mm each side and the rules, in em of 9.5pt
    return {"unit": f"{unit + padding:.2f}em", "value": f"{value + padding:.2f}em"}


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
    from .figures import wrap

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
    outline: Outline
    L: dict[str, Text]
    """The labels: every word the templates print that is not content."""
    stylesheet: str
    content_href: str
    """The content folder's URL relative to the output folder (figures' images)."""
    keywords: str
    date: str
    visions_of: Any
    kpi_widths: dict[str, str]
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
        number=number,
        zen=zen,
        kana=kana,
        plain=plain,
        list_marker=list_marker,
        kpi_value=kpi_value,
        amount=amount,
        cover_title=cover_title,
        marker_width=marker_width,
    )
    env.globals.update(
        society_diagram=society_diagram,
        numbered_markers=NUMBERED_MARKERS,
        heading_kinds=tuple(k.KIND for k in HEADINGS),
    )
    env.tests.update(pending=is_pending)
    return env


# One environment per process: compiling the templates is most of rendering's time
# (about 65 ms of 80), and the environment keeps them compiled between builds. It
# still picks up an edited template: Jinja checks each template's mtime when it is used.
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
        visions = tuple(plan.index.visions.values())
        context: DocumentContext = {
            "plan": plan,
            "outline": plan.outline(draft),
            "L": plan.labels,
            "stylesheet": stylesheet_href,
            "content_href": content_href,
            "keywords": ", ".join(k.raw for k in plan.meta.keywords),
            "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),  # W3C date-time, as WeasyPrint reads it
            "draft": draft,
            "watermark": (
                _data_url(watermark_svg(draft_mark(plan.meta.status, plan.labels))) if draft else ""
            ),
            "visions_of": lambda goal_id: [v for v in visions if v.goal == goal_id],
            "kpi_widths": kpi_columns(plan),
            "examples_width": examples_columns(plan),
        }
        return squeeze_punctuation(
            keep_together(self.env.get_template("document.html").render(**context))
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


def plain(value: Text | str) -> str:
    """Content text without markup or footnote bodies (see ``Text.plain``)."""
    return value.plain if isinstance(value, Text) else str(value)
