"""A regional edition's content of its own (keikaku/editions.py, model.Projects): its
ＫＰＩ of national 政策パッケージ (``regional_kpis:``), the typed 主要事業 block
(``projects:``) and the cover's long title. Each test writes a small content set in
tmp_path and reads the built PDF back with pypdf."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pypdf
import pytest

from conftest import (
    PROJECT,
    at,
    build,
    content_with,
    problems,
    run_command,
    squash,
    write_content,
)
from keikaku.editions import check_editions, load_edition
from keikaku.load import load_plan
from keikaku.model import Projects, walk
from keikaku.shinkyu import compare_plans

EDITION = """\
title: 東ブロックにおける計画（見本）
status: 見本
labels:
  draft_mark: 見本
  regional_kpis: 東ブロックのＫＰＩ
parts:
  - generated: cover
  - section: 東ブロックの重点目標
    id: east-goals
    body:
      - national: goal-a
  - section: 東ブロックの主要事業
    id: east-projects
    body:
      - projects:
          - id: east-pj-road
            name: 東環状道路の整備
            completion: 令和12年度
            cost: 0.1
            notes: 一部区間は先に開通
          - id: east-pj-levee
            name: 東川の堤防の強化
            completion: 令和10年度
            cost: 0.2
          - id: east-pj-port
            name: 東港の岸壁の整備
            cost: 1250
        caption: 東ブロックの主要事業
  - section: ＫＰＩ一覧
    id: east-kpi-list
    numbering: annex
    body:
      - generated: kpi-list
regional_kpis:
  - package: pkg-a
    kpis:
      - id: east-kpi-bridge
        indicator: 東ブロックの橋の修繕率
        unit: ％
        baseline: {value: 40, year: 令和５年度}
        target: {value: 75, year: 令和12年度}
"""

OTHER = """\
title: 西ブロックにおける計画（見本）
parts:
  - generated: cover
  - section: 西ブロックの重点目標
    id: west-goals
    body:
      - national: goal-a
regional_kpis:
  - package: pkg-a
    kpis:
      - id: west-kpi-bridge
        indicator: 西ブロックの橋の修繕率
        baseline: {value: 1, year: 令和５年度}
        target: {value: 2, year: 令和12年度}
"""


pytestmark = pytest.mark.usefixtures("in_tmp")


def pdf_pages(path: Path) -> list[str]:
    return [p.extract_text() or "" for p in pypdf.PdfReader(path).pages]


def built(tmp_path: Path, content: Path, name: str = "east", **kwargs) -> list[str]:
    out = tmp_path / f"out-{name}"
    build(content, out, edition=name, report=lambda _: None, warn=lambda _: None, **kwargs)
    return pdf_pages(out / "plan.pdf")


# ------------------------------------------------------------------ 主要事業


def test_the_projects_total_is_computed_and_printed(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    block = next(b for b in walk(load_edition(content, "east").parts) if isinstance(b, Projects))
    # The sum in decimal, as the editor adds it up: 0.1 + 0.2 + 1250 is 1250.3 exactly.
    assert block.count == 3 and block.total_cost == 1250.3
    text = squash("\n".join(built(tmp_path, content)))
    assert "表１東ブロックの主要事業" in text
    assert "計（３件）1,250.3" in text
    # Each row as typed: the 事業費 grouped by thousands, the years as written.
    assert "東港の岸壁の整備1,250" in text and "令和12年度0.1" in text


@pytest.mark.typeset
def test_a_column_no_project_fills_is_not_printed(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    pages = built(tmp_path, content)
    page = next(p for p in pages if "主要事業" in p and "事業名" in p)
    header = squash(page[page.index("事業名") :].split("\n")[0])
    # No project gives a 箇所: the column is left out; the others are printed.
    assert header == "事業名完成予定時期事業費（億円）備考", header
    # Without a single 事業費 the 計 counts the rows and sums nothing.
    no_cost = re.sub(r"\n +cost: [0-9.]+", "", EDITION)
    assert "cost:" not in no_cost
    content = content_with(tmp_path, {"east": no_cost})
    text = squash("\n".join(built(tmp_path, content, docx=False)))
    assert "事業費" not in text and "計（３件）" in text


@pytest.mark.parametrize(
    ("written", "needle", "message"),
    [
        ("cost: -5", "-5", "0 以上の数で書いてください"),
        ("cost: 百二十", "百二十", "数で書いてください"),
        ("completion: 2030年度", "2030年度", "令和N年度の形で書いてください"),
    ],
)
def test_a_bad_project_value_is_an_error_at_its_place(tmp_path, written, needle, message):
    key = written.split(":")[0]
    text = EDITION.replace(
        {"cost": "cost: 0.2", "completion": "completion: 令和10年度"}[key], written
    )
    assert written in text
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, needle)}: "), found
    assert f"projects[1].{key}" in found[0] and message in found[0]


def test_every_project_has_an_id_unique_across_the_repository(tmp_path):
    text = EDITION.replace("id: east-pj-port", "id: kpi-a")  # the national ＫＰＩ's id
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1 and "kpi-a" in found[0], found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, 'kpi-a')}:")


def test_the_word_edition_sets_the_projects_as_a_table(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    out = tmp_path / "out"
    build(content, out, edition="east", docx=True, report=lambda _: None, warn=lambda _: None)
    with zipfile.ZipFile(out / "plan.docx") as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    table = xml[xml.index("東ブロックの主要事業") :]
    table = table[: table.index("</w:tbl>")]
    assert re.search(r"<w:tblHeader[^>]*/>", table)  # the header row repeats on every page
    cells = re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", table)
    assert "事業名" in cells and "事業費（億円）" in cells and "箇所" not in cells
    assert "計（３件）" in cells and "1,250.3" in cells


def test_the_shinkyu_compares_the_projects_row_by_row(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    old = load_edition(content, "east")
    path = content / "editions" / "east" / "plan.yaml"
    path.write_text(EDITION.replace("cost: 1250", "cost: 1300"), encoding="utf-8")
    rows = compare_plans(old, load_edition(content, "east"))
    assert len(rows) == 1 and rows[0].status == "changed", rows
    new, old_side = _texts(rows[0].new), _texts(rows[0].old)
    # The row that changed, and the computed 計 with it.
    assert "東港の岸壁の整備｜｜1,300｜" in new and "東港の岸壁の整備｜｜1,250｜" in old_side
    assert "計（３件）｜｜1,300.3｜" in new and "計（３件）｜｜1,250.3｜" in old_side


def _texts(obj) -> list[str]:
    """The texts of one side of a 新旧対照表 row, each marked text joined up."""
    import dataclasses

    if hasattr(obj, "segments"):
        return ["".join(text for text, _changed in obj.segments)]
    if dataclasses.is_dataclass(obj):
        return [t for f in dataclasses.fields(obj) for t in _texts(getattr(obj, f.name))]
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in _texts(item)]
    return []


# ------------------------------------------------------------------ regional ＫＰＩ


@pytest.mark.typeset
def test_a_regional_kpi_prints_in_its_edition_and_not_in_the_national_plan(tmp_path):
    content = content_with(tmp_path, {"east": EDITION})
    pages = built(tmp_path, content)
    text = squash("\n".join(pages))
    # Under the national package, after its national 【ＫＰＩ】 …
    package = text[text.index("施策テーマＡ") :]
    assert package.index("【ＫＰＩ】") < package.index("【東ブロックのＫＰＩ】")
    assert package.index("【東ブロックのＫＰＩ】") < package.index("東ブロックの橋の修繕率")
    # … and in the edition's ＫＰＩ一覧, after the package's national ＫＰＩ.
    listing = squash(next(p for p in pages if "ＫＰＩ一覧" in p and "参考" in p))
    assert listing.index("指標Ａ") < listing.index("（東ブロックのＫＰＩ）東ブロックの橋の修繕率")
    csv = (tmp_path / "out-east" / "kpi.csv").read_text("utf-8-sig")
    assert "east-kpi-bridge,pkg-a," in csv
    # The national plan knows nothing of it.
    out = tmp_path / "national"
    build(content, out, report=lambda _: None, warn=lambda _: None)
    national = squash("\n".join(pdf_pages(out / "plan.pdf")))
    assert "指標Ａ" in national
    assert "東ブロック" not in national
    assert "east-kpi-bridge" not in (out / "kpi.csv").read_text("utf-8-sig")


def test_a_dangling_package_id_is_an_error_at_its_place(tmp_path):
    text = EDITION.replace("package: pkg-a", "package: pkg-aa")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, 'pkg-aa')}: ")
    assert "regional_kpis[0].package" in found[0]
    assert "政策パッケージ「pkg-aa」" in found[0] and "「pkg-a」の誤りではありませんか" in found[0]
    # An id of a national entity that is not a package is named for what it is.
    text = EDITION.replace("package: pkg-a", "package: goal-a")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1 and "goal です" in found[0], found
    # check reports it, for every edition.
    outcome = run_command(["check", "--content", str(content)])
    assert outcome.code == 1 and "goal-a" in outcome.err


def test_a_package_the_edition_does_not_print_is_an_error(tmp_path):
    text = EDITION.replace("      - national: goal-a\n", "      - p: 本文\n")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1 and "この版に載っていません" in found[0], found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, 'pkg-a')}: ")


def test_the_national_plan_takes_no_regional_kpis(tmp_path):
    from conftest import MINIMAL

    plan = MINIMAL["plan.yaml"].replace(
        "        parts:", "        regional_kpis: []\n        parts:"
    )
    content = write_content(tmp_path, {"plan.yaml": plan})
    found = problems(lambda: load_plan(content))
    assert len(found) == 1 and "regional_kpis" in found[0], found


def test_a_regional_kpi_id_taken_twice_is_an_error_at_its_place(tmp_path):
    # With a national ＫＰＩ's id …
    text = EDITION.replace("id: east-kpi-bridge", "id: kpi-a")
    content = content_with(tmp_path, {"east": text})
    found = problems(lambda: load_edition(content, "east"))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/east/plan.yaml:{at(text, 'kpi-a')}:")
    # … and with another edition's: each alone builds, check finds it.
    west = OTHER.replace("id: west-kpi-bridge", "id: east-kpi-bridge")
    content = content_with(tmp_path, {"east": EDITION, "west": west})
    assert load_edition(content, "west")
    found = problems(lambda: check_editions(content))
    assert len(found) == 1, found
    assert found[0].startswith(f"content/editions/west/plan.yaml:{at(west, 'east-kpi-bridge')}:")
    assert (
        f"版「east」の content/editions/east/plan.yaml:{at(EDITION, 'east-kpi-bridge')}"
        in (found[0])
    )


# ------------------------------------------------------------------ the cover's title


def test_a_long_cover_title_breaks_after_its_phrase_never_inside_a_word(tmp_path):
    text = EDITION.replace(
        "title: 東ブロックにおける計画（見本）",
        "title: （見本）関東ブロックにおける社会資本整備重点計画",
    )
    content = content_with(tmp_path, {"east": text})
    cover = built(tmp_path, content)[0]
    lines = [line.strip() for line in cover.split("\n") if line.strip()]
    assert "（見本）関東ブロックにおける" in lines, lines
    assert "社会資本整備重点計画" in lines, lines  # not 「社会資本整」／「備重点計画」


def test_a_long_cover_title_without_a_phrase_to_break_at_is_set_smaller(tmp_path):
    title = "東ブロック社会資本整備重点計画検討委員会報告書"  # 23 characters, no における
    text = EDITION.replace("title: 東ブロックにおける計画（見本）", f"title: {title}")
    content = content_with(tmp_path, {"east": text})
    cover = built(tmp_path, content)[0]
    assert title in [line.strip() for line in cover.split("\n")], cover
    # Whole, on one line, at the size that fits it (under the cover's 24pt).
    html = (tmp_path / "out-east" / "plan.html").read_text("utf-8")
    assert re.search(r'<h1 class="cover-title" style="font-size: 2\d\.\dpt">', html), html[:2000]


# ------------------------------------------------------------------ the guide


def test_the_guide_shows_the_projects_of_the_example_as_they_are():
    guide = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
    chapter = guide[guide.index("### 主要事業: `projects:`") :]
    shown = re.search(r"```yaml\n(section: .*?)```", chapter, re.S)
    example = PROJECT / "examples/regional/content/editions/kanto/region.yaml"
    text = example.read_text("utf-8")
    assert shown and shown.group(1) == text[text.index("section:") :]
    # The example has both: its own ＫＰＩ and its 主要事業, and they load.
    plan = load_edition(PROJECT / "examples/regional/content", "kanto")
    projects = [b for b in walk(plan.parts) if isinstance(b, Projects)]
    assert len(projects) == 1 and projects[0].total_cost == 1655.5
    assert [k.id for _g, _grp, p in plan.packages() for k in p.regional_kpis] == [
        "kanto-kpi-tunnel",
        "kanto-kpi-sewer",
    ]


def test_the_guide_shows_the_errors_as_the_build_words_them(tmp_path):
    """The two messages the guide shows, made from the example with the mistakes it names."""
    import shutil

    guide = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
    chapter = guide[guide.index("## 16. 地方ブロック版") :]
    shown = [
        line
        for line in chapter.split("\n")
        if line.startswith("examples/regional/") and ("package" in line or "completion" in line)
    ]
    assert len(shown) == 2
    shutil.copytree(PROJECT / "examples" / "regional", tmp_path / "examples" / "regional")
    kanto = tmp_path / "examples/regional/content/editions/kanto"
    plan = kanto / "plan.yaml"
    plan.write_text(
        plan.read_text("utf-8").replace("package: pkg-repair ", "package: pkg-repiar "), "utf-8"
    )
    region = kanto / "region.yaml"
    region.write_text(
        region.read_text("utf-8").replace("completion: 令和１２年度", "completion: 2030年度"),
        "utf-8",
    )
    found = problems(lambda: check_editions(Path("examples/regional/content")))
    assert sorted(found) == sorted(shown)


@pytest.mark.typeset
def test_a_long_projects_table_is_tagged_and_repeats_its_header_on_every_page(tmp_path):
    rows = "".join(
        f"          - id: east-pj-{n}\n            name: 東{n}号線の整備\n"
        f"            place: 東市{n}丁目\n            cost: {n}\n"
        for n in range(1, 81)
    )
    text = re.sub(
        r"      - projects:\n(.*?)        caption:",
        f"      - projects:\n{rows}        caption:",
        EDITION,
        flags=re.S,
    )
    content = content_with(tmp_path, {"east": text})
    out = tmp_path / "out-east"
    pages = built(tmp_path, content)
    with_rows = [squash(p) for p in pages if "号線の整備" in p]
    assert len(with_rows) >= 2
    for page in with_rows:  # the head of the table on each of its pages
        assert "事業名箇所事業費（億円）" in page, page[:200]
    assert "計（８０件）3,240" in with_rows[-1]  # 1 + 2 + … + 80
    # PDF/UA: the head's cells head their columns, the 計 its row.
    scopes: list[tuple[str, str]] = []

    def walk_tree(node) -> None:
        node = node.get_object()
        if isinstance(node, pypdf.generic.DictionaryObject):
            if node.get("/S") == "/TH":
                group = node["/P"].get_object()["/P"].get_object()
                attributes = node.get("/A")
                scope = attributes.get_object().get("/Scope") if attributes else None
                scopes.append((str(group.get("/S")), str(scope)))
            if node.get("/K") is not None:
                walk_tree(node["/K"])
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk_tree(kid)

    walk_tree(pypdf.PdfReader(out / "plan.pdf").trailer["/Root"]["/StructTreeRoot"])
    assert ("/THead", "/Column") in scopes and ("/TBody", "/Row") in scopes, scopes
