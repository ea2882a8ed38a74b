"""The look of the sheets of ``kpi.xlsx`` (「ＫＰＩ」, 「主要事業」): one function for both.

A sheet is a header row and its data rows. The header is bold on a pale blue, its
read-only columns on grey; the read-only cells are grey; every cell is aligned to the
top, the long-text columns wrap; each column is as wide as its widest text, up to its
cap; the keys stay in view (``freeze``) and the header has a filter. A cell that would
start a formula is text. The prompts (``DataValidation``) tell the editor what a column
takes when a cell is selected.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

GREY, HEAD, HEAD_GREY = "D9D9D9", "DDEBF7", "BFBFBF"


def display_width(text: str) -> int:
    """The width of a text in a spreadsheet's columns: a full-width character counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fill_sheet(
    ws: Any,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    read_only: Sequence[str],
    wrap: Callable[[str], bool],
    cap: Callable[[str], int],
    freeze: str,
) -> int:
    """Write the header and ``rows`` (by column name) into the worksheet ``ws`` and style
    them. ``wrap(column)``: whether its text wraps; ``cap(column)``: its widest width;
    ``freeze``: the first cell that scrolls. Returns the number of the last row."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.append(list(columns))
    for row in rows:
        ws.append([row[c] for c in columns])
    last = len(rows) + 1
    grey = PatternFill("solid", fgColor=GREY)
    head = PatternFill("solid", fgColor=HEAD)
    head_grey = PatternFill("solid", fgColor=HEAD_GREY)
    for cells in ws.iter_rows(min_row=1, max_row=last):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            column = columns[cell.column - 1]
            if cell.row == 1:
                cell.font = Font(bold=True)
                cell.fill = head_grey if column in read_only else head
                cell.alignment = Alignment(vertical="center")
                continue
            if column in read_only:
                cell.fill = grey
            cell.alignment = Alignment(vertical="top", wrap_text=wrap(column))
    for i, column in enumerate(columns, start=1):
        widest = max(
            [display_width(column)]
            + [display_width(str(r[column])) for r in rows if r[column] is not None]
        )
        ws.column_dimensions[get_column_letter(i)].width = min(widest + 2, cap(column))
    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last}"
    return last


def prompter(ws: Any, prompts: dict[str, tuple[str, str]]) -> Callable[..., Any]:
    """``prompt(kind, **options)``: a ``DataValidation`` of ``ws`` that shows the prompt
    ``prompts[kind]`` (title, text) on its cells; ``options`` add a check of the value."""
    from openpyxl.worksheet.datavalidation import DataValidation

    def prompt(kind: str, **options: Any) -> Any:
        title, text = prompts[kind]
        dv = DataValidation(
            allow_blank=True, showInputMessage=True, promptTitle=title, prompt=text, **options
        )
        ws.add_data_validation(dv)
        return dv

    return prompt


def letters(columns: Sequence[str]) -> Callable[[str], str]:
    """``letter(column)``: the letter of a column of the sheet (A, B, … AA)."""
    from openpyxl.utils import get_column_letter

    return lambda column: get_column_letter(list(columns).index(column) + 1)


__all__ = ["display_width", "fill_sheet", "letters", "prompter"]
