"""Reading a sheet of ``kpi.xlsx`` or ``kpi.csv`` as hostile input: the workbook checked
before it is opened, its cells with their positions (``FILE.xlsx:ＫＰＩ!G12``), and the
numbers in them as the editor sees them."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import re
import stat
import unicodedata
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from ..data import (
    ACTUAL_COLUMNS,
    FORMULA_STARTS,
)
from ..errors import BuildError, Pos, Problem
from ..files import shown_path
from ..limits import (  # with every other limit
    MAX_SHEET_BYTES,
    MAX_SHEET_CELLS,
    MAX_SHEET_STRINGS,
    MB,
)
from ..limits import MAX_SHEET_COLUMNS as MAX_COLUMNS
from ..limits import MAX_SHEET_MEMBERS as MAX_ZIP_MEMBERS
from ..limits import MAX_SHEET_ROWS as MAX_ROWS
from ..limits import MAX_SHEET_UNZIPPED_BYTES as MAX_UNZIPPED_BYTES
from ..series import fiscal_year, reiwa
from .columns import _SHEETS_ONLY, COLUMNS, EDITION, KPI_ID, PACKAGE_ID, SHEET

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


def _year_column(value: Any) -> str | None:
    """The name of a column of 実績値 for one fiscal year (「令和８年度」), or None."""
    year = fiscal_year(_norm(value)) if isinstance(value, str) else None
    return reiwa(year) if year is not None else None


def keyed_rows(
    table: list[tuple[int, list[Cell]]],
    *,
    names: tuple[str, ...],
    keys: tuple[str, ...],
    where: Pos,
    missing: str,
    other: Callable[[Any], str | None] | None = None,
) -> list[SheetRow]:
    """A sheet's rows by column name, from its header row: the first of its first ten
    rows naming every one of ``keys``. A header is one of ``names`` (compared as NFKC) or
    what ``other`` names it; any other column is not read. No header row: ``missing``,
    at the table's first cell (or ``where``); a column named twice: a problem at each."""
    wanted = {_norm(c): c for c in names}
    needed = {_norm(k) for k in keys}
    index = next(
        (
            i
            for i, (_line, cells) in enumerate(table[:10])
            if needed <= {_norm(c.value) for c in cells}
        ),
        None,
    )
    if index is None:
        raise _refuse(table[0][1][0].pos if table and table[0][1] else where, missing)
    columns: dict[str, int] = {}
    problems = []
    for i, c in enumerate(table[index][1]):
        name = wanted.get(_norm(c.value)) or (other(c.value) if other else None)
        if name is None:
            continue
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


def _keyed(table: list[tuple[int, list[Cell]]], shown: str) -> list[SheetRow]:
    """The ＫＰＩ sheet's rows by column name, from the header row (the first row naming
    both keys); a column per fiscal year of 実績値 too."""
    return keyed_rows(
        table,
        names=(*COLUMNS, EDITION, *ACTUAL_COLUMNS),
        keys=(KPI_ID, PACKAGE_ID),
        where=Pos(shown),
        missing=f"見出しの行（「{KPI_ID}」「{PACKAGE_ID}」…）が見つかりません。書き出した表の 1 行目の"
        "見出しを消したり変えたりしていないか確かめてください。 (header row not found)",
        other=_year_column,
    )


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
