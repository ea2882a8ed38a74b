"""The 概要 (overview.pdf, overview.html): one A4 landscape page made with every build,
from the plan's own entities; an overflow is reported, never shrunk or clipped."""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pypdf
import pytest
from test_watch import fetch, pdf_text, preview  # noqa: F401 - the live preview's fixture

from conftest import MINIMAL, PROJECT, build, snapshot, squash, write_content
from keikaku.errors import BuildError

# A second 重点目標 with two packages: one whose ＫＰＩ are pending, one with two ＫＰＩ of
# which only the first is named main in overview.yaml.
GOAL_B = """\
    goal: 重点目標Ｂ
    id: goal-b
    body:
      - group: vision-b
        body:
          - package: 施策テーマＢ１
            id: pkg-b1
            parts:
              - part: measures
                body:
                  - list: [取組Ｂ１]
              - kpis:
                  pending: ＫＰＩは次回以降に議論
          - package: 施策テーマＢ２
            id: pkg-b2
            parts:
              - part: measures
                body:
                  - list: [取組Ｂ２]
              - kpis:
                  - id: kpi-b-main
                    indicator: 主な指標Ｂ
                    unit: 件
                    baseline: {value: 12, year: 令和６年度}
                    target: {value: 30, year: 令和12年度}
                  - id: kpi-b-other
                    indicator: ほかの指標Ｂ
                    baseline: {value: 1, year: 令和６年度}
                    target: {value: 2, year: 令和12年度}
    """


def two_goals(overrides: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """The minimal plan with a second 重点目標 (``GOAL_B``) and its 目指す社会の姿."""
    chapter2 = (
        textwrap.dedent(MINIMAL["chapter2.yaml"])
        .replace(
            "      - section: 重点目標の案",
            "          - vision: 姿Ｂ\n"
            "            id: vision-b\n"
            "            goal: goal-b\n"
            "      - section: 重点目標の案",
        )
        .replace(
            "          - goal_outline: goal-a\n",
            "          - goal_outline: goal-a\n          - goal_outline: goal-b\n",
        )
    )
    chapter3 = textwrap.dedent(MINIMAL["chapter3.yaml"]) + "  - include: goals/b.yaml\n"
    files: dict[str, str | None] = {
        "chapter2.yaml": chapter2,
        "chapter3.yaml": chapter3,
        "goals/b.yaml": GOAL_B,
        "overview.yaml": """\
            lead: テスト計画の要点を示す一文。
            goals:
              - goal: goal-b
                text: 重点目標Ｂに添える短い文。
            main_kpis: [kpi-b-main]
            """,
    }
    files.update(overrides or {})
    return files


def quiet(_line: str) -> None:
    pass


def overview_text(out: Path) -> str:
    reader = pypdf.PdfReader(out / "overview.pdf")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("overview")
    content = write_content(root, two_goals())
    out = root / "out"
    build(content, out, report=quiet, warn=quiet)
    return content, out


@pytest.mark.typeset
def test_the_overview_shows_every_goal_and_package_and_the_main_kpis(built):
    _content, out = built
    reader = pypdf.PdfReader(out / "overview.pdf")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = squash(overview_text(out))
    # the title with its status, the lead
    assert "素案テスト計画（概要）" in text
    assert "テスト計画の要点を示す一文。" in text
    # every goal with the number the 本文 gives it, every group and package numbered
    for printed in (
        "第１節重点目標Ａ",
        "第２節重点目標Ｂ",
        "重点目標Ｂに添える短い文。",
        "１≪姿Ａ≫",
        "１≪姿Ｂ≫",
        "（１）施策テーマＡ",
        "（１）施策テーマＢ１",
        "（２）施策テーマＢ２",
    ):
        assert printed in text, printed
    # the main ＫＰＩ with its values and years; the others not; pending as 「（今後設定）」
    assert "主なＫＰＩ主な指標Ｂ12件（令和６年度）→30件（令和12年度）" in text
    assert "ほかの指標Ｂ" not in text and "指標Ａ" not in text
    b1 = text[text.index("施策テーマＢ１") : text.index("施策テーマＢ２")]
    assert "主なＫＰＩ（今後設定）" in b1
    # the goals in the plan's order, each package under its goal
    assert text.index("重点目標Ａ") < text.index("施策テーマＡ") < text.index("重点目標Ｂ")
    # the HTML prints the same, and links the 概要's stylesheet
    html = (out / "overview.html").read_text("utf-8")
    assert re.search(r'<link rel="stylesheet" href="[^"]*styles/overview.css">', html)
    shown = re.sub(r"<[^>]+>", "", html)
    assert "施策テーマＢ２" in shown and "主な指標Ｂ" in shown


@pytest.mark.typeset
def test_the_overview_is_pdf_a_tagged_with_the_vendored_fonts_only(built):
    _content, out = built
    reader = pypdf.PdfReader(out / "overview.pdf")
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "ja"
    xmp = reader.xmp_metadata
    assert xmp is not None
    raw = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[>=\"]+3", raw) and re.search(r"pdfaid:conformance[>=\"]+A", raw)
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    assert fonts and all(f.startswith("BIZ") for f in fonts), fonts
    assert reader.metadata.title == "テスト計画（概要）【素案】"


@pytest.mark.typeset
def test_the_overview_is_published_with_the_plan_and_known_to_the_stamp(built, tmp_path):
    import shutil

    content, first = built
    out = tmp_path / "out"
    shutil.copytree(first, out)
    stamp = (out / ".build-stamp").read_text("utf-8")
    assert '"overview.pdf"' in stamp and '"overview.html"' in stamp
    # the same bytes from the same content: a rebuild writes the same 概要
    before = (out / "overview.pdf").read_bytes()
    written = build(content, out, force=True, report=quiet, warn=quiet)
    assert {p.name for p in written} >= {"plan.pdf", "overview.pdf", "overview.html"}
    assert (out / "overview.pdf").read_bytes() == before
    # nothing changed: nothing written; the 概要 removed: built again
    assert build(content, out, report=quiet, warn=quiet) == []
    (out / "overview.pdf").unlink()
    assert "overview.pdf" in {p.name for p in build(content, out, report=quiet, warn=quiet)}


@pytest.mark.typeset
def test_renaming_a_goal_changes_the_overview_and_the_shinkyu_lists_it(built, tmp_path):
    from keikaku.load import load_plan
    from keikaku.shinkyu import compare_plans

    content, _out = built
    renamed = write_content(
        tmp_path,
        two_goals({"goals/b.yaml": GOAL_B.replace("goal: 重点目標Ｂ", "goal: 重点目標Ｂの新名称")}),
    )
    out = tmp_path / "out"
    build(renamed, out, report=quiet, warn=quiet)
    text = squash(overview_text(out))
    assert "第２節重点目標Ｂの新名称" in text
    rows = {r.key: r for r in compare_plans(load_plan(content), load_plan(renamed), lists=True)}
    assert rows["goal-b"].status == "changed"
    overview = rows["overview"]
    assert overview.status == "changed"
    (block,) = [b for b in overview.new.blocks if b.label and "重点目標Ｂ" in b.label]
    assert block.label == "第２節　重点目標Ｂの新名称"


@pytest.mark.typeset
def test_the_overviews_own_texts_are_compared_without_lists(built, tmp_path):
    from keikaku.load import load_plan
    from keikaku.shinkyu import compare_plans

    content, _out = built
    changed = write_content(
        tmp_path,
        two_goals(
            {
                "overview.yaml": """\
                    lead: テスト計画の要点を改めた一文。
                    main_kpis: [kpi-b-main, kpi-b-other]
                    """
            }
        ),
    )
    rows = {r.key: r for r in compare_plans(load_plan(content), load_plan(changed))}
    assert set(rows) == {"overview"}
    labels = [b.label for b in rows["overview"].new.blocks if b.label]
    assert "リード文" in labels and "主なＫＰＩ" in labels


@pytest.mark.typeset
def test_without_overview_yaml_the_overview_is_made_from_the_plan_alone(built_once):
    out = built_once()  # the minimal plan has no overview.yaml
    text = squash(overview_text(out))
    assert "素案テスト計画（概要）" in text
    assert "第１節重点目標Ａ" in text and "（１）施策テーマＡ" in text
    assert "主なＫＰＩ" not in text  # its ＫＰＩ are set, and none is named main


def many_packages(count: int) -> str:
    """goals/b.yaml with ``count`` packages of long names and no ＫＰＩ: its column of the
    概要 is too tall for one page (20 lack about 25 mm at 9 pt, 40 lack a page)."""
    many = "\n".join(
        f"""\
          - package: 施策テーマＢ{n}の名称を長く書いて欄からはみ出させるための文字列その{n}
            id: pkg-many-{n}
            parts:
              - part: measures
                body:
                  - list: [取組]
              - kpis:
                  pending: 次回以降に議論"""
        for n in range(count)
    )
    goal_b = textwrap.dedent(GOAL_B).split("  - group: vision-b")[0]
    return (
        goal_b + "  - group: vision-b\n    body:\n" + textwrap.indent(textwrap.dedent(many), "    ")
    )


def overview_of(content: Path, out: Path) -> dict[str, bytes]:
    """The 概要's products as the build makes them beside the plan's layout (its own unit,
    without laying the plan out): a column that does not fit raises ``BuildError``."""
    from keikaku.dates import document_date
    from keikaku.overview_layout import overview_products
    from keikaku.pipeline import load

    return overview_products(load(content), out, document_date(content), draft=True, warn=quiet)


@pytest.mark.typeset
def test_an_overflow_is_reported_with_its_column_and_nothing_is_published(tmp_path, monkeypatch):
    import keikaku.pipeline

    goal_b = many_packages(20)
    overview = "lead: テスト計画の要点を示す一文。\n"
    content = write_content(
        tmp_path, two_goals({"goals/b.yaml": goal_b, "overview.yaml": overview})
    )
    out = tmp_path / "out"
    (out).mkdir()
    (out / "plan.pdf").write_bytes(b"previous")
    before = snapshot(out)
    # The build, but for the plan's own layout (twenty packages, the most of its time):
    # the 概要's overflow is what stops it, in the child beside the layout.
    monkeypatch.setattr(keikaku.pipeline, "_layout", lambda *_a, **_k: (b"%PDF-", {}))
    with pytest.raises(BuildError) as caught:
        build(content, out, report=quiet, warn=quiet)
    (problem,) = caught.value.problems
    message = str(problem)
    assert problem.pos.path.endswith("overview.yaml") and problem.pos.line == 1
    assert "2列目（第２節　重点目標Ｂ、" in message and "1列目" not in message
    assert re.search(r"重点目標Ｂ、[^）]*goals/b\.yaml:\d+:\d+）", message), (
        "where the goal is written"
    )
    excess = float(re.search(r"が ([0-9.]+) mm", message).group(1))
    assert excess > 10
    assert "font_size: 8.5" in message and "7 pt まで" in message and "pages: 2" in message
    assert snapshot(out) == before  # nothing published

    # The editor's choice, set explicitly: two pages, a column per page.
    overview += "pages: 2\nfont_size: 7\n"
    write_content(tmp_path, two_goals({"goals/b.yaml": goal_b, "overview.yaml": overview}))
    reader = pypdf.PdfReader(io.BytesIO(overview_of(content, out)["overview.pdf"]))
    assert len(reader.pages) == 2
    assert "重点目標Ｂ" in reader.pages[1].extract_text()


@pytest.mark.typeset
def test_a_column_too_long_for_a_page_of_its_own_is_reported_of_its_page(tmp_path, monkeypatch):
    """Two pages at the least font size, and still a column too tall: said so, of page 2,
    and ``pages: 2`` is not offered again; nothing is published."""
    import keikaku.pipeline

    overview = "lead: テスト計画の要点を示す一文。\npages: 2\nfont_size: 7\n"
    content = write_content(
        tmp_path, two_goals({"goals/b.yaml": many_packages(40), "overview.yaml": overview})
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.pdf").write_bytes(b"previous")
    before = snapshot(out)
    monkeypatch.setattr(keikaku.pipeline, "_layout", lambda *_a, **_k: (b"%PDF-", {}))
    with pytest.raises(BuildError) as caught:
        build(content, out, report=quiet, warn=quiet)
    message = str(caught.value)
    assert "2ページ目の2列目（第２節　重点目標Ｂ、" in message and "1列目" not in message
    assert "pages: 2" not in message.split("mm")[-1]
    assert "文字はこれ以上小さくできません（7 pt）" in message
    assert snapshot(out) == before


@pytest.mark.typeset
def test_two_pages_split_the_goals_between_them(tmp_path):
    overview = textwrap.dedent(two_goals()["overview.yaml"]) + "pages: 2\n"
    content = write_content(tmp_path, two_goals({"overview.yaml": overview}))
    out = tmp_path / "out"
    build(content, out, report=quiet, warn=quiet)
    reader = pypdf.PdfReader(out / "overview.pdf")
    assert len(reader.pages) == 2
    first, second = (squash(p.extract_text()) for p in reader.pages)
    assert "重点目標Ａ" in first and "重点目標Ｂ" not in first
    assert "重点目標Ｂ" in second and "（続き）" in second


@pytest.mark.parametrize(
    ("overview", "where", "said"),
    [
        ("font_size: 6.5\n", (1, 12), "7 pt 以上"),
        ("pages: 3\n", (1, 8), "1 か 2"),
        ("main_kpis: [kpi-b-mian]\n", (1, 13), "「kpi-b-main」の誤りではありませんか"),
        ("goals:\n  - goal: goal-c\n    text: 文\n", (2, 11), "goal-c"),
        ("lead:\n  - 一覧\n", (2, 3), "文字列で書いてください"),
        ("- lead\n", (1, 1), "項目名: 値"),
        ("lead: ꙮの一文\n", (1, 7), "フォント"),
        ("leed: 一文\n", (1, 1), "「lead」の誤りではありませんか"),
        (
            "goals:\n  - goal: goal-b\n    text: 一\n  - goal: goal-b\n    text: 二\n",
            (4, 5),
            "にも書かれています",
        ),
    ],
)
def test_overview_yaml_is_checked_at_its_lines(tmp_path, overview, where, said):
    from keikaku.load import load_plan

    content = write_content(tmp_path, two_goals({"overview.yaml": overview}))
    with pytest.raises(BuildError) as caught:
        load_plan(content)
    problems = [p for p in caught.value.problems if p.pos.path.endswith("overview.yaml")]
    assert problems, caught.value.problems
    assert (problems[0].pos.line, problems[0].pos.col) == where, problems[0]
    assert said in problems[0].message


GUIDE = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
EXAMPLES = re.findall(r"```yaml overview\n(.*?)```", GUIDE, re.S)


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_guides_overview_examples_load(tmp_path, example):
    from keikaku.load import load_plan

    example = example.replace("goal-green", "goal-b").replace("kpi-green-main", "kpi-b-main")
    plan = load_plan(write_content(tmp_path, two_goals({"overview.yaml": example})))
    assert plan.overview is not None


def test_the_guide_has_an_overview_example():
    assert EXAMPLES


def test_the_live_preview_serves_the_overview_the_build_made(preview):  # noqa: F811
    from urllib.parse import urljoin

    url, _content, _out, _opened = preview
    assert "テスト計画（概要）" in squash(pdf_text(fetch(url + "/overview.pdf", timeout=120)))
    html = fetch(url + "/overview.html").decode("utf-8")
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
    assert b".ov-columns" in fetch(urljoin(url + "/overview.html", href))


@pytest.mark.typeset
def test_a_final_build_with_draft_only_parts_makes_its_overview(tmp_path):
    from conftest import CLEAN, run_command

    # A part hidden from the final edition: the 概要 is made from what the edition prints.
    chapter1 = textwrap.dedent(MINIMAL["chapter1.yaml"]).replace(
        "id: ch1\n", "id: ch1\ndraft_only: true\n", 1
    )
    content = write_content(tmp_path, {**CLEAN, "chapter1.yaml": chapter1})
    out = tmp_path / "out"
    build(content, out, final=True, report=quiet, warn=quiet)
    assert "第１節重点目標Ａ" in squash(overview_text(out))
    # The 本文 of the 重点目標 hidden: refused with its place, never a traceback.
    chapter3 = textwrap.dedent(MINIMAL["chapter3.yaml"]).replace(
        "id: ch3\n", "id: ch3\ndraft_only: true\n", 1
    )
    content = write_content(tmp_path, {**CLEAN, "chapter3.yaml": chapter3})
    outcome = run_command(["--final", "--content", str(content), "--out", str(out)])
    assert outcome.code == 1 and "Traceback" not in outcome.err
    assert "goals/a.yaml:1:1" in outcome.err and "draft_only" in outcome.err


def test_a_word_with_a_kana_inside_is_kept_whole_as_in_the_headings():
    """「担い手」 and 「我が国」 (typeset.WORDS, kept whole in the plan's headings) are one run
    in the 概要 too: the real plan's package title 「建設業・運輸業等の担い手の確保・育成、DX
    による省人化」 could break as 「担い／手」."""
    from keikaku.overview_layout import phrases

    def kept(text: str) -> list[str]:
        return re.findall(r'<span class="nobr">(.*?)</span>', str(phrases(text)))

    assert "担い手の" in kept("建設業・運輸業等の担い手の確保・育成、DXによる省人化")
    assert kept("我が国の国際競争力") == ["我が国の", "国際競争力"]


def test_titles_break_between_words_never_inside_one():
    """A kanji run keeps its okurigana and particle (「支える」, not 「支え／る」): the
    real plan's fourth 重点目標 broke so in the 概要's column head."""
    from keikaku.overview_layout import phrases

    kept = re.findall(
        r'<span class="nobr">(.*?)</span>',
        str(phrases("戦略的・計画的な社会資本整備を支える基盤の強化")),
    )
    assert kept == ["戦略的", "計画的な", "社会資本整備を", "支える", "基盤の", "強化"]
    assert re.findall(r'<span class="nobr">(.*?)</span>', str(phrases("力強い経済社会"))) == [
        "力強い",
        "経済社会",
    ]
