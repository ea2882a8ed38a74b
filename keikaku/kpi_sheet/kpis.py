"""The ＫＰＩ sheet of ``kpi.xlsx``: its rows from the plan and its editions (export), the
plan's ＫＰＩ as comparable data, and the import of its rows into the content files
(``_Importer``)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..data import (
    ACTUAL_COLUMNS,
    ACTUAL_NOTE,
    ACTUAL_SOURCE,
    ACTUAL_VALUE,
    ACTUAL_YEAR,
    NONE,
    OPEN,
    PARTLY,
    SET,
)
from ..errors import Pos, Problem
from ..load import EDITIONS_DIR, PLAN_FILE, REGIONAL_KPIS_KEY
from ..load.names import _ID
from ..model import (
    REGIONAL_KPIS,
    Kpi,
    KpiActual,
    KpiValue,
    Pending,
    Plan,
    PolicyPackage,
    Text,
    walk,
)
from ..series import fiscal_year, reiwa
from .cells import _CONTROL, Cell, SheetRow, Value, _displayed, _norm, number_text, parse_number
from .columns import (
    ACTUAL_KEYS,
    BASELINE,
    BASELINE_YEAR,
    COLUMNS,
    EDITION,
    GOAL,
    INDICATOR,
    KPI_ID,
    KPI_KEYS,
    NATIONAL,
    NOTES,
    PACKAGE,
    PACKAGE_ID,
    PERCENT_UNIT,
    SEPARATOR,
    STATE,
    TARGET,
    TARGET_YEAR,
    UNIT,
    VALUES,
)
from .yamledit import Doc, _first_key, _get, _is_null, _key, _value, yaml_scalar

# ------------------------------------------------------------------ export


def _line(plan: Plan, node: Any) -> str:
    """A heading as the reader knows it: 「（２）地域産業の稼ぐ力の向上」."""
    return plan.outline().of(node).line


def _cell_value(value: int | float | Text) -> int | float | str:
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
    kpis += [k for _name, _g, _grp, p in _regional_packages(editions) for k in p.regional_kpis]

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


def _regional_packages(
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
    regional = [(name, editions[name], g, p) for name, g, _grp, p in _regional_packages(editions)]
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
            row[value_col], row[year_col] = _cell_value(v.value), v.year.raw
    for a in k.actuals:
        year = fiscal_year(a.year)
        if year is not None and reiwa(year) in row:
            row[reiwa(year)] = _cell_value(a.value)
    pending = any(isinstance(getattr(k, name), Pending) for name, _, _ in VALUES)
    return {**row, NOTES: SEPARATOR.join(notes) or None, STATE: PARTLY if pending else SET}


# ------------------------------------------------------------------ the plan's ＫＰＩ as data


def _value_state(v: KpiValue | Pending) -> tuple[Any, ...]:
    if isinstance(v, Pending):
        return ("pending", v.pending.raw)
    value = ("text", v.value.raw) if isinstance(v.value, Text) else Decimal(repr(v.value))
    return ("value", value, v.year.raw)


def _actual_state(a: KpiActual) -> tuple[Any, ...]:
    value = ("text", a.value.raw) if isinstance(a.value, Text) else Decimal(repr(a.value))
    return (
        a.year.raw,
        value,
        a.note.raw if a.note else None,
        a.source.raw if a.source else None,
    )


def _kpi_state(k: Kpi) -> dict[str, Any]:
    return {
        "indicator": k.indicator.raw,
        "unit": k.unit.raw if k.unit else None,
        "baseline": _value_state(k.baseline),
        "target": _value_state(k.target),
        "notes": k.notes.raw if k.notes else None,
        "actuals": [_actual_state(a) for a in k.actuals],
    }


def kpi_state(plan: Plan, editions: dict[str, Plan] | None = None) -> dict[str, Any]:
    """Every package's ＫＰＩ (or its pending reason), as comparable data; and the ＫＰＩ
    each edition gives a package of its own, under ``slot(edition, package)``."""
    return {
        **{
            pkg.id: ("pending", pkg.kpis.pending.raw)
            if isinstance(pkg.kpis, Pending)
            else {k.id: _kpi_state(k) for k in pkg.kpis}
            for _, _, pkg in plan.packages()
        },
        **{
            slot(name, pkg.id): {k.id: _kpi_state(k) for k in pkg.regional_kpis}
            for name, _g, _grp, pkg in _regional_packages(editions)
        },
    }


def slot(edition: str, pkg_id: str) -> str:
    """Where a ＫＰＩ is written: a national package's id, or 「edition/package」 for the
    ＫＰＩ an edition gives it (``regional_kpis:``). Neither an edition's name nor an id
    holds a 「/」."""
    return pkg_id if edition == NATIONAL else f"{edition}/{pkg_id}"


def _without_kpis(data: Any) -> Any:
    """plan.json's data with the ＫＰＩ parts and the 未定事項 list left out (an edition's
    own 【ＫＰＩ】 part of a package whole: the sheet may add the first)."""
    if isinstance(data, dict):
        return {
            k: (None if k == "kpis" and data.get("kind") == "kpis" else _without_kpis(v))
            for k, v in data.items()
            if k != "pending" or "kind" in data
        }
    if isinstance(data, list):
        return [_without_kpis(v) for v in data if not _regional_part(v)]
    return data


def _regional_part(data: Any) -> bool:
    return (
        isinstance(data, dict) and data.get("kind") == "kpis" and data.get("label") == REGIONAL_KPIS
    )


# ------------------------------------------------------------------ the import


@dataclass(frozen=True)
class ImportResult:
    """What an import changed. ``changes`` has one line per value, as
    ``content/goals/a.yaml:24:28: kpi-a 基準値: 10 → 12``."""

    sheet: str
    files: tuple[str, ...] = ()
    """The content files written, as shown in messages."""
    values: int = 0
    """How many values (cells) were written into them."""
    added: tuple[str, ...] = ()
    """The ids of the ＫＰＩ added."""
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Cells read but not applied (e.g. a cleared 備考: nothing is deleted from the sheet)."""

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def summary(self) -> str:
        if not self.files:
            return f"{self.sheet}: 変更はありません。内容ファイルはそのままです。 (nothing changed)"
        added = f"、ＫＰＩを {len(self.added)} 件追加" if self.added else ""
        return (
            f"{self.sheet}: {len(self.files)} 個のファイルに {self.values} 個の値を書き込みました{added}"
            f"（{', '.join(self.files)}）。 (wrote {self.values} values into {len(self.files)} files)"
        )


def default_kpi_id(package_id: str, taken: set[str | None], prefix: str = "") -> str:
    """The id a new ＫＰＩ of a package gets when the sheet gives none: ``kpi-`` and the
    package's id (without its ``pkg-``), numbered from 1, the first not yet in the plan;
    an edition's ＫＰＩ has its name before (``prefix``: ``kanto-kpi-repair-1``)."""
    stem = package_id.removeprefix("pkg-")
    n = 1
    while f"{prefix}kpi-{stem}-{n}" in taken:
        n += 1
    return f"{prefix}kpi-{stem}-{n}"


@dataclass
class _NewKpi:
    id: str
    row: SheetRow
    fields: dict[str, Any]
    """indicator, unit, baseline, target, notes: text, or ``("value", number, year)`` /
    ``("pending", reason)`` for the two values."""


@dataclass
class _Importer:
    content_dir: Path
    plan: Plan
    sheet: str
    editions: dict[str, Plan] = field(default_factory=dict)
    """The regional editions by name: their own ＫＰＩ are the sheet's too."""
    problems: list[Problem] = field(default_factory=list)
    changes: list[tuple[Doc, int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    values: int = 0

    def __post_init__(self) -> None:
        self.packages: dict[str, PolicyPackage] = {p.id: p for _, _, p in self.plan.packages()}
        self.kpis: dict[str, tuple[PolicyPackage, Kpi]] = {
            k.id: (p, k)
            for p in self.packages.values()
            if isinstance(p.kpis, tuple)
            for k in p.kpis
        }
        #: Whose each ＫＰＩ is: 全国, or the edition that gives it (``regional_kpis:``).
        self.owners: dict[str, str] = dict.fromkeys(self.kpis, NATIONAL)
        #: The packages each edition prints, by id: those it may give ＫＰＩ of its own.
        self.printed: dict[str, dict[str, PolicyPackage]] = {
            name: {p.id: p for _, _, p in edition.packages()}
            for name, edition in self.editions.items()
        }
        for name, _g, _grp, p in _regional_packages(self.editions):
            for k in p.regional_kpis:
                self.kpis[k.id] = (p, k)
                self.owners[k.id] = name
        self.ids = {getattr(b, "id", None) for b in walk(self.plan.parts)} | set(self.kpis)
        self.ids |= set(self.plan.footnotes)
        for edition in self.editions.values():
            self.ids |= {getattr(b, "id", None) for b in walk(edition.parts)}
            self.ids |= set(edition.footnotes)
        self.expected = kpi_state(self.plan, self.editions)
        self.docs: dict[str, Doc] = {}
        self.package_nodes: dict[str, tuple[Doc, yaml.Node]] = {}
        #: Each edition's plan.yaml, and its ``regional_kpis:`` entries' ``kpis`` by slot.
        self.edition_docs: dict[str, Doc] = {}
        self.regional_nodes: dict[str, tuple[Doc, yaml.Node, yaml.Node]] = {}
        self.new: dict[str, list[_NewKpi]] = {}
        self.reasons: dict[str, tuple[str, SheetRow]] = {}
        self.seen: dict[str, Pos] = {}
        self.first_rows: dict[str, SheetRow] = {}
        self.actual_seen: dict[tuple[str, int], Pos] = {}
        self.new_actuals: dict[str, list[tuple[int, str, Decimal, Any, Any]]] = {}
        self._read_docs()

    # -- the content files

    def _read_docs(self) -> None:
        root = self.content_dir.resolve()
        sources = [*self.plan.sources]
        for edition in self.editions.values():
            sources += [s for s in edition.sources if s not in sources]
        for shown in sources:
            if not shown.lower().endswith((".yaml", ".yml")):
                continue
            file = Path(shown)
            if not file.resolve().is_relative_to(root):
                continue
            doc = Doc(file, shown, file.read_bytes())
            self.docs[shown] = doc
            for node in doc.nodes:
                if _first_key(node) == "package":
                    found = _get(node, "id")
                    if found and isinstance(found[1], yaml.ScalarNode):
                        self.package_nodes.setdefault(found[1].value, (doc, node))
        by_file = {doc.file.resolve(): doc for doc in self.docs.values()}
        for name in self.editions:
            file = (self.content_dir / EDITIONS_DIR / name / PLAN_FILE).resolve()
            if file not in by_file:
                continue
            doc = self.edition_docs[name] = by_file[file]
            found = _get(doc.root, REGIONAL_KPIS_KEY) if doc.root is not None else None
            entries = found[1] if found else None
            for entry in entries.value if isinstance(entries, yaml.SequenceNode) else ():
                package, kpis = _get(entry, "package"), _get(entry, "kpis")
                if package and kpis and isinstance(package[1], yaml.ScalarNode):
                    self.regional_nodes[slot(name, package[1].value)] = (doc, *kpis)

    def kpi_part(self, where: str) -> tuple[Doc, yaml.Node, yaml.Node]:
        """The file, the ``kpis`` key and its value of a package (``where``: its ``slot``):
        its 【ＫＰＩ】 part, or the ``kpis`` of an edition's ``regional_kpis:`` entry."""
        if where in self.regional_nodes:
            return self.regional_nodes[where]
        doc, node = self.package_nodes[where]
        parts = _get(node, "parts")
        for part in parts[1].value if parts and isinstance(parts[1], yaml.SequenceNode) else ():
            if _first_key(part) == "kpis":
                key, value = part.value[0]
                return doc, key, value
        raise KeyError(where)

    def slot_of(self, kpi_id: str) -> str:
        """The ``slot`` of a ＫＰＩ the content has."""
        return slot(self.owners[kpi_id], self.kpis[kpi_id][0].id)

    def kpi_node(self, where: str, kpi_id: str) -> tuple[Doc, yaml.MappingNode]:
        doc, _key_node, value = self.kpi_part(where)
        for item in value.value if isinstance(value, yaml.SequenceNode) else ():
            found = _get(item, "id")
            if found and _key(found[1]) == kpi_id:
                return doc, item
        raise KeyError(kpi_id)

    # -- messages

    def add(self, cell: Cell | Pos, message: str) -> None:
        self.problems.append(Problem(cell.pos if isinstance(cell, Cell) else cell, message))

    def change(self, doc: Doc, seq: int, what: str, old: Any, new: Any, count: int = 1) -> None:
        self.values += count
        old_text = "（未定）" if old is None else str(old)
        self.changes.append((doc, seq, f"{what}: {old_text} → {new}"))

    def change_lines(self) -> list[str]:
        lines = [(doc.new_pos(seq), message) for doc, seq, message in self.changes]
        return [f"{pos}: {message}" for pos, message in sorted(lines, key=lambda pm: pm[0])]

    # -- reading cells

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

    # -- rows

    def row(self, row: SheetRow) -> None:
        editable = (INDICATOR, UNIT, BASELINE, BASELINE_YEAR, TARGET, TARGET_YEAR, NOTES)
        kpi_id = self.text(row, KPI_ID)
        pkg_id = self.text(row, PACKAGE_ID)
        if not kpi_id and not pkg_id:
            if row.has_content(editable):
                self.add(
                    row.cell(KPI_ID) if KPI_ID in row.cells else row.start,
                    f"{KPI_ID}と{PACKAGE_ID}がありません。書き出した行の ID は変えず、新しいＫＰＩには"
                    "両方を書いてください。 (row without ids)",
                )
            return
        edition = self.edition(row)
        if edition is None:
            return
        if not kpi_id:
            self.package_row(row, pkg_id or "", edition)
            return
        if kpi_id in self.seen:
            if kpi_id in self.kpis and kpi_id in self.first_rows and self.further_year(row, kpi_id):
                return  # kpi.csv: one more year of the same ＫＰＩ (long format)
            self.add(
                row.cell(KPI_ID),
                f"{KPI_ID}「{kpi_id}」の行が {self.seen[kpi_id]} にもあります。"
                "一つの行にまとめてください。 (duplicate row)",
            )
            return
        self.seen[kpi_id] = row.cell(KPI_ID).pos
        if kpi_id in self.kpis and self.owners[kpi_id] != edition and not row.cell(EDITION).empty:
            self.add(
                row.cell(EDITION),
                f"ＫＰＩ「{kpi_id}」は{_whose(self.owners[kpi_id])}のものです。"
                f"書き出した行の{EDITION}は変えないでください（ＫＰＩを移すときは内容ファイルで）。"
                " (KPI belongs to another edition)",
            )
            return
        if kpi_id in self.kpis:
            self.first_rows[kpi_id] = row
            self.existing(row, kpi_id, pkg_id)
            if not pkg_id or pkg_id == self.kpis[kpi_id][0].id:
                self.actuals(row, kpi_id)
        else:
            self.added(row, kpi_id, pkg_id, edition)
            filled = [c for c in self.actual_columns(row) if not row.cell(c).empty]
            if filled:
                self.add(
                    row.cell(filled[0]),
                    f"新しいＫＰＩ「{kpi_id}」の実績値は取り込めません。ＫＰＩを加える取り込みを"
                    "先に済ませてから、実績値を取り込んでください。 (actual values of a new KPI)",
                )

    # -- 実績値

    @staticmethod
    def actual_columns(row: SheetRow) -> list[str]:
        """The row's columns of 実績値: one per fiscal year (kpi.xlsx) and kpi.csv's."""
        years = [
            c for c in row.cells if c not in COLUMNS and c not in ACTUAL_COLUMNS and c != EDITION
        ]
        return [*years, *(c for c in ACTUAL_COLUMNS if c in row.cells)]

    def further_year(self, row: SheetRow, kpi_id: str) -> bool:
        """A further row of a ＫＰＩ in kpi.csv's long format, for one more 実績年度: its
        ＫＰＩ columns must read as in the ＫＰＩ's first row. False if it has no 実績年度."""
        if row.cell(ACTUAL_YEAR).empty:
            return False
        first = self.first_rows[kpi_id]
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
                self.add(
                    mine,
                    f"同じＫＰＩ「{kpi_id}」の行では、{column}を最初の行（{theirs.pos}）と同じにして"
                    "ください（ＫＰＩの値を変えるときは、そのＫＰＩのすべての行で変えます）。"
                    " (rows of one KPI differ)",
                )
                return True
        self.actuals(row, kpi_id)
        return True

    def actuals(self, row: SheetRow, kpi_id: str) -> None:
        """The 実績値 of a row: a column per fiscal year, or kpi.csv's 実績年度 and 実績値."""
        for column in self.actual_columns(row):
            if column in ACTUAL_COLUMNS:
                continue
            value = self.value(row, column)
            if value is not None:
                self.actual(row, kpi_id, column, column, value, None, None)
        if ACTUAL_YEAR not in row.cells:
            return
        year = self.text(row, ACTUAL_YEAR)
        value = self.value(row, ACTUAL_VALUE)
        note, source = self.text(row, ACTUAL_NOTE), self.text(row, ACTUAL_SOURCE)
        if year is None:
            if value is not None or note or source:
                self.add(
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
        _pkg, k = self.kpis[kpi_id]
        cell = row.cell(column)
        year = fiscal_year(year_text)
        if year is None:
            self.add(
                cell,
                f"年度「{year_text}」は「令和７年度」のように令和N年度の形で書いてください。"
                " (fiscal year not understood)",
            )
            return
        at = row.cell(ACTUAL_VALUE) if column == ACTUAL_YEAR else cell
        if value is not None and value.number is None:
            self.add(
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
                self.add(
                    cell,
                    f"{reiwa(year)}はＫＰＩ「{kpi_id}」の{which}の年度（{bound.year.raw}）より"
                    f"{'前' if before else '後'}です。基準値の年度から目標値の年度までの実績値を"
                    f"書いてください。 (actual value {'before the baseline' if before else 'after the target'} year)",
                )
                return
        if (kpi_id, year) in self.actual_seen:
            self.add(
                cell,
                f"ＫＰＩ「{kpi_id}」の{reiwa(year)}の実績値が {self.actual_seen[kpi_id, year]} にも"
                "あります。一つにしてください。 (value given twice for one year)",
            )
            return
        self.actual_seen[kpi_id, year] = cell.pos
        state = self.expected[self.slot_of(kpi_id)][kpi_id]
        index = next((i for i, a in enumerate(k.actuals) if fiscal_year(a.year) == year), None)
        if index is None:
            if value is None or value.number is None:
                self.add(
                    row.cell(ACTUAL_VALUE),
                    f"{ACTUAL_VALUE}がありません。{reiwa(year)}の実績値を数で書いてください。"
                    " (missing actual value)",
                )
                return
            self.new_actuals.setdefault(kpi_id, []).append(
                (year, year_text, value.number, note, source)
            )
            return
        current = k.actuals[index]
        doc, node = self.kpi_node(self.slot_of(kpi_id), kpi_id)
        item = _value(node, "actuals").value[index]
        old = list(state["actuals"][index])
        label = f"{kpi_id} {current.year.raw}の実績値"
        if value is not None and value.number is not None and not _same(current.value, value):
            seq = self.replace_scalar(doc, _value(item, "value"), value.number)
            self.change(doc, seq, label, _cell_value(current.value), number_text(value.number))
            old[1] = value.number
        for key, given, slot in (("note", note, 2), ("source", source, 3)):
            had = getattr(current, key)
            if given and given != (had.raw if had else None):
                seq = self.set_key(doc, item, key, given, ACTUAL_KEYS)
                self.change(doc, seq, f"{label}（{key}）", had.raw if had else "（なし）", given)
                old[slot] = given
        state["actuals"][index] = tuple(old)

    def add_actuals(self, kpi_id: str, entries: list[tuple[int, str, Decimal, Any, Any]]) -> None:
        """Write the new 実績値 of a ＫＰＩ into its ``actuals``, each before the first one of a
        later year (or last), creating the list if it has none."""
        _pkg, k = self.kpis[kpi_id]
        doc, node = self.kpi_node(self.slot_of(kpi_id), kpi_id)
        state = self.expected[self.slot_of(kpi_id)][kpi_id]["actuals"]
        entries = sorted(entries, key=lambda e: e[0])

        def flow_item(entry: tuple[int, str, Decimal, Any, Any]) -> str:
            _year, year_text, number, note, source = entry
            pairs = [("year", year_text), ("value", number), ("note", note), ("source", source)]
            return (
                "{"
                + ", ".join(
                    f"{key}: {yaml_scalar(v, flow=True)}" for key, v in pairs if v is not None
                )
                + "}"
            )

        found = _get(node, "actuals")
        nl = doc.nl
        if (
            found is None
            or _is_null(found[1])
            or not isinstance(found[1], yaml.SequenceNode)
            or not found[1].value
        ):
            if found is not None:
                raise ValueError(f"{doc.pos(found[0].start_mark.index)}: actuals is not a list")
            rank = KPI_KEYS.index("actuals")
            before = [(kn, v) for kn, v in node.value if _key(kn) in KPI_KEYS[:rank]] or node.value
            _k, after = max(before, key=lambda kv: doc.end(kv[1]))
            items = [flow_item(e) for e in entries]
            if node.flow_style or doc.in_flow(node):
                seq = doc.insert(doc.end(after), f", actuals: [{', '.join(items)}]", mark=2)
            else:
                column = node.value[0][0].start_mark.column
                indent, inner = " " * column, " " * (column + doc.step())
                text = f"{indent}actuals:{nl}" + "".join(f"{inner}- {item}{nl}" for item in items)
                seq = doc.insert(doc.line_end(doc.end(after)), text, mark=len(indent))
            for e in entries:
                self.change(doc, seq, f"{kpi_id} {e[1]}の実績値", None, number_text(e[2]))
                state.append((e[1], e[2], e[3], e[4]))
            return
        sequence = found[1]
        years = [fiscal_year(a.year) for a in k.actuals]
        for e in entries:
            later = next((i for i, y in enumerate(years) if y is not None and y > e[0]), None)
            item = flow_item(e)
            if sequence.flow_style:
                if later is not None:
                    seq = doc.insert(sequence.value[later].start_mark.index, f"{item}, ")
                else:
                    seq = doc.insert(doc.end(sequence.value[-1]), f", {item}", mark=2)
            else:
                dash = sequence.start_mark.column
                gap = sequence.value[0].start_mark.column - dash
                line = " " * dash + "-" + " " * max(gap - 1, 1) + item + nl
                if later is not None:
                    start = sequence.value[later].start_mark.index
                    seq = doc.insert(
                        doc.text.rfind("\n", 0, start) + 1, line, mark=dash + max(gap, 2)
                    )
                else:
                    seq = doc.insert(
                        doc.line_end(doc.end(sequence.value[-1])), line, mark=dash + max(gap, 2)
                    )
            self.change(doc, seq, f"{kpi_id} {e[1]}の実績値", None, number_text(e[2]))
            position = later if later is not None else len(years)
            # Later entries of this import go after this one: it now stands at ``position``.
            years.insert(position, e[0])
            state.insert(position, (e[1], e[2], e[3], e[4]))

    def edition(self, row: SheetRow) -> str | None:
        """Whose a row's ＫＰＩ is (its 「版」): 全国 when the cell is empty or the sheet has
        no such column, else an edition's name; None if it names none (a problem)."""
        text = self.text(row, EDITION) if EDITION in row.cells else None
        if not text or text == NATIONAL:
            return NATIONAL
        if text in self.editions:
            return text
        known = [NATIONAL, *sorted(self.editions)]
        close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
        hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
        self.add(
            row.cell(EDITION),
            f"{EDITION}「{text}」がありません。{hint}「{NATIONAL}」か、{EDITIONS_DIR}/ にある版の名前"
            f"（{'、'.join(sorted(self.editions)) or 'なし'}）を書いてください。 (unknown edition)",
        )
        return None

    def packages_of(self, edition: str) -> dict[str, PolicyPackage]:
        """The packages a ＫＰＩ of ``edition`` may be added to: the national plan's, or
        those the edition prints."""
        return self.packages if edition == NATIONAL else self.printed[edition]

    def unknown_package(self, row: SheetRow, pkg_id: str, edition: str = NATIONAL) -> None:
        packages = self.packages_of(edition)
        close = difflib.get_close_matches(pkg_id, sorted(packages), n=1, cutoff=0.75)
        hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
        if edition != NATIONAL and pkg_id in self.packages:
            self.add(
                row.cell(PACKAGE_ID),
                f"政策パッケージ「{pkg_id}」は版「{edition}」に載っていません。版のＫＰＩは、"
                "その版が parts に載せる政策パッケージに加えます。 (package not printed in this edition)",
            )
            return
        where = "計画" if edition == NATIONAL else f"版「{edition}」"
        self.add(
            row.cell(PACKAGE_ID),
            f"{PACKAGE_ID}「{pkg_id}」の政策パッケージが{where}にありません。{hint}"
            " (unknown package id)",
        )

    def package_row(self, row: SheetRow, pkg_id: str, edition: str = NATIONAL) -> None:
        """A row for a package whose ＫＰＩ are pending: its 備考 is the reason. With an
        edition's name in 「版」, values add a ＫＰＩ of that edition to the package."""
        if pkg_id not in self.packages_of(edition):
            self.unknown_package(row, pkg_id, edition)
            return
        filled = [c for c in self.actual_columns(row) if not row.cell(c).empty]
        if filled:
            self.add(
                row.cell(filled[0]),
                f"政策パッケージ「{pkg_id}」の行にはＫＰＩがないため、実績値を取り込めません。"
                "実績値はＫＰＩの行に書いてください。 (actual values without a KPI)",
            )
            return
        if row.has_content((INDICATOR, UNIT, BASELINE, BASELINE_YEAR, TARGET, TARGET_YEAR)):
            # The values of a pending package's row are enough: the new ＫＰＩ takes the
            # package's default id, and the editor is told which.
            prefix = "" if edition == NATIONAL else f"{edition}-"
            kpi_id = default_kpi_id(pkg_id, self.ids, prefix)
            self.warnings.append(
                f"{row.cell(KPI_ID).pos}: {KPI_ID}が空欄のため、新しいＫＰＩの ID を"
                f"「{kpi_id}」としました。別の ID にするなら、この欄に書いてください。"
                f" (new KPI id {kpi_id})"
            )
            self.seen[kpi_id] = row.cell(KPI_ID).pos
            self.added(row, kpi_id, pkg_id, edition)
            return
        if edition != NATIONAL:
            return  # an edition's ＫＰＩ are never pending as a whole
        notes = self.text(row, NOTES)
        kpis = self.packages[pkg_id].kpis
        if notes and isinstance(kpis, Pending) and notes != kpis.pending.raw:
            self.reasons[pkg_id] = (notes, row)

    def existing(self, row: SheetRow, kpi_id: str, pkg_id: str | None) -> None:
        pkg, k = self.kpis[kpi_id]
        if pkg_id and pkg_id != pkg.id:
            self.add(
                row.cell(PACKAGE_ID),
                f"ＫＰＩ「{kpi_id}」は政策パッケージ「{pkg.id}」のものです。"
                f"{PACKAGE_ID}は変えないでください（ＫＰＩを移すときは内容ファイルで）。"
                " (KPI belongs to another package)",
            )
            return
        doc, node = self.kpi_node(self.slot_of(kpi_id), kpi_id)
        state = self.expected[self.slot_of(kpi_id)][kpi_id]
        pending = {col for name, col, _ in VALUES if isinstance(getattr(k, name), Pending)}
        notes_text = self.text(row, NOTES)
        rest, reasons = _split_notes(notes_text or "", pending)
        indicator = self.text(row, INDICATOR)
        if indicator and indicator != k.indicator.raw:
            seq = self.set_key(doc, node, "indicator", indicator)
            self.change(doc, seq, f"{kpi_id} {INDICATOR}", k.indicator.raw, indicator)
            state["indicator"] = indicator
        percent = False
        for name, value_col, year_col in VALUES:
            percent |= self.existing_value(
                row, doc, node, k, name, value_col, year_col, reasons.get(value_col), state
            )
        unit = self.text(row, UNIT) or (PERCENT_UNIT if percent else None)
        current_unit = k.unit.raw if k.unit else None
        if unit and unit != current_unit:
            seq = self.set_key(doc, node, "unit", unit)
            self.change(doc, seq, f"{kpi_id} {UNIT}", current_unit or "（なし）", unit)
            state["unit"] = unit
        current_notes = k.notes.raw if k.notes else None
        if rest and rest != current_notes:
            seq = self.set_key(doc, node, "notes", rest)
            self.change(doc, seq, f"{kpi_id} {NOTES}", current_notes or "（なし）", rest)
            state["notes"] = rest
        elif notes_text and not rest and current_notes:
            self.warnings.append(
                f"{row.cell(NOTES).pos}: ＫＰＩ「{kpi_id}」の備考を消す変更は反映しません。"
                "消すときは内容ファイルで notes を削除してください。 (notes are not deleted from the sheet)"
            )

    def existing_value(
        self,
        row: SheetRow,
        doc: Doc,
        node: yaml.MappingNode,
        k: Kpi,
        name: str,
        value_col: str,
        year_col: str,
        reason: str | None,
        state: dict[str, Any],
    ) -> bool:
        """Apply one value's cells to a ＫＰＩ that exists; True if a cell was a percentage."""
        current = getattr(k, name)
        value = self.value(row, value_col)
        year = self.text(row, year_col)
        value_node = _value(node, name)
        label = f"{k.id} {value_col}"
        if isinstance(current, KpiValue):
            if value is not None and not _same(current.value, value):
                if value.number is None:
                    self.bad_number(row, value_col, value)
                else:
                    seq = self.replace_scalar(doc, _value(value_node, "value"), value.number)
                    self.change(
                        doc, seq, label, _cell_value(current.value), number_text(value.number)
                    )
                    state[name] = ("value", value.number, state[name][2])
            if year is not None and year != current.year.raw:
                seq = self.replace_scalar(doc, _value(value_node, "year"), year)
                self.change(doc, seq, f"{k.id} {year_col}", current.year.raw, year)
                state[name] = (*state[name][:2], year)
            return bool(value and value.percent)
        if value is None and year is None:
            if reason and reason != current.pending.raw:
                seq = self.replace_scalar(doc, _value(value_node, "pending"), reason)
                self.change(doc, seq, f"{label}（未定の理由）", current.pending.raw, reason)
                state[name] = ("pending", reason)
            return False
        if not self.complete_value(row, value, year, value_col, year_col):
            return False
        assert value is not None and value.number is not None and year is not None
        seq = self.fill_pending(doc, value_node, value.number, year)
        self.change(doc, seq, label, None, f"{number_text(value.number)}（{year}）", count=2)
        state[name] = ("value", value.number, year)
        return value.percent

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

    def added(
        self, row: SheetRow, kpi_id: str, pkg_id: str | None, edition: str = NATIONAL
    ) -> None:
        """A row with a ＫＰＩのID the plan does not have: a ＫＰＩ to add to its package
        (with an edition's name in 「版」, to that edition's ＫＰＩ of the package)."""
        ok = True
        packages = self.packages_of(edition)
        if not pkg_id:
            close = difflib.get_close_matches(kpi_id, sorted(self.kpis), n=1, cutoff=0.75)
            hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
            self.add(
                row.cell(KPI_ID),
                f"ＫＰＩ「{kpi_id}」が計画にありません。{hint}新しいＫＰＩなら、"
                f"加える先の{PACKAGE_ID}を書いてください。 (unknown KPI id)",
            )
            return
        if pkg_id not in packages:
            self.unknown_package(row, pkg_id, edition)
            ok = False
        if not _ID.match(kpi_id):
            self.add(
                row.cell(KPI_ID),
                f"ＫＰＩのID「{kpi_id}」には半角の英小文字・数字・ハイフンだけを使ってください。"
                " (ids use a-z, 0-9 and '-')",
            )
            ok = False
        elif kpi_id in self.ids:
            self.add(
                row.cell(KPI_ID),
                f"ID「{kpi_id}」は計画の別の項目で使われています。ID は計画全体で一つだけに"
                "してください。 (duplicate id)",
            )
            ok = False
        indicator = self.text(row, INDICATOR)
        if not indicator:
            self.add(
                row.cell(INDICATOR),
                f"{INDICATOR}がありません。新しいＫＰＩ「{kpi_id}」には{INDICATOR}を"
                "書いてください。 (missing indicator for a new KPI)",
            )
            ok = False
        pkg = packages.get(pkg_id or "")
        siblings = (pkg.kpis if edition == NATIONAL else pkg.regional_kpis) if pkg else ()
        if indicator and isinstance(siblings, tuple):
            twin = next((k for k in siblings if k.indicator.raw == indicator), None)
            if twin:
                self.add(
                    row.cell(KPI_ID),
                    f"同じ{INDICATOR}のＫＰＩ「{twin.id}」がこの政策パッケージにあります。"
                    f"{KPI_ID}を書き換えていませんか（書き出したときの ID に戻してください）。"
                    " (KPI id changed?)",
                )
                ok = False
        fields: dict[str, Any] = {"indicator": indicator}
        percent = False
        missing: list[tuple[str, str]] = []
        for name, value_col, year_col in VALUES:
            value = self.value(row, value_col)
            year = self.text(row, year_col)
            if value is None and year is None:
                missing.append((name, value_col))
            elif self.complete_value(row, value, year, value_col, year_col):
                assert value is not None and value.number is not None
                fields[name] = ("value", value.number, year)
                percent |= value.percent
            else:
                ok = False
        notes = self.text(row, NOTES) or ""
        if isinstance(siblings, Pending) and notes == siblings.pending.raw:
            notes = ""  # the package row's reason, left in the row the ＫＰＩ was written into
        rest, reasons = _split_notes(notes, {col for _, col in missing})
        for name, value_col in missing:
            if value_col in reasons:
                fields[name] = ("pending", reasons[value_col])
            else:
                self.add(
                    row.cell(value_col),
                    f"{value_col}が空欄です。決まっていなければ、備考に「{value_col}：理由」"
                    "と書いてください。 (give the value, or its pending reason in 備考)",
                )
                ok = False
        fields["unit"] = self.text(row, UNIT) or (PERCENT_UNIT if percent else None)
        fields["notes"] = rest or None
        if ok and pkg_id:
            self.new.setdefault(slot(edition, pkg_id), []).append(_NewKpi(kpi_id, row, fields))
            self.ids.add(kpi_id)

    # -- edits of the YAML text

    def replace_scalar(self, doc: Doc, node: yaml.Node, value: str | Decimal) -> int:
        if not isinstance(node, yaml.ScalarNode):
            raise ValueError(f"{doc.pos(node.start_mark.index)}: expected a scalar")
        quote = node.style if node.style in ("'", '"') and isinstance(value, str) else None
        return doc.replace(
            node.start_mark.index,
            doc.end(node),
            yaml_scalar(value, flow=doc.in_flow(node), quote=quote),
        )

    def set_key(
        self,
        doc: Doc,
        mapping: yaml.MappingNode,
        key: str,
        value: str | Decimal,
        keys: tuple[str, ...] = KPI_KEYS,
    ) -> int:
        """Set ``key`` of a ＫＰＩ mapping (or a 実績値's, ``keys=ACTUAL_KEYS``): its scalar
        replaced, or a new key after the key before it in ``keys``. Returns the edit's number."""
        found = _get(mapping, key)
        flow = mapping.flow_style or doc.in_flow(mapping)
        if found and not _is_null(found[1]):
            return self.replace_scalar(doc, found[1], value)
        if found:  # ``key:`` with nothing after it
            colon = doc.text.index(":", doc.end(found[0]))
            return doc.insert(colon + 1, " " + yaml_scalar(value, flow=flow), mark=1)
        rank = keys.index(key)
        before = [(k, v) for k, v in mapping.value if _key(k) in keys[:rank]] or mapping.value
        _k, after = max(before, key=lambda kv: doc.end(kv[1]))
        if flow:
            return doc.insert(doc.end(after), f", {key}: {yaml_scalar(value, flow=True)}", mark=2)
        indent = " " * mapping.value[0][0].start_mark.column
        return doc.insert(
            doc.line_end(doc.end(after)),
            f"{indent}{key}: {yaml_scalar(value)}{doc.nl}",
            mark=len(indent),
        )

    def fill_pending(self, doc: Doc, node: yaml.Node, number: Decimal, year: str) -> int:
        """A value's ``{pending: …}`` replaced by ``{value: …, year: …}`` in the same style."""
        if getattr(node, "flow_style", False) or not isinstance(node, yaml.MappingNode):
            return doc.replace(
                node.start_mark.index,
                doc.end(node),
                f"{{value: {yaml_scalar(number, flow=True)}, year: {yaml_scalar(year, flow=True)}}}",
            )
        indent = " " * node.start_mark.column
        return doc.replace(
            node.start_mark.index,
            doc.end(node),
            f"value: {yaml_scalar(number)}{doc.nl}{indent}year: {yaml_scalar(year)}",
        )

    def finish(self) -> None:
        """Add the new ＫＰＩ to their packages and apply the packages' new pending reasons
        and the new 実績値."""
        for kpi_id, entries in self.new_actuals.items():
            self.add_actuals(kpi_id, entries)
        for pkg_id, (reason, row) in self.reasons.items():
            if pkg_id in self.new:
                continue  # the ＫＰＩ added replace the pending reason
            doc, _key_node, value = self.kpi_part(pkg_id)
            scalar = _get(value, "pending")
            if scalar is None:
                self.add(
                    row.cell(NOTES),
                    "未定の理由を表から変えられません。内容ファイルで直してください。",
                )
                continue
            seq = self.replace_scalar(doc, scalar[1], reason)
            self.change(
                doc, seq, f"{pkg_id} ＫＰＩ（未定の理由）", self.expected[pkg_id][1], reason
            )
            self.expected[pkg_id] = ("pending", reason)
        for where, kpis in self.new.items():
            if "/" not in where or where in self.regional_nodes:
                doc, key_node, value = self.kpi_part(where)
                seq = self.append_kpis(doc, key_node, value, kpis)
            else:  # the first ＫＰＩ an edition gives this package
                found = self.new_entry(where, kpis)
                if found is None:
                    continue
                doc, seq = found
            known = self.expected.get(where)
            state = known if isinstance(known, dict) else {}
            for k in kpis:
                count = sum(1 for v in k.fields.values() if v is not None) + sum(
                    1 for name in ("baseline", "target") if k.fields[name][0] == "value"
                )
                self.change(
                    doc, seq, f"{k.id} ＫＰＩを追加", "（なし）", k.fields["indicator"], count=count
                )
                state[k.id] = {
                    **{n: k.fields.get(n) for n in ("indicator", "unit", "notes")},
                    **{n: k.fields[n] for n in ("baseline", "target")},
                    "actuals": [],
                }
            self.expected[where] = state

    def new_entry(self, where: str, kpis: list[_NewKpi]) -> tuple[Doc, int] | None:
        """An entry ``- package: ID`` with its ``kpis`` added to an edition's
        ``regional_kpis:`` (the key made at the end of its plan.yaml if it has none),
        indented like the file. None, and a problem, if the file writes it otherwise."""
        name, pkg_id = where.split("/", 1)
        doc = self.edition_docs[name]
        nl, step, gap = doc.nl, doc.step(), doc.dash_gap()
        root = doc.root
        found = _get(root, REGIONAL_KPIS_KEY) if root is not None else None

        def entry(dash: int) -> str:
            column = dash + gap
            head = " " * dash + "-" + " " * (gap - 1) + f"package: {yaml_scalar(pkg_id)}{nl}"
            head += " " * column + f"kpis:{nl}"
            inner = column + step
            return head + "".join(
                _block_item(_kpi_pairs(k)(False), inner, inner + gap, nl) for k in kpis
            )

        if found is None and isinstance(root, yaml.MappingNode) and not root.flow_style:
            if root.start_mark.column == 0:
                text = f"{REGIONAL_KPIS_KEY}:{nl}{entry(step)}"
                return doc, doc.insert(len(doc.text), text)
        elif found is not None:
            value = found[1]
            if (
                isinstance(value, yaml.SequenceNode)
                and value.value
                and not value.flow_style
                and not doc.in_flow(value)
            ):
                dash = value.start_mark.column
                at = doc.line_end(doc.end(value.value[-1]))
                return doc, doc.insert(at, entry(dash), mark=dash + gap)
        self.add(
            kpis[0].row.cell(EDITION),
            f"版「{name}」の {doc.shown} の {REGIONAL_KPIS_KEY} には、表から政策パッケージ"
            f"「{pkg_id}」のＫＰＩを加えられません（書き方が一覧（- package: …）ではありません）。"
            f"内容ファイルの {REGIONAL_KPIS_KEY} に書いてください。 (regional_kpis not a block list)",
        )
        return None

    def append_kpis(
        self, doc: Doc, key_node: yaml.Node, value: yaml.Node, kpis: list[_NewKpi]
    ) -> int:
        """Write new ＫＰＩ into a package's ``kpis``: appended to its list, or a list replacing
        its ``{pending: …}``, indented like the file. Returns the edit's number."""
        pairs = [_kpi_pairs(k) for k in kpis]
        flow_items = ["{" + ", ".join(f"{k}: {v}" for k, v in p(True)) + "}" for p in pairs]
        nl = doc.nl
        if doc.in_flow(value):  # the whole part is written in flow style
            if isinstance(value, yaml.SequenceNode) and value.value:
                return doc.insert(
                    doc.end(value.value[-1]), "".join(f", {item}" for item in flow_items), mark=2
                )
            return doc.replace(
                value.start_mark.index, doc.end(value), "[" + ", ".join(flow_items) + "]", mark=1
            )
        if isinstance(value, yaml.SequenceNode) and value.value:
            if value.flow_style:
                return doc.insert(
                    doc.end(value.value[-1]), "".join(f", {item}" for item in flow_items), mark=2
                )
            dash, column = value.start_mark.column, value.value[0].start_mark.column
            return doc.insert(
                doc.line_end(doc.end(value.value[-1])),
                "".join(_block_item(p(False), dash, column, nl) for p in pairs),
                mark=column,
            )
        if isinstance(value, yaml.MappingNode) and not value.flow_style:
            # ``pending: …`` on the lines below ``kpis:``: the list takes its place and column.
            dash = value.start_mark.column
            column = dash + doc.dash_gap()
            text = "".join(_block_item(p(False), dash, column, nl) for p in pairs)
            return doc.replace(
                value.start_mark.index, doc.end(value), text[dash : -len(nl)], mark=column - dash
            )
        # ``kpis: {pending: …}`` or ``kpis: []`` on one line: a block list below the key.
        gap = doc.text[doc.end(key_node) : value.start_mark.index]
        if not re.fullmatch(r"[ \t]*:[ \t]*", gap):
            raise ValueError(
                f"{doc.pos(value.start_mark.index)}: unexpected text before the kpis value"
            )
        dash = key_node.start_mark.column + doc.step()
        column = dash + doc.dash_gap()
        text = "".join(_block_item(p(False), dash, column, nl) for p in pairs)
        return doc.replace(
            doc.end(key_node),
            doc.end(value),
            ":" + nl + text[: -len(nl)],
            mark=1 + len(nl) + column,
        )


def _kpi_pairs(k: _NewKpi):
    """The key/value texts of a new ＫＰＩ, for block (False) or flow (True) context."""

    def pairs(flow: bool) -> list[tuple[str, str]]:
        out = [
            ("id", yaml_scalar(k.id, flow=flow)),
            ("indicator", yaml_scalar(k.fields["indicator"], flow=flow)),
        ]
        if k.fields.get("unit"):
            out.append(("unit", yaml_scalar(k.fields["unit"], flow=flow)))
        for name in ("baseline", "target"):
            v = k.fields[name]
            if v[0] == "value":
                out.append(
                    (
                        name,
                        f"{{value: {yaml_scalar(v[1], flow=True)}, year: {yaml_scalar(v[2], flow=True)}}}",
                    )
                )
            else:
                out.append((name, f"{{pending: {yaml_scalar(v[1], flow=True)}}}"))
        if k.fields.get("notes"):
            out.append(("notes", yaml_scalar(k.fields["notes"], flow=flow)))
        return out

    return pairs


def _block_item(pairs: list[tuple[str, str]], dash: int, column: int, nl: str) -> str:
    lines = [f"{k}: {v}" for k, v in pairs]
    first = " " * dash + "-" + " " * (column - dash - 1) + lines[0]
    return nl.join([first, *(" " * column + line for line in lines[1:])]) + nl


def _split_notes(text: str, pending: set[str]) -> tuple[str, dict[str, str]]:
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


def _whose(owner: str) -> str:
    """「全国計画」, or 「版「kanto」」: whose a ＫＰＩ is, in a message."""
    return "全国計画" if owner == NATIONAL else f"版「{owner}」"


def _same(current: int | float | Text, value: Value) -> bool:
    """Whether a value cell shows the value the content already has."""
    if isinstance(current, Text):
        return value.text == current.raw
    if value.number is None:
        return False
    return value.number in (Decimal(repr(current)), Decimal(format(current, ".15g")))
