"""The formal edition's gate, explained: ``--final`` and ``check --final`` group what
blocks the formal edition by kind, a count for each kind first, then the problems one a
line (``file:line:col: …``) under their kind; a draft ``check`` prints the same counts as
information. The exit codes are as ever: 1 when the gate is closed, 0 for a draft."""

from __future__ import annotations

import re
import textwrap

import pytest

from conftest import CLEAN, MINIMAL, run_command, write_content
from keikaku.lint import GATE_KINDS, gate, lint
from keikaku.load import load_lint_config, load_plan

GOAL = textwrap.dedent(MINIMAL["goals/a.yaml"])

#: The minimal plan (two 未定事項) with one deliberative sentence, one half-width digit
#: among full-width ones and one 「，」.
BLOCKED = {
    "goals/a.yaml": GOAL.replace("取組Ａ", "取組Ａを3年で進めるべきではないか。").replace(
        "方向性Ａ[^note-a]", "方向性Ａ，[^note-a]"
    )
}
COUNTS = "未定事項 2件、検討段階の表現 1件、表記の揺れ（全角・半角） 1件、句読点 1件"
PROBLEM = re.compile(r"^\S*content/[\w/.-]+:\d+:\d+: ")


def test_the_counts_of_each_kind(tmp_path):
    plan = load_plan(write_content(tmp_path, BLOCKED))
    blocked = gate(plan, lint(plan, load_lint_config(tmp_path / "content"), final=True))
    assert [(g.kind, len(g.problems)) for g in blocked.groups] == [
        ("pending", 2),
        ("deliberative", 1),
        ("width", 1),
        ("punctuation", 1),
    ]
    assert blocked.counts() == COUNTS
    assert [k for k, _, _ in GATE_KINDS] == [
        "pending",
        "deliberative",
        "width",
        "punctuation",
        "brackets",
        "halfwidth_katakana",
        "sentence_length",
    ]


def _blocked_report(err: str) -> list[str]:
    lines = err.rstrip("\n").split("\n")
    # the folder as given (--out), in Japanese first, the English beside
    assert re.fullmatch(
        r"正式版は作成できません（問題 5 件）。出力フォルダ (\S+/) はそのままです。"
        r" \(the final edition is blocked: 5 problems; \1 was left as it was\.\)",
        lines[-1],
    ), lines[-1]
    return lines[:-1]


def _check_grouped(lines: list[str]) -> None:
    # the counts first, one line per kind, in the gate's order
    assert lines[0] == "正式版を妨げているもの: 5件 (what blocks the final edition)"
    counts = [re.sub(r"\s+", " ", line.strip()) for line in lines[1:5]]
    assert counts == [
        "未定事項 2件 (pending items)",
        "検討段階の表現 1件 (deliberative phrasing: 〜ではないか。)",
        "表記の揺れ（全角・半角） 1件 (full-width and half-width forms)",
        "句読点 1件 (punctuation)",
    ]
    # then the list, each problem on its line under its kind
    rest = lines[5:]
    headings = [n for n, line in enumerate(rest) if line.startswith("【")]
    assert [rest[n] for n in headings] == [
        "【未定事項】2件 (pending items)",
        "【検討段階の表現】1件 (deliberative phrasing: 〜ではないか。)",
        "【表記の揺れ（全角・半角）】1件 (full-width and half-width forms)",
        "【句読点】1件 (punctuation)",
    ]
    problems = [line for line in rest if not line.startswith("【")]
    assert len(problems) == 5 and all(PROBLEM.match(p) for p in problems), problems
    assert [n for n in range(len(rest)) if "未定事項が残っています" in rest[n]] == [1, 2]
    assert (
        "[deliberative]" in rest[4] and "[width-digits]" in rest[6] and "[punctuation]" in rest[8]
    )


def test_final_build_lists_the_blockers_by_kind_with_counts_first(tmp_path):
    content = write_content(tmp_path, BLOCKED)
    outcome = run_command(["--final", "--content", str(content), "--out", str(tmp_path / "out")])
    assert outcome.code == 1
    _check_grouped(_blocked_report(outcome.err))
    assert not (tmp_path / "out" / "plan.pdf").exists()


def test_check_final_lists_the_same(tmp_path):
    content = write_content(tmp_path, BLOCKED)
    outcome = run_command(["check", "--final", "--content", str(content)])
    assert outcome.code == 1 and "Traceback" not in outcome.err
    _check_grouped(_blocked_report(outcome.err))


def test_a_draft_check_shows_what_remains_as_information(tmp_path):
    content = write_content(tmp_path, BLOCKED)
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 0
    lines = outcome.out.strip().split("\n")
    assert lines[0].startswith(
        "ok: 1 重点目標, 1 政策パッケージ, 2 未定事項, 2 件の公用文 lint 警告"
    )
    assert lines[1] == f"正式版までに残っているもの: {COUNTS} (left before the final edition)"
    # the draft's own warnings as before: the deliberative rule waits for the final edition
    assert outcome.err.count("warning: ") == 2 and "[deliberative]" not in outcome.err


def test_nothing_remains_in_a_clean_plan(tmp_path):
    content = write_content(tmp_path, CLEAN)
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 0
    assert (
        outcome.out.strip().split("\n")[-1]
        == "正式版までに残っているものはありません。 (nothing blocks the final edition)"
    )
    assert run_command(["check", "--final", "--content", str(content)]).code == 0


@pytest.mark.typeset
def test_a_draft_build_does_not_print_the_counts(tmp_path):
    content = write_content(tmp_path, BLOCKED)
    outcome = run_command(["--content", str(content), "--out", str(tmp_path / "out")])
    assert outcome.code == 0 and "正式版までに" not in outcome.out + outcome.err
