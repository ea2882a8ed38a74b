"""新旧対照表 (``build.py diff``): two revisions committed to a git repository in
``tmp_path``, the table read back from shinkyu.pdf with pypdf."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from pathlib import Path

import pypdf
import pytest

from conftest import MINIMAL, PROJECT, squash, write_content
from keikaku.cli import main
from keikaku.compare import compare_plans, flatten
from keikaku.load import load_plan
from keikaku.model import Text
from keikaku.textdiff import compare

# ------------------------------------------------------------------ character marks


def _marked(m) -> str:
    """A marked text with its changed runs in [brackets], for compact assertions."""
    return "".join(f"[{s}]" if c else s for s, c in m.segments)


def test_changed_characters_are_marked_on_both_sides():
    old, new = compare("施設の維持管理を進める", "施設の維持管理、撤去を着実に進める")
    assert _marked(old) == "施設の維持管理を進める"
    # a short unchanged run between two insertions goes with them: one phrase underlined
    assert _marked(new) == "施設の維持管理[、撤去を着実に]進める"
    old, new = compare("推進する", "促進させる")
    # one phrase, not a comb: the single 進 between two changes is marked with them
    assert _marked(old) == "[推進す]る" and _marked(new) == "[促進させ]る"


def test_width_only_changes_are_not_changes_unless_asked_for():
    for a, b in [("インフラＤＸ", "インフラDX"), ("ﾃﾞｰﾀ活用", "データ活用"), ("１０％", "10%")]:
        old, new = compare(a, b)
        assert not old.changed and not new.changed, (a, b)
        # each side keeps its own spelling
        assert old.text == a and new.text == b
    old, new = compare("インフラＤＸの推進", "インフラDXの推進", widths=True)
    assert _marked(old) == "インフラ[ＤＸ]の推進" and _marked(new) == "インフラ[DX]の推進"


def test_a_width_change_inside_a_real_change_is_not_marked():
    old, new = compare("ＤＸの推進", "DXを推進")
    assert _marked(old) == "ＤＸ[の]推進" and _marked(new) == "DX[を]推進"


def test_marks_are_escaped_spans():
    _, new = compare("a<b", "a<b&c")
    assert new.__html__() == 'a&lt;b<span class="chg">&amp;c</span>'


# ------------------------------------------------------------------ two revisions in git

GIT_ENV = {
    "GIT_AUTHOR_NAME": "計画部会事務局", "GIT_AUTHOR_EMAIL": "editor@example.invalid",
    "GIT_COMMITTER_NAME": "計画部会事務局", "GIT_COMMITTER_EMAIL": "editor@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True,
                            env={**os.environ, **GIT_ENV})
    return result.stdout.decode()


CH1 = """\
title: 状況の変化
changes_title: 社会経済情勢の変化
changes:
{changes}
current_goals_title: 現行計画の重点目標
current_goals:
  - id: current-a
    title: 現行目標Ａ
"""
CHANGE = """\
  - id: change-{x}
    title: 変化{X}
    points: [変化{X}の内容]
"""


def chapter1(order: str) -> str:
    changes = "".join(CHANGE.format(x=x.lower(), X=chr(ord(x) + 0xFEE0)) for x in order)
    return CH1.replace("{changes}\n", changes)


def goal(packages: str) -> str:
    return f"""\
id: goal-a
title: 重点目標Ａ
groups:
  - vision: vision-a
    packages:
{packages}"""


def package(pid: str, title: str, direction: str) -> str:
    return f"""\
      - id: {pid}
        title: {title}
        directions:
          - {direction}
        kpis:
          pending: 次回以降に議論
"""


EDITED_OLD = "地域の公共交通を維持するため、関係者の連携による取組を推進すべきではないか。"
EDITED_NEW = "地域の公共交通を維持・活性化するため、関係者の連携による取組を一層推進すべきではないか。"

OLD = {
    "chapter1.yaml": chapter1("ABC"),
    "goals/a.yaml": goal(package("pkg-width", "インフラＤＸの推進", "幅だけ変わる方向性の文。")
                         + package("pkg-edited", "施策テーマ編集", EDITED_OLD)
                         + package("pkg-removed", "施策テーマ廃止", "廃止される方向性の文。")),
}
NEW = {
    "chapter1.yaml": chapter1("CAB"),  # 変化Ｃ moves to the front
    "goals/a.yaml": goal(package("pkg-width", "インフラDXの推進", "幅だけ変わる方向性の文。")
                         + package("pkg-edited", "施策テーマ編集", EDITED_NEW)
                         + package("pkg-added", "施策テーマ新設", "新設される方向性の文。")),
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD~1 and HEAD hold the two revisions."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_content(root, OLD)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "改正前")
    write_content(root, NEW)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "改正後")
    return root


def run_diff(repo: Path, out: Path, *args: str) -> tuple[str, str]:
    """Run ``build.py diff`` on the test repository: (squashed PDF text, HTML)."""
    assert main(["diff", *args, "--content", str(repo / "content"), "--out", str(out)]) == 0
    reader = pypdf.PdfReader(out / "shinkyu.pdf")
    text = squash("".join(page.extract_text() for page in reader.pages))
    return text, (out / "shinkyu.html").read_text(encoding="utf-8")


def cell_texts(html: str, key: str) -> dict[str, str]:
    """The text of each side of one row, with marked runs in [brackets]."""
    row = re.search(rf'<tr class="\w+" data-key="{key}">(.*?)</tr>', html, re.S).group(1)
    out = {}
    for side, body in re.findall(r'<td class="(new|old)">(.*?)</td>', row, re.S):
        body = re.sub(r'<span class="chg">(.*?)</span>', r"[\1]", body)
        out[side] = squash(re.sub(r"<[^>]+>", "", body))
    return out


def test_each_kind_of_change_is_shown(repo, tmp_path):
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    # the header row, 改正後 on the left
    assert "改正後改正前" in text
    # an edited sentence: both versions, the changed characters marked on each side
    assert squash(EDITED_NEW) in text and squash(EDITED_OLD) in text
    edited = cell_texts(html, "pkg-edited")
    assert "維持[・活性化]するため" in edited["new"] and "[一層]推進" in edited["new"]
    assert squash(EDITED_OLD) in edited["old"]  # nothing was taken out, so nothing marked
    assert "第３章›第１節重点目標Ａ›１≪姿Ａ≫" in edited["new"]  # the heading path
    # an added item: 「（新設）」 on the former side
    added = cell_texts(html, "pkg-added")
    assert "[新設される方向性の文。]" in added["new"] and added["old"] == "（新設）"
    assert "施策テーマ新設" in text and "（新設）" in text
    # a removed item: 「（削る）」 on the revised side
    removed = cell_texts(html, "pkg-removed")
    assert "[廃止される方向性の文。]" in removed["old"] and removed["new"] == "（削る）"
    assert "施策テーマ廃止" in text and "（削る）" in text
    # a reordered item: a move with its old and new number, not a deletion and an addition
    moved = cell_texts(html, "change-c")
    assert moved["new"].startswith("第１章›第１節社会経済情勢の変化[１]変化Ｃ（移動）")
    assert moved["old"].startswith("第１章›第１節社会経済情勢の変化[３]変化Ｃ（移動）")
    assert text.count("（移動）") == 2 and "変化Ｃ" in text
    assert text.count("（新設）") == 1 and text.count("（削る）") == 1
    # a width-only change is not a change
    assert 'data-key="pkg-width"' not in html and "インフラＤＸの推進" not in text


def test_width_changes_are_shown_when_asked_for(repo, tmp_path):
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD", "--show-width-changes")
    row = cell_texts(html, "pkg-width")
    assert "インフラ[DX]の推進" in row["new"] and "インフラ[ＤＸ]の推進" in row["old"]
    assert "インフラDXの推進" in text and "インフラＤＸの推進" in text
    assert "全角・半角の違いも改正部分として示す" in text


def test_column_order_can_be_former_first(repo, tmp_path):
    text, _ = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD", "--order", "old-new")
    assert "改正前改正後" in text and "改正後改正前" not in text
    # in each row the former text now comes first
    assert text.index("廃止される方向性の文。") < text.index("（削る）")
    assert text.index("（新設）") < text.index("新設される方向性の文。")


def test_the_working_tree_is_the_default_new_revision_and_is_left_alone(repo, tmp_path):
    goal_file = repo / "content" / "goals" / "a.yaml"
    edited = goal_file.read_text(encoding="utf-8").replace("新設される方向性の文。", "作業中に書き換えた文。")
    goal_file.write_text(edited, encoding="utf-8")
    head, status = git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")
    text, _ = run_diff(repo, tmp_path / "out", "HEAD~1")
    assert "作業中に書き換えた文。" in text and "作業中の内容" in text
    # nothing was checked out over the editor's work
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == status
    assert goal_file.read_text(encoding="utf-8") == edited


def test_long_items_run_over_pages_with_the_header_on_each(repo, tmp_path):
    sentence = "広域・多分野の連携による持続的なインフラメンテナンスの体制を全国で構築すべきではないか。"
    long_direction = sentence * 12
    packages = "".join(package(f"pkg-long-{n}", f"長い施策テーマ{n}", long_direction) for n in range(8))
    write_content(repo, {"goals/a.yaml": goal(packages)})
    out = tmp_path / "out"
    assert main(["diff", "HEAD", "--content", str(repo / "content"), "--out", str(out)]) == 0
    pages = [squash(p.extract_text()) for p in pypdf.PdfReader(out / "shinkyu.pdf").pages]
    assert len(pages) > 2
    assert all(page.startswith("改正後改正前") for page in pages[1:])
    # Each long text wraps inside its cell and, where its row runs over a page, goes on
    # on the next: with the page furniture and the former side's 「（新設）」 taken out,
    # every text is there whole.
    body = "".join(re.sub(r"^改正後改正前|新旧対照表-\d+-$", "", page) for page in pages)
    assert body.replace("（新設）", "").count(squash(long_direction)) == 8


def test_a_bad_revision_is_one_line_and_exit_1(repo, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["diff", "no-such-revision", "--content", str(repo / "content"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-revision" in err and "見つかりません" in err
    assert "Traceback" not in err and not out.exists()


def test_problems_in_an_old_revision_point_at_the_revision(repo, tmp_path, capsys):
    write_content(repo, {"plan.yaml": "title: [\n"})
    git(repo, "commit", "-q", "-am", "壊れた版")
    write_content(repo, NEW)
    assert main(["diff", "HEAD", "--content", str(repo / "content"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("HEAD:content/plan.yaml:") and "Traceback" not in err


def test_content_outside_git_is_reported(tmp_path, capsys):
    content = write_content(tmp_path / "plain")
    assert main(["diff", "HEAD", "--content", str(content), "--out", str(tmp_path / "out")]) == 1
    assert "git リポジトリの中にありません" in capsys.readouterr().err


def test_diff_needs_a_revision(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["diff"])
    assert exc.value.code == 2 and "OLD" in capsys.readouterr().err


# ------------------------------------------------------------------ alignment by id


def _rows(tmp_path: Path, old: dict, new: dict, **kw):
    return compare_plans(load_plan(write_content(tmp_path / "old", old)),
                         load_plan(write_content(tmp_path / "new", new)), **kw)


def test_a_package_moved_to_another_group_is_a_move_with_both_places(tmp_path):
    # the minimal chapter2 has one 目指す社会の姿 under goal-a; add a second
    two_visions = MINIMAL["chapter2.yaml"].replace(
        """              challenges: [challenge-a]
""", """              challenges: [challenge-a]
            - id: vision-b
              title: 姿Ｂ
              goal: goal-a
              challenges: [challenge-a]
""")
    groups = """\
id: goal-a
title: 重点目標Ａ
groups:
  - vision: vision-a
    packages:
{a}
  - vision: vision-b
    packages:
{b}"""
    pa = package("pkg-a", "施策テーマＡ", "方向性Ａ")
    pb = package("pkg-b", "施策テーマＢ", "方向性Ｂ")
    pc = package("pkg-c", "施策テーマＣ", "方向性Ｃ")
    rows = _rows(tmp_path,
                 {"chapter2.yaml": two_visions, "goals/a.yaml": groups.format(a=pa + pb, b=pc)},
                 {"chapter2.yaml": two_visions, "goals/a.yaml": groups.format(a=pa, b=pb + pc)})
    # pkg-c only changed its number, pushed down by pkg-b
    assert [(r.key, r.status) for r in rows] == [("pkg-b", "moved"), ("pkg-c", "renumbered")]
    row = rows[0]
    assert row.new.notes == row.old.notes == ("（移動）",)
    assert row.new.path.text.endswith("≪姿Ｂ≫") and row.old.path.text.endswith("≪姿Ａ≫")
    assert row.new.number.text == "（１）" and row.old.number.text == "（２）"


def test_an_unchanged_plan_has_no_rows(tmp_path):
    assert _rows(tmp_path, {}, {}) == []


def test_points_without_ids_are_compared_as_a_sequence(tmp_path):
    def pkg(*directions):
        lines = "".join(f"          - {d}\n" for d in directions)
        return goal(f"""\
      - id: pkg-a
        title: 施策テーマＡ
        directions:
{lines}        kpis:
          pending: 次回以降に議論
""")
    rows = _rows(tmp_path, {"goals/a.yaml": pkg("第一の文。", "第二の文。", "第三の文。")},
                 {"goals/a.yaml": pkg("第一の文。", "追加の文。", "第二の文を改めた。", "第三の文。")})
    assert [r.key for r in rows] == ["pkg-a"]
    (new_block,) = [b for b in rows[0].new.blocks if b.label]
    shown = ["（略）" if line.text is None else _marked(line.text) for line in new_block.lines]
    assert shown == ["（略）", "[追加の文。]", "第二の文[を改めた]。", "（略）"]


def test_every_text_of_the_plan_is_compared():
    """No content text is left out of the comparison, so no edit can go unreported."""
    plan = load_plan(PROJECT / "content")
    shown = set()
    for item in flatten(plan):
        shown.add(item.title.text)
        shown.update(line.text for block in item.blocks for line in block.lines)
    shown_text = "\n".join(shown)

    def texts(value):
        if isinstance(value, Text):
            yield value.display  # as printed: a footnote call shows as ※
        elif dataclasses.is_dataclass(value):
            for f in dataclasses.fields(value):
                yield from texts(getattr(value, f.name))
        elif isinstance(value, (tuple, list)):
            for v in value:
                yield from texts(v)
        elif isinstance(value, dict):
            for v in value.values():
                yield from texts(v)

    missing = [t for t in texts(plan) if t not in shown_text]
    assert not missing
