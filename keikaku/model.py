"""The plan's entities, as the templates receive them.

Every class is a frozen dataclass built from YAML by ``load.build``. A field's YAML key
is its name; ``meta(...)`` gives the Japanese label used in messages and marks
references to other entities. Numbering (第１章, １, （１）, ア …) is never stored here:
it is generated from the order of items when rendering, so reordering content
renumbers the whole document.
"""

from __future__ import annotations

import dataclasses
import functools
import html
import re
import typing
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .errors import Pos

# How markup.py renders a footnote call; its body is not part of the running text.
_FOOTNOTE_SPAN = re.compile(r'<span class="footnote"[^>]*>.*?</span>', re.S)
_TAG = re.compile(r"<[^>]*>")


def _strip_tags(markup: str) -> str:
    """Text of inline HTML. Unlike ``Markup.striptags`` it keeps white space as written:
    the ideographic space in 「…の整備　等」 is part of the text."""
    return html.unescape(_TAG.sub("", markup))


def meta(ja: str, *, ref: str | None = None, default: Any = ..., derived: bool = False) -> Any:
    """Declare a model field: ``ja`` names it in messages; ``ref`` names the kind of entity
    whose id it holds; ``derived`` fields are filled by the loader, not read from YAML."""
    md = {"ja": ja, "ref": ref, "derived": derived}
    if default is ...:
        return field(metadata=md)
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or None as a default")
    return field(default=default, metadata=md)


@dataclass(frozen=True)
class Text:
    """A piece of content text: the editor's source and its rendered inline HTML.

    Templates print it as markup (``__html__``); diffs and data exports use ``raw``.
    """

    raw: str
    """The text as written in the content file (inline Markdown)."""
    html: Markup
    """The text rendered once, at load time, with raw HTML disabled."""
    pos: Pos = field(compare=False, default=Pos(""))
    """Where the text stands in its content file."""

    def __html__(self) -> Markup:
        return self.html

    def __str__(self) -> str:
        return self.raw

    @property
    def display(self) -> str:
        """The text as printed, with 「※」 where a footnote is called: for the 新旧対照表."""
        return _strip_tags(_FOOTNOTE_SPAN.sub("※", str(self.html)))

    @property
    def plain(self) -> str:
        """The text as a reader sees it, without markup or footnote bodies: for the 目次,
        bookmarks, figures and metadata."""
        return _strip_tags(_FOOTNOTE_SPAN.sub("", str(self.html)))


@dataclass(frozen=True)
class Prose:
    """A narrative passage kept as a Markdown fragment that a YAML file points to."""

    path: str
    """The fragment's path relative to the content directory."""
    raw: str
    """The Markdown source."""
    html: Markup
    """The rendered block HTML."""
    pos: Pos = field(compare=False, default=Pos(""))
    """The start of the fragment file (line 1, column 1)."""

    def __html__(self) -> Markup:
        return self.html


@dataclass(frozen=True, kw_only=True)
class Pending:
    """未定事項: something the draft leaves for a later meeting (「次回以降に議論」).

    The PDF shows it as pending (「（今後設定）」 and the reason); it is never filled with
    made-up data.
    """

    pending: Text = meta("未定の理由")
    """Why it is open, in the draft's words, e.g. 「次回以降の計画部会で議論予定」."""
    pos: Pos = meta("位置", default=Pos(""), derived=True)
    """Where the pending item is recorded."""


@functools.cache
def fields_of(cls: type) -> tuple[tuple[dataclasses.Field, Any], ...]:
    """A model class's fields with their resolved types. Cached: resolving the type
    hints is costly, and loading, publishing and comparing all walk the same classes."""
    hints = typing.get_type_hints(cls)
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls))


def walk_texts(obj: Any):
    """Every ``Text`` and ``Prose`` inside a model object, in field order."""
    if isinstance(obj, (Text, Prose)):
        yield obj
    elif isinstance(obj, tuple):
        for item in obj:
            yield from walk_texts(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from walk_texts(item)
    elif hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            if name not in ("sources", "pending"):
                yield from walk_texts(getattr(obj, name))


# ---------------------------------------------------------------- plan and cover


@dataclass(frozen=True, kw_only=True)
class PlanMeta:
    """表紙と文書情報: the cover and the PDF's metadata."""

    title: Text = meta("計画の名称")
    """The plan's title, e.g. 次期社会資本整備重点計画."""
    status: Text = meta("段階")
    """The document's status, e.g. 素案."""
    meeting: Text = meta("会議名")
    """The meeting the draft is submitted to, shown on the cover."""
    date_line: Text | Pending = meta("日付欄")
    """The date line on the cover; pending where the draft gives no date."""
    issuer: Text = meta("作成者")
    """The issuing body, shown on the cover and as the PDF's author."""
    subject: Text = meta("主題")
    """One line on what the document is, for the PDF's subject field."""
    keywords: tuple[Text, ...] = meta("キーワード", default=())
    """Keywords for the PDF's metadata."""
    notice: Text | None = meta("表紙の注記", default=None)
    """A note under the title on the cover, if any."""


# ---------------------------------------------------------------- 第1章


@dataclass(frozen=True, kw_only=True)
class Change:
    """社会経済情勢の変化: one change in social and economic conditions (● in the draft)."""

    id: str = meta("ID")
    title: Text = meta("見出し")
    """The ● line."""
    points: tuple[Text, ...] = meta("内容")
    """The ・ points under it."""


@dataclass(frozen=True, kw_only=True)
class CurrentGoal:
    """現行計画の重点目標: a priority goal of the plan now in force."""

    id: str = meta("ID")
    title: Text = meta("名称")


@dataclass(frozen=True, kw_only=True)
class SituationChapter:
    """第1章 社会資本整備をとりまく状況の変化."""

    title: Text = meta("章の題名")
    intro: Prose | None = meta("前文", default=None)
    changes_title: Text = meta("社会経済情勢の変化の見出し")
    changes: tuple[Change, ...] = meta("社会経済情勢の変化")
    current_goals_title: Text = meta("現行計画の重点目標の見出し")
    current_goals: tuple[CurrentGoal, ...] = meta("現行計画の重点目標")


# ---------------------------------------------------------------- 第2章


@dataclass(frozen=True, kw_only=True)
class Challenge:
    """基本的な課題認識: one of the basic social challenges."""

    id: str = meta("ID")
    title: Text = meta("見出し")
    points: tuple[Text, ...] = meta("内容")


@dataclass(frozen=True, kw_only=True)
class Vision:
    """目指す社会の姿: one direction for solving the social challenges.

    In 第3章 the ≪…≫ groups of each 重点目標 are these visions.
    """

    id: str = meta("ID")
    title: Text = meta("名称")
    goal: str = meta("重点目標", ref="PriorityGoal")
    """The 重点目標 this vision belongs to."""
    challenges: tuple[str, ...] = meta("対応する課題", ref="Challenge")
    """The 基本的な課題認識 it answers."""
    note: Text | None = meta("補足", default=None)
    theme_examples: tuple[Text, ...] = meta("施策テーマの例", default=())
    """（参考）施策テーマの例 listed with it in the draft."""


@dataclass(frozen=True, kw_only=True)
class GoalOutline:
    """重点目標の案: a priority goal as introduced in 第2章 第1節."""

    goal: str = meta("重点目標", ref="PriorityGoal")
    note: Text | None = meta("補足", default=None)


@dataclass(frozen=True, kw_only=True)
class SocietySection:
    """第2章 第1節 社会課題と目指す社会の姿."""

    title: Text = meta("節の題名")
    lead: tuple[Text, ...] = meta("前文", default=())
    challenges_title: Text = meta("課題認識の見出し")
    challenges: tuple[Challenge, ...] = meta("基本的な課題認識")
    visions_title: Text = meta("目指す社会の姿の見出し")
    visions: tuple[Vision, ...] = meta("目指す社会の姿")
    goals_title: Text = meta("重点目標の見出し")
    goals: tuple[GoalOutline, ...] = meta("重点目標の案")
    theme_examples_title: Text = meta("施策テーマの例の見出し")


@dataclass(frozen=True, kw_only=True)
class Soryoku:
    """「総力」: one of the three 総力 of the current plan."""

    id: str = meta("ID")
    title: Text = meta("名称")
    points: tuple[Text, ...] = meta("内容")


@dataclass(frozen=True, kw_only=True)
class StockEffect:
    """ストック効果: one kind of stock effect of social capital, with examples."""

    id: str = meta("ID")
    title: Text = meta("名称")
    examples: tuple[Text, ...] = meta("例")


@dataclass(frozen=True, kw_only=True)
class Pillar:
    """新たなインフラマネジメント方針の柱: one of the five pillars."""

    id: str = meta("ID")
    title: Text = meta("名称")
    points: tuple[Text, ...] = meta("内容")
    """The ○ points."""
    examples: Text | None = meta("例", default=None)
    """The 例： line."""


@dataclass(frozen=True, kw_only=True)
class ManagementSection:
    """第2章 第2節 新たなインフラマネジメントの方針."""

    title: Text = meta("節の題名")
    lead: tuple[Text, ...] = meta("前文", default=())
    current_title: Text = meta("現行計画の方向性の見出し")
    current_lead: Text = meta("現行計画の方向性")
    soryoku_title: Text = meta("「総力」の見出し")
    soryoku_lead: Text = meta("「総力」の説明")
    soryoku: tuple[Soryoku, ...] = meta("３つの総力")
    keiei_title: Text = meta("「インフラ経営」の見出し")
    keiei_lead: Text = meta("「インフラ経営」の説明")
    stock_effects_title: Text = meta("ストック効果の見出し")
    stock_effects: tuple[StockEffect, ...] = meta("ストック効果")
    policy_title: Text = meta("方針の見出し")
    policy_subtitle: Text | None = meta("方針の副題", default=None)
    pillars: tuple[Pillar, ...] = meta("方針の柱")
    spiral_title: Text = meta("スパイラルアップの見出し")
    spiral_points: tuple[Text, ...] = meta("スパイラルアップの内容")


@dataclass(frozen=True, kw_only=True)
class OutlookSection:
    """第2章 第3節 社会課題解決に向けた中長期を見据えた方向性."""

    title: Text = meta("節の題名")
    body: Prose | Pending = meta("本文")


@dataclass(frozen=True, kw_only=True)
class DirectionChapter:
    """第2章 中長期を見据えた社会資本整備の方向性."""

    title: Text = meta("章の題名")
    society: SocietySection = meta("第1節")
    management: ManagementSection = meta("第2節")
    outlook: OutlookSection = meta("第3節")


# ---------------------------------------------------------------- 第3章


@dataclass(frozen=True, kw_only=True)
class KpiValue:
    """A KPI's value at a point in time (基準値 or 目標値)."""

    value: Text = meta("値")
    year: Text = meta("年度")


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """ＫＰＩ: a key performance indicator of a 政策パッケージ."""

    id: str = meta("ID")
    indicator: Text = meta("指標")
    unit: Text | None = meta("単位", default=None)
    baseline: KpiValue | Pending = meta("基準値")
    target: KpiValue | Pending = meta("目標値")
    notes: Text | None = meta("備考", default=None)
    package: str = meta("政策パッケージ", default="", derived=True)
    """The id of the 政策パッケージ it belongs to (filled in by the loader)."""


@dataclass(frozen=True, kw_only=True)
class PolicyPackage:
    """政策パッケージ: a 施策テーマ of the draft, with its directions, measures and KPIs."""

    id: str = meta("ID")
    title: Text = meta("施策テーマ")
    directions: tuple[Text, ...] = meta("今後の社会資本整備の方向性")
    """The ■ points."""
    measures: tuple[Text, ...] = meta("当面の取組（例）", default=())
    """The ・ points: 重点施策 as far as the draft names them."""
    kpis: tuple[Kpi, ...] | Pending = meta("ＫＰＩ")


@dataclass(frozen=True, kw_only=True)
class PackageGroup:
    """≪…≫: the 政策パッケージ of one 目指す社会の姿 under a 重点目標."""

    vision: str = meta("目指す社会の姿", ref="Vision")
    measures_pending: Pending | None = meta("重点施策の未定事項", default=None)
    """Set where the draft leaves the concrete measures for later."""
    packages: tuple[PolicyPackage, ...] = meta("政策パッケージ")


@dataclass(frozen=True, kw_only=True)
class PriorityGoal:
    """重点目標: one of the plan's priority goals for its period."""

    id: str = meta("ID")
    title: Text = meta("名称")
    groups: tuple[PackageGroup, ...] = meta("≪…≫のまとまり")


@dataclass(frozen=True, kw_only=True)
class ProgrammeChapter:
    """第3章 計画期間内における「重点目標」と「政策パッケージ」."""

    title: Text = meta("章の題名")
    lead: tuple[Text, ...] = meta("前文", default=())
    goal_files: tuple[str, ...] = meta("重点目標のファイル")
    """The 重点目標 files under content/, in the order of the plan."""


# ---------------------------------------------------------------- 第4章


@dataclass(frozen=True, kw_only=True)
class Measure:
    """計画の実効性を確保する方策: one topic of 第4章."""

    id: str = meta("ID")
    title: Text = meta("見出し")
    body: Prose | Pending = meta("本文")


@dataclass(frozen=True, kw_only=True)
class EffectivenessChapter:
    """第4章 計画の実効性を確保する方策."""

    title: Text = meta("章の題名")
    lead: tuple[Text, ...] = meta("前文", default=())
    measures: tuple[Measure, ...] = meta("方策")


# ---------------------------------------------------------------- 参考


@dataclass(frozen=True, kw_only=True)
class AgendaItem:
    """An item discussed at a meeting, with what was listed under it."""

    title: Text = meta("事項")
    points: tuple[Text, ...] = meta("内容", default=())
    items: tuple[AgendaItem, ...] = meta("細目", default=())
    """Sub-items listed under it (● under ◯ in the draft)."""


@dataclass(frozen=True, kw_only=True)
class Meeting:
    """計画部会: one meeting of the planning committee and what it discussed."""

    id: str = meta("ID")
    title: Text = meta("会議名")
    date: Text = meta("開催日")
    items: tuple[AgendaItem, ...] = meta("審議事項")


@dataclass(frozen=True, kw_only=True)
class Deliberations:
    """参考 審議の経過: the committee's meetings that led to this draft."""

    title: Text = meta("題名")
    lead: tuple[Text, ...] = meta("前文", default=())
    meetings: tuple[Meeting, ...] = meta("会議")


# ---------------------------------------------------------------- the whole plan


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The whole validated plan: what the templates receive."""

    meta: PlanMeta
    situation: SituationChapter
    direction: DirectionChapter
    programme: ProgrammeChapter
    goals: tuple[PriorityGoal, ...]
    effectiveness: EffectivenessChapter
    deliberations: Deliberations
    footnotes: dict[str, Text]
    """Footnote texts by id; content text calls them as ``[^id]``."""
    pending: tuple[tuple[str, Pending], ...]
    """Every pending item with a readable path to it, in document order."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The text of every content file read, by its path as shown in messages: lint
    uses it to point at the exact character."""

    def vision(self, vision_id: str) -> Vision:
        return next(v for v in self.direction.society.visions if v.id == vision_id)

    def goal(self, goal_id: str) -> PriorityGoal:
        return next(g for g in self.goals if g.id == goal_id)

    def packages(self) -> list[tuple[PriorityGoal, PackageGroup, PolicyPackage]]:
        return [(g, grp, p) for g in self.goals for grp in g.groups for p in grp.packages]
