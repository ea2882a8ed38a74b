"""The printed model of the plan (``keikaku/tree/``): what the page prints, with its
trace, and the footnote numbers checked against the ※n of the built PDF."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pypdf
import pytest

from conftest import MINIMAL, PROJECT, write_content
from keikaku import tree
from keikaku.errors import Pos
from keikaku.load import load_plan
from keikaku.pipeline import build

#: Footnotes called from the cover, a 重点目標's title (printed in 第２章's 重点目標の案, its
#: 第３章 heading, the 政策パッケージ一覧 and the ＫＰＩ一覧), a ＫＰＩ (its 【ＫＰＩ】 and the
#: ＫＰＩ一覧), the heading 図２ is drawn from (its title printed twice), a generated list's
#: caption and a Markdown file.
FOOTNOTES_EVERYWHERE = {
    "footnotes.yaml": "note-a: 脚注の本文\nnote-b: 二つ目の脚注\nnote-c: 三つ目の脚注\nnote-d: 四つ目の脚注\n",
    "plan.yaml": textwrap.dedent(MINIMAL["plan.yaml"]).replace(
        "keywords: [テスト]\n", "keywords: [テスト]\nnotice: 表紙の注記[^note-d]\n"
    ),
    "goals/a.yaml": textwrap.dedent(MINIMAL["goals/a.yaml"])
    .replace("goal: 重点目標Ａ", "goal: 重点目標Ａ[^note-b]")
    .replace("indicator: 指標Ａ", "indicator: 指標Ａ[^note-c]"),
    "chapter2.yaml": textwrap.dedent(MINIMAL["chapter2.yaml"])
    .replace("section: 方針\n", "section: 方針[^note-c]\n")
    .replace("caption: 施策テーマの例", "caption: 施策テーマの例[^note-a]"),
    "prose/outlook.md": "中長期の方向性の本文[^note-d]。\n",
}

# The number stands in a box of its own (the text hangs after it): a space or none follows.
_PRINTED_FOOTNOTE = re.compile(r"^※(\d+)[ 　]?(\D.+)$", re.M)


def pdf_footnotes(pdf: Path) -> dict[int, str]:
    """The footnotes the PDF prints at the foot of its pages: number → the text of the
    line it starts on."""
    found: dict[int, str] = {}
    for page in pypdf.PdfReader(pdf).pages:
        for number, text in _PRINTED_FOOTNOTE.findall(page.extract_text() or ""):
            assert int(number) not in found, f"※{number} printed twice"
            found[int(number)] = text.strip()
    return found


def assert_numbers_as_printed(plan, pdf: Path) -> None:
    document = tree.printed(plan)
    printed = pdf_footnotes(pdf)
    expected = {
        n: note.text.plain.replace(" ", "") for note in document.footnotes for n in note.numbers
    }
    assert expected, "no footnote is called"
    assert sorted(printed) == sorted(expected) == list(range(1, len(expected) + 1))
    for n, text in printed.items():
        # a long footnote runs over lines: its first line is where its number is printed
        assert expected[n].startswith(text.replace(" ", "")), (n, text, expected[n])


@pytest.mark.typeset
def test_footnote_numbers_are_those_the_pdf_prints(tmp_path):
    content = write_content(tmp_path, FOOTNOTES_EVERYWHERE)
    build(content, tmp_path / "out", report=lambda _: None, warn=lambda _: None)
    plan = load_plan(content)
    assert tree.footnote_numbers(plan) == {
        "note-d": (1, 6),  # the cover, then the Markdown of 第２章 第３節
        "note-b": (2, 7, 10, 11),  # 重点目標の案, 第３章, 政策パッケージ一覧, ＫＰＩ一覧
        "note-a": (3, 8),  # the caption of 施策テーマの例, then the package's ■
        "note-c": (4, 5, 9, 12),  # the heading and 図２'s roof, the 【ＫＰＩ】, the ＫＰＩ一覧
    }
    assert_numbers_as_printed(plan, tmp_path / "out" / "plan.pdf")


def test_the_real_plans_footnote_numbers_are_those_its_pdf_prints(built_plan):
    assert_numbers_as_printed(load_plan(PROJECT / "content"), built_plan.pdf_path)


def test_a_final_edition_numbers_without_the_draft_only_parts(tmp_path):
    files = dict(FOOTNOTES_EVERYWHERE)
    files["chapter4.yaml"] = textwrap.dedent(MINIMAL["chapter4.yaml"]).replace(
        "    body:\n      - pending: 次回以降に議論\n",
        "    draft_only: true\n    body:\n      - p: 素案だけの段落[^note-a]\n",
    )
    plan = load_plan(write_content(tmp_path, files))
    draft, final = tree.footnote_numbers(plan), tree.footnote_numbers(plan, draft=False)
    assert draft["note-a"] == (3, 8, 10) and final["note-a"] == (3, 8)


def test_nodes_carry_what_is_printed_and_where_it_comes_from(tmp_path):
    content = write_content(tmp_path, FOOTNOTES_EVERYWHERE)
    document = tree.printed(load_plan(content))
    nodes = list(tree.walk(document.body))
    goal = next(n for n in nodes if isinstance(n, tree.Heading) and n.key == "goal-a")
    assert (goal.number, goal.title.text, goal.title.printed, goal.title.plain) == (
        "第１節",
        "重点目標Ａ※",
        "重点目標Ａ※7",
        "重点目標Ａ",
    )
    assert goal.trace == tree.Trace("goal-a", "", Pos(str(content / "goals" / "a.yaml"), 1, 1))
    # 第２章's 重点目標の案 prints the goal's title, resolved, and its 目指す社会の姿
    outline = next(n for n in nodes if isinstance(n, tree.Heading) and n.key == "outline:goal-a")
    assert (outline.number, outline.title.printed) == ("（１）", "重点目標Ａ※2")
    (visions,) = [n for n in outline.body if isinstance(n, tree.List)]
    assert [(i.marker, i.text.text) for i in visions.items] == [("○", "姿Ａ")]
    # a 【ＫＰＩ】 row by its id, its cells as printed
    (kpis,) = [n for n in nodes if isinstance(n, tree.Table) and n.role == "kpi"]
    (row,) = kpis.rows
    assert row.key == "kpi-a"
    assert [[line.printed for line in cell] for cell in row.cells] == [
        ["指標Ａ※9"],
        ["件"],
        ["10", "（令和５年度）"],
        ["（今後設定）"],
        [""],
    ]
    assert row.pending[3] is not None and row.pending[3].reason.text == "目標値は次回以降に議論"
    # each cell's paragraph traced as the Word edition's trace map records it: a value
    # not set yet to its reason
    assert [(t.id, t.field, t.kind) for (t,) in row.traces] == [
        ("kpi-a", name, "kpi") for name in ("indicator", "unit", "baseline", "target", "notes")
    ]
    assert row.traces[3][0].pos == Pos(str(content / "goals" / "a.yaml"), 23, 28)
    # its columns as wide as the page sets every ＫＰＩ table's (the ＫＰＩ一覧's too)
    widths = tree.kpi_columns(load_plan(content))
    assert kpis.columns == ("auto", widths["unit"], widths["value"], widths["value"], "auto")
    (listed,) = [n for n in nodes if isinstance(n, tree.Table) and n.role == "kpi-list"]
    assert listed.columns[2:4] == (widths["value"], widths["value"])
    # a list item: its printed marker and its trace (entity id, field path, position)
    points = next(
        n for n in nodes if isinstance(n, tree.ListItem) and n.text.text.startswith("方向性Ａ")
    )
    assert points.marker == "■"
    assert points.trace == tree.Trace(
        "pkg-a", "parts[0].body[0].list[0]", Pos(str(content / "goals" / "a.yaml"), 12, 21), "list"
    )
    # 図１ as its graph: the boxes' texts and the arrows, as drawn
    (society,) = [n for n in nodes if isinstance(n, tree.Diagram) and n.name == "society"]
    assert society.number == "図１"
    assert [(b.role, b.text.text) for b in society.boxes] == [
        ("head", "基本的な課題認識"),
        ("head", "目指す社会の姿"),
        ("head", "重点目標の案"),
        ("challenge", "課題Ａ"),
        ("vision", "姿Ａ"),
        ("goal", "重点目標Ａ"),  # plain, as the drawing sets it
    ]
    assert society.arrows == (tree.Arrow("vision-a", "goal-a"),)
    # for Word, which sets the diagram as a table: each box's title with its call, traced
    goal_box = society.box("goal-a")
    assert goal_box.title.text == "重点目標Ａ※" and goal_box.title.calls[0].footnote == "note-b"
    assert goal_box.trace == tree.Trace(
        "goal-a", "title", Pos(str(content / "goals" / "a.yaml"), 1, 7), "diagram"
    )
    # Markdown: one line per paragraph, the call as printed
    (prose,) = [n for n in nodes if isinstance(n, tree.Prose)]
    assert [(mark, text.printed) for mark, text in prose.lines] == [
        ("", "中長期の方向性の本文※6。")
    ]


def test_the_generated_lists_carry_the_traces_of_the_word_edition(tmp_path):
    """Each paragraph of 参考１–４ carries what the Word edition's trace map records (the
    意見対応表 reads it back): content id, field path, kind and the position of its text.
    A 未定事項's reason is traced to the first place it stands for, set before the list."""
    content = write_content(tmp_path, FOOTNOTES_EVERYWHERE)
    nodes = list(tree.walk(tree.printed(load_plan(content)).body))
    a, ch4 = str(content / "goals" / "a.yaml"), str(content / "chapter4.yaml")
    (pending,) = [n for n in nodes if isinstance(n, tree.Generated) and n.name == "pending-list"]
    (listed,) = pending.body
    assert isinstance(listed, tree.List)
    assert [(i.marker, i.trace) for i in listed.items[1:]] == [
        # the ＫＰＩ's 目標値: a value in a table, no block of its own
        ("１", tree.Trace("", "", Pos(a, 23, 28), "pending-list")),
        ("２", tree.Trace("measure-a", "body[0]", Pos(ch4, 8, 18), "pending-list")),
    ]
    (packages,) = [n for n in nodes if isinstance(n, tree.Table) and n.role == "package-list"]
    assert [t.field for t in packages.header_traces[0]] == [
        "labels.package_list_head",
        "labels.package_list_kpi",
        "labels.package_list_page",
    ]
    row = packages.rows[-1]
    assert [(t.id, t.field, t.kind) for (t,) in row.traces] == [
        ("pkg-a", "", "number"),
        ("pkg-a", "title", "package-list"),
        ("pkg-a", "parts[2].kpis", "count"),
        ("pkg-a", "", "page"),  # the column the layout adds
    ]
    # the title links to the package's heading (a mark: the comparison leaves it out)
    assert row.cells[1][0].marks[0] == tree.Mark(0, len("施策テーマＡ"), "link", "#pkg-a")
    # the 目次: a group's entry reads as its heading, traced to its vision
    (toc,) = [n for n in nodes if isinstance(n, tree.Toc)]
    group = next(e for e in toc.entries if e.anchor == "goal-a-vision-a")
    assert (group.title, group.line) == ("姿Ａ", "≪姿Ａ≫")
    assert group.trace == tree.Trace("vision-a", "title", None, "toc")


def test_markdown_is_printed_from_its_tokens(tmp_path):
    files = {
        "prose/outlook.md": textwrap.dedent(
            """\
            **強調**と`符号`と[リンク](https://example.invalid/)の段落。
            続く行[^note-a]。

            - 一つ目
              - 入れ子
            - 二つ目

            3. 三番
            4. 四番

            | 列一 | 列二 |
            | --- | --- |
            | セル一 | セル二 |
            """
        )
    }
    document = tree.printed(load_plan(write_content(tmp_path, files)))
    (prose,) = [n for n in tree.walk(document.body) if isinstance(n, tree.Prose)]
    assert [(mark, text.printed) for mark, text in prose.lines] == [
        ("", "強調と符号とリンクの段落。\n続く行※1。"),
        ("•", "一つ目"),
        ("　•", "入れ子"),
        ("•", "二つ目"),
        ("3.", "三番"),
        ("4.", "四番"),
        ("", "列一｜列二"),
        ("", "セル一｜セル二"),
    ]


def test_every_node_kind_is_in_the_tree_of_a_rich_plan(tmp_path):
    """The walk reaches every kind (the type checker proves each writer handles them)."""
    from test_shinkyu import RICH

    document = tree.printed(load_plan(write_content(tmp_path, RICH)))
    kinds = {type(n) for n in tree.walk(document.body)} | {type(f) for f in document.footnotes}
    assert kinds == set(tree.Node.__args__)  # type: ignore[attr-defined]


def test_the_comparison_reads_the_tree_not_the_html():
    """shinkyu/ takes printed text from the tree: none of its modules imports a renderer,
    not even inside a function."""
    imported = set()
    sources = sorted((PROJECT / "keikaku" / "shinkyu").glob("*.py"))
    for node in (n for s in sources for n in ast.walk(ast.parse(s.read_text("utf-8")))):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
            imported.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names)
    assert "render" not in imported and "keikaku.render" not in imported
    assert "tree" in imported


def test_the_word_builder_visits_the_tree_not_the_model():
    """The Word edition's builder takes every block from the tree: of the model it imports
    only the plan (its labels and the outline's bookmarks), not a block class."""
    for name in ("core", "tables", "lists", "builder"):
        source = (PROJECT / "keikaku" / "docx" / f"{name}.py").read_text("utf-8")
        from_model = {
            a.name
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) and node.module == "model"
            for a in node.names
        }
        assert from_model <= {"Plan"}, (name, from_model)


def test_printed_text_holds_its_marks_and_compares_without_them():
    """One parse gives the characters, the footnote calls and the marked ranges; two texts
    that print the same compare equal whatever their marks (the 新旧対照表 compares what
    is printed)."""
    from markupsafe import Markup

    from keikaku.model import Cell, Text

    text = tree.inline(
        Text(
            "**太字**と*斜体*と~~取消~~と`符号`と[内部](#a)と<https://example.org>と***両方***[^n]",
            Markup(""),
        )
    )
    assert text.text == "太字と斜体と取消と符号と内部とhttps://example.orgと両方※"
    assert text.calls == (tree.Call(len(text.text) - 1, "n", 0),)
    shown = [(m.kind, text.text[m.start : m.end], m.href) for m in text.marks]
    assert shown == [
        ("strong", "太字", ""),
        ("em", "斜体", ""),
        ("strike", "取消", ""),
        ("code", "符号", ""),
        ("link", "内部", "#a"),
        ("link", "https://example.org", "https://example.org"),
        ("em", "両方", ""),  # the outer range first
        ("strong", "両方", ""),
    ]
    assert text == tree.Inline(text.text, text.calls)
    # joined, each part's marks move with it; a cell's lines are joined by line breaks
    joined = tree.join("前", text)
    assert [(m.start, m.end) for m in joined.marks][:1] == [(1, 3)]
    cell = tree.inline(Cell("一*二*\n三", Markup("")))
    assert cell.text == "一二\n三"
    assert [(m.kind, m.start) for m in cell.marks] == [("em", 1), ("break", 2)]
    # Markdown: a soft break is unmarked, a hard break marked
    (para,) = tree.prose_blocks("一\n二  \n三\n")
    assert isinstance(para, tree.ProsePara)
    assert para.text.text == "一\n二\n三"
    assert [(m.kind, m.start) for m in para.text.marks] == [("break", 3)]


def test_blocks_carry_how_they_are_set_and_the_traces_of_their_paragraphs(tmp_path):
    """A paragraph's look and a content table's cells, traced as the Word edition's trace
    map records them: the text's position, a cell as table[r][c] under its block."""
    from test_shinkyu import RICH

    content = write_content(tmp_path, RICH)
    nodes = list(tree.walk(tree.printed(load_plan(content)).body))
    ch4 = str(content / "chapter4.yaml")
    paragraphs = [(n.look, n.trace) for n in nodes if isinstance(n, tree.Paragraph)]
    assert ("labelled", tree.Trace("measure-a", "body[1]", Pos(ch4, 10, 12), "p")) in paragraphs
    # a paragraph in a list item: its path goes through the item's list[n]
    nested = tree.Trace("measure-a", "body[2].list[1].body[1]", Pos(ch4, 17, 20), "p")
    assert ("body", nested) in paragraphs
    (table,) = [n for n in nodes if isinstance(n, tree.Table) and n.role == "data"]
    assert [t.field for t in table.header_traces[0]] == [
        "body[5].table[0][0]",
        "body[5].table[0][1]",
    ]
    assert [(t.field, t.pos) for (t,) in table.rows[0].traces] == [
        ("body[5].table[1][0]", Pos(ch4, 24, 14)),
        ("body[5].table[1][1]", Pos(ch4, 24, 19)),
    ]
    assert table.caption_trace is not None and table.caption_trace.field == "body[5].caption"
    assert table.source_trace is not None and table.source_trace.kind == "source"
    (figure,) = [n for n in nodes if isinstance(n, tree.Figure)]
    assert figure.alt_trace is not None and figure.caption_trace is not None
    assert (figure.alt_trace.field, figure.alt_trace.kind) == ("body[6]", "figure")
    assert figure.caption_trace.field == "body[6].caption"
    # Markdown: its blocks for a writer that sets them as such, traced to its text
    prose = [n for n in nodes if isinstance(n, tree.Prose)]
    assert prose and all(n.blocks and n.trace.kind == "prose" for n in prose)


def test_pending_places_name_titles_as_printed(tmp_path):
    """The 未定事項一覧 names a place by the titles above it as the page prints them: a
    footnote call or a mark in a title is not shown as Markdown."""
    content = dict(FOOTNOTES_EVERYWHERE)
    content["goals/a.yaml"] = content["goals/a.yaml"].replace(
        "goal: 重点目標Ａ[^note-b]", "goal: 重点目標**Ａ**[^note-b]"
    )
    plan = load_plan(write_content(tmp_path, content))
    places = [where for where, _ in plan.pending]
    assert "重点目標Ａ › 姿Ａ › 施策テーマＡ › 指標Ａ › 目標値" in places
    assert not any("[^" in p or "*" in p for p in places), places


def test_the_cover_and_the_examples_carry_their_labels_for_every_writer(tmp_path):
    """The words the cover prints around its values (「計画期間」, the region's name) and
    the 施策テーマの例's marker are in the tree, read by the HTML writer and by Word from
    there: a label edited in plan.yaml reaches both."""
    from datetime import datetime

    from keikaku.render import Renderer
    from keikaku.write import stylesheet_href

    plan_yaml = MINIMAL["plan.yaml"].replace(
        "        parts:",
        "        plan_period: 令和８年度から令和12年度まで\n"
        "        labels:\n          plan_period: 対象期間\n          cover: おもて紙\n"
        "        parts:",
    )
    plan = load_plan(write_content(tmp_path, {"plan.yaml": plan_yaml}))
    document = tree.printed(plan, draft=True)
    cover = next(n for n in tree.walk(document.body) if isinstance(n, tree.Cover))
    assert cover.label == "おもて紙"
    period = next(f for f in cover.fields if f.name == "plan_period")
    assert period.lead == "対象期間"
    assert all(f.lead == "" for f in cover.fields if f.name != "plan_period")
    html = Renderer().render(plan, stylesheet_href(tmp_path), datetime(2025, 1, 1))
    assert 'aria-label="おもて紙"' in html
    assert '<span class="cover-period-label">対象期間</span>' in html
