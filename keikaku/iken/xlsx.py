"""The 意見対応表 as a workbook (``iken.xlsx``), for working on: internal ids included,
the 対応 column left empty, the same rows giving the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..files import write_file
from .table import COLUMNS, IkenRow, _when


def write_iken_xlsx(rows: list[IkenRow], path: Path, *, date: datetime | None = None) -> Path:
    """Write ``iken_xlsx_bytes`` to ``path`` (through a temporary file). Returns the path."""
    return write_file(Path(path), iken_xlsx_bytes(rows, date=date))


def iken_xlsx_bytes(rows: list[IkenRow], *, date: datetime | None = None) -> bytes:
    """The 意見対応表 as a workbook: sheet 意見対応表 (the placed rows, internal ids
    included) and, if any, sheet 位置不明 (the rows that could not be placed). Changed text
    is underlined in 原文 (deleted) and 修正案 (inserted); 対応 is left empty. Dated
    ``date`` or the newest mark's: the same rows give the same bytes."""
    from openpyxl import Workbook
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.table import Table, TableStyleInfo
    from openpyxl.writer.excel import ExcelWriter

    when = _when(rows, date)
    wb = Workbook()
    wb.remove(wb.active)
    head_font = Font(name="BIZ UDGothic", bold=True)
    body_font = "BIZ UDMincho"
    widths = {
        "number": 6,
        "place": 34,
        "item_id": 22,
        "item_path": 22,
        "source": 26,
        "bookmark": 18,
        "file": 20,
        "author": 14,
        "date": 20,
        "kind": 12,
        "original": 50,
        "proposed": 50,
        "comments": 40,
        "response": 40,
    }

    def rich(runs: tuple[tuple[str, bool], ...]) -> Any:
        if not any(changed for _t, changed in runs):
            return "".join(t for t, _ in runs)
        return CellRichText(
            [
                TextBlock(
                    InlineFont(
                        rFont=body_font,
                        u="single" if changed else None,
                        color="C00000" if changed else None,
                    ),
                    t,
                )
                for t, changed in runs
            ]
        )

    def sheet(title: str, chosen: list[IkenRow]) -> None:
        ws = wb.create_sheet(title)
        ws.append([label for _k, label, _pdf in COLUMNS])
        for cell in ws[1]:
            cell.font = head_font
            cell.fill = PatternFill("solid", fgColor="EEEEEE")
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        for r in chosen:
            values: list[Any] = []
            for key, _label, _pdf in COLUMNS:
                if key == "original":
                    values.append(rich(r.original_marked) if r.original_marked else r.original)
                elif key == "proposed":
                    values.append(rich(r.proposed_marked) if r.proposed_marked else r.proposed)
                else:
                    values.append(r.value(key))
            ws.append(values)
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
                if not isinstance(cell.value, CellRichText):
                    cell.font = Font(name=body_font)
        for i, (key, _label, _pdf) in enumerate(COLUMNS, start=1):
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = widths[key]
        ws.freeze_panes = "C2"
        ws.print_title_rows = "1:1"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        if chosen:
            ref = f"A1:{ws.cell(row=len(chosen) + 1, column=len(COLUMNS)).coordinate}"
            table = Table(displayName="Iken" if title == "意見対応表" else "IkenUnplaced", ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
            ws.add_table(table)

    sheet("意見対応表", [r for r in rows if r.located])
    lost = [r for r in rows if not r.located]
    if lost:
        sheet("位置不明", lost)
    naive = when.astimezone(UTC).replace(tzinfo=None)
    wb.properties.created = naive
    wb.properties.modified = naive
    wb.properties.creator = "keikaku"
    wb.properties.title = "意見対応表"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        ExcelWriter(wb, z).save()
    return _fixed_zip(buf.getvalue(), when)


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """The zip with every member dated ``when`` (zipfile dates members with the clock)."""
    stamp = max(when.astimezone(UTC).replace(tzinfo=None), datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info))
    return out.getvalue()
