"""The Word edition reads the plan's look from styles/plan.css (``docx/css.py``): the
page, the headings, the 目次's levels and every kind of paragraph, so that a change of
the stylesheet reaches plan.docx too."""

from __future__ import annotations

import pytest

from conftest import PROJECT
from keikaku.docx import css, styles
from keikaku.docx.pandoc_ast import EM, MARGIN_SIDE, MARGIN_TOP, MM

PLAN_CSS = (PROJECT / "styles" / "plan.css").read_text(encoding="utf-8")


def test_declarations_in_the_order_of_the_stylesheet():
    sheet = css.Sheet(
        """
        .a, .b { margin: 1mm 2mm 3mm; font-size: 9pt; }
        /* a comment */
        .b { margin-bottom: 5mm !important; }
        .a { font-weight: 400; }
        @media screen { .a { font-size: 20pt; } }
        @media print { .b { font-size: 8pt; } }
        @page { size: A4; margin: 25mm 20mm; @top-right { content: none; } }
        """
    )
    assert [s.mm() for s in sheet.box([".a"])] == [1, 2, 3, 2]
    assert [s.mm() for s in sheet.box([".b"])] == [1, 2, 5, 2]
    # the last declaration in the stylesheet wins, whatever order the rules are named in
    assert [s.mm() for s in sheet.box([".b", ".a"])] == [1, 2, 5, 2]
    assert sheet.size_pt([".a"], 0) == 9  # the screen's 20pt is not the paper's
    assert sheet.size_pt([".b"], 0) == 8  # the print's is
    assert sheet.bold([".a"], True) is False and sheet.bold([".b"], True) is True
    assert [s.mm() for s in sheet.box(["@page"])] == [25, 20, 25, 20]
    with pytest.raises(KeyError):
        sheet.box([".missing"])


def test_lengths():
    assert css.length("10.5pt").em(10.5) == 1
    assert css.length("-3mm").mm() == -3
    assert css.length("0").mm() == 0
    assert css.length("2em").em(13) == 2
    with pytest.raises(ValueError):
        css.length("calc(1em + 2mm)")


def test_the_page_and_the_body_come_from_plan_css():
    sheet = css.Sheet(PLAN_CSS)
    top, _right, _bottom, left = sheet.box(["@page"])
    assert round(top.mm() * MM) == MARGIN_TOP and round(left.mm() * MM) == MARGIN_SIDE
    assert round(sheet.size_pt(["html"], 0) * 20) == EM


@pytest.fixture
def edited(monkeypatch):
    """The Word edition's styles read from plan.css with ``edits`` applied."""

    def read(*edits: tuple[str, str]) -> None:
        text = PLAN_CSS
        for old, new in edits:
            assert old in text, old
            text = text.replace(old, new)
        monkeypatch.setattr(styles, "_CSS", css.Sheet(text))

    return read


def test_a_heading_follows_plan_css(edited):
    assert styles._heading_look("section", 2) == (13, 4.5, 0)
    edited(
        (".hd-section { font-size: 13pt;", ".hd-section { font-size: 14pt;"),
        (
            ".hd-chapter, .hd-annex, .hd-section { --no-width: 4.5em; }",
            ".hd-section { --no-width: 5em; }",
        ),
    )
    assert styles._heading_look("section", 2) == (14, 5, 0)
    heading2 = next(s for s in styles._heading_styles({}) if s.id == "Heading2")
    assert '<w:sz w:val="28"/>' in heading2.rpr
    assert f'w:before="{round(8 * MM)}"' in heading2.ppr


def test_a_paragraph_follows_plan_css(edited):
    ppr, rpr = styles._ROLE_LOOKS["Note"].properties()
    assert f'w:after="{round(1.5 * MM)}"' in ppr and '<w:sz w:val="19"/>' in rpr
    edited(
        ("p { margin: 0 0 1.5mm;", "p { margin: 1mm 0 2.5mm;"),
        ("p.note { font-size: 9.5pt;", "p.note { font-size: 9pt; text-align: center;"),
    )
    ppr, rpr = styles._ROLE_LOOKS["Note"].properties()
    assert f'w:before="{round(1 * MM)}"' in ppr and f'w:after="{round(2.5 * MM)}"' in ppr
    assert '<w:sz w:val="18"/>' in rpr and '<w:jc w:val="center"/>' in ppr


def test_a_toc_level_follows_plan_css(edited):
    edited(
        (
            ".toc-2 { --toc-no: 3.5em; padding-left: 2em; }",
            ".toc-2 { --toc-no: 3em; padding-left: 1em; font-size: 10pt; }",
        )
    )
    toc2 = next(s for s in styles._toc_styles() if s.id == "TOC2")
    em = 10 * 20
    assert f'w:left="{round(4 * em)}"' in toc2.ppr and f'w:hanging="{round(3 * em)}"' in toc2.ppr
    assert '<w:sz w:val="20"/>' in toc2.rpr


def test_every_role_reads_rules_plan_css_has():
    sheet = css.Sheet(PLAN_CSS)
    for name, role in styles._ROLE_LOOKS.items():
        for rule in role.css:
            assert rule in sheet.rules, (name, rule)
