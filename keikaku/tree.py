"""The plan as printed: the document tree between the content model and the writers.

``printed(plan)`` walks the typed plan (``model.py``) once, in the order the PDF sets it,
and returns a ``Document``: a small closed set of frozen node kinds (``Node``), each
holding *what the page prints* — the number the outline gives a heading (``outline.py``,
reused, never redone), its title with every reference resolved (``goal:``,
``goal_outline:``, ``vision:``, the ≪…≫ of a group, the boxes of a diagram), the labels
(【…】, 出典：, （今後設定）…) in the editors' wording, the 図１・表２ of figures and tables,
the marker of every list item, the rows of every table (the 【ＫＰＩ】 and the generated
lists included), the texts and arrows of the figures drawn from data, and every footnote
call with the number the page prints (※1, ※2 …), counted in the same walk. Each node
carries its ``Trace``: the id of the content entity it comes from, the field path inside
it and the place in its content file.

Text is ``Inline``: the printed characters, a footnote call standing as 「※」 with its
number beside it in ``calls``, and the ranges set in strong, emphasis, strikeout, code,
links and line breaks in ``marks`` (for Word; the comparison leaves them out). It is made
from the content's Markdown by one parse with the plan's own parser (``markup.parser``)
and a plain-text renderer of its tokens (``PlainText``, a markdown-it renderer class); no
HTML is ever parsed back. ``inline`` gives a content text so, and ``prose_blocks`` a
passage of Markdown as its paragraphs, lists, tables, quotes and code.

Who reads it. The 新旧対照表 (``compare.py``) flattens these nodes and compares what is
printed; ``footnote_numbers`` comes from here. The Word writer (``docx/``) is a visitor
of these nodes, one method per kind; its trace map (``docx/trace_map.py``) records each
paragraph's ``Trace``, so a node carries the traces of the paragraphs Word sets from it
(a table's cells, a list's items, a figure's caption …). The HTML writer (Jinja
templates) still walks the model; moving it onto the tree means:

- one template macro (or one visitor method) per node kind, dispatched with
  ``match node: … case _: assert_never(node)`` as ``children`` does below, so that mypy
  proves every kind is handled;
- the walk's order here *is* the page's order: footnote numbers are counted in it. A
  writer that prints something the tree does not hold, or in another order, changes the
  numbers; ``tests/test_tree.py`` compares them with the ※n of the built PDF, so add the
  text to the tree first, in its place, and the test tells whether the two agree;
- what the page prints but the tree leaves to the layout (page numbers, the running
  head, the watermark) stays with the writer.

Where the template prints a value that is not a content text (the 目次's plain titles,
the SVG of 図１ and the alt text of an image, set from ``Text.plain``), no footnote is
counted, as on the page.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Union, assert_never

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererProtocol
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from . import model
from .errors import Pos
from .markup import parser
from .outline import Heading as Numbering
from .outline import heading_line, list_marker, zen

# ------------------------------------------------------------------ printed text


@dataclass(frozen=True)
class Call:
    """A footnote call in a printed text: where its 「※」 stands, the footnote, its number
    (0 where the page prints no number: a text of the cover's metadata)."""

    at: int
    footnote: str
    number: int


#: What a marked range of printed text is: strong, emphasis, strikeout, code, a link (its
#: target in ``Mark.href``), a line break (the 「\\n」 it covers breaks the line: a hard
#: break in Markdown, the line end in a table cell; a soft break is a space), or set small
#: (the page's ``span.year``: a ＫＰＩ value's year, an indicator's unit in the ＫＰＩ一覧).
MarkKind = Literal["strong", "em", "strike", "code", "link", "break", "small"]


@dataclass(frozen=True)
class Mark:
    """A marked range ``[start, end)`` of an ``Inline``'s ``text``. Ranges nest as the
    Markdown does; of two with the same range the one listed first holds the other."""

    start: int
    end: int
    kind: MarkKind
    href: str = ""


@dataclass(frozen=True)
class Inline:
    """A run of printed text. ``text`` has 「※」 where a footnote is called; ``calls`` has
    the footnote and number of each 「※」, in order; ``marks`` the ranges set in strong,
    emphasis, strikeout, code, links and line breaks (for a writer that sets them, as Word
    does). Two texts are equal when they print the same characters and calls: the marks
    are left out, as the 新旧対照表 compares what is printed."""

    text: str = ""
    calls: tuple[Call, ...] = ()
    marks: tuple[Mark, ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.text)

    def __add__(self, other: Inline | str) -> Inline:
        if isinstance(other, str):
            return Inline(self.text + other, self.calls, self.marks)
        shift = len(self.text)
        return Inline(
            self.text + other.text,
            self.calls + tuple(Call(c.at + shift, c.footnote, c.number) for c in other.calls),
            self.marks
            + tuple(Mark(m.start + shift, m.end + shift, m.kind, m.href) for m in other.marks),
        )

    def __radd__(self, other: str) -> Inline:
        return Inline(other) + self

    def marked(self, kind: MarkKind, href: str = "") -> Inline:
        """The whole text set as ``kind`` (outside the marks it has)."""
        return Inline(self.text, self.calls, (Mark(0, len(self.text), kind, href), *self.marks))

    def after(self, start: int) -> Inline:
        """The text from ``start`` on (a line without its marker)."""
        return Inline(
            self.text[start:],
            tuple(Call(c.at - start, c.footnote, c.number) for c in self.calls if c.at >= start),
            tuple(
                Mark(max(m.start - start, 0), m.end - start, m.kind, m.href)
                for m in self.marks
                if m.end > start
            ),
        )

    @property
    def printed(self) -> str:
        """As the PDF prints it: each call with its number (※1)."""
        out, last = [], 0
        for call in self.calls:
            out.append(self.text[last : call.at + 1])
            out.append(str(call.number) if call.number else "")
            last = call.at + 1
        out.append(self.text[last:])
        return "".join(out)

    @property
    def plain(self) -> str:
        """Without the calls: as the 目次, the bookmarks and the figures show a title."""
        cut = {c.at for c in self.calls}
        return "".join(ch for i, ch in enumerate(self.text) if i not in cut)


#: A line break inside a text (between the lines of a table cell).
LINE_BREAK = Inline("\n", (), (Mark(0, 1, "break"),))


def join(*parts: Inline | str) -> Inline:
    out = Inline()
    for part in parts:
        out = out + part
    return out


class PlainText(RendererProtocol):
    """A markdown-it renderer class for printed text: the characters a reader sees, with
    「※」 for a footnote call (its id in ``env["calls"]``); emphasis, links and code keep
    their text, an image (refused by the loader) none; the ranges set in strong, emphasis,
    strikeout, code, links and hard line breaks go to ``env["marks"]`` (``Mark``). Block
    tokens are read by ``Printer.prose``, which gives one line per paragraph, list item or
    table row."""

    __output__: ClassVar[str] = "text"

    #: The tokens that open and close a marked range, and its kind.
    MARKED: ClassVar[dict[str, MarkKind]] = {
        "strong_open": "strong",
        "em_open": "em",
        "s_open": "strike",
        "link_open": "link",
    }
    CLOSING: ClassVar[frozenset[str]] = frozenset(
        ("strong_close", "em_close", "s_close", "link_close")
    )

    def __init__(self, parser: Any = None) -> None:
        pass

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        out: list[str] = []
        calls: list[tuple[int, str]] = env.setdefault("calls", [])
        marks: list[Mark] = env.setdefault("marks", [])
        base = env.get("at", 0)
        opened: list[int] = []  # per open range: its index in marks
        for token in tokens:
            at = base + sum(map(len, out))
            kind = token.type
            if kind == "inline" and token.children is not None:
                env["at"] = at
                out.append(self.render(token.children, options, env))
                env["at"] = base
            elif kind == "text":
                out.append(token.content)
            elif kind == "code_inline":
                marks.append(Mark(at, at + len(token.content), "code"))
                out.append(token.content)
            elif kind == "softbreak":
                out.append("\n")
            elif kind == "hardbreak":
                marks.append(Mark(at, at + 1, "break"))
                out.append("\n")
            elif kind == "footnote_call":
                calls.append((at, token.meta["id"]))
                out.append("※")
            elif kind in self.MARKED:
                href = str(token.attrGet("href") or "") if kind == "link_open" else ""
                opened.append(len(marks))
                marks.append(Mark(at, at, self.MARKED[kind], href))
            elif kind in self.CLOSING and opened:
                n = opened.pop()
                marks[n] = dataclasses.replace(marks[n], end=at)
        return "".join(out)


@functools.cache
def _parser() -> MarkdownIt:
    return parser(PlainText)


def _read(tokens: Sequence[Token], options: OptionsDict) -> Inline:
    """Inline tokens as printed text, its footnote calls not yet numbered."""
    env: dict = {}
    text = PlainText().render(tokens, options, env)
    calls = tuple(Call(at, fid, 0) for at, fid in env["calls"])
    return Inline(text, calls, tuple(env["marks"]))


def inline(text: model.Text | None) -> Inline:
    """A content text as printed, its footnote calls unnumbered (``number`` 0): one parse
    of its Markdown with the plan's parser. A table cell's lines are parsed one by one, as
    the loader renders them, and joined by line breaks."""
    if text is None or not text.raw:
        return Inline()
    md = _parser()
    if isinstance(text, model.Cell):
        out = Inline()
        for n, line in enumerate(text.raw.split("\n")):
            if n:
                out = out + LINE_BREAK
            out = out + _read(md.parseInline(line.strip(), {}), md.options)
        return out
    return _read(md.parseInline(text.raw, {}), md.options)


# ------------------------------------------------------------------ Markdown's blocks


@dataclass(frozen=True)
class ProsePara:
    """A paragraph of Markdown (a heading, which the loader refuses, reads as one)."""

    text: Inline


@dataclass(frozen=True)
class ProseList:
    """A list of Markdown: bullets (•) or numbers from ``start`` (1., 2. …); each item
    its blocks (a tight list's item holds its text as a paragraph too)."""

    ordered: bool
    start: int
    items: tuple[tuple[ProseBlock, ...], ...]


@dataclass(frozen=True)
class ProseTable:
    """A GFM table: its header rows and body rows, each a cell's text."""

    head: tuple[tuple[Inline, ...], ...]
    body: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True)
class ProseQuote:
    blocks: tuple[ProseBlock, ...]


@dataclass(frozen=True)
class ProseCode:
    """A code block, indented or fenced: its lines as written."""

    text: str


ProseBlock = Union[ProsePara, ProseList, ProseTable, ProseQuote, ProseCode]  # noqa: UP007


def prose_blocks(raw: str) -> tuple[ProseBlock, ...]:
    """Markdown as blocks of printed text (for a writer that sets its paragraphs, lists
    and tables as such: Word): one parse with the plan's parser, the footnote calls
    unnumbered. A thematic break (---) prints nothing."""
    md = _parser()
    tokens = md.parse(raw, {})
    blocks, _ = _prose_blocks(tokens, 0, "", md.options)
    return blocks


def _prose_blocks(
    tokens: Sequence[Token], i: int, close: str, options: OptionsDict
) -> tuple[tuple[ProseBlock, ...], int]:
    """The blocks from ``tokens[i]`` up to the token ``close`` (the end if ""), and the
    index after it."""
    out: list[ProseBlock] = []
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == close:
            return tuple(out), i + 1
        if kind in ("paragraph_open", "heading_open"):
            out.append(ProsePara(_read([tokens[i + 1]], options)))
            i += 3
        elif kind in ("bullet_list_open", "ordered_list_open"):
            ordered = kind == "ordered_list_open"
            start = int(token.attrGet("start") or 1) if ordered else 1
            end = kind.replace("_open", "_close")
            items = []
            i += 1
            while tokens[i].type != end:  # list_item_open
                item, i = _prose_blocks(tokens, i + 1, "list_item_close", options)
                items.append(item)
            out.append(ProseList(ordered, start, tuple(items)))
            i += 1
        elif kind == "blockquote_open":
            inner, i = _prose_blocks(tokens, i + 1, "blockquote_close", options)
            out.append(ProseQuote(inner))
        elif kind == "table_open":
            head: list[tuple[Inline, ...]] = []
            body: list[tuple[Inline, ...]] = []
            rows = head
            cells: list[Inline] = []
            while tokens[i].type != "table_close":
                kind = tokens[i].type
                if kind == "tbody_open":
                    rows = body
                elif kind == "inline":
                    cells.append(_read([tokens[i]], options))
                elif kind == "tr_close":
                    rows.append(tuple(cells))
                    cells = []
                i += 1
            out.append(ProseTable(tuple(head), tuple(body)))
            i += 1
        elif kind in ("code_block", "fence"):
            out.append(ProseCode(token.content))
            i += 1
        else:  # hr
            i += 1
    return tuple(out), i


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


@dataclass(frozen=True)
class Cover:
    fields: tuple[Field, ...]
    trace: Trace


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


# ------------------------------------------------------------------ the walk

#: The cover's fields in the order the cover prints them (generated.html); the other
#: fields of the plan's meta follow, unprinted, in the model's order.
COVER_ORDER = ("status", "title", "meeting", "plan_period", "notice", "date_line", "issuer")
#: Fields the PDF keeps in its metadata only.
METADATA_ONLY = ("subject", "keywords")


def content_id(h: Numbering) -> str:
    """The content id a heading's title comes from (a group's: its vision's)."""
    node = h.node
    if isinstance(node, model.PackageGroup):
        return node.vision
    if isinstance(node, model.GoalOutline):
        return node.goal
    return getattr(node, "id", "") or h.anchor


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _value_pos(v: model.KpiValue | model.Pending) -> Pos | None:
    """Where a ＫＰＩ value is traced to: its year, or the reason it is not set yet."""
    return v.pending.pos if isinstance(v, model.Pending) else v.year.pos


def _value(value: Any) -> str:
    """A ＫＰＩ value as printed: ``model.printed_number`` (1200.0 shows as 1,200)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return model.printed_number(value)
    return str(value)


class _Printer:
    def __init__(self, plan: model.Plan, draft: bool) -> None:
        self.plan = plan
        self.draft = draft
        self.outline = plan.outline(draft)
        self.md = _parser()
        self.count = 0
        self.numbers: dict[str, list[int]] = {}
        self.origin: dict[int, tuple[str, str]] = {}
        """(content id, field path) of each 未定事項 set so far, by ``id()``: the
        未定事項一覧 traces a reason to the first place it stands for."""

    # -- text

    def text(self, text: model.Text | None, *, counted: bool = True) -> Inline:
        """A content text as printed; its footnote calls numbered unless ``counted`` is off."""
        return self._numbered(inline(text), counted)

    def _numbered(self, text: Inline, counted: bool) -> Inline:
        if not counted or not text.calls:
            return text
        out = []
        for call in text.calls:
            self.count += 1
            self.numbers.setdefault(call.footnote, []).append(self.count)
            out.append(Call(call.at, call.footnote, self.count))
        return Inline(text.text, tuple(out), text.marks)

    def label(self, name: str) -> Inline:
        return self.text(self.plan.labels.get(name))

    def label_plain(self, name: str) -> str:
        label = self.plan.labels.get(name)
        return label.plain if label is not None else ""

    def label_trace(self, name: str) -> Trace:
        """A wording that is not content but a label (plan.yaml's ``labels``)."""
        label = self.plan.labels.get(name)
        return Trace("", f"labels.{name}", label.pos if label is not None else None, "label")

    # -- blocks

    def blocks(
        self, blocks: tuple[model.Block, ...], parent: Any, owner: str, path: str
    ) -> tuple[Node, ...]:
        out: list[Node] = []
        for n, block in enumerate(blocks):
            node = self.block(block, parent, owner, f"{path}[{n}]")
            after = n > 0 and isinstance(blocks[n - 1], model.PriorityGoal)
            if isinstance(node, Heading) and isinstance(block, model.PriorityGoal) and after:
                node = dataclasses.replace(node, after_goal=True)
            if node is not None:
                out.append(node)
        return tuple(out)

    def block(self, b: model.Block, parent: Any, owner: str, path: str) -> Node | None:
        trace = Trace(owner, path, b.pos)
        match b:
            case (
                model.Section()
                | model.Challenge()
                | model.Vision()
                | model.GoalOutline()
                | model.PriorityGoal()
                | model.PackageGroup()
                | model.PolicyPackage()
            ):
                return self.heading(b, owner, path)
            case model.Paragraph():
                label = self.text(b.label) if b.label else None
                look = (
                    "labelled"
                    if b.label
                    else b.align
                    if b.align in ("center", "right")
                    else "body"
                    if b.indent
                    else "flush"
                )
                traced = Trace(owner, path, b.text.pos, "p")
                return Paragraph(self.text(b.text), label, traced, look)
            case model.BulletList():
                return self.bullets(b, owner, path, trace)
            case model.Note():
                return Note(b.mark, self.text(b.text), Trace(owner, path, b.text.pos, "note"))
            case model.Pending():
                self.origin[id(b)] = (owner, path)
                return self.pending(b, "pending_text", trace)
            case model.Table():
                return self.table(b, trace)
            case model.Projects():
                return self.projects(b, trace)
            case model.Figure():
                number = self.outline.caption_no(b)
                caption = self.text(b.caption)
                source = self.label("source") + self.text(b.source)
                return Figure(
                    number,
                    caption,
                    b.src,
                    b.alt.plain,
                    source,
                    trace,
                    b.width or "",
                    Trace(owner, path, b.alt.pos, "figure"),
                    Trace(owner, _join(path, "caption"), b.caption.pos, "caption"),
                    Trace(owner, _join(path, "source"), b.source.pos, "source"),
                )
            case model.Diagram():
                return self.diagram(b, parent, trace)
            case model.PageBreak():
                return PageBreak(trace)
            case model.MarkdownBlock() | model.MarkdownFile():
                return self.prose(b.prose, Trace(owner, path, b.prose.pos, "prose"))
            case model.Generated():
                return self.generated(b, trace)
            case model.Include():
                return None  # resolved by the loader
            case _:
                assert_never(b)

    def heading(self, b: Any, owner: str, path: str) -> Heading | None:
        if isinstance(b, model.Section) and b.draft_only and not self.draft:
            return None
        h: Numbering = self.outline.of(b)
        key = h.anchor if isinstance(b, model.PackageGroup) else getattr(b, "id", "") or ""
        if isinstance(b, model.GoalOutline):
            key = f"outline:{b.goal}"
        own = getattr(b, "id", None) or owner
        trace = Trace(own, "" if getattr(b, "id", None) else path, b.pos)
        if isinstance(b, model.PackageGroup):
            vision = self.plan.index.visions.get(b.vision)
            title = join(
                self.label("group_open"),
                self.text(vision.title if vision else None),
                self.label("group_close"),
            )
            src: tuple[str, model.Text | None] = (vision.id, vision.title) if vision else ("", None)
        elif isinstance(b, model.GoalOutline):
            goal = self.plan.goal(b.goal)
            title = self.text(goal.title)
            src = (goal.id, goal.title)
        else:
            title = self.text(b.title)
            src = (b.id, b.title)
        cid, text = src
        titled = Trace(
            cid or owner,
            "title" if cid else _join(path, "title"),
            text.pos if text is not None else None,
            b.KIND,
        )
        note = self.text(b.title_note) if isinstance(b, model.Section) and b.title_note else None
        body: tuple[Node, ...]
        if isinstance(b, model.PolicyPackage):
            body = tuple(self.part(p, b, own, f"parts[{n}]") for n, p in enumerate(b.parts))
        else:
            # a heading without an id of its own (a 重点目標の案, a group without one):
            # its blocks are counted from its holder's
            body = self.blocks(b.body, b, own, "body" if getattr(b, "id", None) else f"{path}.body")
        if isinstance(b, model.GoalOutline):
            marker = self.label_plain("outline_marker")
            visions = (v for v in self.plan.index.visions.values() if v.goal == b.goal)
            items = tuple(
                ListItem(
                    marker,
                    self.text(v.title).marked("link", "#" + v.id),
                    (),
                    Trace(v.id, "title", v.title.pos, "vision"),
                )
                for v in visions
            )
            body += (List(items, Trace(own, "goal", b.pos), marker),)
        return Heading(
            b.KIND,
            key,
            h.anchor,
            h.label,
            title,
            h.depth,
            h.path,
            h.toc,
            note,
            body,
            trace,
            h.look,
            h.title,
            titled,
        )

    def part(
        self, p: model.PackagePart | model.KpiPart, pkg: model.PolicyPackage, owner: str, path: str
    ) -> Part:
        label_text = self.plan.labels.get(p.label)
        trace = Trace(owner, path, label_text.pos if label_text is not None else None, "part")
        label = self.label(p.label)
        if isinstance(p, model.KpiPart):
            kpis = p.kpis
            if isinstance(kpis, model.Pending):
                self.origin[id(kpis)] = (owner, f"{path}.kpis")
            inner: Node = (
                self.pending(kpis, "pending_value", Trace(owner, f"{path}.kpis", kpis.pos))
                if isinstance(kpis, model.Pending)
                else self.kpi_table(kpis, Trace(owner, f"{path}.kpis", p.pos))
            )
            return Part(p.label, label, (inner,), trace)
        return Part(p.label, label, self.blocks(p.body, pkg, owner, f"{path}.body"), trace)

    def pending(self, p: model.Pending, default: str, trace: Trace) -> Pending:
        note = p.label is not None and len(p.label.raw) == 1
        label = self.text(p.label) if p.label else self.label(default)
        if not note:
            label = label.marked("strong")
        reason = self.text(p.pending)
        what = self.text(p.what, counted=False) if p.what else None
        return Pending(
            label, reason, what, Trace(trace.id, trace.field, p.pending.pos, "pending"), note
        )

    def bullets(self, b: model.BulletList, owner: str, path: str, trace: Trace) -> List:
        numbered = b.marker in model.NUMBERED_MARKERS
        items = []
        for n, item in enumerate(b.items, 1):
            mark = "" if b.marker == "none" else list_marker(n, b.marker) if numbered else b.marker
            where = f"{path}.list[{n - 1}]"
            if isinstance(item, model.ListItem):
                text = self.text(item.text)
                body = self.blocks(item.body, item, owner, f"{where}.body")
                traced = Trace(owner, where, item.text.pos, "list")
                items.append(ListItem(mark, text, body, traced))
            else:
                traced = Trace(owner, where, item.pos, "list")
                items.append(ListItem(mark, self.text(item), (), traced))
        return List(tuple(items), trace, b.marker)

    def captioned(
        self, b: model.Table | model.Projects, trace: Trace
    ) -> tuple[Trace | None, Trace | None]:
        """The traces of a table's caption and 出典."""
        caption = (
            Trace(trace.id, _join(trace.field, "caption"), b.caption.pos, "caption")
            if b.caption
            else None
        )
        source = (
            Trace(trace.id, _join(trace.field, "source"), b.source.pos, "source")
            if b.source
            else None
        )
        return caption, source

    def table(self, b: model.Table, trace: Trace) -> Table:
        number = self.outline.caption_no(b) if b.caption else ""
        caption = self.text(b.caption) if b.caption else None
        captioned = self.captioned(b, trace)
        rows = [tuple((self.text(c),) for c in row) for row in b.rows]
        traces = [
            tuple(
                (Trace(trace.id, _join(trace.field, f"table[{r}][{n}]"), c.pos, "cell"),)
                for n, c in enumerate(row)
            )
            for r, row in enumerate(b.rows)
        ]
        source = self.label("source") + self.text(b.source) if b.source else None
        head = b.header
        return Table(
            "data",
            number,
            caption,
            tuple(tuple(c[0] for c in row) for row in rows[:head]),
            tuple(
                Row("", row, traces=t) for row, t in zip(rows[head:], traces[head:], strict=True)
            ),
            source,
            trace,
            tuple(tuple(t for (t,) in row) for row in traces[:head]),
            *captioned,
            tuple(b.widths),
        )

    def projects(self, b: model.Projects, trace: Trace) -> Table:
        """主要事業 (blocks.html): the columns some row fills, a row per project keyed by
        its id, and the 計 (the count and the sum of 事業費), computed."""
        number = self.outline.caption_no(b) if b.caption else ""
        caption = self.text(b.caption) if b.caption else None
        captioned = self.captioned(b, trace)
        columns = b.columns
        header = tuple(self.label(label) for _name, label in columns)
        head_traces = (tuple(self.label_trace(label) for _name, label in columns),)
        rows = []
        for p in b.projects:
            cells = []
            traces = []
            for name, _label in columns:
                value = getattr(p, name)
                if value is None:
                    cells.append((Inline(),))
                elif name == "cost":
                    cells.append((Inline(model.printed_number(value)),))
                else:
                    cells.append((self.text(value),))
                at = value.pos if isinstance(value, model.Text) else p.pos
                traces.append((Trace(p.id, name, at, "project"),))
            rows.append(Row(p.id, tuple(cells), traces=tuple(traces)))
        total = self.plan.labels["projects_total"].raw.replace("{count}", zen(b.count))
        cost = b.total_cost
        sums = tuple(
            (
                Inline(model.printed_number(cost))
                if name == "cost" and cost is not None
                else Inline(),
            )
            for name, _label in columns[1:]
        )
        totalled = (self.label_trace("projects_total"),)
        rows.append(Row("total", ((Inline(total),), *sums), traces=(totalled,)))
        source = self.label("source") + self.text(b.source) if b.source else None
        return Table(
            "projects",
            number,
            caption,
            (header,),
            tuple(rows),
            source,
            trace,
            head_traces,
            *captioned,
            tuple(name for name, _label in columns),
        )

    def kpi_value(self, v: model.KpiValue | model.Pending) -> tuple[Inline, ...]:
        if isinstance(v, model.Pending):
            return (self.label("pending_value").marked("strong"),)
        value = self.text(v.value) if isinstance(v.value, model.Text) else Inline(_value(v.value))
        return (value, join("（", self.text(v.year), "）").marked("small"))

    def unprinted(self, v: model.KpiValue | model.Pending) -> Pending | None:
        """The 未定事項 of a ＫＰＩ value: the cell prints only its label."""
        if not isinstance(v, model.Pending):
            return None
        what = self.text(v.what, counted=False) if v.what else None
        reason = self.text(v.pending, counted=False)
        return Pending(
            Inline(self.label_plain("pending_value")), reason, what, Trace("", "", v.pos)
        )

    def kpi_table(self, kpis: tuple[model.Kpi, ...], trace: Trace) -> Table:
        """The 【ＫＰＩ】 of a package (blocks.html ``kpi_table``)."""
        keys = ("kpi_indicator", "kpi_unit", "kpi_baseline", "kpi_target", "kpi_notes")
        header = tuple(self.label(k) for k in keys)
        head_traces = (tuple(self.label_trace(k) for k in keys),)
        rows = []
        for k in kpis:
            indicator = self.text(k.indicator)
            unit = self.text(k.unit) if k.unit else self.label("kpi_no_unit")
            baseline = self.kpi_value(k.baseline)
            target = self.kpi_value(k.target)
            notes = self.text(k.notes) if k.notes else Inline()
            pending = (None, None, self.unprinted(k.baseline), self.unprinted(k.target), None)
            traces = (
                (Trace(k.id, "indicator", k.indicator.pos, "kpi"),),
                (Trace(k.id, "unit", k.unit.pos if k.unit else None, "kpi"),),
                (Trace(k.id, "baseline", _value_pos(k.baseline), "kpi"),),
                (Trace(k.id, "target", _value_pos(k.target), "kpi"),),
                (Trace(k.id, "notes", k.notes.pos if k.notes else None, "kpi"),),
            )
            cells = ((indicator,), (unit,), baseline, target, (notes,))
            rows.append(Row(k.id, cells, pending, traces))
        return Table("kpi", "", None, (header,), tuple(rows), None, trace, head_traces)

    def prose(self, prose: model.Prose, trace: Trace) -> Prose:
        """Markdown: one parse, its tokens read into printed lines: a paragraph, a list
        item (its mark: • or 1., indented by its depth), a table row (cells joined by ｜)."""
        env: dict = {}
        tokens = self.md.parse(prose.raw, env)
        lines: list[tuple[str, Inline]] = []
        lists: list[list[int] | None] = []  # per open list: its next number, or None (bullets)
        mark = ""
        row: list[Inline] | None = None
        for token in tokens:
            kind = token.type
            if kind == "bullet_list_open":
                lists.append(None)
            elif kind == "ordered_list_open":
                lists.append([int(token.attrGet("start") or 1)])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open":
                top = lists[-1]
                mark = "　" * (len(lists) - 1) + ("•" if top is None else f"{top[0]}.")
                if top is not None:
                    top[0] += 1
            elif kind == "tr_open":
                row = []
            elif kind == "tr_close" and row is not None:
                cells = [x for n, c in enumerate(row) for x in ((("｜", c)) if n else (c,))]
                lines.append(("", join(*cells)))
                row = None
            elif kind in ("code_block", "fence"):
                lines.extend(("", Inline(line)) for line in token.content.splitlines() if line)
            elif kind == "inline":
                printed = self._numbered(_read([token], self.md.options), True)
                if row is not None:
                    row.append(printed)
                else:
                    lines.append((mark, printed))
                    # the next paragraph of the same item stands under its text
                    mark = "　" * len(lists) if lists else ""
        return Prose(tuple(lines), trace, prose_blocks(prose.raw))

    def diagram(self, b: model.Diagram, parent: Any, trace: Trace) -> Diagram:
        number = self.outline.caption_no(b)
        captioned = Trace(trace.id, _join(trace.field, "caption"), b.caption.pos, "caption")
        if b.name == "society":
            boxes, arrows = society_graph(self.plan, b)
            # the column heads: traced to the diagram
            head = Trace(trace.id, trace.field, None, "diagram")
            boxes = tuple(
                dataclasses.replace(x, trace=head) if x.role == "head" else x for x in boxes
            )
            caption = self.text(b.caption)
            return Diagram(b.name, number, caption, boxes, arrows, trace, captioned)
        # the pillars of the section it names, or of the heading that holds it (none in a
        # list's item)
        of = self.plan.index.sections[b.section] if b.section else parent
        found: list[Box] = []
        if of is not None and not isinstance(of, model.ListItem):
            found.append(self.titled("roof", of.id, of.title))
            for p in model.children(of):
                if isinstance(p, model.HEADINGS) and self.outline.printed(p):
                    ph = self.outline.of(p)
                    title, cid, src = self.heading_title(p)
                    found.append(
                        Box(
                            "pillar",
                            ph.anchor,
                            # the number and title side by side, as the figure sets them
                            join(ph.label, self.text(getattr(p, "title", None))),
                            join(ph.label, LINE_BREAK, title),
                            Trace(cid, "title", src.pos if src else None, "diagram"),
                        )
                    )
        if b.base:
            base = self.plan.index.sections[b.base]
            found.append(self.titled("base", b.base, base.title))
        caption = self.text(b.caption)
        return Diagram(b.name, number, caption, tuple(found), (), trace, captioned)

    def titled(self, role: str, key: str, title: model.Text) -> Box:
        """A box that prints a section's title."""
        return Box(
            role, key, self.text(title), inline(title), Trace(key, "title", title.pos, "diagram")
        )

    def heading_title(self, b: Any) -> tuple[Inline, str, model.Text | None]:
        """A heading's title as it reads (a group's vision in ≪≫, a 重点目標の案's goal), its
        calls unnumbered; the content id and the text it comes from."""
        if isinstance(b, model.PackageGroup):
            v = self.plan.vision(b.vision)
            labels = self.plan.labels
            return (
                join(labels["group_open"].plain, inline(v.title), labels["group_close"].plain),
                v.id,
                v.title,
            )
        if isinstance(b, model.GoalOutline):
            g = self.plan.goal(b.goal)
            return inline(g.title), g.id, g.title
        return inline(b.title), b.id, b.title

    # -- the generated lists (generated.html)

    def generated(self, b: model.Generated, trace: Trace) -> Generated:
        name = b.name
        if name == "cover":
            return Generated(name, None, (Cover(self.cover(counted=True), trace),), trace)
        if name == "toc":
            title = self.text(b.caption) if b.caption else self.label("toc_title")
            entries = tuple(self.toc_entry(e) for e in self.outline.toc)
            src = b.caption or self.plan.labels.get("toc_title")
            traced = Trace("", "toc", src.pos if src is not None else None, "toc")
            return Generated(name, title, (Toc(title, entries, traced),), trace)
        if name == "package-list":
            return Generated(name, None, self.package_list(trace), trace)
        if name == "kpi-list":
            return Generated(name, None, self.kpi_list(trace), trace)
        if name == "pending-list":
            return Generated(name, None, (self.pending_list(trace),), trace)
        if name == "vision-examples":
            caption = self.text(b.caption) if b.caption else None
            captioned = (
                Trace(trace.id, _join(trace.field, "caption"), b.caption.pos, "caption")
                if b.caption
                else None
            )
            return Generated(name, caption, (self.vision_examples(trace),), trace, captioned)
        raise ValueError(f"unknown generated list {name!r}")  # the loader accepts none other

    def toc_entry(self, e: Numbering) -> TocEntry:
        node = e.node
        line = e.title
        if isinstance(node, model.PackageGroup):
            line = f"{self.label_plain('group_open')}{line}{self.label_plain('group_close')}"
        title = getattr(node, "title", None)
        at = title.pos if isinstance(title, model.Text) else None
        trace = Trace(content_id(e), "title", at, "toc")
        return TocEntry(e.label, e.title, e.depth, e.anchor, line, trace)

    def cover(self, *, counted: bool) -> tuple[Field, ...]:
        """The cover's fields: those the cover prints in its order, then the others. Read
        generically, so that a field added to ``PlanMeta`` is compared too."""
        meta = self.plan.meta
        fields = {f.name: f for f in dataclasses.fields(model.PlanMeta)}
        order = [n for n in COVER_ORDER if n in fields]
        order += [n for n in fields if n not in order]
        out = []
        for name in order:
            f = fields[name]
            if f.metadata.get("derived"):
                continue
            value = getattr(meta, name, None)
            printed = name not in METADATA_ONLY
            count = counted and printed
            lines: tuple[Inline, ...]
            if value is None:
                lines = ()
            elif isinstance(value, model.Pending):
                lines = (
                    self.label("pending_date")
                    if count
                    else Inline(self.label_plain("pending_date")),
                )
                lines += (self.text(value.pending, counted=False),)
            elif isinstance(value, model.Text):
                lines = (self.text(value, counted=count),)
            elif isinstance(value, tuple):
                lines = tuple(
                    self.text(v, counted=count) for v in value if isinstance(v, model.Text)
                )
            else:
                lines = (Inline(str(value)),)
            at = (
                value.pending.pos
                if isinstance(value, model.Pending)
                else getattr(value, "pos", None)
            )
            traced = Trace("", name, at, "cover") if value is not None else None
            out.append(Field(name, f.metadata.get("ja", name), lines, printed, traced))
        return tuple(out)

    def goal_row(self, goal: model.PriorityGoal, kind: str) -> Row:
        """A 重点目標's row of a generated list: its number and title."""
        title = join(self.outline.of(goal).label, "　", self.text(goal.title))
        return Row(goal.id, ((title,),), traces=((Trace(goal.id, "title", goal.title.pos, kind),),))

    def linked(self, pkg: model.PolicyPackage) -> Inline:
        """A package's title, linked to its heading."""
        return self.text(pkg.title).marked("link", "#" + pkg.id)

    @staticmethod
    def kpis_path(pkg: model.PolicyPackage) -> str:
        n = next((n for n, p in enumerate(pkg.parts) if isinstance(p, model.KpiPart)), 0)
        return f"parts[{n}].kpis"

    def package_list(self, trace: Trace) -> tuple[Node, ...]:
        """参考１: per 重点目標, a table of its groups and packages, each with its number of
        ＫＰＩ (and its page, which the layout adds)."""
        tables: list[Node] = []
        for goal in self.plan.goals:
            keys = ("package_list_head", "package_list_kpi", "package_list_page")
            header = tuple(self.label(k) for k in keys)
            head_traces = (tuple(self.label_trace(k) for k in keys),)
            rows = [self.goal_row(goal, "package-list")]
            for group in model.groups_of(goal):
                vision = self.plan.vision(group.vision)
                title = join(
                    self.outline.of(group).label,
                    "　",
                    self.label("group_open"),
                    self.text(vision.title),
                    self.label("group_close"),
                )
                traced = ((Trace(vision.id, "title", vision.title.pos, "package-list"),),)
                rows.append(Row(self.outline.of(group).anchor, ((title,),), traces=traced))
                for pkg in model.packages_of(group):
                    no = Inline(self.outline.of(pkg).label)
                    title = self.linked(pkg)
                    kpis = pkg.kpis
                    count = (
                        self.label("pending_value")
                        if isinstance(kpis, model.Pending)
                        else join(zen(len(kpis)), self.label("kpi_count"))
                    )
                    at = pkg.title.pos
                    traces = (
                        (Trace(pkg.id, "", at, "number"),),
                        (Trace(pkg.id, "title", at, "package-list"),),
                        (
                            Trace(
                                pkg.id,
                                self.kpis_path(pkg),
                                (pkg.kpi_part or pkg.title).pos,
                                "count",
                            ),
                        ),
                        (Trace(pkg.id, "", at, "page"),),
                    )
                    rows.append(Row(pkg.id, ((no,), (title,), (count,)), traces=traces))
            tables.append(
                Table("package-list", "", None, (header,), tuple(rows), None, trace, head_traces)
            )
        return tuple(tables)

    def kpi_list(self, trace: Trace) -> tuple[Node, ...]:
        """参考２: per 重点目標, every ＫＰＩ of its packages (a package whose ＫＰＩ are not
        set yet: its reason in one cell over the four)."""
        tables: list[Node] = []
        keys = ("kpi_list_package", "kpi_indicator", "kpi_baseline", "kpi_target", "kpi_notes")
        for goal in self.plan.goals:
            header = tuple(self.label(k) for k in keys)
            head_traces = (tuple(self.label_trace(k) for k in keys),)
            rows = [self.goal_row(goal, "kpi-list")]
            for group in model.groups_of(goal):
                for pkg in model.packages_of(group):
                    kpis = pkg.kpis
                    titled = Trace(pkg.id, "title", pkg.title.pos, "kpi-list")
                    listed: list[tuple[model.Kpi, Inline, tuple[Trace, ...]]] = []
                    if isinstance(kpis, model.Pending):
                        title = self.linked(pkg)
                        value = self.label("pending_value").marked("strong")
                        reason = Trace(pkg.id, self.kpis_path(pkg), kpis.pending.pos, "kpi-list")
                        rows.append(
                            Row(
                                pkg.id,
                                ((title,), (value, self.text(kpis.pending))),
                                traces=((titled,), (reason,)),
                            )
                        )
                    else:
                        listed += [
                            (k, self.linked(pkg), (titled,)) if n == 0 else (k, Inline(), ())
                            for n, k in enumerate(kpis)
                        ]
                    # A regional edition's own ＫＰＩ of the package, after the national ones.
                    listed += [
                        (
                            (
                                k,
                                join("（", self.label("regional_kpis"), "）"),
                                (self.label_trace("regional_kpis"),),
                            )
                            if n == 0
                            else (k, Inline(), ())
                        )
                        for n, k in enumerate(pkg.regional_kpis)
                    ]
                    for k, title, first in listed:
                        indicator = self.text(k.indicator)
                        if k.unit:
                            indicator = join(
                                indicator, join("（", self.text(k.unit), "）").marked("small")
                            )
                        baseline = self.kpi_value(k.baseline)
                        target = self.kpi_value(k.target)
                        notes = self.text(k.notes) if k.notes else Inline()
                        traces = (
                            first,
                            (Trace(k.id, "indicator", k.indicator.pos, "kpi-list"),),
                            *(
                                (Trace(k.id, name, _value_pos(getattr(k, name)), "kpi-list"),)
                                for name in ("baseline", "target")
                            ),
                            (Trace(k.id, "notes", k.notes.pos, "kpi-list"),) if k.notes else (),
                        )
                        rows.append(
                            Row(
                                k.id,
                                ((title,), (indicator,), baseline, target, (notes,)),
                                traces=traces,
                            )
                        )
            tables.append(
                Table("kpi-list", "", None, (header,), tuple(rows), None, trace, head_traces)
            )
        return tuple(tables)

    def pending_list(self, trace: Trace) -> List:
        """As printed: the note, then each reason once, numbered, with its count and the
        places it stands for under it (no content path: the page prints none). A reason
        is traced to the first place it stands for, where that is set before the list."""
        labels = self.plan.labels
        note = labels["pending_list_note"].raw.replace("{count}", zen(len(self.plan.pending)))
        marker = labels["pending_list_marker"].plain
        noted = Trace(trace.id, trace.field, labels["pending_list_note"].pos, "pending-list")
        items = [ListItem("", Inline(note), (), noted)]
        for n, (reason, places) in enumerate(self.plan.pending_groups, 1):
            count = (
                labels["pending_list_count"].raw.replace("{count}", zen(len(places)))
                if len(places) > 1
                else ""
            )
            where = tuple(
                ListItem(marker, Inline(place), (), Trace("", place, item.pos))
                for place, item in places
            )
            cid, path = self.origin.get(id(places[0][1]), ("", ""))
            text = join(self.text(reason), count)
            items.append(
                ListItem(
                    zen(n),
                    text,
                    (List(where, trace),),
                    Trace(cid, path, reason.pos, "pending-list"),
                )
            )
        return List(tuple(items), trace)

    def vision_examples(self, trace: Trace) -> Table:
        keys = ("vision_examples_vision", "vision_examples_themes")
        header = tuple(self.label(k) for k in keys)
        head_traces = (tuple(self.label_trace(k) for k in keys),)
        marker = self.label_plain("examples_marker")
        rows = []
        for v in self.plan.index.visions.values():
            if not v.theme_examples:
                continue
            title = self.text(v.title)
            themes = tuple(join(marker, self.text(t)) for t in v.theme_examples)
            traces = (
                (Trace(v.id, "title", v.title.pos, "vision-examples"),),
                tuple(
                    Trace(v.id, f"theme_examples[{n}]", t.pos, "vision-examples")
                    for n, t in enumerate(v.theme_examples)
                ),
            )
            rows.append(Row(v.id, ((title,), themes), traces=traces))
        return Table("vision-examples", "", None, (header,), tuple(rows), None, trace, head_traces)

    # -- the document

    def run(self) -> Document:
        body = self.blocks(self.plan.parts, None, "", "parts")
        meta = self.cover(counted=False)
        footnotes = tuple(
            Footnote(
                fid,
                tuple(self.numbers.get(fid, ())),
                self.text(text, counted=False),
                Trace(fid, "", text.pos),
            )
            for fid, text in self.plan.footnotes.items()
        )
        return Document(body, meta, footnotes, self.draft)


def society_graph(
    plan: model.Plan, diagram: model.Diagram
) -> tuple[tuple[Box, ...], tuple[Arrow, ...]]:
    """図: 基本的な課題認識 → 目指す社会の姿 → 重点目標, as ``figures.society_diagram``
    draws it: the column heads, a box per 課題, per 姿 (in the order of the 重点目標 they
    serve) and per 重点目標; an arrow from a 課題 to a 姿 where ``links:`` states it, and
    from every 姿 to its 重点目標. The texts are plain, as the drawing sets them."""
    index = plan.index
    goal_order = [o.goal for o in index.outlines]
    goal_order += [g.id for g in plan.goals if g.id not in goal_order]
    visions = sorted(
        index.visions.values(),
        key=lambda v: goal_order.index(v.goal) if v.goal in goal_order else len(goal_order),
    )

    def head(block: object | None) -> str:
        parent = index.parents.get(id(block)) if block is not None else None
        title = getattr(parent, "title", None)
        return title.plain if title is not None else ""

    challenges = index.challenges
    heads = (
        head(challenges[0] if challenges else None),
        head(visions[0] if visions else None),
        head(index.outlines[0] if index.outlines else None),
    )

    def box(role: str, key: str, title: model.Text) -> Box:
        return Box(
            role, key, Inline(title.plain), inline(title), Trace(key, "title", title.pos, "diagram")
        )

    boxes = [Box("head", f"head{n}", Inline(t)) for n, t in enumerate(heads, 1)]
    boxes += [box("challenge", c.id, c.title) for c in challenges]
    drawn = [v for g in goal_order for v in visions if v.goal == g]
    boxes += [box("vision", v.id, v.title) for v in drawn]
    boxes += [box("goal", g, plan.goal(g).title) for g in goal_order]
    known = {c.id for c in challenges}
    links: dict[str, list[str]] = {}
    for link in diagram.links:
        links.setdefault(link.vision, []).append(link.challenge)
    arrows = []
    for v in visions:
        if v not in drawn:
            continue
        arrows += [Arrow(cid, v.id) for cid in links.get(v.id, ()) if cid in known]
        arrows.append(Arrow(v.id, v.goal))
    return tuple(boxes), tuple(arrows)


def printed(plan: model.Plan, *, draft: bool = True) -> Document:
    """The plan as the PDF prints it (the draft, or with ``draft`` off the final edition).
    Computed once per plan and edition."""
    cache = plan.index.printed
    if draft not in cache:
        cache[draft] = _Printer(plan, draft).run()
    document: Document = cache[draft]
    return document


def footnote_numbers(plan: model.Plan, *, draft: bool = True) -> dict[str, tuple[int, ...]]:
    """The numbers each footnote is printed with, by id, as the PDF's CSS counter counts
    the calls (a footnote called twice, say in a ＫＰＩ and again in the ＫＰＩ一覧, is
    printed twice)."""
    return printed(plan, draft=draft).footnote_numbers()


__all__ = [
    "LINE_BREAK",
    "Arrow",
    "Box",
    "Call",
    "Cover",
    "Diagram",
    "Document",
    "Field",
    "Figure",
    "Footnote",
    "Generated",
    "Heading",
    "Inline",
    "List",
    "ListItem",
    "Mark",
    "MarkKind",
    "Node",
    "Note",
    "PageBreak",
    "Paragraph",
    "Part",
    "Pending",
    "PlainText",
    "Prose",
    "ProseBlock",
    "ProseCode",
    "ProseList",
    "ProsePara",
    "ProseQuote",
    "ProseTable",
    "Row",
    "Table",
    "Toc",
    "TocEntry",
    "Trace",
    "children",
    "content_id",
    "footnote_numbers",
    "inline",
    "join",
    "printed",
    "prose_blocks",
    "society_graph",
    "walk",
]
