"""ＫＰＩ from a spreadsheet, and back: ``kpi.xlsx`` for the bureaus, and the values they
return written into the content files.

Editors collect ＫＰＩ values from the bureaus in Excel. ``export_kpis`` writes one sheet
「ＫＰＩ」: a row per ＫＰＩ (未定 ones included), and a row per 政策パッケージ whose ＫＰＩ are
still pending, keyed by ＫＰＩのID and 政策パッケージのID. ``import_kpis`` reads such a sheet
back — ``.xlsx``, or ``.csv`` with the same columns (``output/kpi.csv`` too) — and writes its
values into the YAML content files, changing only the bytes of the values it sets: each
value's span is found from PyYAML's node marks (``yaml.compose`` on the file's own text)
and new YAML text is spliced in, so comments, key order, quoting and indentation stay
as the editor left them.

What a row means:

- a row whose ＫＰＩのID exists sets that ＫＰＩ's fields from its non-empty cells (an empty
  cell changes nothing; nothing is ever deleted from the sheet);
- a row with a new ＫＰＩのID and an existing 政策パッケージのID adds a ＫＰＩ to that package
  (its ``kpis: {pending: …}`` becomes a list holding it);
- a 政策パッケージ row without ＫＰＩのID stands for a package whose ＫＰＩ are pending: its
  備考 is the reason; given an 指標 and values, it adds a ＫＰＩ with the package's default id
  (``default_kpi_id``: ``kpi-roads-1`` for ``pkg-roads``), and says so;
- 備考 holds the ＫＰＩ's notes, and for a value still pending its reason as
  「基準値：理由」 / 「目標値：理由」, segments joined by 「 / 」 as in ``kpi.csv``;
- the grey columns (重点目標, 政策パッケージ, 状態) are for reading and are never read back.

The regional editions' own ＫＰＩ (``regional_kpis:`` in ``content/editions/NAME/plan.yaml``,
editions.py) are the sheet's too, when the content has editions: a column 「版」 after the
keys says whose each row is (全国, or the edition's name, as 主要事業's 「版」), and each
edition's rows follow the national ones, under the national package as the edition numbers
it. A ＫＰＩのID is unique across the repository, so an existing row is written into the
file that holds its ＫＰＩ, whatever the sheet (kpi.csv has no 「版」); a 「版」 changed on
such a row is a problem at its cell. A new row with an edition's name adds a ＫＰＩ to that
edition's entry of the package (made, and ``regional_kpis:`` with it, if it has none), to a
package the edition prints; its default id has the edition's name before it. Without
editions the sheet is as it always was.

The 実績値 of the yearly フォローアップ come back the same way: the sheet has a column per
fiscal year of the plan period after 備考 (``sheet_years``: followup.yaml's first_year to
last_year, else the earliest 基準値's year to the latest 目標値's), and kpi.csv, in long
format, a row per ＫＰＩ and year with 実績年度, 実績値, 実績の注記 and 実績の出典. A value for a
year the ＫＰＩ has replaces its value; a new year is written into ``actuals`` before the
first later year (the list made if there is none). Years outside the 基準値's to the
目標値's, a year twice, text for a number: each a problem at its cell, nothing written.

The sheet is hostile input: at most 10 MB, a zip of at most 1000 members and 100 MB
unpacked (checked with ``zipfile`` before openpyxl opens it; ``zipfile`` never inflates a
member past its declared size), XML parsed through defusedxml, formulas never evaluated
(their cached values are read). Every problem is reported at once as
``FILE.xlsx:ＫＰＩ!G12: …`` (CSV: ``FILE.csv:12:7: …``, line and field) and nothing is
written unless every row is valid; then every file is replaced atomically, the plan and
every edition are loaded again and compared with what the sheet asked for, and the files
are restored if any does not match.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import difflib
import io
import itertools
import json
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from . import files
from .data import (
    ACTUAL_COLUMNS,
    ACTUAL_NOTE,
    ACTUAL_SOURCE,
    ACTUAL_VALUE,
    ACTUAL_YEAR,
    FORMULA_STARTS,
    KPI_COLUMNS,
    NONE,
    OPEN,
    PARTLY,
    SET,
)
from .dates import document_date
from .errors import BuildError, Pos, Problem
from .files import shown_path
from .followup_config import load_followup_config
from .limits import (  # with every other limit
    MAX_SHEET_BYTES,
    MAX_SHEET_CELLS,
    MAX_SHEET_STRINGS,
    MB,
)
from .limits import MAX_SHEET_COLUMNS as MAX_COLUMNS
from .limits import MAX_SHEET_MEMBERS as MAX_ZIP_MEMBERS
from .limits import MAX_SHEET_ROWS as MAX_ROWS
from .limits import MAX_SHEET_UNZIPPED_BYTES as MAX_UNZIPPED_BYTES
from .load import _ID, EDITIONS_DIR, PLAN_FILE, REGIONAL_KPIS_KEY, load_plan
from .model import (
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
from .series import fiscal_year, reiwa

# ------------------------------------------------------------------ the sheet's columns

SHEET = "ＫＰＩ"
KPI_ID, PACKAGE_ID = "ＫＰＩのID", "政策パッケージのID"
GOAL, PACKAGE, STATE = "重点目標", "政策パッケージ", "状態"
INDICATOR, UNIT, NOTES = "指標", "単位", "備考"
BASELINE, BASELINE_YEAR, TARGET, TARGET_YEAR = "基準値", "基準年度", "目標値", "目標年度"
#: The columns of kpi.csv (``data.KPI_COLUMNS``), in the same order: one layout for both.
COLUMNS = KPI_COLUMNS
#: Whose ＫＰＩ a row is: 全国 (``NATIONAL``), or the name of the regional edition
#: (``content/editions/NAME/``) whose ``regional_kpis:`` holds it. A column of the sheet
#: only when the content has editions, after the two keys; as 主要事業's 「版」.
EDITION = "版"
NATIONAL = "全国"
#: Columns written for reading: the keys (changed only to add a ＫＰＩ) and the context.
READ_ONLY = (KPI_ID, PACKAGE_ID, EDITION, GOAL, PACKAGE, STATE)
#: A ＫＰＩ's two values: the model's field, its value column and its year column.
VALUES = (("baseline", BASELINE, BASELINE_YEAR), ("target", TARGET, TARGET_YEAR))
#: The fields of a ＫＰＩ in the order the content files write them.
KPI_KEYS = ("id", "indicator", "unit", "baseline", "target", "actuals", "notes")
#: The fields of a 実績値 in that order.
ACTUAL_KEYS = ("year", "value", "unit", "note", "source")
#: Between the segments of 備考: the notes, then 「基準値：理由」, 「目標値：理由」.
SEPARATOR = " / "
PERCENT_UNIT = "％"

# ------------------------------------------------------------------ limits (hostile input)


_EPOCH_1980 = datetime(1980, 1, 1)  # the earliest time a zip member can carry
#: What a workbook too big to read should be cut down to (kpi.xlsx has both sheets).
_SHEETS_ONLY = "書き出したシート（「ＫＰＩ」「主要事業」）の表だけ"


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


#: Widest a column gets, in characters; longer text wraps.
_WIDTH_CAPS = {GOAL: 30, PACKAGE: 36, INDICATOR: 40, NOTES: 50}

_PROMPTS = {
    "read_only": (
        "変更しないでください",
        "灰色の欄は内容ファイルから書き出したものです。取り込みでは ID で行を"
        "対応させ、重点目標・政策パッケージ・状態の欄は読みません。ＫＰＩが未定の政策パッケージの行"
        "（ＫＰＩのIDが空欄）は、指標と値を書けば、そのＫＰＩの ID は「kpi-政策パッケージのID-1」"
        "の形で付きます（別の ID にするなら、空欄のＫＰＩのIDに書きます）。もう一つ加えるときは、"
        "表の下の行に政策パッケージのIDを書いて加えます。",
    ),
    "new_ids": (
        "新しいＫＰＩ",
        "加える先の政策パッケージのIDと、指標・基準値・目標値を書きます。ＫＰＩのID"
        "（半角の英小文字・数字・ハイフン、計画全体で一つ）は、空欄なら「kpi-政策パッケージのID-1」"
        "の形で付きます。",
    ),
    "value": (
        "数で書きます",
        "例: 32、0.5、1200。％の書式のセル（32%）は 32 として読み、単位の欄が空なら"
        "単位を「％」にします。未定なら空欄にして、備考に「基準値：理由」と書きます。",
    ),
    "year": ("年度", "例: 令和６年度。値を新しく設定するときは、年度も書きます。"),
    "actual": (
        "実績値",
        "その年度の実績値を数で書きます（例: 58、0.5）。空欄なら何も変わりません。"
        "基準値の年度より前、目標値の年度より後の年度には書けません。",
    ),
    "notes": (
        "備考",
        "備考の本文のあとに、未定の値の理由が「 / 基準値：理由」の形で続きます。"
        "値を書き込めば理由は消えます。空欄にしても何も変わりません。",
    ),
}
#: The prompts that differ when the content has regional editions (the column 「版」).
_EDITION_PROMPTS = {
    **_PROMPTS,
    "read_only": (
        "変更しないでください",
        "灰色の欄は内容ファイルから書き出したものです。取り込みでは ID で行を"
        "対応させ、版・重点目標・政策パッケージ・状態の欄は読みません。版が「全国」の行は全国計画の"
        "ＫＰＩ、版の名前（例: kanto）の行はその版の regional_kpis のＫＰＩです。"
        "新しいＫＰＩは表の下の行に、政策パッケージのIDと版を書いて加えます。",
    ),
    "new_ids": (
        "新しいＫＰＩ",
        "加える先の政策パッケージのIDと、指標・基準値・目標値を書きます。版の欄が空欄か"
        "「全国」なら全国計画のＫＰＩ、版の名前（例: kanto）ならその版のＫＰＩ（regional_kpis）に"
        "なります。ＫＰＩのID（半角の英小文字・数字・ハイフン、計画全体で一つ）は、空欄なら"
        "「kpi-政策パッケージのID-1」（版のＫＰＩは「版の名前-kpi-…-1」）の形で付きます。",
    ),
}


def workbook_bytes(
    plan: Plan,
    when: datetime,
    years: list[int] | None = None,
    projects: list[dict[str, Any]] | None = None,
    editions: dict[str, Plan] | None = None,
) -> bytes:
    """``kpi.xlsx`` as bytes: the same plan and date give the same bytes. ``years``: the
    fiscal years of its 実績値 columns (default ``sheet_years(plan)``); ``projects``: the
    rows of its sheet 「主要事業」 (``project_sheet.sheet_rows``), none without any;
    ``editions``: the regional editions by name, whose own ＫＰＩ the sheet lists too."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    from .sheet_style import fill_sheet, letters, prompter

    years = sheet_years(plan, editions=editions) if years is None else years
    rows = sheet_rows(plan, years, editions)
    columns = sheet_columns(years, editions)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    last = fill_sheet(
        ws,
        columns,
        rows,
        read_only=READ_ONLY,
        wrap=lambda column: column in _WIDTH_CAPS,
        cap=lambda column: _WIDTH_CAPS.get(column, 30),
        freeze="F2" if editions else "E2",
    )
    letter = letters(columns)
    prompt = prompter(ws, _EDITION_PROMPTS if editions else _PROMPTS)

    spare = last + 200  # rows below the table where new ＫＰＩ are written
    read_only = prompt("read_only")
    for column in (c for c in READ_ONLY if c in columns):
        read_only.add(f"{letter(column)}2:{letter(column)}{last}")
    keys = EDITION if editions else PACKAGE_ID
    prompt("new_ids").add(f"{letter(KPI_ID)}{last + 1}:{letter(keys)}{spare}")
    numbers = prompt(
        "value",
        type="decimal",
        operator="between",
        formula1="-1E+15",
        formula2="1E+15",
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="数ではありません",
        error="基準値・目標値は数で書きます（例: 32、0.5、1200）。未定なら空欄にして、"
        "備考に「基準値：理由」と書きます。",
    )
    year_cells = prompt("year")
    for value_col, year_col in ((BASELINE, BASELINE_YEAR), (TARGET, TARGET_YEAR)):
        numbers.add(f"{letter(value_col)}2:{letter(value_col)}{spare}")
        year_cells.add(f"{letter(year_col)}2:{letter(year_col)}{spare}")
    prompt("notes").add(f"{letter(NOTES)}2:{letter(NOTES)}{spare}")
    if years:
        actual_cells = prompt(
            "actual",
            type="decimal",
            operator="between",
            formula1="-1E+15",
            formula2="1E+15",
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle="数ではありません",
            error="実績値は数で書きます（例: 58、0.5、1200）。",
        )
        actual_cells.add(f"{letter(reiwa(years[0]))}2:{letter(reiwa(years[-1]))}{last}")
    if projects:
        from .project_sheet import add_sheet

        add_sheet(wb, projects)

    stamp = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    stamp = max(stamp, _EPOCH_1980)
    wb.properties.creator = "keikaku"
    wb.properties.title = f"{plan.meta.title.plain} ＫＰＩ"
    wb.properties.lastModifiedBy = None
    wb.properties.created = wb.properties.modified = stamp
    buf = io.BytesIO()
    # ExcelWriter rather than wb.save(): save_workbook stamps the current time as modified.
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip(buf.getvalue(), stamp)


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """The zip with every member dated ``when``: zipfile dates members with the clock."""
    out = io.BytesIO()
    stamp = when.timetuple()[:6]
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def export_kpis(plan: Plan, content_dir: Path, path: Path) -> Path:
    """Write ``kpi.xlsx`` for ``plan`` to ``path`` (atomically). Its dates are the content's
    (``dates.document_date``), so the same content gives the same bytes; its 実績値
    columns are the plan period of followup.yaml (``sheet_years``)."""
    from .project_sheet import all_plans, projects_of
    from .project_sheet import sheet_rows as project_rows

    path = Path(path)
    config = load_followup_config(Path(content_dir))
    plans = all_plans(Path(content_dir), plan)
    editions = dict(plans[1:])
    years = sheet_years(
        plan, fiscal_year(config.first_year), fiscal_year(config.last_year), editions
    )
    # 主要事業 of the plan and of every edition, in a sheet of their own.
    projects = project_rows(projects_of(plans))
    when = document_date(Path(content_dir))
    files.publish(path.parent, {path.name: workbook_bytes(plan, when, years, projects, editions)})
    return path


# ------------------------------------------------------------------ reading a sheet


class CellPos(Pos):
    """A cell of a workbook: ``path`` is 「FILE.xlsx:シート名」, ``line`` the row, ``col`` the
    column; shown as ``FILE.xlsx:シート名!G12``."""

    def __str__(self) -> str:
        return f"{self.path}!{column_letter(self.col)}{self.line}"


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass
class Cell:
    """One cell as the editor sees it."""

    value: Any
    """``None``, ``str``, ``int``, ``float``, ``bool`` or a date/time."""
    pos: Pos
    percent: bool = False
    """A number in a percentage format (0.32 shown as 32%)."""
    decimals: int | None = None
    """The decimals its number format shows (``None``: as stored)."""
    problem: str | None = None
    """Why the cell cannot be read (an error value, a formula without a cached value)."""

    @property
    def empty(self) -> bool:
        if self.problem:
            return False
        return self.value is None or (isinstance(self.value, str) and not self.value.strip())


@dataclass
class SheetRow:
    line: int
    cells: dict[str, Cell]
    start: Pos
    """Where the row starts (its first cell)."""
    at: Any = None
    """Makes the position of a column's cell: ``at(column_index)``."""

    def cell(self, column: str) -> Cell:
        return self.cells.get(column) or Cell(None, self.start)

    def has_content(self, columns: tuple[str, ...]) -> bool:
        return any(not self.cell(c).empty for c in columns)


def _refuse(where: Pos | str, message: str) -> BuildError:
    return BuildError(Problem(where if isinstance(where, Pos) else Pos(where), message))


def _read_file(path: Path, shown: str) -> bytes:
    """The sheet's bytes: a regular file, at most ``MAX_SHEET_BYTES``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _refuse(
            shown, "ファイルが見つかりません。ファイル名を確かめてください。 (file not found)"
        ) from None
    except OSError as exc:
        raise _refuse(
            shown, f"ファイルを開けません（{exc.strerror}）。 (cannot open the file)"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(
                shown,
                "通常のファイルではありません。Excel ブックか CSV ファイルを指定してください。"
                " (not a regular file)",
            )
        if info.st_size > MAX_SHEET_BYTES:
            raise _refuse(
                shown,
                f"ファイルが大きすぎます（{info.st_size / MB:.1f} MB）。読み込めるのは "
                f"{MAX_SHEET_BYTES // MB} MB までです。{_SHEETS_ONLY}を保存し直してください。"
                " (file over 10 MB)",
            )
        data = f.read(MAX_SHEET_BYTES + 1)
    if len(data) > MAX_SHEET_BYTES:
        raise _refuse(
            shown,
            f"ファイルが大きすぎます。読み込めるのは {MAX_SHEET_BYTES // MB} MB までです。"
            " (file over 10 MB)",
        )
    return data


def read_sheet(path: Path) -> list[SheetRow]:
    """The data rows of an .xlsx or .csv sheet, by column name, or ``BuildError``."""
    path = Path(path)
    shown = shown_path(path)
    data = _read_file(path, shown)
    if path.suffix.lower() == ".csv":
        return _keyed(_csv_rows(data, shown), shown)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            shown,
            "Excel 97-2003 形式（.xls）のブックか、パスワードで保護されたブックです。"
            "パスワードを外し、「Excel ブック (*.xlsx)」として保存し直してください。"
            " (legacy .xls or password-protected workbook)",
        )
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse(
            shown,
            "Excel ブック（.xlsx）でも CSV（.csv）でもありません。Excel で「Excel ブック "
            "(*.xlsx)」か「CSV UTF-8 (コンマ区切り) (*.csv)」として保存してください。"
            " (not an .xlsx or .csv file)",
        )
    return _xlsx_rows(data, shown)


def _check_zip(data: bytes, shown: str) -> None:
    """Refuse a zip bomb and anything that is not an xlsx, before openpyxl opens it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise _refuse(
            shown, f"zip として読めません（{exc}）。Excel で保存し直してください。 (broken zip)"
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise _refuse(
            shown,
            f"ブックの中のファイルが {len(members)} 個あり、上限の {MAX_ZIP_MEMBERS} 個を"
            "超えています。Excel ブックではないか、壊れています。 (too many members in the zip)",
        )
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED_BYTES:
        raise _refuse(
            shown,
            f"ブックを展開すると {total / MB:.0f} MB になり、上限の {MAX_UNZIPPED_BYTES // MB} MB "
            f"を超えます。{_SHEETS_ONLY}を保存し直してください。 (zip expands beyond 100 MB)",
        )
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _refuse(
            shown,
            "zip ファイルですが Excel ブック（.xlsx）ではありません。 (zip is not an xlsx workbook)",
        )
    if any(m.flag_bits & 0x1 for m in members):
        raise _refuse(shown, "暗号化されたブックは読めません。 (encrypted zip members)")


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's member of the zip by the name of its sheet (as far as
    ``xl/workbook.xml`` and its relationships say; a member they do not name keeps its
    own name)."""
    from defusedxml.ElementTree import fromstring

    names: dict[str, str] = {}
    with contextlib.suppress(Exception):  # a broken workbook is openpyxl's to report
        book = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_RELS}Relationship")}
        for sheet in book.iter(f"{_MAIN}sheet"):
            target = targets.get(sheet.get(_R_ID), "").lstrip("/")
            member = target if target.startswith("xl/") else f"xl/{target}"
            names[member] = sheet.get("name", member)
    return names


def _check_xml(data: bytes, shown: str) -> None:
    """Count a sheet's rows and cells, and the shared strings, before openpyxl opens the
    workbook: opening it reads every shared string, and a sheet without its size
    (``<dimension>``) whole. The count stops at the first one over the limit."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = _sheet_names(archive)
        for member in archive.namelist():
            strings = member == "xl/sharedStrings.xml"
            if not strings and not (
                member.startswith("xl/worksheets/") and member.endswith(".xml")
            ):
                continue
            sheet = sheets.get(member, member)
            where = f"{shown}:{sheet}"
            rows = cells = count = 0
            try:
                with archive.open(member) as stream:
                    for _event, element in iterparse(stream):
                        tag = element.tag
                        if strings and tag == f"{_MAIN}si":
                            count += 1
                            element.clear()
                            if count > MAX_SHEET_STRINGS:
                                raise _refuse(
                                    shown,
                                    f"ブックの文字列が {MAX_SHEET_STRINGS:,} 個を超えています"
                                    f"（共有文字列の表）。{_SHEETS_ONLY}を新しいブックに貼り付けて"
                                    "保存し直してください。 (too many shared strings)",
                                )
                        elif tag == f"{_MAIN}c":
                            cells += 1
                            if cells > MAX_SHEET_CELLS:
                                raise _refuse(
                                    CellPos(where, rows + 1, 1),
                                    f"セルが {MAX_SHEET_CELLS:,} 個を超えています。シート「{sheet}」の"
                                    "表だけを保存し直してください。 (too many cells)",
                                )
                        elif tag == f"{_MAIN}row":
                            rows += 1
                            element.clear()
                            if rows > MAX_ROWS + 1:
                                raise _refuse(
                                    CellPos(where, rows, 1),
                                    f"行が多すぎます。読み込めるのは {MAX_ROWS} 行までです。"
                                    f"シート「{sheet}」の表だけを保存し直してください。"
                                    " (too many rows)",
                                )
            except (
                ParseError,
                DefusedXmlException,
                zipfile.BadZipFile,
                OSError,
                ValueError,
            ) as exc:
                detail = f"{type(exc).__name__}: {exc}"[:200]
                raise _refuse(
                    shown,
                    f"Excel ブックとして読めません（{member}: {detail}）。Excel で開いて保存し直して"
                    "ください。 (not a readable xlsx)",
                ) from None


def _format_info(fmt: str | None) -> tuple[bool, int | None]:
    """Whether a number format shows a percentage, and how many decimals it shows."""
    section = (fmt or "General").split(";")[0]
    bare = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", section).strip()
    percent = "%" in bare
    simple = re.fullmatch(r"[#0,]*0(?:\.([#0]+))?%?", bare)
    if simple is None:
        return percent, None
    return percent, len(simple.group(1) or "")


def _xlsx_rows(data: bytes, shown: str) -> list[SheetRow]:
    table = _xlsx_table(data, shown, _kpi_sheet)
    return _keyed(table or [], shown)


def _kpi_sheet(names: list[str], shown: str) -> str:
    """The sheet of ＫＰＩ: 「ＫＰＩ」, or the only sheet there is."""
    if SHEET in names:
        return SHEET
    if len(names) == 1:
        return names[0]
    raise _refuse(
        shown,
        f"シート「{SHEET}」がありません（シート: {'、'.join(names)}）。"
        f"書き出したときのシート名「{SHEET}」に戻してください。 (sheet not found)",
    )


def _xlsx_table(data: bytes, shown: str, choose: Any) -> list[tuple[int, list[Cell]]] | None:
    """The cells of one sheet of a workbook, row by row: the sheet ``choose(names,
    shown)`` names (None: the workbook has none to read, and nothing is read)."""
    _check_zip(data, shown)
    _check_xml(data, shown)
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise _refuse(
            shown,
            "defusedxml が入っていないため、Excel ブックを安全に読めません。"
            "`make` で環境を作り直してください。 (defusedxml is not installed)",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on extensions it does not read
            values = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
            formulas = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
            try:
                name = choose(values.sheetnames, shown)
                if name is None:
                    return None
                where = f"{shown}:{name}"
                claimed = values[name].max_row or 0  # the sheet's own <dimension>, if any
                if claimed > MAX_ROWS + 1:
                    raise _refuse(
                        CellPos(where, claimed, 1),
                        f"行が {claimed} 行あります。読み込めるのは {MAX_ROWS} 行までです。"
                        f"シート「{name}」の表だけを保存し直してください。 (too many rows)",
                    )
                table = []
                # Bounded: a sheet that claims no size is read no further than the limit.
                rows = zip(
                    values[name].iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS),
                    formulas[name].iter_rows(max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS),
                    strict=False,
                )
                for line, (vrow, frow) in enumerate(rows, start=1):
                    cells = [
                        _xlsx_cell(v, f, CellPos(where, line, col))
                        for col, (v, f) in enumerate(zip(vrow, frow, strict=False), start=1)
                    ]
                    if line > MAX_ROWS + 1 and any(not c.empty for c in cells):
                        raise _refuse(
                            CellPos(where, line, 1),
                            f"行が多すぎます。読み込めるのは {MAX_ROWS} 行までです。"
                            " (too many rows)",
                        )
                    table.append((line, cells))
            finally:
                values.close()
                formulas.close()
    except BuildError:
        raise
    except Exception as exc:  # openpyxl meets a malformed file in many ways
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise _refuse(
            shown,
            f"Excel ブックとして読めません（{detail}）。Excel で開いて保存し直してください。"
            " (not a readable xlsx)",
        ) from None
    return table


def _xlsx_cell(vcell: Any, fcell: Any, pos: Pos) -> Cell:
    value = vcell.value
    if getattr(vcell, "data_type", "n") == "e":
        return Cell(
            value,
            pos,
            problem=f"セルがエラー値（{value}）です。値を直してください。 (error value in cell)",
        )
    if getattr(fcell, "data_type", "n") == "f" and value is None:
        return Cell(
            None,
            pos,
            problem="式の計算結果が保存されていません。Excel で開いて保存し直すか、"
            "値そのものを書いてください。 (formula without a cached value)",
        )
    percent, decimals = (
        _format_info(getattr(vcell, "number_format", None))
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else (False, None)
    )
    return Cell(value, pos, percent=percent, decimals=decimals)


def _csv_rows(data: bytes, shown: str) -> list[tuple[int, list[Cell]]]:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _refuse(
            Pos(shown, line, 1),
            "UTF-8 として読めません。Excel では「CSV UTF-8 (コンマ区切り) (*.csv)」"
            "で保存してください（「CSV (コンマ区切り)」は Shift_JIS になります）。"
            " (CSV is not UTF-8)",
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    table: list[tuple[int, list[Cell]]] = []
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _refuse(
                Pos(shown, start, 1), f"CSV として読めません（{exc}）。 (malformed CSV)"
            ) from None
        if len(table) > MAX_ROWS:
            raise _refuse(
                Pos(shown, start, 1),
                f"行が多すぎます。読み込めるのは {MAX_ROWS} 行までです。 (too many rows)",
            )
        table.append(
            (
                start,
                [
                    Cell(_unneutralised(v), Pos(shown, start, i))
                    for i, v in enumerate(fields[:MAX_COLUMNS], start=1)
                ],
            )
        )
    return table


def _unneutralised(field: str) -> str:
    """A CSV field as it was before ``data.neutralised`` kept it from being read as a
    formula: ``'=…`` is ``=…`` again (a ``'`` before anything else is the editor's)."""
    if field.startswith("'") and field[1:].startswith(FORMULA_STARTS):
        return field[1:]
    return field


def _norm(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text)).strip() if text is not None else ""


def _keyed(table: list[tuple[int, list[Cell]]], shown: str) -> list[SheetRow]:
    """Rows by column name, from the header row (the first row naming both keys)."""
    wanted = {_norm(c): c for c in (*COLUMNS, EDITION, *ACTUAL_COLUMNS)}
    keys = {_norm(KPI_ID), _norm(PACKAGE_ID)}
    index = next(
        (
            i
            for i, (_line, cells) in enumerate(table[:10])
            if keys <= {_norm(c.value) for c in cells}
        ),
        None,
    )
    if index is None:
        raise _refuse(
            table[0][1][0].pos if table and table[0][1] else Pos(shown),
            f"見出しの行（「{KPI_ID}」「{PACKAGE_ID}」…）が見つかりません。書き出した表の 1 行目の"
            "見出しを消したり変えたりしていないか確かめてください。 (header row not found)",
        )
    columns: dict[str, int] = {}
    problems = []
    for i, c in enumerate(table[index][1]):
        name = wanted.get(_norm(c.value))
        if name is None:
            year = fiscal_year(_norm(c.value)) if isinstance(c.value, str) else None
            if year is None:
                continue
            name = reiwa(year)  # a column of 実績値 for one fiscal year
        if name in columns:
            problems.append(
                Problem(
                    c.pos,
                    f"見出し「{name}」の列が二つあります。一つにしてください。 (duplicate column)",
                )
            )
        columns[name] = i
    if problems:
        raise BuildError(problems)
    rows = []
    for line, cells in table[index + 1 :]:
        if not cells:
            continue
        picked = {name: cells[i] for name, i in columns.items() if i < len(cells)}
        rows.append(SheetRow(line, picked, cells[0].pos))
    return rows


# ------------------------------------------------------------------ values in cells

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")


def parse_number(text: str) -> tuple[Decimal, bool] | None:
    """A number typed as text, and whether it was a percentage: 「1,200」 → 1200,
    「１２．５」 → 12.5, 「32%」 → (32, True); ``None`` if it is not a number."""
    t = unicodedata.normalize("NFKC", text).strip().replace("\u2212", "-")
    percent = t.endswith("%")
    if percent:
        t = t[:-1].rstrip()
    if not _NUMBER.fullmatch(t):
        return None
    return Decimal(t.replace(",", "")), percent


def number_text(number: Decimal | int | float) -> str:
    """A number as YAML writes it: 1200, 0.5 (never 1.2e3, never 12.50)."""
    d = number if isinstance(number, Decimal) else Decimal(repr(number))
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


@dataclass(frozen=True)
class Value:
    """A value cell read as displayed: its number (``None`` if it is not one) and text."""

    number: Decimal | None
    text: str
    percent: bool


def _displayed(cell: Cell) -> Decimal:
    """A number cell's value as Excel shows it: 15 significant digits, percentages
    multiplied by 100, rounded to the decimals of its number format."""
    value = cell.value
    number = Decimal(value) if isinstance(value, int) else Decimal(format(value, ".15g"))
    if cell.percent:
        number *= 100
    if cell.decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-cell.decimals), rounding=ROUND_HALF_UP)
    return number


# ------------------------------------------------------------------ emitting YAML

_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")


def _loads_as(text: str, value: Any, flow: bool) -> bool:
    try:
        loaded = yaml.safe_load(f"[{text}]" if flow else f"k: {text}")
    except yaml.YAMLError:
        return False
    got = (
        loaded[0]
        if flow and isinstance(loaded, list) and loaded
        else (loaded.get("k") if isinstance(loaded, dict) else None)
    )
    return type(got) is type(value) and got == value


def yaml_scalar(
    value: str | Decimal | int | float, *, flow: bool = False, quote: str | None = None
) -> str:
    """A value as YAML text: numbers as written, strings plain where YAML reads them back
    as the same string, quoted only when needed (``quote``: keep the quoting the value had)."""
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        text = number_text(value)
        expected = Decimal(text)
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, (int, float)) or Decimal(repr(loaded)) != expected:
            raise ValueError(f"number {text!r} does not read back")
        return text
    s = str(value)
    candidates = []
    if quote == "'" and "\n" not in s:
        candidates.append("'" + s.replace("'", "''") + "'")
    elif quote == '"':
        candidates.append(json.dumps(s, ensure_ascii=False))
    if (
        s
        and s == s.strip()
        and not _CONTROL.search(s)
        and "\n" not in s
        and "\t" not in s
        and s[0] not in _PLAIN_START
        and ": " not in s
        and " #" not in s
        and not s.endswith(":")
        and not (flow and any(c in s for c in ",[]{}:"))
    ):
        candidates.append(s)
    candidates += [json.dumps(s, ensure_ascii=False), json.dumps(s)]
    for text in candidates:
        if _loads_as(text, s, flow):
            return text
    raise ValueError(f"cannot write {s!r} as YAML")


# ------------------------------------------------------------------ content files


def _key(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _get(mapping: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(mapping, yaml.MappingNode):
        for k, v in mapping.value:
            if _key(k) == key:
                return k, v
    return None


def _value(mapping: yaml.Node, key: str) -> yaml.Node:
    """The value node of a key the loader has already required."""
    found = _get(mapping, key)
    if found is None:
        raise KeyError(key)
    return found[1]


def _first_key(mapping: yaml.Node) -> str | None:
    if isinstance(mapping, yaml.MappingNode) and mapping.value:
        return _key(mapping.value[0][0])
    return None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.style is None


class Doc:
    """One YAML content file: its text, its nodes with their marks, and the edits to make."""

    def __init__(self, file: Path, shown: str, raw: bytes) -> None:
        self.file, self.shown, self.raw = file, shown, raw
        self.bom = raw.startswith(codecs.BOM_UTF8)
        self.text = raw[len(codecs.BOM_UTF8) :].decode("utf-8") if self.bom else raw.decode("utf-8")
        self.nl = "\r\n" if "\r\n" in self.text else "\n"
        # The pure-Python loader: its marks count characters of this very string.
        self.root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        self.parents: dict[int, yaml.Node] = {}
        self.nodes: list[yaml.Node] = []

        # No node is met twice: the loader refuses anchors and aliases, and the import
        # loads the plan again after writing (the files are put back if it fails).
        def visit(node: yaml.Node, parent: yaml.Node | None) -> None:
            self.nodes.append(node)
            if parent is not None:
                self.parents[id(node)] = parent
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    visit(k, node)
                    visit(v, node)
            elif isinstance(node, yaml.SequenceNode):
                for v in node.value:
                    visit(v, node)

        if self.root is not None:
            visit(self.root, None)
        self.edits: list[tuple[int, int, int, str]] = []
        self.marks: dict[int, int] = {}
        self._seq = itertools.count()

    # -- where things are

    def pos(self, index: int) -> Pos:
        line = self.text.count("\n", 0, index) + 1
        return Pos(self.shown, line, index - (self.text.rfind("\n", 0, index) + 1) + 1)

    def in_flow(self, node: yaml.Node) -> bool:
        """Whether ``node`` stands inside a flow collection (``{…}``, ``[…]``)."""
        parent = self.parents.get(id(node))
        while parent is not None:
            if getattr(parent, "flow_style", False):
                return True
            parent = self.parents.get(id(parent))
        return False

    def end(self, node: yaml.Node) -> int:
        """Where a node's own text ends: a block collection's marks run on over the
        comments and blank lines after it, a block scalar's over its line breaks."""
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):
                while end > node.start_mark.index and self.text[end - 1] in " \t\r\n":
                    end -= 1
            return end
        if getattr(node, "flow_style", False):
            return node.end_mark.index
        children = (
            [x for pair in node.value for x in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        ends = [self.end(c) for c in children if not _is_null(c)]
        return max(ends, default=node.start_mark.index)

    def line_end(self, index: int) -> int:
        """The start of the line after the one holding ``index``."""
        found = self.text.find("\n", index)
        return len(self.text) if found < 0 else found + 1

    def step(self) -> int:
        """The file's indentation step (2 unless the file indents otherwise)."""
        steps: Counter[int] = Counter()
        for node in self.nodes:
            if isinstance(node, yaml.MappingNode) and not node.flow_style:
                for k, v in node.value:
                    if (
                        isinstance(v, (yaml.MappingNode, yaml.SequenceNode))
                        and not v.flow_style
                        and v.start_mark.line > k.start_mark.line
                        and v.start_mark.column > k.start_mark.column
                    ):
                        steps[v.start_mark.column - k.start_mark.column] += 1
        return steps.most_common(1)[0][0] if steps else 2

    def dash_gap(self) -> int:
        """How far the file writes a list item's mapping from its dash (``- id`` 2, ``-   id`` 4)."""
        gaps: Counter[int] = Counter(
            node.value[0].start_mark.column - node.start_mark.column
            for node in self.nodes
            if isinstance(node, yaml.SequenceNode)
            and not node.flow_style
            and node.value
            and isinstance(node.value[0], yaml.MappingNode)
            and not node.value[0].flow_style
            and node.value[0].start_mark.line == node.start_mark.line
        )
        return gaps.most_common(1)[0][0] if gaps else 2

    # -- edits

    def replace(self, start: int, end: int, text: str, mark: int = 0) -> int:
        """Replace ``[start, end)`` with ``text``; ``mark``: where in ``text`` the value
        starts, for messages. Returns the edit's number (``new_pos``)."""
        seq = next(self._seq)
        self.edits.append((start, end, seq, text))
        self.marks[seq] = mark
        return seq

    def insert(self, index: int, text: str, mark: int = 0) -> int:
        if index == len(self.text) and self.text and not self.text.endswith("\n"):
            text, mark = self.nl + text, mark + len(self.nl)
        return self.replace(index, index, text, mark)

    def new_pos(self, seq: int) -> Pos:
        """Where edit ``seq`` stands in the new text: what the editor opens afterwards."""
        shift = 0
        for start, end, other, text in sorted(self.edits):
            if other == seq:
                index = start + shift + self.marks[seq]
                new = self.new_text()
                line = new.count("\n", 0, index) + 1
                return Pos(self.shown, line, index - (new.rfind("\n", 0, index) + 1) + 1)
            shift += len(text) - (end - start)
        raise KeyError(seq)

    def new_text(self) -> str:
        out, cursor = [], 0
        for start, end, _seq, text in sorted(self.edits):
            if start < cursor:
                raise ValueError(f"overlapping edits in {self.shown} at {start}")
            out += [self.text[cursor:start], text]
            cursor = end
        out.append(self.text[cursor:])
        return "".join(out)

    def new_bytes(self) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + self.new_text().encode("utf-8")


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


# ------------------------------------------------------------------ writing


def _replace_files(docs: list[Doc]) -> None:
    """Write every changed file, or none: each to a temporary file first, then all
    renamed into place; a failure puts back the files already replaced."""
    staged: list[tuple[Doc, Path]] = []
    done: list[Doc] = []
    try:
        for doc in docs:
            if doc.file.read_bytes() != doc.raw:
                raise _refuse(
                    doc.shown,
                    "取り込みの間にこのファイルが変更されました。何も書き込んでいません。"
                    "もう一度取り込んでください。 (file changed during the import)",
                )
            mode = stat.S_IMODE(doc.file.stat().st_mode)
            staged.append((doc, files.stage(doc.file, doc.new_bytes(), mode=mode)))
        for doc, tmp in staged:
            os.replace(tmp, doc.file)
            done.append(doc)
    except BaseException:
        for doc, tmp in staged:
            if doc not in done:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        _restore(done)
        raise


def _restore(docs: list[Doc]) -> None:
    for doc in docs:
        files.write_file(doc.file, doc.raw, mode=stat.S_IMODE(doc.file.stat().st_mode))


def import_kpis(content_dir: Path, sheet_path: Path) -> ImportResult:
    """Write the values of a ＫＰＩ sheet (.xlsx or .csv) into the content files.

    Raises ``BuildError`` listing every problem of the sheet (nothing written), or the
    problems of the plan as written (the files restored)."""
    from . import project_sheet

    content_dir, sheet_path = Path(content_dir), Path(sheet_path)
    shown = shown_path(sheet_path)
    rows = read_sheet(sheet_path)
    project_rows = project_sheet.read_rows(sheet_path, shown)
    plan = load_plan(content_dir)
    # The national plan and every edition: the editions' own ＫＰＩ are the sheet's too.
    plans = project_sheet.all_plans(content_dir, plan)
    editions = dict(plans[1:])
    try:
        importer = _Importer(content_dir, plan, shown, editions)
        for row in rows:
            importer.row(row)
        projects = project_sheet.ProjectImporter(importer, plans) if project_rows else None
        for row in project_rows:
            assert projects is not None
            projects.row(row)
        if not importer.problems:
            importer.finish()
        if importer.problems:
            problems = sorted(importer.problems, key=lambda p: (p.pos.line, p.pos.col, p.message))
            # The count here and in the command's last line is the same: the note is not
            # one of the problems.
            raise BuildError(
                problems,
                note=Problem(
                    Pos(shown),
                    f"{len(problems)} 件の問題があるため、内容ファイルには"
                    "何も書き込んでいません。 (nothing written)",
                ),
            )
        changed = [
            doc for doc in importer.docs.values() if doc.edits and doc.new_bytes() != doc.raw
        ]
        result = ImportResult(
            sheet=shown,
            files=tuple(doc.shown for doc in changed),
            values=importer.values,
            added=tuple(k.id for kpis in importer.new.values() for k in kpis),
            changes=tuple(importer.change_lines()),
            warnings=tuple(importer.warnings),
        )
    except (ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
        # The content is valid (it loaded), so this is the module's own mistake.
        raise BuildError(
            Problem(
                Pos(shown),
                f"内容ファイルへの書き込みを組み立てられませんでした（{type(exc).__name__}: "
                f"{exc}）。何も書き込んでいません。プログラムの誤りです。担当者に連絡して"
                "ください。 (internal error; nothing written)",
            )
        ) from None
    if not changed:
        return result
    _replace_files(changed)
    try:
        again = load_plan(content_dir)
        plans_again = project_sheet.all_plans(content_dir, again) if editions else [("", again)]
    except BuildError as exc:
        _restore(changed)
        raise BuildError(
            [
                *exc.problems,
                Problem(
                    Pos(shown),
                    "取り込んだ値では計画を読み込めないため、内容ファイルを"
                    "元に戻しました。上の問題を表で直して、もう一度取り込んで"
                    "ください。 (the result does not load; files restored)",
                ),
            ]
        ) from None
    if not _as_expected(plans, plans_again, importer.expected) or (
        projects is not None
        and not project_sheet.as_expected(plans, plans_again, projects.expected)
    ):
        _restore(changed)
        raise BuildError(
            Problem(
                Pos(shown),
                "取り込んだ結果が表の内容と一致しないため、内容ファイルを元に戻しました。"
                "プログラムの誤りです。担当者に連絡してください。"
                " (internal error: the result differs from the sheet; files restored)",
            )
        )
    return result


def _as_expected(
    before: list[tuple[str, Plan]], after: list[tuple[str, Plan]], expected: dict[str, Any]
) -> bool:
    """The plan and its editions (``project_sheet.all_plans``) as loaded again hold
    exactly the ＫＰＩ the sheet asked for, and everything else as it was."""
    from .data import plan_data

    def ordered(state: dict[str, Any]) -> dict[str, Any]:
        return {p: list(v.items()) if isinstance(v, dict) else v for p, v in state.items()}

    from .project_sheet import _without_projects

    if [name for name, _ in before[1:]] != [name for name, _ in after[1:]]:
        return False
    if ordered(kpi_state(after[0][1], dict(after[1:]))) != ordered(expected):
        return False
    # The 主要事業 are the sheet 「主要事業」's to check (project_sheet.as_expected).
    return all(
        _without_projects(_without_kpis(plan_data(b)))
        == _without_projects(_without_kpis(plan_data(a)))
        for (_n, b), (_m, a) in zip(before, after, strict=True)
    )


__all__ = [
    "COLUMNS",
    "SHEET",
    "ImportResult",
    "export_kpis",
    "import_kpis",
    "read_sheet",
    "sheet_rows",
    "workbook_bytes",
    "yaml_scalar",
]
