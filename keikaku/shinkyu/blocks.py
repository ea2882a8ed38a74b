"""One block of an item at both revisions: a block of lines (``lines``), or a 【ＫＰＩ】
table whose rows are matched by the ＫＰＩ's id; a block new or gone marked as a whole."""

from __future__ import annotations

import difflib

from .items import Block, TableRow
from .lines import collapse, diff_lines, whole_line
from .rows import CellBlock, CellRow
from .textdiff import Marked, compare, key


def _whole_row(row: TableRow, status: str) -> CellRow:
    return CellRow(tuple(tuple(Marked.whole(t) for t in cell) for cell in row.cells), status)


def whole_block(block: Block, status: str) -> CellBlock:
    """A block that is new or gone as a whole: every line, or every row, marked."""
    if block.rows is not None:
        rows = tuple(_whole_row(r, status) for r in block.rows)
        return CellBlock(block.label, header=block.header, rows=rows, notes=_has_notes(rows))
    return CellBlock(block.label, tuple(whole_line(line) for line in block.lines))


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


def diff_blocks(old: Block, new: Block, widths: bool) -> tuple[CellBlock, CellBlock, bool]:
    """One block at both revisions: (old side, new side, whether anything changed)."""
    if old.rows is not None and new.rows is not None:
        return _diff_table(old, new, widths)
    if old.rows is not None or new.rows is not None:
        # A table replaced by lines or the other way (「（今後設定）」 → the ＫＰＩ set): each side whole.
        return (
            whole_block(old, "removed"),
            whole_block(new, "added"),
            not (old.empty and new.empty),
        )
    a, b, changed = diff_lines(old.lines, new.lines, widths)
    return CellBlock(old.label, collapse(a)), CellBlock(new.label, collapse(b)), changed
