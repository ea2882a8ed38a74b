"""The format's documentation cannot drift: every YAML example marked ``block`` in
docs/format.md is loaded inside the minimal plan."""

from __future__ import annotations

import re
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
    assert [p.id for _g, _grp, p in plan.packages()][-1] == "pkg-carbon-neutral"
