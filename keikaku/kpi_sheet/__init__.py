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

The modules: ``export`` (the sheet's rows, columns and years) and ``style`` (its look);
``cells`` (reading the file, hostile input) and ``columns``; ``state`` (the plan's ＫＰＩ
as comparable data); the import in ``importer`` (the rows), ``reading`` (cells and
problems), ``actuals`` (the 実績値 columns), ``content`` (what the content holds, and
where) and ``edits`` (the YAML text, through ``yamledit``); ``projects`` (the sheet
「主要事業」). This module writes the workbook and runs the import: every row read, then
every file written or none, and checked by loading the plan again.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from .. import files
from ..dates import document_date
from ..errors import BuildError, Pos, Problem
from ..files import shown_path
from ..followup_config import load_followup_config
from ..load import load_plan
from ..model import (
    Plan,
)
from ..series import fiscal_year, reiwa
from . import projects as projects_sheet
from .cells import _refuse, read_sheet
from .columns import (
    _EDITION_PROMPTS,
    _EPOCH_1980,
    _PROMPTS,
    _WIDTH_CAPS,
    BASELINE,
    BASELINE_YEAR,
    COLUMNS,
    EDITION,
    KPI_ID,
    NOTES,
    PACKAGE_ID,
    READ_ONLY,
    SHEET,
    TARGET,
    TARGET_YEAR,
)
from .export import sheet_columns, sheet_rows, sheet_years
from .importer import Importer, ImportResult
from .state import kpi_state
from .yamledit import Doc, yaml_scalar


def workbook_bytes(
    plan: Plan,
    when: datetime,
    years: list[int] | None = None,
    projects: list[dict[str, Any]] | None = None,
    editions: dict[str, Plan] | None = None,
) -> bytes:
    """``kpi.xlsx`` as bytes: the same plan and date give the same bytes. ``years``: the
    fiscal years of its 実績値 columns (default ``sheet_years(plan)``); ``projects``: the
    rows of its sheet 「主要事業」 (``projects.sheet_rows``), none without any;
    ``editions``: the regional editions by name, whose own ＫＰＩ the sheet lists too."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    from .style import fill_sheet, letters, prompter

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
        projects_sheet.add_sheet(wb, projects)

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
    path = Path(path)
    config = load_followup_config(Path(content_dir))
    plans = projects_sheet.all_plans(Path(content_dir), plan)
    editions = dict(plans[1:])
    years = sheet_years(
        plan, fiscal_year(config.first_year), fiscal_year(config.last_year), editions
    )
    # 主要事業 of the plan and of every edition, in a sheet of their own.
    projects = projects_sheet.sheet_rows(projects_sheet.projects_of(plans))
    when = document_date(Path(content_dir))
    files.publish(path.parent, {path.name: workbook_bytes(plan, when, years, projects, editions)})
    return path


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
    content_dir, sheet_path = Path(content_dir), Path(sheet_path)
    shown = shown_path(sheet_path)
    rows = read_sheet(sheet_path)
    project_rows = projects_sheet.read_rows(sheet_path, shown)
    plan = load_plan(content_dir)
    # The national plan and every edition: the editions' own ＫＰＩ are the sheet's too.
    plans = projects_sheet.all_plans(content_dir, plan)
    editions = dict(plans[1:])
    try:
        importer = Importer(content_dir, plan, editions)
        for row in rows:
            importer.row(row)
        projects = (
            projects_sheet.ProjectImporter(importer.report, importer.changes, importer.files, plans)
            if project_rows
            else None
        )
        for row in project_rows:
            assert projects is not None
            projects.row(row)
        if not importer.report.problems:
            importer.finish()
        if importer.report.problems:
            problems = sorted(
                importer.report.problems, key=lambda p: (p.pos.line, p.pos.col, p.message)
            )
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
            doc for doc in importer.files.docs.values() if doc.edits and doc.new_bytes() != doc.raw
        ]
        result = ImportResult(
            sheet=shown,
            files=tuple(doc.shown for doc in changed),
            values=importer.changes.values,
            added=tuple(k.id for kpis in importer.new.values() for k in kpis),
            changes=tuple(importer.changes.lines()),
            warnings=tuple(importer.report.warnings),
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
        plans_again = projects_sheet.all_plans(content_dir, again) if editions else [("", again)]
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
        and not projects_sheet.as_expected(plans, plans_again, projects.expected)
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
    """The plan and its editions (``projects.all_plans``) as loaded again hold
    exactly the ＫＰＩ the sheet asked for, and everything else as it was."""

    def ordered(state: dict[str, Any]) -> dict[str, Any]:
        return {p: list(v.items()) if isinstance(v, dict) else v for p, v in state.items()}

    if [name for name, _ in before[1:]] != [name for name, _ in after[1:]]:
        return False
    if ordered(kpi_state(after[0][1], dict(after[1:]))) != ordered(expected):
        return False
    # The 主要事業 are the sheet 「主要事業」's to check (projects.as_expected).
    return projects_sheet.rest_unchanged(before, after)


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
