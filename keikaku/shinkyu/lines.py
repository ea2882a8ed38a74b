"""A block's lines at both revisions, compared as sequences: unchanged runs left out as
「（略）」, edited lines paired with their former version and marked character by
character, a table of a body shown as a table where some of its rows changed."""

from __future__ import annotations

import difflib

from .items import Line
from .rows import CellLine
from .textdiff import Marked, compare, key, similarity

#: Edited lines of a list are paired with their former version when at least this alike;
#: less alike, they are shown as one line removed and one added.
_PAIRING = 0.4

_LEFT_OUT = CellLine("", None)


def collapse(lines: list[CellLine]) -> tuple[CellLine, ...]:
    """Runs of unchanged lines become one 「（略）」 (rows of a table shown, one row)."""
    out: list[CellLine] = []
    for line in lines:
        if line.text is None and out and out[-1].text is None and out[-1].table == line.table:
            continue
        out.append(line)
    return tuple(out)


def whole_line(line: Line) -> CellLine:
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


def diff_lines(
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
                old_out.append((whole_line(a), a))
            elif b:
                new_out.append((whole_line(b), b))
    return _show_tables(old_out), _show_tables(new_out), changed


def _left_out(line: Line) -> CellLine:
    """An unchanged line, left out as 「（略）」 (a table's, unless the table is shown)."""
    return CellLine("", None, line.table, line.part) if line.table is not None else _LEFT_OUT
