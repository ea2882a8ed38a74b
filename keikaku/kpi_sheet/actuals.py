"""The 実績値 (actuals) of the ＫＰＩ sheet: a column per fiscal year (kpi.xlsx), or kpi.csv's
実績年度 and 実績値 in long format. Each is checked against the ＫＰＩ's years, then written
over the value of its year or kept to be inserted in year order (``Actuals.write``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..data import ACTUAL_COLUMNS, ACTUAL_NOTE, ACTUAL_SOURCE, ACTUAL_VALUE, ACTUAL_YEAR
from ..errors import Pos
from ..model import KpiValue
from ..series import fiscal_year, reiwa
from .cells import SheetRow, Value, _norm, number_text
from .columns import (
    ACTUAL_KEYS,
    BASELINE,
    BASELINE_YEAR,
    COLUMNS,
    EDITION,
    INDICATOR,
    NOTES,
    TARGET,
    TARGET_YEAR,
    UNIT,
)
from .content import ContentFiles, Known
from .edits import Actual, Changes, insert_actuals, replace_scalar, set_key
from .export import cell_value
from .reading import Report, same
from .yamledit import _value


def actual_columns(row: SheetRow) -> list[str]:
    """The row's columns of 実績値: one per fiscal year (kpi.xlsx) and kpi.csv's."""
    years = [c for c in row.cells if c not in COLUMNS and c not in ACTUAL_COLUMNS and c != EDITION]
    return [*years, *(c for c in ACTUAL_COLUMNS if c in row.cells)]


@dataclass
class Actuals:
    """The 実績値 of the sheet's rows, checked at their cells (``report``) and applied to the
    content (``files``), each change recorded (``changes``) and expected (``expected``,
    ``kpi_state``)."""

    report: Report
    changes: Changes
    known: Known
    files: ContentFiles
    expected: dict[str, Any]
    #: Where each (ＫＰＩ, fiscal year) was given, and the 実績値 of years the ＫＰＩ lacks.
    seen: dict[tuple[str, int], Pos] = field(default_factory=dict)
    new: dict[str, list[Actual]] = field(default_factory=dict)

    def further_year(self, row: SheetRow, kpi_id: str, first: SheetRow) -> bool:
        """A further row of a ＫＰＩ in kpi.csv's long format, for one more 実績年度: its
        ＫＰＩ columns must read as in the ＫＰＩ's first row. False if it has no 実績年度."""
        if row.cell(ACTUAL_YEAR).empty:
            return False
        for column in (
            *COLUMNS[:2],
            INDICATOR,
            UNIT,
            BASELINE,
            BASELINE_YEAR,
            TARGET,
            TARGET_YEAR,
            NOTES,
        ):
            mine, theirs = row.cell(column), first.cell(column)
            if _norm(mine.value) != _norm(theirs.value) and not (mine.empty and theirs.empty):
                self.report.add(
                    mine,
                    f"同じＫＰＩ「{kpi_id}」の行では、{column}を最初の行（{theirs.pos}）と同じにして"
                    "ください（ＫＰＩの値を変えるときは、そのＫＰＩのすべての行で変えます）。"
                    " (rows of one KPI differ)",
                )
                return True
        self.read_row(row, kpi_id)
        return True

    def read_row(self, row: SheetRow, kpi_id: str) -> None:
        """The 実績値 of a row: a column per fiscal year, or kpi.csv's 実績年度 and 実績値."""
        for column in actual_columns(row):
            if column in ACTUAL_COLUMNS:
                continue
            value = self.report.value(row, column)
            if value is not None:
                self.actual(row, kpi_id, column, column, value, None, None)
        if ACTUAL_YEAR not in row.cells:
            return
        year = self.report.text(row, ACTUAL_YEAR)
        value = self.report.value(row, ACTUAL_VALUE)
        note, source = self.report.text(row, ACTUAL_NOTE), self.report.text(row, ACTUAL_SOURCE)
        if year is None:
            if value is not None or note or source:
                self.report.add(
                    row.cell(ACTUAL_YEAR),
                    f"{ACTUAL_YEAR}がありません。実績値の年度を「令和７年度」のように書いてください。"
                    " (actual value without its year)",
                )
            return
        self.actual(row, kpi_id, ACTUAL_YEAR, year, value, note, source)

    def actual(
        self,
        row: SheetRow,
        kpi_id: str,
        column: str,
        year_text: str,
        value: Value | None,
        note: str | None,
        source: str | None,
    ) -> None:
        """One 実績値 of a sheet: checked, then applied to the ＫＰＩ's 実績値 of that year or
        kept to be added (``finish``)."""
        _pkg, k = self.known.kpis[kpi_id]
        cell = row.cell(column)
        year = fiscal_year(year_text)
        if year is None:
            self.report.add(
                cell,
                f"年度「{year_text}」は「令和７年度」のように令和N年度の形で書いてください。"
                " (fiscal year not understood)",
            )
            return
        at = row.cell(ACTUAL_VALUE) if column == ACTUAL_YEAR else cell
        if value is not None and value.number is None:
            self.report.add(
                at,
                f"実績値「{value.text}」を数として読めません。数で書いてください（例: 58、0.5、1,200）。"
                " (not a number)",
            )
            return
        for name, before in (("baseline", True), ("target", False)):
            bound = getattr(k, name)
            limit = fiscal_year(bound.year) if isinstance(bound, KpiValue) else None
            if limit is not None and (year < limit if before else year > limit):
                which = "基準値" if before else "目標値"
                self.report.add(
                    cell,
                    f"{reiwa(year)}はＫＰＩ「{kpi_id}」の{which}の年度（{bound.year.raw}）より"
                    f"{'前' if before else '後'}です。基準値の年度から目標値の年度までの実績値を"
                    f"書いてください。 (actual value {'before the baseline' if before else 'after the target'} year)",
                )
                return
        if (kpi_id, year) in self.seen:
            self.report.add(
                cell,
                f"ＫＰＩ「{kpi_id}」の{reiwa(year)}の実績値が {self.seen[kpi_id, year]} にも"
                "あります。一つにしてください。 (value given twice for one year)",
            )
            return
        self.seen[kpi_id, year] = cell.pos
        state = self.expected[self.known.slot_of(kpi_id)][kpi_id]
        index = next((i for i, a in enumerate(k.actuals) if fiscal_year(a.year) == year), None)
        if index is None:
            if value is None or value.number is None:
                self.report.add(
                    row.cell(ACTUAL_VALUE),
                    f"{ACTUAL_VALUE}がありません。{reiwa(year)}の実績値を数で書いてください。"
                    " (missing actual value)",
                )
                return
            self.new.setdefault(kpi_id, []).append((year, year_text, value.number, note, source))
            return
        current = k.actuals[index]
        doc, node = self.files.kpi_node(self.known.slot_of(kpi_id), kpi_id)
        item = _value(node, "actuals").value[index]
        old = list(state["actuals"][index])
        label = f"{kpi_id} {current.year.raw}の実績値"
        if value is not None and value.number is not None and not same(current.value, value):
            seq = replace_scalar(doc, _value(item, "value"), value.number)
            self.changes.change(
                doc, seq, label, cell_value(current.value), number_text(value.number)
            )
            old[1] = value.number
        for key, given, slot in (("note", note, 2), ("source", source, 3)):
            had = getattr(current, key)
            if given and given != (had.raw if had else None):
                seq = set_key(doc, item, key, given, ACTUAL_KEYS)
                self.changes.change(
                    doc, seq, f"{label}（{key}）", had.raw if had else "（なし）", given
                )
                old[slot] = given
        state["actuals"][index] = tuple(old)

    def write(self) -> None:
        """Write the 実績値 of years the ＫＰＩ lacked into their ``actuals``."""
        for kpi_id, entries in self.new.items():
            self.insert(kpi_id, entries)

    def insert(self, kpi_id: str, entries: list[Actual]) -> None:
        """Write the new 実績値 of a ＫＰＩ into its ``actuals``, each before the first one of a
        later year (or last), creating the list if it has none."""
        _pkg, k = self.known.kpis[kpi_id]
        doc, node = self.files.kpi_node(self.known.slot_of(kpi_id), kpi_id)
        state = self.expected[self.known.slot_of(kpi_id)][kpi_id]["actuals"]
        entries = sorted(entries, key=lambda e: e[0])
        years = [fiscal_year(a.year) for a in k.actuals]
        for e, (seq, position) in zip(
            entries, insert_actuals(doc, node, entries, years), strict=True
        ):
            self.changes.change(doc, seq, f"{kpi_id} {e[1]}の実績値", None, number_text(e[2]))
            if position is None:
                state.append((e[1], e[2], e[3], e[4]))
            else:
                state.insert(position, (e[1], e[2], e[3], e[4]))
