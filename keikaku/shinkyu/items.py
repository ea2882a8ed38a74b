"""The items the 新旧対照表 compares: the plan flattened (``flatten``) into entities in
the order printed, each with its heading path, number, title and blocks of lines."""

from __future__ import annotations

from dataclasses import dataclass

#: The container of the footnotes: their order is their numbers', so they never move.
FOOTNOTES = "footnotes"


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
