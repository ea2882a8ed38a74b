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
    assert kpi.baseline.value == 10 and kpi.baseline.year.raw == "令和５年度"
    assert isinstance(kpi.target, Pending)
    directions = package.parts[0]
    assert directions.label == "directions"
    assert "footnote" in directions.body[0].items[0].html
    outlook = plan.index.sections["ch2-outlook"]
    assert outlook.body[0].prose.html.startswith("<p>中長期の方向性の本文。")


def test_pending_items_are_collected_with_their_place(content_dir):
    plan = load_plan(content_dir())
    places = {str(p.pos) for _, p in plan.pending}
    assert any(place.endswith("goals/a.yaml:23:19") for place in places), places
    assert any(place.endswith("chapter4.yaml:8:9") for place in places), places
    assert len(plan.pending) == 2


def test_missing_required_field_names_file_line_and_field(content_dir):
    plan_yaml = textwrap.dedent(MINIMAL["plan.yaml"]).replace("title: テスト計画\n", "")
    lines = problems(content_dir({"plan.yaml": plan_yaml}))
    line = only(lines, r"'title'")
    assert re.match(r".*content/plan\.yaml:1:1: 計画の名称（title）がありません", line)


COVER_LINES = ("status", "meeting", "date_line", "issuer", "subject")


def test_every_cover_line_but_the_title_may_be_left_out(content_dir):
    text = textwrap.dedent(MINIMAL["plan.yaml"])
    kept = [line for line in text.splitlines() if line.split(":")[0] not in COVER_LINES]
    plan = load_plan(content_dir({"plan.yaml": "\n".join(kept) + "\n"}))
    m = plan.meta
    assert m.title.raw == "テスト計画"
    assert (m.status, m.meeting, m.date_line, m.issuer, m.subject, m.plan_period) == (None,) * 6


@pytest.mark.parametrize("key", [*COVER_LINES, "plan_period"])
def test_an_empty_optional_cover_line_may_be_written_or_deleted(content_dir, key):
    # 「内容を書くか、項目ごと削除してください」 is true of every optional cover line …
    text = textwrap.dedent(MINIMAL["plan.yaml"])
    lines = [line for line in text.splitlines() if not line.startswith(f"{key}:")]
    lines.insert(1, f'{key}: ""')
    line = only(problems(content_dir({"plan.yaml": "\n".join(lines) + "\n"})), "empty text")
    assert re.search(
        rf"content/plan\.yaml:2:\d+: {key}: .+が空です。内容を書くか、項目ごと削除してください。",
        line,
    ), line


def test_an_empty_required_text_is_only_to_be_written(content_dir):
    # … but not of the title, which cannot be deleted: the message says to write it.
    text = textwrap.dedent(MINIMAL["plan.yaml"]).replace("title: テスト計画", 'title: ""')
    line = only(problems(content_dir({"plan.yaml": text})), "empty text")
    assert re.search(
        r"plan\.yaml:1:8: title: 計画の名称が空です。内容を書いてください。 \(empty", line
    )
    goal = textwrap.dedent(MINIMAL["goals/a.yaml"])
    lines = problems(
        content_dir({"goals/a.yaml": goal.replace("- list: [取組Ａ]", '- list: ["", 取組Ａ]')})
    )
    assert "項目ごと削除してください" in only(lines, "empty text")  # an item of a list may go


def test_unknown_field_suggests_the_intended_one(content_dir):
    text = MINIMAL["plan.yaml"].replace("subject:", "subjet:")
    line = only(problems(content_dir({"plan.yaml": text})), "subjet")
    assert re.search(
        r"content/plan\.yaml:6:\d+: 項目「subjet」はここでは使えません。「subject」の誤り", line
    )


def test_wrong_type_is_reported_where_it_stands(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace(
        """                      - list: [取組Ａ]""",
        """                      - list: 取組は一覧で書くべき""",
    )
    line = only(problems(content_dir({"goals/a.yaml": goals})), "取組は")
    assert re.search(
        r"goals/a\.yaml:16:23: body\[0\]\.body\[0\]\.parts\[1\]\.body\[0\]\.list: "
        r"項目は「- 」で始まる行の一覧で",
        line,
    )


def test_duplicate_ids_point_at_both_places(content_dir):
    ch1 = MINIMAL["chapter1.yaml"].replace("id: ch1-current-goals", "id: change-a")
    line = only(problems(content_dir({"chapter1.yaml": ch1})), "duplicate id")
    assert re.search(
        r"chapter1\.yaml:12:9: body\[1\]\.id: ID「change-a」は .*chapter1\.yaml:8:13 でも使われています",
        line,
    )


def test_unknown_reference_suggests_a_close_id(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace("group: vision-a", "group: vision-b")
    line = only(problems(content_dir({"goals/a.yaml": goals})), "vision-b")
    assert re.search(
        r"goals/a\.yaml:4:\d+: body\[0\]\.group: 目指す社会の姿「vision-b」が見つかりません。「vision-a」の誤り",
        line,
    )


def test_missing_markdown_fragment(content_dir):
    line = only(problems(content_dir({"prose/outlook.md": None})), "outlook.md")
    assert re.search(
        r"chapter2\.yaml:\d+:\d+: body\[2\]\.body\[0\]\.prose: Markdown ファイル「prose/outlook\.md」が見つかりません",
        line,
    )


@pytest.mark.parametrize(
    "path", ["../outside.md", "/etc/passwd.md", "prose/../../x.md", "http://example.com/a.md"]
)
def test_paths_may_not_leave_the_content_directory(content_dir, path):
    ch2 = MINIMAL["chapter2.yaml"].replace("prose/outlook.md", path)
    line = only(problems(content_dir({"chapter2.yaml": ch2})), "Markdown")
    assert "content/ の" in line


@pytest.mark.parametrize("path", ["../outside.yaml", "/etc/passwd.yaml", "goals/../../x.yaml"])
def test_includes_may_not_leave_the_content_directory(content_dir, path):
    ch3 = MINIMAL["chapter3.yaml"].replace("goals/a.yaml", path)
    line = only(problems(content_dir({"chapter3.yaml": ch3})), "ファイル「")
    assert "content/ の" in line


def test_yaml_syntax_error_gives_line_and_column(content_dir):
    lines = problems(content_dir({"plan.yaml": "title: テスト\nstatus: [素案\nissuer: x\n"}))
    line = only(lines, "YAML の書き方")
    assert re.search(r"content/plan\.yaml:\d+:\d+: YAML の書き方に誤りがあります", line)


def test_duplicate_key_in_one_mapping(content_dir):
    text = textwrap.dedent(MINIMAL["plan.yaml"]) + "title: もう一つ\n"
    line = only(problems(content_dir({"plan.yaml": text})), "重複")
    assert re.search(r"content/plan\.yaml:32:1: 項目「title」が 1 行目と重複しています", line)


def test_file_that_is_not_utf8(content_dir):
    line = only(
        problems(content_dir({"plan.yaml": "title: テスト\n".encode("shift_jis")})), "UTF-8"
    )
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
    assert re.search(
        r"goals/a\.yaml:\d+:\d+: .*脚注「note-b」が footnotes\.yaml にありません", line
    )


def test_raw_html_in_content_is_escaped(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace(
        "package: 施策テーマＡ", 'package: "<img src=x onerror=alert(1)>施策"'
    )
    plan = load_plan(content_dir({"goals/a.yaml": goals}))
    html = plan.packages()[0][2].title.html
    assert "<img" not in html and "&lt;img" in html


def test_every_problem_in_every_file_is_reported_at_once(content_dir):
    ch1 = MINIMAL["chapter1.yaml"].replace("body:", "bdy:", 1)
    goals = MINIMAL["goals/a.yaml"].replace("group: vision-a", "group: nowhere")
    plan_yaml = MINIMAL["plan.yaml"].replace("subject:", "subjet:")
    lines = problems(
        content_dir({"chapter1.yaml": ch1, "goals/a.yaml": goals, "plan.yaml": plan_yaml})
    )
    files = {line.split(":")[0].rsplit("/", 1)[-1] for line in lines}
    assert {"chapter1.yaml", "a.yaml", "plan.yaml"} <= files


def test_vision_under_the_wrong_goal(content_dir):
    goals_b = (
        MINIMAL["goals/a.yaml"]
        .replace("id: goal-a", "id: goal-b")
        .replace("pkg-a", "pkg-b")
        .replace("kpi-a", "kpi-b")
    )
    ch3 = textwrap.dedent(MINIMAL["chapter3.yaml"]) + "  - include: goals/b.yaml\n"
    lines = problems(content_dir({"goals/b.yaml": goals_b, "chapter3.yaml": ch3}))
    assert any("重点目標「goal-a」に属していますが" in line for line in lines), lines


def test_unknown_block_kind_suggests_the_intended_one(content_dir):
    ch4 = MINIMAL["chapter4.yaml"].replace("- pending: 次回以降に議論", "- pendng: 次回以降に議論")
    line = only(problems(content_dir({"chapter4.yaml": ch4})), "pendng")
    assert re.search(
        r"chapter4\.yaml:8:\d+: .*「pendng」という種類はここでは使えません。「pending」の誤りではありませんか",
        line,
    )


def test_typed_entities_stand_only_where_the_hierarchy_puts_them(content_dir):
    ch4 = textwrap.dedent(MINIMAL["chapter4.yaml"]) + "  - group: vision-a\n    body: []\n"
    line = only(problems(content_dir({"chapter4.yaml": ch4})), "misplaced")
    assert re.search(r"chapter4\.yaml:9:\d+: 「group」は「goal」の本文の中にだけ置けます", line)


def test_an_include_cycle_is_reported(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace(
        "              - package: 施策テーマＡ",
        "              - include: chapter3.yaml\n              - package: 施策テーマＡ",
    )
    lines = problems(content_dir({"goals/a.yaml": goals}))
    assert any(
        "自分自身を含んでいます" in line or "include cycle" in line or "misplaced" in line
        for line in lines
    ), lines


def test_a_part_label_must_be_defined(content_dir):
    goals = MINIMAL["goals/a.yaml"].replace("part: measures", "part: measure")
    line = only(problems(content_dir({"goals/a.yaml": goals})), "unknown label")
    assert re.search(
        r"goals/a\.yaml:\d+:\d+: .*見出しの語「measure」が plan\.yaml の labels にありません。「measures」の誤り",
        line,
    )


def test_a_package_has_exactly_one_kpi_part(content_dir):
    goals = re.sub(r"\n\s+- kpis:(\n\s{22,}.*)+", "\n", MINIMAL["goals/a.yaml"])
    line = only(problems(content_dir({"goals/a.yaml": goals})), "kpis part")
    assert "【ＫＰＩ】" in line


def test_table_rows_of_different_lengths(content_dir):
    ch4 = textwrap.dedent(MINIMAL["chapter4.yaml"]) + "  - table:\n      - [Ａ, Ｂ]\n      - [１]\n"
    line = only(problems(content_dir({"chapter4.yaml": ch4})), "rows differ")
    assert re.search(r"chapter4\.yaml:11:9: body\[1\]\.table\[1\]: 表の2行目のセルが1個です", line)


def test_a_file_nothing_refers_to_is_reported(content_dir):
    plan = load_plan(content_dir({"goals/old.yaml": "goal: 古い目標\nid: goal-old\nbody: []\n"}))
    (warning,) = [str(w) for w in plan.warnings]
    assert re.search(r"content/goals/old\.yaml: このファイルはどこからも参照されていない", warning)


def test_check_command_prints_problems_without_traceback(content_dir, capsys):
    content = content_dir({"plan.yaml": "title: [\n"})
    assert main(["check", "--content", str(content)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(r"content/plan\.yaml:\d+:\d+: ", err)
    assert "点検で問題が見つかりました（問題 1 件）。" in err and "(check failed: 1 problem;" in err


def test_check_command_succeeds_on_valid_content(content_dir, capsys):
    assert main(["check", "--content", str(content_dir())]) == 0
    assert "1 重点目標, 1 政策パッケージ" in capsys.readouterr().out


def test_markdown_tables_are_tables_and_headings_are_refused(content_dir):
    md = "本文。\n\n| 区分 | 件数 |\n| --- | --- |\n| 道路 | 12 |\n"
    plan = load_plan(content_dir({"prose/outlook.md": md}))
    html = str(plan.index.sections["ch2-outlook"].body[0].prose.html)
    assert "<table>" in html and "<td>12</td>" in html and "|" not in html
    line = only(problems(content_dir({"prose/outlook.md": "本文。\n\n## 見出し\n"})), "見出し")
    assert re.search(r"content/prose/outlook\.md:3:1: .*Markdown の見出し（#）は使えません", line)


def test_yaml_11_coercions_keep_the_text_as_written(content_dir):
    plan_yaml = (
        MINIMAL["plan.yaml"]
        .replace("title: テスト計画", "title: 1.10")
        .replace("status: 素案", "status: yes")
        .replace(
            "keywords: [テスト]", "keywords: [1_000, no, ~, null, 2024-01-01, 0x10, '1.10', on]"
        )
    )
    goals = (
        textwrap.dedent(MINIMAL["goals/a.yaml"])
        .replace("- list: [取組Ａ]", "- list: [off, 1e3, 12:30, .inf]")
        .replace("indicator: 指標Ａ", "indicator: true")
        .replace("value: 10", "value: 1.10")
        .replace(
            "target:\n                  pending: 目標値は次回以降に議論",
            "target: {value: .nan, year: 2030}",
        )
    )
    assert "value: .nan" in goals
    ch4 = (
        textwrap.dedent(MINIMAL["chapter4.yaml"])
        + "  - table: [[1_000, ~, '', 007]]\n    header: 0\n"
    )
    plan = load_plan(
        content_dir(
            {
                "plan.yaml": plan_yaml,
                "goals/a.yaml": goals,
                "chapter4.yaml": ch4,
                "footnotes.yaml": "note-a: 1.10\n",
            }
        )
    )
    assert plan.meta.title.raw == "1.10" and plan.meta.status.raw == "yes"
    assert [k.raw for k in plan.meta.keywords] == [
        "1_000",
        "no",
        "~",
        "null",
        "2024-01-01",
        "0x10",
        "1.10",
        "on",
    ]
    ((_goal, _group, package),) = plan.packages()
    assert [i.raw for i in package.parts[1].body[0].items] == ["off", "1e3", "12:30", ".inf"]
    (kpi,) = package.kpis
    assert kpi.indicator.raw == "true"
    # Where a number is expected a number stays a number; .nan is not one, so it is text.
    assert kpi.baseline.value == 1.1 and isinstance(kpi.baseline.value, float)
    assert kpi.target.value.raw == ".nan" and kpi.target.year.raw == "2030"
    table = plan.index.sections["ch4"].body[1]
    assert [c.raw for c in table.rows[0]] == ["1_000", "~", "", "007"]
    assert plan.footnotes["note-a"].raw == "1.10"


def test_numbers_and_booleans_stay_numbers_and_booleans_where_expected(content_dir):
    ch3 = MINIMAL["chapter3.yaml"].replace("toc_depth: 3", "toc_depth: 0x3")
    ch4 = textwrap.dedent(MINIMAL["chapter4.yaml"]) + "  - p: 本文\n    indent: no\n"
    plan = load_plan(content_dir({"chapter3.yaml": ch3, "chapter4.yaml": ch4}))
    assert plan.index.sections["ch3"].toc_depth == 3
    assert plan.index.sections["ch4"].body[1].indent is False
    (kpi,) = plan.packages()[0][2].kpis
    assert kpi.baseline.value == 10 and isinstance(kpi.baseline.value, int)


def test_an_alias_bomb_is_refused_before_anything_expands_it():
    from keikaku.sources import parse_yaml

    # Twelve levels of nine aliases: 9**12 strings if anything expanded them.
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 13)]
    with pytest.raises(BuildError) as info:
        parse_yaml("\n".join(lines), "bomb.yaml")
    first = [str(p) for p in info.value.problems][:3]
    assert first[0].startswith("bomb.yaml:1:5: YAML のアンカー「&a0」は使えません"), first
    assert first[2].startswith("bomb.yaml:2:10: YAML の別名（エイリアス）「*a0」は使えません"), (
        first
    )


def test_messages_never_print_control_characters(content_dir):
    goals = (
        MINIMAL["goals/a.yaml"]
        .replace("id: pkg-a", 'id: "\\e]0;pwned\\a"')
        .replace("part: measures", 'part: "\\e[2J"')
    )
    lines = problems(content_dir({"goals/a.yaml": goals}))
    assert lines and all(not re.search(r"[\x00-\x1f\x7f-\x9f]", line) for line in lines), lines
    assert any("<U+001B>" in line or "\\e" in line for line in lines), lines


def test_check_warns_of_a_goal_missing_from_the_outline_of_goals(content_dir):
    # A 重点目標 added to 第３章 alone prints there, not among 第２章's 重点目標の案.
    from conftest import run_command

    ch3 = textwrap.dedent(MINIMAL["chapter3.yaml"]) + "  - include: goals/b.yaml\n"
    goal_b = "goal: 重点目標Ｂ\nid: goal-b\nbody:\n  - p: 重点目標Ｂの本文\n"
    content = content_dir({"chapter3.yaml": ch3, "goals/b.yaml": goal_b})
    result = run_command(["check", "--content", str(content)])
    assert result.code == 0, result.err
    (line,) = [line for line in result.err.splitlines() if "goal without an outline" in line]
    assert re.fullmatch(
        r"warning: .*content/goals/b\.yaml:1:1: 重点目標「goal-b」が第２章の重点目標の案"
        r"（.*content/chapter2\.yaml:\d+:\d+ など）にありません。ほかの重点目標と同じように、"
        r"重点目標の案の節に「- goal_outline: goal-b」を加えてください。 \(goal without an outline entry\)",
        line,
    ), line
    # With the entry, no warning; and a plan whose 第２章 lists no goal at all is left alone.
    ch2 = textwrap.dedent(MINIMAL["chapter2.yaml"]).replace(
        "- goal_outline: goal-a\n",
        "- goal_outline: goal-a\n                  - goal_outline: goal-b\n",
    )
    content = content_dir({"chapter3.yaml": ch3, "goals/b.yaml": goal_b, "chapter2.yaml": ch2})
    assert "goal without an outline" not in run_command(["check", "--content", str(content)]).err
    ch2 = textwrap.dedent(MINIMAL["chapter2.yaml"]).replace(
        "- goal_outline: goal-a\n", "- p: 本文\n"
    )
    content = content_dir({"chapter3.yaml": ch3, "goals/b.yaml": goal_b, "chapter2.yaml": ch2})
    assert load_plan(content).warnings == ()
