"""ＫＰＩ from a spreadsheet, and back (``keikaku/kpi_sheet/``): the exported kpi.xlsx,
its values written into the YAML content files byte for byte, and hostile sheets refused."""

from __future__ import annotations

import csv
import difflib
import io
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
import yaml

from conftest import PROJECT, snapshot, squash, write_content
from keikaku.data import kpi_csv
from keikaku.errors import BuildError
from keikaku.kpi_sheet import (
    COLUMNS,
    SHEET,
    export_kpis,
    import_kpis,
    workbook_bytes,
    yaml_scalar,
)
from keikaku.kpi_sheet.cells import parse_number
from keikaku.kpi_sheet.importer import default_kpi_id
from keikaku.limits import MAX_SHEET_ROWS
from keikaku.load import load_plan
from keikaku.model import Pending

# A 重点目標 with three packages: ＫＰＩ in block style and in flow style with YAML comments,
# a package whose ＫＰＩ are pending on the line below ``kpis:``, and one whose are pending
# in flow style on the same line.
GOAL = """\
# yaml-language-server: $schema=../../schema/content/part.schema.json
# 重点目標Ａ（テスト用）
goal: 重点目標Ａ
id: goal-a
body:
  - group: vision-a
    body:
      - package: 施策テーマＡ
        id: pkg-a
        parts:
          - part: directions
            body:
              - list:
                  - 方向性Ａ[^note-a]
                marker: ■
          - kpis:
              # 一つ目: ブロック形式
              - id: kpi-a
                indicator: 指標Ａ   # 指標の名称
                unit: 件
                baseline: {value: 10, year: 令和５年度}
                target:
                  pending: 目標値は次回以降に議論
                notes: "備考Ａ: 速報値"
              # 二つ目: フロー形式
              - {id: kpi-b, indicator: 指標Ｂ, unit: ％, baseline: {value: 0.5, year: '令和４年度'}, target: {pending: 次回以降に議論}}
              - id: kpi-c
                indicator: 'エネルギー消費量'
                baseline:
                  value: 1200
                  year: 令和５年度
                target: {value: 1000, year: 令和１２年度}
      - package: 施策テーマＢ
        id: pkg-b
        parts:
          - part: directions
            body:
              - list: [方向性Ｂ]
          - kpis:
              pending: 重点施策・ＫＰＩについては、次回以降に議論   # 未定
      - package: 施策テーマＣ
        id: pkg-c
        parts:
          - kpis: {pending: 次回以降の計画部会で議論予定}
"""

# The exported sheet's rows (1 is the header).
ROW = {"kpi-a": 2, "kpi-b": 3, "kpi-c": 4, "pkg-b": 5, "pkg-c": 6}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_content(tmp_path, {"goals/a.yaml": GOAL})


def col(name: str) -> str:
    return "ABCDEFGHIJKL"[COLUMNS.index(name)]


def cells(path: Path) -> dict[tuple[int, int], Any]:
    """Every cell's value of the sheet, by (row, column)."""
    ws = openpyxl.load_workbook(path)[SHEET]
    return {
        (c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value is not None
    }


def edit(
    src: Path,
    dst: Path,
    values: dict[str, Any],
    *,
    formats: dict[str, str] | None = None,
    append: list[list[Any]] = (),
    cached: dict[str, str] | None = None,
) -> Path:
    """The sheet ``src`` as an editor changed it, saved as ``dst``. ``cached``: formulas and
    the result Excel would have stored with them (openpyxl stores none)."""
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET]
    for ref, value in values.items():
        ws[ref] = value
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    for row in append:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    if cached:
        data = rezip(data, "xl/worksheets/sheet1.xml", lambda xml: _cache(xml, cached))
    dst.write_bytes(data)
    return dst


def _cache(xml: str, cached: dict[str, str]) -> str:
    for formula, result in cached.items():
        xml, n = re.subn(
            rf"(<f>{re.escape(formula)}</f>)<v\s*/>|(<f>{re.escape(formula)}</f>)<v></v>",
            lambda m, result=result: f"{m.group(1) or m.group(2)}<v>{result}</v>",
            xml,
        )
        assert n == 1, formula
    return xml


def rezip(data: bytes, member: str, change) -> bytes:
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


def changed_lines(old: str, new: str) -> list[tuple[list[str], list[str]]]:
    """The lines that differ, hunk by hunk: (old lines, new lines)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    return [
        (a[i1:i2], b[j1:j2])
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if tag != "equal"
    ]


# ------------------------------------------------------------------ export


def test_the_exported_sheet(content, tmp_path):
    plan = load_plan(content)
    path = export_kpis(plan, content, tmp_path / "kpi.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SHEET]
    ws = wb[SHEET]
    # The ＫＰＩ's columns, then a 実績値 column per fiscal year from the earliest 基準値's
    # (令和４年度) to the latest 目標値's (令和１２年度), empty while there are none.
    years = ["令和４年度", "令和５年度", "令和６年度", "令和７年度", "令和８年度"]
    years += ["令和９年度", "令和10年度", "令和11年度", "令和12年度"]
    assert [c.value for c in ws[1]] == [*COLUMNS, *years]
    full = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert all(row[len(COLUMNS) :] == [None] * len(years) for row in full)
    rows = [row[: len(COLUMNS)] for row in full]
    assert rows == [
        [
            "kpi-a",
            "pkg-a",
            "第１節\u3000重点目標Ａ",
            "（１）施策テーマＡ",
            "指標Ａ",
            "件",
            10,
            "令和５年度",
            None,
            None,
            "一部未定",
            "備考Ａ: 速報値 / 目標値：目標値は次回以降に議論",
        ],
        [
            "kpi-b",
            "pkg-a",
            "第１節\u3000重点目標Ａ",
            "（１）施策テーマＡ",
            "指標Ｂ",
            "％",
            0.5,
            "令和４年度",
            None,
            None,
            "一部未定",
            "目標値：次回以降に議論",
        ],
        [
            "kpi-c",
            "pkg-a",
            "第１節\u3000重点目標Ａ",
            "（１）施策テーマＡ",
            "エネルギー消費量",
            None,
            1200,
            "令和５年度",
            1000,
            "令和１２年度",
            "設定済",
            None,
        ],
        [
            None,
            "pkg-b",
            "第１節\u3000重点目標Ａ",
            "（２）施策テーマＢ",
            None,
            None,
            None,
            None,
            None,
            None,
            "未定",
            "重点施策・ＫＰＩについては、次回以降に議論",
        ],
        [
            None,
            "pkg-c",
            "第１節\u3000重点目標Ａ",
            "（３）施策テーマＣ",
            None,
            None,
            None,
            None,
            None,
            None,
            "未定",
            "次回以降の計画部会で議論予定",
        ],
    ]
    assert isinstance(ws["G2"].value, int) and isinstance(ws["G3"].value, float), (
        "numbers stay numbers"
    )
    assert ws.freeze_panes == "E2"
    # The keys and the columns for reading are grey; the values are not.
    for name in ("ＫＰＩのID", "政策パッケージのID", "重点目標", "政策パッケージ", "状態"):
        assert ws[f"{col(name)}2"].fill.fgColor.rgb.endswith("D9D9D9"), name
    assert ws["G2"].fill.fill_type is None
    prompts = {dv.promptTitle: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert "変更しないでください" in prompts and "A2:A6" in prompts["変更しないでください"]
    # Each column fits its header and its cells (a full-width character counts two), up to a cap.
    widths = {name: ws.column_dimensions[col(name)].width for name in COLUMNS}
    assert widths["単位"] == 6 and widths["政策パッケージ"] == 20 and widths["備考"] == 49
    assert wb.properties.created == wb.properties.modified
    assert wb.properties.created.year >= 1980


def test_the_sheet_and_kpi_csv_have_one_column_order(content, tmp_path):
    plan = load_plan(content)
    header = [
        c.value
        for c in openpyxl.load_workbook(export_kpis(plan, content, tmp_path / "k.xlsx"))[SHEET][1]
    ]
    csv_header = next(csv.reader(io.StringIO(kpi_csv(plan).decode("utf-8-sig"))))
    # The ＫＰＩ's columns alike; then the sheet has a column per year, kpi.csv (long
    # format) a row per year with its 実績年度 and 実績値.
    assert header[: len(COLUMNS)] == csv_header[: len(COLUMNS)] == list(COLUMNS)
    assert header[len(COLUMNS) - 2 : len(COLUMNS)] == ["状態", "備考"]
    assert csv_header[len(COLUMNS) :] == ["実績年度", "実績値", "実績の注記", "実績の出典"]
    assert all(re.fullmatch("令和.+年度", h) for h in header[len(COLUMNS) :])


def test_two_exports_of_the_same_content_are_byte_identical(content, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01
    plan = load_plan(content)
    first = export_kpis(plan, content, tmp_path / "a.xlsx").read_bytes()
    second = export_kpis(load_plan(content), content, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.modified.isoformat().startswith("2025-01-01")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 1, 1, 0, 0, 0)}


def test_text_that_looks_like_a_formula_is_exported_as_text(content, tmp_path):
    goal = GOAL.replace("indicator: 指標Ａ   # 指標の名称", "indicator: '=1+2 の割合'")
    content = write_content(tmp_path / "f", {"goals/a.yaml": goal})
    path = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    cell = openpyxl.load_workbook(path)[SHEET]["E2"]
    assert cell.value == "=1+2 の割合" and cell.data_type == "s"
    before = snapshot(content)
    assert not import_kpis(content, path).changed
    assert snapshot(content) == before


# ------------------------------------------------------------------ round trip


def test_importing_the_export_unchanged_leaves_every_file_byte_identical(content, tmp_path):
    before = snapshot(content)
    path = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    result = import_kpis(content, path)
    assert not result.changed and result.values == 0 and not result.changes
    assert "変更はありません" in result.summary()
    assert snapshot(content) == before


def test_the_real_plan_round_trips_unchanged(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    before = snapshot(content)
    plan = load_plan(content)
    path = export_kpis(plan, content, tmp_path / "kpi.xlsx")
    assert openpyxl.load_workbook(path)[SHEET].max_row == len(plan.packages()) + 1
    assert not import_kpis(content, path).changed
    assert snapshot(content) == before


# The editor's changes: (cell, value) with the rows of ROW.
EDITS = {
    f"{col('基準値')}{ROW['kpi-a']}": "1,200",  # a number typed as text
    f"{col('基準年度')}{ROW['kpi-a']}": "令和６年度",  # a year
    f"{col('目標値')}{ROW['kpi-a']}": 20,  # a pending value filled (block style)
    f"{col('目標年度')}{ROW['kpi-a']}": "令和１２年度",
    f"{col('目標値')}{ROW['kpi-b']}": "=0.5*150",  # a formula: its cached value is read
    f"{col('目標年度')}{ROW['kpi-b']}": "令和１２年度",  # (flow style)
    f"{col('備考')}{ROW['kpi-b']}": "速報値 / 目標値：次回以降に議論",
    f"{col('基準値')}{ROW['kpi-c']}": None,  # an emptied cell changes nothing
    f"{col('目標値')}{ROW['kpi-c']}": 0.32,  # a percentage: 32, unit ％
    # The pending package's row becomes a new ＫＰＩ (its reason left in 備考).
    f"{col('ＫＰＩのID')}{ROW['pkg-b']}": "kpi-d",
    f"{col('指標')}{ROW['pkg-b']}": "新しい指標",
    f"{col('基準値')}{ROW['pkg-b']}": 0.25,
    f"{col('基準年度')}{ROW['pkg-b']}": "令和６年度",
    f"{col('目標値')}{ROW['pkg-b']}": 50,
    f"{col('目標年度')}{ROW['pkg-b']}": "令和１２年度",
}
FORMATS = {f"{col('目標値')}{ROW['kpi-c']}": "0%", f"{col('基準値')}{ROW['pkg-b']}": "0.0%"}
# A row added below the table: a new ＫＰＩ for the package pending in flow style.
NEW_ROW = [
    "kpi-e",
    "pkg-c",
    None,
    None,
    "指標Ｅ",
    "件",
    3,
    "令和６年度",
    None,
    None,
    None,  # 状態: for reading
    "目標値：今後設定",
]

EXPECTED_HUNKS = [
    (
        ["                baseline: {value: 10, year: 令和５年度}\n"],
        ["                baseline: {value: 1200, year: 令和６年度}\n"],
    ),
    (
        ["                  pending: 目標値は次回以降に議論\n"],
        ["                  value: 20\n", "                  year: 令和１２年度\n"],
    ),
    (
        [
            "              - {id: kpi-b, indicator: 指標Ｂ, unit: ％, baseline: {value: 0.5, year: '令和４年度'}, target: {pending: 次回以降に議論}}\n"
        ],
        [
            "              - {id: kpi-b, indicator: 指標Ｂ, unit: ％, baseline: {value: 0.5, year: '令和４年度'}, target: {value: 75, year: 令和１２年度}, notes: 速報値}\n"
        ],
    ),
    ([], ["                unit: ％\n"]),
    (
        ["                target: {value: 1000, year: 令和１２年度}\n"],
        ["                target: {value: 32, year: 令和１２年度}\n"],
    ),
    (
        ["              pending: 重点施策・ＫＰＩについては、次回以降に議論   # 未定\n"],
        [
            "              - id: kpi-d\n",
            "                indicator: 新しい指標\n",
            "                unit: ％\n",
            "                baseline: {value: 25, year: 令和６年度}\n",
            "                target: {value: 50, year: 令和１２年度}   # 未定\n",
        ],
    ),
    (
        ["          - kpis: {pending: 次回以降の計画部会で議論予定}\n"],
        [
            "          - kpis:\n",
            "              - id: kpi-e\n",
            "                indicator: 指標Ｅ\n",
            "                unit: 件\n",
            "                baseline: {value: 3, year: 令和６年度}\n",
            "                target: {pending: 今後設定}\n",
        ],
    ),
]


@pytest.mark.typeset
def test_edited_cells_go_into_the_content_and_nothing_else(content, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    before = snapshot(content)
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    edited = edit(
        first,
        tmp_path / "edited.xlsx",
        EDITS,
        formats=FORMATS,
        append=[NEW_ROW],
        cached={"0.5*150": "75"},
    )

    result = import_kpis(content, edited)

    # Only goals/a.yaml changed, and in it only the lines of the edited values.
    after = snapshot(content)
    assert {k for k in after if after[k] != before[k]} == {"goals/a.yaml"}
    assert set(after) == set(before)
    old, new = before["goals/a.yaml"].decode(), after["goals/a.yaml"].decode()
    assert changed_lines(old, new) == EXPECTED_HUNKS
    assert result.files == (str(content / "goals/a.yaml"),)
    assert result.added == ("kpi-d", "kpi-e")
    where = str(content / "goals/a.yaml")
    assert f"{where}:21:35: kpi-a 基準値: 10 → 1200" in result.changes
    assert f"{where}:42:17: kpi-d ＫＰＩを追加: （なし） → 新しい指標" in result.changes
    assert "1 個のファイル" in result.summary() and "(wrote" in result.summary()

    # The plan as loaded holds the new values, numbers as numbers.
    plan = load_plan(content)
    kpis = {
        k.id: k for _, _, p in plan.packages() if not isinstance(p.kpis, Pending) for k in p.kpis
    }
    assert kpis["kpi-a"].baseline.value == 1200 and kpis["kpi-a"].baseline.year.raw == "令和６年度"
    assert kpis["kpi-a"].target.value == 20
    assert kpis["kpi-b"].target.value == 75 and kpis["kpi-b"].notes.raw == "速報値"
    assert kpis["kpi-c"].target.value == 32 and kpis["kpi-c"].unit.raw == "％"
    assert kpis["kpi-c"].baseline.value == 1200, "an emptied cell changes nothing"
    assert kpis["kpi-d"].package == "pkg-b" and kpis["kpi-d"].baseline.value == 25
    assert kpis["kpi-d"].notes is None, "the package's pending reason is not the new ＫＰＩ's note"
    assert (
        isinstance(kpis["kpi-e"].target, Pending) and kpis["kpi-e"].target.pending.raw == "今後設定"
    )

    # Exported again, exactly the edited cells differ (and what follows from them:
    # 状態, and 備考 without the reasons of the values now set).
    second = export_kpis(plan, content, tmp_path / "again.xlsx")
    a, b = cells(first), cells(second)
    differ = {k: (a.get(k), b.get(k)) for k in set(a) | set(b) if a.get(k) != b.get(k)}
    c = {name: COLUMNS.index(name) + 1 for name in COLUMNS}
    r = ROW
    assert differ == {
        (r["kpi-a"], c["基準値"]): (10, 1200),
        (r["kpi-a"], c["基準年度"]): ("令和５年度", "令和６年度"),
        (r["kpi-a"], c["目標値"]): (None, 20),
        (r["kpi-a"], c["目標年度"]): (None, "令和１２年度"),
        (r["kpi-a"], c["備考"]): (
            "備考Ａ: 速報値 / 目標値：目標値は次回以降に議論",
            "備考Ａ: 速報値",
        ),
        (r["kpi-a"], c["状態"]): ("一部未定", "設定済"),
        (r["kpi-b"], c["目標値"]): (None, 75),
        (r["kpi-b"], c["目標年度"]): (None, "令和１２年度"),
        (r["kpi-b"], c["備考"]): ("目標値：次回以降に議論", "速報値"),
        (r["kpi-b"], c["状態"]): ("一部未定", "設定済"),
        (r["kpi-c"], c["単位"]): (None, "％"),
        (r["kpi-c"], c["目標値"]): (1000, 32),
        (r["pkg-b"], c["ＫＰＩのID"]): (None, "kpi-d"),
        (r["pkg-b"], c["指標"]): (None, "新しい指標"),
        (r["pkg-b"], c["単位"]): (None, "％"),
        (r["pkg-b"], c["基準値"]): (None, 25),
        (r["pkg-b"], c["基準年度"]): (None, "令和６年度"),
        (r["pkg-b"], c["目標値"]): (None, 50),
        (r["pkg-b"], c["目標年度"]): (None, "令和１２年度"),
        (r["pkg-b"], c["備考"]): ("重点施策・ＫＰＩについては、次回以降に議論", None),
        (r["pkg-b"], c["状態"]): ("未定", "設定済"),
        (r["pkg-c"], c["ＫＰＩのID"]): (None, "kpi-e"),
        (r["pkg-c"], c["指標"]): (None, "指標Ｅ"),
        (r["pkg-c"], c["単位"]): (None, "件"),
        (r["pkg-c"], c["基準値"]): (None, 3),
        (r["pkg-c"], c["基準年度"]): (None, "令和６年度"),
        (r["pkg-c"], c["備考"]): ("次回以降の計画部会で議論予定", "目標値：今後設定"),
        (r["pkg-c"], c["状態"]): ("未定", "一部未定"),
    }

    # Imported again, the second export changes nothing.
    assert not import_kpis(content, second).changed
    assert snapshot(content) == after

    # The built PDF shows the new values.
    from conftest import build

    out = tmp_path / "out"
    build(content, out, report=lambda _: None, warn=lambda _: None)
    text = squash(
        "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(out / "plan.pdf").pages)
    )
    for shown in ("1,200", "（令和６年度）", "新しい指標", "指標Ｅ", "75", "（令和１２年度）"):
        assert shown in text, shown
    assert "10（令和５年度）" not in text


def test_a_sheet_with_bad_rows_changes_nothing_and_names_every_cell(content, tmp_path):
    before = snapshot(content)
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(
        first,
        tmp_path / "bad.xlsx",
        {
            f"{col('基準値')}{ROW['kpi-a']}": 12,  # good
            f"{col('基準値')}{ROW['kpi-b']}": "12..5",  # not a number
        },
        append=[
            [
                "kpi-x",
                "pkg-zzz",
                None,
                None,
                "指標Ｘ",
                "件",
                1,
                "令和６年度",
                2,
                "令和１２年度",
            ],  # no such package
            [
                "kpi-y",
                "pkg-b",
                None,
                None,
                None,
                "件",
                1,
                "令和６年度",
                2,
                "令和１２年度",
            ],  # no 指標
        ],
    )
    with pytest.raises(BuildError) as caught:
        import_kpis(content, sheet)
    lines = [str(p) for p in caught.value.problems]
    where = f"{sheet}:{SHEET}"
    assert lines[:3] == [
        f"{where}!G3: 基準値「12..5」を数として読めません。数で書いてください（例: 32、0.5、1,200、32%）。"
        "未定なら空欄にして、備考に「基準値：理由」と書きます。 (not a number)",
        f"{where}!B7: 政策パッケージのID「pkg-zzz」の政策パッケージが計画にありません。 (unknown package id)",
        f"{where}!E8: 指標がありません。新しいＫＰＩ「kpi-y」には指標を書いてください。 (missing indicator for a new KPI)",
    ]
    assert len(lines) == 3  # the closing note is not one of the problems
    assert (
        str(caught.value.note)
        == f"{sheet}: 3 件の問題があるため、内容ファイルには何も書き込んでいません。 (nothing written)"
    )
    assert snapshot(content) == before
    # The command says the same count in both of its closing lines.
    from conftest import run_command

    result = run_command(["kpi", "import", str(sheet), "--content", str(content)])
    assert result.code == 1
    last_two = result.err.rstrip("\n").split("\n")[-2:]
    assert last_two[0].endswith(
        "3 件の問題があるため、内容ファイルには何も書き込んでいません。 (nothing written)"
    )
    assert last_two[1] == (
        "ＫＰＩの表計算ファイルを取り込めませんでした（問題 3 件）。内容ファイルはそのままです。"
        " (kpi import failed: 3 problems; the content files were left as they were.)"
    ), last_two
    assert snapshot(content) == before


@pytest.mark.parametrize(
    ("values", "append", "expected"),
    [
        (
            {f"{col('ＫＰＩのID')}{ROW['kpi-a']}": "kpi-aa"},
            [],
            ["A2: 同じ指標のＫＰＩ「kpi-a」がこの政策パッケージにあります。"],
        ),
        (
            {f"{col('政策パッケージのID')}{ROW['kpi-a']}": "pkg-b"},
            [],
            ["B2: ＫＰＩ「kpi-a」は政策パッケージ「pkg-a」のものです。"],
        ),
        (
            {f"{col('目標値')}{ROW['kpi-a']}": 30},
            [],
            ["J2: 目標値を設定するには目標年度も書いてください"],
        ),
        (
            {f"{col('目標年度')}{ROW['kpi-b']}": "令和１２年度"},
            [],
            ["I3: 目標年度だけでは設定できません。"],
        ),
        ({}, [["kpi-z", None, None, None, "指標Ｚ"]], ["A7: ＫＰＩ「kpi-z」が計画にありません。"]),
        (
            {},
            [["kpi-z", "pkg-bb", None, None, "指標Ｚ", None, 1, "令和６年度", 2, "令和７年度"]],
            [
                "B7: 政策パッケージのID「pkg-bb」の政策パッケージが計画にありません。「pkg-b」の誤りではありませんか。"
            ],
        ),
        (
            {},
            [["kpi-z", "pkg-b", None, None, "指標Ｚ", None, 1, "令和６年度"]],
            ["I7: 目標値が空欄です。決まっていなければ、備考に「目標値：理由」と書いてください。"],
        ),
        (
            {},
            [["Kpi Z", "pkg-b", None, None, "指標Ｚ", None, 1, "令和６年度", 2, "令和７年度"]],
            ["A7: ＫＰＩのID「Kpi Z」には半角の英小文字・数字・ハイフンだけを使ってください。"],
        ),
        (
            {},
            [["goal-a", "pkg-b", None, None, "指標Ｚ", None, 1, "令和６年度", 2, "令和７年度"]],
            ["A7: ID「goal-a」は計画の別の項目で使われています。"],
        ),
        ({}, [["kpi-a", "pkg-a"]], ["A7: ＫＰＩのID「kpi-a」の行が"]),
        (
            {},
            [[None, None, None, None, "指標だけ"]],
            ["A7: ＫＰＩのIDと政策パッケージのIDがありません。"],
        ),
        (
            # a pending package's row takes its default id, and then needs its values
            {f"{col('指標')}{ROW['pkg-b']}": "指標"},
            [],
            [f"{col('基準値')}5: 基準値が空欄です。", f"{col('目標値')}5: 目標値が空欄です。"],
        ),
        (
            {f"{col('基準年度')}{ROW['kpi-a']}": 45000.0},
            [],
            [],
        ),  # a number as a year is text "45000"
    ],
)
def test_each_bad_row_is_explained(content, tmp_path, values, append, expected):
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(first, tmp_path / "bad.xlsx", values, append=append)
    before = snapshot(content)
    if not expected:
        import_kpis(content, sheet)
        return
    with pytest.raises(BuildError) as caught:
        import_kpis(content, sheet)
    lines = [str(p) for p in caught.value.problems]
    for start in expected:
        assert any(line.startswith(f"{sheet}:{SHEET}!{start}") for line in lines), lines
    assert snapshot(content) == before


def test_values_in_a_pending_packages_row_are_enough(content, tmp_path):
    # The guide (§11) says so, and the sheet's grey ＫＰＩのID cell says what happens:
    # the new ＫＰＩ takes the id kpi-<package>-1, the next one -2.
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    values = {
        f"{col('指標')}{ROW['pkg-b']}": "指標Ｂ１",
        f"{col('基準値')}{ROW['pkg-b']}": 1,
        f"{col('基準年度')}{ROW['pkg-b']}": "令和６年度",
        f"{col('目標値')}{ROW['pkg-b']}": 2,
        f"{col('目標年度')}{ROW['pkg-b']}": "令和１２年度",
    }
    below = [None, "pkg-b", None, None, "指標Ｂ２", None, 3, "令和６年度", 4, "令和１２年度"]
    sheet = edit(first, tmp_path / "filled.xlsx", values, append=[below])
    result = import_kpis(content, sheet)
    assert result.added == ("kpi-b-1", "kpi-b-2")
    assert result.warnings == (
        f"{sheet}:{SHEET}!A5: ＫＰＩのIDが空欄のため、新しいＫＰＩの ID を「kpi-b-1」としました。"
        "別の ID にするなら、この欄に書いてください。 (new KPI id kpi-b-1)",
        f"{sheet}:{SHEET}!A7: ＫＰＩのIDが空欄のため、新しいＫＰＩの ID を「kpi-b-2」としました。"
        "別の ID にするなら、この欄に書いてください。 (new KPI id kpi-b-2)",
    )
    kpis = {k.id: k for _, _, p in load_plan(content).packages() if p.id == "pkg-b" for k in p.kpis}
    assert kpis["kpi-b-1"].indicator.raw == "指標Ｂ１" and kpis["kpi-b-2"].target.value == 4
    # An id already in the plan is skipped.
    assert default_kpi_id("pkg-b", {"kpi-b-1", "kpi-b-2"}) == "kpi-b-3"
    assert default_kpi_id("roads", set()) == "kpi-roads-1"

    ws = openpyxl.load_workbook(first)[SHEET]
    grey = next(
        dv for dv in ws.data_validations.dataValidation if dv.promptTitle == "変更しないでください"
    )
    guide = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
    section = guide[guide.index("## 11.") :]
    for phrase in ("「kpi-政策パッケージのID-1」", "指標と値を書けば"):
        assert phrase in grey.prompt and phrase in section, phrase


def test_notes_and_pending_reasons(content, tmp_path):
    """備考 holds the notes and the reasons of the values still pending: each goes back to its
    own place; a note is never deleted from the sheet (the editor is told)."""
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(
        first,
        tmp_path / "n.xlsx",
        {
            f"{col('備考')}{ROW['kpi-a']}": "目標値：第３回部会で議論",  # note cleared, reason changed
            f"{col('備考')}{ROW['kpi-c']}": "基準値：速報値 / 確報は秋",  # a set value's label: a note
            f"{col('備考')}{ROW['pkg-b']}": "次回以降の計画部会で議論予定",  # the package's pending reason
        },
    )
    old = (content / "goals/a.yaml").read_text(encoding="utf-8")
    result = import_kpis(content, sheet)
    new = (content / "goals/a.yaml").read_text(encoding="utf-8")
    assert changed_lines(old, new) == [
        (
            ["                  pending: 目標値は次回以降に議論\n"],
            ["                  pending: 第３回部会で議論\n"],
        ),
        ([], ["                notes: 基準値：速報値 / 確報は秋\n"]),
        (
            ["              pending: 重点施策・ＫＰＩについては、次回以降に議論   # 未定\n"],
            ["              pending: 次回以降の計画部会で議論予定   # 未定\n"],
        ),
    ]
    assert len(result.warnings) == 1 and "備考を消す変更は反映しません" in result.warnings[0]
    assert result.warnings[0].startswith(f"{sheet}:{SHEET}!{col('備考')}2: ")
    # Exported again and imported, nothing moves.
    again = export_kpis(load_plan(content), content, tmp_path / "again.xlsx")
    assert not import_kpis(content, again).changed


def test_a_value_the_plan_cannot_load_is_undone(content, tmp_path):
    """Checks the sheet cannot make (a character the fonts lack) are the loader's: the
    files are written, loaded, found wrong and put back."""
    before = snapshot(content)
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(first, tmp_path / "bad.xlsx", {f"{col('指標')}{ROW['kpi-a']}": "𠮷野家の指標"})
    with pytest.raises(BuildError) as caught:
        import_kpis(content, sheet)
    lines = [str(p) for p in caught.value.problems]
    assert any("U+20BB7" in line for line in lines), lines
    assert "元に戻しました" in lines[-1]
    assert snapshot(content) == before
    assert not [p for p in content.rglob(".*.tmp")], "no temporary file is left behind"


def test_an_anchor_added_after_the_export_is_refused_before_anything_is_written(content, tmp_path):
    """The import edits YAML text node by node, so a value an alias repeats elsewhere could
    not be changed in one place: the plan is loaded first, and the loader refuses every
    anchor and alias at its line, so the import never meets one."""
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    goal = content / "goals" / "a.yaml"
    goal.write_text(
        GOAL.replace(
            "baseline: {value: 10, year: 令和５年度}",
            "baseline: &base {value: 10, year: 令和５年度}",
        ).replace("target: {value: 1000, year: 令和１２年度}", "target: *base"),
        "utf-8",
    )
    before = snapshot(content)
    sheet = edit(first, tmp_path / "edited.xlsx", {f"{col('基準値')}{ROW['kpi-a']}": 12})
    with pytest.raises(BuildError) as caught:
        import_kpis(content, sheet)
    lines = [str(p) for p in caught.value.problems]
    assert any(
        re.match(r".*goals/a\.yaml:21:27: YAML のアンカー「&base」は使えません", line)
        for line in lines
    ), lines
    assert any(
        ":32:25: YAML の別名（エイリアス）「*base」は使えません" in line for line in lines
    ), lines
    assert snapshot(content) == before


def test_files_are_replaced_whole_keeping_their_mode(content, tmp_path):
    """The import replaces each content file it edits at once, through a temporary beside
    it (files.stage), and keeps the file's permissions; the export is published into its
    folder as the build's products are (files.publish). Nothing else is left behind."""
    goal = content / "goals" / "a.yaml"
    goal.chmod(0o640)
    out = tmp_path / "out"
    first = export_kpis(load_plan(content), content, out / "kpi.xlsx")
    assert sorted(p.name for p in out.iterdir()) == ["kpi.xlsx"]
    sheet = edit(first, tmp_path / "edited.xlsx", {f"{col('基準値')}{ROW['kpi-a']}": 12})
    assert import_kpis(content, sheet).changed
    assert os.stat(goal).st_mode & 0o777 == 0o640
    assert "baseline: {value: 12, year: 令和５年度}" in goal.read_text("utf-8")
    assert not [p for p in content.rglob("*") if p.name.endswith(".tmp")]


def test_a_result_that_differs_from_the_sheet_is_undone(content, tmp_path, monkeypatch):
    """The plan is loaded again after writing and compared with what the sheet asked for;
    should they differ, the files are put back."""
    import keikaku.kpi_sheet

    monkeypatch.setattr(keikaku.kpi_sheet, "_as_expected", lambda *args: False)
    before = snapshot(content)
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(first, tmp_path / "e.xlsx", {f"{col('基準値')}{ROW['kpi-a']}": 11})
    with pytest.raises(BuildError, match=r"元に戻しました.*\(internal error: the result differs"):
        import_kpis(content, sheet)
    assert snapshot(content) == before


def test_text_needing_quotes_is_quoted_and_a_quoted_value_keeps_its_quotes(content, tmp_path):
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(
        first,
        tmp_path / "q.xlsx",
        {
            f"{col('指標')}{ROW['kpi-a']}": "指標: 新しい名称 #1",  # needs quotes
            f"{col('指標')}{ROW['kpi-c']}": "エネルギー消費量（原油換算）",  # was quoted: stays quoted
            f"{col('基準年度')}{ROW['kpi-b']}": "令和５年度",  # was quoted, in a flow mapping
            f"{col('備考')}{ROW['kpi-c']}": "[参考] 速報値, 暫定",  # flow indicators, block context
        },
    )
    import_kpis(content, sheet)
    text = (content / "goals/a.yaml").read_text(encoding="utf-8")
    assert '                indicator: "指標: 新しい名称 #1"   # 指標の名称\n' in text
    assert "                indicator: 'エネルギー消費量（原油換算）'\n" in text
    assert "baseline: {value: 0.5, year: '令和５年度'}" in text
    assert '                notes: "[参考] 速報値, 暫定"\n' in text
    plan = load_plan(content)
    kpis = {k.id: k for k in plan.packages()[0][2].kpis}
    assert kpis["kpi-a"].indicator.raw == "指標: 新しい名称 #1"
    assert kpis["kpi-c"].notes.raw == "[参考] 速報値, 暫定"


def test_crlf_and_a_bom_are_kept(tmp_path):
    goal = "\ufeff" + GOAL.replace("\n", "\r\n")
    content = write_content(tmp_path, {"goals/a.yaml": goal.encode("utf-8")})
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(
        first,
        tmp_path / "e.xlsx",
        {f"{col('目標値')}{ROW['kpi-a']}": 5, f"{col('目標年度')}{ROW['kpi-a']}": "令和９年度"},
    )
    import_kpis(content, sheet)
    raw = (content / "goals/a.yaml").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\r\n                  value: 5\r\n                  year: \xe4\xbb\xa4" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")


# Written otherwise: four-space indents with 「-   」 items, an empty ＫＰＩ list, a part in
# flow style, a note with no value, and a folded note ending the file without a line break.
OTHER_STYLE = """\
goal: 重点目標Ａ
id: goal-a
body:
    -   group: vision-a
        body:
            -   package: 空のＫＰＩ
                id: pkg-a
                parts:
                    -   kpis: []
            -   package: フロー
                id: pkg-b
                parts:
                    - {kpis: {pending: 理由Ｂ}}
            -   package: 備考
                id: pkg-c
                parts:
                    -   kpis:
                            -   id: kpi-c
                                indicator: 指標Ｃ
                                baseline: {value: 1, year: 令和５年度}
                                target: {value: 2, year: 令和６年度}
                                notes:
                            -   id: kpi-d
                                indicator: 指標Ｄ
                                baseline: {value: 1, year: 令和５年度}
                                target: {value: 2, year: 令和６年度}
                                notes: >-
                                    長い備考
                                    二行目"""


def test_new_kpis_follow_the_files_own_style(tmp_path):
    content = write_content(tmp_path, {"goals/a.yaml": OTHER_STYLE})
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    assert [c.value for c in openpyxl.load_workbook(first)[SHEET][col("状態")]][1:3] == [
        "なし",
        "未定",
    ]
    sheet = edit(
        first,
        tmp_path / "e.xlsx",
        {f"{col('備考')}4": "新しい備考", f"{col('備考')}5": "短い備考"},
        append=[
            ["kpi-a1", "pkg-a", None, None, "指標Ａ１", "件", 1, "令和６年度", 2, "令和７年度"],
            [
                "kpi-b1",
                "pkg-b",
                None,
                None,
                "指標Ｂ１",
                None,
                1,
                "令和６年度",
                None,
                None,
                None,  # 状態
                "目標値：未定です",
            ],
            [
                "kpi-d2",
                "pkg-c",
                None,
                None,
                "指標Ｄ２",
                "％",
                5,
                "令和６年度",
                6,
                "令和７年度",
                None,  # 状態
                "a: b",
            ],
        ],
    )
    import_kpis(content, sheet)
    new = (content / "goals/a.yaml").read_text(encoding="utf-8")
    assert changed_lines(OTHER_STYLE, new) == [
        (
            ["                    -   kpis: []\n"],
            [
                "                    -   kpis:\n",
                "                            -   id: kpi-a1\n",
                "                                indicator: 指標Ａ１\n",
                "                                unit: 件\n",
                "                                baseline: {value: 1, year: 令和６年度}\n",
                "                                target: {value: 2, year: 令和７年度}\n",
            ],
        ),
        (
            ["                    - {kpis: {pending: 理由Ｂ}}\n"],
            [
                "                    - {kpis: [{id: kpi-b1, indicator: 指標Ｂ１, baseline: {value: 1, year: 令和６年度}, "
                "target: {pending: 未定です}}]}\n"
            ],
        ),
        (
            ["                                notes:\n"],
            ["                                notes: 新しい備考\n"],
        ),
        (
            [
                "                                notes: >-\n",
                "                                    長い備考\n",
                "                                    二行目",
            ],
            [
                "                                notes: 短い備考\n",
                "                            -   id: kpi-d2\n",
                "                                indicator: 指標Ｄ２\n",
                "                                unit: ％\n",
                "                                baseline: {value: 5, year: 令和６年度}\n",
                "                                target: {value: 6, year: 令和７年度}\n",
                '                                notes: "a: b"\n',
            ],
        ),
    ]
    assert [k.id for _, _, p in load_plan(content).packages() for k in p.kpis] == [
        "kpi-a1",
        "kpi-b1",
        "kpi-c",
        "kpi-d",
        "kpi-d2",
    ]


# ------------------------------------------------------------------ CSV


def test_csv_import_works_the_same(content, tmp_path):
    before = snapshot(content)
    # kpi.csv, as the build publishes it, reads back unchanged.
    published = tmp_path / "kpi.csv"
    published.write_bytes(kpi_csv(load_plan(content)))
    assert not import_kpis(content, published).changed
    assert snapshot(content) == before

    # Edited as Excel saves "CSV UTF-8": with a BOM, numbers as displayed.
    rows = list(csv.reader(io.StringIO(published.read_bytes().decode("utf-8-sig"), newline="")))
    header = rows[0]

    def put(row: list[str], name: str, value: str) -> None:
        row[header.index(name)] = value

    put(rows[1], "基準値", "1,200")
    put(rows[1], "目標値", "２０")  # full-width digits
    put(rows[1], "目標年度", "令和１２年度")
    put(rows[3], "目標値", "32%")
    new = [""] * len(header)
    for name, value in [
        ("ＫＰＩのID", "kpi-e"),
        ("政策パッケージのID", "pkg-c"),
        ("指標", "指標Ｅ"),
        ("基準値", "3"),
        ("基準年度", "令和６年度"),
        ("備考", "目標値：今後設定"),
    ]:
        put(new, name, value)
    rows.append(new)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    edited = tmp_path / "edited.csv"
    edited.write_bytes(buf.getvalue().encode("utf-8-sig"))
    result = import_kpis(content, edited)
    plan = load_plan(content)
    kpis = {
        k.id: k for _, _, p in plan.packages() if not isinstance(p.kpis, Pending) for k in p.kpis
    }
    assert kpis["kpi-a"].baseline.value == 1200 and kpis["kpi-a"].target.value == 20
    assert kpis["kpi-c"].target.value == 32 and kpis["kpi-c"].unit.raw == "％"
    assert kpis["kpi-e"].baseline.value == 3 and isinstance(kpis["kpi-e"].target, Pending)
    assert result.added == ("kpi-e",)
    # Without a BOM too; and a bad cell is named by line and field.
    put(rows[2], "基準値", "abc")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    edited.write_bytes(buf.getvalue().encode("utf-8"))
    with pytest.raises(BuildError) as caught:
        import_kpis(content, edited)
    assert str(caught.value.problems[0]).startswith(
        f"{edited}:3:{header.index('基準値') + 1}: 基準値「abc」を数として"
    )


def test_a_shift_jis_csv_is_refused_with_how_to_save_it(content, tmp_path):
    path = tmp_path / "kpi.csv"
    path.write_bytes("ＫＰＩのID,政策パッケージのID\nkpi-a,pkg-a\n".encode("cp932"))
    with pytest.raises(BuildError, match=r"CSV UTF-8.*\(CSV is not UTF-8\)"):
        import_kpis(content, path)


# ------------------------------------------------------------------ hostile sheets


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def _refused(content: Path, path: Path, gloss: str) -> str:
    before = snapshot(content)
    with pytest.raises(BuildError) as caught:
        import_kpis(content, path)
    message = str(caught.value)
    assert gloss in message, message
    assert "Traceback" not in message
    assert message.startswith(str(path))
    assert snapshot(content) == before
    return message


def test_a_file_that_is_not_a_zip_is_refused(content, tmp_path):
    path = tmp_path / "kpi.xlsx"
    path.write_text("ＫＰＩのID,政策パッケージのID\n", encoding="utf-8")
    _refused(content, path, "(not an .xlsx or .csv file)")
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    _refused(content, path, "(legacy .xls or password-protected workbook)")


def test_a_zip_bomb_is_refused_unopened(content, tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(101):
                member.write(chunk)
    assert path.stat().st_size < 1024 * 1024
    message = _refused(content, path, "(zip expands beyond 100 MB)")
    assert "101 MB" in message


def test_a_zip_of_too_many_members_is_refused(content, tmp_path):
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(1001):
            z.writestr(f"xl/m{i}.xml", "")
    _refused(content, path, "(too many members in the zip)")


def test_a_zip_that_is_not_a_workbook_is_refused(content, tmp_path):
    path = tmp_path / "other.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    _refused(content, path, "(zip is not an xlsx workbook)")


def test_a_file_over_10_mb_is_refused(content, tmp_path):
    path = tmp_path / "big.xlsx"
    with path.open("wb") as f:
        f.truncate(10 * 1024 * 1024 + 1)
    _refused(content, path, "(file over 10 MB)")
    csv_path = tmp_path / "big.csv"
    os.link(path, csv_path)
    _refused(content, csv_path, "(file over 10 MB)")


def test_xml_entities_in_a_workbook_are_refused(content, tmp_path):
    good = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx").read_bytes()
    evil = rezip(
        good,
        "xl/worksheets/sheet1.xml",
        lambda xml: xml.replace(
            "<worksheet",
            '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><worksheet',
            1,
        ),
    )
    path = tmp_path / "evil.xlsx"
    path.write_bytes(evil)
    _refused(content, path, "(not a readable xlsx)")


def test_a_broken_workbook_and_a_missing_file_are_explained(content, tmp_path):
    good = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx").read_bytes()
    path = tmp_path / "broken.xlsx"
    path.write_bytes(rezip(good, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2]))
    _refused(content, path, "(not a readable xlsx)")
    with pytest.raises(BuildError, match=r"\(file not found\)"):
        import_kpis(content, tmp_path / "missing.xlsx")


def test_a_formula_without_its_result_is_not_read_as_empty(content, tmp_path):
    first = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    sheet = edit(
        first,
        tmp_path / "f.xlsx",
        {
            f"{col('目標値')}{ROW['kpi-a']}": "=2*10",
            f"{col('目標年度')}{ROW['kpi-a']}": "令和９年度",
        },
    )
    before = snapshot(content)
    with pytest.raises(BuildError, match=r"ＫＰＩ!I2: 式の計算結果が保存されていません"):
        import_kpis(content, sheet)
    assert snapshot(content) == before


# ------------------------------------------------------------------ small parts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,200", (1200, False)),
        ("１２．５", (12.5, False)),
        ("32%", (32, True)),
        ("３２％", (32, True)),
        ("-0.5", (-0.5, False)),
        ("1,20", None),
        ("12..5", None),
        ("約30", None),
        ("", None),
    ],
)
def test_parse_number(text, expected):
    got = parse_number(text)
    assert (got if got is None else (float(got[0]), got[1])) == expected


@pytest.mark.parametrize(
    ("value", "flow", "expected"),
    [
        ("令和６年度", False, "令和６年度"),
        ("令和６年度", True, "令和６年度"),
        ("a, b", False, "a, b"),
        ("a, b", True, '"a, b"'),
        ("key: value", False, '"key: value"'),
        ("2030", False, '"2030"'),
        ("true", False, '"true"'),
        ("- item", False, '"- item"'),
        ("#タグ", False, '"#タグ"'),
        ("改行\nあり", False, '"改行\\nあり"'),
    ],
)
def test_yaml_scalar_quotes_only_when_needed(value, flow, expected):
    assert yaml_scalar(value, flow=flow) == expected


def test_numbers_are_written_as_written():
    from decimal import Decimal

    assert [yaml_scalar(Decimal(t)) for t in ("1200", "0.50", "1E+3", "0.00001")] == [
        "1200",
        "0.5",
        "1000",
        "0.00001",
    ]


def test_workbook_bytes_do_not_depend_on_the_clock(content):
    from datetime import datetime

    plan = load_plan(content)
    when = datetime(2025, 4, 1, 9, 30)
    assert workbook_bytes(plan, when) == workbook_bytes(plan, when)


def test_the_command_line_exports_and_imports(tmp_path):
    from conftest import run_command, snapshot, write_content

    content = write_content(tmp_path)
    before = snapshot(content)
    exported = run_command(
        ["kpi", "export", "--content", str(content), "--out", str(tmp_path / "out")]
    )
    assert exported.code == 0 and (tmp_path / "out" / "kpi.xlsx").is_file(), exported
    imported = run_command(
        ["kpi", "import", str(tmp_path / "out" / "kpi.xlsx"), "--content", str(content)]
    )
    assert imported.code == 0 and "変更はありません" in imported.out, imported
    assert snapshot(content) == before
    wrong = run_command(["kpi", "import", "--content", str(content)])
    assert wrong.code == 2 and "kpi import FILE" in wrong.err


# ------------------------------------------------------------------ formulas in kpi.csv

HOSTILE_TEXT = {
    "indicator: 指標Ａ   # 指標の名称": 'indicator: \'=HYPERLINK("http://example.com","指標")\'',
    "unit: 件": "unit: '+件'",
    'notes: "備考Ａ: 速報値"': "notes: '@SUM(1+1)*cmd|'' /C calc''!A0'",
    "indicator: 'エネルギー消費量'": "indicator: '-2+3+cmd|'' /C calc''!A0'",
    "value: 1200": "value: -3.5",
    "target: {value: 1000, year: 令和１２年度}": "target: {value: '-増加', year: \"=令和１２年度\"}",
}


def test_no_cell_of_kpi_csv_starts_a_formula_and_it_reads_back_unchanged(tmp_path):
    goal = GOAL
    for old, new in HOSTILE_TEXT.items():
        assert old in goal
        goal = goal.replace(old, new)
    content = write_content(tmp_path, {"goals/a.yaml": goal})
    published = tmp_path / "kpi.csv"
    published.write_bytes(kpi_csv(load_plan(content)))
    rows = list(csv.reader(io.StringIO(published.read_bytes().decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    for row in body:
        for name, cell in zip(header, row, strict=True):
            if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                # Only a number in a value column may start so: it stays a number.
                assert name in ("基準値", "目標値") and float(cell) == -3.5, (name, cell)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_id["kpi-a"]["指標"] == '\'=HYPERLINK("http://example.com","指標")'
    assert by_id["kpi-a"]["単位"] == "'+件"
    assert by_id["kpi-a"]["備考"].startswith("'@SUM(1+1)")
    assert by_id["kpi-c"]["指標"] == "'-2+3+cmd|' /C calc'!A0"
    assert by_id["kpi-c"]["基準値"] == "-3.5"
    assert by_id["kpi-c"]["目標値"] == "'-増加"
    assert by_id["kpi-c"]["目標年度"] == "'=令和１２年度"  # (a tab is refused in content)
    # Read back, the ' is gone again: nothing in the content changes.
    before = snapshot(content)
    assert not import_kpis(content, published).changed
    assert snapshot(content) == before


# ------------------------------------------------------------------ the hostile sheets' table

SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)


def _with_member(data: bytes, name: str, chunks, content_type: str | None = None) -> bytes:
    """The workbook ``data`` with a member added, written from ``chunks`` (bytes) so that
    a bomb is never held whole, and declared in [Content_Types].xml."""
    if content_type:
        data = rezip(
            data,
            "[Content_Types].xml",
            lambda xml: xml.replace(
                "</Types>",
                f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>',
            ),
        )
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z, z.open(name, "w") as member:
        for chunk in chunks:
            member.write(chunk)
    return buf.getvalue()


def _shared_strings(count: int, head: bytes = b"") -> list[bytes]:
    return [
        head + b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
        *(b"<si><t>a</t></si>" * 10_000 for _ in range(count // 10_000)),
        b"</sst>",
    ]


def _rows(count: int, *, dimension: bool) -> Any:
    def change(xml: str) -> str:
        body = "".join(
            f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>x</t></is></c></row>'
            for i in range(7, count + 1)
        )
        xml = xml.replace("</sheetData>", body + "</sheetData>")
        return xml if dimension else re.sub(r"<dimension[^>]*/>", "", xml)

    return change


def _entity(head: str, member: str = "xl/worksheets/sheet1.xml", root: str = "<worksheet"):
    return lambda good: rezip(good, member, lambda xml: xml.replace(root, head + root, 1))


XXE = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
LAUGHS = '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'

# (case, the sheet made from the good export, what import_kpis must answer: a refusal at a
# place (file, or file:sheet!cell) with a phrase, or the cell's text written into the
# content changing only the value's own bytes)
HOSTILE_SHEETS: list[tuple[str, Any, tuple[str, str] | str]] = [
    ("xxe-in-sheet-xml", _entity(XXE), ("", "(not a readable xlsx)")),
    (
        "xxe-in-shared-strings",
        lambda good: _with_member(
            good, "xl/sharedStrings.xml", _shared_strings(0, XXE.encode()), SHARED_STRINGS_TYPE
        ),
        ("", "(not a readable xlsx)"),
    ),
    (
        "entity-expansion-in-shared-strings",
        lambda good: _with_member(
            good, "xl/sharedStrings.xml", _shared_strings(0, LAUGHS.encode()), SHARED_STRINGS_TYPE
        ),
        ("", "(not a readable xlsx)"),
    ),
    (
        # 5 million one-letter texts, 85 MB unpacked in 0.2 MB: openpyxl took 290 s, 550 MB
        "shared-strings-bomb",
        lambda good: _with_member(
            good, "xl/sharedStrings.xml", _shared_strings(5_000_000), SHARED_STRINGS_TYPE
        ),
        ("", "100,000 個を超えています（共有文字列の表）"),
    ),
    (
        # openpyxl reads a sheet that does not say its size whole to find it: 60 s
        "million-rows-without-a-dimension",
        lambda good: rezip(good, "xl/worksheets/sheet1.xml", _rows(1_000_000, dimension=False)),
        (f"!A{MAX_SHEET_ROWS + 2}", "読み込めるのは 10000 行までです"),
    ),
    (
        "million-rows-under-a-false-dimension",
        lambda good: rezip(good, "xl/worksheets/sheet1.xml", _rows(1_000_000, dimension=True)),
        (f"!A{MAX_SHEET_ROWS + 2}", "(too many rows)"),
    ),
    (
        "a-row-of-half-a-million-cells",
        lambda good: rezip(
            good,
            "xl/worksheets/sheet1.xml",
            lambda xml: xml.replace(
                "</sheetData>",
                '<row r="7">'
                + '<c t="inlineStr"><is><t>x</t></is></c>' * 500_000
                + "</row></sheetData>",
            ),
        ),
        ("!A7", "400,000 個を超えています"),
    ),
    (
        "formula-without-its-result",
        lambda good: _edited(good, "指標", "=1+1"),
        ("!E2", "式の計算結果が保存されていません"),
    ),
    (
        "formula-with-its-result",
        lambda good: _edited(good, "基準値", "=5+6", cached={"5+6": "11"}),
        "11",
    ),
    ("newline-and-key", lambda good: _edited(good, "指標", "指標\nkey: value"), ("!E2", "改行")),
    ("newline-in-notes", lambda good: _edited(good, "備考", "備考\r\n# x: y"), ("!L2", "改行")),
    *[
        (f"yaml-indicator-{i}", lambda good, v=v: _edited(good, "指標", v), v)
        for i, v in enumerate(
            [
                "指標 #注",
                "# 指標",
                '"引用"',
                "'単'",
                "- 指標",
                "? 指標",
                "&a 指標",
                "*a",
                "!tag 指標",
                "{a: b}",
                "[a, b]",
                "| 指標",
                "> 指標",
                "% 指標",
                "@指標",
                "`指標`",
                "指標: 値",
                "yes",
                "null",
                "~",
                "0x1F",
                "指標\\n",
                "+指標",
                "-1",
            ]
        )
    ],
    (
        "yaml-indicators-in-notes",
        lambda good: _edited(good, "備考", "[参考] &a *b: #c"),
        "[参考] &a *b: #c",
    ),
]


#: kpi-a's keys in goals/a.yaml and their values as GOAL writes them.
WAS = {"indicator: ": "指標Ａ", "notes: ": '"備考Ａ: 速報値"', "value: ": "10"}


def _edited(good: bytes, column: str, value: str, cached: dict[str, str] | None = None) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.xlsx"
        src.write_bytes(good)
        ref = f"{col(column)}{ROW['kpi-a']}"
        return edit(src, Path(tmp) / "dst.xlsx", {ref: value}, cached=cached).read_bytes()


#: Sheets of a million rows or half a million cells: a second or more each to make and to
#: refuse. In the whole suite; the fast lane has the other limits and bombs.
SIZE_CASES = {
    "million-rows-without-a-dimension",
    "million-rows-under-a-false-dimension",
    "a-row-of-half-a-million-cells",
}


@pytest.mark.parametrize(
    ("case", "make", "expected"),
    [
        pytest.param(*c, id=c[0], marks=pytest.mark.slow if c[0] in SIZE_CASES else ())
        for c in HOSTILE_SHEETS
    ],
)
def test_hostile_sheet(content, tmp_path, case, make, expected):
    good = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx").read_bytes()
    path = tmp_path / f"{case}.xlsx"
    path.write_bytes(make(good))
    before = snapshot(content)
    if isinstance(expected, tuple):
        place, phrase = expected
        with pytest.raises(BuildError) as caught:
            import_kpis(content, path)
        message = str(caught.value)
        assert "Traceback" not in message and "internal error" not in message, message
        first = str(caught.value.problems[0])
        assert first.startswith(f"{path}{':' + SHEET + place if place else ':'}"), first
        assert phrase in first, first
        assert snapshot(content) == before
        return
    # Accepted: goals/a.yaml differs from before in kpi-a's value alone, written so that
    # it reads back as the cell's text.
    import_kpis(content, path)
    after = snapshot(content)
    assert {k for k in after if after[k] != before.get(k)} == {"goals/a.yaml"}
    old, new = before["goals/a.yaml"].decode(), after["goals/a.yaml"].decode()
    ((old_lines, new_lines),) = changed_lines(old, new)
    assert len(old_lines) == len(new_lines) == 1
    a, b = old_lines[0], new_lines[0]
    # The key and what follows the value (a comment) are as they were; what lies between
    # is one YAML scalar that reads as the cell's text.
    key, was = next((k, v) for k, v in WAS.items() if k in a)
    head = a[: a.index(key) + len(key)]
    tail = a[len(head) + len(was) :]
    assert a == head + was + tail, a
    assert b.startswith(head) and b.endswith(tail), (a, b)
    assert str(yaml.safe_load(b[len(head) : len(b) - len(tail)])) == expected, (a, b)
    kpi = {k.id: k for k in load_plan(content).packages()[0][2].kpis}["kpi-a"]
    assert expected in (
        kpi.indicator.raw,
        kpi.notes.raw if kpi.notes else None,
        str(kpi.baseline.value),
    )


def test_a_csv_cell_with_a_line_break_is_refused_at_its_cell(content, tmp_path):
    published = kpi_csv(load_plan(content)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(published, newline="")))
    header = rows[0]
    (row,) = [r for r in rows if r[0] == "kpi-a"]
    row[header.index("指標")] = "指標\nkey: value\n# 注"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "kpi.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    before = snapshot(content)
    with pytest.raises(BuildError) as caught:
        import_kpis(content, path)
    first = str(caught.value.problems[0])
    assert first.startswith(f"{path}:2:{header.index('指標') + 1}: 指標のセルに改行"), first
    assert snapshot(content) == before
