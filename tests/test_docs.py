"""The format's documentation cannot drift: every YAML example marked ``block`` in
docs/format.md is loaded inside the minimal plan."""

from __future__ import annotations

import re
import textwrap

import pytest

from conftest import MINIMAL, PROJECT
from keikaku.load import load_plan

DOC = (PROJECT / "docs" / "format.md").read_text("utf-8")
EXAMPLES = re.findall(r"```yaml block\n(.*?)```", DOC, re.S)


def test_the_format_documents_every_block_kind():
    from keikaku.model import BLOCK_KINDS

    for kind in BLOCK_KINDS:
        assert f"- {kind.KIND}:" in DOC or f"\n{kind.KIND}:" in DOC, kind.KIND
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.split(":")[0].strip("- ") for e in EXAMPLES])
def test_each_example_loads(content_dir, example):
    ch4 = textwrap.dedent(MINIMAL["chapter4.yaml"]) + textwrap.indent(example, "  ")
    plan = load_plan(content_dir({"chapter4.yaml": ch4}))
    assert plan.index.sections["ch4"].body[len(plan.index.sections["ch4"].body) - 1] is not None
