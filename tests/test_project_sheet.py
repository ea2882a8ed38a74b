"""主要事業 through the ＫＰＩ spreadsheet (``keikaku/kpi_sheet/projects.py``): the sheet 「主要事業」
of kpi.xlsx, written from the national plan and every edition, and read back into the
YAML content files byte for byte, all or nothing, problems at their cells."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import problems, snapshot, write_content
from keikaku.editions import load_edition
from keikaku.kpi_sheet import SHEET as KPI_SHEET
from keikaku.kpi_sheet import export_kpis, import_kpis
from keikaku.kpi_sheet.projects import COLUMNS, SHEET
from keikaku.limits import MAX_SHEET_ROWS
from keikaku.load import load_plan
from keikaku.model import Projects, walk

# Block style with a comment, and a project in flow style: each must keep its look.
REGION = """\
section: 東ブロックの主要事業
id: east-projects
body:
  - projects:
      - id: east-pj-road
        name: 東環状道路の整備   # 事業名
        place: 東市
        completion: 令和12年度
        cost: 1250
      - {id: east-pj-levee, name: 東川の堤防の強化, cost: 320.5}
    caption: 東ブロックの主要事業
"""

EDITION = """\
title: 東ブロックにおける計画（見本）
parts:
  - generated: cover
  - include: region.yaml
  - section: 東ブロックの重点目標
    id: east-goals
    body:
      - national: goal-a
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_content(
        tmp_path,
        {"editions/east/plan.yaml": EDITION, "editions/east/region.yaml": REGION},
    )


def exported(content: Path, tmp_path: Path) -> Path:
    return export_kpis(load_plan(content), content, tmp_path / "out" / "kpi.xlsx")


def edited(path: Path, cells: dict[str, object], sheet: str = SHEET) -> Path:
    wb = openpyxl.load_workbook(path)
    for ref, value in cells.items():
        wb[sheet][ref] = value
    out = path.with_name("edited.xlsx")
    wb.save(out)
    return out


def column(name: str) -> str:
    return "ABCDEFGH"[COLUMNS.index(name)]


def test_the_export_has_a_sheet_of_the_projects_of_every_edition(content, tmp_path):
    wb = openpyxl.load_workbook(exported(content, tmp_path))
    assert wb.sheetnames == [KPI_SHEET, SHEET]
    rows = list(wb[SHEET].iter_rows(values_only=True))
    assert rows[0] == COLUMNS
    assert rows[1:] == [
        (
            "east-pj-road",
            "east",
            "東ブロックの主要事業",
            "東環状道路の整備",
            "東市",
            "令和12年度",
            1250,
            None,
        ),
        (
            "east-pj-levee",
            "east",
            "東ブロックの主要事業",
            "東川の堤防の強化",
            None,
            None,
            320.5,
            None,
        ),
    ]
    # Without any 主要事業, the workbook is the ＫＰＩ sheet alone, as before.
    bare = write_content(tmp_path / "bare")
    path = export_kpis(load_plan(bare), bare, tmp_path / "bare-out" / "kpi.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == [KPI_SHEET]


def test_a_round_trip_changes_only_the_bytes_of_the_values_set(content, tmp_path):
    path = exported(content, tmp_path)
    # Unchanged, the sheet writes nothing.
    assert not import_kpis(content, path).changed
    region = content / "editions" / "east" / "region.yaml"
    before = region.read_text("utf-8")
    sheet = edited(
        path,
        {
            f"{column('事業費（億円）')}2": 1300,  # a number replaced
            f"{column('箇所')}3": "東市ほか",  # a field added to a flow mapping
            f"{column('備考')}2": "一部区間は先に開通",  # a field added to a block mapping
            f"{column('事業名')}3": None,  # an empty cell changes nothing
        },
    )
    result = import_kpis(content, sheet)
    assert result.values == 3 and result.files == ("content/editions/east/region.yaml",)
    after = region.read_text("utf-8")
    expected = (
        before.replace("cost: 1250", "cost: 1300")
        .replace("cost: 1300\n", "cost: 1300\n        notes: 一部区間は先に開通\n")
        .replace("東川の堤防の強化, cost", "東川の堤防の強化, place: 東市ほか, cost")
    )
    assert after == expected
    assert "# 事業名" in after  # the editor's comment stays
    block = next(b for b in walk(load_edition(content, "east").parts) if isinstance(b, Projects))
    assert block.total_cost == 1620.5
    # And back: exported again, it is what the content now says.
    again = openpyxl.load_workbook(exported(content, tmp_path))[SHEET]
    assert again["G2"].value == 1300 and again["E3"].value == "東市ほか"


def test_bad_cells_are_reported_at_their_cells_and_nothing_is_written(content, tmp_path):
    path = exported(content, tmp_path)
    before = snapshot(content)
    sheet = edited(
        path,
        {
            "G2": -5,
            "G3": "三百億円",
            "F3": "2030年度",
            "A4": "east-pj-rode",
            "D4": "新しい事業",
        },
    )
    found = problems(lambda: import_kpis(content, sheet))
    assert [f.split(": ")[0] for f in found] == [
        "out/edited.xlsx:主要事業!G2",
        "out/edited.xlsx:主要事業!F3",
        "out/edited.xlsx:主要事業!G3",
        "out/edited.xlsx:主要事業!A4",
    ], found
    assert "0 より小さく" in found[0] and "令和N年度" in found[1]
    assert "数として読めません" in found[2] and "「east-pj-road」の誤り" in found[3]
    assert snapshot(content) == before


def test_a_problem_in_either_sheet_writes_neither(content, tmp_path):
    path = exported(content, tmp_path)
    before = snapshot(content)
    # A good 主要事業 cell, a bad ＫＰＩ cell: nothing is written …
    wb = openpyxl.load_workbook(path)
    wb[SHEET]["G2"] = 1300
    header = [c.value for c in wb[KPI_SHEET][1]]
    wb[KPI_SHEET].cell(row=2, column=header.index("基準値") + 1, value="たくさん")
    wb.save(tmp_path / "both.xlsx")
    found = problems(lambda: import_kpis(content, tmp_path / "both.xlsx"))
    assert len(found) == 1 and found[0].startswith("both.xlsx:ＫＰＩ!"), found
    assert snapshot(content) == before
    # … and with the ＫＰＩ cell put right, both are.
    wb[KPI_SHEET].cell(row=2, column=header.index("基準値") + 1, value=12)
    wb.save(tmp_path / "both.xlsx")
    result = import_kpis(content, tmp_path / "both.xlsx")
    assert result.values == 2 and len(result.files) == 2, result
    assert "cost: 1300" in (content / "editions/east/region.yaml").read_text("utf-8")


def test_a_row_given_twice_is_refused(content, tmp_path):
    path = exported(content, tmp_path)
    sheet = edited(path, {"A4": "east-pj-road", "G4": 1})
    found = problems(lambda: import_kpis(content, sheet))
    assert len(found) == 1 and found[0].startswith("out/edited.xlsx:主要事業!A4: "), found
    assert "主要事業!A2" in found[0]


def _rezipped(data: bytes, member: str, change) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            body = src.read(info)
            if info.filename == member:
                body = change(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize("claimed", [False, True])
def test_a_refusal_of_the_size_of_the_projects_sheet_names_that_sheet(content, tmp_path, claimed):
    path = exported(content, tmp_path)
    with zipfile.ZipFile(path) as z:
        assert "xl/worksheets/sheet2.xml" in z.namelist()  # 「主要事業」, after 「ＫＰＩ」
    rows = "".join(
        f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>'
        for i in range(4, MAX_SHEET_ROWS + 10)
    )

    def change(xml: str) -> str:
        if claimed:  # a sheet that says it is larger than the limit …
            size = f'<dimension ref="A1:H{MAX_SHEET_ROWS + 9}"/>'
            return re.sub(r'<dimension ref="[^"]*"/>', size, xml)
        return xml.replace("</sheetData>", rows + "</sheetData>")  # … and one that is

    cell = f"主要事業!A{MAX_SHEET_ROWS + (9 if claimed else 2)}"
    sheet = tmp_path / "big.xlsx"
    sheet.write_bytes(_rezipped(path.read_bytes(), "xl/worksheets/sheet2.xml", change))
    before = snapshot(content)
    found = problems(lambda: import_kpis(content, sheet))
    assert len(found) == 1 and found[0].startswith(f"big.xlsx:{cell}: "), found
    assert "シート「主要事業」の表だけ" in found[0] and "ＫＰＩ" not in found[0], found
    assert snapshot(content) == before
