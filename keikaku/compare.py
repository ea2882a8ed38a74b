"""Compare two revisions of the plan for the 新旧対照表 (``build.py diff``).

Each plan is first flattened into *items* in document order: the cover, each chapter
and section, and every entity with an ``id`` (plus the ≪…≫ groups, identified by their
目指す社会の姿, and the footnotes, by their key). An item carries its heading path and
number as the PDF prints them, its title, and *blocks*: its own text fields, each a
list of lines. Child entities are items of their own, so a changed ＫＰＩ does not drag
its whole 政策パッケージ into the table.

Items are matched across revisions by key, never by position. An item whose content is
the same but which stands under another parent, or out of order among the siblings both
revisions share, is a move (「（移動）」), not a deletion plus an addition. Lines without
ids (the ■ and ・ points of a package, the agenda of a meeting) are compared as a
sequence within their block. Texts are compared with the raw source (inline Markdown),
as the model intends for diffs.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any

from . import model
from .model import Pending, Plan, Prose, Text, fields_of
from .render import number
from .textdiff import Marked, compare, key, similarity

#: Marks printed before the lines of list fields, as the plan's templates print them.
_MARKS = {
    ("PolicyPackage", "directions"): "■",
    ("Pillar", "points"): "○",
    ("ManagementSection", "spiral_points"): "○",
    ("Vision", "theme_examples"): "○",
}
#: List fields printed as paragraphs, without a mark.
_PARAGRAPHS = {"lead", "keywords"}
#: Edited lines of a list are paired with their former version when at least this alike;
#: less alike, they are shown as one line removed and one added.
_PAIRING = 0.4


@dataclass(frozen=True)
class Line:
    """One line of a block: a paragraph, a ■/・ point, a reference shown by its title."""

    text: str
    mark: str = ""
    ident: str | None = None
    """For a reference: the id it points to. The line is compared by it, not by the
    title it shows, so renaming the target does not mark every reference as changed."""


@dataclass(frozen=True)
class Block:
    """One text field of an item: 【label】 and its lines."""

    name: str
    label: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Item:
    """One entity of the plan as the 新旧対照表 shows it."""

    key: str
    container: str
    """The key of the list it stands in; a different container across revisions is a move."""
    path: tuple[str, ...]
    """The headings above it, with their numbers (第３章 …, 第１節 …, １ ≪…≫)."""
    number: str
    title: Line
    blocks: tuple[Block, ...]


# ------------------------------------------------------------------ flattening


def heading(no: str, title: str) -> str:
    """A heading as one line: 第１章　題名, １　題名, （１）題名 (a bracket needs no space)."""
    if not no:
        return title
    return f"{no}{title}" if no.endswith("）") else f"{no}　{title}"


def _hints(cls: type) -> dict[str, Any]:
    return {f.name: tp for f, tp in fields_of(cls)}


class _Flattener:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.items: list[Item] = []
        self.keys: set[str] = set()
        self.titles: dict[str, str] = {}
        for goal in plan.goals:
            self.titles[goal.id] = goal.title.display
        for entity in (*plan.direction.society.visions, *plan.direction.society.challenges):
            self.titles[entity.id] = entity.title.display

    # -- lines of one field

    def _pending(self, value: Pending, prose: bool) -> list[Line]:
        return [Line(("（今後記述）" if prose else "（今後設定）") + value.pending.display)]

    def _lines(self, cls: type, name: str, tp: Any, value: Any, ref: str | None) -> list[Line] | None:
        """The lines of a field, or ``None`` for fields that hold child items."""
        options = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
        if value is None:
            return []
        if isinstance(value, Pending):
            return self._pending(value, Prose in options)
        if isinstance(value, Text):
            return [Line(value.display)]
        if isinstance(value, Prose):
            return [Line(line.strip()) for line in value.raw.splitlines() if line.strip()]
        if isinstance(value, model.KpiValue):
            return [Line(f"{value.value.display}（{value.year.display}）")]
        if isinstance(value, str):
            return [Line(self.titles.get(value, value), ident=value)] if ref else [Line(value)]
        if isinstance(value, tuple):
            if not value:
                return []
            first = value[0]
            if isinstance(first, Text):
                mark = "" if name in _PARAGRAPHS else _MARKS.get((cls.__name__, name), "・")
                return [Line(t.display, mark) for t in value]
            if isinstance(first, str):
                return [Line(self.titles.get(v, v), "・", ident=v) for v in value]
            if isinstance(first, model.GoalOutline):
                return self._outlines(value)
            if isinstance(first, model.AgendaItem):
                return self._agenda(value, 0)
            if isinstance(first, model.Kpi):
                # ＫＰＩ are items of their own; the empty block still pairs with a
                # former 「（今後設定）」 so that its replacement shows.
                return []
            return None if hasattr(first, "id") else []
        if dataclasses.is_dataclass(value):
            return None
        raise TypeError(f"no lines for {cls.__name__}.{name}")

    def _outlines(self, outlines: tuple[model.GoalOutline, ...]) -> list[Line]:
        lines = []
        for outline in outlines:
            lines.append(Line(self.titles.get(outline.goal, outline.goal), "○", ident=outline.goal))
            if outline.note:
                lines.append(Line(outline.note.display, "　"))
        return lines

    def _agenda(self, items: tuple[model.AgendaItem, ...], depth: int) -> list[Line]:
        indent = "　" * depth
        lines = []
        for it in items:
            lines.append(Line(it.title.display, indent + "○"))
            lines.extend(Line(p.display, indent + "　・") for p in it.points)
            lines.extend(self._agenda(it.items, depth + 1))
        return lines

    def _blocks(self, obj: Any, skip: tuple[str, ...] = ()) -> tuple[Block, ...]:
        cls = type(obj)
        hints = _hints(cls)
        blocks = []
        for f in dataclasses.fields(obj):
            if f.name in ("id", "title", *skip) or f.metadata.get("derived"):
                continue
            lines = self._lines(cls, f.name, hints[f.name], getattr(obj, f.name), f.metadata.get("ref"))
            if lines is not None:
                blocks.append(Block(f.name, f.metadata.get("ja", f.name), tuple(lines)))
        return tuple(blocks)

    # -- items

    def add(self, key: str, container: str, path: tuple[str, ...], no: str, title: Line,
            blocks: tuple[Block, ...]) -> tuple[str, ...]:
        """Add an item; returns the path of its children."""
        if key in self.keys:
            # The same 目指す社会の姿 twice under one goal: keep both, in order.
            key = f"{key}#{sum(k.startswith(key) for k in self.keys) + 1}"
        self.keys.add(key)
        self.items.append(Item(key, container, path, no, title, blocks))
        return (*path, heading(no, title.text))

    def entity(self, obj: Any, key: str, container: str, path: tuple[str, ...], no: str,
               skip: tuple[str, ...] = ()) -> tuple[str, ...]:
        return self.add(key, container, path, no, Line(obj.title.display), self._blocks(obj, skip))

    def chapter(self, obj: Any, key: str, no: str, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A chapter's item; below it, paths name the chapter by its number only (第３章),
        as its long title would fill the path without telling the reader more."""
        self.entity(obj, key, "plan", (), no, skip)
        return (no,)

    def entities(self, objs: tuple[Any, ...], container: str, path: tuple[str, ...], style: str) -> None:
        for i, obj in enumerate(objs, 1):
            self.entity(obj, obj.id, container, path, number(i, style))

    def run(self) -> list[Item]:
        plan = self.plan
        self.add("meta", "plan", ("表紙",), "", Line(plan.meta.title.display), self._blocks(plan.meta))

        ch1 = plan.situation
        p = self.chapter(ch1, "situation", number(1, "chapter"))
        self.entities(ch1.changes, "situation.changes", (*p, f"第１節　{ch1.changes_title.display}"), "item")
        self.entities(ch1.current_goals, "situation.current_goals",
                      (*p, f"第２節　{ch1.current_goals_title.display}"), "paren")

        ch2 = plan.direction
        p = self.chapter(ch2, "direction", number(2, "chapter"))
        soc, mgmt = ch2.society, ch2.management
        s = self.entity(soc, "direction.society", "direction", p, number(1, "section"))
        self.entities(soc.challenges, "society.challenges", (*s, f"１　{soc.challenges_title.display}"), "paren")
        self.entities(soc.visions, "society.visions", (*s, f"２　{soc.visions_title.display}"), "paren")
        s = self.entity(mgmt, "direction.management", "direction", p, number(2, "section"))
        current = (*s, f"１　{mgmt.current_title.display}")
        self.entities(mgmt.soryoku, "management.soryoku", (*current, f"（１）{mgmt.soryoku_title.display}"), "kana")
        self.entities(mgmt.stock_effects, "management.stock_effects",
                      (*current, f"（３）{mgmt.stock_effects_title.display}"), "kana")
        self.entities(mgmt.pillars, "management.pillars", (*s, f"２　{mgmt.policy_title.display}"), "paren")
        self.entity(ch2.outlook, "direction.outlook", "direction", p, number(3, "section"))

        p = self.chapter(plan.programme, "programme", number(3, "chapter"), skip=("goal_files",))
        for g, goal in enumerate(plan.goals, 1):
            gp = self.entity(goal, goal.id, "programme.goals", p, number(g, "section"))
            for n, group in enumerate(goal.groups, 1):
                title = Line(f"≪{self.titles.get(group.vision, group.vision)}≫", ident=group.vision)
                vp = self.add(f"group:{group.vision}", f"{goal.id}.groups", gp, number(n, "item"), title,
                              self._blocks(group, skip=("vision",)))
                for k, pkg in enumerate(group.packages, 1):
                    pp = self.entity(pkg, pkg.id, f"group:{group.vision}.packages", vp, number(k, "paren"))
                    for kpi in pkg.kpis if isinstance(pkg.kpis, tuple) else ():
                        self.add(kpi.id, f"{pkg.id}.kpis", pp, "ＫＰＩ", Line(kpi.indicator.display),
                                 self._blocks(kpi, skip=("indicator",)))

        ch4 = plan.effectiveness
        p = self.chapter(ch4, "effectiveness", number(4, "chapter"))
        self.entities(ch4.measures, "effectiveness.measures", p, "item")

        d = plan.deliberations
        p = self.chapter(d, "deliberations", "参考")
        self.entities(d.meetings, "deliberations.meetings", p, "item")

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
