"""Compare two revisions of the plan for the 新旧対照表 (``build.py diff``).

Each plan is first flattened into *items* in document order: the cover, every heading
of the document tree (節・項, 基本的な課題認識, 目指す社会の姿, 重点目標, ≪…≫, 政策パッケージ)
and every footnote. An item carries its heading path and number as the PDF prints them
(from the draft outline, ``outline.py``), its title, and *blocks* of lines: the body of a
heading (its paragraphs, list items, notes, table rows … in order) is one block; a
政策パッケージ has one block per 【…】 part, its 【ＫＰＩ】 a table as the plan prints it
(指標｜単位｜基準値｜目標値｜備考, one row per ＫＰＩ, rows matched by the ＫＰＩ's id, the
changed cells marked). Headings below an item are items of their own. A footnote is
shown by the number the PDF prints (※1, ※2 …), never by its id.

Items are matched across revisions by key (the heading's id), never by position. An
item whose content is the same but which stands under another parent heading, or out of
order among the siblings both revisions share, is a move (「（移動）」), not a deletion
plus an addition. Lines without ids (the ■ and ・ points of a package, the agenda of a
meeting) are compared as a sequence within their block. Texts are compared as printed,
with 「※」 for a footnote call; Markdown prose by its source lines.
"""

from __future__ import annotations

import dataclasses
import difflib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import model
from .model import (
    HEADINGS,
    NUMBERED_MARKERS,
    BulletList,
    Diagram,
    Figure,
    Generated,
    GoalOutline,
    KpiPart,
    ListItem,
    MarkdownBlock,
    MarkdownFile,
    Note,
    PackageGroup,
    Paragraph,
    Pending,
    Plan,
    PolicyPackage,
    Section,
    Table,
    Text,
    Vision,
)
from .outline import Heading, list_marker
from .textdiff import Marked, compare, key, similarity

#: Edited lines of a list are paired with their former version when at least this alike;
#: less alike, they are shown as one line removed and one added.
_PAIRING = 0.4
#: The indent of each level of a nested list, before its marker.
_INDENT = "　"
#: The container of the footnotes: their order is their numbers', so they never move.
FOOTNOTES = "footnotes"


@dataclass(frozen=True)
class Line:
    """One line of a block: a paragraph, a ■/・ point, a table row, a reference shown by
    its title."""

    text: str
    mark: str = ""
    ident: str | None = None
    """For a reference: the id it points to. The line is compared by it, not by the
    title it shows, so renaming the target does not mark every reference as changed."""


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


def _number(value: Any) -> str:
    """A KPI value as printed: numbers as written in the data (1200.0 shows as 1200)."""
    if isinstance(value, Text):
        return value.display
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _prose(prose: model.Prose, mark: str = "") -> list[Line]:
    """Markdown: one line per non-empty source line."""
    return [Line(line.strip(), mark) for line in prose.raw.splitlines() if line.strip()]


class _Flattener:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.outline = plan.outline(True)
        self.labels = plan.labels
        self.items: list[Item] = []
        self.keys: set[str] = set()
        self.titles: dict[str, str] = {}
        for goal in plan.goals:
            self.titles[goal.id] = goal.title.display
        entities: list[model.Vision | model.Challenge | model.Section] = [
            *plan.index.visions.values(),
            *plan.index.challenges,
            *plan.index.sections.values(),
        ]
        for entity in entities:
            self.titles[entity.id] = entity.title.display

    def label(self, name: str) -> str:
        text = self.labels.get(name)
        return text.display if text is not None else name

    def ref(self, ident: str, mark: str = "", prefix: str = "") -> Line:
        return Line(prefix + self.titles.get(ident, ident), mark, ident=f"{prefix}{ident}")

    # -- the lines of blocks

    def _pending(self, value: Pending, default: str, mark: str = "") -> list[Line]:
        shown = value.label.display if value.label else self.label(default)
        lines = [Line(shown + value.pending.display, mark)]
        if value.what:
            lines.append(
                Line(
                    f"{Pending.__dataclass_fields__['what'].metadata['ja']}：{value.what.display}",
                    mark,
                )
            )
        return lines

    def lines(self, blocks: tuple[Any, ...], depth: int = 0) -> list[Line]:
        """The lines of a body's blocks in order; headings are items of their own."""
        out: list[Line] = []
        for b in blocks:
            if not isinstance(b, HEADINGS):
                out.extend(self.block_lines(b, depth))
        return out

    def block_lines(self, b: Any, depth: int) -> list[Line]:
        indent = _INDENT * depth
        if isinstance(b, Paragraph):
            return [Line((b.label.display if b.label else "") + b.text.display, indent)]
        if isinstance(b, BulletList):
            out: list[Line] = []
            for n, item in enumerate(b.items, 1):
                mark = (
                    ""
                    if b.marker == "none"
                    else list_marker(n, b.marker)
                    if b.marker in NUMBERED_MARKERS
                    else b.marker
                )
                text = item.text if isinstance(item, ListItem) else item
                out.append(Line(text.display, indent + mark))
                if isinstance(item, ListItem):
                    out.extend(self.lines(item.body, depth + 1))
            return out
        if isinstance(b, Note):
            return [Line(b.text.display, indent + b.mark)]
        if isinstance(b, Table):
            out = [Line(b.caption.display, indent)] if b.caption else []
            out.extend(Line("｜".join(c.display for c in row), indent) for row in b.rows)
            if b.source:
                out.append(Line(self.label("source") + b.source.display, indent))
            return out
        if isinstance(b, Figure):
            ja = {f.name: f.metadata["ja"] for f in dataclasses.fields(Figure)}
            return [
                Line(b.caption.display, indent),
                Line(f"{ja['alt']}：{b.alt.display}", indent),
                Line(self.label("source") + b.source.display, indent),
                Line(f"{ja['src']}：{b.src}", indent),
            ]
        if isinstance(b, Diagram):
            out = [Line(b.caption.display, indent)]
            for name in ("section", "base"):
                if getattr(b, name):
                    ja = Diagram.__dataclass_fields__[name].metadata["ja"]
                    out.append(self.ref(getattr(b, name), indent, f"{ja}："))
            for link in b.links:
                out.append(
                    Line(
                        f"{self.titles.get(link.challenge, link.challenge)}→"
                        f"{self.titles.get(link.vision, link.vision)}",
                        indent,
                        ident=f"{link.challenge}→{link.vision}",
                    )
                )
            return out
        if isinstance(b, Pending):
            return self._pending(b, "pending_text", indent)
        if isinstance(b, (MarkdownBlock, MarkdownFile)):
            return _prose(b.prose, indent)
        if isinstance(b, Generated):
            # The list itself is made from the data compared elsewhere; its caption is the editors'.
            return [Line(b.caption.display, indent)] if b.caption else []
        return []  # 改ページ; an include is resolved by the loader

    # -- typed fields (the cover)

    def field_lines(self, value: Any) -> list[Line]:
        if value is None:
            return []
        if isinstance(value, Pending):
            return self._pending(value, "pending_value")
        if isinstance(value, Text):
            return [Line(value.display)]
        if isinstance(value, model.KpiValue):
            return [Line(f"{_number(value.value)}（{value.year.display}）")]
        if isinstance(value, tuple):
            return [Line(v.display) for v in value]
        return [Line(str(value))]

    def field_blocks(self, obj: Any, cls: type, skip: tuple[str, ...] = ()) -> tuple[Block, ...]:
        return tuple(
            Block(
                f.name, f.metadata.get("ja", f.name), tuple(self.field_lines(getattr(obj, f.name)))
            )
            for f in dataclasses.fields(cls)
            if f.name not in ("id", "title", *skip) and not f.metadata.get("derived")
        )

    # -- the 【ＫＰＩ】 of a package

    def kpi_value(self, value: model.KpiValue | Pending) -> tuple[str, ...]:
        """A 基準値 or 目標値 cell as the plan prints it: the value and 「（year）」 under it;
        「（今後設定）」 with the reason (and its name in the 未定事項一覧) under it."""
        if isinstance(value, Pending):
            shown = value.label.display if value.label else self.label("pending_value")
            return (shown, value.pending.display, *((value.what.display,) if value.what else ()))
        return (_number(value.value), f"（{value.year.display}）")

    def kpi_block(self, name: str, part: KpiPart) -> Block:
        """The 【ＫＰＩ】 part: a table as the plan prints it, or its 「（今後設定）」."""
        label = self.label(part.label)
        if isinstance(part.kpis, Pending):
            return Block(name, label, tuple(self._pending(part.kpis, "pending_value")))
        header = tuple(
            self.label(k)
            for k in ("kpi_indicator", "kpi_unit", "kpi_baseline", "kpi_target", "kpi_notes")
        )
        rows = tuple(
            TableRow(
                k.id,
                (
                    (k.indicator.display,),
                    (k.unit.display if k.unit else self.label("kpi_no_unit"),),
                    self.kpi_value(k.baseline),
                    self.kpi_value(k.target),
                    (k.notes.display if k.notes else "",),
                ),
            )
            for k in part.kpis
        )
        return Block(name, label, (), header, rows)

    # -- the blocks of a heading

    def heading_blocks(self, node: Any) -> tuple[Block, ...]:
        if isinstance(node, PolicyPackage):
            blocks: list[Block] = []
            for part in node.parts:
                name = part.label
                while name in {b.name for b in blocks}:  # the same 【…】 twice: keep both, in order
                    name += "#"
                if isinstance(part, KpiPart):
                    blocks.append(self.kpi_block(name, part))
                else:
                    blocks.append(Block(name, self.label(part.label), tuple(self.lines(part.body))))
            return tuple(blocks)
        blocks = []
        if isinstance(node, Section) and node.title_note:
            ja = Section.__dataclass_fields__["title_note"].metadata["ja"]
            blocks.append(Block("title_note", ja, (Line(node.title_note.display),)))
        blocks.append(Block("body", "", tuple(self.lines(node.body))))
        if isinstance(node, Vision):
            fields = Vision.__dataclass_fields__
            blocks.append(Block("goal", fields["goal"].metadata["ja"], (self.ref(node.goal),)))
            blocks.append(
                Block(
                    "theme_examples",
                    fields["theme_examples"].metadata["ja"],
                    tuple(Line(t.display, "○") for t in node.theme_examples),
                )
            )
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

    def key_of(self, node: Any, heading: Heading) -> str:
        if isinstance(node, PackageGroup):
            return heading.anchor
        if isinstance(node, GoalOutline):
            return f"outline:{node.goal}"
        return node.id

    def title_of(self, node: Any, heading: Heading) -> Line:
        if isinstance(node, PackageGroup):
            return Line(heading.display, ident=node.vision)
        if isinstance(node, GoalOutline):
            return Line(heading.display, ident=node.goal)
        return Line(heading.display)

    def heading(self, node: Any, container: str) -> None:
        """The item of a heading, then the items below it."""
        h = self.outline.of(node)
        key = self.add(
            self.key_of(node, h),
            container,
            h.path,
            h.label,
            self.title_of(node, h),
            self.heading_blocks(node),
        )
        self.headings(model.children(node), key)

    def headings(self, blocks: tuple[Any, ...], container: str) -> None:
        for b in blocks:
            if isinstance(b, HEADINGS):
                self.heading(b, container)
            else:  # a heading inside a list item or a package's part
                self.headings(model.children(b), container)

    def run(self) -> list[Item]:
        plan = self.plan
        meta = self.field_blocks(plan.meta, model.PlanMeta)
        own = tuple(
            Line(f"{k}：{v.display}")
            for k, v in plan.labels.items()
            if v.pos.path != model.DEFAULTS_POS
        )
        labels = Block("labels", model.PlanFile.__dataclass_fields__["labels"].metadata["ja"], own)
        self.add("meta", "plan", ("表紙",), "", Line(plan.meta.title.display), (*meta, labels))
        self.headings(plan.parts, "plan")
        # A footnote by the number the PDF prints, never by its id; the id only matches it
        # across revisions. One the text never calls is not printed, and shown as such.
        numbers = footnote_numbers(plan)
        for fid, text in sorted(
            plan.footnotes.items(), key=lambda f: (0, numbers[f[0]]) if f[0] in numbers else (1, ())
        ):
            calls = numbers.get(fid)
            number = "、".join(f"※{n}" for n in calls) if calls else ""
            title = "" if calls else "（本文から呼び出されていない脚注）"
            self.add(
                f"footnote:{fid}",
                FOOTNOTES,
                ("脚注",),
                number,
                Line(title),
                (Block("text", "", (Line(text.display),)),),
            )
        return self.items


_FOOTNOTE_CALL = re.compile(r'<span class="footnote" data-footnote="([^"]*)"')


def footnote_numbers(plan: Plan) -> dict[str, tuple[int, ...]]:
    """The numbers each footnote is printed with, by id: the draft document is rendered and
    its footnote calls counted in order, as the PDF's CSS counter counts them (a footnote
    called twice, say in a ＫＰＩ and again in the ＫＰＩ一覧, is printed twice)."""
    from .render import Renderer

    document = Renderer().render(plan, "", datetime(2000, 1, 1, tzinfo=UTC), draft=True)
    numbers: dict[str, list[int]] = {}
    for n, match in enumerate(_FOOTNOTE_CALL.finditer(document), 1):
        numbers.setdefault(html.unescape(match.group(1)), []).append(n)
    return {fid: tuple(ns) for fid, ns in numbers.items()}


def flatten(plan: Plan) -> list[Item]:
    """The plan's items in document order."""
    return _Flattener(plan).run()


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class CellLine:
    mark: str
    text: Marked | None
    """``None`` for 「（略）」: unchanged lines left out."""


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
    """Runs of unchanged lines become one 「（略）」."""
    out: list[CellLine] = []
    for line in lines:
        if line.text is None and out and out[-1].text is None:
            continue
        out.append(line)
    return tuple(out)


def _line_key(line: Line, widths: bool) -> str:
    return (
        f"{line.mark}\x00{line.ident}" if line.ident else f"{line.mark}\x00{key(line.text, widths)}"
    )


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
    old_out: list[CellLine] = []
    new_out: list[CellLine] = []
    changed = False
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if tag == "equal":
            old_out.extend(_LEFT_OUT for _ in range(i1, i2))
            new_out.extend(_LEFT_OUT for _ in range(j1, j2))
            continue
        changed = True
        for a, b in _pair(list(old[i1:i2]), list(new[j1:j2]), widths):
            if a and b:
                ma, mb = compare(a.text, b.text, widths=widths)
                old_out.append(CellLine(a.mark, ma))
                new_out.append(CellLine(b.mark, mb))
            elif a:
                old_out.append(CellLine(a.mark, Marked.whole(a.text)))
            elif b:
                new_out.append(CellLine(b.mark, Marked.whole(b.text)))
    return old_out, new_out, changed


def _whole_row(row: TableRow, status: str) -> CellRow:
    return CellRow(tuple(tuple(Marked.whole(t) for t in cell) for cell in row.cells), status)


def _whole_block(block: Block, status: str) -> CellBlock:
    """A block that is new or gone as a whole: every line, or every row, marked."""
    if block.rows is not None:
        return CellBlock(
            block.label, header=block.header, rows=tuple(_whole_row(r, status) for r in block.rows)
        )
    return CellBlock(
        block.label, tuple(CellLine(line.mark, Marked.whole(line.text)) for line in block.lines)
    )


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
    return (
        CellBlock(old.label, header=old.header, rows=old_side),
        CellBlock(new.label, header=new.header, rows=new_side),
        changed,
    )


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
    if old.title.ident and old.title.ident == new.title.ident:
        old_title, new_title = Marked.plain(old.title.text), Marked.plain(new.title.text)
    else:
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


def compare_plans(old_plan: Plan, new_plan: Plan, *, widths: bool = False) -> list[Row]:
    """The rows of the 新旧対照表: only what changed, in the revised plan's order, with
    removed items placed after the item that preceded them."""
    old, new = flatten(old_plan), flatten(new_plan)
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
    "Item",
    "Line",
    "Row",
    "TableRow",
    "compare_plans",
    "flatten",
    "footnote_numbers",
    "summary",
]
