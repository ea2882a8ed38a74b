"""The yearly フォローアップ: where each ＫＰＩ stands against its target, as the 計画部会
reads it every year of the plan's five.

For each ＫＰＩ with a numeric 基準値 and 目標値, the latest 実績値 (up to the year asked
for) gives its 進捗率 = (最新値 − 基準値) / (目標値 − 基準値): 0 at the baseline, 1 at the
target, whichever way the indicator runs (a falling one such as 死者数 too). The straight
line from the baseline to the target says how far it should be by the year of that
value (期待進捗率 = (年度 − 基準年度) / (目標年度 − 基準年度)). The status is

- 達成: 進捗率 ≥ 100 %;
- 順調: 進捗率 ≥ 期待進捗率 × ``on_track`` (followup.yaml, default 90 %);
- 遅れ: below that;
- 未設定: no 実績値 yet, or a 基準値 or 目標値 still pending, not a number, or not
  apart (the same value, or the target's year not after the baseline's).

A ＫＰＩ without 実績値 is listed as such, never drawn as zero. Numbers are compared as
exact fractions of the values as written (55 and 80 give 25/25 = 1 exactly).

``build.py followup [--year 令和N年度]`` writes ``followup.pdf`` and ``followup.html``
(and ``followup.docx``) as one set: the plan's fonts, PDF/A-3a tagged, the draft's mark
behind every page unless ``--final``.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from html import escape
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import files
from .errors import BuildError, Pos, Problem
from .followup_config import DEFAULT_ON_TRACK, FollowupConfig, load_followup_config
from .model import Kpi, KpiValue, Pending, Plan, Text, draft_mark
from .outline import Heading
from .series import Point, actual_points, baseline_point, fiscal_year, reiwa, target_point
from .typeset import char_width

#: The statuses, in the order the report counts them, with the label naming each.
STATUSES = (
    ("achieved", "followup_achieved"),
    ("on_track", "followup_on_track"),
    ("behind", "followup_behind"),
    ("unset", "followup_unset"),
)

# ------------------------------------------------------------------ one ＫＰＩ's standing


def _exact(value: float) -> Fraction:
    return Fraction(Decimal(repr(value)))


@dataclass(frozen=True)
class Standing:
    """Where one ＫＰＩ stands: its points, its 進捗率 and its status."""

    kpi: Kpi
    baseline: Point | None
    target: Point | None
    actuals: tuple[Point, ...]
    """The numeric 実績値 up to the year of the report, in year order."""
    status: str
    """achieved, on_track, behind or unset (``STATUSES``)."""
    progress: Fraction | None = None
    """進捗率 of the latest value (1 is the target)."""
    expected: Fraction | None = None
    """The straight line's 進捗率 in the latest value's year."""

    @property
    def latest(self) -> Point | None:
        return self.actuals[-1] if self.actuals else None


def assess(kpi: Kpi, until: int | None = None, on_track: int = DEFAULT_ON_TRACK) -> Standing:
    """The standing of ``kpi`` with its 実績値 up to fiscal year ``until`` (all if None)."""
    base, target = baseline_point(kpi), target_point(kpi)
    actuals = tuple(actual_points(kpi, until))
    if (
        base is None
        or target is None
        or not actuals
        or target.value == base.value
        or target.year <= base.year
    ):
        return Standing(kpi, base, target, actuals, "unset")
    latest = actuals[-1]
    progress = (_exact(latest.value) - _exact(base.value)) / (
        _exact(target.value) - _exact(base.value)
    )
    expected = Fraction(latest.year - base.year, target.year - base.year)
    if progress >= 1:
        status = "achieved"
    elif progress >= expected * Fraction(on_track, 100):
        status = "on_track"
    else:
        status = "behind"
    return Standing(kpi, base, target, actuals, status, progress, expected)


def percent(value: Fraction | None) -> str:
    """A 進捗率 as printed: 68％, 100％, −12％ (rounded to a whole percent, half up)."""
    if value is None:
        return "－"
    n = value * 100
    whole = int((abs(n) + Fraction(1, 2)) // 1) * (1 if n >= 0 else -1)
    return f"{'－' if whole < 0 else ''}{abs(whole)}％"


# ------------------------------------------------------------------ the chart


#: The chart's viewBox and its plot area (pt).
CHART_W, CHART_H = 200.0, 124.0
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 36.0, 192.0, 14.0, 92.0


@dataclass(frozen=True)
class ChartGeometry:
    """Where the chart draws each point (x, y in the viewBox), for the SVG and its tests."""

    years: tuple[int, int]
    values: tuple[float, float]
    """The value axis, from its bottom to its top."""
    step: float
    """Between the value axis's ticks."""
    baseline: tuple[float, float]
    target: tuple[float, float]
    actuals: tuple[tuple[float, float], ...]
    runs: tuple[tuple[tuple[float, float], ...], ...]
    """The line through the actual values: from the baseline on, broken where a year
    has no value (a missing year is never drawn as zero, nor bridged)."""

    def x(self, year: float) -> float:
        y0, y1 = self.years
        return PLOT_LEFT + (year - y0) / (y1 - y0) * (PLOT_RIGHT - PLOT_LEFT)

    def y(self, value: float) -> float:
        v0, v1 = self.values
        return PLOT_BOTTOM - (value - v0) / (v1 - v0) * (PLOT_BOTTOM - PLOT_TOP)

    def ticks(self) -> list[float]:
        v0, v1 = self.values
        count = round((v1 - v0) / self.step)
        return [v0 + i * self.step for i in range(count + 1)]


def nice_axis(low: float, high: float) -> tuple[float, float, float]:
    """The value axis (bottom, top, step) around ``low``..``high``: a step of 1, 2, 2.5 or 5
    times a power of ten giving about four intervals, the ends on whole steps."""
    if low == high:
        low, high = (low - 1, high + 1) if low else (0.0, 1.0)
    raw = (high - low) / 4
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def chart_geometry(standing: Standing) -> ChartGeometry | None:
    """The chart's points, or None when there is no baseline and target to draw."""
    base, target = standing.baseline, standing.target
    if base is None or target is None or target.year <= base.year:
        return None
    values = [base.value, target.value, *(p.value for p in standing.actuals)]
    low, high, step = nice_axis(min(values), max(values))
    geo = ChartGeometry((base.year, target.year), (low, high), step, (0, 0), (0, 0), (), ())
    start = (geo.x(base.year), geo.y(base.value))
    points = tuple((geo.x(p.year), geo.y(p.value)) for p in standing.actuals)
    runs: list[list[tuple[float, float]]] = []
    previous: int | None = base.year
    for p, xy in zip(standing.actuals, points, strict=True):
        if previous is not None and p.year == previous + 1:
            if not runs:
                runs.append([start])
            runs[-1].append(xy)
        else:
            runs.append([xy])
        previous = p.year
    return ChartGeometry(
        geo.years,
        geo.values,
        step,
        start,
        (geo.x(target.year), geo.y(target.value)),
        points,
        tuple(tuple(r) for r in runs),
    )


def _axis_number(value: float) -> str:
    if value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _short_year(year: int) -> str:
    """An axis label: R8 for 令和８年度 (the full name is in the table beside)."""
    return f"R{year - 2018}"


def chart_svg(standing: Standing, labels: dict[str, Text], unit: str) -> Markup:
    """The ＫＰＩ's chart as inline SVG: the straight path from the baseline to the target
    (dashed), the baseline (□), the target (◇) and the 実績値 (●, joined year to year)."""
    geo = chart_geometry(standing)
    if geo is None or standing.baseline is None or standing.target is None:
        return Markup("")
    kpi = standing.kpi
    L = {k: v.plain for k, v in labels.items()}
    y0, y1 = geo.years
    described = [
        f"{L['kpi_baseline']} {_axis_number(standing.baseline.value)}{unit}（{reiwa(y0)}）"
    ]
    described += [
        f"{L['followup_actual']} {_axis_number(p.value)}{unit}（{reiwa(p.year)}）"
        for p in standing.actuals
    ]
    described.append(
        f"{L['kpi_target']} {_axis_number(standing.target.value)}{unit}（{reiwa(y1)}）"
    )
    if not standing.actuals:
        described.append(L["followup_no_actuals"])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kpi-chart" viewBox="0 0 {CHART_W:.0f} {CHART_H:.0f}" '
        f'width="{CHART_W:.0f}pt" height="{CHART_H:.0f}pt" role="img">',
        # The title is the tagged PDF's alternative text: the indicator and its values.
        f"<title>{escape(kpi.indicator.plain + '：' + '、'.join(described))}</title>",
        f"<desc>{escape('、'.join(described))}</desc>",
        "<style>"
        "text { font-family: 'BIZ UDGothic'; font-size: 7px; fill: #000; }"
        ".axis { stroke: #000; stroke-width: 0.6; fill: none; }"
        ".grid { stroke: #d0d0d0; stroke-width: 0.4; }"
        ".path { stroke: #555; stroke-width: 0.8; stroke-dasharray: 3 2; fill: none; }"
        ".actual { stroke: #000; stroke-width: 1.2; fill: none; }"
        ".dot { fill: #000; } .base, .target { fill: #fff; stroke: #000; stroke-width: 0.8; }"
        ".none { font-size: 8px; fill: #444; }"
        "</style>",
    ]
    for value in geo.ticks():
        y = geo.y(value)
        parts.append(
            f'<path class="grid" d="M{PLOT_LEFT:.1f},{y:.1f} H{PLOT_RIGHT:.1f}"/>'
            f'<text x="{PLOT_LEFT - 3:.1f}" y="{y + 2.5:.1f}" text-anchor="end">{escape(_axis_number(value))}</text>'
        )
    for year in range(y0, y1 + 1):
        x = geo.x(year)
        parts.append(
            f'<path class="axis" d="M{x:.1f},{PLOT_BOTTOM:.1f} v2"/>'
            f'<text x="{x:.1f}" y="{PLOT_BOTTOM + 9:.1f}" text-anchor="middle">{_short_year(year)}</text>'
        )
    parts.append(
        f'<path class="axis" d="M{PLOT_LEFT:.1f},{PLOT_TOP:.1f} V{PLOT_BOTTOM:.1f} H{PLOT_RIGHT:.1f}"/>'
    )
    if unit:
        parts.append(f'<text x="2" y="7">（{escape(unit)}）</text>')
    (bx, by), (tx, ty) = geo.baseline, geo.target
    parts.append(f'<path class="path" d="M{bx:.1f},{by:.1f} L{tx:.1f},{ty:.1f}"/>')
    for run in geo.runs:
        if len(run) > 1:
            d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(run))
            parts.append(f'<path class="actual" d="{d}"/>')
    parts.append(_square(bx, by) + _diamond(tx, ty))
    for x, y in geo.actuals:
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="2.2"/>')
    if not standing.actuals:
        parts.append(
            f'<text class="none" x="{(PLOT_LEFT + PLOT_RIGHT) / 2:.1f}" y="{PLOT_TOP + 10:.1f}" '
            f'text-anchor="middle">{escape(L["followup_no_actuals"])}</text>'
        )
    # The legend, in two rows under the axis.
    row1, row2, x = CHART_H - 13, CHART_H - 3, PLOT_LEFT
    legend = []
    for mark, label in (
        (_square, "kpi_baseline"),
        (
            lambda x, y: f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="2.2"/>',
            "followup_actual",
        ),
        (_diamond, "kpi_target"),
    ):
        legend.append(mark(x + 3, row1 - 2.5))
        legend.append(f'<text x="{x + 8:.1f}" y="{row1:.1f}">{escape(L[label])}</text>')
        x += 8 + 7 * _em(L[label]) + 8
    legend.append(
        f'<path class="path" d="M{PLOT_LEFT:.1f},{row2 - 2.5:.1f} h12"/>'
        f'<text x="{PLOT_LEFT + 15:.1f}" y="{row2:.1f}">{escape(L["followup_line"])}</text>'
    )
    parts += legend
    parts.append("</svg>")
    return Markup("".join(parts))


def _em(text: str) -> float:
    return sum(char_width(c) for c in text)


def _square(x: float, y: float) -> str:
    return f'<rect class="base" x="{x - 2.5:.1f}" y="{y - 2.5:.1f}" width="5" height="5"/>'


def _diamond(x: float, y: float) -> str:
    return (
        f'<path class="target" d="M{x:.1f},{y - 3.5:.1f} L{x + 3.5:.1f},{y:.1f} '
        f'L{x:.1f},{y + 3.5:.1f} L{x - 3.5:.1f},{y:.1f} Z"/>'
    )


# ------------------------------------------------------------------ the report


@dataclass
class PackageReport:
    group: str
    """The ≪目指す社会の姿≫ it stands under, numbered as in the plan."""
    heading: str
    pending: Text | None
    """The reason, while the package's ＫＰＩ are pending."""
    standings: list[Standing] = field(default_factory=list)


@dataclass
class GoalReport:
    heading: str
    packages: list[PackageReport] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys((s for s, _ in STATUSES), 0)
        for pkg in self.packages:
            for s in pkg.standings:
                found[s.status] += 1
        return found


def report_year(plan: Plan, year: str | None) -> int | None:
    """The fiscal year of ``--year`` (None: every 実績値). Raises ``BuildError``."""
    if year is None:
        return None
    found = fiscal_year(year)
    if found is None:
        raise BuildError(
            Problem(
                Pos("build.py followup --year"),
                f"年度「{year}」は「令和８年度」のように令和N年度の形で指定してください。"
                " (fiscal year not understood)",
            )
        )
    return found


def goal_reports(plan: Plan, until: int | None, on_track: int) -> list[GoalReport]:
    """The report's body: every 重点目標 and 政策パッケージ in the plan's order and numbering."""
    outline = plan.outline()
    goals: dict[str, GoalReport] = {}
    for goal, group, pkg in plan.packages():
        report = goals.setdefault(goal.id, GoalReport(outline.of(goal).line))
        kpis = pkg.kpis
        package = PackageReport(
            outline.of(group).line,
            outline.of(pkg).line,
            kpis.pending if isinstance(kpis, Pending) else None,
        )
        if isinstance(kpis, tuple):
            package.standings = [assess(k, until, on_track) for k in kpis]
        report.packages.append(package)
    return list(goals.values())


def report_headings(plan: Plan) -> list[Heading]:
    """The plan's headings the report prints (``goal_reports``): every 重点目標, group and
    政策パッケージ of ``plan.packages``, each once, in order."""
    outline = plan.outline()
    seen: dict[str, Heading] = {}
    for triple in plan.packages():
        for node in triple:
            h = outline.of(node)
            seen.setdefault(h.anchor, h)
    return list(seen.values())


def latest_year(plan: Plan) -> int | None:
    """The latest fiscal year any ＫＰＩ has a 実績値 for."""
    years = [
        p.year
        for _g, _grp, pkg in plan.packages()
        if isinstance(pkg.kpis, tuple)
        for k in pkg.kpis
        for p in actual_points(k)
    ]
    return max(years, default=None)


def render_followup(
    plan: Plan,
    config: FollowupConfig,
    stylesheet: str,
    date: datetime,
    *,
    until: int | None,
    draft: bool,
) -> str:
    """The report as HTML, the same for the PDF and the screen."""
    from .figures import watermark_svg
    from .paths import TEMPLATES_DIR
    from .render import _data_url, _shared_environment
    from .typeset import keep_together, squeeze_punctuation

    labels = plan.labels
    as_of = until if until is not None else latest_year(plan)
    title = (
        config.title.plain
        if config.title
        else f"{plan.meta.title.plain}　{labels['followup_title'].plain}"
    )
    goals = goal_reports(plan, until, config.on_track)
    totals = dict.fromkeys((s for s, _ in STATUSES), 0)
    for g in goals:
        for s, n in g.counts().items():
            totals[s] += n
    without = [
        (pkg.heading, s.kpi)
        for g in goals
        for pkg in g.packages
        for s in pkg.standings
        if not s.actuals
    ]
    env = _shared_environment(TEMPLATES_DIR)
    # The charts stand in the HTML as comments while the text is typeset (its spans
    # belong to text, not to an SVG's title and description), then take their places.
    charts: list[str] = []

    def chart(standing: Standing) -> Markup:
        charts.append(
            chart_svg(standing, labels, standing.kpi.unit.plain if standing.kpi.unit else "")
        )
        return Markup(f"<!--chart:{len(charts) - 1}-->")

    context: dict[str, Any] = {
        "plan": plan,
        "L": labels,
        "title": title,
        "as_of": labels["followup_as_of"].plain.replace("{year}", reiwa(as_of)) if as_of else "",
        "stylesheet": stylesheet,
        "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "draft": draft,
        "watermark": _data_url(watermark_svg(draft_mark(plan.meta.status, labels)))
        if draft
        else "",
        "goals": goals,
        "totals": totals,
        "statuses": STATUSES,
        "without": without,
        "formula": labels["followup_formula"].plain.replace("{on_track}", str(config.on_track)),
        "reiwa": reiwa,
        "percent": percent,
        "chart": chart,
        "value_of": _value_text,
        "point_text": _point_text,
    }
    html = squeeze_punctuation(keep_together(env.get_template("followup.html").render(**context)))
    return re.sub(r"<!--chart:(\d+)-->", lambda m: charts[int(m.group(1))], html)


def _value_text(v: KpiValue | Pending) -> str:
    from .render import kpi_value

    if isinstance(v, Pending):
        return ""
    return str(kpi_value(v.value))


def _point_text(p: Point) -> str:
    from .render import kpi_value

    return str(kpi_value(p.value))


Report = Callable[[str], None]


def followup(
    content: Path,
    out: Path,
    *,
    year: str | None = None,
    final: bool = False,
    docx: bool = True,
    report: Report = print,
    warn: Report | None = None,
) -> list[Path]:
    """``build.py followup``: followup.pdf, followup.html (and followup.docx) as one set.
    Raises ``BuildError``; the output folder is left as it was on any problem."""
    import weasyprint  # noqa: F401 - the layout engine, imported only when building

    from .dates import document_date
    from .pipeline import _layout, _stderr, load, prepare
    from .write import publish, stylesheet_href

    warn = warn or _stderr
    started = time.perf_counter()
    prepare(content, out, warn)
    plan = load(content)
    with files.content_root(content):
        config = load_followup_config(content)
    until = report_year(plan, year)
    date = document_date(content)
    html = render_followup(
        plan, config, stylesheet_href(out, "followup.css"), date, until=until, draft=not final
    )
    pdf, _pages = _layout(html, out, warn, content=content, sources=plan.sources)
    products = {"followup.pdf": pdf, "followup.html": html.encode("utf-8")}
    if docx:
        from .followup_docx import followup_docx

        products["followup.docx"] = followup_docx(
            html,
            status=None if final else draft_mark(plan.meta.status, plan.labels),
            headings=report_headings(plan),
        )
    written = publish(out, products)
    report(
        f"wrote {', '.join(files.shown_path(p) for p in written)} in {time.perf_counter() - started:.1f} s"
    )
    return written
