"""Compare two revisions of the plan for the 新旧対照表 (``build.py diff``).

Each plan is first flattened into *items* in the order printed, from its printed model
(``tree/``), never from the YAML that produced it: the cover, every heading (節・項,
基本的な課題認識, 目指す社会の姿, 重点目標, 重点目標の案, ≪…≫, 政策パッケージ), every
figure drawn from data (図１, 図２: its boxes' texts and its arrows) and every footnote;
with ``lists``, the generated lists too (目次, 政策パッケージ一覧, ＫＰＩ一覧, 未定事項一覧),
which are left out by default. An item carries its heading path and number as the PDF
prints them, its title, and *blocks* of lines: the body of a heading (its paragraphs,
list items with their markers, notes, tables with their 表１, the 施策テーマの例 …) is one
block; a 政策パッケージ has one block per 【…】 part, its 【ＫＰＩ】 a table as the plan
prints it (指標｜単位｜基準値｜目標値｜備考, one row per ＫＰＩ, rows matched by the ＫＰＩ's
id, the changed cells marked; a 「（今後設定）」 with the reason the 未定事項一覧 gives it).
A table of a body is a line per row as well (its cells joined by ｜, to compare and pair
rows), each knowing its table and its cells, so that the 新旧対照表 prints a changed table
as a table: its header rows, its changed rows cell by cell, 「（略）」 rows for the rest.
Headings below an item are items of their own. A footnote is shown by the number the
PDF prints (※1, ※2 …), never by its id.

Every text is compared as printed, references resolved: a 重点目標 renamed shows at its
第３章 heading, at 第２章's 重点目標の案 and in 図１ (and, with ``lists``, in the 概要: an
item of its own after the plan's, ``overview.sheet``, whose own texts — lead, short
texts, main ＫＰＩ — are always compared); a changed label shows wherever it prints. A footnote call is 「※」 in the text (its number is the footnote item's), so a
footnote inserted early does not mark every later line.

Items are matched across revisions by key (the heading's id; 「diagram:society」 for 図１),
never by position. An item whose content is the same but which stands under another
parent heading, or out of order among the siblings both revisions share, is a move
(「（移動）」), not a deletion plus an addition. Lines without ids (the ■ and ・ points of a
package, the agenda of a meeting, the boxes of a figure) are compared as a sequence
within their block.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import assert_never

from . import model, tree
from .model import Plan, Section
from .outline import heading_line
from .textdiff import Marked, compare, key, similarity

#: Edited lines of a list are paired with their former version when at least this alike;
#: less alike, they are shown as one line removed and one added.
_PAIRING = 0.4
#: The indent of each level of a nested list, before its marker.
_INDENT = "　"
#: The container of the footnotes: their order is their numbers', so they never move.
FOOTNOTES = "footnotes"
#: The 概要's item: its key and container, and the path the table shows it under.
OVERVIEW, OVERVIEW_PATH = "overview", "概要"


@dataclass(frozen=True)
class Line:
    """One line of a block as printed: a paragraph, a ■/・ point, a table row, a box or an
    arrow of a figure; a reference by the title it prints."""

    text: str
    mark: str = ""
    table: int | None = None
    """For the lines of a table in a body: which table of the plan (in the order printed)."""
    part: str = ""
    """Which line of that table: ``caption``, ``head`` (a header row), ``row`` or ``source``."""
    cells: tuple[str, ...] = ()
    """A row's cells as printed (a cell's lines joined by a line break); ``text`` is the
    row as one line, its cells joined by ｜, to compare and pair rows as lines."""


@dataclass(frozen=True)
class TableRow:
    """One ＫＰＩ of a 【ＫＰＩ】 table: its id and its cells as printed, each a tuple of
    lines (a value and its year; 「（今後設定）」 and the reason)."""

    ident: str
    cells: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Block:
    """A run of an item's lines: its body, one 【…】 part of a package, or one field.
    ``label`` is shown as 【label】; "" shows none (a heading's body)."""

    name: str
    label: str
    lines: tuple[Line, ...]
    header: tuple[str, ...] = ()
    """A table's column heads."""
    rows: tuple[TableRow, ...] | None = None
    """A 【ＫＰＩ】 table's rows; ``None`` for a block of lines."""

    @property
    def empty(self) -> bool:
        return not self.lines and not self.rows


@dataclass(frozen=True)
class Item:
    """One entity of the plan as the 新旧対照表 shows it."""

    key: str
    container: str
    """The key of the item it stands under; a different container across revisions is a move."""
    path: tuple[str, ...]
    """The headings above it, with their numbers (第３章　…, 第１節　…, １　≪…≫)."""
    number: str
    title: Line
    blocks: tuple[Block, ...]


# ------------------------------------------------------------------ flattening


#: The generated lists the table leaves out unless asked for (``lists``), by name, with
#: the name an item of theirs is shown by when the content gives them no caption.
LISTS = {
    "toc": "目次",
    "package-list": "政策パッケージ一覧",
    "kpi-list": "ＫＰＩ一覧",
    "pending-list": "未定事項一覧",
}
#: How the blocks of a figure drawn from data are labelled (the 課題, 姿 and 重点目標 of
#: 図１ by the column heads the figure prints).
BOX_LABELS = {"head": "列の見出し", "roof": "上の段", "pillar": "柱", "base": "土台"}
ARROWS = "矢印"


def _lines(label: str, values: tuple[tuple[str, str], ...]) -> Block:
    return Block(label, label, tuple(Line(text, mark) for mark, text in values))


class _Flattener:
    def __init__(self, plan: Plan, lists: bool) -> None:
        self.plan = plan
        self.document = tree.printed(plan)
        self.lists = lists
        self.items: list[Item] = []
        self.keys: set[str] = set()
        self.tables = 0

    def label(self, name: str) -> str:
        text = self.plan.labels.get(name)
        return text.display if text is not None else name

    # -- the lines of blocks

    def _pending(self, p: tree.Pending, mark: str = "") -> list[Line]:
        lines = [Line(p.label.text + p.reason.text, mark)]
        if p.what:
            what = model.Pending.__dataclass_fields__["what"].metadata["ja"]
            lines.append(Line(f"{what}：{p.what.text}", mark))
        return lines

    def lines(self, nodes: tuple[tree.Node, ...], depth: int = 0) -> list[Line]:
        """The lines of a body's nodes in order; headings, figures drawn from data and the
        generated lists are items of their own."""
        out: list[Line] = []
        for node in nodes:
            out.extend(self.node_lines(node, depth))
        return out

    def node_lines(self, node: tree.Node, depth: int) -> list[Line]:
        indent = _INDENT * depth
        match node:
            case tree.Paragraph():
                return [Line((node.label.text if node.label else "") + node.text.text, indent)]
            case tree.List():
                out: list[Line] = []
                for item in node.items:
                    out.append(Line(item.text.text, indent + item.marker))
                    out.extend(self.lines(item.body, depth + 1))
                return out
            case tree.ListItem():
                return [
                    Line(node.text.text, indent + node.marker),
                    *self.lines(node.body, depth + 1),
                ]
            case tree.Note():
                return [Line(node.text.text, indent + node.mark)]
            case tree.Pending():
                return self._pending(node, indent)
            case tree.Table():
                return self.table_lines(node, indent)
            case tree.Figure():
                ja = {f.name: f.metadata["ja"] for f in dataclasses.fields(model.Figure)}
                return [
                    Line(_numbered(node.number, node.caption.text), indent),
                    Line(f"{ja['alt']}：{node.alt}", indent),
                    Line(node.source.text, indent),
                    Line(f"{ja['src']}：{node.src}", indent),
                ]
            case tree.Prose():
                return [Line(text.text, indent + mark) for mark, text in node.lines]
            case tree.Generated():
                if node.name in LISTS:
                    return []  # an item of its own, with ``lists``
                caption = [Line(node.caption.text, indent)] if node.caption else []
                return caption + self.lines(node.body, depth)
            case tree.Part():
                return self.lines(node.body, depth)
            case (
                tree.Heading()
                | tree.Diagram()
                | tree.PageBreak()
                | tree.Cover()
                | tree.Toc()
                | tree.Footnote()
            ):
                return []
            case _:
                assert_never(node)

    def table_lines(self, table: tree.Table, indent: str) -> list[Line]:
        """A table as lines: its caption with its number, a line per row (cells joined
        by ｜, the lines of a cell by 　), its source; each line knows its table and part,
        and a row its cells, so that the 新旧対照表 prints the rows as a table."""
        self.tables += 1
        n = self.tables
        out = []
        if table.caption:
            out.append(Line(_numbered(table.number, table.caption.text), indent, n, "caption"))
        for part, row in [
            *(("head", tuple((c,) for c in r)) for r in table.header),
            *(("row", r.cells) for r in table.rows),
        ]:
            text = "｜".join(_text(_cell(c)) for c in row)
            cells = tuple("\n".join(line.text for line in c) for c in row)
            out.append(Line(text, indent, n, part, cells))
        if table.source:
            out.append(Line(table.source.text, indent, n, "source"))
        return out

    def table_block(self, name: str, label: str, table: tree.Table) -> Block:
        """A table whose rows have ids (a 【ＫＰＩ】, a generated list): rows matched by id."""
        header = tuple(c.text for c in table.header[0]) if table.header else ()
        rows = []
        for row in table.rows:
            cells = []
            for n, cell in enumerate(row.cells):
                lines = tuple(i.text for i in cell)
                pending = row.pending[n] if n < len(row.pending) else None
                if pending is not None:  # the reason, printed in the 未定事項一覧
                    lines += (pending.reason.text,) + ((pending.what.text,) if pending.what else ())
                cells.append(lines)
            rows.append(TableRow(row.key, tuple(cells)))
        return Block(name, label, (), header, tuple(rows))

    # -- the blocks of a heading

    def heading_blocks(self, node: tree.Heading) -> tuple[Block, ...]:
        blocks: list[Block] = []
        if node.kind == model.PolicyPackage.KIND:
            for part in node.body:
                if not isinstance(part, tree.Part):
                    continue
                name = part.name
                while name in {b.name for b in blocks}:  # the same 【…】 twice: keep both, in order
                    name += "#"
                inner = part.body[0] if part.body else None
                if isinstance(inner, tree.Table) and inner.role == "kpi":
                    blocks.append(self.table_block(name, part.label.text, inner))
                else:
                    blocks.append(Block(name, part.label.text, tuple(self.lines(part.body))))
            return tuple(blocks)
        if node.note:
            ja = Section.__dataclass_fields__["title_note"].metadata["ja"]
            blocks.append(Block("title_note", ja, (Line(node.note.text),)))
        blocks.append(Block("body", "", tuple(self.lines(node.body))))
        return tuple(blocks)

    # -- items

    def add(
        self,
        key: str,
        container: str,
        path: tuple[str, ...],
        no: str,
        title: Line,
        blocks: tuple[Block, ...],
    ) -> str:
        """Add an item; returns its key."""
        if key in self.keys:
            # The same 目指す社会の姿 twice under one goal: keep both, in order.
            key = f"{key}#{sum(k.startswith(key) for k in self.keys) + 1}"
        self.keys.add(key)
        self.items.append(Item(key, container, path, no, title, blocks))
        return key

    def walk(self, nodes: tuple[tree.Node, ...], container: str, path: tuple[str, ...]) -> None:
        """The items below a heading (or the top of the plan), in the order printed."""
        for node in nodes:
            match node:
                case tree.Heading():
                    key = self.add(
                        node.key,
                        container,
                        node.path,
                        node.number,
                        Line(node.title.text),
                        self.heading_blocks(node),
                    )
                    self.walk(node.body, key, (*node.path, node.line))
                case tree.Diagram():
                    self.diagram(node, container, path)
                case tree.Generated() if node.name in LISTS:
                    if self.lists:
                        self.generated(node, container, path)
                case _:  # a heading inside a list item or a package's part
                    self.walk(tree.children(node), container, path)

    def diagram(self, node: tree.Diagram, container: str, path: tuple[str, ...]) -> None:
        """図１, 図２: an item of its own, changed when any text or arrow it prints changed."""
        heads = {b.key: b.text.text for b in node.boxes if b.role == "head"}
        roles = {"challenge": "head1", "vision": "head2", "goal": "head3"}
        blocks: list[Block] = []
        for role in dict.fromkeys(b.role for b in node.boxes):
            label = heads.get(roles.get(role, ""), "") or BOX_LABELS.get(role, role)
            values = tuple(("", b.text.text) for b in node.boxes if b.role == role)
            blocks.append(Block(role, label, tuple(Line(t, m) for m, t in values)))
        if node.arrows or node.name == "society":
            texts = {b.key: b.text.text for b in node.boxes}
            blocks.append(
                Block(
                    "arrows",
                    ARROWS,
                    tuple(Line(f"{texts[a.start]}→{texts[a.end]}") for a in node.arrows),
                )
            )
        roof = next((b.key for b in node.boxes if b.role == "roof"), "")
        key = f"diagram:{node.name}" + (f":{roof}" if roof else "")
        self.add(key, container, path, node.number, Line(node.caption.text), tuple(blocks))

    def generated(self, node: tree.Generated, container: str, path: tuple[str, ...]) -> None:
        """A generated list (with ``lists``): its entries, or its tables with rows by id."""
        blocks: list[Block] = []
        for n, child in enumerate(node.body):
            if isinstance(child, tree.Toc):
                lines = tuple(
                    Line(heading_line(e.number, e.title), _INDENT * (e.depth - 1))
                    for e in child.entries
                )
                blocks.append(Block("entries", "", lines))
            elif isinstance(child, tree.Table):
                # one table per 重点目標, matched by the goal that heads it
                first = child.rows[0].key if child.rows else ""
                blocks.append(self.table_block(f"table:{first or n}", "", child))
            else:
                blocks.append(Block(f"lines{n}", "", tuple(self.node_lines(child, 0))))
        title = node.caption.text if node.caption else LISTS[node.name]
        self.add(f"list:{node.name}", container, path, "", Line(title), tuple(blocks))

    def overview(self) -> None:
        """The 概要 (``overview.sheet``), an item of its own. What only the 概要 prints —
        its lead, the short texts of its 重点目標, its main ＫＰＩ — is always compared;
        with ``lists``, the whole page as printed, one block per 重点目標 with its groups,
        packages and main ＫＰＩ: a renamed 重点目標 then shows in the 概要 too."""
        from .overview import OverviewFile, sheet

        page = sheet(self.plan, draft=self.document.draft)
        kpi = self.label("overview_kpi")
        ja = {name: f.metadata["ja"] for name, f in OverviewFile.__dataclass_fields__.items()}
        blocks: list[Block] = []
        if page.lead:
            blocks.append(Block("lead", ja["lead"], (Line(page.lead),)))
        for column in page.columns:
            head = heading_line(column.number, column.title)
            if not self.lists:
                if column.text:
                    blocks.append(Block(f"text:{column.key}", head, (Line(column.text),)))
                continue
            lines = [Line(column.text)] if column.text else []
            for group in column.groups:
                lines.append(Line(heading_line(group.number, group.title)))
                for pkg in group.packages:
                    lines.append(Line(heading_line(pkg.number, pkg.title), _INDENT))
                    lines.extend(Line(k.line, f"{_INDENT * 2}{kpi}：") for k in pkg.kpis)
            blocks.append(Block(f"goal:{column.key}", head, tuple(lines)))
        if not self.lists:
            main = tuple(
                Line(k.line, f"{heading_line(p.number, p.title)}　")
                for column in page.columns
                for p in column.packages
                for k in p.kpis
                if not k.pending
            )
            if main:
                blocks.append(Block("main_kpis", ja["main_kpis"], main))
        if blocks:
            title = page.title + self.label("overview_title")
            self.add(OVERVIEW, OVERVIEW, (OVERVIEW_PATH,), "", Line(title), tuple(blocks))

    def run(self) -> list[Item]:
        plan, document = self.plan, self.document
        meta = tuple(
            Block(f.name, f.label, tuple(Line(line.text) for line in f.lines))
            for f in document.meta
            if f.name != "title"
        )
        own = tuple(
            Line(f"{k}：{v.display}")
            for k, v in plan.labels.items()
            if v.pos.path != model.DEFAULTS_POS
        )
        labels = Block("labels", model.PlanFile.__dataclass_fields__["labels"].metadata["ja"], own)
        title = next((f.lines[0].text for f in document.meta if f.name == "title" and f.lines), "")
        self.add("meta", "plan", ("表紙",), "", Line(title), (*meta, labels))
        self.walk(document.body, "plan", ())
        self.overview()
        # A footnote by the number the PDF prints, never by its id; the id only matches it
        # across revisions. One the text never calls is not printed, and shown as such.
        called = sorted(
            (f for f in document.footnotes), key=lambda f: (0, f.numbers) if f.numbers else (1, ())
        )
        for note in called:
            number = "、".join(f"※{n}" for n in note.numbers)
            self.add(
                f"footnote:{note.id}",
                FOOTNOTES,
                ("脚注",),
                number,
                Line("" if note.numbers else "（本文から呼び出されていない脚注）"),
                (Block("text", "", (Line(note.text.text),)),),
            )
        return self.items


def _numbered(number: str, caption: str) -> str:
    """A caption as printed: 「図１　…」, 「表２　…」."""
    return f"{number}　{caption}" if number else caption


def _cell(cell: tuple[tree.Inline, ...]) -> tree.Inline:
    return tree.join(*[x for n, line in enumerate(cell) for x in (("　", line) if n else (line,))])


def _text(value: tree.Inline) -> str:
    return value.text


def footnote_numbers(plan: Plan) -> dict[str, tuple[int, ...]]:
    """The numbers each footnote is printed with, by id (``tree.footnote_numbers``): a
    footnote called twice, say in a ＫＰＩ and again in the ＫＰＩ一覧, is printed twice."""
    return tree.footnote_numbers(plan)


def flatten(plan: Plan, *, lists: bool = False) -> list[Item]:
    """The plan's items in the order printed; the generated lists only with ``lists``."""
    return _Flattener(plan, lists).run()


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class CellLine:
    mark: str
    text: Marked | None
    """``None`` for 「（略）」: unchanged lines left out."""
    table: int | None = None
    """The table of a body the line belongs to (``Line.table``), while that table is shown."""
    part: str = ""
    cells: tuple[Marked, ...] = ()
    """A table row's cells, each marked where it changed."""


@dataclass(frozen=True)
class CellTable:
    """The rows of a table of a body as one side shows them: its header rows, and its rows
    (a 「（略）」 row for unchanged rows left out)."""

    head: tuple[CellLine, ...]
    rows: tuple[CellLine, ...]

    @property
    def columns(self) -> int:
        return max((len(line.cells) for line in (*self.head, *self.rows)), default=1) or 1


@dataclass(frozen=True)
class CellRow:
    """A row of a 【ＫＰＩ】 table on one side: its cells, each a tuple of lines."""

    cells: tuple[tuple[Marked, ...], ...]
    status: str = ""
    """"" (unchanged), changed, added, removed or moved (out of the other rows' order)."""


@dataclass(frozen=True)
class CellBlock:
    label: str | None
    """``None`` for 「（略）」: unchanged blocks left out."""
    lines: tuple[CellLine, ...] = ()
    header: tuple[str, ...] = ()
    rows: tuple[CellRow, ...] | None = None
    """A 【ＫＰＩ】 table, every row shown; ``None`` for a block of lines."""
    relabelled: bool = False
    """The label printed as 【…】 changed (a label of plan.yaml's ``labels``): marked."""
    notes: bool = True
    """The table's last column (備考) is shown: some row, on either side, has a note."""

    @property
    def groups(self) -> tuple[CellLine | CellTable, ...]:
        """The lines in order, the header rows and rows of each table of a body together
        as one ``CellTable`` (its caption and source stay lines, above and below it)."""
        out: list[CellLine | CellTable] = []
        current: int | None = None
        for line in self.lines:
            if line.table is not None and line.part in ("head", "row"):
                last = out[-1] if out else None
                if isinstance(last, CellTable) and current == line.table:
                    if line.part == "head" and not last.rows:
                        out[-1] = CellTable((*last.head, line), ())
                    else:
                        out[-1] = CellTable(last.head, (*last.rows, line))
                    continue
                current = line.table
                head = (line,) if line.part == "head" else ()
                out.append(CellTable(head, () if head else (line,)))
                continue
            current = None
            out.append(line)
        return tuple(out)


@dataclass(frozen=True)
class Cell:
    """One side of a row: the item at one revision."""

    path: Marked
    number: Marked
    title: Marked
    notes: tuple[str, ...] = ()
    blocks: tuple[CellBlock, ...] = ()


@dataclass(frozen=True)
class Row:
    key: str
    status: str
    """added, removed, changed, moved or renumbered."""
    new: Cell | None
    old: Cell | None
    """``None`` on the side where the item does not exist: 「（新設）」 or 「（削る）」."""


_LEFT_OUT = CellLine("", None)


def _ends_left_out(blocks: list[CellBlock]) -> bool:
    """Whether the cell so far ends in 「（略）」, so that another one would repeat it."""
    if not blocks:
        return False
    last = blocks[-1]
    return last.label is None or bool(last.lines and last.lines[-1].text is None)


def _collapse(lines: list[CellLine]) -> tuple[CellLine, ...]:
    """Runs of unchanged lines become one 「（略）」 (rows of a table shown, one row)."""
    out: list[CellLine] = []
    for line in lines:
        if line.text is None and out and out[-1].text is None and out[-1].table == line.table:
            continue
        out.append(line)
    return tuple(out)


def _whole_line(line: Line) -> CellLine:
    """A line new or gone: every character marked."""
    cells = tuple(Marked.whole(c) for c in line.cells)
    return CellLine(line.mark, Marked.whole(line.text), line.table, line.part, cells)


def _plain_line(line: Line) -> CellLine:
    """An unchanged line shown all the same: a header row, caption or source of a table
    some of whose rows changed."""
    cells = tuple(Marked.plain(c) for c in line.cells)
    return CellLine(line.mark, Marked.plain(line.text), line.table, line.part, cells)


def _compared_lines(a: Line, b: Line, widths: bool) -> tuple[CellLine, CellLine]:
    """An edited line at both revisions; a table row cell by cell (a row whose number of
    cells changed is changed as a whole)."""
    ma, mb = compare(a.text, b.text, widths=widths)
    if len(a.cells) == len(b.cells):
        pairs = [compare(x, y, widths=widths) for x, y in zip(a.cells, b.cells, strict=True)]
        ca, cb = tuple(x for x, _ in pairs), tuple(y for _, y in pairs)
    else:
        ca = tuple(Marked.whole(c) for c in a.cells)
        cb = tuple(Marked.whole(c) for c in b.cells)
    return (
        CellLine(a.mark, ma, a.table, a.part, ca),
        CellLine(b.mark, mb, b.table, b.part, cb),
    )


def _show_tables(out: list[tuple[CellLine, Line]]) -> list[CellLine]:
    """One side's lines, where a table some of whose rows are shown is shown as a table:
    its header rows, caption and source printed though unchanged, its unchanged rows left
    out as 「（略）」 rows. The left-out lines of a table not shown are like any others."""
    shown = {
        c.table
        for c, _ in out
        if c.table is not None and c.text is not None and c.part in ("head", "row")
    }
    lines = []
    for c, line in out:
        if c.text is None and c.table is not None:
            if c.table not in shown:
                c = _LEFT_OUT
            elif c.part != "row":
                c = _plain_line(line)
        lines.append(c)
    return lines


def _line_key(line: Line, widths: bool) -> str:
    return f"{line.mark}\x00{key(line.text, widths)}"


def _pair(old: list[Line], new: list[Line], widths: bool) -> list[tuple[Line | None, Line | None]]:
    """Pair the edited lines of a replaced run in order, each with its most alike successor."""
    pairs: list[tuple[Line | None, Line | None]] = []
    j = 0
    for line in old:
        scores = [
            (similarity(line.text, cand.text, widths=widths), k)
            for k, cand in enumerate(new[j:], j)
        ]
        best = max(scores, default=(0.0, -1))
        if best[0] < _PAIRING:
            pairs.append((line, None))
            continue
        pairs.extend((None, cand) for cand in new[j : best[1]])
        pairs.append((line, new[best[1]]))
        j = best[1] + 1
    pairs.extend((None, cand) for cand in new[j:])
    return pairs


def _diff_lines(
    old: tuple[Line, ...],
    new: tuple[Line, ...],
    widths: bool,
) -> tuple[list[CellLine], list[CellLine], bool]:
    """Compare two blocks' lines as sequences: (old side, new side, whether anything changed)."""
    ka = [_line_key(line, widths) for line in old]
    kb = [_line_key(line, widths) for line in new]
    old_out: list[tuple[CellLine, Line]] = []
    new_out: list[tuple[CellLine, Line]] = []
    changed = False
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if tag == "equal":
            old_out.extend((_left_out(line), line) for line in old[i1:i2])
            new_out.extend((_left_out(line), line) for line in new[j1:j2])
            continue
        changed = True
        for a, b in _pair(list(old[i1:i2]), list(new[j1:j2]), widths):
            if a and b:
                ca, cb = _compared_lines(a, b, widths)
                old_out.append((ca, a))
                new_out.append((cb, b))
            elif a:
                old_out.append((_whole_line(a), a))
            elif b:
                new_out.append((_whole_line(b), b))
    return _show_tables(old_out), _show_tables(new_out), changed


def _left_out(line: Line) -> CellLine:
    """An unchanged line, left out as 「（略）」 (a table's, unless the table is shown)."""
    return CellLine("", None, line.table, line.part) if line.table is not None else _LEFT_OUT


def _whole_row(row: TableRow, status: str) -> CellRow:
    return CellRow(tuple(tuple(Marked.whole(t) for t in cell) for cell in row.cells), status)


def _whole_block(block: Block, status: str) -> CellBlock:
    """A block that is new or gone as a whole: every line, or every row, marked."""
    if block.rows is not None:
        rows = tuple(_whole_row(r, status) for r in block.rows)
        return CellBlock(block.label, header=block.header, rows=rows, notes=_has_notes(rows))
    return CellBlock(block.label, tuple(_whole_line(line) for line in block.lines))


def _whole_cell(item: Item, status: str) -> Cell:
    """An item added or removed as a whole: everything is marked."""
    blocks = tuple(_whole_block(b, status) for b in item.blocks if not b.empty)
    return Cell(
        Marked.plain(" › ".join(item.path)),
        Marked.whole(item.number),
        Marked.whole(item.title.text),
        (),
        blocks,
    )


def _compare_cells(
    old: tuple[str, ...],
    new: tuple[str, ...],
    widths: bool,
) -> tuple[tuple[Marked, ...], tuple[Marked, ...]]:
    """One cell of a ＫＰＩ at both revisions, line by line (a value, then its year)."""
    if len(old) != len(new):  # a value set or made pending: the cell changed as a whole
        a = "\n".join(old)
        b = "\n".join(new)
        if key(a, widths) == key(b, widths):
            return tuple(Marked.plain(t) for t in old), tuple(Marked.plain(t) for t in new)
        return tuple(Marked.whole(t) for t in old), tuple(Marked.whole(t) for t in new)
    pairs = [compare(a, b, widths=widths) for a, b in zip(old, new, strict=True)]
    return tuple(a for a, _ in pairs), tuple(b for _, b in pairs)


def _diff_table(old: Block, new: Block, widths: bool) -> tuple[CellBlock, CellBlock, bool]:
    """Two 【ＫＰＩ】 tables: rows matched by the ＫＰＩ's id, each side in its own order with
    every row shown; changed cells marked, an added row (new side) or a removed one (old
    side) marked as a whole, a row out of the others' order marked as a whole on both."""
    old_rows, new_rows = old.rows or (), new.rows or ()
    old_by = {r.ident: r for r in old_rows}
    new_by = {r.ident: r for r in new_rows}
    a = [r.ident for r in old_rows if r.ident in new_by]
    b = [r.ident for r in new_rows if r.ident in old_by]
    kept: set[str] = set()
    for match in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        kept.update(a[match.a : match.a + match.size])
    pairs: dict[str, tuple[tuple[tuple[Marked, ...], ...], tuple[tuple[Marked, ...], ...]]] = {}
    for ident in a:
        compared = [
            _compare_cells(x, y, widths)
            for x, y in zip(old_by[ident].cells, new_by[ident].cells, strict=True)
        ]
        pairs[ident] = (tuple(x for x, _ in compared), tuple(y for _, y in compared))

    def side(
        rows: tuple[TableRow, ...], other: dict[str, TableRow], index: int, gone: str
    ) -> tuple[CellRow, ...]:
        out = []
        for row in rows:
            if row.ident not in other:
                out.append(_whole_row(row, gone))
            elif row.ident not in kept:
                out.append(_whole_row(row, "moved"))
            else:
                cells = pairs[row.ident][index]
                out.append(
                    CellRow(cells, "changed" if any(m.changed for c in cells for m in c) else "")
                )
        return tuple(out)

    old_side = side(old_rows, new_by, 0, "removed")
    new_side = side(new_rows, old_by, 1, "added")
    changed = any(r.status for r in (*old_side, *new_side)) or old.header != new.header
    notes = _has_notes((*old_side, *new_side))
    return (
        CellBlock(old.label, header=old.header, rows=old_side, notes=notes),
        CellBlock(new.label, header=new.header, rows=new_side, notes=notes),
        changed,
    )


def _has_notes(rows: tuple[CellRow, ...]) -> bool:
    """Whether any row has a 備考 (the last cell): an empty column takes no width."""
    return any(r.cells and any(m.text for m in r.cells[-1]) for r in rows)


def _diff_blocks(old: Block, new: Block, widths: bool) -> tuple[CellBlock, CellBlock, bool]:
    """One block at both revisions: (old side, new side, whether anything changed)."""
    if old.rows is not None and new.rows is not None:
        return _diff_table(old, new, widths)
    if old.rows is not None or new.rows is not None:
        # A table replaced by lines or the other way (「（今後設定）」 → the ＫＰＩ set): each side whole.
        return (
            _whole_block(old, "removed"),
            _whole_block(new, "added"),
            not (old.empty and new.empty),
        )
    a, b, changed = _diff_lines(old.lines, new.lines, widths)
    return CellBlock(old.label, _collapse(a)), CellBlock(new.label, _collapse(b)), changed


def _compare_items(old: Item, new: Item, moved: bool, widths: bool) -> Row | None:
    """The row for an item present in both revisions, or ``None`` if nothing changed."""
    old_title, new_title = compare(old.title.text, new.title.text, widths=widths)
    renumbered = old.number != new.number
    old_no = Marked.whole(old.number) if renumbered else Marked.plain(old.number)
    new_no = Marked.whole(new.number) if renumbered else Marked.plain(new.number)

    old_blocks: list[CellBlock] = []
    new_blocks: list[CellBlock] = []
    content_changed = new_title.changed or old_title.changed
    former = {b.name: b for b in old.blocks}
    latter = {b.name: b for b in new.blocks}
    names = [b.name for b in new.blocks] + [b.name for b in old.blocks if b.name not in latter]
    for name in names:
        block = latter.get(name) or Block(name, former[name].label, ())
        before = former.get(name) or Block(name, block.label, ())
        a, b, changed = _diff_blocks(before, block, widths)
        if before.label and block.label and key(before.label, widths) != key(block.label, widths):
            # the same part under a label worded anew: the label is marked on both sides
            changed = True
            a = dataclasses.replace(a, relabelled=True)
            b = dataclasses.replace(b, relabelled=True)
        if not changed:
            if not (before.empty and block.empty):
                for side in (old_blocks, new_blocks):
                    if not _ends_left_out(side):
                        side.append(CellBlock(None))
            continue
        content_changed = True
        # A side shows the block if it has one (a table even with no rows left).
        if not before.empty or before.rows is not None:
            old_blocks.append(a)
        if not block.empty or block.rows is not None:
            new_blocks.append(b)
    if not (content_changed or moved or renumbered):
        return None

    notes = ("（移動）",) if moved else ()
    old_path, new_path = (
        compare(" › ".join(old.path), " › ".join(new.path), widths=widths)
        if moved
        else (Marked.plain(" › ".join(old.path)), Marked.plain(" › ".join(new.path)))
    )
    status = "changed" if content_changed else "moved" if moved else "renumbered"
    return Row(
        new.key,
        status,
        new=Cell(new_path, new_no, new_title, notes, tuple(new_blocks)),
        old=Cell(old_path, old_no, old_title, notes, tuple(old_blocks)),
    )


def _moved(old: list[Item], new: list[Item]) -> set[str]:
    """Keys of the items that changed place: another container, or out of their siblings' order."""
    old_by = {i.key: i for i in old}
    new_by = {i.key: i for i in new}
    common = [k for k in new_by if k in old_by and new_by[k].container != FOOTNOTES]
    moved = {k for k in common if old_by[k].container != new_by[k].container}
    for container in {new_by[k].container for k in common} - {old_by[k].container for k in moved}:
        stay = {k for k in common if k not in moved and new_by[k].container == container}
        a = [i.key for i in old if i.key in stay]
        b = [i.key for i in new if i.key in stay]
        kept = set()
        for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
            kept.update(a[block.a : block.a + block.size])
        moved |= stay - kept
    return moved


#: How the summary at the top of the table names each row status, in its order. A row
#: whose item moved and changed counts as 修正 (it still reads 「（移動）」).
SUMMARY = (
    ("added", "新設"),
    ("removed", "削除"),
    ("changed", "修正"),
    ("moved", "移動"),
    ("renumbered", "番号のみの変更"),
)


def summary(rows: list[Row]) -> list[tuple[str, int]]:
    """The count of rows of each status, as the table's summary shows them; 番号のみの変更
    only when there are any."""
    counts = {status: sum(r.status == status for r in rows) for status, _ in SUMMARY}
    return [
        (name, counts[status])
        for status, name in SUMMARY
        if counts[status] or status != "renumbered"
    ]


def compare_plans(
    old_plan: Plan, new_plan: Plan, *, widths: bool = False, lists: bool = False
) -> list[Row]:
    """The rows of the 新旧対照表: only what changed, in the revised plan's order, with
    removed items placed after the item that preceded them. The generated lists (目次,
    政策パッケージ一覧, ＫＰＩ一覧, 未定事項一覧) are compared only with ``lists``."""
    old, new = flatten(old_plan, lists=lists), flatten(new_plan, lists=lists)
    old_by = {i.key: i for i in old}
    new_index = {i.key: n for n, i in enumerate(new)}
    moved = _moved(old, new)

    placed: list[tuple[tuple[int, int, int], Row]] = []
    for n, item in enumerate(new):
        before = old_by.get(item.key)
        if before is None:
            placed.append(
                ((n, 0, 0), Row(item.key, "added", new=_whole_cell(item, "added"), old=None))
            )
            continue
        row = _compare_items(before, item, item.key in moved, widths)
        if row:
            placed.append(((n, 0, 0), row))
    anchor = -1
    for m, item in enumerate(old):
        if item.key in new_index:
            anchor = new_index[item.key]
            continue
        placed.append(
            ((anchor, 1, m), Row(item.key, "removed", new=None, old=_whole_cell(item, "removed")))
        )
    return [row for _, row in sorted(placed, key=lambda p: p[0])]


__all__ = [
    "Block",
    "Cell",
    "CellBlock",
    "CellLine",
    "CellRow",
    "CellTable",
    "Item",
    "Line",
    "Row",
    "TableRow",
    "compare_plans",
    "flatten",
    "footnote_numbers",
    "summary",
]
