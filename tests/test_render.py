"""Numbering and the 目次 collected from rendered headings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keikaku.load import load_plan
from keikaku.outline import kana, number, zen
from keikaku.render import Renderer


def test_numbering_follows_the_official_scheme():
    assert [
        number(3, s) for s in ("chapter", "section", "item", "paren", "kana", "paren-kana")
    ] == ["第３章", "第３節", "３", "（３）", "ウ", "（ウ）"]
    assert zen(12) == "１２"
    assert kana(1) == "ア" and kana(46) == "ン"
    with pytest.raises(ValueError):
        kana(0)


def test_toc_comes_from_the_outline(content_dir):
    plan = load_plan(content_dir())
    toc = [(h.depth, h.label, h.title) for h in plan.outline().toc]
    assert toc[:3] == [
        (1, "第１章", "状況の変化"),
        (2, "第１節", "社会経済情勢の変化"),
        (2, "第２節", "現行計画の重点目標"),
    ]
    # 第３章 sets its own depth: its groups and packages are listed too.
    assert (3, "１", "姿Ａ") in toc and (4, "（１）", "施策テーマＡ") in toc
    # The 審議の経過 lists none of its meetings; 第２章's third level is not listed.
    assert not any(t == "第１回部会" or t == "基本的な課題認識" for _, _, t in toc)
    assert [label for _, label, _ in toc if label.startswith("参考")] == [
        "参考１",
        "参考２",
        "参考３",
        "参考４",
    ]
    assert plan.outline(draft=False).toc[-1].label == "参考３"


def test_plain_drops_footnote_bodies(content_dir):
    plan = load_plan(content_dir())
    direction = plan.packages()[0][2].parts[0].body[0].items[0]
    assert direction.plain == "方向性Ａ"


def test_reordering_content_renumbers_the_document(content_dir):
    from conftest import MINIMAL

    ch1 = MINIMAL["chapter1.yaml"].replace(
        """              - section: 変化Ａ
                id: change-a
                body:
                  - list: [変化Ａの内容]""",
        """              - section: 変化Ｂ
                id: change-b
                body:
                  - list: [内容]
              - section: 変化Ａ
                id: change-a
                body:
                  - list: [変化Ａの内容]""",
    )
    html = Renderer().render(
        load_plan(content_dir({"chapter1.yaml": ch1})), "plan.css", datetime(2026, 1, 1, tzinfo=UTC)
    )
    assert html.index('data-label="１" data-title="変化Ｂ"') < html.index(
        'data-label="２" data-title="変化Ａ"'
    )


def test_the_plan_templates_type_no_wording():
    # Every word the plan prints comes from content or model.DEFAULT_LABELS; the templates
    # hold markup, brackets around generated numbers, and comments.
    import re

    from conftest import PROJECT

    for name in ("document.html", "blocks.html", "generated.html"):
        text = (PROJECT / "templates" / name).read_text("utf-8")
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
        words = re.findall(r"[^\x00-\x7f（）【】「」、。　]+", text)
        assert not words, (name, words)


def test_numbers_are_printed_in_groups_of_three_as_written():
    from keikaku.model import printed_number
    from keikaku.render import kpi_value

    assert [printed_number(v) for v in (32, 1200, 1200.0, 0.5, 12345.25, -2600, 999)] == [
        "32",
        "1,200",
        "1,200",
        "0.5",
        "12,345.25",
        "-2,600",
        "999",
    ]
    assert kpi_value(2600) == "2,600" and kpi_value(True) == "True"


def test_printed_text_is_what_the_markdown_prints():
    from keikaku.markup import CACHED_TEXT_CHARS, printed_text

    assert printed_text("**強調**と[リンク](https://example.go.jp)[^note-a]。") == "強調とリンク※。"
    assert printed_text("本文[^note-a]の続き", calls=False) == "本文の続き"
    assert printed_text("段落一。\n\n- 項目Ａ\n- 項目Ｂ", block=True) == "段落一。\n項目Ａ\n項目Ｂ"
    # A text too long to be kept prints the same as one that is kept.
    long = "字" * CACHED_TEXT_CHARS + "[^note-a]"
    assert printed_text(long) == "字" * CACHED_TEXT_CHARS + "※"
    assert printed_text(long, calls=False) == "字" * CACHED_TEXT_CHARS
