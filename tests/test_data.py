"""Open data beside the PDF: plan.json against its schema and the model, kpi.csv, and
both embedded in plan.pdf."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import types
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pypdf
import yaml

from conftest import PROJECT
from keikaku import model
from keikaku.cli import main
from keikaku.data import KPI_COLUMNS, SCHEMA_PATH, plan_data, schema_text
from keikaku.load import CONTENT_FILES, load_plan
from keikaku.model import Pending, Prose, Text

SCHEMA = json.loads((PROJECT / SCHEMA_PATH).read_text(encoding="utf-8"))

WITH_KPIS = {"goals/a.yaml": """\
    id: goal-a
    title: 重点目標Ａ
    groups:
      - vision: vision-a
        packages:
          - id: pkg-a
            title: 施策テーマＡ
            directions: [方向性Ａ]
            kpis:
              - id: kpi-set
                indicator: 設定済の指標
                unit: ％
                baseline: {value: 50, year: 令和６年度}
                target: {value: 80, year: 令和12年度}
                notes: 備考Ａ
              - id: kpi-partly
                indicator: 目標値が未定の指標
                baseline: {value: 10, year: 令和５年度}
                target:
                  pending: 目標値は次回以降に議論
          - id: pkg-b
            title: 施策テーマＢ
            directions: [方向性Ｂ]
            kpis:
              pending: 重点施策・ＫＰＩについては、次回以降に議論
    """}


def test_committed_schema_is_the_one_the_model_gives():
    # A change to the model must regenerate schema/plan.schema.json (and raise its version):
    #   python -m keikaku.data > schema/plan.schema.json
    assert (PROJECT / SCHEMA_PATH).read_text(encoding="utf-8") == schema_text()
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_plan_json_of_the_real_plan_is_valid(built_plan):
    data = json.loads((built_plan.pdf_path.parent / "plan.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["version"] == SCHEMA["properties"]["version"]["const"]
    plan = load_plan(PROJECT / "content")
    assert [g["title"] for g in data["goals"]] == [g.title.raw for g in plan.goals]
    assert data["goals"][0]["groups"][0]["packages"][0]["kpis"] == {
        "pending": "重点施策・ＫＰＩについては、次回以降の計画部会で議論予定"}
    assert len(data["pending"]) == len(plan.pending)


def test_the_schema_rejects_what_the_model_would_not_hold(content_dir):
    data = plan_data(load_plan(content_dir(WITH_KPIS)))
    validator = jsonschema.Draft202012Validator(SCHEMA)
    validator.validate(data)
    broken = json.loads(json.dumps(data))
    broken["goals"][0]["groups"][0]["packages"][0]["kpis"][0]["target"] = {"value": "80"}
    assert not validator.is_valid(broken)
    broken = json.loads(json.dumps(data))
    broken["goals"][0]["id"] = "Goal A"
    assert not validator.is_valid(broken)


# ------------------------------------------------------------------ round trip


def _as_content(value: Any, tp: Any, prose: dict[str, str]) -> Any:
    """JSON data back into content-file form: Markdown passages into files, derived fields out."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        if isinstance(value, dict) and set(value) == {"pending"}:
            return value
        return _as_content(value, next(o for o in options if o is not Pending), prose)
    if origin is tuple:
        return [_as_content(v, typing.get_args(tp)[0], prose) for v in value]
    if tp is Text:
        return value
    if tp is Prose:
        path = f"prose/p{len(prose)}.md"
        prose[path] = value
        return path
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp, vars(model))
        return {f.name: _as_content(value[f.name], hints[f.name], prose)
                for f in dataclasses.fields(tp)
                if not f.metadata.get("derived") and value.get(f.name) is not None}
    return value


def write_back(data: dict[str, Any], root: Path) -> Path:
    """Content files rebuilt from plan.json alone."""
    prose: dict[str, str] = {}
    files: dict[str, Any] = {}
    for name, (rel, cls) in CONTENT_FILES.items():
        files[rel] = _as_content(data[name], cls, prose)
    for rel, goal in zip(data["programme"]["goal_files"], data["goals"], strict=True):
        files[rel] = _as_content(goal, model.PriorityGoal, prose)
    files["footnotes.yaml"] = data["footnotes"] or None
    content = root / "content"
    for rel, body in files.items():
        if body is None:
            continue
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for rel, text in prose.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(text, encoding="utf-8")
    return content


def test_plan_json_round_trips_through_the_content_files(content_dir, tmp_path, built_plan):
    """Everything in plan.json is enough to write the content again and load the same plan."""
    real = json.loads((built_plan.pdf_path.parent / "plan.json").read_text(encoding="utf-8"))
    small = plan_data(load_plan(content_dir(WITH_KPIS)))
    for n, data in enumerate([real, json.loads(json.dumps(small))]):
        again = plan_data(load_plan(write_back(data, tmp_path / f"again{n}")))
        assert again == data


# ------------------------------------------------------------------ kpi.csv


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so spreadsheet programs read it as UTF-8"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows and list(rows[0]) == list(KPI_COLUMNS)
    return rows


def test_kpi_csv_of_the_real_plan_has_a_pending_row_per_package(built_plan):
    plan = load_plan(PROJECT / "content")
    rows = read_csv(built_plan.pdf_path.parent / "kpi.csv")
    assert [(r["重点目標"], r["政策パッケージ"]) for r in rows] == [
        (g.title.raw, p.title.raw) for g, _, p in plan.packages()]
    for row, (_, _, pkg) in zip(rows, plan.packages(), strict=True):
        assert isinstance(pkg.kpis, Pending)
        assert row["状態"] == "未定" and row["備考"] == pkg.kpis.pending.raw
        assert row["指標"] == row["基準値"] == row["目標値"] == ""


def test_kpi_csv_rows_follow_the_model(content_dir, tmp_path):
    out = tmp_path / "out"
    assert main(["--content", str(content_dir(WITH_KPIS)), "--out", str(out)]) == 0
    rows = read_csv(out / "kpi.csv")
    assert rows == [
        {"重点目標": "重点目標Ａ", "政策パッケージ": "施策テーマＡ", "指標": "設定済の指標", "単位": "％",
         "基準値": "50", "基準年度": "令和６年度", "目標値": "80", "目標年度": "令和12年度",
         "状態": "設定済", "備考": "備考Ａ"},
        {"重点目標": "重点目標Ａ", "政策パッケージ": "施策テーマＡ", "指標": "目標値が未定の指標", "単位": "",
         "基準値": "10", "基準年度": "令和５年度", "目標値": "", "目標年度": "",
         "状態": "一部未定", "備考": "目標値：目標値は次回以降に議論"},
        {"重点目標": "重点目標Ａ", "政策パッケージ": "施策テーマＢ", "指標": "", "単位": "",
         "基準値": "", "基準年度": "", "目標値": "", "目標年度": "",
         "状態": "未定", "備考": "重点施策・ＫＰＩについては、次回以降に議論"},
    ]


# ------------------------------------------------------------------ attachments


def test_the_pdf_carries_both_files_as_attachments(built_plan):
    out = built_plan.pdf_path.parent
    attachments = built_plan.reader.attachments
    assert sorted(attachments) == ["kpi.csv", "plan.json"]
    for name, contents in attachments.items():
        assert contents == [(out / name).read_bytes()], name
    # each says what it is (WeasyPrint writes the relationship "Data" only in PDF/A-3)
    names = built_plan.reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = {str(names[i]): names[i + 1].get_object() for i in range(0, len(names), 2)}
    assert set(specs) == {"kpi.csv", "plan.json"}
    assert all(str(s["/Desc"]).strip() for s in specs.values())


def test_a_built_minimal_plan_is_attached_too(content_dir, tmp_path):
    out = tmp_path / "out"
    assert main(["--content", str(content_dir(WITH_KPIS)), "--out", str(out)]) == 0
    reader = pypdf.PdfReader(out / "plan.pdf")
    assert json.loads(reader.attachments["plan.json"][0])["goals"][0]["id"] == "goal-a"
