"""The cover for every stage of the plan: each line optional, the plan period, and what a
draft build marks its pages with (``model.draft_mark``)."""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import re
import textwrap
import zipfile
from datetime import UTC, datetime

import pypdf
import pytest

from conftest import CLEAN, MINIMAL, PROJECT, squash, write_content
from keikaku.docx import docx_bytes
from keikaku.figures import watermark_svg
from keikaku.load import load_plan
from keikaku.model import DEFAULT_LABELS, Text, draft_mark

PLAN = textwrap.dedent(MINIMAL["plan.yaml"])

#: The cover of a plan the cabinet decided: no 会議名, no 作成者, a 計画期間.
DECIDED = re.sub(
    r"status: 素案\nmeeting: 第１回部会\ndate_line: 令和７年１月１日\nissuer: テスト部会\n"
    r"subject: テスト用の計画\n",
    "status: 閣議決定\nplan_period: 令和８年度から令和１２年度まで\n",
    PLAN,
)


def test_the_decided_cover_is_what_the_test_builds_on():
    assert "meeting" not in DECIDED and "issuer" not in DECIDED and "plan_period" in DECIDED


def watermark_of(html: str) -> str | None:
    """The SVG drawn behind every page, decoded from plan.html's @page rule."""
    found = re.search(r'@page \{ background: url\("data:image/svg\+xml;base64,([^"]+)"\)', html)
    return base64.b64decode(found.group(1)).decode("utf-8") if found else None


def built(built_once, overrides, *, final=False):
    """The minimal plan with ``overrides``, built once for the tests that read it."""
    out = built_once(overrides, final=final)
    return out, pypdf.PdfReader(out / "plan.pdf")


@pytest.mark.typeset
def test_a_cover_without_meeting_or_issuer_builds_and_prints_the_plan_period(built_once):
    out, reader = built(built_once, {"plan.yaml": DECIDED})
    cover = squash(reader.pages[0].extract_text())
    assert cover == squash("閣議決定 テスト計画 計画期間 令和８年度から令和１２年度まで")
    meta = reader.metadata
    assert meta.title == "テスト計画（閣議決定）"
    assert meta.author is None and meta.subject is None
    data = json.loads((out / "plan.json").read_text("utf-8"))
    assert data["version"] == "3.2"
    assert data["meta"]["plan_period"] == "令和８年度から令和１２年度まで"
    assert data["meta"]["meeting"] is None and data["meta"]["issuer"] is None


@pytest.mark.typeset
def test_a_draft_of_a_decided_plan_is_marked_as_a_working_copy(built_once):
    # Not 「閣議決定」 behind every page as if it were a stamp: 「作業中」, and only the
    # cover names the stage.
    out, _reader = built(built_once, {"plan.yaml": DECIDED})
    mark = watermark_of((out / "plan.html").read_text("utf-8"))
    assert mark == watermark_svg("作業中")
    assert mark != watermark_svg("閣議決定")


@pytest.mark.typeset
def test_a_draft_stage_marks_its_pages_with_its_own_name(built_once):
    out, reader = built(built_once, {})
    assert watermark_of((out / "plan.html").read_text("utf-8")) == watermark_svg("素案")
    cover = squash(reader.pages[0].extract_text())
    assert cover == squash("素案 テスト計画 （第１回部会） 令和７年１月１日 テスト部会")
    assert reader.metadata.subject == "テスト用の計画"  # subject → /Subject, not on the cover


@pytest.mark.typeset
def test_the_final_edition_of_a_decided_plan_has_no_mark_and_names_the_stage(built_once):
    out, reader = built(built_once, {**CLEAN, "plan.yaml": DECIDED}, final=True)
    assert watermark_of((out / "plan.html").read_text("utf-8")) is None
    assert squash(reader.pages[0].extract_text()).startswith("閣議決定テスト計画")


def text(raw: str) -> Text:
    return Text(raw, raw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "mark"),
    [
        ("素案", "素案"),
        ("案", "案"),
        ("原案", "原案"),
        ("閣議決定案", "閣議決定案"),
        ("閣議決定", "作業中"),
        ("決定", "作業中"),
        (None, "作業中"),
    ],
)
def test_the_draft_mark_for_each_status(status, mark):
    labels = {k: text(v) for k, v in DEFAULT_LABELS.items()}
    assert draft_mark(text(status) if status else None, labels) == mark


@pytest.mark.typeset
def test_the_working_copy_mark_is_a_label(built_once):
    plan_yaml = DECIDED.replace("parts:", "labels:\n  draft_mark: 検討用\nparts:")
    out, _reader = built(built_once, {"plan.yaml": plan_yaml})
    assert watermark_of((out / "plan.html").read_text("utf-8")) == watermark_svg("検討用")


def test_the_word_edition_heads_its_pages_with_the_same_mark(tmp_path):
    plan = load_plan(write_content(tmp_path, {"plan.yaml": DECIDED}))
    when = datetime(2026, 1, 16, tzinfo=UTC)

    def headers(draft: bool) -> str:
        docx = docx_bytes(plan, draft=draft, revision="test", date=when)
        with zipfile.ZipFile(io.BytesIO(docx)) as z:
            names = [n for n in z.namelist() if re.fullmatch(r"word/header\d+\.xml", n)]
            return "".join(z.read(n).decode("utf-8") for n in names)

    head = headers(True)
    assert ">作業中</w:t>" in head and "閣議決定" not in head
    assert "PlanStatusBox" not in headers(False)


GUIDE = (PROJECT / "docs" / "editors-guide.md").read_text("utf-8")
COVER_SECTION = GUIDE[GUIDE.index("## 12. 表紙と文書情報") : GUIDE.index("## 13.")]


def test_the_guide_documents_every_cover_field():
    from keikaku.model import PlanMeta

    fields_table = COVER_SECTION[COVER_SECTION.index("| 項目 |") :].split("\n\n")[0]
    documented = re.findall(r"^\| `([a-z_]+)`", fields_table, re.M)
    assert sorted(documented) == sorted(f.name for f in dataclasses.fields(PlanMeta))


def test_the_guides_table_of_stages_is_what_the_build_does():
    rows = re.findall(r"^\| (.+?) \| (.+?) \| (.+?) \| なし \|$", COVER_SECTION, re.M)
    labels = {k: text(v) for k, v in DEFAULT_LABELS.items()}
    checked = 0
    for statuses, mark, _cover in rows:
        for status in re.sub(r"（.*?）|など", "", statuses).split("、"):
            given = None if status == "書かない" else text(status)
            assert draft_mark(given, labels) == (status if mark == "その語" else mark), status
            checked += 1
    assert checked == 7
