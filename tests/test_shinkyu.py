"""新旧対照表 (``build.py diff``): two revisions committed to a git repository in
``tmp_path``, the table read back from shinkyu.pdf with pypdf."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pdfua
import pikepdf
import pypdf
import pytest
import yaml
from test_tagging import Tagged

from conftest import MINIMAL, PROJECT, squash, write_content
from keikaku import migrate, rowstart
from keikaku.cli import main
from keikaku.dates import document_date
from keikaku.load import load_plan
from keikaku.model import DEFAULTS_POS, Prose, Text, walk_texts
from keikaku.shinkyu import compare_plans, flatten, load_revision, locate, summary
from keikaku.shinkyu.textdiff import compare

#: The content of the last revision circulated in the first format (commit 8616684),
#: kept here because a CI clone may be too shallow to reach it.
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "content-8616684"

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


def test_each_side_marks_its_changes_for_screen_readers_too():
    old, new = compare("a<b", "a<b&c")
    assert new.on("new") == 'a&lt;b<ins class="chg">&amp;c</ins>'
    old, new = compare("計画の推進", "計画の促進")
    assert old.on("old") == '計画の<del class="chg">推</del>進'


def test_a_rewritten_phrase_is_underlined_once_not_in_pieces():
    # Unchanged runs of one or two characters between two changes are underlined with
    # them (「の｜推進｜が必要」 was three underlines); three or more stay apart.
    old, new = compare("整備の推進が重要", "強化の促進が必要")
    assert _marked(old) == "[整備の推進が重]要" and _marked(new) == "[強化の促進が必]要"
    old, new = compare("甲乙丙丁戊己庚", "子乙丙丁戊己午")
    assert _marked(old) == "[甲]乙丙丁戊己[庚]" and _marked(new) == "[子]乙丙丁戊己[午]"


# ------------------------------------------------------------------ two revisions in git

GIT_ENV = {
    "GIT_AUTHOR_NAME": "計画部会事務局",
    "GIT_AUTHOR_EMAIL": "editor@example.invalid",
    "GIT_COMMITTER_NAME": "計画部会事務局",
    "GIT_COMMITTER_EMAIL": "editor@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return result.stdout.decode()


# The minimal plan's 第１章 with its 社会経済情勢の変化 in a given order.
CH1 = """\
section: 状況の変化
id: ch1
body:
  - section: 社会経済情勢の変化
    id: ch1-changes
    body:
{changes}  - section: 現行計画の重点目標
    id: ch1-current-goals
    body:
      - list: [現行目標Ａ]
        marker: （１）
"""
CHANGE = """\
      - section: 変化{X}
        id: change-{x}
        body:
          - list: [変化{X}の内容]
"""


def chapter1(order: str) -> str:
    changes = "".join(CHANGE.format(x=x.lower(), X=chr(ord(x) + 0xFEE0)) for x in order)
    return CH1.replace("{changes}", changes)


def goal(packages: str) -> str:
    return f"""\
goal: 重点目標Ａ
id: goal-a
body:
  - group: vision-a
    body:
{packages}"""


def package(pid: str, title: str, *directions: str) -> str:
    points = "".join(f"                  - {d}\n" for d in directions)
    return f"""\
      - package: {title}
        id: {pid}
        parts:
          - part: directions
            body:
              - list:
{points}                marker: ■
          - kpis:
              pending: 次回以降に議論
"""


EDITED_OLD = "地域の公共交通を維持するため、関係者の連携による取組を推進すべきではないか。"
EDITED_NEW = (
    "地域の公共交通を維持・活性化するため、関係者の連携による取組を一層推進すべきではないか。"
)

OLD = {
    "chapter1.yaml": chapter1("ABC"),
    "goals/a.yaml": goal(
        package("pkg-width", "インフラＤＸの推進", "幅だけ変わる方向性の文。[^note-a]")
        + package("pkg-edited", "施策テーマ編集", EDITED_OLD)
        + package("pkg-removed", "施策テーマ廃止", "廃止される方向性の文。")
    ),
}
NEW = {
    "chapter1.yaml": chapter1("CAB"),  # 変化Ｃ moves to the front
    "goals/a.yaml": goal(
        package("pkg-width", "インフラDXの推進", "幅だけ変わる方向性の文。[^note-a]")
        + package("pkg-edited", "施策テーマ編集", EDITED_NEW)
        + package("pkg-added", "施策テーマ新設", "新設される方向性の文。")
    ),
}


def commit_revisions(root: Path, *revisions: dict, message: str = "版") -> Path:
    """A git repository in ``root`` with one commit per revision of the minimal plan."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    for n, files in enumerate(revisions, 1):
        if (root / "content").exists():
            shutil.rmtree(root / "content")
        write_content(root, files)
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"{message}{n}")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose HEAD~1 and HEAD hold the two revisions."""
    return commit_revisions(tmp_path / "repo", OLD, NEW)


def run_diff(repo: Path, out: Path, *args: str) -> tuple[str, str]:
    """Run ``build.py diff`` on the test repository: (squashed PDF text, HTML)."""
    assert main(["diff", *args, "--content", str(repo / "content"), "--out", str(out)]) == 0
    reader = pypdf.PdfReader(out / "shinkyu.pdf")
    text = squash("".join(page.extract_text() for page in reader.pages))
    return text, (out / "shinkyu.html").read_text(encoding="utf-8")


def cell_texts(html: str, key: str) -> dict[str, str]:
    """The text of each side of one row, with marked runs in [brackets]. (A row of the
    table ends on a line of its own; the rows of a ＫＰＩ table inside it end on theirs.)"""
    row = re.search(
        rf'<tr class="\w+" data-key="{re.escape(key)}">\n(.*?)\n</tr>\n', html, re.S
    ).group(1)
    out = {}
    for side, body in re.findall(
        r'<td class="(new|old)"[^>]*>(.*?)\n</td>(?=\n<td class="(?:new|old)"|$)', row, re.S
    ):
        # the revised side marks its changes inserted, the former deleted
        tag = "ins" if side == "new" else "del"
        assert '<span class="chg">' not in body
        body = re.sub(rf'<{tag} class="chg">(.*?)</{tag}>', r"[\1]", body)
        out[side] = squash(re.sub(r"<[^>]+>", "", body))
    return out


def visible(html: str) -> str:
    """The text a reader of the HTML sees: no tags, attributes or head."""
    return squash(re.sub(r"<[^>]+>", "", html.split("<body>", 1)[1]))


def test_each_kind_of_change_is_shown(repo, tmp_path):
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    # the header row, 改正後 on the left
    assert "改正後改正前" in text
    # an edited sentence: both versions, the changed characters marked on each side
    assert squash(EDITED_NEW) in text and squash(EDITED_OLD) in text
    edited = cell_texts(html, "pkg-edited")
    assert "維持[・活性化]するため" in edited["new"] and "[一層]推進" in edited["new"]
    assert squash(EDITED_OLD) in edited["old"]  # nothing was taken out, so nothing marked
    assert "【今後の社会資本整備の方向性】■" in edited["new"]  # the part, by its label
    # the heading path, as the plan numbers it
    assert "第３章重点目標と政策パッケージ›第１節重点目標Ａ›１≪姿Ａ≫" in edited["new"]
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
    assert moved["new"].startswith("第１章状況の変化›第１節社会経済情勢の変化[１]変化Ｃ（移動）")
    assert moved["old"].startswith("第１章状況の変化›第１節社会経済情勢の変化[３]変化Ｃ（移動）")
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
    edited = goal_file.read_text(encoding="utf-8").replace(
        "新設される方向性の文。", "作業中に書き換えた文。"
    )
    goal_file.write_text(edited, encoding="utf-8")
    head, status = git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")
    text, _ = run_diff(repo, tmp_path / "out", "HEAD~1", "--show-revisions")
    assert "作業中に書き換えた文。" in text and "作業中の内容" in text
    # nothing was checked out over the editor's work
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == status
    assert goal_file.read_text(encoding="utf-8") == edited


@pytest.mark.typeset
def test_long_items_run_over_pages_with_the_header_on_each(repo, tmp_path):
    sentence = (
        "広域・多分野の連携による持続的なインフラメンテナンスの体制を全国で構築すべきではないか。"
    )
    long_direction = sentence * 12
    packages = "".join(
        package(f"pkg-long-{n}", f"長い施策テーマ{n}", long_direction) for n in range(8)
    )
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
    assert (
        main(["diff", "no-such-revision", "--content", str(repo / "content"), "--out", str(out)])
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-revision" in err and "見つかりません" in err
    assert "Traceback" not in err and not out.exists()


def test_problems_in_an_old_revision_point_at_the_revision(repo, tmp_path, capsys):
    write_content(repo, {"plan.yaml": "title: [\n"})
    git(repo, "commit", "-q", "-am", "壊れた版")
    write_content(repo, NEW)
    assert (
        main(["diff", "HEAD", "--content", str(repo / "content"), "--out", str(tmp_path / "out")])
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("HEAD:content/plan.yaml:") and "Traceback" not in err


def test_content_outside_git_is_reported(tmp_path, capsys):
    content = write_content(tmp_path / "plain")
    assert main(["diff", "HEAD", "--content", str(content), "--out", str(tmp_path / "out")]) == 1
    assert "git リポジトリの中にありません" in capsys.readouterr().err


def test_without_git_the_diff_says_so_and_the_date_comes_from_the_files(
    repo, tmp_path, capsys, monkeypatch
):
    """Every git command goes through one runner (keikaku/git.py): without git on the
    PATH, diff refuses in one line and the document date falls back to the newest file."""
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    out = tmp_path / "out"
    assert main(["diff", "HEAD", "--content", str(repo / "content"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("build.py diff: git を実行できません") and err.count("\n") == 1, err
    assert not out.exists()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    newest = max(p.stat().st_mtime for p in (repo / "content").rglob("*") if p.is_file())
    assert document_date(repo / "content").timestamp() == int(newest)


def test_diff_needs_a_revision(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["diff"])
    assert exc.value.code == 2 and "OLD" in capsys.readouterr().err


# ------------------------------------------------------------------ ready to circulate


def test_the_title_and_the_column_heads_are_options(repo, tmp_path):
    text, html = run_diff(
        repo,
        tmp_path / "out",
        "HEAD~1",
        "HEAD",
        "--title",
        "第53回計画部会 資料２",
        "--new-label",
        "改正案",
        "--old-label",
        "現行",
    )
    assert text.startswith("第53回計画部会資料２新旧対照表")
    assert "改正案現行" in text and "改正後" not in text and "改正前" not in text
    assert "<title>第53回計画部会 資料２　新旧対照表</title>" in html
    # a title that names the table itself is printed as given
    text, _ = run_diff(
        repo,
        tmp_path / "out2",
        "HEAD~1",
        "HEAD",
        "--title",
        "新旧対照表（案）",
        "--order",
        "old-new",
        "--new-label",
        "改正案",
        "--old-label",
        "現行",
    )
    assert text.startswith("新旧対照表（案）改正箇所") and "現行改正案" in text
    # by default: the plan's title and status, 改正後 | 改正前
    text, _ = run_diff(repo, tmp_path / "out3", "HEAD~1", "HEAD")
    assert text.startswith("テスト計画（素案）新旧対照表") and "改正後改正前" in text


@pytest.mark.parametrize(
    ("option", "value", "phrase"),
    [
        ("--new-label", " ", "文字を指定してください"),
        ("--title", "資料\x1b[31m", "制御文字 U+001B"),
        ("--old-label", "現行𠮷", "U+20BB7"),
    ],
)
def test_a_bad_title_or_head_is_one_line_and_exit_1(repo, tmp_path, capsys, option, value, phrase):
    out = tmp_path / "out"
    assert (
        main(
            ["diff", "HEAD~1", option, value, "--content", str(repo / "content"), "--out", str(out)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"build.py diff {option}: ") and phrase in err, (
        err
    )
    assert "\x1b" not in err and not out.exists()


def test_git_terms_appear_only_when_asked_for(repo, tmp_path):
    shown = git(repo, "show", "-s", "--format=%h %cs", "HEAD", "HEAD~1").split()
    terms = ["HEAD", "作業中", *shown]
    for args, expected in (((), False), (("--show-revisions",), True)):
        out = tmp_path / f"out{len(args)}"
        text, html = run_diff(repo, out, "HEAD~1", *args)
        meta = pypdf.PdfReader(out / "shinkyu.pdf").metadata
        found = [t for t in terms if t in text or t in html or t in str(dict(meta))]
        if expected:
            assert set(found) >= {"HEAD", "作業中", shown[2]}, found
            assert "改正後：作業中の内容（content/）" in text and "改正前：HEAD~1（" in text
        else:
            assert found == [], found


# Two revisions of a package's ＫＰＩ: one edited (two cells), one removed, one unchanged,
# one added with a pending 基準値 and no unit.
KPIS_OLD = """\
- id: kpi-1
  indicator: 再生可能エネルギーの導入量
  unit: 万kW
  baseline: {value: 32, year: 令和５年度}
  target: {value: 60, year: 令和12年度}
  notes: 道路・港湾等
- id: kpi-2
  indicator: 廃止される指標
  unit: 件
  baseline: {value: 10, year: 令和５年度}
  target: {pending: 目標値は次回以降に議論}
- id: kpi-3
  indicator: 変わらない指標
  unit: ％
  baseline: {value: 50, year: 令和６年度}
  target: {value: 80, year: 令和12年度}
"""
KPIS_NEW = """\
- id: kpi-1
  indicator: 再生可能エネルギーの導入量（累計）
  unit: 万kW
  baseline: {value: 32, year: 令和５年度}
  target: {value: 75, year: 令和12年度}
  notes: 道路・港湾等
- id: kpi-3
  indicator: 変わらない指標
  unit: ％
  baseline: {value: 50, year: 令和６年度}
  target: {value: 80, year: 令和12年度}
- id: kpi-4
  indicator: 新設される指標
  baseline: {pending: 次回以降に議論}
  target: {value: 100, year: 令和12年度}
  notes: 新たに設定
"""


def kpi_package(pid: str, title: str, kpis: str | None) -> str:
    """A package whose 【ＫＰＩ】 holds ``kpis`` (YAML), or is pending when ``None``."""
    made = package(pid, title, "方向性の文。")
    if kpis is None:
        return made
    return made.replace(
        "          - kpis:\n              pending: 次回以降に議論\n",
        "          - kpis:\n" + textwrap.indent(kpis, " " * 14),
    )


def kpi_rows(html: str, key: str) -> dict[str, list[tuple[str, str]]]:
    """Each side's ＫＰＩ table rows: (status, cells with marked runs in [brackets])."""
    row = re.search(rf'data-key="{key}">\n(.*?)\n</tr>\n', html, re.S).group(1)
    out = {}
    for side, body in re.findall(
        r'<td class="(new|old)"[^>]*>(.*?)\n</td>(?=\n<td class="(?:new|old)"|$)', row, re.S
    ):
        out[side] = []
        for status, cells in re.findall(r'<tr(?: class="(\w+)")?><td>(.*?)</td></tr>', body):
            cells = re.sub(
                r'<(ins|del) class="chg">(.*?)</\1>',
                r"[\2]",
                cells.replace('<span class="sub">', ""),
            )
            out[side].append(
                (status, re.sub(r"\|+", "|", re.sub(r"<[^>]+>", "|", cells)).strip("|"))
            )
    return out


def test_a_changed_kpi_table_is_shown_as_the_plan_prints_it(tmp_path):
    repo = commit_revisions(
        tmp_path / "repo",
        {"goals/a.yaml": goal(kpi_package("pkg-kpi", "施策テーマＫ", KPIS_OLD))},
        {"goals/a.yaml": goal(kpi_package("pkg-kpi", "施策テーマＫ", KPIS_NEW))},
    )
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    assert text.count("指標単位基準値目標値備考") == 2  # the plan's columns, on each side
    rows = kpi_rows(html, "pkg-kpi")
    assert rows["new"] == [
        # the changed cells are marked, cell by cell; a value keeps its year below it
        (
            "changed",
            "再生可能エネルギーの導入量[（累計）]|万kW|32|（令和５年度）|[75]|（令和12年度）|道路・港湾等",
        ),
        ("", "変わらない指標|％|50|（令和６年度）|80|（令和12年度）"),
        # an added row, marked as a whole; no unit prints 「－」, a pending value 「（今後設定）」
        (
            "added",
            "[新設される指標]|[－]|[（今後設定）]|[次回以降に議論]|[100]|[（令和12年度）]|[新たに設定]",
        ),
    ]
    assert rows["old"] == [
        (
            "changed",
            "再生可能エネルギーの導入量|万kW|32|（令和５年度）|[60]|（令和12年度）|道路・港湾等",
        ),
        # the removed row is on the former side only
        (
            "removed",
            "[廃止される指標]|[件]|[10]|[（令和５年度）]|[（今後設定）]|[目標値は次回以降に議論]",
        ),
        ("", "変わらない指標|％|50|（令和６年度）|80|（令和12年度）"),
    ]
    # one row for the package: no ＫＰＩ is an item of its own
    assert html.count("data-key=") == 1 and "【ＫＰＩ】" in text


def test_a_kpi_table_without_notes_gives_no_width_to_an_empty_notes_column(tmp_path):
    def without_notes(kpis: str) -> str:
        return re.sub(r"\n *notes: [^\n]*", "", kpis)

    repo = commit_revisions(
        tmp_path / "repo",
        {"goals/a.yaml": goal(kpi_package("pkg-kpi", "施策テーマＫ", without_notes(KPIS_OLD)))},
        {"goals/a.yaml": goal(kpi_package("pkg-kpi", "施策テーマＫ", without_notes(KPIS_NEW)))},
    )
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    assert text.count("指標単位基準値目標値") == 2 and "備考" not in text
    assert 'class="k-notes"' not in html and html.count('<table class="kpi no-notes">') == 2
    assert all(len(cells.split("|")) >= 4 for _, cells in kpi_rows(html, "pkg-kpi")["new"])


def test_kpis_set_where_they_were_pending_and_kpis_reordered(tmp_path):
    pending = {"goals/a.yaml": goal(kpi_package("pkg-kpi", "施策テーマＫ", None))}
    set_old = {"goals/a.yaml": goal(kpi_package("pkg-kpi", "施策テーマＫ", KPIS_OLD))}
    (row,) = _rows(tmp_path / "a", pending, set_old)
    (old_block,) = [b for b in row.old.blocks if b.label == "ＫＰＩ"]
    (new_block,) = [b for b in row.new.blocks if b.label == "ＫＰＩ"]
    assert old_block.rows is None and [_marked(line.text) for line in old_block.lines] == [
        "[（今後設定）次回以降に議論]"
    ]
    assert [r.status for r in new_block.rows] == ["added"] * 3
    assert all(
        m.segments == ((m.text, True),)
        for r in new_block.rows
        for c in r.cells
        for m in c
        if m.text
    )
    # the same ＫＰＩ in another order: the row out of order is marked on both sides
    swapped = KPIS_OLD.split("- id: ")
    reordered = {
        "goals/a.yaml": goal(
            kpi_package(
                "pkg-kpi", "施策テーマＫ", "- id: ".join(["", swapped[3], swapped[1], swapped[2]])
            )
        )
    }
    (row,) = _rows(tmp_path / "b", set_old, reordered)
    (block,) = [b for b in row.new.blocks if b.label == "ＫＰＩ"]
    assert [(r.status, r.cells[0][0].text) for r in block.rows] == [
        ("moved", "変わらない指標"),
        ("", "再生可能エネルギーの導入量"),
        ("", "廃止される指標"),
    ]


FOOTNOTED = {
    "footnotes.yaml": "note-a: 脚注の本文\nnote-b: 二つ目の脚注\n",
    "goals/a.yaml": goal(
        package("pkg-a", "施策テーマＡ", "方向性Ａ[^note-a]", "方向性Ｂ[^note-b]")
    ),
}


def test_footnotes_are_shown_by_their_printed_numbers(tmp_path):
    new = {
        # a new footnote called first: the others are printed one number on
        "footnotes.yaml": "note-a: 脚注の本文を改めた\nnote-b: 二つ目の脚注\nnote-c: 新しい脚注\n",
        "goals/a.yaml": goal(
            package(
                "pkg-a",
                "施策テーマＡ",
                "方向性Ｃ[^note-c]",
                "方向性Ａ[^note-a]",
                "方向性Ｂ[^note-b]",
            )
            + package("pkg-z", "施策テーマＺ", "再び方向性Ａ[^note-a]")
        ),
    }
    repo = commit_revisions(tmp_path / "repo", FOOTNOTED, new)
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    assert cell_texts(html, "footnote:note-c") == {"new": "脚注[※1][新しい脚注]", "old": "（新設）"}
    # note-a is called twice now: the PDF prints it twice, as ※2 and ※4
    assert cell_texts(html, "footnote:note-a") == {
        "new": "脚注[※2、※4]脚注の本文[を改めた]",
        "old": "脚注[※1]脚注の本文",
    }
    assert cell_texts(html, "footnote:note-b") == {"new": "脚注[※3]（略）", "old": "脚注[※2]（略）"}
    # in the order of their numbers, and never by their ids
    assert re.findall(r'data-key="footnote:(note-\w)"', html) == ["note-c", "note-a", "note-b"]
    assert not re.search(r"note-[abc]", visible(html) + text)


def test_a_footnote_no_text_calls_is_said_to_be_so(tmp_path):
    items = [
        i
        for i in flatten(
            load_plan(
                write_content(
                    tmp_path,
                    {
                        "footnotes.yaml": "note-y: 使われない脚注\nnote-a: 脚注の本文\nnote-z: これも使われない脚注\n"
                    },
                )
            )
        )
        if i.key.startswith("footnote:")
    ]
    # after the numbered ones, in the order of footnotes.yaml
    assert [(i.key, i.number) for i in items] == [
        ("footnote:note-a", "※1"),
        ("footnote:note-y", ""),
        ("footnote:note-z", ""),
    ]
    assert items[1].title.text == items[2].title.text == "（本文から呼び出されていない脚注）"


def test_the_summary_counts_the_rows_by_kind(repo, tmp_path):
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    # pkg-added; pkg-removed; pkg-edited; 変化Ｃ moved; 変化Ａ and 変化Ｂ only renumbered
    assert "改正箇所新設1件削除1件修正1件移動1件番号のみの変更2件計6件" in text
    rows = compare_plans(*revisions(repo, "HEAD~1", "HEAD"))
    assert summary(rows) == [
        ("新設", 1),
        ("削除", 1),
        ("修正", 1),
        ("移動", 1),
        ("番号のみの変更", 2),
    ]
    assert sum(n for _, n in summary(rows)) == len(rows) == html.count("data-key=")
    # 番号のみの変更 only when there are any; the others always
    assert summary([]) == [("新設", 0), ("削除", 0), ("修正", 0), ("移動", 0)]
    text, _ = run_diff(repo, tmp_path / "out2", "HEAD", "HEAD")
    assert "改正箇所新設0件削除0件修正0件移動0件計0件" in text and "改正部分はありません。" in text


def test_every_path_uses_the_plans_numbering():
    """Each item's path names its headings by the numbers the plan prints (第３章 › 第２節 › ２)."""
    numbered = re.compile(
        r"^(第[０-９]+[章節]|[０-９]+|（[０-９]+）|[ア-ン]|（[ア-ン]）|参考[０-９]+)"
    )
    items = flatten(load_plan(PROJECT / "content"))
    for item in items:
        if item.key == "meta" or item.key.startswith("footnote:"):
            continue
        assert all(numbered.match(segment) for segment in item.path), item.path
        if item.key.startswith("diagram:"):  # 図１, 図２: numbered as the plan prints them
            assert re.fullmatch(r"図[０-９]+", item.number), (item.key, item.number)
            continue
        assert numbered.match(item.number), (item.key, item.number)


# ------------------------------------------------------------------ alignment by id


def _rows(tmp_path: Path, old: dict, new: dict, **kw):
    return compare_plans(
        load_plan(write_content(tmp_path / "old", old)),
        load_plan(write_content(tmp_path / "new", new)),
        **kw,
    )


def test_a_package_moved_to_another_group_is_a_move_with_both_places(tmp_path):
    # the minimal chapter2 has one 目指す社会の姿 under goal-a; add a second
    chapter2 = textwrap.dedent(MINIMAL["chapter2.yaml"])
    two_visions = chapter2.replace(
        """\
            theme_examples: [施策テーマの例Ａ]
""",
        """\
            theme_examples: [施策テーマの例Ａ]
          - vision: 姿Ｂ
            id: vision-b
            goal: goal-a
""",
    )
    assert two_visions != chapter2
    groups = """\
goal: 重点目標Ａ
id: goal-a
body:
  - group: vision-a
    body:
{a}  - group: vision-b
    body:
{b}"""
    pa = package("pkg-a", "施策テーマＡ", "方向性Ａ[^note-a]")
    pb = package("pkg-b", "施策テーマＢ", "方向性Ｂ")
    pc = package("pkg-c", "施策テーマＣ", "方向性Ｃ")
    rows = _rows(
        tmp_path,
        {"chapter2.yaml": two_visions, "goals/a.yaml": groups.format(a=pa + pb, b=pc)},
        {"chapter2.yaml": two_visions, "goals/a.yaml": groups.format(a=pa, b=pb + pc)},
    )
    # pkg-c only changed its number, pushed down by pkg-b
    assert [(r.key, r.status) for r in rows] == [("pkg-b", "moved"), ("pkg-c", "renumbered")]
    row = rows[0]
    assert row.new.notes == row.old.notes == ("（移動）",)
    assert row.new.path.text.endswith("≪姿Ｂ≫") and row.old.path.text.endswith("≪姿Ａ≫")
    assert row.new.number.text == "（１）" and row.old.number.text == "（２）"


def test_a_section_moved_to_another_parent_is_a_move(tmp_path):
    # 変化Ａ moves from 社会経済情勢の変化 to 現行計画の重点目標, unchanged
    moved = chapter1("B").replace(
        """\
        marker: （１）
""",
        """\
        marker: （１）
"""
        + CHANGE.format(x="a", X="Ａ"),
    )
    rows = _rows(tmp_path, {"chapter1.yaml": chapter1("AB")}, {"chapter1.yaml": moved})
    # 変化Ｂ, left behind, only changed its number
    assert [(r.key, r.status) for r in rows] == [("change-b", "renumbered"), ("change-a", "moved")]
    assert rows[1].new.notes == rows[1].old.notes == ("（移動）",)
    rows = rows[1:]
    assert rows[0].old.path.text.endswith("第１節　社会経済情勢の変化")
    assert rows[0].new.path.text.endswith("第２節　現行計画の重点目標")


def test_an_unchanged_plan_has_no_rows(tmp_path):
    assert _rows(tmp_path, {}, {}) == []


def test_points_without_ids_are_compared_as_a_sequence(tmp_path):
    def pkg(*directions):
        return goal(package("pkg-a", "施策テーマＡ", "方向性Ａ[^note-a]", *directions))

    rows = _rows(
        tmp_path,
        {"goals/a.yaml": pkg("第一の文。", "第二の文。", "第三の文。")},
        {"goals/a.yaml": pkg("第一の文。", "追加の文。", "第二の文を改めた。", "第三の文。")},
    )
    assert [r.key for r in rows] == ["pkg-a"]
    (new_block,) = [b for b in rows[0].new.blocks if b.label]
    assert new_block.label == "今後の社会資本整備の方向性"
    shown = ["（略）" if line.text is None else _marked(line.text) for line in new_block.lines]
    assert shown == ["（略）", "[追加の文。]", "第二の文[を改めた]。", "（略）"]
    assert [line.mark for line in new_block.lines if line.text is not None] == ["■", "■"]


def test_the_lines_of_a_section_without_ids_are_compared_as_a_sequence(tmp_path):
    # a section's whole body is one block, shown without a 【】 label
    def ch4(*paragraphs):
        body = "".join(f"      - p: {p}\n" for p in paragraphs)
        return textwrap.dedent(MINIMAL["chapter4.yaml"]).replace(
            "      - pending: 次回以降に議論\n", body
        )

    rows = _rows(
        tmp_path,
        {"chapter4.yaml": ch4("第一の段落。", "第二の段落。")},
        {"chapter4.yaml": ch4("第一の段落。", "挿入した段落。", "第二の段落。")},
    )
    assert [r.key for r in rows] == ["measure-a"]
    (block,) = rows[0].new.blocks
    assert block.label == ""
    assert [None if line.text is None else _marked(line.text) for line in block.lines] == [
        None,
        "[挿入した段落。]",
        None,
    ]
    # nothing of the former body was changed or taken out
    assert [[line.text for line in b.lines] for b in rows[0].old.blocks] == [[None]]


# Every kind of block, a label of the editors' own and a heading's added note.
RICH = {
    "plan.yaml": textwrap.dedent(MINIMAL["plan.yaml"]).replace(
        "parts:\n", "labels:\n  measures: 重点施策\nparts:\n"
    ),
    "images/fig.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n',
    "chapter4.yaml": """\
section: 実効性を確保する方策
id: ch4
child_numbering: item
body:
  - section: 方策Ａ
    id: measure-a
    title_note: （添え書き）
    body:
      - p: 段落の本文。
      - p: 例の本文。
        label: 例：
      - list:
          - 番号付きの一。
          - item: 番号付きの二。
            body:
              - list: [入れ子の項目。]
              - p: 入れ子の段落。
        marker: ①
      - list: [記号なしの項目。]
        marker: none
      - note: 注記の本文。
      - table:
          - [見出し一, 見出し二]
          - [セル一, セル二]
        caption: 表の表題
        source: 表の出典
      - figure: images/fig.svg
        caption: 図の表題
        alt: 図の代替テキスト
        source: 図の出典
      - pending: 次回以降に議論
        what: 方策Ａの未定事項
      - page_break: true
      - markdown: |
          Markdown の一行目。

          Markdown の二行目。
""",
}


def test_each_kind_of_block_gives_its_lines(tmp_path):
    items = {i.key: i for i in flatten(load_plan(write_content(tmp_path, RICH)))}
    measure = items["measure-a"]
    assert [(b.name, b.label) for b in measure.blocks] == [
        ("title_note", "見出しに添える語"),
        ("body", ""),
    ]
    assert [line.text for line in measure.blocks[0].lines] == ["（添え書き）"]
    assert [(line.mark, line.text) for line in measure.blocks[1].lines] == [
        ("", "段落の本文。"),
        ("", "例：例の本文。"),
        ("①", "番号付きの一。"),
        ("②", "番号付きの二。"),
        ("　・", "入れ子の項目。"),
        ("　", "入れ子の段落。"),
        ("", "記号なしの項目。"),
        ("※", "注記の本文。"),
        # captions with the numbers the plan prints (図１ and 図２ are drawn from data)
        ("", "表１　表の表題"),
        ("", "見出し一｜見出し二"),
        ("", "セル一｜セル二"),
        ("", "出典：表の出典"),
        ("", "図３　図の表題"),
        ("", "代替テキスト：図の代替テキスト"),
        ("", "出典：図の出典"),
        ("", "画像ファイル：images/fig.svg"),
        ("", "（今後記述）次回以降に議論"),
        ("", "未定事項一覧での呼び名：方策Ａの未定事項"),
        ("", "Markdown の一行目。"),
        ("", "Markdown の二行目。"),
    ]
    # a package's parts are blocks of their own, labelled as the plan prints them
    pkg = items["pkg-a"]
    assert [(b.name, b.label) for b in pkg.blocks] == [
        ("directions", "今後の社会資本整備の方向性"),
        ("measures", "重点施策"),
        ("kpis", "ＫＰＩ"),
    ]
    assert [(line.mark, line.text) for line in pkg.blocks[0].lines] == [("■", "方向性Ａ※")]
    # the 【ＫＰＩ】 is one table as the plan prints it, a row per ＫＰＩ keyed by its id
    kpis = pkg.blocks[2]
    assert kpis.lines == () and kpis.header == ("指標", "単位", "基準値", "目標値", "備考")
    assert [(r.ident, r.cells) for r in kpis.rows] == [
        (
            "kpi-a",
            (
                ("指標Ａ",),
                ("件",),
                ("10", "（令和５年度）"),
                ("（今後設定）", "目標値は次回以降に議論"),
                ("",),
            ),
        )
    ]
    assert "kpi-a" not in items  # not an item of its own
    # a 目指す社会の姿 prints its heading and body; its 施策テーマの例 print in the table of
    # the section that holds the generated list, and its 重点目標 in 図１
    assert [b.name for b in items["vision-a"].blocks] == ["body"]
    assert [line.text for line in items["ch2-society"].blocks[0].lines] == [
        "施策テーマの例",
        "目指す社会の姿｜施策テーマの例",
        "姿Ａ｜○施策テーマの例Ａ",
    ]
    # the figures drawn from data: each box's text and each arrow as printed
    society = items["diagram:society"]
    assert (society.number, society.title.text, society.container) == (
        "図１",
        "課題・姿・重点目標の関係",
        "ch2-society",
    )
    assert [(b.label, [line.text for line in b.lines]) for b in society.blocks] == [
        ("列の見出し", ["基本的な課題認識", "目指す社会の姿", "重点目標の案"]),
        ("基本的な課題認識", ["課題Ａ"]),
        ("目指す社会の姿", ["姿Ａ"]),
        ("重点目標の案", ["重点目標Ａ"]),
        ("矢印", ["姿Ａ→重点目標Ａ"]),
    ]
    pillars = items["diagram:pillars:ch2-policy"]
    assert [(b.label, [line.text for line in b.lines]) for b in pillars.blocks] == [
        ("上の段", ["方針"]),
        ("柱", ["（１）柱Ａ"]),
        ("土台", ["スパイラルアップ"]),
    ]
    # the labels set in plan.yaml
    assert [line.text for b in items["meta"].blocks if b.name == "labels" for line in b.lines] == [
        "measures：重点施策"
    ]
    # the keys and parents of the typed entities
    assert items["goal-a-vision-a"].container == "goal-a"
    assert items["pkg-a"].container == "goal-a-vision-a"
    assert items["outline:goal-a"].container == "ch2-goals"
    # a footnote by the number it is printed with, never by its id
    note = items["footnote:note-a"]
    assert (note.path, note.number, note.title.text) == (("脚注",), "※1", "")
    assert note.blocks[0].lines[0].text == "脚注の本文"


@pytest.mark.parametrize("content", ["project", "rich"])
def test_every_text_of_the_plan_is_compared(content, tmp_path):
    """No content text is left out of the comparison, so no edit can go unreported."""
    plan = load_plan(PROJECT / "content" if content == "project" else write_content(tmp_path, RICH))
    shown = set()
    for item in flatten(plan):
        shown.add(item.title.text)
        shown.update(line.text for block in item.blocks for line in block.lines)
        shown.update(
            text
            for block in item.blocks
            for row in block.rows or ()
            for cell in row.cells
            for text in cell
        )
    shown_text = "\n".join(shown)

    texts = list(walk_texts(plan))
    assert len(texts) > (300 if content == "project" else 40)
    if content == "rich":
        assert any(isinstance(t, Prose) for t in texts)
    missing = []
    for t in texts:
        if isinstance(t, Text):
            assert t.pos.path != DEFAULTS_POS
            wanted = [t.display]  # as printed: a footnote call shows as ※
        else:  # Markdown: each line of its source
            wanted = [line.strip() for line in t.raw.splitlines() if line.strip()]
        missing.extend(w for w in wanted if w not in shown_text)
    assert not missing


# ------------------------------------------------------------------ the first content format


def fixture_repo(root: Path, edit=None) -> Path:
    """A git repository whose HEAD~1 is the fixture (the first format) and HEAD the same
    content migrated to the document tree, changed by ``edit`` if given."""
    root.mkdir(parents=True)
    git(root, "init", "-q")
    shutil.copytree(FIXTURE, root / "content")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "第一の形式")
    shutil.rmtree(root / "content")
    migrate.migrate(FIXTURE, root / "content")
    if edit:
        edit(root / "content")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "文書の木の形式")
    return root


def revisions(repo: Path, *revs: str | None):
    source = locate(repo / "content")
    return [load_revision(source, rev).plan for rev in revs]


def test_the_fixture_is_the_first_format():
    assert migrate.is_old_format(FIXTURE)
    assert "parts" not in yaml.safe_load((FIXTURE / "plan.yaml").read_text("utf-8"))


def test_migrating_the_last_circulated_revision_changes_no_text(tmp_path):
    repo = fixture_repo(tmp_path / "repo")
    assert "parts:" not in git(repo, "show", "HEAD~1:content/plan.yaml")
    assert "parts:" in git(repo, "show", "HEAD:content/plan.yaml")
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    assert "改正部分はありません。" in text and "data-key=" not in html
    old, new = revisions(repo, "HEAD~1", "HEAD")
    assert compare_plans(old, new) == [] and compare_plans(old, new, widths=True) == []
    # the former revision was read through the conversion: the same items, all of them
    assert [i.key for i in flatten(old)] == [i.key for i in flatten(new)]
    assert len(flatten(old)) > 100


def _relations(vision: dict) -> list[dict]:
    return [
        b
        for b in vision.get("body", ())
        if isinstance(b, dict) and b.get("label") == "【対応する課題】"
    ]


def drop_relations(content: Path) -> None:
    """Take the 【対応する課題】 paragraphs out of every 目指す社会の姿 (the diagram keeps its arrows)."""
    path = content / "chapter2.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))

    def visit(node):
        if isinstance(node, dict):
            if "vision" in node and _relations(node):
                node["body"] = [b for b in node["body"] if b not in _relations(node)]
                if not node["body"]:
                    del node["body"]
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(data)
    path.write_text(migrate.dump(data), "utf-8")


def test_dropping_the_relation_lines_shows_exactly_their_removal(tmp_path):
    repo = fixture_repo(tmp_path / "repo", drop_relations)
    # the visions that answer a 課題 in the fixture, in their order
    society = yaml.safe_load((FIXTURE / "chapter2.yaml").read_text("utf-8"))["society"]
    answering = [v["id"] for v in society["visions"] if v.get("challenges")]
    assert len(answering) > 1
    assert "【対応する課題】" not in (repo / "content" / "chapter2.yaml").read_text("utf-8")

    old, new = revisions(repo, "HEAD~1", "HEAD")
    rows = compare_plans(old, new)
    assert [(r.key, r.status) for r in rows] == [(v, "changed") for v in answering]
    for row in rows:
        assert row.old.notes == row.new.notes == ()
        assert row.old.number == row.new.number and not row.old.title.changed
        shown_old = [
            line.text
            for b in row.old.blocks
            if b.label is not None
            for line in b.lines
            if line.text
        ]
        shown_new = [
            line.text
            for b in row.new.blocks
            if b.label is not None
            for line in b.lines
            if line.text
        ]
        # the former side shows the one line taken out, marked as a whole; nothing else changed
        assert len(shown_old) == 1 and shown_old[0].text.startswith("【対応する課題】")
        assert shown_old[0].segments == ((shown_old[0].text, True),)
        assert shown_new == []

    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    assert html.count("data-key=") == len(answering)
    assert text.count("【対応する課題】") == len(answering)


def test_a_working_tree_in_the_first_format_is_converted_and_left_alone(tmp_path):
    repo = fixture_repo(tmp_path / "repo")
    git(repo, "rm", "-rq", "content")
    shutil.copytree(FIXTURE, repo / "content")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "第一の形式に戻す")
    status = git(repo, "status", "--porcelain", "--ignored")
    old, new = revisions(repo, "HEAD~1", None)
    assert compare_plans(old, new) == []
    assert git(repo, "status", "--porcelain", "--ignored") == status


def test_problems_in_a_converted_revision_point_at_the_revision(tmp_path, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(FIXTURE, repo / "content")
    green = repo / "content" / "goals" / "green.yaml"
    lines = green.read_text("utf-8").splitlines(keepends=True)
    ((n, line),) = [(n, line) for n, line in enumerate(lines, 1) if line.startswith("title:")]
    lines[n - 1] = line.replace("title: ", "title: [")
    green.write_text("".join(lines), "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "壊れた第一の形式")
    shutil.rmtree(repo / "content")
    migrate.migrate(FIXTURE, repo / "content")  # the working tree is fine
    assert (
        main(["diff", "HEAD", "--content", str(repo / "content"), "--out", str(tmp_path / "out")])
        == 1
    )
    err = capsys.readouterr().err
    # the file and line as the editor wrote them, not the converted file's, nor a temporary path
    # (YAML finds the unclosed bracket on the line after it)
    where = re.match(r"HEAD:content/goals/green\.yaml:(\d+):\d+: ", err)
    assert where and int(where.group(1)) in (n, n + 1) and "YAML" in err
    assert err.count("\n") == 1 and "Traceback" not in err and "keikaku-rev-" not in err


# ------------------------------------------------------------------ what the page prints

RENAMED_GOAL = "重点目標Ａの新名称"


def renamed_goal(files: dict) -> dict:
    """The same content with goal-a renamed in its own file only."""
    a = textwrap.dedent(files.get("goals/a.yaml", MINIMAL["goals/a.yaml"]))
    assert "goal: 重点目標Ａ\n" in a
    return {**files, "goals/a.yaml": a.replace("goal: 重点目標Ａ\n", f"goal: {RENAMED_GOAL}\n")}


def test_a_renamed_goal_is_listed_at_each_place_it_prints(tmp_path):
    repo = commit_revisions(tmp_path / "repo", {}, renamed_goal({}))
    rows = compare_plans(*revisions(repo, "HEAD~1", "HEAD"))
    # 第２章 第１節 ３ 重点目標の案 （１）, 図１ beside it, and the 第３章 heading
    assert [(r.key, r.status) for r in rows] == [
        ("outline:goal-a", "changed"),
        ("diagram:society", "changed"),
        ("goal-a", "changed"),
    ]
    outline, figure, heading = rows
    assert (outline.new.number.text, _marked(outline.new.title)) == (
        "（１）",
        "重点目標Ａ[の新名称]",
    )
    assert outline.new.path.text.endswith("３　重点目標の案")
    assert (heading.new.number.text, _marked(heading.new.title)) == (
        "第１節",
        "重点目標Ａ[の新名称]",
    )
    # 図１: its goal box and the arrow into it, old and new
    assert (figure.new.number.text, figure.new.title.text) == ("図１", "課題・姿・重点目標の関係")
    shown = {
        side: [
            (b.label, [_marked(x.text) for x in b.lines if x.text]) for b in cell.blocks if b.label
        ]
        for side, cell in (("new", figure.new), ("old", figure.old))
    }
    assert shown["new"] == [
        ("重点目標の案", ["重点目標Ａ[の新名称]"]),
        ("矢印", ["姿Ａ→重点目標Ａ[の新名称]"]),
    ]
    assert shown["old"] == [("重点目標の案", ["重点目標Ａ"]), ("矢印", ["姿Ａ→重点目標Ａ"])]

    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    assert "改正箇所新設0件削除0件修正3件移動0件計3件" in text
    assert "３重点目標の案（１）重点目標Ａの新名称" in text  # path, number and title
    assert "図１課題・姿・重点目標の関係" in text and "姿Ａ→重点目標Ａの新名称" in text
    assert "第３章重点目標と政策パッケージ第１節重点目標Ａの新名称" in text
    assert cell_texts(html, "diagram:society")["old"].startswith(
        "第２章方向性›第１節社会課題と目指す社会の姿図１課題・姿・重点目標の関係（略）"
    )


def test_a_changed_arrow_of_figure_1_is_listed(tmp_path):
    chapter2 = textwrap.dedent(MINIMAL["chapter2.yaml"])
    linked = chapter2.replace(
        "caption: 課題・姿・重点目標の関係\n",
        "caption: 課題・姿・重点目標の関係\n"
        "        links:\n"
        "          - {challenge: challenge-a, vision: vision-a}\n",
    )
    assert linked != chapter2
    rows = _rows(tmp_path, {"chapter2.yaml": chapter2}, {"chapter2.yaml": linked})
    assert [(r.key, r.status) for r in rows] == [("diagram:society", "changed")]
    (arrows,) = [b for b in rows[0].new.blocks if b.label == "矢印"]
    assert [None if x.text is None else _marked(x.text) for x in arrows.lines] == [
        "[課題Ａ→姿Ａ]",
        None,  # the arrow from 姿Ａ to its 重点目標, unchanged
    ]
    # the former side: nothing was taken out
    (former,) = [b for b in rows[0].old.blocks if b.label == "矢印"]
    assert [x.text for x in former.lines] == [None]


def test_the_generated_lists_are_compared_only_when_asked_for(tmp_path):
    repo = commit_revisions(tmp_path / "repo", {}, renamed_goal({}))
    old, new = revisions(repo, "HEAD~1", "HEAD")
    assert not [r for r in compare_plans(old, new) if r.key.startswith("list:")]
    listed = [(r.key, r.status) for r in compare_plans(old, new, lists=True)]
    # the 目次 lists 第３章's goals; the goal heads its table in each list; the
    # 未定事項一覧 names the place of its ＫＰＩ's 未定事項 by the headings above it
    assert [k for k in listed if k[0].startswith("list:")] == [
        ("list:toc", "changed"),
        ("list:package-list", "changed"),
        ("list:kpi-list", "changed"),
        ("list:pending-list", "changed"),
    ]
    # … and the 概要 prints the goal's new name in its column's head
    assert ("overview", "changed") in listed
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD", "--with-lists")
    assert "改正箇所新設0件削除0件修正8件移動0件計8件" in text
    kpi_list = cell_texts(html, "list:kpi-list")
    assert kpi_list["new"].startswith("参考２ＫＰＩ一覧ＫＰＩ一覧政策パッケージ指標基準値目標値")
    assert "第１節重点目標Ａ[の新名称]施策テーマＡ指標Ａ（件）" in kpi_list["new"]
    assert "第１節重点目標Ａ[の新名称]" in cell_texts(html, "list:toc")["new"]
    text, _ = run_diff(repo, tmp_path / "out2", "HEAD~1", "HEAD")
    assert "計3件" in text and "政策パッケージ一覧" not in text


def test_a_label_and_a_generated_number_are_compared_as_printed(tmp_path, capsys):
    plan = textwrap.dedent(MINIMAL["plan.yaml"])
    relabelled = plan.replace("parts:\n", "labels:\n  measures: 重点施策\nparts:\n")
    # a numbered figure before 図１: the drawing from data is printed as 図２ now
    chapter1 = textwrap.dedent(MINIMAL["chapter1.yaml"])
    figured = chapter1.replace(
        "          - list: [変化Ａの内容]\n",
        "          - list: [変化Ａの内容]\n"
        "          - figure: images/fig.svg\n"
        "            caption: 新しい図\n"
        "            alt: 図の代替テキスト\n"
        "            source: 図の出典\n",
    )
    assert figured != chapter1
    rows = _rows(
        tmp_path,
        {"images/fig.svg": RICH["images/fig.svg"]},
        {
            "plan.yaml": relabelled,
            "chapter1.yaml": figured,
            "images/fig.svg": RICH["images/fig.svg"],
        },
    )
    by_key = {r.key: r for r in rows}
    # the label where it prints: the 【…】 of every package that has the part
    (part,) = [b for b in by_key["pkg-a"].new.blocks if b.label == "重点施策"]
    assert [(b.label, b.relabelled) for b in by_key["pkg-a"].old.blocks] == [
        (None, False),
        ("当面の取組（例）", True),
    ]
    assert part.relabelled and [x.text for x in part.lines] == [None]  # its points unchanged
    assert by_key["pkg-a"].status == "changed"
    # the figure added with its number, the figures after it renumbered
    assert "図１　新しい図" in [
        x.text.text for b in by_key["change-a"].new.blocks for x in b.lines if x.text
    ]
    society = by_key["diagram:society"]
    assert (society.status, _marked(society.old.number), _marked(society.new.number)) == (
        "renumbered",
        "[図１]",
        "[図２]",
    )
    assert by_key["diagram:pillars:ch2-policy"].new.number.text == "図３"
    # the option is in the command's help, in Japanese with English beside
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--with-lists" in capsys.readouterr().out.replace("\n", " ")


# ------------------------------------------------------------------ page breaks in a row


@pytest.mark.typeset
def test_a_row_never_starts_at_a_page_foot_with_its_heading_alone(tmp_path):
    """30 新設 rows of one to five sentences, so that row starts fall at many heights of
    the page: wherever one lands, its heading path and title stand on the page with the
    first two lines of its content, and the other side (「（新設）」) starts there too."""
    sentence = "地域の公共交通を維持するため、関係者の連携による取組を推進すべきではないか。"
    old = {"goals/a.yaml": goal(package("pkg-0", "既存の施策テーマ", "既存の方向性。"))}
    packages = package("pkg-0", "既存の施策テーマ", "既存の方向性。") + "".join(
        package(
            f"pkg-new-{n}", f"新設の施策テーマ{n:02d}", f"方向性{n:02d}。" + sentence * (1 + n % 5)
        )
        for n in range(30)
    )
    repo = commit_revisions(tmp_path / "repo", old, {"goals/a.yaml": goal(packages)})
    out = tmp_path / "out"
    assert (
        main(["diff", "HEAD~1", "HEAD", "--content", str(repo / "content"), "--out", str(out)]) == 0
    )
    pages = [squash(p.extract_text()) for p in pypdf.PdfReader(out / "shinkyu.pdf").pages]
    assert len(pages) > 5 and rowstart.installed()
    path = "第３章重点目標と政策パッケージ›第１節重点目標Ａ›１≪姿Ａ≫"
    stranded = []
    for n in range(30):
        title = f"新設の施策テーマ{n:02d}"
        page = next(p for p in pages if title in p)
        # the path, the number and title, the part's label and the first line of its text
        start = (
            re.escape(path)
            + "（[０-９]+）"
            + title
            + "【今後の社会資本整備の方向性】■"
            + f"方向性{n:02d}。地域の"
        )
        # and the other side of the row, after this side's part on the page
        row = re.search(start + r"(.*?)(?=" + re.escape(path) + "|$)", page)
        if row is None or "（新設）" not in row.group(1):
            stranded.append(title)
    assert stranded == []


# ------------------------------------------------------------------ tables in a body


def _table_chapter(rows: list[list[str]]) -> str:
    table = "".join(f"              - [{', '.join(r)}]\n" for r in rows)
    return f"""\
section: 状況の変化
id: ch1
body:
  - section: 社会経済情勢の変化
    id: ch1-changes
    body:
      - section: 変化Ａ
        id: change-a
        body:
          - p: 変化Ａの本文。
          - table:
{table}            caption: 分野別の状況
            source: 国土交通省調べ
          - p: 表の後の本文。
  - section: 現行計画の重点目標
    id: ch1-current-goals
    body:
      - list: [現行目標Ａ]
        marker: （１）
"""


def test_a_changed_table_in_a_body_prints_as_a_table_on_each_side(tmp_path):
    head = ["区分", "内容"]
    rows = [[f"分野{n}", f"分野{n}の状況を示す文"] for n in "１２３４５"]
    changed = [
        *rows[:2],
        ["分野３", "分野３の状況を改めて示す文"],
        *rows[3:],
        ["分野６", "新しい分野の文"],
    ]
    repo = commit_revisions(
        tmp_path / "repo",
        {"chapter1.yaml": _table_chapter([head, *rows])},
        {"chapter1.yaml": _table_chapter([head, *changed])},
    )
    text, html = run_diff(repo, tmp_path / "out", "HEAD~1", "HEAD")
    row = re.search(r'data-key="change-a">\n(.*?)\n</tr>\n', html, re.S).group(1)
    new, old = re.findall(r'<td class="(?:new|old)"[^>]*>(.*?)\n</td>', row, re.S)
    for side in (new, old):
        # a table with its header row, the caption above it (unchanged, but naming it)
        assert '<table class="data">' in side and "｜" not in side
        assert '<th scope="col">区分</th><th scope="col">内容</th>' in side
        assert side.index("表１　分野別の状況") < side.index('<table class="data">')
        # the unchanged rows left out as one 「（略）」 row across the table, before and after
        assert side.count('<tr class="omitted"><td colspan="2">（略）</td></tr>') == 2
        assert "分野１の状況" not in side and "分野４の状況" not in side
    # the changed cell marked in its own cell, the unchanged cell beside it plain
    assert (
        '<tr><td>分野３</td><td>分野３の状況を<ins class="chg">改めて</ins>示す文</td></tr>' in new
    )
    assert "<tr><td>分野３</td><td>分野３の状況を示す文</td></tr>" in old
    # the added row, whole
    assert (
        '<tr><td><ins class="chg">分野６</ins></td><td><ins class="chg">新しい分野の文</ins></td></tr>'
        in new
    )
    # the PDF prints the cells, not rows joined by ｜
    assert "｜" not in text and "区分内容" in text and "分野３の状況を改めて示す文" in text
    assert _pdfua_errors(tmp_path / "out" / "shinkyu.pdf") == []


# ------------------------------------------------------------------ for screen readers


def _spans(path: Path) -> list[tuple[str, str]]:
    """(/ActualText, /Alt) of every /Span of the structure tree that has both."""
    found = []
    with pikepdf.open(path) as pdf:
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            element = stack.pop()
            kids = element.get("/K")
            if kids is None:
                continue
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                    if kid.get("/S") == "/Span" and "/ActualText" in kid and "/Alt" in kid:
                        found.append((str(kid.ActualText), str(kid.Alt)))
                    stack.append(kid)
    return found


def test_each_change_is_a_span_a_screen_reader_announces(tmp_path):
    long_text = (
        "広域・多分野の連携による持続的なインフラメンテナンスの体制を全国で構築すべきではないか。"
        * 3
    )
    old = {
        "goals/a.yaml": goal(package("pkg-a", "施策テーマ", EDITED_OLD, "廃止される方向性の文。"))
    }
    new = {"goals/a.yaml": goal(package("pkg-a", "施策テーマ", EDITED_NEW, long_text))}
    repo = commit_revisions(tmp_path / "repo", old, new)
    out = tmp_path / "out"
    text, html = run_diff(repo, out, "HEAD~1", "HEAD")
    assert '<ins class="chg">一層</ins>' in html
    spans = _spans(out / "shinkyu.pdf")
    # the revised side's insertions, the former side's deleted text, each with its own
    # text as /ActualText and its description as /Alt
    assert ("一層", "改正部分：一層") in spans
    assert ("・活性化", "改正部分：・活性化") in spans
    assert ("廃止される方向性の文。", "改正前の部分：廃止される方向性の文。") in spans
    # a run over several lines is one Span, not one per line
    assert squash(long_text) in text
    assert (long_text, f"改正部分：{long_text}") in spans
    assert not [s for s in spans if s[0] != long_text and s[0] in long_text]
    # each Span marks exactly the text it says it is, and is its kids' parent
    tree = Tagged(out / "shinkyu.pdf")
    marked = [e for e in tree.walk() if tree.role(e) == "Span" and "/ActualText" in e]
    assert len(marked) == len(spans) == html.count('class="chg"')
    for span in marked:
        # (read off the page, a run over several lines has their breaks; its /ActualText not)
        assert tree.text(span).replace("\n", "") == str(span["/ActualText"])
        for kid in tree.kids(span):
            assert kid.raw_get("/P").idnum == span.indirect_reference.idnum
    assert _pdfua_errors(out / "shinkyu.pdf") == []


def _pdfua_errors(path: Path) -> list[str]:
    report = pdfua.validate(str(path))
    return [
        f"{f.rule_id} {f.location}: {f.message}"
        for f in report.findings
        if f.severity >= pdfua.Severity.ERROR
    ]


def _sections(n: int, listed: bool) -> str:
    """第１章 with ``n`` sections, titles of one line and of two, each with a list (when
    ``listed``) and a paragraph."""
    body = "".join(
        f"""\
  - section: 変化{k:02d}{"の長い題名を続ける" * (k % 2)}
    id: change-{k}
    body:
{f"      - list: [変化{k:02d}の内容として挙げられる項目]{chr(10)}" if listed else ""}\
      - p: 変化{k:02d}の本文。
"""
        for k in range(n)
    )
    return f"section: 状況の変化\nid: ch1\nbody:\n{body}"


@pytest.mark.typeset
def test_a_changed_row_starts_on_one_page_on_both_sides(tmp_path):
    """Rows whose former side has a line more than the revised (a list taken out), their
    titles of one line and of two: where the former side cannot start at a page foot, the
    revised side does not start there alone; both start on the next page."""
    repo = commit_revisions(
        tmp_path / "repo",
        {"chapter1.yaml": _sections(40, True)},
        {"chapter1.yaml": _sections(40, False)},
    )
    out = tmp_path / "out"
    assert (
        main(["diff", "HEAD~1", "HEAD", "--content", str(repo / "content"), "--out", str(out)]) == 0
    )
    pages = [squash(p.extract_text()) for p in pypdf.PdfReader(out / "shinkyu.pdf").pages]
    assert len(pages) > 3
    split = []
    for k in range(40):
        title = f"変化{k:02d}" + "の長い題名を続ける" * (k % 2)
        start = "第１章状況の変化第[０-９]+節" + title
        on = [n for n, page in enumerate(pages) for _ in re.findall(start, page)]
        if len(on) != 2 or on[0] != on[1]:
            split.append((title[:4], on))
        # the former side: its title with the line taken out, on the page of its path
        if not any(re.search(start + f"・変化{k:02d}の内容", page) for page in pages):
            split.append((title[:4], "former"))
    assert split == []
