"""The rows of the 新旧対照表: the items of both revisions (``flatten``) matched by key,
moves found among siblings and across parents, removed items placed after the item that
preceded them; and the summary of the rows by status."""

from __future__ import annotations

import dataclasses
import difflib

from ..model import Plan
from .blocks import diff_blocks, whole_block
from .flatten import flatten
from .items import FOOTNOTES, Block, Item
from .rows import Cell, CellBlock, Row
from .textdiff import Marked, compare, key


def _ends_left_out(blocks: list[CellBlock]) -> bool:
    """Whether the cell so far ends in 「（略）」, so that another one would repeat it."""
    if not blocks:
        return False
    last = blocks[-1]
    return last.label is None or bool(last.lines and last.lines[-1].text is None)


def _whole_cell(item: Item, status: str) -> Cell:
    """An item added or removed as a whole: everything is marked."""
    blocks = tuple(whole_block(b, status) for b in item.blocks if not b.empty)
    return Cell(
        Marked.plain(" › ".join(item.path)),
        Marked.whole(item.number),
        Marked.whole(item.title.text),
        (),
        blocks,
    )


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
        a, b, changed = diff_blocks(before, block, widths)
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
