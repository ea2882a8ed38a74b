"""Compare two revisions of the plan for the 新旧対照表 (``build.py diff``).

Each plan is first flattened into *items* in document order: the cover, every heading
of the document tree (節・項, 基本的な課題認識, 目指す社会の姿, 重点目標, ≪…≫, 政策パッケージ),
every ＫＰＩ and every footnote. An item carries its heading path and number as the PDF
prints them (from the draft outline, ``outline.py``), its title, and *blocks* of lines:
the body of a heading (its paragraphs, list items, notes, table rows … in order) is one
block; a 政策パッケージ has one block per 【…】 part. Headings below an item are items of
their own, so a changed ＫＰＩ does not drag its whole 政策パッケージ into the table.

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
from dataclasses import dataclass
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
class Block:
    """A run of an item's lines: its body, one 【…】 part of a package, or one field.
    ``label`` is shown as 【label】; "" shows none (a heading's body)."""

    name: str
    label: str
    lines: tuple[Line, ...]


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
        for entity in (*plan.index.visions.values(), *plan.index.challenges, *plan.index.sections.values()):
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
            lines.append(Line(f"{Pending.__dataclass_fields__['what'].metadata['ja']}：{value.what.display}", mark))
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
                mark = ("" if b.marker == "none" else list_marker(n, b.marker) if b.marker in NUMBERED_MARKERS
                        else b.marker)
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
            return [Line(b.caption.display, indent), Line(f"{ja['alt']}：{b.alt.display}", indent),
                    Line(self.label("source") + b.source.display, indent), Line(f"{ja['src']}：{b.src}", indent)]
        if isinstance(b, Diagram):
            out = [Line(b.caption.display, indent)]
            for name in ("section", "base"):
                if getattr(b, name):
                    ja = Diagram.__dataclass_fields__[name].metadata["ja"]
                    out.append(self.ref(getattr(b, name), indent, f"{ja}："))
            for link in b.links:
                out.append(Line(f"{self.titles.get(link.challenge, link.challenge)}→"
                                f"{self.titles.get(link.vision, link.vision)}", indent,
                                ident=f"{link.challenge}→{link.vision}"))
            return out
        if isinstance(b, Pending):
            return self._pending(b, "pending_text", indent)
        if isinstance(b, (MarkdownBlock, MarkdownFile)):
            return _prose(b.prose, indent)
        if isinstance(b, Generated):
            # The list itself is made from the data compared elsewhere; its caption is the editors'.
            return [Line(b.caption.display, indent)] if b.caption else []
        return []  # 改ページ; an include is resolved by the loader

    # -- typed fields (the cover, a ＫＰＩ)

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
        return tuple(Block(f.name, f.metadata.get("ja", f.name), tuple(self.field_lines(getattr(obj, f.name))))
                     for f in dataclasses.fields(cls)
                     if f.name not in ("id", "title", *skip) and not f.metadata.get("derived"))

    # -- the blocks of a heading

    def heading_blocks(self, node: Any) -> tuple[Block, ...]:
        if isinstance(node, PolicyPackage):
            blocks: list[Block] = []
            for part in node.parts:
                name = part.label
                while name in {b.name for b in blocks}:  # the same 【…】 twice: keep both, in order
                    name += "#"
                if isinstance(part, KpiPart):
                    # ＫＰＩ are items of their own; the empty block still pairs with a
                    # former 「（今後設定）」 so that its replacement shows.
                    lines = self._pending(part.kpis, "pending_value") if isinstance(part.kpis, Pending) else []
                else:
                    lines = self.lines(part.body)
                blocks.append(Block(name, self.label(part.label), tuple(lines)))
            return tuple(blocks)
        blocks = []
        if isinstance(node, Section) and node.title_note:
            ja = Section.__dataclass_fields__["title_note"].metadata["ja"]
            blocks.append(Block("title_note", ja, (Line(node.title_note.display),)))
        blocks.append(Block("body", "", tuple(self.lines(node.body))))
        if isinstance(node, Vision):
            fields = Vision.__dataclass_fields__
            blocks.append(Block("goal", fields["goal"].metadata["ja"], (self.ref(node.goal),)))
            blocks.append(Block("theme_examples", fields["theme_examples"].metadata["ja"],
                                tuple(Line(t.display, "○") for t in node.theme_examples)))
        return tuple(blocks)

    # -- items

    def add(self, key: str, container: str, path: tuple[str, ...], no: str, title: Line,
            blocks: tuple[Block, ...]) -> str:
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
        key = self.add(self.key_of(node, h), container, h.path, h.label, self.title_of(node, h),
                       self.heading_blocks(node))
        if isinstance(node, PolicyPackage) and isinstance(node.kpis, tuple):
            for kpi in node.kpis:
                self.add(kpi.id, key, (*h.path, h.line), self.label("kpis"), Line(kpi.indicator.display),
                         self.field_blocks(kpi, model.Kpi, skip=("indicator",)))
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
        own = tuple(Line(f"{k}：{v.display}") for k, v in plan.labels.items() if v.pos.path != model.DEFAULTS_POS)
        labels = Block("labels", model.PlanFile.__dataclass_fields__["labels"].metadata["ja"], own)
        self.add("meta", "plan", ("表紙",), "", Line(plan.meta.title.display), (*meta, labels))
        self.headings(plan.parts, "plan")
        for fid, text in plan.footnotes.items():
            self.add(f"footnote:{fid}", "footnotes", ("脚注",), "", Line(f"脚注「{fid}」"),
                     (Block("text", "本文", (Line(text.display),)),))
        return self.items


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
class CellBlock:
    label: str | None
    """``None`` for 「（略）」: unchanged blocks left out."""
    lines: tuple[CellLine, ...] = ()


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
    return f"{line.mark}\x00{line.ident}" if line.ident else f"{line.mark}\x00{key(line.text, widths)}"


def _pair(old: list[Line], new: list[Line], widths: bool) -> list[tuple[Line | None, Line | None]]:
    """Pair the edited lines of a replaced run in order, each with its most alike successor."""
    pairs: list[tuple[Line | None, Line | None]] = []
    j = 0
    for line in old:
        scores = [(similarity(line.text, cand.text, widths=widths), k) for k, cand in enumerate(new[j:], j)]
        best = max(scores, default=(0.0, -1))
        if best[0] < _PAIRING:
            pairs.append((line, None))
            continue
        pairs.extend((None, cand) for cand in new[j:best[1]])
        pairs.append((line, new[best[1]]))
        j = best[1] + 1
    pairs.extend((None, cand) for cand in new[j:])
    return pairs


def _diff_lines(old: tuple[Line, ...], new: tuple[Line, ...], widths: bool,
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


def _whole_cell(item: Item, notes: tuple[str, ...] = ()) -> Cell:
    """An item added or removed as a whole: everything is marked."""
    blocks = tuple(CellBlock(b.label, tuple(CellLine(line.mark, Marked.whole(line.text)) for line in b.lines))
                   for b in item.blocks if b.lines)
    return Cell(Marked.plain(" › ".join(item.path)), Marked.whole(item.number),
                Marked.whole(item.title.text), notes, blocks)


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
        a, b, changed = _diff_lines(before.lines, block.lines, widths)
        if not changed:
            if before.lines or block.lines:
                for side in (old_blocks, new_blocks):
                    if not _ends_left_out(side):
                        side.append(CellBlock(None))
            continue
        content_changed = True
        if before.lines:
            old_blocks.append(CellBlock(before.label, _collapse(a)))
        if block.lines:
            new_blocks.append(CellBlock(block.label, _collapse(b)))
    if not (content_changed or moved or renumbered):
        return None

    notes = ("（移動）",) if moved else ()
    old_path, new_path = (compare(" › ".join(old.path), " › ".join(new.path), widths=widths) if moved
                          else (Marked.plain(" › ".join(old.path)), Marked.plain(" › ".join(new.path))))
    status = "changed" if content_changed else "moved" if moved else "renumbered"
    return Row(new.key, status,
               new=Cell(new_path, new_no, new_title, notes, tuple(new_blocks)),
               old=Cell(old_path, old_no, old_title, notes, tuple(old_blocks)))


def _moved(old: list[Item], new: list[Item]) -> set[str]:
    """Keys of the items that changed place: another container, or out of their siblings' order."""
    old_by = {i.key: i for i in old}
    new_by = {i.key: i for i in new}
    common = [k for k in new_by if k in old_by]
    moved = {k for k in common if old_by[k].container != new_by[k].container}
    for container in {new_by[k].container for k in common} - {old_by[k].container for k in moved}:
        stay = {k for k in common if k not in moved and new_by[k].container == container}
        a = [i.key for i in old if i.key in stay]
        b = [i.key for i in new if i.key in stay]
        kept = set()
        for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
            kept.update(a[block.a:block.a + block.size])
        moved |= stay - kept
    return moved


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
            placed.append(((n, 0, 0), Row(item.key, "added", new=_whole_cell(item), old=None)))
            continue
        row = _compare_items(before, item, item.key in moved, widths)
        if row:
            placed.append(((n, 0, 0), row))
    anchor = -1
    for m, item in enumerate(old):
        if item.key in new_index:
            anchor = new_index[item.key]
            continue
        placed.append(((anchor, 1, m), Row(item.key, "removed", new=None, old=_whole_cell(item))))
    return [row for _, row in sorted(placed, key=lambda p: p[0])]


__all__ = ["Block", "Cell", "CellBlock", "CellLine", "Item", "Line", "Row", "compare_plans", "flatten"]
