"""Numbering and the 目次 collected from rendered headings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from keikaku.load import load_plan
from keikaku.render import Renderer, collect_toc, kana, number, plain, zen


def test_numbering_follows_the_official_scheme():
    assert [number(3, s) for s in ("chapter", "section", "item", "paren", "kana", "paren-kana")] == [
        "第３章", "第３節", "３", "（３）", "ウ", "（ウ）"]
    assert zen(12) == "１２"
    assert kana(1) == "ア" and kana(46) == "ン"
    with pytest.raises(ValueError):
        kana(0)


def test_toc_is_collected_from_headings():
    body = ('<h1 data-toc="1" id="a" data-label="第１章" data-title="A">x</h1>'
            '<h3 data-label="１" data-title="skip">y</h3>'
            '<h2 data-toc="2" id="b" data-label="第１節" data-title="B &amp; C">z</h2>')
    assert [(e.level, e.anchor, e.label, e.title) for e in collect_toc(body)] == [
        (1, "a", "第１章", "A"), (2, "b", "第１節", "B & C")]


def test_plain_drops_footnote_bodies(content_dir):
    plan = load_plan(content_dir())
    direction = plan.goals[0].groups[0].packages[0].directions[0]
    assert plain(direction) == "方向性Ａ"


def test_reordering_content_renumbers_the_document(content_dir):
    ch1 = """\
        title: 状況の変化
        changes_title: 社会経済情勢の変化
        changes:
          - id: change-b
            title: 変化Ｂ
            points: [内容]
          - id: change-a
            title: 変化Ａ
            points: [内容]
        current_goals_title: 現行計画の重点目標
        current_goals:
          - id: current-a
            title: 現行目標Ａ
        """
    html = Renderer().render(load_plan(content_dir({"chapter1.yaml": ch1})), "plan.css",
                             datetime(2026, 1, 1, tzinfo=UTC))
    assert html.index('data-label="１" data-title="変化Ｂ"') < html.index('data-label="２" data-title="変化Ａ"')
