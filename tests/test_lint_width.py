"""The width rules follow the office's style: ``style: mixed-by-length`` in content/lint.yaml
(full-width single digits, half-width longer numbers; full-width capital abbreviations,
half-width other Latin text) beside the default ``consistent``; and the README's ＫＰＩ
example passes the lint as the project configures it."""

from __future__ import annotations

import json
import re
import textwrap

import pytest

from conftest import MINIMAL, PROJECT, run_command, write_content
from keikaku.lint import LintConfig, LintRule, lint
from keikaku.load import load_lint_config, load_plan

GOAL = textwrap.dedent(MINIMAL["goals/a.yaml"])


def findings(tmp_path, text: str, config: LintConfig, rule: str) -> list[str]:
    """The runs a rule flags in ``text`` (written as a point of the minimal plan), as 「run」→「fix」."""
    plan = load_plan(
        write_content(
            tmp_path, {"goals/a.yaml": GOAL.replace("取組Ａ", json.dumps(text, ensure_ascii=False))}
        )
    )
    return [
        re.search(r"「[^」]*」→「[^」]*」", f.message).group(0)
        for f in lint(plan, config, final=True)
        if f.rule == rule
    ]


DIGITS = LintConfig(width_digits=LintRule(style="mixed-by-length"))
LATIN = LintConfig(width_latin=LintRule(style="mixed-by-length"))


def test_digits_by_length_accepts_the_ministry_style(tmp_path):
    ok = "第３章、令和６年、2050年、1,200件、0.5％、i-Construction 2.0、5G、30by30"
    assert findings(tmp_path, ok, DIGITS, "width_digits") == []
    # the same text under the default style: one form in the document, so some are flagged
    assert findings(tmp_path, ok, LintConfig(), "width_digits")


def test_the_digits_of_a_link_are_not_the_documents(tmp_path):
    linked = "[資料１](https://example.com/2024/1/a.html)を参照"
    assert findings(tmp_path, linked, DIGITS, "width_digits") == []
    assert findings(tmp_path, linked, LintConfig(), "width_digits") == []


def test_digits_by_length_flags_either_departure(tmp_path):
    assert findings(tmp_path, "令和１２年度までに3件", DIGITS, "width_digits") == [
        "「１２」→「12」",
        "「3」→「３」",
    ]
    # max_full sets how many digits are full-width
    two = LintConfig(width_digits=LintRule(style="mixed-by-length", max_full=2))
    assert findings(tmp_path, "令和１２年度までに3件、2050年", two, "width_digits") == [
        "「3」→「３」"
    ]


def test_latin_by_length_accepts_the_ministry_style(tmp_path):
    ok = "ＫＰＩ、ＤＸ、ＰＰＰ／ＰＦＩ、Society、i-Construction、TEC-FORCE、Park-PFI、G7"
    assert findings(tmp_path, ok, LATIN, "width_latin") == []


def test_latin_by_length_flags_either_departure(tmp_path):
    assert findings(tmp_path, "インフラDX、Ｓｏｃｉｅｔｙ、ＡＢＣＤ", LATIN, "width_latin") == [
        "「DX」→「ＤＸ」",
        "「Ｓｏｃｉｅｔｙ」→「Society」",
        "「ＡＢＣＤ」→「ABCD」",
    ]


def test_latin_by_length_is_off_by_default_and_digits_on_in_the_project():
    assert LintConfig().width_digits.style == LintConfig().width_latin.style == "consistent"
    project = load_lint_config(PROJECT / "content")
    assert (
        project.width_digits.style == "mixed-by-length"
        and project.width_latin.style == "consistent"
    )


@pytest.mark.parametrize(
    ("lint_yaml", "where", "phrase"),
    [
        ("width-digits:\n  style: mixed\n", "lint.yaml:2:10", "書き方「mixed」は使えません"),
        (
            "brackets:\n  style: mixed-by-length\n",
            "lint.yaml:2:10",
            "width-digits と width-latin にだけ",
        ),
        (
            "width-latin:\n  style: mixed-by-length\n  max_full: 0\n",
            "lint.yaml:3:13",
            "1 以上の整数",
        ),
    ],
)
def test_a_wrong_style_setting_points_at_lint_yaml(tmp_path, lint_yaml, where, phrase):
    content = write_content(tmp_path, {"lint.yaml": lint_yaml})
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 1 and "Traceback" not in outcome.err
    assert re.search(rf"content/{re.escape(where)}: .*{re.escape(phrase)}", outcome.err), (
        outcome.err
    )


def test_the_readme_kpi_example_passes_the_projects_lint(tmp_path):
    readme = (PROJECT / "README.md").read_text("utf-8")
    editing = readme[readme.index("## Editing content") : readme.index("### Completion and checks")]
    (block,) = re.findall(r"\n( *)```yaml\n(\1- kpis:\n.*?)\1```", editing, re.S)
    example = textwrap.dedent(block[1])
    goal = re.sub(r"(?ms)^( {10}- kpis:\n).*", lambda _: textwrap.indent(example, " " * 10), GOAL)
    plan = load_plan(write_content(tmp_path, {"goals/a.yaml": goal}))
    (kpi,) = plan.packages()[0][2].kpis
    assert kpi.id == "kpi-example" and kpi.target.year.raw == "令和12年度"
    assert lint(plan, load_lint_config(PROJECT / "content"), final=True) == []


# ------------------------------------------------------------------ the printed document


def real_plan_with(tmp_path, text: str):
    """A copy of the real plan with one more paragraph in 第４章, and its width-latin findings
    on that paragraph, as 「run」→「fix」 with the message."""
    import shutil

    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    ch4 = content / "chapter4.yaml"
    before = ch4.read_text("utf-8")
    ch4.write_text(before + f"  - p: {json.dumps(text, ensure_ascii=False)}\n", "utf-8")
    line = len(before.splitlines()) + 1
    plan = load_plan(content)
    return [
        f.message
        for f in lint(plan, load_lint_config(content), final=True)
        if f.rule == "width_latin" and f.pos.path.endswith("chapter4.yaml") and f.pos.line == line
    ]


def test_what_the_labels_print_is_not_flagged(tmp_path):
    # The real plan writes most Latin half-width (AI, DX, PPP), and its labels print
    # 【ＫＰＩ】: ＫＰＩ typed full-width follows the document as printed.
    assert real_plan_with(tmp_path, "ＫＰＩを設定する。") == []


def test_the_other_form_of_a_labels_word_is_flagged_towards_the_label(tmp_path):
    (message,) = real_plan_with(tmp_path, "KPIを設定する。")
    assert message == (
        "英字「KPI」は、計画の見出しの語（labels の kpis）が「ＫＰＩ」と印刷している語です。"
        "「KPI」→「ＫＰＩ」に統一してください。"
    )


def test_other_words_still_follow_the_more_used_form(tmp_path):
    (message,) = real_plan_with(tmp_path, "ＥＶを普及する。")
    assert "「ＥＶ」→「EV」" in message and "全角" in message


def test_a_renamed_label_moves_the_form(tmp_path):
    text = GOAL.replace("取組Ａ", "KPIの設定")
    plan_yaml = textwrap.dedent(MINIMAL["plan.yaml"]).replace(
        "parts:", "labels:\n  kpis: KPI\n  package_list_kpi: KPI\nparts:"
    )
    plan = load_plan(write_content(tmp_path, {"goals/a.yaml": text, "plan.yaml": plan_yaml}))
    flagged = [f.message for f in lint(plan, LintConfig(), final=True) if f.rule == "width_latin"]
    assert not any("「KPI」→" in m for m in flagged), flagged
