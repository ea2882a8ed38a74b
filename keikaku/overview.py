"""The 概要: the plan on one A4 landscape page, as ministers and the press read it.

Two halves, both without the layout engine:

- the content of ``content/overview.yaml`` (optional; ``OverviewFile``): a lead
  sentence, a short text per 重点目標, which ＫＰＩ are a package's main ones, and the
  editor's choices when the page is full (``font_size``, ``pages``). Read and checked by
  the loader (``load.load_plan``) like every content file, each problem at its line;
- the sheet as printed (``sheet``): the plan's title and status, then per 重点目標 a
  column with its ≪…≫ groups and 政策パッケージ, each numbered by the plan's outline
  (``outline.py``: the numbers the 本文 prints), each title taken from its entity, never
  retyped, and under each package its main ＫＰＩ — 指標, 基準値 → 目標値 with their
  years — or 「（今後設定）」 while its ＫＰＩ are pending. The template
  (``templates/overview.html``) prints it, and the 新旧対照表 (``shinkyu/``) compares it:
  a renamed 重点目標 shows there as a change of the 概要 too.

The layout, and the check that the page holds what it is given, are in
``overview_layout.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import model
from .errors import Pos
from .model import Pending, Plan, Text, meta, position

#: The 概要's content file in the content folder; the 概要 is made without it too.
OVERVIEW_FILE = "overview.yaml"
#: The text size of the 概要 unless ``font_size`` says otherwise, and the least it may be
#: set to: below 7 pt a printed page is no longer read.
FONT_SIZE = 9.0
MIN_FONT_SIZE = 7
MAX_FONT_SIZE = 12
#: How many pages the 概要 may be given (``pages``).
MAX_PAGES = 2


@dataclass(frozen=True, kw_only=True)
class OverviewGoal:
    """概要の重点目標の欄に添える短い文。"""

    goal: str = meta("重点目標", ref="PriorityGoal", doc="重点目標の ID")
    text: Text = meta("短い文", doc="重点目標の名称の下に示す短い説明（1〜2行）")
    pos: Pos = position()


@dataclass(frozen=True, kw_only=True)
class OverviewFile:
    """overview.yaml: 概要（A4横1枚）に載せるもの。題名・重点目標・政策パッケージの
    名称と番号は本文から取られ、ここでは書かない。"""

    lead: Text | None = meta(
        "リード文", default=None, doc="題名の下に示す一文。省略するとリード文なし"
    )
    goals: tuple[OverviewGoal, ...] = meta(
        "重点目標に添える文", default=(), doc="重点目標ごとに、名称の下に示す短い文"
    )
    main_kpis: tuple[str, ...] = meta(
        "主なＫＰＩ",
        ref="Kpi",
        default=(),
        doc="概要に載せる主なＫＰＩ。ＫＰＩが未定（pending）の政策パッケージには「（今後設定）」と示す",
    )
    font_size: int | float | None = meta(
        "文字の大きさ",
        default=None,
        doc=f"概要の本文の文字の大きさ（pt）。既定 {FONT_SIZE:g}、{MIN_FONT_SIZE} 以上 {MAX_FONT_SIZE} 以下",
    )
    pages: int = meta(
        "ページ数",
        default=1,
        doc="1（既定）または 2。2 にすると重点目標の欄を2ページに分けて組む",
    )
    pos: Pos = position()


# ------------------------------------------------------------------ the sheet as printed


@dataclass(frozen=True)
class KpiLine:
    """A main ＫＰＩ as the 概要 prints it, or the package's 「（今後設定）」."""

    key: str
    """The ＫＰＩ's id; the package's id for its pending ＫＰＩ."""
    indicator: str
    """指標（単位）; "" for a package whose ＫＰＩ are pending."""
    baseline: str
    """基準値（年度）, 「（今後設定）」 while pending; "" for a pending package."""
    target: str
    pending: str
    """「（今後設定）」 for a package whose ＫＰＩ are pending; "" otherwise."""

    @property
    def line(self) -> str:
        if self.pending:
            return self.pending
        return f"{self.indicator}：{self.baseline}→{self.target}"


@dataclass(frozen=True)
class PackageEntry:
    key: str
    number: str
    title: str
    kpis: tuple[KpiLine, ...]


@dataclass(frozen=True)
class GroupEntry:
    key: str
    number: str
    title: str
    """With its ≪…≫, as the 本文 prints it."""
    packages: tuple[PackageEntry, ...]


@dataclass(frozen=True)
class Column:
    """One 重点目標's column."""

    key: str
    number: str
    title: str
    text: str
    groups: tuple[GroupEntry, ...]
    pos: Pos
    """Where the 重点目標 is written (its content file)."""

    @property
    def packages(self) -> tuple[PackageEntry, ...]:
        return tuple(p for g in self.groups for p in g.packages)


@dataclass(frozen=True)
class Sheet:
    """The 概要 as printed."""

    title: str
    status: str
    meeting: str
    lead: str
    columns: tuple[Column, ...]
    font_size: float
    pages: int
    source: Pos
    """Where the editor's choices are written: overview.yaml, or where it would be."""

    def page_columns(self) -> tuple[tuple[int, ...], ...]:
        """The columns of each page, by index: all on one page, or split in order
        between two (the first page takes the extra one of an odd number)."""
        n = len(self.columns)
        if self.pages < 2 or n < 2:
            return (tuple(range(n)),)
        half = (n + 1) // 2
        return (tuple(range(half)), tuple(range(half, n)))


def _value(value: model.KpiValue | Pending, labels: dict[str, Text], unit: str) -> str:
    if isinstance(value, Pending):
        return labels["pending_value"].plain
    shown = value.value.plain if isinstance(value.value, Text) else _number(value.value)
    return f"{shown}{unit}（{value.year.plain}）"


def _number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def sheet(plan: Plan, *, draft: bool = True, shown_file: str = OVERVIEW_FILE) -> Sheet:
    """The 概要 of ``plan`` (the draft's, or with ``draft`` off the final edition's): every
    重点目標 the edition prints, with its groups and packages numbered as the 本文 numbers
    them. ``shown_file`` is how messages name overview.yaml when it is absent."""
    outline = plan.outline(draft)
    labels = plan.labels
    content: OverviewFile = plan.overview or OverviewFile()
    main = set(content.main_kpis)
    texts = {g.goal: g.text.plain for g in content.goals}
    columns = []
    for goal in plan.goals:
        if not outline.printed(goal):
            continue
        groups = []
        for group in model.groups_of(goal):
            vision = plan.index.visions.get(group.vision)
            title = (
                labels["group_open"].plain
                + (vision.title.plain if vision else "")
                + labels["group_close"].plain
            )
            packages = []
            for pkg in model.packages_of(group):
                kpis = pkg.kpis
                if isinstance(kpis, Pending):
                    lines: tuple[KpiLine, ...] = (
                        KpiLine(pkg.id, "", "", "", labels["pending_value"].plain),
                    )
                else:
                    lines = tuple(
                        KpiLine(
                            k.id,
                            k.indicator.plain,
                            _value(k.baseline, labels, k.unit.plain if k.unit else ""),
                            _value(k.target, labels, k.unit.plain if k.unit else ""),
                            "",
                        )
                        for k in kpis
                        if k.id in main
                    )
                packages.append(PackageEntry(pkg.id, outline.of(pkg).label, pkg.title.plain, lines))
            groups.append(
                GroupEntry(
                    outline.of(group).anchor, outline.of(group).label, title, tuple(packages)
                )
            )
        columns.append(
            Column(
                goal.id,
                outline.of(goal).label,
                goal.title.plain,
                texts.get(goal.id, ""),
                tuple(groups),
                goal.pos,
            )
        )
    font = content.font_size
    return Sheet(
        title=plan.meta.title.plain,
        status=plan.meta.status.plain if plan.meta.status else "",
        meeting=plan.meta.meeting.plain if plan.meta.meeting else "",
        lead=content.lead.plain if content.lead else "",
        columns=tuple(columns),
        font_size=float(font) if font is not None else FONT_SIZE,
        pages=content.pages,
        source=content.pos if plan.overview is not None else Pos(shown_file),
    )


__all__ = [
    "FONT_SIZE",
    "MAX_FONT_SIZE",
    "MIN_FONT_SIZE",
    "OVERVIEW_FILE",
    "Column",
    "GroupEntry",
    "KpiLine",
    "OverviewFile",
    "OverviewGoal",
    "PackageEntry",
    "Sheet",
    "sheet",
]
