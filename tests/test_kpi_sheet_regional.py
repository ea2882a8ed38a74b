"""The regional editions' own ＫＰＩ (``regional_kpis:``) in the sheet 「ＫＰＩ」 of kpi.xlsx
(``keikaku/kpi_sheet/``): listed after the national ones with their 「版」, and read back
into the edition's plan.yaml byte for byte, all or nothing over every file, problems at
their cells. Each test works on a copy of the example (examples/regional/)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import PROJECT, problems, snapshot, write_content
from keikaku.data import KPI_COLUMNS
from keikaku.editions import load_edition
from keikaku.kpi_sheet import SHEET, export_kpis, import_kpis
from keikaku.load import load_plan

pytestmark = pytest.mark.usefixtures("in_tmp")

EXAMPLE = PROJECT / "examples" / "regional" / "content"
KANTO = "editions/kanto/plan.yaml"
KINKI = "editions/kinki/plan.yaml"
# The example's sheet: the national ＫＰＩ (rows 2-7), then kanto's and kinki's own.
ROW = {
    "kpi-repair": 2,
    "kpi-chargers": 6,
    "kanto-kpi-tunnel": 8,
    "kanto-kpi-sewer": 9,
    "kinki-kpi-bus": 10,
}
NEW = 11  # the first row below the table


@pytest.fixture
def content(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "content")
    return tmp_path / "content"


def exported(content: Path, tmp_path: Path) -> Path:
    return export_kpis(load_plan(content), content, tmp_path / "out" / "kpi.xlsx")


def header(path: Path) -> list[str]:
    return [c.value for c in openpyxl.load_workbook(path)[SHEET][1]]


def edited(path: Path, cells: dict[tuple[int, str], Any], name: str = "回答.xlsx") -> Path:
    """The sheet with ``cells`` ((row, column name): value) set, saved as ``name``."""
    columns = header(path)
    wb = openpyxl.load_workbook(path)
    for (row, column), value in cells.items():
        wb[SHEET].cell(row=row, column=columns.index(column) + 1, value=value)
    out = path.parent.parent / name
    wb.save(out)
    return out


def letter(path: Path, column: str) -> str:
    return openpyxl.utils.get_column_letter(header(path).index(column) + 1)


def test_the_export_lists_every_editions_own_kpis_with_whose_they_are(content, tmp_path):
    path = exported(content, tmp_path)
    ws = openpyxl.load_workbook(path)[SHEET]
    columns = header(path)
    # 「版」 after the two keys; the rest as kpi.csv has them.
    assert columns[:3] == ["ＫＰＩのID", "政策パッケージのID", "版"]
    assert columns[3 : 3 + len(KPI_COLUMNS) - 2] == list(KPI_COLUMNS[2:])
    rows = [dict(zip(columns, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    whose = [(r["ＫＰＩのID"], r["政策パッケージのID"], r["版"]) for r in rows]
    assert whose == [
        ("kpi-repair", "pkg-repair", "全国"),
        ("kpi-inspection", "pkg-repair", "全国"),
        ("kpi-deaths", "pkg-safety", "全国"),
        ("kpi-transit-plans", "pkg-transit", "全国"),
        ("kpi-chargers", "pkg-transit", "全国"),
        (None, "pkg-carbon", "全国"),
        ("kanto-kpi-tunnel", "pkg-repair", "kanto"),
        ("kanto-kpi-sewer", "pkg-repair", "kanto"),
        ("kinki-kpi-bus", "pkg-transit", "kinki"),
    ]
    # Under the national package, numbered as the edition prints it: kinki prints the
    # national 第２節 as its 第１節.
    bus, transit = rows[ROW["kinki-kpi-bus"] - 2], rows[ROW["kpi-chargers"] - 2]
    assert bus["重点目標"] == "第１節\u3000持続可能な地域社会の形成（見本）"
    assert transit["重点目標"] == "第２節\u3000持続可能な地域社会の形成（見本）"
    assert bus["政策パッケージ"] == "（１）地域交通の再構築（見本）"
    # A pending value reads as the national ones do: its reason in 備考.
    sewer = rows[ROW["kanto-kpi-sewer"] - 2]
    assert (sewer["基準値"], sewer["状態"]) == (None, "一部未定")
    assert sewer["備考"] == "基準値：関東ブロックの調査結果を待って設定（見本）"
    # 「版」 is read-only and stays in view with the keys.
    assert ws.freeze_panes == "F2"
    assert ws["C1"].fill.fgColor.rgb.endswith("BFBFBF") and ws["C8"].fill.fgColor.rgb.endswith(
        "D9D9D9"
    )


def test_without_editions_the_sheet_has_no_column_of_whose(tmp_path):
    content = write_content(tmp_path)
    path = exported(content, tmp_path)
    columns = header(path)
    assert "版" not in columns and columns[: len(KPI_COLUMNS)] == list(KPI_COLUMNS)
    assert openpyxl.load_workbook(path)[SHEET].freeze_panes == "E2"


def test_an_edited_regional_cell_is_written_into_its_editions_file_and_nothing_else(
    content, tmp_path
):
    path = exported(content, tmp_path)
    assert not import_kpis(content, path).changed  # unchanged, the sheet writes nothing
    before = snapshot(content)
    sheet = edited(
        path,
        {
            (ROW["kanto-kpi-tunnel"], "基準値"): 42,
            (ROW["kanto-kpi-sewer"], "基準値"): 10,  # a pending value set, with its year
            (ROW["kanto-kpi-sewer"], "基準年度"): "令和６年度",
            (ROW["kinki-kpi-bus"], "令和７年度"): 93,  # a 実績値
        },
    )
    result = import_kpis(content, sheet)
    assert result.files == (f"content/{KANTO}", f"content/{KINKI}"), result
    assert result.values == 4
    after = snapshot(content)
    assert {k for k in after if after[k] != before[k]} == {KANTO, KINKI}
    assert after.keys() == before.keys()
    kanto = before[KANTO].decode("utf-8")
    expected = kanto.replace(
        "baseline: {value: 40, year: 令和５年度}", "baseline: {value: 42, year: 令和５年度}"
    ).replace(
        "baseline: {pending: 関東ブロックの調査結果を待って設定（見本）}",
        "baseline: {value: 10, year: 令和６年度}",
    )
    assert expected != kanto and after[KANTO].decode("utf-8") == expected
    kinki = before[KINKI].decode("utf-8")
    target = "        target: {value: 100, year: 令和１２年度}\n"
    assert kinki.endswith(target)
    assert after[KINKI].decode("utf-8") == (
        kinki + "        actuals:\n          - {year: 令和７年度, value: 93}\n"
    )
    # The edition loads with them; the national plan knows nothing of them.
    tunnel = next(
        k
        for _g, _grp, p in load_edition(content, "kanto").packages()
        for k in p.regional_kpis
        if k.id == "kanto-kpi-tunnel"
    )
    assert tunnel.baseline.value == 42
    # And back: exported again, the sheet says what the content now says.
    again = exported(content, tmp_path)
    ws = openpyxl.load_workbook(again)[SHEET]
    assert ws[f"{letter(again, '基準値')}{ROW['kanto-kpi-tunnel']}"].value == 42
    assert not import_kpis(content, again).changed


def test_new_rows_for_an_edition_add_its_own_kpis(content, tmp_path):
    path = exported(content, tmp_path)
    values = {"基準値": 1, "基準年度": "令和５年度", "目標値": 5, "目標年度": "令和１２年度"}
    sheet = edited(
        path,
        {
            # to a package the edition already gives ＫＰＩ of its own …
            (NEW, "ＫＰＩのID"): "kinki-kpi-ev",
            (NEW, "政策パッケージのID"): "pkg-transit",
            (NEW, "版"): "kinki",
            (NEW, "指標"): "充電器の数（近畿・見本）",
            **{(NEW, k): v for k, v in values.items()},
            # … and to one it prints but gives none yet, without an id
            (NEW + 1, "政策パッケージのID"): "pkg-carbon",
            (NEW + 1, "版"): "kinki",
            (NEW + 1, "指標"): "排出量（近畿・見本）",
            **{(NEW + 1, k): v for k, v in values.items()},
        },
    )
    before = snapshot(content)
    result = import_kpis(content, sheet)
    assert result.added == ("kinki-kpi-ev", "kinki-kpi-carbon-1"), result
    assert len(result.warnings) == 1 and "「kinki-kpi-carbon-1」" in result.warnings[0]
    after = snapshot(content)
    assert {k for k in after if after[k] != before[k]} == {KINKI}
    assert after[KINKI].decode("utf-8") == before[KINKI].decode("utf-8") + (
        "      - id: kinki-kpi-ev\n"
        "        indicator: 充電器の数（近畿・見本）\n"
        "        baseline: {value: 1, year: 令和５年度}\n"
        "        target: {value: 5, year: 令和１２年度}\n"
        "  - package: pkg-carbon\n"
        "    kpis:\n"
        "      - id: kinki-kpi-carbon-1\n"
        "        indicator: 排出量（近畿・見本）\n"
        "        baseline: {value: 1, year: 令和５年度}\n"
        "        target: {value: 5, year: 令和１２年度}\n"
    )
    kinki = load_edition(content, "kinki")
    own = {p.id: [k.id for k in p.regional_kpis] for _g, _grp, p in kinki.packages()}
    assert own == {
        "pkg-transit": ["kinki-kpi-bus", "kinki-kpi-ev"],
        "pkg-carbon": ["kinki-kpi-carbon-1"],
    }
    # The national plan is as it was: its pending package stays pending.
    assert "kinki" not in (content / "goals" / "b.yaml").read_text("utf-8")


def test_the_first_own_kpi_of_an_edition_makes_its_regional_kpis(tmp_path):
    edition = (
        "title: 東ブロック（見本）\nparts:\n  - generated: cover\n  - section: 東の重点目標\n"
        "    id: east-goals\n    body:\n      - national: goal-a\n"
    )
    content = write_content(tmp_path, {"editions/east/plan.yaml": edition})
    path = exported(content, tmp_path)
    assert header(path)[2] == "版"
    row = 1 + sum(1 for _ in openpyxl.load_workbook(path)[SHEET].iter_rows())
    sheet = edited(
        path,
        {
            (row, "ＫＰＩのID"): "east-kpi-a",
            (row, "政策パッケージのID"): "pkg-a",
            (row, "版"): "east",
            (row, "指標"): "東の指標",
            (row, "基準値"): 1,
            (row, "基準年度"): "令和５年度",
            (row, "目標値"): 2,
            (row, "目標年度"): "令和12年度",
        },
    )
    assert import_kpis(content, sheet).added == ("east-kpi-a",)
    assert (content / "editions/east/plan.yaml").read_text("utf-8") == edition + (
        "regional_kpis:\n"
        "  - package: pkg-a\n"
        "    kpis:\n"
        "      - id: east-kpi-a\n"
        "        indicator: 東の指標\n"
        "        baseline: {value: 1, year: 令和５年度}\n"
        "        target: {value: 2, year: 令和12年度}\n"
    )
    assert [k.id for k in load_edition(content, "east").packages()[0][2].regional_kpis] == [
        "east-kpi-a"
    ]


def test_a_problem_in_a_regional_row_is_named_at_its_cell_and_nothing_is_written(content, tmp_path):
    path = exported(content, tmp_path)
    before = snapshot(content)
    sheet = edited(
        path,
        {
            (ROW["kpi-repair"], "基準値"): 56,  # a good national cell
            (ROW["kanto-kpi-tunnel"], "目標値"): "たくさん",
            (ROW["kinki-kpi-bus"], "版"): "kanto",  # a ＫＰＩ moved to another edition
            (NEW, "ＫＰＩのID"): "kanto-kpi-x",
            (NEW, "政策パッケージのID"): "pkg-repair",
            (NEW, "版"): "kantou",
            (NEW, "指標"): "新しい指標",
            (NEW + 1, "ＫＰＩのID"): "kinki-kpi-x",
            (NEW + 1, "政策パッケージのID"): "pkg-repair",  # kinki does not print it
            (NEW + 1, "版"): "kinki",
            (NEW + 1, "指標"): "新しい指標",
            (NEW + 1, "基準値"): 1,
            (NEW + 1, "基準年度"): "令和５年度",
            (NEW + 1, "目標値"): 2,
            (NEW + 1, "目標年度"): "令和１２年度",
        },
    )
    found = problems(lambda: import_kpis(content, sheet))
    col = {name: letter(path, name) for name in ("目標値", "版", "政策パッケージのID")}
    assert [f.split(": ")[0] for f in found] == [
        f"回答.xlsx:ＫＰＩ!{col['目標値']}{ROW['kanto-kpi-tunnel']}",
        f"回答.xlsx:ＫＰＩ!{col['版']}{ROW['kinki-kpi-bus']}",
        f"回答.xlsx:ＫＰＩ!{col['版']}{NEW}",
        f"回答.xlsx:ＫＰＩ!{col['政策パッケージのID']}{NEW + 1}",
    ], found
    assert "数として読めません" in found[0]
    assert "版「kinki」のもの" in found[1]
    assert "版「kantou」がありません" in found[2] and "「kanto」の誤り" in found[2]
    assert "版「kinki」に載っていません" in found[3]
    assert snapshot(content) == before


def test_one_editions_file_failing_writes_no_file(content, tmp_path):
    """Cells of the national plan, of kanto and of kinki: kinki's result does not load
    (a character the fonts lack, the loader's to find), so every file is put back."""
    path = exported(content, tmp_path)
    before = snapshot(content)
    cells = {
        (ROW["kpi-repair"], "基準値"): 56,
        (ROW["kanto-kpi-tunnel"], "基準値"): 42,
        (ROW["kinki-kpi-bus"], "指標"): "𠮷野の路線バス（見本）",
    }
    found = problems(lambda: import_kpis(content, edited(path, cells)))
    assert any(f.startswith(f"content/{KINKI}:") and "U+20BB7" in f for f in found), found
    assert "元に戻しました" in found[-1]
    assert snapshot(content) == before
    # Without it, all three files are written at once.
    del cells[(ROW["kinki-kpi-bus"], "指標")]
    cells[(ROW["kinki-kpi-bus"], "目標値")] = 95
    result = import_kpis(content, edited(path, cells))
    assert result.files == ("content/goals/a.yaml", f"content/{KANTO}", f"content/{KINKI}")


def test_a_file_that_cannot_be_replaced_puts_back_the_others(content, tmp_path, monkeypatch):
    """kinki's plan.yaml, the last of the three, cannot be replaced (a full disk, a file
    another program holds): the national file and kanto's, replaced already, are put back."""
    import keikaku.kpi_sheet

    path = exported(content, tmp_path)
    before = snapshot(content)
    cells = {
        (ROW["kpi-repair"], "基準値"): 56,
        (ROW["kanto-kpi-tunnel"], "基準値"): 42,
        (ROW["kinki-kpi-bus"], "目標値"): 95,
    }
    sheet = edited(path, cells)
    replace = keikaku.kpi_sheet.os.replace
    replaced: list[str] = []

    def failing(src, dst):
        if Path(dst).as_posix().endswith(KINKI):
            raise OSError(28, "No space left on device")
        replaced.append(Path(dst).as_posix())
        replace(src, dst)

    monkeypatch.setattr(keikaku.kpi_sheet.os, "replace", failing)
    with pytest.raises(OSError):
        import_kpis(content, sheet)
    # The national file and kanto's were replaced (then written back) …
    assert replaced[:2] == ["content/goals/a.yaml", f"content/{KANTO}"], replaced
    assert snapshot(content) == before  # … and are as they were
    assert not [p for p in content.rglob("*") if p.name.endswith(".tmp")]


def test_the_guide_shows_the_examples_sheet_and_import_as_they_are(tmp_path):
    """The rows and the import the guide shows (「11.」の「地方ブロック版のＫＰＩ」), made from
    the example with the edits it names, run from a folder laid out as the project."""
    from conftest import run_command

    guide = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
    section = guide[guide.index("### 地方ブロック版のＫＰＩ") :]
    section = section[: section.index("\n### ")]
    table = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in section.split("\n")
        if line.startswith("| ") and not line.startswith("| ＫＰＩのID")
    ]
    shutil.copytree(PROJECT / "examples" / "regional", tmp_path / "examples" / "regional")
    content, out = "examples/regional/content", "examples/regional/output"
    assert run_command(["--content", content, "--out", out, "kpi", "export"]).code == 0
    path = tmp_path / out / "kpi.xlsx"
    rows = {
        r[0]: [str(v) for v in r[:6]]
        for r in openpyxl.load_workbook(path)[SHEET].iter_rows(min_row=2, values_only=True)
    }
    assert len(table) == 4 and table == [rows[r[0]] for r in table], table
    # The import: the tunnel's 基準値 42, and kinki's new ＫＰＩ below the table.
    new = {
        "政策パッケージのID": "pkg-carbon",
        "版": "kinki",
        "指標": "公共施設のＬＥＤ照明の導入率（近畿ブロック・見本）",
        "単位": "％",
        "基準値": 30,
        "基準年度": "令和５年度",
        "目標値": 100,
        "目標年度": "令和１２年度",
    }
    cells = {(ROW["kanto-kpi-tunnel"], "基準値"): 42, **{(NEW, k): v for k, v in new.items()}}
    sheet = edited(path, cells)
    (tmp_path / "回答.xlsx").write_bytes(sheet.read_bytes())
    outcome = run_command(["--content", content, "kpi", "import", "回答.xlsx"])
    assert outcome.code == 0, outcome.err
    changes, summary = outcome.out.strip().split("\n")[:-1], outcome.out.strip().split("\n")[-1]
    printed = [*changes, *outcome.err.strip().split("\n"), summary]
    shown = section[section.rindex("```\n", 0, section.rindex("```")) + 4 : section.rindex("```")]
    assert printed == shown.strip().split("\n"), printed
