"""The yearly フォローアップ: 実績値 in the content (checked at file:line:col), the 進捗率 and
status of each ＫＰＩ, its chart, the round trip through the spreadsheet, the open data
and the report itself (``build.py followup``)."""

from __future__ import annotations

import csv
import difflib
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

import openpyxl
import pypdf
import pytest

from conftest import (
    PROJECT,
    assert_embeds_plan_fonts,
    run_command,
    snapshot,
    squash,
    write_content,
)
from keikaku.data import kpi_csv, plan_data
from keikaku.docx import docx_bytes
from keikaku.errors import BuildError
from keikaku.followup import (
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    assess,
    chart_geometry,
    chart_svg,
    goal_reports,
    load_followup_config,
    nice_axis,
    percent,
    report_headings,
)
from keikaku.kpi_sheet import COLUMNS, SHEET, export_kpis, import_kpis
from keikaku.load import load_plan
from keikaku.model import DEFAULT_LABELS, Kpi, KpiActual, KpiValue, Pending, Text, draft_mark
from keikaku.series import fiscal_year, reiwa

# Two 重点目標: a rising ＫＰＩ behind its line, one achieved early, a falling one (死者数)
# with a missing year, one without 実績値, one with a baseline of zero, and a package whose
# ＫＰＩ are pending.
GOAL_A = """\
goal: 重点目標Ａ
id: goal-a
body:
  - group: vision-a
    body:
      - package: 施策テーマＡ
        id: pkg-a
        parts:
          - kpis:
              - id: kpi-repair
                indicator: 修繕完了率
                unit: ％
                baseline: {value: 55, year: 令和５年度}
                target: {value: 80, year: 令和12年度}
                actuals:
                  - {year: 令和６年度, value: 58, note: 確定値}
                  - {year: 令和７年度, value: 60, note: 確定値, source: 調査}
              - id: kpi-early
                indicator: 点検実施率
                unit: ％
                baseline: {value: 0, year: 令和５年度}
                target: {value: 100, year: 令和10年度}
                actuals:
                  - {year: 令和６年度, value: 40}
                  - {year: 令和７年度, value: 100, note: 速報値}
      - package: 施策テーマＢ
        id: pkg-b
        parts:
          - kpis:
              - id: kpi-deaths
                indicator: 交通事故死者数
                unit: 人
                baseline: {value: 2600, year: 令和５年度}
                target: {value: 2000, year: 令和12年度}
                actuals:
                  - {year: 令和６年度, value: 2500}
                  - {year: 令和８年度, value: 2300}
              - id: kpi-none
                indicator: 策定数
                unit: 件
                baseline: {value: 500, year: 令和５年度}
                target: {value: 1200, year: 令和12年度}
      - package: 施策テーマＣ
        id: pkg-c
        parts:
          - kpis: {pending: 次回以降に議論}
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Paths in messages are shown relative to the folder the command runs in."""
    monkeypatch.chdir(tmp_path)


def content_with(tmp_path: Path, goal: str = GOAL_A, extra: dict | None = None) -> Path:
    return write_content(tmp_path, {"goals/a.yaml": goal, **(extra or {})})


def kpis_of(plan) -> dict[str, Kpi]:
    return {k.id: k for _g, _grp, p in plan.packages() if isinstance(p.kpis, tuple) for k in p.kpis}


def problems_of(content: Path) -> list[str]:
    with pytest.raises(BuildError) as exc:
        load_plan(content)
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ fiscal years


def test_fiscal_years_read_as_the_plan_writes_them():
    assert fiscal_year("令和８年度") == fiscal_year("令和8年度") == 2026
    assert fiscal_year("令和12年度") == fiscal_year("令和１２年度") == 2030
    assert fiscal_year("令和元年度") == 2019
    assert fiscal_year("2026年度") is None and fiscal_year("令和８年") is None
    assert [reiwa(y) for y in (2019, 2026, 2030)] == ["令和元年度", "令和８年度", "令和12年度"]


# ------------------------------------------------------------------ the series' checks


def test_actual_values_are_typed_and_carry_source_and_note(tmp_path):
    k = kpis_of(load_plan(content_with(tmp_path)))["kpi-repair"]
    assert [(a.year.raw, a.value) for a in k.actuals] == [("令和６年度", 58), ("令和７年度", 60)]
    assert isinstance(k.actuals[0].value, int), "numbers stay numbers"
    assert k.actuals[1].note.raw == "確定値" and k.actuals[1].source.raw == "調査"
    assert k.actuals[0].source is None


def _at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column (1-based) of the ``nth`` ``needle`` in ``text``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def test_each_check_of_a_series_is_an_error_at_its_place(tmp_path):
    goal = GOAL_A.replace(
        "                  - {year: 令和７年度, value: 60, note: 確定値, source: 調査}\n",
        "                  - {year: 令和７年度, value: 60, note: 確定値, source: 調査}\n"
        "                  - {year: 令和４年度, value: 50}\n"  # before the baseline
        "                  - {year: 令和13年度, value: 81}\n"  # after the target
        "                  - {year: 令和６年度, value: 59}\n"  # a second 令和６年度
        "                  - {year: 令和９年度, value: 66, unit: 件}\n"  # not ％
        "                  - {year: 2027年度, value: 66}\n",  # not 令和N年度
    )
    content = content_with(tmp_path, goal)
    problems = problems_of(content)
    text = (content / "goals/a.yaml").read_text("utf-8")
    where = "content/goals/a.yaml"
    path = "body[0].body[0].parts[0].kpis[0].actuals"

    def at(needle: str, nth: int = 0) -> str:
        line, col = _at(text, needle, nth)
        return f"{where}:{line}:{col}:"

    expected = {
        f"{at('令和４年度')} {path}[2].year": "基準値の年度",
        f"{at('令和13年度')} {path}[3].year": "目標値の年度",
        f"{at('令和６年度', 1)} {path}[4].year": "にもあります",
        f"{at('件', 0)} {path}[5].unit": "単位",
        f"{at('2027年度')} {path}[6].year": "令和N年度の形",
    }
    assert len(problems) == len(expected), problems
    for head, words in expected.items():
        assert any(p.startswith(head) and words in p for p in problems), (head, problems)
    twice = next(p for p in problems if "にもあります" in p)
    line, col = _at(text, "令和６年度", 0)
    assert f"{where}:{line}:{col}" in twice, "the message names the first value of that year"


def test_a_unit_written_as_the_kpis_passes_and_width_does_not_matter(tmp_path):
    goal = GOAL_A.replace(
        "{year: 令和６年度, value: 58, note: 確定値}", "{year: 令和６年度, value: 58, unit: '%'}"
    )
    k = kpis_of(load_plan(content_with(tmp_path, goal)))["kpi-repair"]
    assert k.actuals[0].unit.raw == "%"


# ------------------------------------------------------------------ 進捗率 and status


def kpi(base, target, actuals, *, years=("令和５年度", "令和12年度")) -> Kpi:
    def text(s: str) -> Text:
        return Text(s, s)  # type: ignore[arg-type]

    return Kpi(
        id="k",
        indicator=text("指標"),
        baseline=KpiValue(value=base, year=text(years[0])),
        target=KpiValue(value=target, year=text(years[1])),
        actuals=tuple(KpiActual(year=text(y), value=v) for y, v in actuals),
    )


def test_progress_and_status_at_the_edges():
    # 55 → 80 over 令和５〜12年度 (7 years): by 令和７年度 the line is at 2/7.
    behind = assess(kpi(55, 80, [("令和６年度", 58), ("令和７年度", 60)]))
    assert behind.progress == Fraction(5, 25) and behind.expected == Fraction(2, 7)
    assert behind.status == "behind" and percent(behind.progress) == "20％"
    # Exactly at 90 % of the line's progress is 順調 (≥); a hair below is 遅れ.
    line = Fraction(2, 7) * Fraction(9, 10) * 25 + 55  # the value at 90 % of the line
    assert assess(kpi(55, 80, [("令和７年度", float(line) + 1e-9)])).status == "on_track"
    assert assess(kpi(55, 80, [("令和７年度", float(line) - 1e-3)])).status == "behind"
    # Achieved early: the target reached before its year.
    early = assess(kpi(0, 100, [("令和６年度", 40), ("令和７年度", 100)]))
    assert early.status == "achieved" and early.progress == 1 and percent(early.progress) == "100％"
    over = assess(kpi(0, 100, [("令和７年度", 120)]))
    assert over.status == "achieved" and percent(over.progress) == "120％"
    # A falling indicator (死者数): the target below the baseline.
    falling = assess(kpi(2600, 2000, [("令和６年度", 2500), ("令和８年度", 2300)]))
    assert falling.progress == Fraction(1, 2) and falling.expected == Fraction(3, 7)
    assert falling.status == "on_track"
    worse = assess(kpi(2600, 2000, [("令和６年度", 2700)]))
    assert worse.status == "behind" and percent(worse.progress) == "－17％"
    # A baseline of zero divides by the distance to the target, never by the baseline.
    zero = assess(kpi(0, 30, [("令和６年度", 3)]))
    assert zero.progress == Fraction(1, 10) and zero.status == "behind"
    # A missing year: the latest value is the latest year given, judged at its own year.
    gap = assess(kpi(2600, 2000, [("令和６年度", 2500), ("令和８年度", 2300)]))
    assert gap.latest.year == 2026 and [p.year for p in gap.actuals] == [2024, 2026]
    # At the baseline's own year the line expects nothing yet.
    same_year = assess(kpi(55, 80, [("令和５年度", 55)]))
    assert same_year.expected == 0 and same_year.status == "on_track"


def test_status_is_unset_without_what_it_needs():
    assert assess(kpi(55, 80, [])).status == "unset", "no 実績値: listed, not zero"
    assert assess(kpi(55, 80, [])).progress is None
    assert assess(kpi(55, 55, [("令和６年度", 56)])).status == "unset", "target = baseline"
    text = Text("約半数", "約半数")  # type: ignore[arg-type]
    assert assess(kpi(text, 80, [("令和６年度", 58)])).status == "unset"
    pending = Kpi(
        id="p",
        indicator=Text("指標", "指標"),  # type: ignore[arg-type]
        baseline=KpiValue(value=1, year=Text("令和５年度", "令和５年度")),  # type: ignore[arg-type]
        target=Pending(pending=Text("未定", "未定")),  # type: ignore[arg-type]
        actuals=(KpiActual(year=Text("令和６年度", "令和６年度"), value=2),),  # type: ignore[arg-type]
    )
    assert assess(pending).status == "unset"


def test_the_year_of_the_report_leaves_later_values_out():
    k = kpi(0, 100, [("令和６年度", 40), ("令和７年度", 100)], years=("令和５年度", "令和10年度"))
    assert assess(k, until=2024).status == "on_track"
    assert assess(k, until=2024).latest.value == 40
    assert assess(k, until=2023).status == "unset", "nothing reported by then"


def test_the_threshold_comes_from_followup_yaml(tmp_path):
    content = content_with(tmp_path, extra={"followup.yaml": "on_track: 50\n"})
    config = load_followup_config(content)
    assert config.on_track == 50
    plan = load_plan(content)
    repair = kpis_of(plan)["kpi-repair"]  # 20 % of the way, the line at 29 %
    assert assess(repair, None, config.on_track).status == "on_track"
    assert assess(repair).status == "behind", "the default, 90 %"
    (content / "followup.yaml").write_text("on_track: 150\nfirst_year: 2026年度\n", "utf-8")
    with pytest.raises(BuildError) as exc:
        load_followup_config(content)
    lines = [str(p) for p in exc.value.problems]
    assert lines[0].startswith("content/followup.yaml:1:11: on_track:")
    assert lines[1].startswith("content/followup.yaml:2:13: first_year:")


def test_the_summary_counts_each_status_by_goal(tmp_path):
    plan = load_plan(content_with(tmp_path))
    (goal,) = goal_reports(plan, None, 90)
    assert goal.heading == "第１節\u3000重点目標Ａ"
    assert {p.group for p in goal.packages} == {"１\u3000≪姿Ａ≫"}, "under its ≪目指す社会の姿≫"
    assert [p.heading for p in goal.packages] == [
        "（１）施策テーマＡ",
        "（２）施策テーマＢ",
        "（３）施策テーマＣ",
    ]
    assert goal.counts() == {"achieved": 1, "on_track": 1, "behind": 1, "unset": 1}
    assert isinstance(goal.packages[2].pending, Text), "a pending package is shown as such"
    # As of 令和６年度: the deaths' 令和８年度 and the early one's 令和７年度 left out.
    (then,) = goal_reports(plan, 2024, 90)
    assert then.counts() == {"achieved": 0, "on_track": 2, "behind": 1, "unset": 1}


# ------------------------------------------------------------------ the chart


def test_the_chart_puts_each_point_where_its_year_and_value_are():
    standing = assess(
        kpi(0, 100, [("令和６年度", 40), ("令和７年度", 100)], years=("令和５年度", "令和10年度"))
    )
    geo = chart_geometry(standing)
    assert geo.years == (2023, 2028) and geo.values == (0, 100) and geo.step == 25
    width, height = PLOT_RIGHT - PLOT_LEFT, PLOT_BOTTOM - PLOT_TOP
    assert geo.baseline == (PLOT_LEFT, PLOT_BOTTOM)
    assert geo.target == (PLOT_RIGHT, PLOT_TOP)
    assert geo.actuals == (
        (PLOT_LEFT + width / 5, PLOT_BOTTOM - 0.4 * height),
        (PLOT_LEFT + 2 * width / 5, PLOT_TOP),
    )
    # The line runs from the baseline through years that follow one another.
    assert geo.runs == ((geo.baseline, *geo.actuals),)
    svg = str(chart_svg(standing, {k: Text(v, v) for k, v in DEFAULT_LABELS.items()}, "％"))  # type: ignore[arg-type]
    for x, y in geo.actuals:
        assert f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}"' in svg
    assert (
        f'<path class="path" d="M{PLOT_LEFT:.1f},{PLOT_BOTTOM:.1f} L{PLOT_RIGHT:.1f},{PLOT_TOP:.1f}"/>'
        in svg
    )
    assert "<desc>基準値 0％（令和５年度）、実績値 40％（令和６年度）" in svg


def test_the_chart_breaks_at_a_missing_year_and_draws_no_zero():
    falling = assess(kpi(2600, 2000, [("令和６年度", 2500), ("令和８年度", 2300)]))
    geo = chart_geometry(falling)
    assert geo.values == (2000, 2600), "the value axis covers the values, not zero"
    assert len(geo.runs) == 2 and geo.runs[0] == (geo.baseline, geo.actuals[0])
    assert geo.runs[1] == (geo.actuals[1],), "令和７年度 is not bridged"
    assert geo.baseline[1] == PLOT_TOP and geo.target[1] == PLOT_BOTTOM, "a falling line falls"
    empty = assess(kpi(500, 1200, []))
    svg = str(chart_svg(empty, {k: Text(v, v) for k, v in DEFAULT_LABELS.items()}, "件"))  # type: ignore[arg-type]
    assert svg.count('<circle class="dot"') == 1, "the legend's only: no point drawn"
    assert "実績値なし" in svg
    assert chart_geometry(empty).actuals == ()


def test_the_value_axis_takes_round_steps():
    assert nice_axis(55, 80) == (50, 80, 10)
    assert nice_axis(2000, 2600) == (2000, 2600, 200)
    assert nice_axis(3, 30) == (0, 30, 10)
    assert nice_axis(5, 5) == (4, 6, 0.5)


# ------------------------------------------------------------------ the spreadsheet


def test_actual_values_round_trip_through_the_sheet_changing_only_the_cells_edited(tmp_path):
    content = content_with(tmp_path)
    goal = content / "goals/a.yaml"
    before = goal.read_text("utf-8")
    plan = load_plan(content)
    sheet = export_kpis(plan, content, tmp_path / "kpi.xlsx")
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    assert header[len(COLUMNS) :] == [reiwa(y) for y in range(2023, 2031)]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    col = {name: i + 1 for i, name in enumerate(header)}
    assert ws.cell(rows["kpi-repair"], col["令和６年度"]).value == 58, "numbers stay numbers"
    assert ws.cell(rows["kpi-none"], col["令和６年度"]).value is None
    # The bureaus' answers: a changed value, a new year after the others, a year into the
    # gap of the deaths' series, and a first value for the ＫＰＩ without any.
    ws.cell(rows["kpi-repair"], col["令和７年度"]).value = 63
    ws.cell(rows["kpi-repair"], col["令和８年度"]).value = 65
    ws.cell(rows["kpi-deaths"], col["令和７年度"]).value = 2400
    ws.cell(rows["kpi-none"], col["令和６年度"]).value = 560
    wb.save(tmp_path / "answer.xlsx")
    result = import_kpis(content, tmp_path / "answer.xlsx")
    assert result.values == 4 and result.files == ("content/goals/a.yaml",)
    after = goal.read_text("utf-8")
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]
    assert diff == [
        "-                  - {year: 令和７年度, value: 60, note: 確定値, source: 調査}",
        "+                  - {year: 令和７年度, value: 63, note: 確定値, source: 調査}",
        "+                  - {year: 令和８年度, value: 65}",
        "+                  - {year: 令和７年度, value: 2400}",
        "+                actuals:",
        "+                  - {year: 令和６年度, value: 560}",
    ]
    kpis = kpis_of(load_plan(content))
    assert [a.year.raw for a in kpis["kpi-deaths"].actuals] == [
        "令和６年度",
        "令和７年度",
        "令和８年度",
    ]
    assert [(a.year.raw, a.value) for a in kpis["kpi-none"].actuals] == [("令和６年度", 560)]
    # Exported again and imported unchanged: nothing to do.
    export_kpis(load_plan(content), content, tmp_path / "again.xlsx")
    assert not import_kpis(content, tmp_path / "again.xlsx").changed
    assert goal.read_text("utf-8") == after


def test_a_wrong_actual_value_in_the_sheet_writes_nothing_and_names_its_cell(tmp_path):
    content = content_with(tmp_path)
    before = snapshot(content)
    sheet = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    col = {name: i + 1 for i, name in enumerate(header)}
    ws.cell(rows["kpi-early"], col["令和11年度"]).value = 100  # after its target, 令和10年度
    ws.cell(rows["kpi-repair"], col["令和８年度"]).value = "六十"
    ws.cell(rows["kpi-none"], col["令和９年度"]).value = 600  # fine, but not written
    pending_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 2).value == "pkg-c")
    ws.cell(pending_row, col["令和６年度"]).value = 1  # a package without ＫＰＩ
    wb.save(tmp_path / "answer.xlsx")
    with pytest.raises(BuildError) as exc:
        import_kpis(content, tmp_path / "answer.xlsx")
    letter = openpyxl.utils.get_column_letter
    lines = [str(p) for p in exc.value.problems]
    assert any(
        line.startswith(
            f"answer.xlsx:ＫＰＩ!{letter(col['令和11年度'])}{rows['kpi-early']}: 令和11年度は"
        )
        and "目標値の年度" in line
        for line in lines
    ), lines
    assert any(
        line.startswith(f"answer.xlsx:ＫＰＩ!{letter(col['令和８年度'])}{rows['kpi-repair']}:")
        and "数として読めません" in line
        for line in lines
    ), lines
    assert any(
        line.startswith(f"answer.xlsx:ＫＰＩ!{letter(col['令和６年度'])}{pending_row}:")
        and "ＫＰＩがないため" in line
        for line in lines
    ), lines
    assert len(lines) == 3
    assert "何も書き込んでいません" in str(exc.value.note)
    assert snapshot(content) == before


def test_kpi_csv_is_long_and_reads_back(tmp_path):
    content = content_with(tmp_path)
    plan = load_plan(content)
    rows = list(csv.DictReader(io.StringIO(kpi_csv(plan).decode("utf-8-sig"), newline="")))
    series = [(r["ＫＰＩのID"], r["実績年度"], r["実績値"], r["実績の注記"]) for r in rows]
    assert series == [
        ("kpi-repair", "令和６年度", "58", "確定値"),
        ("kpi-repair", "令和７年度", "60", "確定値"),
        ("kpi-early", "令和６年度", "40", ""),
        ("kpi-early", "令和７年度", "100", "速報値"),
        ("kpi-deaths", "令和６年度", "2500", ""),
        ("kpi-deaths", "令和８年度", "2300", ""),
        ("kpi-none", "", "", ""),
        ("", "", "", ""),
    ]
    assert rows[1]["実績の出典"] == "調査" and rows[1]["基準値"] == "55", (
        "each row repeats its ＫＰＩ"
    )
    # The statistics office's file, with a year added as a row of its own (and a 確定値
    # replacing a 速報値), reads back into the content.
    goal = content / "goals/a.yaml"
    before = goal.read_text("utf-8")
    extra = dict(rows[3], 実績年度="令和８年度", 実績値="100", 実績の注記="確定値")
    rows[3]["実績の注記"] = "確定値"
    rows.insert(4, extra)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "answer.csv").write_bytes(buf.getvalue().encode("utf-8-sig"))
    result = import_kpis(content, tmp_path / "answer.csv")
    assert result.values == 2
    after = goal.read_text("utf-8")
    assert (
        after.replace(
            "{year: 令和７年度, value: 100, note: 確定値}\n"
            "                  - {year: 令和８年度, value: 100, note: 確定値}\n",
            "{year: 令和７年度, value: 100, note: 速報値}\n",
        )
        == before
    )
    # A further row of a ＫＰＩ that changes its own columns is refused at that cell.
    rows[4]["基準値"] = "1"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    (tmp_path / "bad.csv").write_bytes(buf.getvalue().encode("utf-8-sig"))
    with pytest.raises(BuildError) as exc:
        import_kpis(content, tmp_path / "bad.csv")
    (line,) = [str(p) for p in exc.value.problems]
    assert line.startswith(
        f"bad.csv:6:{list(rows[0]).index('基準値') + 1}: 同じＫＰＩ「kpi-early」の行では"
    )
    assert goal.read_text("utf-8") == after


def test_plan_json_carries_the_series(tmp_path):
    import jsonschema

    data = json.loads(json.dumps(plan_data(load_plan(content_with(tmp_path)))))
    assert data["version"] == "3.2"
    schema = json.loads((PROJECT / "schema" / "plan.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert schema["$defs"]["Kpi"]["properties"]["actuals"]["items"] == {"$ref": "#/$defs/KpiActual"}
    text = json.dumps(data, ensure_ascii=False)
    assert (
        '"actuals": [{"year": "令和６年度", "value": 58, "unit": null, "source": null, "note": "確定値"}'
        in text
    )


# ------------------------------------------------------------------ the report


def test_the_report_is_built_grouped_and_counted(tmp_path):
    content = content_with(tmp_path)
    out = tmp_path / "out"
    outcome = run_command(["followup", "--content", str(content), "--out", str(out), "--no-docx"])
    assert outcome.code == 0, outcome.err
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "followup.html",
        "followup.pdf",
    ]
    reader = pypdf.PdfReader(out / "followup.pdf")
    text = squash("".join(page.extract_text() for page in reader.pages))
    # The summary: counts by status for the 重点目標, and the total.
    assert "重点目標ごとの状況" in text
    assert squash("第１節\u3000重点目標Ａ11114計11114") in text
    assert "実績値の報告がないＫＰＩ" in text and "策定数" in text
    assert "進捗率＝（最新値－基準値）÷（目標値－基準値）" in text
    # Each ＫＰＩ in the plan's order, with its latest value, 進捗率 and status.
    order = [
        text.index(w) for w in ("修繕完了率", "点検実施率", "交通事故死者数", "（３）施策テーマＣ")
    ]
    assert order == sorted(order)
    assert "最新値：60％（令和７年度）" in text and "進捗率：20％" in text
    assert "進捗率：50％" in text  # the falling indicator
    # Numbers grouped by three as the axes write them (公用文): 2,600, never 2600.
    assert "最新値：2,300人（令和８年度）" in text and "2,600" in text
    assert "2600" not in text and "2300" not in text
    # The plan's standards: PDF/A-3a (tagged), the plan's fonts embedded.
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    fonts = {
        str(f.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert fonts == {"BIZ-UDMincho", "BIZ-UDGothic", "BIZ-UDGothic-Bold"}, "the plan's faces only"
    # Each chart is a tagged figure whose alternative text gives its values.
    alts = []

    def figures(node):
        node = node.get_object()
        if isinstance(node, dict):
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt")))
            kids = node.get("/K")
            for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
                figures(kid)

    figures(root["/StructTreeRoot"])
    assert "修繕完了率：基準値 55％（令和５年度）、実績値 58％（令和６年度）" in alts[0]
    # PDF/UA: the row heads of the series tables (基準値, 実績値, 目標値) head their rows,
    # the column heads their columns.
    from test_structure import _header_scopes

    scopes = set(_header_scopes(reader))
    assert ("TBody", "/Row") in scopes and ("THead", "/Column") in scopes
    assert all(scope for _, scope in scopes) and ("TBody", "/Column") not in scopes
    assert len(alts) == 4 and alts[3].endswith("実績値なし")
    html = (out / "followup.html").read_text("utf-8")
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="kpi-chart"') == 4
    assert "build" not in text and str(tmp_path) not in text, "no build paths printed"


def test_the_draft_is_marked_behind_every_page_and_the_final_is_not(tmp_path):
    from datetime import UTC, datetime

    from keikaku.followup import FollowupConfig, render_followup

    plan = load_plan(content_with(tmp_path))
    when = datetime(2027, 6, 1, tzinfo=UTC)

    def html(draft: bool) -> str:
        return render_followup(
            plan, FollowupConfig(), "followup.css", when, until=None, draft=draft
        )

    assert '@page { background: url("data:image/svg+xml;base64,' in html(True)
    assert "data:image/svg+xml" not in html(False)
    assert "<title>テスト計画\u3000年次フォローアップ（令和８年度の実績まで）</title>" in html(
        False
    )


def test_the_year_option_is_checked(tmp_path):
    content = content_with(tmp_path)
    out = tmp_path / "out"
    outcome = run_command(
        ["followup", "--content", str(content), "--out", str(out), "--year", "2026"]
    )
    assert outcome.code == 1
    assert "build.py followup --year: 年度「2026」は「令和８年度」のように" in outcome.err
    assert not out.exists() or not any(out.glob("followup.*"))
    ok = run_command(
        [
            "followup",
            "--content",
            str(content),
            "--out",
            str(out),
            "--year",
            "令和６年度",
            "--no-docx",
        ]
    )
    assert ok.code == 0, ok.err
    html = (out / "followup.html").read_text("utf-8")
    assert (
        "（令和６年度の実績まで）" in html
        and "2300" not in html.split("<main>")[1].split("交通事故死者数")[0]
    )


def test_the_example_is_sample_data_marked_as_such(tmp_path):
    example = PROJECT / "examples" / "followup" / "content"
    plan = load_plan(example)
    assert "見本" in plan.meta.title.plain and plan.labels["draft_mark"].plain == "見本"
    assert "見本" in plan.labels["followup_title"].plain
    assert any(k.actuals for k in kpis_of(plan).values())
    assert load_followup_config(example).first_year.plain == "令和８年度"
    # The real plan carries no 実績値 and no followup.yaml.
    real = load_plan(PROJECT / "content")
    assert not any(k.actuals for k in kpis_of(real).values())
    assert not (PROJECT / "content" / "followup.yaml").exists()


def test_the_word_edition_of_the_report(tmp_path):
    content = content_with(tmp_path)
    out = tmp_path / "out"
    outcome = run_command(["followup", "--content", str(content), "--out", str(out)], docx=True)
    assert outcome.code == 0, outcome.err

    with zipfile.ZipFile(out / "followup.docx") as z:
        xml = z.read("word/document.xml").decode("utf-8")
        styles = z.read("word/styles.xml").decode("utf-8")
    assert 'w:eastAsia="BIZ UDMincho"' in styles and 'w:eastAsia="BIZ UDGothic"' in styles
    assert "Theme=" not in styles, "no theme font left"
    words = re.sub(r"<[^>]+>", "", xml)
    assert "修繕完了率" in words and "重点目標ごとの状況" in words
    # Each chart as its description in words.
    assert "基準値 55％（令和５年度）、実績値 58％（令和６年度）" in words
    # The plan's faces travel with it, embedded as plan.docx embeds them.
    assert_embeds_plan_fonts((out / "followup.docx").read_bytes())


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _styles(parts: dict[str, bytes]) -> dict[str, ET.Element]:
    root = ET.fromstring(parts["word/styles.xml"])
    return {s.get(f"{W}styleId"): s for s in root.iter(f"{W}style")}


def _para_text(p: ET.Element) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _page_furniture(parts: dict[str, bytes]) -> tuple[ET.Element, str, str]:
    """The body's last section properties and the text of the default page head and
    foot they refer to (with the foot's field codes)."""
    body = ET.fromstring(parts["word/document.xml"]).find(f"{W}body")
    sect = body.findall(f"{W}sectPr")[-1]
    rels = ET.fromstring(parts["word/_rels/document.xml.rels"])
    target = {r.get("Id"): r.get("Target") for r in rels}

    def part(kind: str) -> ET.Element:
        ref = next(r for r in sect.findall(f"{W}{kind}Reference") if r.get(f"{W}type") == "default")
        return ET.fromstring(parts["word/" + target[ref.get(f"{R}id")]])

    head, foot = part("header"), part("footer")
    boxed = "".join(
        t.text or ""
        for r in head.iter(f"{W}r")
        if r.find(f"{W}rPr/{W}rStyle[@{W}val='PlanStatusBox']") is not None
        for t in r.iter(f"{W}t")
    )
    codes = "".join(i.text or "" for i in foot.iter(f"{W}instrText"))
    return sect, boxed, codes


def _geometry(sect: ET.Element) -> list[dict[str, str]]:
    return [dict(sect.find(f"{W}{e}").attrib) for e in ("pgSz", "pgMar")]


@pytest.mark.typeset
def test_the_word_edition_of_the_report_is_set_as_plan_docx_is(tmp_path):
    """followup.docx in plan.docx's reference document: the same heading styles (the
    plan's faces, black, upright), each heading of the plan in the Heading n of its
    depth as plan.docx sets it, the plan's table style, the draft's mark boxed in the page
    head, 「- n -」 (a PAGE field) at the foot, A4 with the plan's margins; each chart's
    description as body text; the same bytes from the same content."""
    content = content_with(tmp_path)
    out = tmp_path / "out"
    outcome = run_command(["followup", "--content", str(content), "--out", str(out)], docx=True)
    assert outcome.code == 0, outcome.err
    data = (out / "followup.docx").read_bytes()
    plan = load_plan(content)
    plan_docx = docx_bytes(
        plan, revision="HEAD", date=datetime(2026, 4, 1, tzinfo=UTC), content=content
    )
    report, planned = _package(data), _package(plan_docx)
    styles, plan_styles = _styles(report), _styles(planned)

    def look(style: ET.Element) -> str:
        rpr = style.find(f"{W}rPr")
        return "" if rpr is None else ET.tostring(rpr, encoding="unicode")

    for d in range(1, 7):
        heading = styles[f"Heading{d}"]
        assert heading.find(f"{W}rPr/{W}color") is None, f"Heading{d} is coloured"
        assert heading.find(f"{W}rPr/{W}i") is None, f"Heading{d} is italic"
        assert look(heading) == look(plan_styles[f"Heading{d}"])
    assert ET.tostring(styles["Table"]) == ET.tostring(plan_styles["Table"])
    assert not [
        e
        for e in ET.fromstring(report["word/styles.xml"]).iter(f"{W}color")
        if e.get(f"{W}val") not in ("000000", "444444", "auto")
    ]

    # The page: the plan's geometry, the draft's mark boxed at the head, the folio.
    sect, boxed, codes = _page_furniture(report)
    plan_sect, plan_boxed, plan_codes = _page_furniture(planned)
    assert _geometry(sect) == _geometry(plan_sect)
    assert boxed == draft_mark(plan.meta.status, plan.labels) == plan_boxed
    assert codes.strip() == "PAGE" == plan_codes.strip()

    # Each heading of the plan in the style plan.docx gives it, number and title apart.
    def styled(parts: dict[str, bytes]) -> dict[str, str]:
        out: dict[str, str] = {}
        for p in ET.fromstring(parts["word/document.xml"]).iter(f"{W}p"):
            style = p.find(f"{W}pPr/{W}pStyle")
            if style is not None and style.get(f"{W}val").startswith("Heading"):
                out[squash(_para_text(p))] = style.get(f"{W}val")
        return out

    mine, theirs = styled(report), styled(planned)
    headings = report_headings(plan)
    assert {h.depth for h in headings} == {2, 3, 4}
    for h in headings:
        key = squash(h.line)
        assert mine[key] == theirs[key] == f"Heading{h.depth}", h.line
    # The number, a tab, the title: the title hangs after the number as in plan.docx.
    document = report["word/document.xml"].decode("utf-8")
    assert re.search(
        r"（１）</w:t></w:r><w:r><w:tab ?/></w:r><w:r>(<w:rPr>.*?</w:rPr>)?"
        r'<w:t xml:space="preserve">施策テーマＡ',
        document,
    )

    # Tables in the plan's table style, their heads in 「Plan Cell Head」.
    root = ET.fromstring(report["word/document.xml"])
    tables = list(root.iter(f"{W}tbl"))
    assert len(tables) == 5  # the summary, and one per ＫＰＩ
    for t in tables:
        assert t.find(f"{W}tblPr/{W}tblStyle").get(f"{W}val") == "Table"
        first = t.find(f"{W}tr/{W}tc/{W}p/{W}pPr/{W}pStyle")
        assert first.get(f"{W}val") == "PlanCellHead"

    # A chart's description is body text: justified, not centred.
    desc = next(p for p in root.iter(f"{W}p") if _para_text(p).startswith("基準値 55％"))
    name = desc.find(f"{W}pPr/{W}pStyle").get(f"{W}val")
    assert name.startswith("PlanBody"), name
    assert styles[name].find(f"{W}pPr/{W}jc") is None  # Normal's: both
    assert desc.find(f"{W}pPr/{W}jc") is None

    # The same content, the same bytes.
    again = tmp_path / "again"
    outcome = run_command(["followup", "--content", str(content), "--out", str(again)], docx=True)
    assert outcome.code == 0, outcome.err
    assert (again / "followup.docx").read_bytes() == data


FLOW_GOAL = """\
goal: 重点目標Ａ
id: goal-a
body:
  - group: vision-a
    body:
      - package: 施策テーマＡ
        id: pkg-a
        parts:
          - kpis:
              - {id: kpi-f, indicator: 指標Ｆ, unit: 件, baseline: {value: 1, year: 令和５年度}, target: {value: 9, year: 令和12年度}}
              - id: kpi-g
                indicator: 指標Ｇ
                baseline: {value: 1, year: 令和５年度}
                target: {value: 9, year: 令和12年度}
                actuals: [{year: 令和６年度, value: 2}, {year: 令和８年度, value: 4}]   # 抜けた年度
                notes: 備考Ｇ
"""


def test_actual_values_go_into_flow_style_kpis_in_year_order(tmp_path):
    content = content_with(
        tmp_path, FLOW_GOAL, {"followup.yaml": "first_year: 令和８年度\nlast_year: 令和12年度\n"}
    )
    goal = content / "goals/a.yaml"
    before = goal.read_text("utf-8")
    sheet = export_kpis(load_plan(content), content, tmp_path / "kpi.xlsx")
    wb = openpyxl.load_workbook(sheet)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    # The plan period of followup.yaml, widened to the years that hold a 実績値.
    assert header[len(COLUMNS) :] == [reiwa(y) for y in range(2024, 2031)]
    col = {name: i + 1 for i, name in enumerate(header)}
    ws.cell(2, col["令和６年度"]).value = 3  # kpi-f: a first 実績値, in a flow mapping
    ws.cell(3, col["令和７年度"]).value = 3  # kpi-g: into the gap of its flow list
    ws.cell(3, col["令和９年度"]).value = 5  # and after its last
    wb.save(tmp_path / "answer.xlsx")
    assert import_kpis(content, tmp_path / "answer.xlsx").values == 3
    after = goal.read_text("utf-8")
    assert after == before.replace(
        "target: {value: 9, year: 令和12年度}}",
        "target: {value: 9, year: 令和12年度}, actuals: [{year: 令和６年度, value: 3}]}",
    ).replace(
        "{year: 令和６年度, value: 2}, {year: 令和８年度, value: 4}]",
        "{year: 令和６年度, value: 2}, {year: 令和７年度, value: 3}, {year: 令和８年度, value: 4}"
        ", {year: 令和９年度, value: 5}]",
    )
    kpis = kpis_of(load_plan(content))
    assert [a.value for a in kpis["kpi-g"].actuals] == [2, 3, 4, 5]


def test_check_reads_followup_yaml_as_the_report_does(tmp_path):
    content = content_with(tmp_path, extra={"followup.yaml": "on_track: 0\n"})
    outcome = run_command(["check", "--content", str(content), "--out", str(tmp_path / "out")])
    assert outcome.code == 1
    assert "content/followup.yaml:1:11: on_track: 順調とする割合は 1 から 100 まで" in outcome.err
    (content / "followup.yaml").write_text("on_track: 80\n", "utf-8")
    outcome = run_command(["check", "--content", str(content), "--out", str(tmp_path / "out")])
    assert outcome.code == 0, outcome.err
