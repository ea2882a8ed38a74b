"""Loader and validation on small content sets: every problem named with file:line:col."""

from __future__ import annotations

import re
import textwrap

import pytest

from conftest import MINIMAL
from keikaku.cli import main
from keikaku.errors import BuildError
from keikaku.load import load_plan
from keikaku.model import Pending


def problems(content) -> list[str]:
    with pytest.raises(BuildError) as info:
        load_plan(content)
    return [str(p) for p in info.value.problems]


def only(lines: list[str], pattern: str) -> str:
    found = [line for line in lines if re.search(pattern, line)]
    assert len(found) == 1, lines
    return found[0]


def test_minimal_content_builds_the_model(content_dir):
    plan = load_plan(content_dir())
    assert [g.id for g in plan.goals] == ["goal-a"]
    ((_goal, _group, package),) = plan.packages()
    assert package.title.raw == "施策テーマＡ"
    (kpi,) = package.kpis
    assert kpi.package == "pkg-a"
    assert kpi.baseline.value.raw == "10" and kpi.baseline.year.raw == "令和５年度"
    assert isinstance(kpi.target, Pending)
    assert "footnote" in package.directions[0].html
    assert plan.direction.outlook.body.html.startswith("<p>中長期の方向性の本文。")


def test_pending_items_are_collected_with_their_place(content_dir):
    plan = load_plan(content_dir())
    places = {str(p.pos) for _, p in plan.pending}
    assert any(place.endswith("goals/a.yaml:18:15") for place in places), places
    assert any(place.endswith("chapter4.yaml:6:7") for place in places), places
    assert len(plan.pending) == 2


def test_missing_required_field_names_file_line_and_field(content_dir):
    lines = problems(content_dir({"plan.yaml": "title: テスト計画\nstatus: 素案\n"}))
    line = only(lines, r"'issuer'")
    assert re.match(r".*content/plan\.yaml:1:1: 作成者（issuer）がありません", line)


def test_unknown_field_suggests_the_intended_one(content_dir):
    text = MINIMAL["plan.yaml"].replace("subject:", "subjet:")
    line = only(problems(content_dir({"plan.yaml": text})), "subjet")
    assert re.search(r"content/plan\.yaml:6:\d+: 項目「subjet」はここでは使えません。「subject」の誤り", line)


def test_wrong_type_is_reported_where_it_stands(content_dir):
    goals = """\
        id: goal-a
        title: 重点目標Ａ
        groups:
          - vision: vision-a
            packages:
              - id: pkg-a
                title: 施策テーマＡ
                directions: 方向性は一覧で書くべき
                kpis:
                  pending: 未定
        """
    line = only(problems(content_dir({"goals/a.yaml": goals})), "方向性")
    assert re.search(r"goals/a\.yaml:8:21: groups\[0\]\.packages\[0\]\.directions: 今後の社会資本整備の方向性は「- 」で始まる行の一覧で", line)


def test_duplicate_ids_point_at_both_places(content_dir):
    ch1 = MINIMAL["chapter1.yaml"].replace("id: current-a", "id: change-a")
    line = only(problems(content_dir({"chapter1.yaml": ch1})), "duplicate id")
    assert re.search(r"chapter1\.yaml:9:9: current_goals\[0\]\.id: ID「change-a」は .*chapter1\.yaml:4:\d+ でも使われています", line)


def test_unknown_reference_suggests_a_close_id(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace("vision: vision-a", "vision: vision-b")
    line = only(problems(content_dir({"goals/a.yaml": goals})), "vision-b")
    assert re.search(r"goals/a\.yaml:4:\d+: groups\[0\]\.vision: 目指す社会の姿「vision-b」が見つかりません。「vision-a」の誤り", line)


def test_missing_markdown_fragment(content_dir):
    line = only(problems(content_dir({"prose/outlook.md": None})), "outlook.md")
    assert re.search(r"chapter2\.yaml:\d+:\d+: outlook\.body: 本文「prose/outlook\.md」が見つかりません", line)


@pytest.mark.parametrize("path", ["../outside.md", "/etc/passwd.md", "prose/../../x.md", "http://example.com/a.md"])
def test_paths_may_not_leave_the_content_directory(content_dir, path):
    ch2 = MINIMAL["chapter2.yaml"].replace("prose/outlook.md", path)
    line = only(problems(content_dir({"chapter2.yaml": ch2})), "本文")
    assert "content/ の" in line


def test_yaml_syntax_error_gives_line_and_column(content_dir):
    lines = problems(content_dir({"plan.yaml": "title: テスト\nstatus: [素案\nissuer: x\n"}))
    line = only(lines, "YAML の書き方")
    assert re.search(r"content/plan\.yaml:\d+:\d+: YAML の書き方に誤りがあります", line)


def test_duplicate_key_in_one_mapping(content_dir):
    text = MINIMAL["plan.yaml"] + "title: もう一つ\n"
    line = only(problems(content_dir({"plan.yaml": text})), "重複")
    assert re.search(r"content/plan\.yaml:8:1: 項目「title」が 1 行目と重複しています", line)


def test_file_that_is_not_utf8(content_dir):
    line = only(problems(content_dir({"plan.yaml": "title: テスト\n".encode("shift_jis")})), "UTF-8")
    assert re.search(r"content/plan\.yaml:1:8: UTF-8 として読めないバイト", line)


def test_empty_file(content_dir):
    line = only(problems(content_dir({"chapter4.yaml": ""})), "空")
    assert re.search(r"content/chapter4\.yaml:1:1: ファイルが空です", line)


def test_bom_and_crlf_are_accepted(content_dir):
    text = MINIMAL["plan.yaml"]
    data = b"\xef\xbb\xbf" + textwrap.dedent(text).replace("\n", "\r\n").encode("utf-8")
    plan = load_plan(content_dir({"plan.yaml": data}))
    assert plan.meta.title.raw == "テスト計画"


def test_unknown_footnote(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace("[^note-a]", "[^note-b]")
    line = only(problems(content_dir({"goals/a.yaml": goals})), "脚注")
    assert re.search(r"goals/a\.yaml:\d+:\d+: .*脚注「note-b」が footnotes\.yaml にありません", line)


def test_raw_html_in_content_is_escaped(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace(
        "title: 施策テーマＡ", 'title: "<img src=x onerror=alert(1)>施策"')
    plan = load_plan(content_dir({"goals/a.yaml": goals}))
    html = plan.goals[0].groups[0].packages[0].title.html
    assert "<img" not in html and "&lt;img" in html


def test_every_problem_in_every_file_is_reported_at_once(content_dir):
    ch1 = MINIMAL["chapter1.yaml"].replace("changes_title:", "change_title:")
    goals = MINIMAL["goals/a.yaml"].replace("vision: vision-a", "vision: nowhere")
    lines = problems(content_dir({"chapter1.yaml": ch1, "goals/a.yaml": goals,
                                  "plan.yaml": "title: x\n"}))
    files = {line.split(":")[0].rsplit("/", 1)[-1] for line in lines}
    assert {"chapter1.yaml", "a.yaml", "plan.yaml"} <= files


def test_vision_under_the_wrong_goal(content_dir):
    goals_b = MINIMAL["goals/a.yaml"].replace("id: goal-a", "id: goal-b").replace(
        "pkg-a", "pkg-b").replace("kpi-a", "kpi-b")
    ch3 = "title: 重点目標と政策パッケージ\ngoal_files: [goals/a.yaml, goals/b.yaml]\n"
    lines = problems(content_dir({"goals/b.yaml": goals_b, "chapter3.yaml": ch3}))
    assert any("重点目標「goal-a」に属していますが" in line for line in lines), lines


def test_check_command_prints_problems_without_traceback(content_dir, capsys):
    content = content_dir({"plan.yaml": "title: [\n"})
    assert main(["check", "--content", str(content)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(r"content/plan\.yaml:\d+:\d+: ", err)
    assert "build failed: 1 problem" in err


def test_check_command_succeeds_on_valid_content(content_dir, capsys):
    assert main(["check", "--content", str(content_dir())]) == 0
    assert "1 重点目標, 1 政策パッケージ" in capsys.readouterr().out
