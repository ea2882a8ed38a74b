"""参考 ＫＰＩ一覧: a 備考 column, so that a target such as 100％ （全市区町村） keeps its meaning
there as in the package's own 【ＫＰＩ】 table (PDF and Word)."""

from __future__ import annotations

import textwrap

import pypdf
import pytest

from conftest import MINIMAL, squash, write_content
from keikaku.load import load_plan
from keikaku.pipeline import build

GOAL = textwrap.dedent(MINIMAL["goals/a.yaml"]).replace(
    "                target:\n",
    "                notes: 全市区町村\n                target:\n",
)


@pytest.mark.typeset
def test_the_kpi_list_has_a_notes_column(tmp_path):
    assert "notes: 全市区町村" in GOAL
    content = write_content(tmp_path, {"goals/a.yaml": GOAL})
    out = tmp_path / "out"
    build(content, out, report=lambda _: None, warn=lambda _: None, docx=False)
    pages = [squash(p.extract_text()) for p in pypdf.PdfReader(out / "plan.pdf").pages]
    (listing,) = [p for p in pages if p.startswith("参考２ＫＰＩ一覧")]
    assert "政策パッケージ指標基準値目標値備考" in listing
    assert "指標Ａ（件）10（令和５年度）（今後設定）全市区町村" in listing


def test_the_word_editions_kpi_list_has_it_too(tmp_path):
    from keikaku.docx.builder import _Builder

    plan = load_plan(write_content(tmp_path, {"goals/a.yaml": GOAL}))
    builder = _Builder(plan, draft=True, tag="0000000", pages=None, content=None)
    builder.build()
    traces = [(t.id, t.path, t.kind) for t in builder.traces]
    assert ("kpi-a", "notes", "kpi-list") in traces
