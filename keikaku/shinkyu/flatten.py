"""The plan flattened into the 新旧対照表's items (``items``), from its printed model
(``tree/``): the cover, every heading, every figure drawn from data, every footnote, the
概要, and with ``lists`` the generated lists; see the package's description."""

from __future__ import annotations

import dataclasses
from typing import assert_never

from .. import model, tree
from ..model import Plan, Section
from ..outline import heading_line
from .items import FOOTNOTES, Block, Item, Line, TableRow

#: The indent of each level of a nested list, before its marker.
_INDENT = "　"
#: The 概要's item: its key and container, and the path the table shows it under.
OVERVIEW, OVERVIEW_PATH = "overview", "概要"


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
        from ..overview import OverviewFile, sheet

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
