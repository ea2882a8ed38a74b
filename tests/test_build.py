"""End to end: the real plan built once, inspected through pypdf."""

from __future__ import annotations

import json
import re
import shutil
import zipfile

import pypdf
import pytest
from pypdf.generic import NameObject

from conftest import PROJECT, squash
from keikaku.cli import main
from keikaku.load import load_plan
from keikaku.model import walk
from keikaku.outline import zen

A4 = (595.28, 841.89)


def test_every_page_is_a4_portrait(built_plan):
    for page in built_plan.reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) < 0.5 and abs(height - A4[1]) < 0.5


def test_build_reports_no_layout_warnings(built_plan):
    assert not [line for line in built_plan.report if "layout engine" in line], built_plan.report


def test_every_chapter_heading_is_in_the_text(built_plan):
    text = squash(built_plan.text)
    for heading in [
        "第１章社会資本整備をとりまく状況の変化",
        "第２章中長期を見据えた社会資本整備の方向性",
        "第３章計画期間内における「重点目標」と「政策パッケージ」（重点施策）",
        "第４章計画の実効性を確保する方策",
    ]:
        assert heading in text


def test_each_chapter_starts_a_page(built_plan):
    starts = {
        n: i
        for i, page in enumerate(built_plan.pages)
        for n in "１２３４"
        if squash(page).startswith(f"第{n}章")
    }
    assert sorted(starts) == list("１２３４")
    assert starts["１"] < starts["２"] < starts["３"] < starts["４"]


@pytest.mark.parametrize(
    "sample",
    [
        # 第1章: a ● change and one of its ・ points; a current 重点目標
        "AIに代表される新技術の急速な進歩やデジタル技術の普及",
        "コロナ禍を契機とした生活の質への関心の高まりに対応し",
        "インフラ分野の脱炭素化・インフラ空間の多面的な利活用による生活の質の向上",
        # 第2章: 課題認識, 目指す社会の姿, a pillar's 例, スパイラルアップ
        "新技術の急速な進歩とデジタル技術の普及への対応",
        "包摂社会に向けた地域づくりと豊かで快適な生活環境",
        "例：Ｐａｒｋ－ＰＦＩ、みなと緑地ＰＰＰ",
        "官民連携の推進体制や自治体を継続的に伴走支援する体制を構築する。",
        # 第3章: a ■ direction, a ・ measure, a footnote
        "■経済安全保障を巡る情勢の変化も踏まえ、官民一体となって、インフラのセキュリティ強化等を図るべきではないか。",
        "・TEC-FORCE等の機能強化",
        "2030年までに陸と海の30％以上を健全な生態系として保全しようとする目標をいう。",
        # 第4章 and 参考
        "社会資本整備に関するデータ収集・整備統合・オープンデータ化",
        "第50回計画部会（令和５年12月14日）",
    ],
)
def test_samples_from_each_chapter(built_plan, sample):
    assert squash(sample) in squash(built_plan.text)


def test_pending_items_are_shown_as_pending(built_plan):
    text = squash(built_plan.text)
    body, _, back_matter = text.rpartition("参考１政策パッケージ一覧")
    plan = load_plan(PROJECT / "content")
    kpis_pending = "（今後設定）重点施策・ＫＰＩについては、次回以降の計画部会で議論予定"
    # Once under each 政策パッケージ in 第３章, once more in the ＫＰＩ一覧.
    assert body.count(kpis_pending) == len(plan.packages())
    assert back_matter.count(kpis_pending) == len(plan.packages())
    measures = [b for b in plan.index.sections["ch4"].body if b.KIND == "section"]
    assert text.count("（今後記述）") == 1 + len(measures)
    assert "（日付は今後記載）" in text


def test_fonts_are_embedded_subsets_of_the_vendored_faces(built_plan):
    fonts = set()
    for page in built_plan.reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(NameObject(k) in descriptor for k in ("/FontFile2", "/FontFile3")), font
            fonts.add(str(font["/BaseFont"]))
    assert fonts, "no fonts found"
    faces = set()
    for name in fonts:
        tag, _, face = name.lstrip("/").partition("+")
        assert len(tag) == 6 and tag.isupper(), name  # a subset
        faces.add(face)
    # The three vendored faces, each under its own name: no fallback, no alias.
    assert faces == {"BIZ-UDMincho", "BIZ-UDGothic", "BIZ-UDGothic-Bold"}


def test_metadata_comes_from_content(built_plan):
    meta = built_plan.reader.metadata
    assert meta.title == "次期社会資本整備重点計画（素案）"
    assert meta.author == "計画部会"
    assert "素案" in meta.subject


def test_outline_lists_the_chapters_and_the_back_matter(built_plan):
    top = [item for item in built_plan.reader.outline if not isinstance(item, list)]
    assert [item.title.split("　")[0] for item in top] == [
        "第１章",
        "第２章",
        "第３章",
        "第４章",
        "参考１",
        "参考２",
        "参考３",
        "参考４",
    ]


def test_html_is_written_beside_the_pdf(built_plan):
    html = built_plan.html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'lang="ja"' in html
    assert "多様な暮らし方を支える人中心のコンパクトな多世代交流まちづくり" in html


def test_failed_build_leaves_the_previous_pdf_untouched(built_plan, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(built_plan.pdf_path, out / "plan.pdf")
    before = (out / "plan.pdf").read_bytes()
    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    (content / "plan.yaml").write_text("title: [\n", encoding="utf-8")
    assert main(["--no-docx", "--content", str(content), "--out", str(out)]) == 1
    assert (out / "plan.pdf").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["plan.pdf"]
    err = capsys.readouterr().err
    assert "plan.yaml:" in err and "Traceback" not in err


@pytest.mark.typeset
def test_minimal_plan_builds(content_dir, tmp_path):
    out = tmp_path / "out"
    assert main(["--no-docx", "--content", str(content_dir()), "--out", str(out)]) == 0
    reader = pypdf.PdfReader(out / "plan.pdf")
    text = squash("".join(p.extract_text() for p in reader.pages))
    assert "施策テーマＡ" in text and "脚注の本文" in text and "（今後設定）" in text


def test_no_relation_the_draft_does_not_state(built_plan):
    # The draft's text links each 目指す社会の姿 to its 重点目標 only; which 課題 a 姿 answers
    # was drawn as arrows on a slide and is not content. Neither appears in the plan.
    plan = load_plan(PROJECT / "content")
    assert "対応する課題" not in squash(built_plan.text)
    diagrams = [b for b in walk(plan.parts) if b.KIND == "diagram" and b.name == "society"]
    assert diagrams and not any(d.links for d in diagrams)
    html = built_plan.html_path.read_text("utf-8")
    figure = html[html.index('class="figure diagram-society"') :]
    figure = figure[: figure.index("</figure>")]
    assert figure.count('class="link" d="M') == len(plan.index.visions)  # 姿 → 重点目標 only


def test_the_word_edition_is_written_beside_the_pdf(built_plan):
    import zipfile

    docx = built_plan.pdf_path.parent / "plan.docx"
    with zipfile.ZipFile(docx) as package:
        document = package.read("word/document.xml").decode("utf-8")
    assert "社会資本整備をとりまく状況の変化" in document and 'w:val="Heading1"' in document


def test_printed_editions_show_no_build_information(built_plan):
    """Where a 未定事項 is written is for the editors (``check``) and the data (plan.json);
    the PDF, the HTML edition and the Word edition never print a content path."""
    docx = zipfile.ZipFile(built_plan.pdf_path.with_name("plan.docx")).read("word/document.xml")
    for name, text in [
        ("plan.pdf", built_plan.text),
        ("plan.html", built_plan.html_path.read_text(encoding="utf-8")),
        ("plan.docx", docx.decode("utf-8")),
    ]:
        assert not re.search(r"content/|\.ya?ml\b|\.md:\d", text), name
    data = json.loads(built_plan.pdf_path.with_name("plan.json").read_text(encoding="utf-8"))
    assert all(re.fullmatch(r"content/\S+\.yaml:\d+:\d+", p["source"]) for p in data["pending"])


def test_pending_list_prints_each_reason_once(built_plan):
    plan = load_plan(PROJECT / "content")
    reasons = [item.pending.raw for _, item in plan.pending]
    annex = squash(built_plan.text).rpartition("参考４未定事項一覧")[2]
    assert annex.startswith(
        squash(
            f"今後の議論により定めることとしている事項は、次のとおりである（計{zen(len(reasons))}件）。"
        )
    )
    for reason in set(reasons):
        assert annex.count(squash(reason)) == 1, reason
    kpis = "重点施策・ＫＰＩについては、次回以降の計画部会で議論予定"
    assert f"{kpis}（{zen(reasons.count(kpis))}件）" in annex


def test_a_continued_list_table_repeats_its_goal_row(built_plan):
    """A table of 参考１ or 参考２ continued on the next page repeats its head, the 重点目標's
    row included: every head the pages print is followed by a 第N節 row."""
    heads = [
        "重点目標・目指す社会の姿・政策パッケージＫＰＩ頁",
        "政策パッケージ指標基準値目標値備考",
    ]
    seen = 0
    for text in built_plan.pages:
        flat = squash(text)
        for head in heads:
            at = flat.find(head)
            while at >= 0:
                seen += 1
                after = flat[at + len(head) :]
                assert re.match(r"第[１-９]節", after), after[:30]
                at = flat.find(head, at + 1)
    assert seen >= 9  # four tables in each list, and a continued one
