"""The import's reading of the sheet's cells: ``Report`` reads a row's text and value cells
and keeps every problem at its cell (and the warnings) for the import to report at once;
and the reading of 備考 (``split_notes``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ..errors import Pos, Problem
from ..model import Text
from .cells import _CONTROL, Cell, SheetRow, Value, _displayed, number_text, parse_number
from .columns import SEPARATOR


@dataclass
class Report:
    """The problems of an import, each at its cell, and its warnings (cells read but not
    applied); filled as the rows' cells are read."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, cell: Cell | Pos, message: str) -> None:
        self.problems.append(Problem(cell.pos if isinstance(cell, Cell) else cell, message))

    def text(self, row: SheetRow, column: str) -> str | None:
        cell = row.cell(column)
        if cell.problem:
            self.add(cell, cell.problem)
            return None
        if cell.empty:
            return None
        value = cell.value
        if isinstance(value, (bool, datetime, date, time, timedelta)):
            self.add(
                cell,
                f"{column}が{'真偽値' if isinstance(value, bool) else '日付・時刻'}になっています。"
                "文字で書いてください（セルの書式を「文字列」にします）。 (expected text)",
            )
            return None
        if isinstance(value, (int, float)):
            return number_text(_displayed(cell))
        text = str(value).strip()
        if "\n" in text or "\r" in text:
            # Every text of a ＫＰＩ is one line in the plan: refused here, at its cell,
            # rather than by the loader after the files were written.
            self.add(
                cell,
                f"{column}のセルに改行（Alt+Enter）があります。一行で書いてください。"
                " (line break in a cell)",
            )
            return None
        if _CONTROL.search(text):
            self.add(
                cell,
                f"{column}に使えない制御文字があります。削除してください。 (control character)",
            )
            return None
        return text

    def value(self, row: SheetRow, column: str) -> Value | None:
        cell = row.cell(column)
        if cell.problem:
            self.add(cell, cell.problem)
            return None
        if cell.empty:
            return None
        value = cell.value
        if isinstance(value, (bool, datetime, date, time, timedelta)):
            self.add(
                cell,
                f"{column}が{'真偽値' if isinstance(value, bool) else '日付・時刻'}になっています。"
                "数で書いてください（例: 32、0.5）。 (not a number)",
            )
            return None
        if isinstance(value, (int, float)):
            number = _displayed(cell)
            return Value(number, number_text(number), cell.percent)
        text = str(value).strip()
        parsed = parse_number(text)
        return Value(parsed[0], text, parsed[1]) if parsed else Value(None, text, False)

    def bad_number(self, row: SheetRow, column: str, value: Value) -> None:
        self.add(
            row.cell(column),
            f"{column}「{value.text}」を数として読めません。数で書いてください"
            f"（例: 32、0.5、1,200、32%）。未定なら空欄にして、備考に「{column}：理由」と"
            "書きます。 (not a number)",
        )

    def complete_value(
        self, row: SheetRow, value: Value | None, year: str | None, value_col: str, year_col: str
    ) -> bool:
        """A value newly set needs a number and its year."""
        if value is None:
            self.add(
                row.cell(value_col),
                f"{year_col}だけでは設定できません。{value_col}も書いてください。"
                " (year without a value)",
            )
            return False
        if value.number is None:
            self.bad_number(row, value_col, value)
            return False
        if year is None:
            self.add(
                row.cell(year_col),
                f"{value_col}を設定するには{year_col}も書いてください（例: 令和６年度）。"
                " (a new value needs its year)",
            )
            return False
        return True


def split_notes(text: str, pending: set[str]) -> tuple[str, dict[str, str]]:
    """備考 split into the notes and the reasons of the pending values named in ``pending``
    (「基準値：理由」). A segment naming a value that is set stays part of the notes."""
    rest: list[str] = []
    reasons: dict[str, str] = {}
    for segment in text.split(SEPARATOR) if text else []:
        bare = segment.strip()
        label = next(
            (
                label
                for label in sorted(pending)
                if label not in reasons and re.match(rf"{label}[：:]\s*\S", bare)
            ),
            None,
        )
        if label:
            reasons[label] = bare[len(label) + 1 :].strip()
        else:
            rest.append(segment)
    return SEPARATOR.join(rest).strip(), reasons


def same(current: int | float | Text, value: Value) -> bool:
    """Whether a value cell shows the value the content already has."""
    if isinstance(current, Text):
        return value.text == current.raw
    if value.number is None:
        return False
    return value.number in (Decimal(repr(current)), Decimal(format(current, ".15g")))
