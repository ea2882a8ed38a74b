"""The rows of the 新旧対照表: an item at both revisions (``Cell``), its blocks as each
side shows them (``CellBlock``: lines, a table of a body, a 【ＫＰＩ】 table), every text
marked where it changed (``textdiff.Marked``); what ``templates/shinkyu.html`` prints."""

from __future__ import annotations

from dataclasses import dataclass

from .textdiff import Marked


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
