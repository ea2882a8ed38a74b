"""The benchmark's own pieces still fit the build (no timing here: that is the benchmark's job)."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys

import pypdf
import pytest
import weasyprint

from conftest import CLEAN, PROJECT, write_content
from keikaku import write
from keikaku.load import load_plan

bench_main = importlib.import_module("bench.__main__")
synthetic = importlib.import_module("bench.synthetic")


def test_light_measurements_run_on_the_real_plan(tmp_path):
    bench = bench_main.Bench(PROJECT / "content", tmp_path)
    bench.check(0)
    bench.html_only(0)


def test_synthetic_plan_is_a_valid_plan_k_times_the_real_one(tmp_path):
    real = load_plan(PROJECT / "content")
    made = load_plan(synthetic.make_synthetic(PROJECT / "content", tmp_path / "x3", 3))
    assert len(made.packages()) == 3 * len(real.packages())
    assert len(made.index.visions) == 3 * len(real.index.visions)
    assert len(made.index.challenges) == 3 * len(real.index.challenges)
    # Every 未定事項 is repeated but the cover's date, which plan.yaml holds once.
    assert len(made.pending) == 3 * (len(real.pending) - 1) + 1
    assert not made.warnings


def test_the_preview_measurement_marks_the_title():
    text, visible = bench_main._marked("title: テスト計画\nstatus: 素案\n", "計測一")
    assert visible and text.startswith("title: テスト計画（計測一）\n")
    text, visible = bench_main._marked("title: 'テスト計画'\n", "計測一")
    assert not visible and text.endswith("# 計測一\n")  # left alone: only a comment is added
    text, visible = bench_main._marked("# 第１章\nsection: 状況\nid: ch1\n", "計測一", "section")
    assert visible and "section: 状況（計測一）\n" in text


def test_the_preview_saves_one_chapter(tmp_path):
    content = write_content(tmp_path)
    assert bench_main._saved_file(content) == (content / "chapter1.yaml", "section")
    (content / "plan.yaml").write_text("title: 計画\nparts: []\n", "utf-8")
    assert bench_main._saved_file(content) == (content / "plan.yaml", "title")


# It runs the live preview (build.py watch and its PDF builds), as the tests of the
# ``preview`` fixture do: in the whole suite, not the fast lane.
@pytest.mark.slow
def test_the_preview_measurement_times_each_save(tmp_path):
    preview = bench_main.preview_latency(write_content(tmp_path, CLEAN), tmp_path, saves=2)
    assert len(preview["runs"]) == 2
    assert 0 < preview["best"] <= preview["median"] <= preview["worst"] < 60
    # The PDF follows the HTML: each save's mark was read back from the PDF's text.
    assert preview["saved"] == "chapter1.yaml"
    for run in preview["runs"]:
        assert run["seconds"] < run["pdf seconds"] < 120
    assert preview["pdf best"] <= preview["pdf median"] <= preview["pdf worst"]


@pytest.mark.typeset
def test_typst_sets_the_same_text_for_reference(tmp_path, built_once):
    pytest.importorskip("typst")
    out = tmp_path / "typst.pdf"
    result = subprocess.run(
        [sys.executable, "-m", "bench.typst_ref", str(built_once() / "plan.html"), str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    )
    measured = json.loads(result.stdout)
    assert measured["pages"] >= 1 and measured["typeset_seconds"] > 0
    text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(out).pages)
    assert "施策テーマＡ" in re.sub(r"\s+", "", text)


def test_the_roomy_stack_changes_nothing_in_the_pdf():
    html = "<!DOCTYPE html><html lang=ja><body><p>Hello</p></body></html>"

    def pdf() -> bytes:
        return weasyprint.HTML(string=html).write_pdf(**write.PDF_OPTIONS)

    assert write.on_roomy_stack(pdf) == pdf()
    # Its frame needs more than a chunk of the frame stack: it opens one of its own.
    assert write.on_roomy_stack.__code__.co_stacksize >= 64 * 1024


def test_the_table_benchmark_builds_the_largest_tables_the_limits_allow(tmp_path):
    from keikaku import limits, model

    tables = importlib.import_module("bench.tables")
    for name, sizes in tables.SERIES.items():
        rows, columns, chars = sizes[-1]
        made = load_plan(
            tables.make_table_plan(PROJECT / "content", tmp_path / name, rows, columns, chars)
        )
        (table,) = [b for b in model.walk(made.parts) if isinstance(b, model.Table)]
        assert len(table.rows) == rows and {len(c.raw) for r in table.rows for c in r} == {chars}
        assert rows == limits.MAX_TABLE_ROWS or chars == limits.MAX_CELL_CHARS
        total = rows * columns * chars
        assert total <= limits.MAX_TABLE_CHARS < total + columns * chars  # one row more is over


def test_the_family_benchmark_makes_ten_editions_that_check(tmp_path):
    from keikaku.editions import check_editions
    from keikaku.family import BUILT, Document, Result, result_line

    family = importlib.import_module("bench.family")
    content = family.make_family(tmp_path / "content", sections=2)
    plans = check_editions(content)  # ids unique across the ten, every reference resolved
    assert sorted(plans) == sorted(family.BLOCKS)
    for name, plan in plans.items():
        assert (
            plan.meta.title.plain
            == f"（見本）{family.BLOCKS[name]}ブロックにおける社会資本整備重点計画"
        )
        assert plan.labels["draft_mark"].plain == "見本"
    # The example it was made from is left as it is.
    assert sorted(p.name for p in (family.EXAMPLE / "editions").iterdir()) == ["kanto", "kinki"]
    # It reads each document's seconds from the lines build.py all prints.
    lines = [
        result_line(Document(None, tmp_path), Result(BUILT, ["plan.pdf"], seconds=3.24)),
        result_line(Document("kanto", tmp_path / "k"), Result(BUILT, ["plan.pdf"], seconds=12.0)),
    ]
    assert family.document_seconds("\n".join(lines)) == {"plan": 3.2, "kanto": 12.0}
