"""The editors own the document's structure: each change of shape the plan goes through
from 素案 to 閣議決定 is an edit to content files only, and builds with the right
numbering, 目次 entry and bookmark. Each test edits the minimal plan in ``tmp_path``."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from conftest import MINIMAL, PNG_SMALL, build, squash, write_content

#: Every test here reads what the minimal plan prints, laid out: in the whole suite only.
pytestmark = pytest.mark.typeset


def src(name: str) -> str:
    return textwrap.dedent(MINIMAL[name])


@dataclass
class Built:
    text: str
    """The whole PDF's text, white space removed."""
    toc: str
    """The 目次 page's entries, white space, leaders and page numbers removed."""
    bookmarks: list[tuple[int, str]]
    """(level, title) of every bookmark, in order."""
    reader: pypdf.PdfReader


def outline(reader: pypdf.PdfReader, items=None, level=1) -> list[tuple[int, str]]:
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out.extend(outline(reader, item, level + 1))
        else:
            out.append((level, item.title))
    return out


def build_with(tmp_path: Path, files: dict[str, str | bytes | None]) -> Built:
    content = write_content(tmp_path, files)
    out = tmp_path / "out"
    warnings: list[str] = []
    build(content, out, report=lambda _: None, warn=warnings.append)
    assert not [w for w in warnings if "layout engine" in w or "参照されていない" in w], warnings
    reader = pypdf.PdfReader(out / "plan.pdf")
    pages = [squash(p.extract_text() or "") for p in reader.pages]
    toc_page = next(p for p in pages if p.startswith("目次"))
    # The 目次 without its leaders and page numbers: entry after entry.
    return Built("".join(pages), re.sub(r"．+[0-9]+", "", toc_page), outline(reader), reader)


def body_after(text: str, marker: str) -> str:
    """The text after the 目次 (which repeats every heading)."""
    return text.split(marker, 2)[-1]


def test_a_new_section_with_prose(tmp_path):
    ch1 = src("chapter1.yaml") + textwrap.indent(
        textwrap.dedent("""\
        - section: 新しい節
          id: ch1-new
          body:
            - p: 新しい節の本文です。
            - markdown: |
                二つ目の段落は **Markdown** で書く。
        """),
        "  ",
    )
    built = build_with(tmp_path, {"chapter1.yaml": ch1})
    assert "第３節新しい節" in built.toc
    assert (2, "第３節　新しい節") in built.bookmarks
    assert "第３節新しい節新しい節の本文です。二つ目の段落はMarkdownで書く。" in built.text


def test_bullets_turned_into_one_paragraph(tmp_path):
    ch1 = src("chapter1.yaml").replace(
        "- list: [変化Ａの内容]", "- p: 変化Ａの内容を一つの段落で述べる。"
    )
    built = build_with(tmp_path, {"chapter1.yaml": ch1})
    assert "１変化Ａ変化Ａの内容を一つの段落で述べる。" in built.text
    assert "・変化Ａの内容" not in built.text


def test_sub_items_under_a_chapter_4_measure(tmp_path):
    ch4 = (
        src("chapter4.yaml")
        .replace("child_numbering: item", "child_numbering: item\ntoc_depth: 2")
        .replace(
            "      - pending: 次回以降に議論",
            textwrap.indent(
                textwrap.dedent("""\
            - section: 一つ目の小項目
              id: measure-a-1
              body: [{p: 一つ目の本文。}]
            - section: 二つ目の小項目
              id: measure-a-2
              body: [{p: 二つ目の本文。}]"""),
                "      ",
            ),
        )
    )
    built = build_with(tmp_path, {"chapter4.yaml": ch4})
    assert (
        "１方策Ａ" in built.toc
        and "（１）一つ目の小項目" in built.toc
        and "（２）二つ目の小項目" in built.toc
    )
    assert [b for b in built.bookmarks if "小項目" in b[1]] == [
        (3, "（１）　一つ目の小項目"),
        (3, "（２）　二つ目の小項目"),
    ]
    assert "（２）二つ目の小項目二つ目の本文。" in built.text


def test_a_fifth_priority_goal(tmp_path):
    goal_b = (
        src("goals/a.yaml")
        .replace("goal: 重点目標Ａ", "goal: 重点目標Ｂ")
        .replace("id: goal-a", "id: goal-b")
        .replace("group: vision-a", "group: vision-b")
        .replace("pkg-a", "pkg-b")
        .replace("kpi-a", "kpi-b")
        .replace("施策テーマＡ", "施策テーマＢ")
    )
    ch2 = (
        src("chapter2.yaml")
        .replace(
            """      - section: 重点目標の案""",
            """          - vision: 姿Ｂ
            id: vision-b
            goal: goal-b
      - section: 重点目標の案""",
        )
        .replace(
            "          - goal_outline: goal-a",
            "          - goal_outline: goal-a\n          - goal_outline: goal-b",
        )
    )
    ch3 = src("chapter3.yaml") + "  - include: goals/b.yaml\n"
    built = build_with(
        tmp_path, {"goals/b.yaml": goal_b, "chapter2.yaml": ch2, "chapter3.yaml": ch3}
    )
    assert (
        "第２節重点目標Ｂ" in built.toc
        and "１姿Ｂ" in built.toc
        and "（１）施策テーマＢ" in built.toc
    )
    assert (2, "第２節　重点目標Ｂ") in built.bookmarks and (
        4,
        "（１）　施策テーマＢ",
    ) in built.bookmarks
    assert "（２）重点目標Ｂ○姿Ｂ" in built.text  # 第２章's 重点目標の案 lists it with its 姿
    back = built.text.split("参考１政策パッケージ一覧", 2)[-1]
    assert "第２節重点目標Ｂ" in back and "施策テーマＢ" in back


def test_current_situation_in_a_package(tmp_path):
    goal = src("goals/a.yaml").replace(
        "          - part: directions",
        textwrap.indent(
            textwrap.dedent("""\
        - part: situation
          body:
            - p: 現状と課題を述べる段落。"""),
            "          ",
        )
        + "\n          - part: directions",
    )
    built = build_with(tmp_path, {"goals/a.yaml": goal})
    assert (
        "（１）施策テーマＡ【現状と課題】現状と課題を述べる段落。【今後の社会資本整備の方向性】"
        in built.text
    )


def test_a_renamed_label(tmp_path):
    plan = src("plan.yaml").replace("parts:", "labels:\n  measures: 重点施策\nparts:")
    built = build_with(tmp_path, {"plan.yaml": plan})
    assert "【重点施策】・取組Ａ" in built.text
    assert "当面の取組" not in built.text


def test_a_table(tmp_path):
    ch4 = src("chapter4.yaml") + textwrap.indent(
        textwrap.dedent("""\
          - table:
              - [区分, 件数]
              - ["道路\\n（国道）", 12]
              - [河川, ""]
            caption: 対象施設の内訳
            source: 国土交通省調べ
            widths: [70%, 30%]
        """),
        "  ",
    )
    built = build_with(tmp_path, {"chapter4.yaml": ch4})
    assert "表１対象施設の内訳区分件数道路（国道）12河川出典：国土交通省調べ" in built.text
    tags = _structure_tags(built.reader)
    assert {"Table", "TH", "TD", "Caption"} <= tags
    # PDF/UA: every header cell says what it heads; those of a table's head its column.
    scopes = _header_scopes(built.reader)
    assert scopes and set(scopes) == {("THead", "/Column")}, scopes


def _header_scopes(reader: pypdf.PdfReader) -> list[tuple[str, str | None]]:
    """(the row group a TH stands in, its /Scope) for every TH of the structure tree."""
    found: list[tuple[str, str | None]] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/TH":
                group = node["/P"].get_object()["/P"].get_object()
                attributes = node.get("/A")
                scope = attributes.get_object().get("/Scope") if attributes else None
                found.append((str(group.get("/S")).lstrip("/"), scope and str(scope)))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def test_an_image_figure(tmp_path):
    ch4 = src("chapter4.yaml") + textwrap.indent(
        textwrap.dedent("""\
          - figure: figures/map.png
            caption: 対象地域の地図
            alt: 対象地域を示した白地図
            source: 国土地理院の地図を加工
            width: 40%
        """),
        "  ",
    )
    built = build_with(tmp_path, {"chapter4.yaml": ch4, "figures/map.png": PNG_SMALL})
    # 図１ and 図２ are the diagrams of 第２章.
    assert "図３対象地域の地図出典：国土地理院の地図を加工" in built.text
    assert "対象地域を示した白地図" in _alt_texts(built.reader)


def test_a_new_annex(tmp_path):
    plan = src("plan.yaml").replace(
        "  - include: deliberations.yaml",
        textwrap.indent(
            textwrap.dedent("""\
        - section: 用語集
          id: glossary
          numbering: annex
          body:
            - list: [ＰＰＰ：官民連携]
              marker: none"""),
            "  ",
        )
        + "\n  - include: deliberations.yaml",
    )
    built = build_with(tmp_path, {"plan.yaml": plan})
    assert (
        "参考３用語集" in built.toc
        and "参考４審議の経過" in built.toc
        and "参考５未定事項一覧" in built.toc
    )
    assert (1, "参考３　用語集") in built.bookmarks
    assert "参考３用語集ＰＰＰ：官民連携" in built.text


def test_a_deleted_block(tmp_path):
    ch2 = re.sub(r"\n\s+- p: 柱Ａの例\n\s+label: 例：", "", src("chapter2.yaml"))
    assert "柱Ａの例" not in ch2
    built = build_with(tmp_path, {"chapter2.yaml": ch2})
    assert "柱Ａの例" not in built.text and "柱Ａの内容" in built.text


def test_a_new_chapter(tmp_path):
    plan = src("plan.yaml").replace(
        "  - include: chapter4.yaml", "  - include: chapter4.yaml\n  - include: chapter5.yaml"
    )
    ch5 = "section: おわりに\nid: ch5\nbody:\n  - p: 結びの言葉。\n"
    built = build_with(tmp_path, {"plan.yaml": plan, "chapter5.yaml": ch5})
    assert "第５章おわりに" in built.toc and "参考１政策パッケージ一覧" in built.toc
    assert (1, "第５章　おわりに") in built.bookmarks
    assert "第５章おわりに結びの言葉。" in built.text


def test_a_package_moved_to_another_goal(tmp_path):
    goal_b = textwrap.dedent("""\
        goal: 重点目標Ｂ
        id: goal-b
        body:
          - group: vision-b
            body:
              - package: 施策テーマＢ
                id: pkg-b
                parts:
                  - part: directions
                    body: [{list: [方向性Ｂ], marker: ■}]
                  - kpis: {pending: 未定}
        """)
    ch2 = src("chapter2.yaml").replace(
        """      - section: 重点目標の案""",
        """          - vision: 姿Ｂ
            id: vision-b
            goal: goal-b
      - section: 重点目標の案""",
    )
    ch3 = src("chapter3.yaml") + "  - include: goals/b.yaml\n"
    # pkg-a leaves 重点目標Ａ (whose group keeps a note) and comes after 施策テーマＢ.
    goal_a = re.sub(
        r"      - package: 施策テーマＡ(\n        .*)+",
        "      - note: 政策パッケージは重点目標Ｂへ移した。",
        src("goals/a.yaml"),
    )
    package_a = re.search(
        r"      - package: 施策テーマＡ(\n        .*)+", src("goals/a.yaml")
    ).group(0)
    goal_b += package_a + "\n"
    built = build_with(
        tmp_path,
        {
            "goals/a.yaml": goal_a,
            "goals/b.yaml": goal_b,
            "chapter2.yaml": ch2,
            "chapter3.yaml": ch3,
        },
    )
    assert (4, "（２）　施策テーマＡ") in built.bookmarks
    assert built.bookmarks.index((4, "（２）　施策テーマＡ")) > built.bookmarks.index(
        (2, "第２節　重点目標Ｂ")
    )
    assert "第２節重点目標Ｂ１姿Ｂ（１）施策テーマＢ（２）施策テーマＡ" in built.toc


def _structure_tags(reader: pypdf.PdfReader) -> set[str]:
    tags: set[str] = set()

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/S" in node:
                tags.add(str(node["/S"]).lstrip("/"))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return tags


def _alt_texts(reader: pypdf.PdfReader) -> list[str]:
    alts: list[str] = []

    def walk(node) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                alts.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                walk(kids)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return alts


@pytest.mark.parametrize("numbering", ["none", "kana"])
def test_a_section_numbered_its_own_way(tmp_path, numbering):
    ch1 = src("chapter1.yaml").replace(
        "    id: ch1-current-goals", f"    id: ch1-current-goals\n    numbering: {numbering}"
    )
    built = build_with(tmp_path, {"chapter1.yaml": ch1})
    expected = "現行計画の重点目標" if numbering == "none" else "ア現行計画の重点目標"
    assert any(t.replace("　", "") == expected for _, t in built.bookmarks), built.bookmarks


def test_every_link_is_described_by_the_heading_it_leads_to(tmp_path):
    """PDF/UA 7.18.5: a link annotation's /Contents is read out by screen readers; it is
    the target heading's number and title as printed, never the target's id."""
    built = build_with(tmp_path, {})
    described = [
        str(annot.get_object().get("/Contents"))
        for page in built.reader.pages
        for annot in page.get("/Annots") or []
        if annot.get_object().get("/Subtype") == "/Link"
    ]
    assert described  # the 目次's entries and the 政策パッケージ一覧's titles are links
    assert any(d.startswith("第１章\u3000") for d in described)
    assert all(
        re.match(r"(第[１-９]+[章節]|参考[１-９]|[１-９]|（[１-９]+）)\u3000\S", d)
        for d in described
    ), sorted(set(described))
