"""The format's documentation cannot drift: every YAML example marked ``block`` in
docs/format.md is loaded inside the minimal plan."""

from __future__ import annotations

import re
import shutil
import textwrap

import pytest
import yaml

from conftest import MINIMAL, PROJECT
from keikaku.load import load_plan

DOC = (PROJECT / "docs" / "format.md").read_text("utf-8")
GUIDE = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
EXAMPLES = re.findall(r"```yaml block\n(.*?)```", DOC + GUIDE, re.S)


def test_the_format_documents_every_block_kind():
    from keikaku.model import BLOCK_KINDS

    for kind in BLOCK_KINDS:
        assert f"- {kind.KIND}:" in DOC or f"\n{kind.KIND}:" in DOC, kind.KIND
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.split(":")[0].strip("- ") for e in EXAMPLES])
def test_each_example_loads(content_dir, example):
    """Each example loads, appended to a chapter, as the blocks it writes: as many, in the
    same order, each of the kind its first key names."""
    before = load_plan(content_dir()).index.sections["ch4"].body
    ch4 = textwrap.dedent(MINIMAL["chapter4.yaml"]) + textwrap.indent(example, "  ")
    plan = load_plan(content_dir({"chapter4.yaml": ch4}))
    added = plan.index.sections["ch4"].body[len(before) :]
    written = [next(iter(block)) for block in yaml.safe_load(example)]
    assert [block.KIND for block in added] == written


FIGURES = re.findall(r"```yaml figure\n(.*?)```", DOC + GUIDE, re.S)
PACKAGES = re.findall(r"```yaml package\n(.*?)```", DOC + GUIDE, re.S)


@pytest.mark.parametrize("example", FIGURES)
def test_each_figure_example_loads(content_dir, example):
    from conftest import PNG_SMALL

    ch4 = textwrap.dedent(MINIMAL["chapter4.yaml"]) + textwrap.indent(example, "  ")
    plan = load_plan(content_dir({"chapter4.yaml": ch4, "figures/map.png": PNG_SMALL}))
    assert plan.index.sections["ch4"].body[-1].KIND == "figure"


@pytest.mark.parametrize("example", PACKAGES)
def test_each_package_example_loads(content_dir, example):
    goal = textwrap.dedent(MINIMAL["goals/a.yaml"]) + textwrap.indent(example, "      ")
    plan = load_plan(content_dir({"goals/a.yaml": goal}))
    written = re.search(r"^  id: (\S+)$", example, re.M)
    assert written and [p.id for _g, _grp, p in plan.packages()][-1] == written.group(1)


# ------------------------------------------------------------------ the examples pass the lint

ALL_EXAMPLES = [
    (kind, example)
    for kind in ("block", "figure", "package")
    for example in re.findall(rf"```yaml {kind}\n(.*?)```", DOC + GUIDE, re.S)
]


@pytest.mark.parametrize(
    ("kind", "example"),
    ALL_EXAMPLES,
    ids=[f"{k}-{e.split(':')[0].strip('- ')}" for k, e in ALL_EXAMPLES],
)
def test_each_example_passes_the_width_rules_in_the_real_plan(tmp_path, kind, example):
    # What an editor copies from the docs into the plan gets no width advice the plan's
    # own printing contradicts: judged as the project lints it, in the real plan, with
    # its labels (【ＫＰＩ】).
    from conftest import PNG_SMALL
    from keikaku.lint import lint
    from keikaku.load import load_lint_config

    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    notes = content / "footnotes.yaml"
    notes.write_text(notes.read_text("utf-8") + "note-a: 脚注の本文\n", "utf-8")
    (content / "figures").mkdir(exist_ok=True)
    (content / "figures" / "map.png").write_bytes(PNG_SMALL)
    (content / "prose").mkdir(exist_ok=True)
    (content / "prose" / "outlook.md").write_text("中長期の方向性の本文。\n", "utf-8")
    # Ids of its own, and the real plan's 重点目標 where the example names the minimal one.
    example = re.sub(r"(?m)^(\s*(?:- )?id: [a-z0-9-]+)$", r"\1-doc", example)
    example = example.replace("goal-a", "goal-green")
    target, indent = ("goals/green.yaml", 6) if kind == "package" else ("chapter4.yaml", 2)
    path = content / target
    before = path.read_text("utf-8")
    path.write_text(before + textwrap.indent(example, " " * indent), "utf-8")
    first = len(before.splitlines()) + 1
    plan = load_plan(content)
    found = [
        str(f)
        for f in lint(plan, load_lint_config(content), final=True)
        if f.rule in ("width_latin", "width_digits")
        and f.pos.path.endswith(target)
        and f.pos.line >= first
    ]
    assert found == []


def test_the_labels_table_of_the_guide_is_the_models(tmp_path):
    from keikaku.model import DEFAULT_LABELS

    table = GUIDE[GUIDE.index("<!-- labels: begin -->") : GUIDE.index("<!-- labels: end -->")]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.*?) \| (.+?) \|$", table, re.M)
    assert {key: default for key, default, _where in rows} == DEFAULT_LABELS
    assert [key for key, _d, _w in rows] == list(DEFAULT_LABELS)  # in the model's order


@pytest.mark.typeset
def test_the_unnumbered_annex_of_the_guide_prints_as_it_says(tmp_path):
    # 「参考資料　用語集」: its title as written, on a page of its own, in the 目次, and the
    # 参考 after it keep their numbers.
    import pypdf

    from conftest import squash, write_content
    from keikaku.pipeline import build

    (example,) = [e for e in EXAMPLES if e.startswith("- section: 参考資料")]
    plan_yaml = textwrap.dedent(MINIMAL["plan.yaml"]).replace(
        "  - section: 政策パッケージ一覧\n",
        textwrap.indent(example, "  ") + "  - section: 政策パッケージ一覧\n",
    )
    content = write_content(tmp_path, {"plan.yaml": plan_yaml})
    build(content, tmp_path / "out", report=lambda _: None, warn=lambda _: None, docx=False)
    reader = pypdf.PdfReader(tmp_path / "out" / "plan.pdf")
    pages = [squash(p.extract_text()) for p in reader.pages]
    assert any(p.startswith("参考資料用語集PPP：官民連携") for p in pages), pages
    toc = next(p for p in pages if p.startswith("目次"))
    assert "参考資料用語集" in toc and "参考１政策パッケージ一覧" in toc
    assert "参考資料　用語集" in [
        item.title for item in reader.outline if not isinstance(item, list)
    ]
