"""``build.py all`` (keikaku/family.py): the plan and every edition, in processes of their
own, each published as its own set; and ``diff --edition``. Small content sets in tmp_path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pypdf
import pytest
import yaml
from test_cover import watermark_of
from test_editions import EDITION, OTHER
from test_shinkyu import git

from conftest import PROJECT, run_command, snapshot, squash, write_content
from keikaku import files
from keikaku.editions import editions_of
from keikaku.stamp import STAMP_NAME

PRODUCTS = {"plan.pdf", "plan.html", "plan.json", "kpi.csv"}

#: Each ``all`` below starts a process per document (three, each importing the layout
#: engine): the fast lane keeps the first test, which builds the family once, and leaves
#: the others, which build it two to four times over, to the whole suite.
SLOW = pytest.mark.slow


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    """Paths in messages are shown relative to the folder the command runs in."""
    monkeypatch.chdir(tmp_path)


def family(tmp_path: Path) -> Path:
    """The minimal national plan with two editions, east and west."""
    return write_content(
        tmp_path, {"editions/east/plan.yaml": EDITION, "editions/west/plan.yaml": OTHER}
    )


def run_all(content: Path, out: Path, *options: str):
    return run_command(["all", "--content", str(content), "--out", str(out), *options])


def lines_for(outcome, name: str) -> list[str]:
    return [line for line in outcome.out.splitlines() if f": {name}: " in line]


def pdf_text(path: Path) -> str:
    return squash("".join(p.extract_text() or "" for p in pypdf.PdfReader(path).pages))


@pytest.mark.typeset
def test_all_publishes_the_plan_its_overview_and_every_edition(tmp_path):
    content, out = family(tmp_path), tmp_path / "out"
    outcome = run_all(content, out)
    assert outcome.code == 0, outcome.err
    assert {"overview.pdf", "overview.html", *PRODUCTS} <= {p.name for p in out.iterdir()}
    assert "テスト計画" in pypdf.PdfReader(out / "plan.pdf").metadata.title
    for name, title in (
        ("east", "東ブロックにおける計画（見本）"),
        ("west", "西ブロックにおける計画（見本）"),
    ):
        folder = out / "editions" / name
        assert {p.name for p in folder.iterdir()} >= PRODUCTS
        assert pypdf.PdfReader(folder / "plan.pdf").metadata.title.startswith(title)
        # Its own 概要, of the 重点目標 it prints; the west prints none, so it has none.
        assert (folder / "overview.pdf").exists() == (name == "east")
    assert "東ブロックの独自の本文" in pdf_text(out / "editions" / "east" / "plan.pdf")
    # One line per document, in Japanese with the English beside, and a count.
    (plan_line,) = lines_for(outcome, "全国計画（本文・概要）")
    assert plan_line.startswith("作成しました: ") and plan_line.endswith("(built)")
    assert (
        "out/（plan.pdf、plan.html、plan.json、kpi.csv、overview.pdf、overview.html）" in plan_line
    )
    (east_line,) = lines_for(outcome, "版 east")
    assert "out/editions/east/（plan.pdf" in east_line
    assert outcome.out.splitlines()[-1].startswith("3 文書: 作成 3 件、変更なし 0 件、失敗 0 件。")


@SLOW
def test_a_broken_edition_fails_alone_and_keeps_its_previous_products(tmp_path):
    content, out = family(tmp_path), tmp_path / "out"
    assert run_all(content, out).code == 0
    west = out / "editions" / "west"
    before = snapshot(west)
    # West's YAML broken, east edited: east is built again, west fails and is left as it was.
    (content / "editions" / "west" / "plan.yaml").write_text(OTHER + "parts: [\n", "utf-8")
    east = content / "editions" / "east" / "plan.yaml"
    east.write_text(EDITION.replace("独自の本文", "独自の本文（改）"), "utf-8")
    outcome = run_all(content, out)
    assert outcome.code == 1
    (line,) = lines_for(outcome, "版 west")
    assert line.startswith("失敗しました: 版 west: content/editions/west/plan.yaml:")
    assert "out/editions/west/ はそのままです" in line and line.endswith("(failed)")
    assert "content/editions/west/plan.yaml:" in outcome.err  # every problem, at its place
    assert snapshot(west) == before
    assert lines_for(outcome, "版 east")[0].startswith("作成しました: ")
    assert "独自の本文（改）" in pdf_text(out / "editions" / "east" / "plan.pdf")
    assert "失敗 1 件" in outcome.out.splitlines()[-1]


@SLOW
def test_from_nothing_a_broken_edition_does_not_stop_the_others(tmp_path):
    content, out = family(tmp_path), tmp_path / "out"
    (content / "editions" / "west" / "plan.yaml").write_text(
        OTHER.replace("- p: 西ブロックの本文", "- national: ch9"), "utf-8"
    )
    outcome = run_all(content, out)
    assert outcome.code == 1
    assert (out / "plan.pdf").is_file() and (out / "overview.pdf").is_file()
    assert (out / "editions" / "east" / "plan.pdf").is_file()
    assert not (out / "editions" / "west").exists()
    assert "ch9" in lines_for(outcome, "版 west")[0]


def _top(folder: Path) -> dict[str, bytes]:
    """The national plan's products (the files of the folder itself, not of editions/)."""
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


@SLOW
def test_the_no_op_check_is_per_edition(tmp_path):
    content, out = family(tmp_path), tmp_path / "out"
    assert run_all(content, out).code == 0
    east, west = out / "editions" / "east", out / "editions" / "west"
    plan_before, east_before = _top(out), snapshot(east)
    mtime = (east / "plan.pdf").stat().st_mtime_ns
    # West's own text changes: west alone is built again.
    path = content / "editions" / "west" / "plan.yaml"
    path.write_text(OTHER.replace("西ブロックの本文", "西ブロックの本文（改）"), "utf-8")
    outcome = run_all(content, out)
    assert outcome.code == 0, outcome.err
    assert lines_for(outcome, "版 west")[0].startswith("作成しました: ")
    for name in ("版 east", "全国計画（本文・概要）"):
        (line,) = lines_for(outcome, name)
        assert line.startswith("変更なし: ") and line.endswith("(unchanged)"), line
    assert snapshot(east) == east_before and (east / "plan.pdf").stat().st_mtime_ns == mtime
    assert _top(out) == plan_before
    assert "西ブロックの本文（改）" in pdf_text(west / "plan.pdf")
    assert outcome.out.splitlines()[-1].startswith("3 文書: 作成 1 件、変更なし 2 件、失敗 0 件。")
    # The national content is every document's: all three are built again.
    chapter4 = content / "chapter4.yaml"
    chapter4.write_text(chapter4.read_text("utf-8").replace("方策Ａ", "方策Ａ（改）"), "utf-8")
    outcome = run_all(content, out)
    assert outcome.code == 0 and "作成 3 件" in outcome.out, outcome.out
    assert "方策Ａ（改）" in pdf_text(east / "plan.pdf")
    # --force builds every one.
    assert "作成 3 件" in run_all(content, out, "--force").out


@SLOW
def test_options_keep_their_meaning(tmp_path):
    content, out = family(tmp_path), tmp_path / "out"
    # --final: the plan and east print 未定事項 and are refused; west has none, and is built.
    outcome = run_all(content, out, "--final")
    assert outcome.code == 1 and not (out / "plan.pdf").exists()
    (east,) = lines_for(outcome, "版 east")
    assert (
        east.startswith("失敗しました: 版 east: 正式版を妨げているもの: 2件")
        and "（問題 2 件。" in east
    )
    assert lines_for(outcome, "版 west")[0].startswith("作成しました: ")
    html = (out / "editions" / "west" / "plan.html").read_text("utf-8")
    assert watermark_of(html) is None  # the formal edition: no draft mark
    # --edition is build's and diff's: all builds every edition.
    wrong = run_command(["all", "--edition", "east", "--content", str(content)])
    assert wrong.code == 2 and "all はすべての版を作るため、--edition は付けません" in wrong.err


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(c) for c in text.split()]
    return found


@SLOW
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_ctrl_c_stops_the_children_and_leaves_no_half_written_products(tmp_path):
    content, out = family(tmp_path), tmp_path / "out"
    process = subprocess.Popen(
        [
            *(sys.executable, str(PROJECT / "build.py"), "all", "--no-docx"),
            *("--content", str(content), "--out", str(out)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (running := _children(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running, "no document was started"
    time.sleep(0.5)  # the children are loading or laying out
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout, stderr)
    assert "中断しました" in stdout and "中断" in stdout.splitlines()[-1], stdout
    for pid in running:  # every child has stopped
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )
    # Each folder holds its whole set with its stamp, or nothing: no temporaries, no journal.
    for folder in (out, out / "editions" / "east", out / "editions" / "west"):
        if not folder.exists():
            continue
        names = {p.name for p in folder.iterdir() if p.is_file()}
        assert not [n for n in names if files.is_temporary(n) or n == files.JOURNAL_NAME]
        if names:
            stamp = json.loads((folder / STAMP_NAME).read_text("utf-8"))
            assert set(stamp["products"]) == names - {STAMP_NAME}
    # The next run builds what was interrupted.
    again = run_all(content, out)
    assert again.code == 0, again.err


# ---------------------------------------------------------------- diff --edition


def _commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_diff_of_an_edition_reads_it_from_both_revisions(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    content = write_content(repo, {"editions/east/plan.yaml": EDITION})
    _commit(repo, "版1")
    path = content / "editions" / "east" / "plan.yaml"
    path.write_text(EDITION.replace("独自の本文", "独自の本文を改めた"), "utf-8")
    # The national goal it prints by reference changes too.
    goal = content / "goals" / "a.yaml"
    goal.write_text(goal.read_text("utf-8").replace("重点目標Ａ", "重点目標Ａ改"), "utf-8")
    _commit(repo, "版2")
    out = tmp_path / "out"
    outcome = run_command(
        [
            "diff",
            "HEAD~1",
            "HEAD",
            "--edition",
            "east",
            "--content",
            str(content),
            "--out",
            str(out),
        ]
    )
    assert outcome.code == 0, outcome.err
    text = pdf_text(out / "shinkyu.pdf")
    assert text.startswith("東ブロックにおける計画（見本）（見本）新旧対照表"), text[:80]
    assert "独自の本文を改めた" in text and "重点目標Ａ改" in text
    # Numbered as the edition numbers it: the national 第３章's goal is its 第２章's 第１節.
    assert "第２章" in text and "第１節" in text and "第３章" not in text.split("重点目標Ａ改")[0]
    # The national plan's own table, by default into output/, does not list the edition.
    national = run_command(
        ["diff", "HEAD~1", "HEAD", "--content", str(content), "--out", str(tmp_path / "n")]
    )
    assert national.code == 0 and "独自の本文" not in pdf_text(tmp_path / "n" / "shinkyu.pdf")


def test_diff_of_an_edition_the_old_revision_does_not_have_is_refused_in_one_line(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    content = write_content(repo)
    _commit(repo, "版1")
    (content / "editions" / "east").mkdir(parents=True)
    (content / "editions" / "east" / "plan.yaml").write_text(EDITION, "utf-8")
    _commit(repo, "版2")
    out = tmp_path / "out"
    outcome = run_command(
        ["diff", "HEAD~1", "--edition", "east", "--content", str(content), "--out", str(out)]
    )
    assert outcome.code == 1 and not out.exists()
    (line,) = outcome.err.splitlines()
    assert line.startswith(
        "HEAD~1:content/editions/east/plan.yaml: 版「east」はリビジョン「HEAD~1」にはありません"
    )
    # The guide shows this line, for the example's edition.
    guide = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
    assert line.replace("east", "kanto") in guide
    # A name that is in neither: the close match, from the working tree.
    typo = run_command(
        ["diff", "HEAD~1", "--edition", "eats", "--content", str(content), "--out", str(out)]
    )
    assert typo.code == 1 and "「east」の誤りではありませんか" in typo.err


# ---------------------------------------------------------------- CI


def test_the_workflow_builds_every_edition_of_the_example_as_a_matrix():
    workflow = yaml.safe_load((PROJECT / ".github" / "workflows" / "build.yml").read_text("utf-8"))
    job = workflow["jobs"]["editions"]
    example = PROJECT / "examples" / "regional" / "content"
    assert job["strategy"]["matrix"]["edition"] == editions_of(example)
    assert job["strategy"]["fail-fast"] is False
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert "--edition ${{ matrix.edition }}" in runs and "examples/regional/content" in runs
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert "${{ matrix.edition }}" in upload["with"]["name"]
    assert "${{ matrix.edition }}" in upload["with"]["path"]
    assert upload["with"]["if-no-files-found"] == "error"
    ci = (PROJECT / ".ci" / "run").read_text("utf-8")
    assert "build.py all" in ci and "make test" in ci and "make pdf" in ci


def test_cores_are_those_this_process_may_use():
    from keikaku.family import cores

    expected = (
        os.process_cpu_count() if hasattr(os, "process_cpu_count") else len(os.sched_getaffinity(0))
    )
    assert cores() == expected >= 1


def test_the_document_date_is_the_last_commit_to_what_the_document_reads(tmp_path, monkeypatch):
    from keikaku.dates import document_date

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    content = write_content(repo, {"editions/east/plan.yaml": EDITION})

    def commit(message: str, epoch: int) -> None:
        monkeypatch.setenv("GIT_COMMITTER_DATE", f"@{epoch} +0900")
        _commit(repo, message)

    commit("版1", 1_700_000_000)
    (content / "editions" / "west").mkdir()
    (content / "editions" / "west" / "plan.yaml").write_text(OTHER, "utf-8")
    commit("版2", 1_700_100_000)  # west only: no other document's date changes
    assert document_date(content).timestamp() == 1_700_000_000
    assert document_date(content, "east").timestamp() == 1_700_000_000
    assert document_date(content, "west").timestamp() == 1_700_100_000
    chapter4 = content / "chapter4.yaml"
    chapter4.write_text(chapter4.read_text("utf-8") + "\n", "utf-8")
    commit("版3", 1_700_200_000)  # the national content: every document's
    assert {document_date(content, e).timestamp() for e in (None, "east", "west")} == {
        1_700_200_000
    }
