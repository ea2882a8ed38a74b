"""Formal typesetting of the real plan: 目次 and outline, furniture, Japanese line
composition, text area, figures, PDF/A and tagging, reproducibility."""

from __future__ import annotations

import dataclasses
import itertools
import re

import pypdf
import pytest
import weasyprint

from conftest import PROJECT, build, squash
from keikaku.figures import society_diagram, wrap
from keikaku.load import load_plan
from keikaku.model import DiagramLink
from keikaku.model import walk as walk_blocks
from keikaku.typeset import squeeze_punctuation

NO_LINE_START = (
    "、。，．・：；？！ゝゞヽヾ々ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ）」』】〕〉》］｝"
)
NO_LINE_END = "（「『【〔〈《［｛"


def outline_items(reader, items=None, depth=1):
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            yield from outline_items(reader, item, depth + 1)
        else:
            yield depth, item


def footer_number(page_text: str) -> int:
    return int(re.findall(r"-\s*(\d+)\s*-", page_text)[-1])


@pytest.fixture(scope="session")
def layout(built_plan):
    """The laid-out document (WeasyPrint's boxes) of the built HTML."""
    html = built_plan.html_path
    return weasyprint.HTML(filename=html, base_url=html.parent.as_uri() + "/").render()


def walk(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from walk(child)


def test_toc_page_numbers_equal_the_pages_of_the_headings(built_plan):
    reader = built_plan.reader
    first_chapter = next(
        i for i, t in enumerate(built_plan.pages) if squash(t).startswith("第１章")
    )
    toc = squash("".join(built_plan.pages[1:first_chapter]))
    assert toc.startswith("目次")
    checked = 0
    position = 0  # the 目次 lists headings in outline order; titles may repeat
    for _depth, item in outline_items(reader):
        label, _, title = item.title.partition("　")
        match = re.compile(re.escape(squash(label + title)) + r"[．.…]*([0-9]+)").search(
            toc, position
        )
        assert match, f"{item.title} not in the 目次"
        page = reader.get_destination_page_number(item)
        assert int(match.group(1)) == footer_number(built_plan.pages[page]), item.title
        position = match.end()
        checked += 1
    assert checked >= 40


def test_outline_has_chapters_sections_goals_and_packages(built_plan):
    items = list(outline_items(built_plan.reader))
    depths = {d for d, _ in items}
    assert depths == {1, 2, 3, 4}
    plan = load_plan(PROJECT / "content")
    packages = [i.title.partition("　")[2] for d, i in items if d == 4]
    assert packages == [p.title.plain for _, _, p in plan.packages()]
    goals = [i.title.partition("　")[2] for d, i in items if d == 2]
    assert [g.title.plain for g in plan.goals] == [
        t for t in goals if t in {g.title.plain for g in plan.goals}
    ]


def test_toc_entries_link_to_their_headings(built_plan):
    toc_page = built_plan.reader.pages[1]
    links = [a.get_object() for a in toc_page.get("/Annots", [])]
    assert len([a for a in links if a.get("/Subtype") == "/Link"]) >= 30


def test_running_head_shows_the_chapter_on_a_chapter_3_page(built_plan):
    plan = load_plan(PROJECT / "content")
    pages = [t for t in built_plan.pages if "【今後の社会資本整備の方向性】" in t]
    assert pages
    for text in pages:
        assert squash(text).endswith(
            squash(plan.index.sections["ch3"].title.plain) + f"-{footer_number(text)}-"
        )


def test_running_head_is_squeezed_like_the_text(layout):
    # 「重点目標」と「政策パッケージ」（重点施策）: 」（ is a pair of punctuation, set in 1.5 em.
    title = "計画期間内における「重点目標」と「政策パッケージ」（重点施策）"
    widths = []
    for page in layout.pages:
        for margin in page._page_box.children:
            if type(margin).__name__ != "MarginBox":
                continue
            for box in walk(margin):
                if type(box).__name__ == "LineBox":
                    text = "".join(
                        getattr(t, "text", "") for t in walk(box) if type(t).__name__ == "TextBox"
                    )
                    if text == title:
                        widths.append(
                            sum(t.width for t in walk(box) if type(t).__name__ == "TextBox")
                        )
    assert widths
    em = 8 * 4 / 3  # 8pt in CSS px
    assert all(abs(w - (len(title) - 0.5) * em) < 0.1 * em for w in widths), (
        widths,
        len(title) * em,
    )


def test_cover_and_toc_have_no_page_number_and_chapter_1_is_page_1(built_plan):
    assert not re.search(r"-\s*\d+\s*-", built_plan.pages[0])
    first = next(i for i, t in enumerate(built_plan.pages) if squash(t).startswith("第１章"))
    assert footer_number(built_plan.pages[first]) == 1
    for text in built_plan.pages[1:first]:
        assert not re.search(r"-\s*\d+\s*-\s*$", text)


def is_leader(line: str) -> bool:
    """A 目次 leader that ran onto its own line: generated dots and a page number."""
    return re.fullmatch(r"[．\s]+[0-9]+", line) is not None


def test_no_toc_line_is_leader_dots_alone(layout):
    # A wrapped 目次 entry keeps its leader and page number on its last line, after at
    # least a character of the title: no laid-out line of the 目次 starts with dots.
    toc_pages = [
        p
        for p in layout.pages[:4]
        if any(getattr(b, "element_tag", "") == "nav" for b in walk(p._page_box))
    ]
    assert toc_pages
    starts = []
    for page in toc_pages:
        for box in walk(page._page_box):
            if type(box).__name__ == "LineBox":
                text = "".join(getattr(t, "text", "") for t in walk(box)).strip()
                if text:
                    starts.append(text)
    assert len(starts) > 40
    assert not [t for t in starts if t.startswith("．")], [t for t in starts if t.startswith("．")]
    wrapped = [t for t in starts if re.fullmatch(r"[^．]{1,10}．+[0-9]+", t)]
    assert wrapped  # the long titles of 第３章 do wrap, and their last line carries the leader


def test_no_extracted_line_breaks_kinsoku(built_plan):
    for number, text in enumerate(built_plan.pages, 1):
        for line in text.splitlines():
            # A list item starts with its mark (・ ■ ○): generated, and allowed there.
            line = re.sub(r"^[・■○]", "", line.strip())
            if line and not is_leader(line):
                assert line[0] not in NO_LINE_START, (number, line)
                assert line[-1] not in NO_LINE_END, (number, line)


def test_no_laid_out_line_breaks_kinsoku(layout):
    lines = 0
    for page in layout.pages:
        for box in walk(page._page_box):
            if type(box).__name__ == "LineBox":
                # List marks (li::before) and 目次 leaders (a::after) are generated, not text.
                text = "".join(
                    b.text
                    for b in walk(box)
                    if type(b).__name__ == "TextBox" and "::" not in (b.element_tag or "")
                ).strip()
                if text:
                    lines += 1
                    assert text[0] not in NO_LINE_START, text
                    assert text[-1] not in NO_LINE_END, text
    assert lines > 500


def test_no_glyph_outside_the_text_area(layout):
    for number, page in enumerate(layout.pages, 1):
        page_box = page._page_box
        left = page_box.content_box_x()
        right = left + page_box.width
        root = page_box.children[0]  # the document; margin boxes (head, foot) are siblings
        for box in walk(root):
            if type(box).__name__ == "TextBox" and box.text.strip():
                assert box.position_x >= left - 0.5, (number, box.text)
                assert box.position_x + box.width <= right + 0.5, (number, box.text)


def test_punctuation_pairs_are_squeezed(built_plan):
    html = built_plan.html_path.read_text("utf-8")
    # 」、「 : both the closing bracket and the comma give up their blank half.
    assert '<span class="jsq">」</span><span class="jsq">、</span>「インフラ経営」' in html
    assert squeeze_punctuation("（「例」）、") == (
        '<span class="jsq">（</span>「例<span class="jsq">」</span><span class="jsq">）</span>、'
    )
    assert squeeze_punctuation('<a title="」、">x</a>') == '<a title="」、">x</a>'
    assert (
        squeeze_punctuation("<a>（２）</a>、<p>」</p>、")
        == '<a>（２<span class="jsq">）</span></a>、<p>」</p>、'
    )


def test_paragraphs_are_indented_one_character(built_plan):
    html = built_plan.html_path.read_text("utf-8")
    css = (PROJECT / "styles" / "plan.css").read_text("utf-8")
    assert re.search(r"^p \{[^}]*text-indent: 1em", css, re.M)
    assert "<p>重大な変革期にある我が国において" in html


def test_figure_wraps_text_with_kinsoku():
    lines = wrap("あいうえおかきくけーこさしすせそ", 9)
    assert lines == ["あいうえおかきく", "けーこさしすせそ"]
    assert wrap("あいうえおかきくけこ、さしす", 10) == ["あいうえおかきくけこ、", "さしす"]


def test_society_figure_follows_the_data(content_dir):
    plan = load_plan(content_dir())
    (diagram,) = [b for b in walk_blocks(plan.parts) if b.KIND == "diagram" and b.name == "society"]
    svg = str(society_diagram(plan, diagram))
    assert "課題Ａ" in svg and "姿Ａ" in svg and "重点目標Ａ" in svg
    # One line from each 姿 to its 重点目標; no 課題 → 姿 arrow the content does not state.
    assert svg.count('class="link" d="M') == len(plan.index.visions)
    linked = dataclasses.replace(
        diagram, links=(DiagramLink(challenge="challenge-a", vision="vision-a"),)
    )
    assert (
        str(society_diagram(plan, linked)).count('class="link" d="M') == len(plan.index.visions) + 1
    )
    assert "<title>" in svg


def test_figures_are_in_the_pdf(built_plan):
    text = squash(built_plan.text)
    assert "図１" in text and "図２" in text
    assert "活力のある持続可能な地域社会の形成" in text


def test_back_matter_lists_every_package_with_its_page(built_plan):
    plan = load_plan(PROJECT / "content")
    start = next(i for i, t in enumerate(built_plan.pages) if squash(t).startswith("参考１"))
    listing = squash("".join(built_plan.pages[start : start + 3]))
    for _goal, _group, package in plan.packages():
        assert re.search(re.escape(squash(package.title.plain)) + r"（今後設定）\d+", listing), (
            package.title.plain
        )
    kpis = squash("".join(t for t in built_plan.pages if "ＫＰＩ一覧" in t))
    assert kpis.count("（今後設定）重点施策・ＫＰＩについては") >= 10


def test_pdf_a_and_pdf_ua_identification(built_plan):
    root = built_plan.reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert "<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>" in xmp
    assert "/StructTreeRoot" in root and root["/Lang"] == "ja"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/OutputIntents" in root


def test_structure_tree_tags_headings_lists_and_tables(built_plan):
    found = set()

    def visit(node, depth=0):
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                found.add(str(node["/S"]))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    if depth < 60:
                        visit(kid, depth + 1)

    visit(built_plan.reader.trailer["/Root"]["/StructTreeRoot"])
    assert {"/H1", "/H2", "/L", "/LI", "/Table", "/TH", "/TD", "/Figure"} <= found, found


def heading_tags(reader: pypdf.PdfReader) -> list[int]:
    """The levels of the heading tags (H1 … H6) of the structure tree, in document order."""
    levels: list[int] = []

    def visit(node) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            tag = str(node.get("/S", ""))
            if re.fullmatch(r"/H[1-6]", tag):
                levels.append(int(tag[2]))
            kids = node.get("/K")
            if kids is not None:
                for kid in kids if isinstance(kids, list) else [kids]:
                    visit(kid)

    visit(reader.trailer["/Root"]["/StructTreeRoot"])
    return levels


def test_heading_levels_never_skip(built_plan):
    levels = heading_tags(built_plan.reader)
    assert levels[0] == 1 and max(levels) >= 4
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert not skips, skips


@pytest.mark.slow
def test_metadata_dates_come_from_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(PROJECT / "content", tmp_path / "a", report=lambda _: None)
    meta = pypdf.PdfReader(tmp_path / "a" / "plan.pdf").metadata
    assert meta.creation_date.isoformat().startswith("2023-11-14T22:13:20")
    assert meta.modification_date == meta.creation_date


@pytest.mark.slow
def test_two_builds_are_byte_identical(tmp_path):
    build(PROJECT / "content", tmp_path / "one", report=lambda _: None)
    build(PROJECT / "content", tmp_path / "two", report=lambda _: None)
    assert (tmp_path / "one" / "plan.pdf").read_bytes() == (
        tmp_path / "two" / "plan.pdf"
    ).read_bytes()


KPIS = """\
                  - kpis:
                      - id: kpi-{n}1
                        indicator: 再生可能エネルギーの導入量を示す少し長い指標の名称その{n}
                        unit: 万kW
                        baseline: {{value: 1200, year: 令和６年度}}
                        target: {{value: 3200.5, year: 令和１２年度}}
                        notes: 備考
                      - id: kpi-{n}2
                        indicator: 指標{n}
                        unit: ％
                        baseline: {{value: 32, year: 令和６年度}}
                        target:
                          pending: 次回以降に議論
"""


def test_kpi_tables_fit_their_data_and_share_columns(tmp_path):
    from conftest import MINIMAL, write_content

    goal = MINIMAL["goals/a.yaml"]
    goal = goal[: goal.index("                  - kpis:")] + KPIS.format(n="a")
    goal_b = (
        goal.replace("goal: 重点目標Ａ", "goal: 重点目標Ｂ")
        .replace("id: goal-a", "id: goal-b")
        .replace("group: vision-a", "group: vision-b")
        .replace("pkg-a", "pkg-b")
        .replace("kpi-a", "kpi-b")
        .replace("その a", "その b")
    )
    ch2 = MINIMAL["chapter2.yaml"].replace(
        """              - section: 重点目標の案""",
        """                  - vision: 姿Ｂ
                    id: vision-b
                    goal: goal-b
              - section: 重点目標の案""",
    )
    ch3 = MINIMAL["chapter3.yaml"].replace(
        "          - include: goals/a.yaml",
        "          - include: goals/a.yaml\n          - include: goals/b.yaml",
    )
    content = write_content(
        tmp_path,
        {"goals/a.yaml": goal, "goals/b.yaml": goal_b, "chapter2.yaml": ch2, "chapter3.yaml": ch3},
    )
    build(content, tmp_path / "out", report=lambda _: None, warn=lambda _: None)
    html = tmp_path / "out" / "plan.html"
    document = weasyprint.HTML(filename=html, base_url=html.parent.as_uri() + "/").render()

    def cells(css_class: str):
        for page in document.pages:
            for box in walk(page._page_box):
                if getattr(box, "element_tag", "") == "td" and css_class in (
                    box.element.get("class") or ""
                ):
                    yield box

    def lines(box) -> list[str]:
        return [
            "".join(t.text for t in walk(line) if type(t).__name__ == "TextBox")
            for line in walk(box)
            if type(line).__name__ == "LineBox"
        ]

    units = [lines(c) for c in cells("col-unit")]
    assert ["万kW"] in units and ["％"] in units
    values = [lines(c) for c in cells("col-value")]
    assert ["3200.5", "（令和１２年度）"] in values and ["1200", "（令和６年度）"] in values
    # Every table of the ＫＰＩ一覧 has the same columns.
    widths = []
    for page in document.pages:
        for box in walk(page._page_box):
            if type(box).__name__ == "TableBox" and "kpi-list" in (box.element.get("class") or ""):
                widths.append(tuple(round(w, 1) for w in box.column_widths))
    assert len(widths) == 2 and widths[0] == widths[1], widths


def test_a_long_heading_number_keeps_its_gap(tmp_path):
    from conftest import MINIMAL, write_content

    challenges = "".join(
        f"""\
                  - challenge: 課題{n:02d}
                    id: challenge-{n:02d}
"""
        for n in range(1, 12)
    )
    ch2 = MINIMAL["chapter2.yaml"].replace(
        """                  - challenge: 課題Ａ
""",
        challenges
        + """                  - challenge: 課題Ａ
""",
    )
    content = write_content(tmp_path, {"chapter2.yaml": ch2})
    build(content, tmp_path / "out", report=lambda _: None, warn=lambda _: None)
    html = tmp_path / "out" / "plan.html"
    document = weasyprint.HTML(filename=html, base_url=html.parent.as_uri() + "/").render()
    gaps = {}
    for page in document.pages:
        for box in walk(page._page_box):
            if getattr(box, "element_tag", "") in ("h2", "h3", "h4") and "hd" in (
                box.element.get("class") or ""
            ):
                texts = [t for t in walk(box) if type(t).__name__ == "TextBox"]
                if len(texts) >= 2:
                    label, title = texts[0], texts[1]
                    gaps[label.text] = (
                        title.position_x - (label.position_x + label.width)
                    ) / title.style["font_size"]
    assert "（１０）" in gaps and "（１２）" in gaps, gaps
    assert all(gap >= 0.45 for gap in gaps.values()), gaps
