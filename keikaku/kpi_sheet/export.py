"""The ＫＰＩ sheet's export: its rows (a ＫＰＩ each, a row per 政策パッケージ whose ＫＰＩ are
pending, then every edition's own), its columns and the fiscal years of its 実績値
columns."""

from __future__ import annotations

from typing import Any

from ..data import NONE, OPEN, PARTLY, SET
from ..model import Kpi, KpiValue, Pending, Plan, PolicyPackage, Text
from ..series import fiscal_year, reiwa
from .columns import (
    COLUMNS,
    EDITION,
    GOAL,
    INDICATOR,
    KPI_ID,
    NATIONAL,
    NOTES,
    PACKAGE,
    PACKAGE_ID,
    SEPARATOR,
    STATE,
    UNIT,
    VALUES,
)


def _line(plan: Plan, node: Any) -> str:
    """A heading as the reader knows it: 「（２）地域産業の稼ぐ力の向上」."""
    return plan.outline().of(node).line


def cell_value(value: int | float | Text) -> int | float | str:
    return value.raw if isinstance(value, Text) else value


def sheet_years(
    plan: Plan,
    first: int | None = None,
    last: int | None = None,
    editions: dict[str, Plan] | None = None,
) -> list[int]:
    """The fiscal years the sheet has a 実績値 column for: the plan period (``first`` to
    ``last``, followup.yaml's first_year and last_year), else from the earliest 基準値's
    year to the latest 目標値's, widened to every year that has a 実績値 already (of the
    national ＫＰＩ and the ``editions``' own)."""
    kpis = [k for _g, _grp, p in plan.packages() if isinstance(p.kpis, tuple) for k in p.kpis]
    kpis += [k for _name, _g, _grp, p in regional_packages(editions) for k in p.regional_kpis]

    def years(name: str) -> list[int]:
        found = [
            fiscal_year(getattr(k, name).year)
            for k in kpis
            if isinstance(getattr(k, name), KpiValue)
        ]
        return [y for y in found if y is not None]

    held = [y for k in kpis for a in k.actuals if (y := fiscal_year(a.year)) is not None]
    low = first if first is not None else min(years("baseline"), default=None)
    high = last if last is not None else max(years("target"), default=None)
    ends = [y for y in (low, high, *held) if y is not None]
    if not ends:
        return []
    return list(range(min(ends), max(ends) + 1))


def regional_packages(
    editions: dict[str, Plan] | None,
) -> list[tuple[str, Any, Any, PolicyPackage]]:
    """(edition, goal, group, package) of every package an edition gives ＫＰＩ of its own."""
    return [
        (name, goal, group, pkg)
        for name, edition in (editions or {}).items()
        for goal, group, pkg in edition.packages()
        if pkg.regional_kpis
    ]


def sheet_columns(years: list[int], editions: dict[str, Plan] | None = None) -> tuple[str, ...]:
    """The sheet's columns: kpi.csv's, 「版」 after the keys when the content has editions,
    and a 実績値 column per fiscal year of ``years``."""
    keys = (*COLUMNS[:2], EDITION) if editions else COLUMNS[:2]
    return (*keys, *COLUMNS[2:], *(reiwa(y) for y in years))


def sheet_rows(
    plan: Plan, years: list[int] | None = None, editions: dict[str, Plan] | None = None
) -> list[dict[str, Any]]:
    """The sheet's rows: one per ＫＰＩ, one per 政策パッケージ whose ＫＰＩ are pending
    (or an empty list), by column name, with a 実績値 column per fiscal year of ``years``;
    then, by edition, one per ＫＰＩ of its own (``regional_kpis:``), under the national
    package as the edition numbers it, its 「版」 the edition's name.
    Numbers stay numbers; empty cells are ``None``."""
    rows: list[dict[str, Any]] = []
    year_columns = [reiwa(y) for y in years or ()]
    whose = {EDITION: NATIONAL} if editions else {}
    editions = editions or {}
    regional = [(name, editions[name], g, p) for name, g, _grp, p in regional_packages(editions)]
    packages: list[tuple[str | None, Plan, Any, PolicyPackage]] = [
        (None, plan, g, p) for g, _grp, p in plan.packages()
    ]
    for edition, owner, goal, pkg in [*packages, *regional]:
        base = {
            **dict.fromkeys(COLUMNS),
            **dict.fromkeys(year_columns),
            **whose,
            PACKAGE_ID: pkg.id,
            GOAL: _line(owner, goal),
            PACKAGE: _line(owner, pkg),
        }
        if edition is not None:
            rows += [_kpi_row({**base, EDITION: edition}, k) for k in pkg.regional_kpis]
            continue
        kpis = pkg.kpis
        if isinstance(kpis, Pending):
            rows.append({**base, NOTES: kpis.pending.raw, STATE: OPEN})
        elif not kpis:
            rows.append({**base, STATE: NONE})
        rows += [_kpi_row(base, k) for k in (kpis if isinstance(kpis, tuple) else ())]
    return rows


def _kpi_row(base: dict[str, Any], k: Kpi) -> dict[str, Any]:
    row = {
        **base,
        KPI_ID: k.id,
        INDICATOR: k.indicator.raw,
        UNIT: k.unit.raw if k.unit else None,
    }
    notes = [k.notes.raw] if k.notes else []
    for name, value_col, year_col in VALUES:
        v = getattr(k, name)
        if isinstance(v, Pending):
            notes.append(f"{value_col}：{v.pending.raw}")
        else:
            row[value_col], row[year_col] = cell_value(v.value), v.year.raw
    for a in k.actuals:
        year = fiscal_year(a.year)
        if year is not None and reiwa(year) in row:
            row[reiwa(year)] = cell_value(a.value)
    pending = any(isinstance(getattr(k, name), Pending) for name, _, _ in VALUES)
    return {**row, NOTES: SEPARATOR.join(notes) or None, STATE: PARTLY if pending else SET}
