"""Regional editions (keikaku/editions.py): a document of its own over the national
content, reusing it by id. Each test writes a small content set in tmp_path."""

from __future__ import annotations

import pypdf
import pytest

from conftest import (
    PROJECT,
    at,
    build,
    content_with,
    problems,
    run_command,
    snapshot,
    squash,
)
from keikaku.editions import check_editions, editions_of, load_edition
from keikaku.load import load_plan

EDITION = """\
title: 東ブロックにおける計画（見本）
status: 見本
issuer: 東ブロック
labels:
  draft_mark: 見本
parts:
  - generated: cover
  - generated: toc
  - section: 東ブロックの現状
    id: east-now
    body:
      - p: 東ブロックの独自の本文
  - section: 東ブロックの重点目標
    id: east-goals
    body:
      - national: goal-a
  - national: ch4
"""

OTHER = """\
title: 西ブロックにおける計画（見本）
parts:
  - generated: cover
  - section: 西ブロックの現状
    id: west-now
    body:
      - p: 西ブロックの本文
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


@pytest.mark.typeset
def test_an_edition_prints_national_sections_numbered_as_it_numbers_them(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    out = tmp_path / "out"
    build(content, out, edition="east", report=lambda _: None, warn=lambda _: None)
    reader = pypdf.PdfReader(out / "plan.pdf")
    text = squash("".join(p.extract_text() or "" for p in reader.pages))
    assert reader.metadata.title.startswith("東ブロックにおける計画（見本）")
    assert "東ブロックの独自の本文" in text
    # The national 重点目標 with its package and ＫＰＩ, by reference …
    assert "重点目標Ａ" in text and "施策テーマＡ" in text and "指標Ａ" in text
    assert "方策Ａ" in text  # … and the national 第４章, whole
    # … numbered as the edition prints them: its own chapter is 第１章, the national
    # goal is 第２章's 第１節 (第３章's in the national plan), 第４章 is its 第３章.
    assert "第１章東ブロックの現状" in text
    assert "第２章東ブロックの重点目標" in text and "第１節重点目標Ａ" in text
    assert "第３章実効性を確保する方策" in text
    # What the edition leaves out is not printed.
    assert "状況の変化" not in text and "審議の経過" not in text
    # Its own products, the 概要 too: of what the edition prints, under its title.
    assert {"plan.pdf", "plan.html", "plan.json", "kpi.csv", "overview.pdf"} <= {
        p.name for p in out.iterdir()
    }
    overview = pypdf.PdfReader(out / "overview.pdf")
    sheet = squash(overview.pages[0].extract_text())
    assert len(overview.pages) == 1 and "東ブロックにおける計画（見本）（概要）" in sheet
    assert "重点目標Ａ" in sheet and "施策テーマＡ" in sheet
    assert "重点目標Ｂ" not in sheet and "施策テーマＢ" not in sheet
    # The national plan is unchanged, and does not report the edition's files.
    national = load_plan(content)
    assert not national.warnings, national.warnings
    assert editions_of(content) == ["east"]


@pytest.mark.typeset
def test_an_editions_overview_reads_its_own_overview_yaml(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    (content / "editions" / "east" / "overview.yaml").write_text(
        "lead: 東ブロックの概要の一文（見本）。\nmain_kpis: [kpi-a]\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    build(content, out, edition="east", report=lambda _: None, warn=lambda _: None)
    sheet = squash(pypdf.PdfReader(out / "overview.pdf").pages[0].extract_text())
    assert "東ブロックの概要の一文（見本）。" in sheet and "指標Ａ" in sheet
    # A mistake in it is named in the edition's folder.
    (content / "editions" / "east" / "overview.yaml").write_text(
        "main_kpis: [kpi-zz]\n", encoding="utf-8"
    )
    said = problems(
        lambda: build(content, out, edition="east", report=lambda _: None, warn=lambda _: None)
    )
    assert any("editions/east/overview.yaml:1:" in p and "kpi-zz" in p for p in said), said


@pytest.mark.typeset
def test_the_cli_builds_an_edition_into_its_own_folder_and_skips_when_nothing_changed(
    tmp_path, monkeypatch
):
    monkeypatch.setattr("keikaku.cli.PROJECT_ROOT", tmp_path)  # the default output/
    content = content_with(tmp_path, {"east": EDITION})
    outcome = run_command(["--content", str(content), "--edition", "east"])
    assert outcome.code == 0, outcome.err
    assert "output/editions/east/plan.pdf" in outcome.out
    assert (tmp_path / "output" / "editions" / "east" / "plan.pdf").is_file()
    assert not (tmp_path / "output" / "plan.pdf").exists()
    # The stamp is per output folder: a second run finds nothing changed …
    again = run_command(["--content", str(content), "--edition", "east"])
    assert again.code == 0 and "nothing changed" in again.out, again.out
    # … while the national plan, into output/, is built.
    national = run_command(["--content", str(content)])
    assert national.code == 0 and "output/plan.pdf" in national.out
    # An edition that does not exist is named with the close match.
    wrong = run_command(["--content", str(content), "--edition", "eats"])
    assert wrong.code == 1
    assert "版「eats」が見つかりません" in wrong.err and "「east」の誤り" in wrong.err


def test_a_dangling_national_reference_is_an_error_at_its_place(tmp_path):
    text = EDITION.replace("- national: goal-a", "- national: goal-x")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, 'goal-x')}:")
    assert "ID「goal-x」" in found[0] and "「goal-a」の誤りではありませんか" in found[0]
    # check reports it too.
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 1 and "goal-x" in outcome.err


def test_a_national_id_taken_by_an_edition_is_an_error_at_its_place(tmp_path):
    text = EDITION.replace("id: east-now", "id: ch1")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, 'ch1')}:")
    assert "content/chapter1.yaml:2:5 でも使われています" in found[0]


def test_a_duplicate_id_across_editions_is_an_error_at_its_place(tmp_path):
    west = OTHER.replace("id: west-now", "id: east-now")
    content = content_with(tmp_path, {"east": EDITION, "west": west})
    # Each alone is fine …
    assert load_edition(content, "east") and load_edition(content, "west")
    # … but check, which reads every edition, finds the id twice.
    found = problems(lambda: check_editions(content))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/west/plan.yaml:{at(west, 'east-now')}:")
    assert f"版「east」の content/editions/east/plan.yaml:{at(EDITION, 'east-now')}" in found[0]


def test_a_national_entity_printed_twice_is_an_error(tmp_path):
    text = EDITION.replace("  - national: ch4\n", "  - national: ch4\n  - national: measure-a\n")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1 and "measure-a" in found[0] and "一度だけ" in found[0], found


def test_check_covers_every_edition(tmp_path):
    broken = OTHER.replace("- p: 西ブロックの本文", "- national: ch9")
    content = content_with(tmp_path, {"east": EDITION, "west": broken})
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 1
    assert "content/editions/west/plan.yaml" in outcome.err and "ch9" in outcome.err
    content = content_with(tmp_path, {"east": EDITION, "west": OTHER})
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 0, outcome.err
    assert "版 east" in outcome.out and "版 west" in outcome.out


@pytest.mark.typeset
def test_a_failing_edition_leaves_its_previous_products_untouched(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    out = tmp_path / "out"
    build(content, out, edition="east", report=lambda _: None, warn=lambda _: None)
    before = snapshot(out)
    path = content / "editions" / "east" / "plan.yaml"
    path.write_text(EDITION.replace("national: ch4", "national: ch44"), encoding="utf-8")
    outcome = run_command(["--content", str(content), "--edition", "east", "--out", str(out)])
    assert outcome.code == 1 and "ch44" in outcome.err
    assert f"{out}/ はそのまま" in outcome.err or "はそのままです" in outcome.err
    assert snapshot(out) == before


def test_the_example_is_sample_data_marked_as_such():
    example = PROJECT / "examples" / "regional" / "content"
    assert editions_of(example) == ["kanto", "kinki"]
    plans = check_editions(example)
    for plan in [load_plan(example), *plans.values()]:
        assert "（見本）" in plan.meta.title.plain
        assert plan.labels["draft_mark"].plain == "見本"
    # The draft has no regional content.
    assert editions_of(PROJECT / "content") == []


def test_the_guide_shows_the_example_as_it_is():
    import re

    guide = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
    chapter = guide[guide.index("## 16. 地方ブロック版") :]
    shown = re.search(r"```yaml\n(title: .*?)```", chapter, re.S)
    example = PROJECT / "examples/regional/content/editions/kanto/plan.yaml"
    text = example.read_text("utf-8")
    assert shown and shown.group(1) == text[text.index("title:") :]
