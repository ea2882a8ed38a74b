"""The Word edition (keikaku/docx/): plan.docx read back with zipfile and ElementTree.

A small plan with every kind of block is built twice, as the PDF (``pipeline.build``) and
as plan.docx, and the two are compared: the same headings at the same levels as the PDF's
tagged headings, the same text in the same order, real footnotes, tables and images, a
filled-in 目次 field, the draft's 素案, and a bookmark tracing every paragraph. Where
LibreOffice is installed (``scripts/setup-system.sh --test``), plan.docx converted to PDF
by it must read like plan.pdf, the small plan and the real one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import textwrap
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pytest

from conftest import MINIMAL, PNG_SMALL, PROJECT, assert_embeds_plan_fonts, squash, write_content
from keikaku import tree
from keikaku.dates import document_date
from keikaku.docx import (
    BOOKMARK,
    TEXT_W,
    docx_bytes,
    pdf_page_numbers,
    read_trace_map,
    revision_tag,
)
from keikaku.load import load_plan
from keikaku.model import Plan, draft_mark
from keikaku.pipeline import Progress, build, content_revision
from keikaku.tree.printing import COVER_ORDER

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DATE = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
REVISION = "0123456789abcdef0123456789abcdef01234567"

#: The minimal plan with every kind of block a content editor may write.
EXTRA = {
    "footnotes.yaml": """\
        note-a: 脚注の本文
        note-b: 二つ目の脚注の本文
        """,
    "chapter4.yaml": """\
        section: 実効性を確保する方策
        id: ch4
        child_numbering: item
        body:
          - section: 方策Ａ
            id: measure-a
            body:
              - pending: 次回以降に議論
              - p: 方策の本文[^note-b]を書く。
              - p: 流域治水の推進　等
                label: 例：
                indent: false
              - table:
                  - [区分, 施設数, 備考]
                  - ["道路\\n（国道）", "12", ""]
                  - [河川, "3", 一級河川]
                caption: 対象施設の内訳
                source: 国土交通省調べ
                widths: [40%, 20%, auto]
              - figure: figures/map.png
                caption: 対象地域の地図
                alt: 対象地域を示した地図
                source: 国土地理院の地図を加工
                width: 50%
              - note: 注記の本文
              - markdown: |
                  第一段落。**強調**もできる。

                  - 項目一
                  - 項目二

                  | 区分 | 件数 |
                  | --- | --- |
                  | 道路 | 12 |
        """,
    "figures/map.png": PNG_SMALL,
}


@dataclass
class Built:
    plan: Plan
    content: Path
    pdf: Path
    html: str
    docx: bytes
    pages: dict[str, int]
    stages: list[str]

    def part(self, name: str) -> ET.Element:
        with zipfile.ZipFile(io.BytesIO(self.docx)) as z:
            return ET.fromstring(z.read(name))

    def raw(self, name: str) -> str:
        with zipfile.ZipFile(io.BytesIO(self.docx)) as z:
            return z.read(name).decode("utf-8")


def _build(root: Path) -> Built:
    content = write_content(root, EXTRA)
    out = root / "out"
    stages: list[str] = []
    build(
        content,
        out,
        force=True,
        report=lambda _: None,
        warn=lambda _: None,
        progress=Progress(enabled=True, report=stages.append),
    )
    plan = load_plan(content)
    pages = pdf_page_numbers((out / "plan.pdf").read_bytes(), plan)
    data = docx_bytes(plan, revision=REVISION, date=DATE, pages=pages, content=content)
    return Built(
        plan,
        content,
        out / "plan.pdf",
        (out / "plan.html").read_text("utf-8"),
        data,
        pages,
        [line.split()[0] for line in stages],
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    return _build(tmp_path_factory.mktemp("docx"))


@pytest.mark.typeset
def test_the_build_publishes_the_word_edition_with_its_set(built):
    """A build writes plan.docx into the same set as the PDF: recorded by the stamp as it
    is on disk. Pandoc writes it while the PDF is laid out (the docx stage starts it, the
    docx-fill stage puts the layout's page numbers into the 目次 and 参考１ after it), and
    the bytes are those of the Word edition made after the layout with the PDF's pages
    given from the start, as the build did before."""
    out = built.pdf.parent
    assert built.stages == [
        "load",
        "validate",
        "render",
        "overview",
        "docx",
        "layout",
        "overview-join",
        "docx-fill",
        "write",
    ]
    assert sorted(p.name for p in out.iterdir()) == [
        ".build-stamp",
        "kpi.csv",
        "overview.html",
        "overview.pdf",
        "plan.docx",
        "plan.html",
        "plan.json",
        "plan.pdf",
    ]
    recorded = json.loads((out / ".build-stamp").read_text("utf-8"))["products"]
    st = (out / "plan.docx").lstat()
    digest = hashlib.sha256((out / "plan.docx").read_bytes()).hexdigest()
    assert recorded["plan.docx"] == [st.st_size, st.st_mtime_ns, digest]
    with (
        zipfile.ZipFile(out / "plan.docx") as published,
        zipfile.ZipFile(io.BytesIO(built.docx)) as made,
    ):
        # The revision and dates differ (the build takes them from git); the text does not.
        assert [
            _text(p) for p in _paragraphs(ET.fromstring(published.read("word/document.xml")))
        ] == [_text(p) for p in _paragraphs(ET.fromstring(made.read("word/document.xml")))]
        document = published.read("word/document.xml").decode("utf-8")
    # Every page number is in its place: the 目次's and 参考１'s 頁 as the PDF prints them.
    assert "keikaku:page" not in document
    shown = re.findall(r"PAGEREF (kk_\w+) \\h .*?<w:t>([0-9]*)</w:t>", document)
    assert len(shown) > len(built.plan.outline(True).toc) and all(page for _, page in shown)
    sequential = docx_bytes(
        built.plan,
        revision=content_revision(built.content),
        date=document_date(built.content),
        pages=built.pages,
        content=built.content,
    )
    assert (out / "plan.docx").read_bytes() == sequential


@pytest.mark.typeset
def test_the_pages_read_off_the_layout_are_the_pages_of_the_pdf(built):
    """The build gives the Word edition the PDF's page numbers from the layout itself
    (``write.layout``); they are the pages the PDF's destinations point to."""
    from keikaku.docx import page_numbers
    from keikaku.pipeline import _layout

    pdf, anchors = _layout(built.html, built.pdf.parent, lambda _: None, content=built.content)
    pages = page_numbers(anchors, built.plan)
    assert pages == built.pages == pdf_page_numbers(pdf, built.plan)
    assert {e.anchor for e in built.plan.outline(True).toc} <= set(pages)
    assert max(pages.values()) > 1


def _text(p: ET.Element) -> str:
    """A paragraph's text as Word shows it: tabs as tabs, line breaks as new lines."""
    out = []
    for el in p.iter():
        if el.tag == W + "t":
            out.append(el.text or "")
        elif el.tag == W + "tab" and el.get(W + "val") is None:
            out.append("\t")
        elif el.tag == W + "br":
            out.append("\n")
    return "".join(out)


def _style(p: ET.Element) -> str:
    s = p.find(f"{W}pPr/{W}pStyle")
    return s.get(W + "val", "") if s is not None else ""


def _paragraphs(body: ET.Element) -> list[ET.Element]:
    return list(body.iter(W + "p"))


# ------------------------------------------------------------------ headings


class _Headings(HTMLParser):
    """The headings of plan.html that the PDF tags (h1 … h6 of class hd), in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[int, str]] = []
        self._open: list | None = None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class", "") or ""
        if re.fullmatch(r"h[1-6]", tag) and "hd" in classes.split():
            self._open = [int(tag[1]), ""]
        elif (self._open is not None and tag == "span" and "footnote" in classes) or self._depth:
            self._depth += 1

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
        elif self._open is not None and re.fullmatch(r"h[1-6]", tag):
            self.found.append((self._open[0], squash(self._open[1])))
            self._open = None

    def handle_data(self, data):
        if self._open is not None and not self._depth:
            self._open[1] += data


@pytest.mark.typeset
def test_headings_are_built_in_heading_styles_at_the_pdf_levels(built):
    body = built.part("word/document.xml")
    in_word = [
        (int(_style(p)[-1]), squash(_text(p)))
        for p in _paragraphs(body)
        if re.fullmatch(r"(?:Plan)?Heading[1-6]", _style(p))
    ]
    tagged = _Headings()
    tagged.feed(built.html)
    assert in_word == tagged.found
    # The same as the outline: one level per depth, numbers as text.
    outline = built.plan.outline(True)
    assert [lvl for lvl, _ in in_word] == [min(h.depth, 6) for h in outline.headings]
    assert in_word[0] == (1, "第１章状況の変化")
    assert (2, "１方策Ａ") in in_word  # 第４章 numbers its sections １, ２ … (child_numbering)
    # Word's own heading styles, with outline levels: the navigation pane lists them.
    styles = built.part("word/styles.xml")
    for level in range(1, 7):
        style = styles.find(f"{W}style[@{W}styleId='Heading{level}']")
        assert style is not None
        assert style.find(f"{W}name").get(W + "val") == f"heading {level}"
        assert style.find(f"{W}pPr/{W}outlineLvl").get(W + "val") == str(level - 1)
    # A heading the PDF's 目次 leaves out is in 「Plan Heading n」: based on Heading n, it
    # looks the same, but neither Word's TOC \o nor LibreOffice's outline levels take it.
    levels = max(min(h.depth, 6) for h in outline.toc)
    toc = {squash(f"{h.label}{h.title}") for h in outline.toc}
    for p in _paragraphs(body):
        style = _style(p)
        if re.fullmatch(r"(?:Plan)?Heading[1-6]", style):
            text = re.sub(r"[≪≫]", "", squash(_text(p)))
            assert style.startswith("Heading") == (text in toc or int(style[-1]) > levels), text
    for level in range(1, 7):
        style = styles.find(f"{W}style[@{W}styleId='PlanHeading{level}']")
        assert style.find(f"{W}basedOn").get(W + "val") == f"Heading{level}"
        assert style.find(f"{W}pPr/{W}outlineLvl").get(W + "val") == "9"


# ------------------------------------------------------------------ the same text as the PDF


def _pdf_text(path: Path, plan: Plan) -> str:
    """The PDF's text without page furniture: running heads, page numbers, the 目次's
    leaders and numbers, footnote marks and bodies (at the foot of the page)."""
    heads = {h.title for h in plan.outline(True).headings if h.depth == 1}
    lines = []
    for page in pypdf.PdfReader(path).pages:
        for line in (page.extract_text() or "").splitlines():
            if line.strip() in heads or re.fullmatch(r"\s*-\s*\d+\s*-\s*", line):
                continue
            lines.append(line)
    text = squash("\n".join(lines))
    for note in sorted((squash(n.plain) for n in plan.footnotes.values()), key=len, reverse=True):
        text = text.replace(note, "")
    text = re.sub(r"．{2,}[0-9]+", "", text)  # 目次: leaders and page numbers (ASCII digits)
    # Markdown lists' discs are ::marker boxes, drawn outside the text flow.
    return re.sub(r"※[0-9]+", "", text).replace("•", "")


def _tree_traces(document: tree.Document) -> set[tuple[str, str, str, str]]:
    """What the tree traces of the paragraphs Word sets from it: (id, path, kind, src)."""
    traces: list[tree.Trace | None] = []
    for node in tree.walk(document.body):
        match node:
            case tree.Heading():
                traces.append(node.title_trace)
            case tree.Paragraph() | tree.Note() | tree.Pending() | tree.ListItem() | tree.Part():
                traces.append(node.trace)
            case tree.Table():
                traces += [t for row in node.header_traces for t in row]
                traces += [t for row in node.rows for cell in row.traces for t in cell]
                traces += [node.caption_trace, node.source_trace]
            case tree.Figure():
                traces += [node.alt_trace, node.caption_trace, node.source_trace]
            case tree.Diagram():
                traces += [b.trace for b in node.boxes] + [node.caption_trace]
            case tree.Cover():
                cover = [f for f in node.fields if f.name in COVER_ORDER]
                traces += [f.trace for f in cover if f.lines and (f.lines[0] or f.name == "title")]
            case tree.Toc():
                traces += [node.trace, *(e.trace for e in node.entries)]
            case tree.Generated():
                traces.append(node.caption_trace)
    return {
        (t.id, t.field, t.kind, str(t.pos) if t.pos else "")
        for t in traces
        if t is not None and t.kind
    }


@pytest.mark.typeset
def test_every_paragraph_the_tree_traces_is_in_the_trace_map(built):
    """The trace map (read back by the 意見対応表) records each paragraph as the document
    tree traces it: its content id, field path, kind and the place of its text."""
    tmap = read_trace_map(built.docx)
    recorded = {(t.id, t.path, t.kind, t.src) for t in tmap.traces.values()}
    expected = _tree_traces(tree.printed(built.plan))
    assert len(expected) > 50
    assert expected <= recorded, sorted(expected - recorded)[:5]


@pytest.mark.typeset
def test_text_matches_the_pdf(built):
    """Every paragraph of plan.docx is in plan.pdf, in the same order; what plan.pdf has
    besides is page furniture (page numbers of the 目次 and of 政策パッケージ一覧)."""
    pdf = _pdf_text(built.pdf, built.plan)
    tmap = read_trace_map(built.docx)
    kinds = {}
    body = built.part("word/document.xml")
    for p in _paragraphs(body):
        mark = p.find(f"{W}bookmarkStart")
        if mark is not None and mark.get(W + "name") in tmap.traces:
            kinds[p] = tmap.traces[mark.get(W + "name")].kind
    cursor, skipped = 0, []
    for p in _paragraphs(body):
        text = _text(p)
        if re.fullmatch(r"TOC[1-6]", _style(p)):
            text = re.sub(r"\t\d+$", "", text)  # the page number, left out on both sides
            # Word's 目次 reads as the headings it is built from: a group's vision in ≪≫.
            text = re.sub(r"[≪≫]", "", text)
        text = squash(text).replace("•", "")
        if not text:
            continue
        if kinds.get(p) == "diagram":
            # The society diagram is SVG in the PDF (its text in another order): each box's
            # text is there somewhere.
            assert text in pdf, text
            continue
        found = pdf.find(text, cursor)
        assert found >= 0, f"not in the PDF after {pdf[max(0, cursor - 30) : cursor]!r}: {text!r}"
        skipped.append(pdf[cursor:found])
        cursor = found + len(text)
    skipped.append(pdf[cursor:])
    leftovers = [s for s in skipped if s]
    # The PDF's page column of 政策パッケージ一覧 (頁 and a number), and the diagram's boxes.
    diagram = {squash(t.text) for t in tmap.traces.values() if t.kind == "diagram"}
    for gap in leftovers:
        rest = gap
        for box in sorted(diagram, key=len, reverse=True):
            rest = rest.replace(box, "")
        assert re.fullmatch(r"[0-9頁]*", rest), f"in the PDF only: {gap!r}"


@pytest.mark.typeset
def test_footnotes_tables_and_figures_are_word_objects(built):
    body = built.part("word/document.xml")
    notes = built.part("word/footnotes.xml")
    texts = {squash(_text(n)) for n in notes.iter(W + "footnote") if n.get(W + "type") is None}
    assert texts == {"脚注の本文", "二つ目の脚注の本文"}
    refs = list(body.iter(W + "footnoteReference"))
    assert len(refs) == 2
    # The call stands where the PDF has it: after 「方策の本文」.
    p = next(p for p in _paragraphs(body) if "方策の本文" in _text(p))
    assert (
        _text(p).endswith("方策の本文を書く。") and p.find(f".//{W}footnoteReference") is not None
    )

    tables = list(body.iter(W + "tbl"))
    # The content table, the ＫＰＩ table, the diagram, 施策テーマの例, the pillars, the
    # Markdown table, and one per 重点目標 in 政策パッケージ一覧 and ＫＰＩ一覧.
    assert len(tables) == 8
    content = next(
        t for t in tables if "対象施設" not in _text(t) and "区分施設数" in squash(_text(t))
    )
    rows = content.findall(f"{W}tr")
    assert [squash(_text(r)) for r in rows] == ["区分施設数備考", "道路（国道）12", "河川3一級河川"]
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None  # repeated on every page
    assert rows[1].find(f"{W}trPr/{W}tblHeader") is None
    assert all(r.find(f"{W}trPr/{W}cantSplit") is not None for r in rows)
    cell = rows[1].find(f"{W}tc")
    assert _text(cell) == "道路\n（国道）"  # the line break in the cell is kept
    grid = [int(c.get(W + "w")) for c in content.find(f"{W}tblGrid")]
    assert abs(grid[0] / sum(grid) - 0.4) < 0.01 and abs(grid[1] / sum(grid) - 0.2) < 0.01
    caption = next(p for p in _paragraphs(body) if "対象施設の内訳" in _text(p))
    assert _text(caption) == "表１　対象施設の内訳"

    drawings = list(
        body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}inline")
    )
    assert len(drawings) == 1
    doc_pr = drawings[0].find(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"
    )
    assert doc_pr.get("descr") == "対象地域を示した地図"
    blip = next(drawings[0].iter("{http://schemas.openxmlformats.org/drawingml/2006/main}blip"))
    rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
    rels = built.raw("word/_rels/document.xml.rels")
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
    media = next(t for t in target.groups() if t)
    with zipfile.ZipFile(io.BytesIO(built.docx)) as z:
        assert z.read(f"word/{media}") == PNG_SMALL
    captions = [_text(p) for p in _paragraphs(body) if _style(p) == "PlanFigureCaption"]
    assert captions == ["図１　課題・姿・重点目標の関係", "図２　方針の柱", "図３　対象地域の地図"]


@pytest.mark.typeset
def test_lists_pending_and_generated_lists_read_as_in_the_pdf(built):
    body = built.part("word/document.xml")
    paras = [(_style(p), _text(p)) for p in _paragraphs(body)]
    texts = [t for _s, t in paras]
    # Markers are text; a marker as wide as the indent needs no tab.
    assert "■方向性Ａ" in texts and "・取組Ａ" in texts and "（１）現行目標Ａ" in texts
    assert "•項目一" in texts  # Markdown lists keep the browser's disc, as text
    assert "例：流域治水の推進　等" in texts
    assert "※注記の本文" in texts
    style_of = dict((t, s) for s, t in paras)
    assert style_of["■方向性Ａ"].startswith("PlanPoint")
    # 未定事項 as in the PDF: the label in bold ゴシック, then the reason.
    pending = next(p for p in _paragraphs(body) if _text(p) == "（今後記述）次回以降に議論")
    run = next(r for r in pending.iter(W + "r") if _text(r) == "（今後記述）")
    assert run.find(f"{W}rPr/{W}rStyle").get(W + "val") == "PlanStrong"
    assert "（今後設定）" in texts  # the ＫＰＩ's pending target
    # 政策パッケージ一覧 with its page column (as the PDF's); ＫＰＩ一覧; 未定事項一覧 in a draft.
    joined = squash("".join(texts))
    pkg = next(h for h in built.plan.outline(True).headings if h.title == "施策テーマＡ")
    assert (
        "重点目標・目指す社会の姿・政策パッケージＫＰＩ頁第１節重点目標Ａ１≪姿Ａ≫"
        f"（１）施策テーマＡ１件{built.pages[pkg.anchor]}" in joined
    )
    assert (
        "政策パッケージ指標基準値目標値備考第１節重点目標Ａ施策テーマＡ指標Ａ（件）10（令和５年度）（今後設定）"
        in joined
    )
    assert "今後の議論により定めることとしている事項は、次のとおりである（計２件）。" in joined
    assert (
        "１\t目標値は次回以降に議論\n・重点目標Ａ › 姿Ａ › 施策テーマＡ › 指標Ａ › 目標値"
        in "".join(texts)
    )
    assert "content/" not in "".join(texts)


@pytest.mark.typeset
def test_toc_is_a_field_over_the_heading_styles_filled_in_and_updated_on_opening(built):
    body = built.part("word/document.xml")
    codes = [i.text for i in body.iter(W + "instrText")]
    outline = built.plan.outline(True)
    levels = max(min(e.depth, 6) for e in outline.toc)
    # Word's TOC over its built-in heading styles, as deep as the PDF's 目次 reaches; no TC.
    assert [c for c in codes if c.startswith(" TOC ")] == [f' TOC \\o "1-{levels}" \\h \\z ']
    assert not [c for c in codes if c.startswith(" TC ")]
    entries = [p for p in _paragraphs(body) if re.fullmatch(r"TOC[1-6]", _style(p))]
    expected = [
        (f"TOC{min(e.depth, 6)}", f"{e.label}\t{e.title}\t{built.pages[e.anchor]}")
        for e in outline.toc
    ]
    assert [(_style(p), re.sub(r"[≪≫]", "", _text(p))) for p in entries] == expected
    # Page numbers are PAGEREF fields on the headings' bookmarks, filled in with the PDF's:
    # one per entry of the 目次, one per 政策パッケージ in the 政策パッケージ一覧's 頁 column.
    packages = len(built.plan.packages())
    assert len([c for c in codes if c.startswith(" PAGEREF kk_")]) == len(expected) + packages
    assert built.pages["ch1"] == 1 and built.pages["ch4"] > built.pages["ch3"]
    # What Word puts in an entry when it updates the field: the text of each paragraph in a
    # built-in heading style down to the field's level (its number, a tab, its title), at
    # that level. The filled-in entries read so.
    rebuilt = [
        (f"TOC{_style(p)[-1]}", _text(p))
        for p in _paragraphs(body)
        if re.fullmatch(r"Heading[1-6]", _style(p)) and int(_style(p)[-1]) <= levels
    ]
    assert [(_style(p), re.sub(r"\t\d+$", "", _text(p))) for p in entries] == rebuilt
    # The TOC styles hang a wrapped title under its first line and end in a dotted leader
    # to the page number at the right margin.
    styles = built.part("word/styles.xml")
    for level in range(1, 7):
        ppr = styles.find(f"{W}style[@{W}styleId='TOC{level}']/{W}pPr")
        tabs = [
            (t.get(W + "val"), t.get(W + "leader"), t.get(W + "pos")) for t in ppr.iter(W + "tab")
        ]
        ind = ppr.find(W + "ind")
        assert tabs[0] == ("left", None, ind.get(W + "left")) and int(ind.get(W + "hanging")) > 0
        assert tabs[1] == ("right", "dot", str(TEXT_W))
    # …at the places the PDF's 目次 sets them: each level's title (the left tab and the hang)
    # where the PDF's first entry of that level starts its title, from the left margin.
    runs: list[tuple[float, str]] = []
    pypdf.PdfReader(built.pdf).pages[1].extract_text(
        visitor_text=lambda text, cm, tm, *_: (
            runs.append((tm[4] * cm[0] + cm[4], text)) if text.strip() else None
        )
    )
    margin = runs[[t for _, t in runs].index(outline.toc[0].label)][0]
    seen = set()
    for e in outline.toc:
        level = min(e.depth, 6)
        if level in seen or not e.label:
            continue
        seen.add(level)
        i = [t.strip() for _, t in runs].index(e.label)
        left = styles.find(f"{W}style[@{W}styleId='TOC{level}']/{W}pPr/{W}ind").get(W + "left")
        assert abs(runs[i + 1][0] - margin - int(left) / 20) < 0.5, (level, e.label)
    assert len(seen) >= 3
    settings = built.part("word/settings.xml")
    assert settings.find(W + "updateFields").get(W + "val") == "true"


R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _refs(built: Built, sect: ET.Element, kind: str) -> dict[str, str]:
    """A section's page heads or feet: {type (default, first): the part's XML}."""
    rels = built.raw("word/_rels/document.xml.rels")
    found = {}
    for ref in sect.findall(f"{W}{kind}Reference"):
        target = re.search(rf'<Relationship [^>]*Id="{ref.get(R_ID)}"[^>]*>', rels).group(0)
        found[ref.get(W + "type")] = built.raw(
            "word/" + re.search(r'Target="([^"]+)"', target).group(1)
        )
    return found


def _head_text(xml: str) -> str:
    return "|".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


@pytest.mark.typeset
def test_page_setup_header_footer_and_draft_status(built):
    body = built.part("word/document.xml")
    sects = list(body.iter(W + "sectPr"))
    titles = [h.title for h in built.plan.outline(True).headings if h.depth == 1]
    # the front matter (cover, 目次), then each part: its page head names it
    assert len(sects) == 1 + len(titles)
    for sect in sects:
        size, margin = sect.find(W + "pgSz"), sect.find(W + "pgMar")
        assert (size.get(W + "w"), size.get(W + "h")) == ("11906", "16838")  # A4 portrait
        assert [margin.get(W + k) for k in ("top", "right", "bottom", "left")] == [
            "1417",
            "1227",
            "1247",
            "1227",
        ]
        assert sect.find(W + "titlePg") is not None  # its first page has its own head
    front, *parts = sects
    assert front.find(W + "footerReference") is None and front.find(W + "pgNumType") is None
    heads = _refs(built, front, "header")
    assert _head_text(heads["first"]) == ""  # the cover: its own box names the stage, once
    assert _head_text(heads["default"]) == "素案"  # the 目次
    assert parts[0].find(W + "pgNumType").get(W + "start") == "1"
    assert all(p.find(W + "pgNumType") is None for p in parts[1:])  # numbered on
    for sect, title in zip(parts, titles, strict=True):
        heads, feet = _refs(built, sect, "header"), _refs(built, sect, "footer")
        # the draft's status on every page; the part's title but on its opening page,
        # where the title itself stands (as the PDF's running head)
        assert _head_text(heads["default"]) == f"素案|{title}"
        assert _head_text(heads["first"]) == "素案"
        assert feet["first"] == feet["default"]
        assert re.search(
            r'>- </w:t>.*<w:instrText xml:space="preserve"> PAGE </w:instrText>.*>\s?-</w:t>',
            feet["default"],
        )
    cover = [_text(p) for p in _paragraphs(body)][:6]
    assert cover[:3] == ["素案", "テスト計画", "（第１回部会）"]

    # The formal edition: no status in the page head, no 未定事項一覧 (the pipeline refuses
    # it while anything is pending; the Word edition follows the same outline).
    final = docx_bytes(built.plan, draft=False, revision=REVISION, date=DATE, content=built.content)
    with zipfile.ZipFile(io.BytesIO(final)) as z:
        headers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/header")]
        texts = [_text(p) for p in _paragraphs(ET.fromstring(z.read("word/document.xml")))]
    assert headers and not any("素案" in h for h in headers)
    assert any(_head_text(h) == titles[0] for h in headers)
    assert texts[0] == "素案"  # the cover still says what the document is, as the PDF's does
    assert not any("未定事項一覧" in t for t in texts)


@pytest.mark.typeset
def test_fonts_are_named_and_embedded(built):
    styles = built.part("word/styles.xml")

    def faces(el: ET.Element) -> set[str]:
        fonts = el.find(f".//{W}rFonts")
        return {fonts.get(W + k) for k in ("ascii", "hAnsi", "eastAsia")}

    assert faces(styles.find(f"{W}docDefaults/{W}rPrDefault")) == {"BIZ UDMincho"}
    for level in range(1, 7):
        assert faces(styles.find(f"{W}style[@{W}styleId='Heading{level}']")) == {"BIZ UDGothic"}
    fonts = built.part("word/fontTable.xml")
    alt = {
        f.get(W + "name"): f.find(W + "altName").get(W + "val")
        for f in fonts.iter(W + "font")
        if f.find(W + "altName") is not None
    }
    # Each name is the family of the font file we vendor (its own name table), and the
    # alternative is the family stock Windows has: 「BIZ UD明朝 Medium」, 「BIZ UDゴシック」.
    assert alt == {"BIZ UDMincho": "BIZ UD明朝 Medium", "BIZ UDGothic": "BIZ UDゴシック"}
    from fontTools.ttLib import TTFont

    def family(file: str, lang: int) -> str:
        names = TTFont(PROJECT / "styles" / "fonts" / file, lazy=True)["name"]
        return names.getName(1, 3, 1, lang).toUnicode()

    assert family("BIZUDMincho-Regular.ttf", 0x409) == "BIZ UDMincho"
    assert family("BIZUDGothic-Regular.ttf", 0x409) == "BIZ UDGothic"
    assert family("BIZUDGothic-Bold.ttf", 0x411) == alt["BIZ UDGothic"]
    assert family("BIZUDMincho-Regular.ttf", 0x411) + " Medium" == alt["BIZ UDMincho"]
    # The vendored faces are embedded as Word embeds fonts (conftest.assert_embeds_plan_fonts).
    assert_embeds_plan_fonts(built.docx)


@pytest.mark.typeset
def test_settings_track_changes_and_keep_japanese_text_as_in_the_pdf(built):
    settings = built.part("word/settings.xml")
    assert settings.find(W + "trackRevisions") is not None  # reviewers' edits are tracked
    assert settings.find(W + "doNotTrackMoves") is not None  # moves as deletions and insertions
    assert settings.find(W + "characterSpacingControl").get(W + "val") == "doNotCompress"
    assert settings.find(f"{W}compat/{W}doNotExpandShiftReturn") is not None
    assert settings.find(W + "themeFontLang").get(W + "eastAsia") == "ja-JP"


@pytest.mark.typeset
def test_every_paragraph_is_traced_to_its_content(built):
    tmap = read_trace_map(built.docx)
    assert tmap.revision == REVISION and tmap.tag == revision_tag(REVISION) == "0123456"
    body = built.part("word/document.xml")
    names = []
    for p in _paragraphs(body):
        if not _text(p).strip():
            continue
        mark = p.find(f"{W}bookmarkStart")
        assert mark is not None, _text(p)
        name = mark.get(W + "name")
        assert BOOKMARK.match(name) and len(name) <= 40 and name.startswith("kk_0123456_")
        assert name in tmap.traces
        names.append(name)
    assert len(names) == len(set(names))
    by_text = {
        squash(_text(p)): tmap.traces[p.find(f"{W}bookmarkStart").get(W + "name")]
        for p in _paragraphs(body)
        if p.find(f"{W}bookmarkStart") is not None
    }
    item = by_text["・変化Ａの内容"]
    assert (item.id, item.path, item.kind) == ("change-a", "body[0].list[0]", "list")
    assert item.where == ("第１章　状況の変化", "第１節　社会経済情勢の変化", "１　変化Ａ")
    assert item.src.endswith("chapter1.yaml:10:20")
    cell = by_text["一級河川"]
    assert (cell.id, cell.path) == ("measure-a", "body[3].table[2][2]")
    kpi = by_text.get("（今後設定）")
    assert kpi is not None and kpi.id == "kpi-a"
    heading = by_text["（１）施策テーマＡ"]
    assert (heading.id, heading.path, heading.kind) == ("pkg-a", "title", "package")
    part = by_text["【当面の取組（例）】"]
    assert (part.id, part.path) == ("pkg-a", "parts[1]")
    listed = by_text["・取組Ａ"]
    assert (listed.id, listed.path) == ("pkg-a", "parts[1].body[0].list[0]")
    # The footnotes too, by their id.
    notes = built.part("word/footnotes.xml")
    marks = [m.get(W + "name") for m in notes.iter(W + "bookmarkStart")]
    assert {tmap.traces[m].id for m in marks} == {"note-a", "note-b"}
    props = built.raw("docProps/custom.xml")
    assert "<vt:lpwstr>" + REVISION + "</vt:lpwstr>" in props


@pytest.mark.typeset
def test_same_content_gives_the_same_bytes(built):
    again = docx_bytes(
        built.plan,
        draft=True,
        revision=REVISION,
        date=DATE,
        pages=built.pages,
        content=built.content,
    )
    assert again == built.docx
    with zipfile.ZipFile(io.BytesIO(built.docx)) as z:
        assert {i.date_time for i in z.infolist()} == {
            (2025, 1, 2, 3, 4, 4)
        }  # zip keeps even seconds
        core = z.read("docProps/core.xml").decode()
    assert (
        '<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-02T03:04:05Z</dcterms:created>' in core
    )
    assert "<dc:title>テスト計画（素案）</dc:title>" in core


def _products(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != ".build-stamp"}


@pytest.mark.typeset
def test_two_builds_give_the_same_products(built):
    """Pandoc writing the Word edition while the PDF is laid out changes nothing between
    builds: a second build of the same content publishes the same bytes, every product."""
    first = _products(built.pdf.parent)
    out = built.pdf.parent.with_name("again")  # beside it: plan.html links the same styles
    build(built.content, out, force=True, report=lambda _: None, warn=lambda _: None)
    assert "plan.docx" in first and _products(out).keys() == first.keys()
    assert _products(out) == first


class _Recorded:
    """Every pandoc the Word edition starts (``docx.edition.start_pandoc``), with its process id."""

    def __init__(self, monkeypatch) -> None:
        import keikaku.docx.edition

        self.jobs: list[tuple[object, int]] = []
        real = keikaku.docx.edition.start_pandoc

        def start(*args, **kwargs):
            job = real(*args, **kwargs)
            self.jobs.append((job, job._proc.pid))
            return job

        monkeypatch.setattr(keikaku.docx.edition, "start_pandoc", start)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.typeset
@pytest.mark.parametrize("stage", ["overview", "layout"])
def test_a_failed_layout_stops_pandoc_and_leaves_the_last_set(built, tmp_path, monkeypatch, stage):
    """The 概要's layout or the plan's fails (the plan's while pandoc is still writing):
    pandoc is stopped, its folder removed, and the output folder keeps the last set as it
    was."""
    import keikaku.overview_layout
    import keikaku.pipeline
    from keikaku.errors import BuildError, Pos, Problem

    out = tmp_path / "out"
    shutil.copytree(built.pdf.parent, out)
    before = _products(out)
    recorded = _Recorded(monkeypatch)

    def failing(*_args, **_kwargs):
        ((job, _pid),) = recorded.jobs
        assert job._proc.poll() is None, "pandoc finished before the layout: nothing is tested"
        raise BuildError(Problem(Pos("plan.html"), "レイアウトに失敗しました。"))

    def failing_overview(*_args, **_kwargs):
        # Set beside the plan's layout (in a forked child where it may fork, else here
        # after the layout): pandoc may have finished when the build learns of it.
        raise BuildError(Problem(Pos("overview.html"), "レイアウトに失敗しました。"))

    if stage == "overview":
        monkeypatch.setattr(keikaku.overview_layout, "overview_products", failing_overview)
    else:
        # The last 概要's, at once, so that pandoc is still writing when the plan's
        # layout fails.
        overview = {n: b for n, b in before.items() if n.startswith("overview.")}
        monkeypatch.setattr(
            keikaku.overview_layout, "overview_products", lambda *_a, **_k: dict(overview)
        )
        monkeypatch.setattr(keikaku.pipeline, "_layout", failing)
    with pytest.raises(BuildError, match="レイアウトに失敗"):
        build(built.content, out, force=True, report=lambda _: None, warn=lambda _: None)
    ((job, pid),) = recorded.jobs
    assert _gone(pid) and not Path(job._tmp.name).exists()
    assert _products(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*before, ".build-stamp"])


@pytest.mark.typeset
def test_a_failed_pandoc_leaves_the_last_set(built, tmp_path, monkeypatch):
    """Pandoc fails while the PDF is laid out: the build stops with pandoc's message after
    the layout, and the output folder keeps the last set as it was."""
    from keikaku import pandoc
    from keikaku.errors import BuildError

    out = tmp_path / "out"
    shutil.copytree(built.pdf.parent, out)
    before = _products(out)
    real = pandoc.executable()
    broken = tmp_path / "pandoc"
    # The probes (the AST's version, the default reference) answer; the writer fails.
    broken.write_text(
        f'#!/bin/sh\ncase " $* " in *" -t docx "*) echo "docx: disk full" >&2; exit 3;; esac\n'
        f'exec "{real}" "$@"\n',
        encoding="utf-8",
    )
    broken.chmod(0o755)
    monkeypatch.setattr(pandoc, "executable", lambda: broken)
    recorded = _Recorded(monkeypatch)
    with pytest.raises(BuildError, match=r"終了コード 3.*docx: disk full"):
        build(built.content, out, force=True, report=lambda _: None, warn=lambda _: None)
    ((job, pid),) = recorded.jobs
    assert _gone(pid) and not Path(job._tmp.name).exists()
    assert _products(out) == before


def test_svg_figures_stand_in_with_their_alt_text(tmp_path):
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    chapter = textwrap.dedent(MINIMAL["chapter4.yaml"]).replace(
        "- pending: 次回以降に議論",
        "- figure: figures/plan.svg\n        caption: 配置図\n        alt: 施設の配置\n"
        "        source: 作成",
    )
    content = write_content(tmp_path, {"chapter4.yaml": chapter, "figures/plan.svg": svg})
    plan = load_plan(content)
    data = docx_bytes(plan, revision="r", date=DATE, content=content)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = ET.fromstring(z.read("word/document.xml"))
        assert not [n for n in z.namelist() if n.startswith("word/media/")]
    texts = [_text(p) for p in _paragraphs(body)]
    i = texts.index("［図：施設の配置］")
    assert texts[i + 1 : i + 3] == ["図３　配置図", "出典：作成"]


# ------------------------------------------------------------------ LibreOffice


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert(docx: Path, workdir: Path) -> Path:
    """plan.docx as PDF by LibreOffice, with the plan's fonts visible to it (a private
    profile and home whose font folder holds the vendored BIZ UD faces)."""
    home = workdir / "home"
    fonts = home / ".fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for font in (PROJECT / "styles" / "fonts").glob("*.ttf"):
        shutil.copy(font, fonts / font.name)
    env = {**os.environ, "HOME": str(home)}
    result = subprocess.run(
        [
            _soffice(),
            "--headless",
            f"-env:UserInstallation={(home / 'profile').as_uri()}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(workdir),
            str(docx),
        ],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return workdir / (docx.stem + ".pdf")


#: A fontconfig that sees the system's fonts but no BIZ UD face (and neither styles/fonts nor
#: a home's font folder): LibreOffice can take the plan's fonts only from the docx.
_NO_PLAN_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts</dir>
  <cachedir>{cache}</cachedir>
  <selectfont><rejectfont>
    <glob>*BIZUD*</glob>
    <pattern><patelt name="family"><string>BIZ UDMincho</string></patelt></pattern>
    <pattern><patelt name="family"><string>BIZ UDGothic</string></patelt></pattern>
    <pattern><patelt name="family"><string>BIZ UD明朝</string></patelt></pattern>
    <pattern><patelt name="family"><string>BIZ UDゴシック</string></patelt></pattern>
  </rejectfont></selectfont>
</fontconfig>
"""

#: A LibreOffice Basic macro: open the docx, update its indexes (the 目次) as Word does on
#: opening (``w:updateFields``; LibreOffice 7.4 keeps the field's cached entries and page
#: numbers instead), export as PDF.
_UPDATE_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub UpdateAndExport
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(&quot;{docx}&quot;, &quot;_blank&quot;, 0, load())
  indexes = doc.getDocumentIndexes()
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next
  Dim store(0) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = &quot;writer_pdf_Export&quot;
  doc.storeToURL(&quot;{pdf}&quot;, store())
  doc.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"""


def _no_plan_fonts_env(workdir: Path) -> dict[str, str]:
    """An environment whose fontconfig cannot see any BIZ UD face, checked with fc-list."""
    home = workdir / "bare-home"
    home.mkdir(parents=True, exist_ok=True)
    conf = workdir / "fonts.conf"
    conf.write_text(_NO_PLAN_FONTS.format(cache=workdir / "fc-cache"), "utf-8")
    env = {**os.environ, "HOME": str(home), "FONTCONFIG_FILE": str(conf)}
    env.pop("FONTCONFIG_PATH", None)
    listed = subprocess.run(
        ["fc-list", ":", "family", "file"], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert listed.strip(), "LibreOffice needs some font to start"
    assert "BIZ" not in listed and "styles/fonts" not in listed, listed
    return env


def _soffice_run(args: list[str], env: dict[str, str], profile: Path) -> None:
    result = subprocess.run(
        [_soffice(), "--headless", f"-env:UserInstallation={profile.as_uri()}", *args],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")


def _convert_with_docx_fonts(docx: Path, workdir: Path) -> tuple[Path, Path]:
    """plan.docx as PDF by LibreOffice with no BIZ UD face but those the docx embeds: as
    it opens (the 目次 as the docx fills it in), and with its indexes updated."""
    env = _no_plan_fonts_env(workdir)
    profile = workdir / "bare-home" / "profile"
    out = workdir / "opened"
    _soffice_run(["--convert-to", "pdf", "--outdir", str(out), str(docx)], env, profile)
    updated = workdir / "updated.pdf"
    module = profile / "user" / "basic" / "Standard" / "Module1.xba"
    module.write_text(_UPDATE_MACRO.format(docx=docx.as_uri(), pdf=updated.as_uri()), "utf-8")
    _soffice_run(["--invisible", "macro:///Standard.Module1.UpdateAndExport"], env, profile)
    assert updated.exists()
    return out / (docx.stem + ".pdf"), updated


def _toc_against_layout(pdf: Path, plan: Plan) -> tuple[dict[str, int], dict[str, int]]:
    """The 目次's page number of each of its entries, and the page (as printed, 「- n -」)
    where the heading stands, both read off one PDF."""
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages]
    printed = [re.search(r"^\s*-\s*(\d+)\s*-\s*$", t, re.M) for t in pages]
    first = next(i for i, m in enumerate(printed) if m)

    def flat(text: str) -> str:  # a group's vision is in ≪≫ in the heading, not in e.title
        return re.sub(r"[≪≫]", "", squash(text))

    status = plan.meta.status.plain  # the page head of the front matter
    toc = flat("".join(re.sub(rf"^\s*{status}\s*$", "", t, flags=re.M) for t in pages[1:first]))
    entries = plan.outline(True).toc
    toc = re.sub(r"[．.…]+(?=[0-9])", "", toc)
    listed: dict[str, int] = {}
    at = toc.find(squash(entries[0].label + entries[0].title))
    for e in entries:  # each entry where the one before ends: none more, none left out
        m = re.compile(re.escape(squash(e.label + e.title)) + r"([0-9]+)").match(toc, at)
        assert m, f"{e.label}{e.title} not next in the 目次: {toc[at : at + 40]!r}"
        listed[e.anchor], at = int(m.group(1)), m.end()
    found: dict[str, int] = {}
    i = first
    for e in entries:
        key = squash(e.label + e.title)
        while key not in flat(pages[i]):
            i += 1
            assert i < len(pages), f"{e.label}{e.title} not in the body"
        number = printed[i]
        assert number, f"page {i + 1} has no page number"
        found[e.anchor] = int(number.group(1))
    return listed, found


def normalised(pdf: Path, plan: Plan, docx: bytes) -> str:
    """A PDF's text compared between plan.pdf and LibreOffice's rendering of plan.docx.

    Left out, as they differ by design: page furniture (running heads; the status 素案 in
    Word's page head; page numbers), the
    目次's leaders and page numbers, the ≪≫ of a group's vision (Word's 目次 has them, as
    the heading it is built from), the 政策パッケージ一覧's page column (頁), footnote
    marks (※1 in the PDF, 1 in Word) and bodies (at the foot of whichever page), table
    header rows (repeated where a page breaks), the society diagram's boxes (SVG in the
    PDF, a table in Word: the same texts in another order), and digits, which page numbers
    leave everywhere."""
    tmap = read_trace_map(docx)
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        body = ET.fromstring(z.read("word/document.xml"))
    headers = {
        squash("".join(_text(p) for p in tr.iter(W + "p")))
        for tr in body.iter(W + "tr")
        if tr.find(f"{W}trPr/{W}tblHeader") is not None
    }
    diagram = {
        re.sub(r"[0-9]", "", squash(t.text)) for t in tmap.traces.values() if t.kind == "diagram"
    }
    heads = {h.title for h in plan.outline(True).headings if h.depth == 1}
    status = plan.meta.status.plain
    heads = {re.sub(r"\s", "", h) for h in heads}
    furniture = {status, *heads, *(f"{status}{h}" for h in heads)}
    lines = [
        line
        for page in pypdf.PdfReader(pdf).pages
        for line in (page.extract_text() or "").splitlines()
        if re.sub(r"\s", "", line) not in furniture and not re.fullmatch(r"\s*-\s*\d+\s*-\s*", line)
    ]
    # A list table continued on a new page repeats its 重点目標 row under the header row in
    # the PDF (the row is in its <thead>); Word repeats the header row only.
    header_keys = {re.sub(r"[0-9頁]", "", h) for h in headers}
    seen: set[str] = set()
    kept = []
    for i, line in enumerate(lines):
        key = re.sub(r"[0-9頁]", "", squash(line))
        after_header = i > 0 and re.sub(r"[0-9頁]", "", squash(lines[i - 1])) in header_keys
        if after_header and key in seen:
            continue
        seen.add(key)
        kept.append(line)
    lines = kept
    text = squash("\n".join(lines))
    for note in sorted((squash(n.plain) for n in plan.footnotes.values()), key=len, reverse=True):
        text = text.replace(note, "", 1)
    for header in headers:
        text = text.replace(header, "")
    text = re.sub(r"[．.]{2,}|[．.](?=[0-9])", "", text)  # leaders, one dot long at least
    text = re.sub(r"[≪≫]", "", text)  # a group's vision: in its heading, and Word's 目次 too
    text = re.sub(r"[0-9]", "", text).replace("※", "").replace("頁", "").replace("•", "")
    for box in sorted((d for d in diagram if d), key=len, reverse=True):
        text = text.replace(box, "")
    return text


def _libreoffice_reads_like_pdf(plan: Plan, pdf: Path, docx: bytes, workdir: Path) -> int:
    path = workdir / "plan.docx"
    path.write_bytes(docx)
    converted = _convert(path, workdir)
    want, got = normalised(pdf, plan, docx), normalised(converted, plan, docx)
    if want != got:
        import difflib

        ops = [
            op
            for op in difflib.SequenceMatcher(None, want, got, autojunk=False).get_opcodes()
            if op[0] != "equal"
        ]
        _op, i1, i2, j1, j2 = ops[0]
        pytest.fail(
            f"{len(ops)} differences; first: PDF {want[max(0, i1 - 20) : i2 + 20]!r} "
            f"Word {got[max(0, j1 - 20) : j2 + 20]!r}"
        )
    return len(pypdf.PdfReader(converted).pages)


@pytest.mark.typeset
@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None, reason="LibreOffice is not installed (scripts/setup-system.sh --test)"
)
def test_libreoffice_converts_plan_docx_and_it_reads_like_the_pdf(built, tmp_path):
    pages = _libreoffice_reads_like_pdf(built.plan, built.pdf, built.docx, tmp_path)
    assert pages == len(pypdf.PdfReader(built.pdf).pages)


@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None, reason="LibreOffice is not installed (scripts/setup-system.sh --test)"
)
def test_libreoffice_reads_the_real_plan_like_its_pdf(built_plan, tmp_path):
    plan = load_plan(PROJECT / "content")
    pages = pdf_page_numbers(built_plan.pdf_path.read_bytes(), plan)
    data = docx_bytes(plan, revision="HEAD", date=DATE, pages=pages, content=PROJECT / "content")
    count = _libreoffice_reads_like_pdf(plan, built_plan.pdf_path, data, tmp_path)
    # The same pagination within a page (Word's and LibreOffice's line breaking is not
    # WeasyPrint's; at present the two have the same number of pages).
    assert abs(count - len(built_plan.reader.pages)) <= 1


def _font_names(pdf: Path) -> set[str]:
    """The base names of the fonts a PDF's pages use, without their subset tags."""
    names = set()
    for page in pypdf.PdfReader(pdf).pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return names


@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None or shutil.which("fc-list") is None,
    reason="LibreOffice is not installed (scripts/setup-system.sh --test)",
)
def test_libreoffice_sets_the_real_plan_in_the_fonts_it_embeds_and_its_toc_is_its_own(
    built_plan, tmp_path
):
    """With no BIZ UD face on the system, LibreOffice sets plan.docx in the faces the docx
    embeds, in the PDF's number of pages (±1); updating the 目次 (the TOC field over the
    heading styles) gives the PDF's entries with the pages of LibreOffice's own layout."""
    plan = load_plan(PROJECT / "content")
    pages = pdf_page_numbers(built_plan.pdf_path.read_bytes(), plan)
    path = tmp_path / "plan.docx"
    path.write_bytes(
        docx_bytes(plan, revision="HEAD", date=DATE, pages=pages, content=PROJECT / "content")
    )
    opened, updated = _convert_with_docx_fonts(path, tmp_path)
    for pdf in (opened, updated):
        assert _font_names(pdf) == {
            "BIZUDMincho-Regular",
            "BIZUDGothic-Regular",
            "BIZUDGothic-Bold",
        }
        assert abs(len(pypdf.PdfReader(pdf).pages) - len(built_plan.reader.pages)) <= 1
    # As it opens, the 目次 reads the PDF's page numbers (filled in); updated, its own.
    listed, _found = _toc_against_layout(opened, plan)
    assert listed == pages_of_toc(plan, pages)
    listed, found = _toc_against_layout(updated, plan)
    assert listed == found
    assert len(listed) == len(plan.outline(True).toc)


@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None or shutil.which("fc-list") is None,
    reason="LibreOffice is not installed (scripts/setup-system.sh --test)",
)
def test_libreoffice_sets_the_followup_report_in_the_fonts_it_embeds(tmp_path):
    """followup.docx embeds the plan's faces as plan.docx does (docx_fonts.embed): with no
    BIZ UD face on the system, LibreOffice sets the sample report in them, as it sets
    plan.docx: its headings and table heads in BIZ UDゴシック (bold), its text in BIZ
    UD明朝, and in no other face (its list is the plan's 「・」, not Word's bullet)."""
    from keikaku.followup import followup

    example = PROJECT / "examples" / "followup" / "content"
    followup(example, tmp_path / "out", report=lambda _: None, warn=lambda _: None)
    path = tmp_path / "followup.docx"
    path.write_bytes((tmp_path / "out" / "followup.docx").read_bytes())
    env = _no_plan_fonts_env(tmp_path)
    out = tmp_path / "opened"
    _soffice_run(
        ["--convert-to", "pdf", "--outdir", str(out), str(path)],
        env,
        tmp_path / "bare-home" / "profile",
    )
    assert _font_names(out / "followup.pdf") == {
        "BIZUDMincho-Regular",
        "BIZUDGothic-Regular",
        "BIZUDGothic-Bold",
    }


def pages_of_toc(plan: Plan, pages: dict[str, int]) -> dict[str, int]:
    return {e.anchor: pages[e.anchor] for e in plan.outline(True).toc}


@pytest.mark.typeset
def test_the_faces_are_cut_in_a_process_of_their_own_from_the_text_known_before(built, monkeypatch):
    """Cutting the three faces takes about a second: the build has it done by a process of
    its own while the PDF is laid out, from the text of the Pandoc AST (docx_fonts.ast_text),
    which holds every character the package shows. The package is the same whether that
    process cut the faces or, when it cannot run, the build did."""
    from keikaku import docx_fonts
    from keikaku.docx import start_docx

    with zipfile.ZipFile(io.BytesIO(built.docx)) as z:
        shown = docx_fonts.used_text({i.filename: z.read(i) for i in z.infolist()})
    with start_docx(
        built.plan, revision=REVISION, date=DATE, pages=built.pages, content=built.content
    ) as word:
        assert word.fonts is not None
        known = word.fonts.text  # what the faces are cut to, known before the layout
        assert word.result() == built.docx
    assert set(shown) <= set(known) and len(shown) > 100

    def again() -> bytes:
        return docx_bytes(
            built.plan, revision=REVISION, date=DATE, pages=built.pages, content=built.content
        )

    # The faces come from the other process: cutting them here would fail.
    def here(_text: str) -> list[bytes]:
        raise AssertionError("cut in the build's own process")

    monkeypatch.setattr(docx_fonts, "subsets", here)
    assert again() == built.docx
    monkeypatch.undo()
    # No such process: the build cuts them itself, to the same bytes.
    monkeypatch.setattr(docx_fonts.sys, "executable", "/nonexistent/python")
    assert again() == built.docx


@pytest.mark.typeset
def test_a_failed_build_stops_the_cutting_of_the_faces(built):
    """The process cutting the faces is stopped when the build leaves the Word edition
    without its result (a layout that failed), as pandoc is."""
    from keikaku.docx import start_docx

    with start_docx(
        built.plan, revision=REVISION, date=DATE, pages=built.pages, content=built.content
    ) as word:
        assert word.fonts is not None and word.fonts.child is not None
        pid = word.fonts.child.pid
    assert word.fonts.child is None and _gone(pid)


class _BodyText(HTMLParser):
    """The text of an HTML body, a list item led by the marker the report's CSS prints."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker, self.parts, self.inside = marker, [], False

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or tag == "body"
        if tag == "li":
            self.parts.append(self.marker)

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


@pytest.mark.slow
@pytest.mark.skipif(
    _soffice() is None or shutil.which("fc-list") is None,
    reason="LibreOffice is not installed (scripts/setup-system.sh --test)",
)
def test_libreoffice_lays_the_followup_report_out_on_plan_docx_pages(tmp_path):
    """Converted by LibreOffice (the faces only from the docx), every page of the sample
    report is A4 as plan.docx's, with the draft's mark at its head and 「- n -」 at its
    foot, and the pages between them read the report's text in its order: its headings,
    tables, notes and each chart's description (``docx_html``)."""
    from keikaku.followup import followup
    from keikaku.followup_docx import docx_html

    example = PROJECT / "examples" / "followup" / "content"
    followup(example, tmp_path / "out", report=lambda _: None, warn=lambda _: None)
    path = tmp_path / "followup.docx"
    path.write_bytes((tmp_path / "out" / "followup.docx").read_bytes())
    env = _no_plan_fonts_env(tmp_path)
    out = tmp_path / "opened"
    _soffice_run(
        ["--convert-to", "pdf", "--outdir", str(out), str(path)],
        env,
        tmp_path / "bare-home" / "profile",
    )
    plan = load_plan(example)
    mark = draft_mark(plan.meta.status, plan.labels)
    reader = pypdf.PdfReader(out / "followup.pdf")
    assert len(reader.pages) >= 3
    text = ""
    for n, page in enumerate(reader.pages, 1):
        assert [round(float(v)) for v in page.mediabox[2:]] == [595, 842]  # A4
        lines = (page.extract_text() or "").splitlines()
        assert squash(lines[0]) == mark, f"page {n}: {lines[0]!r}"
        assert re.fullmatch(rf"\s*-\s*{n}\s*-\s*", lines[-1]), f"page {n}: {lines[-1]!r}"
        text += "".join(lines[1:-1])
    body = _BodyText("・")
    body.feed(docx_html((tmp_path / "out" / "followup.html").read_text("utf-8")))
    want = squash("".join(body.parts))
    assert "基準値55％（令和５年度）" in want and "第１節" in want
    assert squash(text) == want


# ------------------------------------------------------------------ marked text

#: Text in every mark the content may write: in a paragraph, a table cell, a footnote and
#: a Markdown passage (its soft and hard breaks, lists, a table, a quote, code).
MARKED = {
    "footnotes.yaml": 'note-a: "脚注の**太字**と[外部](https://example.org/n)"\n',
    "chapter4.yaml": textwrap.dedent(MINIMAL["chapter4.yaml"]).replace(
        "- pending: 次回以降に議論",
        """\
- p: "**太字**と*斜体*と~~取消~~と`符号`と[内部](#measure-a)と[外部](https://example.org/a?b=1&c=2)と***両方***と**太字の*斜体*と脚注[^note-a]**。"
      - table:
          - [見出し一, 見出し二]
          - ["一行目*斜体*\\n二行目", セル]
      - markdown: |
          一行目**太字**
          続き。
          改行の前\\
          改行の後。

          - 箇条一
            - 入れ子

          > 引用の段落。

              符号の行

          | 甲 | 乙 |
          |--|--|
          | 一 | *二* |
""",
    ),
}


def _runs(p: ET.Element) -> list[tuple[str, tuple[str, ...]]]:
    """A paragraph's runs: text and the names of the run properties and style it has."""
    out = []
    for r in p.iter(W + "r"):
        props = r.find(W + "rPr")
        names: tuple[str, ...] = ()
        if props is not None:
            names = tuple(
                c.get(W + "val") if c.tag == W + "rStyle" else c.tag.removeprefix(W)
                for c in props
                if c.tag != W + "rFonts"
            )
        text = "".join(t.text or "" for t in r.iter(W + "t"))
        if r.find(W + "br") is not None:
            text = "\n"
        if r.find(W + "footnoteReference") is not None:
            text = "※"
        if text:
            out.append((text, tuple(n for n in names if n not in ("iCs", "bCs"))))
    return out


def test_marked_text_is_set_in_word_runs_from_the_tree(tmp_path):
    """Strong, emphasis, strikeout, code, links (to a heading's bookmark or outside) and
    line breaks reach Word as runs of their own, read from the tree's printed text."""
    content = write_content(tmp_path, MARKED)
    data = docx_bytes(load_plan(content), revision="r", date=DATE, content=content)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        body = ET.fromstring(z.read("word/document.xml"))
        notes = ET.fromstring(z.read("word/footnotes.xml"))
        rels = z.read("word/_rels/document.xml.rels").decode("utf-8")
    paragraphs = {_text(p): p for p in _paragraphs(body)}
    marked = paragraphs["太字と斜体と取消と符号と内部と外部と両方と太字の斜体と脚注。"]
    assert _runs(marked) == [
        ("太字", ("PlanStrong",)),
        ("と", ()),
        ("斜体", ("i",)),
        ("と", ()),
        ("取消", ("strike",)),
        ("と", ()),
        ("符号", ("VerbatimChar",)),
        ("と", ()),
        ("内部", ("Hyperlink",)),
        ("と", ()),
        ("外部", ("Hyperlink",)),
        ("と", ()),
        ("両方", ("PlanStrong", "i")),
        ("と", ()),
        ("太字の", ("PlanStrong",)),
        ("斜体", ("PlanStrong", "i")),
        ("と脚注", ("PlanStrong",)),
        ("※", ("FootnoteReference",)),
        ("。", ()),
    ]
    links = marked.findall(W + "hyperlink")
    assert links[0].get(W + "anchor", "").startswith("kk_")  # the heading's bookmark
    assert "https://example.org/a?b=1&amp;c=2" in rels
    # the footnote's own marks
    note = next(
        n
        for n in notes.iter(W + "footnote")
        if "脚注の" in "".join(notes.itertext()) and n.get(W + "type") is None
    )
    assert [r for r in _runs(note) if r[0].strip() and r[0] != "※"] == [
        ("脚注の", ()),
        ("太字", ("PlanStrong",)),
        ("と", ()),
        ("外部", ("Hyperlink",)),
    ]
    # a table cell's line end is a line break; Markdown's soft break a space, its hard
    # break a line break with no space after it (as the PDF sets the line)
    assert "一行目斜体\n二行目" in paragraphs
    assert "一行目太字 続き。 改行の前\n改行の後。" in paragraphs
    assert _runs(paragraphs["一行目太字 続き。 改行の前\n改行の後。"])[1] == (
        "太字",
        ("PlanStrong",),
    )
    texts = [_text(p) for p in _paragraphs(body)]
    i = texts.index("•箇条一")
    assert texts[i : i + 4] == ["•箇条一", "•入れ子", "引用の段落。", "符号の行"]
    assert texts[i + 4 : i + 8] == ["甲", "乙", "一", "二"]
    assert _runs(paragraphs["二"])[0] == ("二", ("i",))
