"""The node kinds of the document tree, each with its ``Trace``; ``children`` and
``walk``; the ``Document``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union, assert_never

from ..errors import Pos
from ..outline import heading_line
from .text import Inline, ProseBlock

# ------------------------------------------------------------------ the node kinds


@dataclass(frozen=True)
class Trace:
    """Where a node comes from: the id of the content entity (the nearest heading or
    entity with an id; "" above them all), the field path inside it, its file position.

    A paragraph of the Word edition records the same in its trace map
    (``docx/trace_map.py``, read back by the 意見対応表): there ``kind`` names what it is
    (p, list, kpi, label, package-list …) and ``pos`` is its text's position. A list's
    items are ``list[n]``, a wording of ``labels`` is ``labels.KEY`` (id "")."""

    id: str
    field: str
    pos: Pos | None
    kind: str = ""


@dataclass(frozen=True)
class Heading:
    """A numbered heading and what stands under it (节・項 and every typed entity).
    ``key`` is the id it is known by across revisions (a group's anchor, 「outline:goal」
    for a 重点目標の案)."""

    kind: str
    """The model's KIND: section, goal, goal_outline, vision, group, package …"""
    key: str
    anchor: str
    number: str
    title: Inline
    depth: int
    path: tuple[str, ...]
    """The headings above it, each as 「番号　題名」."""
    toc: bool
    note: Inline | None
    body: tuple[Node, ...]
    trace: Trace
    look: str = field(default="", compare=False)
    """How it is set (``outline.Heading.look``): its numbering style, or its depth's."""
    plain: str = field(default="", compare=False)
    """Its title as the 目次, the bookmarks and the running head print it."""
    title_trace: Trace | None = field(default=None, compare=False)
    """The content its title comes from (a group's: its vision's title)."""
    after_goal: bool = field(default=False, compare=False)
    """A 重点目標 right after another: it stands further off (.kind-goal + .kind-goal)."""

    @property
    def line(self) -> str:
        return heading_line(self.number, self.title.text)

    @property
    def tag(self) -> str:
        """Its HTML element: h1 for a part, h2 below it … (at most h6)."""
        return f"h{min(self.depth, 6)}"

    @property
    def label(self) -> str:
        return self.number

    @property
    def where(self) -> tuple[str, ...]:
        """The headings above it and itself, each as 「番号　題名」 (a trace's place)."""
        return (*self.path, self.line)


@dataclass(frozen=True)
class Part:
    """One 【…】 of a 政策パッケージ: its label as printed and its body."""

    name: str
    """The label's key (directions, measures, kpis …)."""
    label: Inline
    body: tuple[Node, ...]
    trace: Trace


@dataclass(frozen=True)
class Paragraph:
    text: Inline
    label: Inline | None
    trace: Trace
    look: str = field(default="body", compare=False)
    """How it is set: body (the first line indented one character), flush (not
    indented), center, right, or labelled (its label in gothic, the text hanging)."""
    align: str = field(default="", compare=False)
    """center, right, or "" (justified), as the content gives it."""
    indent: bool = field(default=True, compare=False)
    """Whether its first line is indented one character, as the content gives it."""


@dataclass(frozen=True)
class ListItem:
    marker: str
    """As printed: ■, ・, ①, （２）, ア … ("" for a list without markers)."""
    text: Inline
    body: tuple[Node, ...]
    trace: Trace


@dataclass(frozen=True)
class List:
    items: tuple[ListItem, ...]
    trace: Trace
    marker: str = field(default="", compare=False)
    """Its marker as the content gives it (■, ①, none …): the items hang as far as it is wide."""


@dataclass(frozen=True)
class Note:
    mark: str
    text: Inline
    trace: Trace


@dataclass(frozen=True)
class Pending:
    """未定事項 as printed: its label (（今後記述）, （今後設定）, ※ …) and reason."""

    label: Inline
    reason: Inline
    what: Inline | None
    """Its name in the 未定事項一覧 (not printed here)."""
    trace: Trace
    note: bool = field(default=False, compare=False)
    """A label of one character (※): set as a note's mark, not in strong, before the reason."""


@dataclass(frozen=True)
class Row:
    """A table row: ``key`` matches it across revisions ("" where rows have no id);
    each cell is a tuple of printed lines (a value, then its year)."""

    key: str
    cells: tuple[tuple[Inline, ...], ...]
    pending: tuple[Pending | None, ...] = ()
    """Per cell, the 未定事項 shown there as 「（今後設定）」: the page prints its reason in
    the 未定事項一覧, not in the cell (its texts are not counted here)."""
    traces: tuple[tuple[Trace, ...], ...] = field(default=(), compare=False)
    """Per cell, the trace of each of its paragraphs (none for an empty cell); a column
    the layout adds (a package's page in the 政策パッケージ一覧) follows the cells."""


@dataclass(frozen=True)
class Table:
    """A table: a content table (role ``data``), a 【ＫＰＩ】 (``kpi``), or one of the
    generated lists (``package-list``, ``kpi-list``, ``vision-examples``)."""

    role: str
    number: str
    """「表１」, or "" where unnumbered."""
    caption: Inline | None
    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[Row, ...]
    source: Inline | None
    """「出典：…」 as printed."""
    trace: Trace
    header_traces: tuple[tuple[Trace, ...], ...] = field(default=(), compare=False)
    """Per header row, the trace of each cell (a label's)."""
    caption_trace: Trace | None = field(default=None, compare=False)
    source_trace: Trace | None = field(default=None, compare=False)
    columns: tuple[str, ...] = field(default=(), compare=False)
    """Per column, its width as the content gives it (a CSS length or auto: a content
    table), or its name (a 主要事業's: name, place, completion, cost, notes)."""
    marker: str = field(default="", compare=False)
    """The marker each point of a cell begins with (the 施策テーマの例's), or ""."""


@dataclass(frozen=True)
class Figure:
    number: str
    caption: Inline
    src: str
    alt: str
    source: Inline
    """「出典：…」 as printed."""
    trace: Trace
    width: str = field(default="", compare=False)
    """Its printed width as the content gives it (a CSS length; "" for its own)."""
    alt_trace: Trace | None = field(default=None, compare=False)
    caption_trace: Trace | None = field(default=None, compare=False)
    source_trace: Trace | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Box:
    """A box of a figure drawn from data: its role (head, challenge, vision, goal, roof,
    pillar, base), the id of what it shows, its printed text."""

    role: str
    key: str
    text: Inline
    title: Inline = field(default=Inline(), compare=False)
    """Its text as a writer that sets marks and footnotes gives it (Word: the diagram as
    a table), its calls unnumbered; the drawing's is ``text``."""
    trace: Trace | None = field(default=None, compare=False)
    number: str = field(default="", compare=False)
    """A pillar's number, which begins its ``text``."""
    href: str = field(default="", compare=False)
    """Where the box links to (a pillar's heading; the base's, where it is printed)."""


@dataclass(frozen=True)
class Arrow:
    start: str
    end: str
    """The keys of the boxes it joins."""


@dataclass(frozen=True)
class Diagram:
    """A figure drawn from the plan's data (図１ society, 図２ pillars): its computed graph."""

    name: str
    number: str
    caption: Inline
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    trace: Trace
    caption_trace: Trace | None = field(default=None, compare=False)
    stated: bool = field(default=False, compare=False)
    """Whether the content states links from a 課題 to a 姿 (``links:``): without them
    the drawing joins the two columns as wholes."""

    def box(self, key: str) -> Box:
        return next(b for b in self.boxes if b.key == key)


@dataclass(frozen=True)
class Prose:
    """Markdown as printed: one line per paragraph, list item or table row, with its mark."""

    lines: tuple[tuple[str, Inline], ...]
    trace: Trace
    blocks: tuple[ProseBlock, ...] = field(default=(), compare=False)
    """Its paragraphs, lists, tables, quotes and code, for a writer that sets them as such
    (Word); its footnote calls unnumbered."""
    html: str = field(default="", compare=False)
    """Its HTML as the loader rendered it (``model.Prose.html``)."""


@dataclass(frozen=True)
class PageBreak:
    trace: Trace


@dataclass(frozen=True)
class Field:
    """One field of the cover and metadata: its name, its Japanese name, its lines."""

    name: str
    label: str
    lines: tuple[Inline, ...]
    printed: bool
    """Whether the cover prints it (subject and keywords go to the PDF's metadata only)."""
    trace: Trace | None = field(default=None, compare=False)
    """Its text's place (a date not set yet: its reason's); None where it has no value."""
    pending: bool = field(default=False, compare=False)
    """A value not set yet: its lines are the label 「（今後記述）」… and the reason."""
    lead: str = ""
    """The words the cover prints before its value (the 計画期間's label), or ""."""


@dataclass(frozen=True)
class Cover:
    fields: tuple[Field, ...]
    trace: Trace
    label: str = field(default="", compare=False)
    """What the cover is called (「表紙」): its region's name on screen, its place in Word."""


@dataclass(frozen=True)
class TocEntry:
    number: str
    title: str
    depth: int
    anchor: str
    line: str = field(default="", compare=False)
    """The title as its heading reads (a group's vision in ≪≫): as Word's update of the
    目次 fills it in."""
    trace: Trace | None = field(default=None, compare=False)
    """The heading's content id and the place of its title."""


@dataclass(frozen=True)
class Toc:
    title: Inline
    entries: tuple[TocEntry, ...]
    trace: Trace


@dataclass(frozen=True)
class Generated:
    """A list generated from the plan's data where the content puts it (``generated:``)."""

    name: str
    caption: Inline | None
    """Printed only by the 目次 and the 施策テーマの例."""
    body: tuple[Node, ...]
    trace: Trace
    caption_trace: Trace | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Footnote:
    """A footnote: the numbers it is printed with (one per call; none if never called)."""

    id: str
    numbers: tuple[int, ...]
    text: Inline
    trace: Trace


Node = Union[  # noqa: UP007 - the kinds, one name each, for ``match``
    Heading,
    Part,
    Paragraph,
    List,
    ListItem,
    Note,
    Pending,
    Table,
    Figure,
    Diagram,
    Prose,
    PageBreak,
    Cover,
    Toc,
    Generated,
    Footnote,
]


def children(node: Node) -> tuple[Node, ...]:
    """The nodes directly below a node."""
    match node:
        case Heading() | Part() | ListItem() | Generated():
            return node.body
        case List():
            return node.items
        case (
            Paragraph()
            | Note()
            | Pending()
            | Table()
            | Figure()
            | Diagram()
            | Prose()
            | PageBreak()
            | Cover()
            | Toc()
            | Footnote()
        ):
            return ()
        case _:
            assert_never(node)


def walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    """Every node, depth first, in the order the page prints them."""
    for node in nodes:
        yield node
        yield from walk(children(node))


@dataclass(frozen=True)
class Document:
    """The plan as printed, and what it prints outside the flow of pages."""

    body: tuple[Node, ...]
    meta: tuple[Field, ...]
    """The cover's fields, whether or not the plan prints a cover."""
    footnotes: tuple[Footnote, ...]
    """Every footnote, in the order of footnotes.yaml."""
    draft: bool

    def footnote_numbers(self) -> dict[str, tuple[int, ...]]:
        return {f.id: f.numbers for f in self.footnotes if f.numbers}
