"""The blocks of the document tree, the typed entities of the plan, and the plan itself
(see the package's description). The dataclasses stay in this one module: their string
annotations refer to one another and are resolved in its namespace (``fields_of``)."""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar, Protocol, Union

from ..errors import Pos
from .values import Cell, InlineProse, Pending, Prose, Text, meta, position

# ---------------------------------------------------------------- plain blocks


@dataclass(frozen=True, kw_only=True)
class Paragraph:
    """段落: a paragraph of inline Markdown, with the one-character indent of 公用文."""

    KIND: ClassVar[str] = "p"
    MAIN: ClassVar[str] = "text"
    pos: Pos = position()

    text: Text = meta("本文")
    label: Text | None = meta(
        "前に付ける語",
        default=None,
        doc="段落の前にゴシックで示す語（例: 例：）。本文はその後ろに揃えて折り返す",
    )
    align: str | None = meta(
        "揃え", default=None, doc="center（中央）または right（右）。省略すると両端揃え"
    )
    indent: bool = meta("字下げ", default=True, doc="false で最初の一字下げをしない")


@dataclass(frozen=True, kw_only=True)
class ListItem:
    """箇条書きの一項目で、下に別の箇条書きなどを持つもの。"""

    KIND: ClassVar[str] = "item"
    MAIN: ClassVar[str] = "text"
    pos: Pos = position()

    text: Text = meta("項目")
    body: tuple[Block, ...] = meta("項目の下の内容", default=())


#: Markers that number the items of a list instead of repeating one mark.
NUMBERED_MARKERS = ("①", "１", "（１）", "ア", "（ア）")


@dataclass(frozen=True, kw_only=True)
class BulletList:
    """箇条書き: items with a chosen marker (■ ・ ○ ● ◎ ① （１） …, or none)."""

    KIND: ClassVar[str] = "list"
    MAIN: ClassVar[str] = "items"
    pos: Pos = position()

    items: tuple[Text | ListItem, ...] = meta("項目")
    marker: str = meta(
        "行頭の記号",
        default="・",
        doc="■ ・ ○ ● ◎ などの記号（1〜3文字）、番号を振るなら ① １ （１） ア （ア）、記号なしは none",
    )


@dataclass(frozen=True, kw_only=True)
class Note:
    """注記: a note set smaller, after a mark (※ by default)."""

    KIND: ClassVar[str] = "note"
    MAIN: ClassVar[str] = "text"
    pos: Pos = position()

    text: Text = meta("注記")
    mark: str = meta("記号", default="※")


@dataclass(frozen=True, kw_only=True)
class Table:
    """表: rows of cells; the first ``header`` rows are headers, repeated on every page."""

    KIND: ClassVar[str] = "table"
    MAIN: ClassVar[str] = "rows"
    pos: Pos = position()

    rows: tuple[tuple[Cell, ...], ...] = meta(
        "行", doc="行の一覧。各行はセルの一覧。セル内の改行はそのまま改行になる"
    )
    header: int = meta("見出し行の数", default=1)
    widths: tuple[str, ...] = meta("列の幅", default=(), doc="列ごとの幅（例: 30%, 8em, auto）")
    caption: Text | None = meta("表題", default=None)
    source: Text | None = meta("出典", default=None)
    numbered: bool = meta("番号を付ける", default=True, doc="false で「表１」などの番号を付けない")


@dataclass(frozen=True, kw_only=True)
class Figure:
    """図: an image file under content/ (PNG, JPEG or SVG), with caption, 出典 and alt text."""

    KIND: ClassVar[str] = "figure"
    MAIN: ClassVar[str] = "src"
    pos: Pos = position()

    src: str = meta("画像ファイル", doc="content/ の中の PNG・JPEG・SVG ファイル")
    caption: Text = meta("図の表題")
    alt: Text = meta("代替テキスト", doc="図の内容を言葉で（読み上げやタグ付き PDF に使われる）")
    source: Text = meta("出典")
    width: str | None = meta(
        "幅", default=None, doc="例: 80%、120mm。省略すると本文の幅に収まる大きさ"
    )
    numbered: bool = meta("番号を付ける", default=True)


@dataclass(frozen=True, kw_only=True)
class DiagramLink:
    """図に描く「基本的な課題認識」から「目指す社会の姿」への矢印（本文に対応が明記されている場合だけ）。"""

    challenge: str = meta("課題", ref="Challenge")
    vision: str = meta("目指す社会の姿", ref="Vision")


#: Figures drawn from the plan's data, by name.
DIAGRAMS = ("society", "pillars")


@dataclass(frozen=True, kw_only=True)
class Diagram:
    """図（データから作図）: society (課題・目指す社会の姿・重点目標の関係) or pillars (方針の柱)."""

    KIND: ClassVar[str] = "diagram"
    MAIN: ClassVar[str] = "name"
    pos: Pos = position()

    name: str = meta(
        "図の種類",
        doc="society: 課題・目指す社会の姿・重点目標の関係図 / pillars: 節の下の項目を柱にした図",
    )
    caption: Text = meta("図の表題")
    section: str | None = meta(
        "柱にする節",
        ref="Section",
        default=None,
        doc="pillars: 柱にする節の ID（省略するとこの図を置いた節）",
    )
    base: str | None = meta(
        "土台にする節", ref="Section", default=None, doc="pillars: 土台に示す節の ID"
    )
    links: tuple[DiagramLink, ...] = meta(
        "矢印",
        default=(),
        doc="society: 課題から目指す社会の姿への矢印。素案の本文が対応を述べている場合だけ書く",
    )
    numbered: bool = meta("番号を付ける", default=True)


@dataclass(frozen=True, kw_only=True)
class PageBreak:
    """改ページ: the next block starts a new page."""

    KIND: ClassVar[str] = "page_break"
    MAIN: ClassVar[str] = "page_break"
    pos: Pos = position()

    page_break: bool = meta("改ページ", doc="true と書く")


@dataclass(frozen=True, kw_only=True)
class MarkdownBlock:
    """Markdown: paragraphs, lists and GFM tables written in Markdown, inline."""

    KIND: ClassVar[str] = "markdown"
    MAIN: ClassVar[str] = "prose"
    pos: Pos = position()

    prose: InlineProse = meta("Markdown")


@dataclass(frozen=True, kw_only=True)
class MarkdownFile:
    """Markdown file: a .md fragment under content/ (for longer prose)."""

    KIND: ClassVar[str] = "prose"
    MAIN: ClassVar[str] = "prose"
    pos: Pos = position()

    prose: Prose = meta("Markdown ファイル")


#: Lists and figures generated from the plan's data, placed where the content puts them.
GENERATED = ("cover", "toc", "package-list", "kpi-list", "pending-list", "vision-examples")


@dataclass(frozen=True, kw_only=True)
class Generated:
    """生成される一覧: cover (表紙), toc (目次), package-list (政策パッケージ一覧), kpi-list
    (ＫＰＩ一覧), pending-list (未定事項一覧), vision-examples (施策テーマの例の表)."""

    KIND: ClassVar[str] = "generated"
    MAIN: ClassVar[str] = "name"
    pos: Pos = position()

    name: str = meta("一覧の種類")
    caption: Text | None = meta("表題", default=None)
    depth: int | None = meta(
        "目次の深さ", default=None, doc="toc: 目次に載せる見出しの深さ（既定 2）"
    )


# ---------------------------------------------------------------- sections

#: Numbering styles of headings (公用文: 第１ → １ → （１） → ア → （ア）).
NUMBERING = ("chapter", "section", "item", "paren", "kana", "paren-kana", "annex", "none")


@dataclass(frozen=True, kw_only=True)
class Section:
    """節・項: a heading with its body. Numbered from its place in the tree."""

    KIND: ClassVar[str] = "section"
    MAIN: ClassVar[str] = "title"
    pos: Pos = position()

    title: Text = meta("見出し")
    id: str = meta("ID")
    numbering: str | None = meta(
        "番号の付け方",
        default=None,
        doc="省略すると深さに応じた番号。none（番号なし）、annex（参考１）、chapter … paren-kana",
    )
    child_numbering: str | None = meta(
        "下の見出しの番号",
        default=None,
        doc="すぐ下の見出しの番号の付け方（例: 第４章の方策を item で１から）",
    )
    toc_depth: int | None = meta(
        "目次の深さ",
        default=None,
        doc="この見出しの下、何段目までを目次としおりに載せるか（0 で載せない）",
    )
    title_note: Text | None = meta(
        "見出しに添える語", default=None, doc="見出しの後に細字で添える（例: 開催日）"
    )
    draft_only: bool = meta(
        "素案だけに載せる", default=False, doc="true で最終版（--final）には載せない"
    )
    body: tuple[Block, ...] = meta("本文", default=())


# ---------------------------------------------------------------- typed plan entities


@dataclass(frozen=True, kw_only=True)
class Challenge:
    """基本的な課題認識: one of the basic social challenges (a numbered heading)."""

    KIND: ClassVar[str] = "challenge"
    MAIN: ClassVar[str] = "title"
    pos: Pos = position()

    title: Text = meta("見出し")
    id: str = meta("ID")
    body: tuple[Block, ...] = meta("本文", default=())


@dataclass(frozen=True, kw_only=True)
class Vision:
    """目指す社会の姿: one direction for solving the social challenges.

    In 第３章 the ≪…≫ groups of each 重点目標 are these visions.
    """

    KIND: ClassVar[str] = "vision"
    MAIN: ClassVar[str] = "title"
    pos: Pos = position()

    title: Text = meta("名称")
    id: str = meta("ID")
    goal: str = meta("重点目標", ref="PriorityGoal", doc="この姿が属する重点目標の ID")
    theme_examples: tuple[Text, ...] = meta("施策テーマの例", default=())
    body: tuple[Block, ...] = meta("本文", default=())


@dataclass(frozen=True, kw_only=True)
class GoalOutline:
    """重点目標の案: a 重点目標 as introduced in 第２章, with the 目指す社会の姿 that belong to it."""

    KIND: ClassVar[str] = "goal_outline"
    MAIN: ClassVar[str] = "goal"
    pos: Pos = position()

    goal: str = meta("重点目標", ref="PriorityGoal")
    body: tuple[Block, ...] = meta("本文", default=())


@dataclass(frozen=True, kw_only=True)
class KpiValue:
    """A KPI's value at a point in time (基準値 or 目標値)."""

    value: int | float | Text = meta("値", doc="数なら数のまま（例: 32、0.5）。数でない値は文字で")
    year: Text = meta("年度")


@dataclass(frozen=True, kw_only=True)
class KpiActual:
    """実績値: a KPI's actual value in one fiscal year, as a bureau reports it at the yearly
    フォローアップ."""

    year: Text = meta("年度", doc="令和N年度（基準値の年度から目標値の年度まで）")
    value: int | float | Text = meta("値", doc="数なら数のまま（例: 55、0.5）")
    unit: Text | None = meta(
        "単位", default=None, doc="書くならＫＰＩの単位と同じに（確かめのため。省略できる）"
    )
    source: Text | None = meta("出典", default=None, doc="値の出典（例: 国土交通省調べ）")
    note: Text | None = meta("注記", default=None, doc="例: 速報値、確定値")


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """ＫＰＩ: a key performance indicator of a 政策パッケージ."""

    id: str = meta("ID")
    indicator: Text = meta("指標")
    unit: Text | None = meta("単位", default=None)
    baseline: KpiValue | Pending = meta("基準値")
    target: KpiValue | Pending = meta("目標値")
    actuals: tuple[KpiActual, ...] = meta(
        "実績値",
        default=(),
        doc="年度ごとの実績値（年次フォローアップ）。基準値の年度から目標値の年度までの各年度に一つまで",
    )
    notes: Text | None = meta("備考", default=None)
    package: str = meta("政策パッケージ", default="", derived=True)
    """The id of the 政策パッケージ it belongs to (filled in by the loader)."""


@dataclass(frozen=True, kw_only=True)
class PackagePart:
    """政策パッケージの【…】の一つ: its label (a key of ``labels``) and its blocks."""

    KIND: ClassVar[str] = "part"
    MAIN: ClassVar[str] = "label"
    pos: Pos = position()

    label: str = meta(
        "見出しの語", doc="plan.yaml の labels の名前（directions, measures, situation …）"
    )
    body: tuple[Block, ...] = meta("本文")


@dataclass(frozen=True, kw_only=True)
class KpiPart:
    """政策パッケージの【ＫＰＩ】: typed ＫＰＩ, or a 未定事項 while they are not set."""

    KIND: ClassVar[str] = "kpis"
    MAIN: ClassVar[str] = "kpis"
    pos: Pos = position()

    kpis: tuple[Kpi, ...] | Pending = meta("ＫＰＩ")
    label: str = meta("見出しの語", default="kpis")


#: The label of the 【ＫＰＩ】 part a regional edition adds to a national 政策パッケージ.
REGIONAL_KPIS = "regional_kpis"


@dataclass(frozen=True, kw_only=True)
class RegionalKpis:
    """地方ブロックのＫＰＩ: a regional edition's own ＫＰＩ of a national 政策パッケージ,
    printed under the package (after its national 【ＫＰＩ】) and in the edition's ＫＰＩ一覧."""

    package: str = meta("政策パッケージ", doc="全国計画の政策パッケージの ID")
    kpis: tuple[Kpi, ...] = meta(
        "ＫＰＩ", doc="全国計画のＫＰＩと同じ書き方（id・indicator・baseline・target …）"
    )
    pos: Pos = position()


@dataclass(frozen=True, kw_only=True)
class PolicyPackage:
    """政策パッケージ: a 施策テーマ, with its parts in the order the editor gives them."""

    KIND: ClassVar[str] = "package"
    MAIN: ClassVar[str] = "title"
    pos: Pos = position()

    title: Text = meta("施策テーマ")
    id: str = meta("ID")
    parts: tuple[PackagePart | KpiPart, ...] = meta(
        "構成", doc="【…】の並び。【ＫＰＩ】は kpis で一つだけ"
    )

    @property
    def kpi_part(self) -> KpiPart | None:
        return next((p for p in self.parts if isinstance(p, KpiPart)), None)

    @property
    def kpis(self) -> tuple[Kpi, ...] | Pending:
        part = self.kpi_part
        return part.kpis if part else ()

    @property
    def regional_kpis(self) -> tuple[Kpi, ...]:
        """The ＫＰＩ a regional edition adds to this national package: its 【ＫＰＩ】 part
        labelled ``regional_kpis``, after the national one (editions.py). Empty in the
        national plan."""
        return tuple(
            k
            for p in self.parts
            if isinstance(p, KpiPart) and p.label == REGIONAL_KPIS and isinstance(p.kpis, tuple)
            for k in p.kpis
        )

    @property
    def all_kpis(self) -> tuple[Kpi, ...]:
        """The national ＫＰＩ that are set, then the edition's own (``regional_kpis``)."""
        national = self.kpis
        return (*(national if isinstance(national, tuple) else ()), *self.regional_kpis)


@dataclass(frozen=True, kw_only=True)
class PackageGroup:
    """≪…≫: the 政策パッケージ of one 目指す社会の姿 under a 重点目標."""

    KIND: ClassVar[str] = "group"
    MAIN: ClassVar[str] = "vision"
    pos: Pos = position()

    vision: str = meta("目指す社会の姿", ref="Vision")
    id: str | None = meta("ID", default=None, doc="省略すると「重点目標の ID-目指す社会の姿の ID」")
    body: tuple[Block, ...] = meta("本文")


@dataclass(frozen=True, kw_only=True)
class PriorityGoal:
    """重点目標: one of the plan's priority goals for its period."""

    KIND: ClassVar[str] = "goal"
    MAIN: ClassVar[str] = "title"
    pos: Pos = position()

    title: Text = meta("名称")
    id: str = meta("ID")
    body: tuple[Block, ...] = meta("本文")


@dataclass(frozen=True, kw_only=True)
class Project:
    """主要事業の一件: one row of a 主要事業 table."""

    id: str = meta("ID", doc="表計算ファイルと新旧対照表が行を見分ける ID")
    name: Text = meta("事業名")
    place: Text | None = meta("箇所", default=None, doc="例: 〇〇県〇〇市")
    completion: Text | None = meta(
        "完成予定時期", default=None, doc="令和N年度（例: 令和10年度）。ＫＰＩの年度と同じ書き方"
    )
    cost: int | float | None = meta(
        "事業費（億円）", default=None, doc="億円を単位とする数（例: 120、35.5）。0 以上"
    )
    notes: Text | None = meta("備考", default=None)
    pos: Pos = position()


#: The columns of a 主要事業 table, in the order printed: (field, label name).
PROJECT_COLUMNS = (
    ("name", "projects_name"),
    ("place", "projects_place"),
    ("completion", "projects_completion"),
    ("cost", "projects_cost"),
    ("notes", "projects_notes"),
)


@dataclass(frozen=True, kw_only=True)
class Projects:
    """主要事業: the main projects of a regional plan, typed: 事業名, 箇所, 完成予定時期,
    事業費（億円）, 備考. The 計 (the count and the sum of 事業費) is computed; a column
    that no row fills is not printed."""

    KIND: ClassVar[str] = "projects"
    MAIN: ClassVar[str] = "projects"
    pos: Pos = position()

    projects: tuple[Project, ...] = meta("主要事業", doc="一件ごとに id・name と、必要な項目")
    caption: Text | None = meta("表題", default=None)
    source: Text | None = meta("出典", default=None)
    numbered: bool = meta("番号を付ける", default=True, doc="false で「表１」などの番号を付けない")

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """The columns printed: 事業名, and each other column some row fills."""
        return tuple(
            (name, label)
            for name, label in PROJECT_COLUMNS
            if name == "name" or any(getattr(p, name) is not None for p in self.projects)
        )

    @property
    def count(self) -> int:
        return len(self.projects)

    @property
    def total_cost(self) -> int | float | None:
        """The sum of the 事業費 given (exact in decimal: 0.1 + 0.2 is 0.3), or None if no
        row gives one."""

        costs = [p.cost for p in self.projects if p.cost is not None]
        if not costs:
            return None
        total = sum((Decimal(repr(c)) for c in costs), Decimal(0))
        return int(total) if total == total.to_integral_value() else float(total)


@dataclass(frozen=True, kw_only=True)
class Include:
    """別のファイルの内容: a YAML file under content/ that holds one block (usually a section)."""

    KIND: ClassVar[str] = "include"
    MAIN: ClassVar[str] = "file"
    pos: Pos = position()

    file: str = meta("ファイル")


class BlockKind(Protocol):
    """A block class as the loader sees it: ``KIND`` names it in YAML (``p:``,
    ``section:`` …), ``MAIN`` is the field that name's value fills, ``pos`` where it stands."""

    KIND: ClassVar[str]
    MAIN: ClassVar[str]

    @property
    def pos(self) -> Pos: ...


#: Every block kind an editor may write in a body.
Block = Union[  # noqa: UP007 - the alias is resolved at runtime by typing.get_type_hints
    Paragraph,
    BulletList,
    Note,
    Table,
    Figure,
    Diagram,
    Pending,
    PageBreak,
    MarkdownBlock,
    MarkdownFile,
    Generated,
    Section,
    Challenge,
    Vision,
    GoalOutline,
    PriorityGoal,
    PackageGroup,
    PolicyPackage,
    Projects,
    Include,
]
BLOCK_KINDS: tuple[type, ...] = typing.get_args(Block)


def is_block(tp: Any) -> bool:
    """Whether a model type is a block kind (has ``KIND``): the content schema and
    plan.json's schema both tell blocks apart by it."""
    return hasattr(tp, "KIND")


#: Blocks that carry a numbered heading.
HEADINGS = (Section, Challenge, Vision, GoalOutline, PriorityGoal, PackageGroup, PolicyPackage)

#: Where a typed entity may stand: the kinds of its parent (None: the top of plan.yaml).
PARENTS: dict[type, tuple[type[BlockKind] | None, ...]] = {
    PackageGroup: (PriorityGoal,),
    PolicyPackage: (PackageGroup,),
    PriorityGoal: (Section,),
}


# ---------------------------------------------------------------- the plan file


@dataclass(frozen=True, kw_only=True)
class PlanMeta:
    """表紙と文書情報: the cover and the PDF's metadata."""

    title: Text = meta("計画の名称", doc="表紙の題名。PDF の文書情報の「タイトル」にも使う")
    status: Text | None = meta(
        "段階",
        default=None,
        doc="素案・案・閣議決定など。表紙の題名の上に示す。素案・案など「案」の字を含む段階は、"
        "素案の組版（--final なし）で各ページの背景にも示す。それ以外の段階（閣議決定など）や"
        "省略した場合、背景は labels の draft_mark（既定「作業中」）",
    )
    meeting: Text | None = meta(
        "会議名", default=None, doc="表紙の題名の下に（ ）で囲んで示す（例: 第52回計画部会）"
    )
    plan_period: Text | None = meta(
        "計画期間",
        default=None,
        doc="表紙の題名の下に「計画期間」に続けて示す（例: 令和８年度から令和12年度まで）",
    )
    date_line: Text | Pending | None = meta(
        "日付欄", default=None, doc="表紙の下の日付（例: 令和８年３月）。未定なら pending"
    )
    issuer: Text | None = meta(
        "作成者", default=None, doc="表紙の日付の下に示す。PDF の文書情報の「作成者」にも使う"
    )
    subject: Text | None = meta(
        "主題", default=None, doc="表紙には示さない。PDF の文書情報の「サブタイトル」（/Subject）"
    )
    keywords: tuple[Text, ...] = meta("キーワード", default=())
    notice: Text | None = meta("表紙の注記", default=None)


@dataclass(frozen=True, kw_only=True)
class PlanFile(PlanMeta):
    """plan.yaml: the cover and metadata, the wording of labels, and the parts in order."""

    labels: dict[str, Text] | None = meta(
        "見出しの語",
        default=None,
        doc="表示する語の置き換え（例: measures: 重点施策）。既定は model.DEFAULT_LABELS",
    )
    parts: tuple[Block, ...] = meta("部の並び", doc="表紙・目次・各章・参考を、計画に載せる順に")


@dataclass(frozen=True, kw_only=True)
class Plan:
    """The whole validated plan: what the templates receive."""

    meta: PlanMeta
    labels: dict[str, Text]
    """Every label, the defaults overridden by plan.yaml's ``labels``."""
    parts: tuple[Block, ...]
    """The plan's parts in order: cover, 目次, chapters, annexes, generated lists."""
    footnotes: dict[str, Text]
    """Footnote texts by id; content text calls them as ``[^id]``."""
    pending_items: tuple[tuple[str, Pending], ...]
    """Every pending item with a readable path to it, in document order."""
    index: PlanIndex = field(repr=False, compare=False)
    """The typed entities by id, and the numbering of every heading (outline.py)."""
    sources: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """The text of every content file read, by its path as shown in messages: lint
    uses it to point at the exact character."""
    warnings: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    """Problems that do not stop a draft (content files nothing refers to)."""
    overview: Any = field(default=None, repr=False)
    """The 概要's own content (``overview.OverviewFile``), None without overview.yaml."""

    def outline(self, draft: bool = True) -> Any:
        """The numbering of every heading (``outline.Outline``), with or without the
        draft-only parts: numbered once for each edition by the loader (``load_plan``)."""
        return self.index.numbering[draft]

    @property
    def goals(self) -> tuple[PriorityGoal, ...]:
        return self.index.goals

    @property
    def pending(self) -> tuple[tuple[str, Pending], ...]:
        return self.pending_items

    @property
    def pending_groups(self) -> tuple[tuple[Text, tuple[tuple[str, Pending], ...]], ...]:
        """The 未定事項 grouped under their reason, in the order each reason first appears:
        the 未定事項一覧 prints a reason once, with every place it stands for under it."""
        groups: dict[str, tuple[Text, list[tuple[str, Pending]]]] = {}
        for where, item in self.pending_items:
            groups.setdefault(item.pending.raw, (item.pending, []))[1].append((where, item))
        return tuple((reason, tuple(places)) for reason, places in groups.values())

    def vision(self, vision_id: str) -> Vision:
        return self.index.visions[vision_id]

    def goal(self, goal_id: str) -> PriorityGoal:
        return next(g for g in self.goals if g.id == goal_id)

    def packages(self) -> list[tuple[PriorityGoal, PackageGroup, PolicyPackage]]:
        return [(g, grp, p) for g in self.goals for grp in groups_of(g) for p in packages_of(grp)]


@dataclass(frozen=True)
class PlanIndex:
    """Typed entities of the plan in document order, found once after loading."""

    goals: tuple[PriorityGoal, ...]
    visions: dict[str, Vision]
    challenges: tuple[Challenge, ...]
    outlines: tuple[GoalOutline, ...]
    sections: dict[str, Section]
    parents: dict[int, Any] = field(default_factory=dict)
    """The block that holds each block, by ``id()`` of the held block."""
    numbering: dict[bool, Any] = field(default_factory=dict)
    """The outline of each edition (True: the draft, False: the final), from outline.py."""
    printed: dict[bool, Any] = field(default_factory=dict)
    """The printed model of each edition (tree/), computed on first use."""


def groups_of(goal: PriorityGoal) -> list[PackageGroup]:
    return [b for b in goal.body if isinstance(b, PackageGroup)]


def packages_of(group: PackageGroup) -> list[PolicyPackage]:
    return [b for b in group.body if isinstance(b, PolicyPackage)]


def children(block: Any) -> tuple[Any, ...]:
    """The blocks directly below a block (its body, a package's parts, a list's items)."""
    if isinstance(block, PolicyPackage):
        return tuple(block.parts)
    body = getattr(block, "body", None)
    if isinstance(body, tuple):
        return body
    if isinstance(block, BulletList):
        return tuple(i for i in block.items if isinstance(i, ListItem))
    return ()


def parent_map(
    blocks: tuple[Any, ...], parent: Any = None, into: dict[int, Any] | None = None
) -> dict[int, Any]:
    """The block that holds each block, by ``id()`` of the held block."""
    into = {} if into is None else into
    for block in blocks:
        into[id(block)] = parent
        parent_map(children(block), block, into)
    return into


def walk(blocks: tuple[Any, ...]):
    """Every block of a tree, depth first, in document order."""
    for block in blocks:
        yield block
        yield from walk(children(block))


def draft_only_blocks(blocks: tuple[Any, ...]) -> set[int]:
    """``id()`` of every block inside a draft-only section (``draft_only: true``): what
    the formal edition does not print."""
    found: set[int] = set()
    for block in walk(blocks):
        if isinstance(block, Section) and block.draft_only:
            found.update(id(b) for b in walk(block.body))
    return found
