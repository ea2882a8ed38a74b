"""Open data beside the PDF: plan.json against its schema and the model, kpi.csv, and
both embedded in plan.pdf."""

from __future__ import annotations

import csv
import io
import json
import types
import typing
from pathlib import Path
from typing import Any

import jsonschema
import pypdf
import pytest
import yaml

from conftest import PROJECT
from keikaku import model
from keikaku.data import (
    ACTUAL_COLUMNS,
    CSV_COLUMNS,
    KPI_COLUMNS,
    SCHEMA_PATH,
    plan_data,
    schema_text,
)
from keikaku.load import load_plan
from keikaku.model import Pending, fields_of

SCHEMA = json.loads((PROJECT / SCHEMA_PATH).read_text(encoding="utf-8"))

WITH_KPIS = {
    "goals/a.yaml": """\
    goal: 重点目標Ａ
    id: goal-a
    body:
      - group: vision-a
        body:
          - package: 施策テーマＡ
            id: pkg-a
            parts:
              - part: directions
                body:
                  - list: [方向性Ａ]
              - kpis:
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
          - package: 施策テーマＢ
            id: pkg-b
            parts:
              - part: directions
                body:
                  - list: [方向性Ｂ]
              - kpis:
                  pending: 重点施策・ＫＰＩについては、次回以降に議論
    """
}


def blocks(data: Any):
    """Every block object of plan.json's tree (anything with a ``kind``), in document order."""
    if isinstance(data, dict):
        if "kind" in data:
            yield data
        for value in data.values():
            yield from blocks(value)
    elif isinstance(data, list):
        for item in data:
            yield from blocks(item)


def of_kind(data: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks(data["parts"]) if b["kind"] == kind]


def test_committed_schema_is_the_one_the_model_gives():
    # A change to the model must regenerate schema/plan.schema.json (and raise its version):
    #   python -m keikaku.data > schema/plan.schema.json
    assert (PROJECT / SCHEMA_PATH).read_text(encoding="utf-8") == schema_text()
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["version"]["const"] == "3.2"


def test_the_schema_documents_the_tree():
    defs = SCHEMA["$defs"]
    # Every block kind a loaded plan can hold, told apart by its kind (includes are resolved).
    kinds = {d["properties"]["kind"]["const"] for d in defs.values() if "kind" in d["properties"]}
    assert kinds == {k.KIND for k in model.BLOCK_KINDS if k is not model.Include} | {
        "item",
        "part",
        "kpis",
    }
    assert defs["Section"]["title"] == "節・項"
    assert defs["Section"]["properties"]["title"]["title"] == "見出し"
    assert defs["Kpi"]["properties"]["package"]["description"]
    assert all(d["additionalProperties"] is False for d in defs.values())


def test_plan_json_of_the_real_plan_is_valid(built_plan):
    data = json.loads((built_plan.pdf_path.parent / "plan.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["version"] == SCHEMA["properties"]["version"]["const"]
    plan = load_plan(PROJECT / "content")
    assert [p["kind"] for p in data["parts"]] == [p.KIND for p in plan.parts]
    assert [g["title"] for g in of_kind(data, "goal")] == [g.title.raw for g in plan.goals]
    first = of_kind(data, "package")[0]
    assert first["parts"][-1] == {
        "kind": "kpis",
        "label": "kpis",
        "kpis": {
            "kind": "pending",
            "pending": "重点施策・ＫＰＩについては、次回以降の計画部会で議論予定",
            "label": None,
            "what": None,
        },
    }
    assert data["meta"]["date_line"]["kind"] == "pending"
    assert len(data["pending"]) == len(plan.pending)
    assert data["labels"]["kpis"] == "ＫＰＩ"


def test_kpi_values_are_numbers_where_written_as_numbers(content_dir):
    data = plan_data(load_plan(content_dir()))
    (kpi,) = of_kind(data, "kpis")[0]["kpis"]
    assert kpi["baseline"] == {"value": 10, "year": "令和５年度"}
    assert '"value": 10,' in json.dumps(data)
    assert kpi["package"] == "pkg-a"
    assert kpi["target"]["kind"] == "pending"


def test_the_schema_rejects_what_the_model_would_not_hold(content_dir):
    data = json.loads(json.dumps(plan_data(load_plan(content_dir(WITH_KPIS)))))
    validator = jsonschema.Draft202012Validator(SCHEMA)
    validator.validate(data)

    def broken(change) -> dict[str, Any]:
        copy = json.loads(json.dumps(data))
        change(copy)
        return copy

    def kpi(d):
        return of_kind(d, "kpis")[0]["kpis"][0]

    def section(d):
        return of_kind(d, "section")[0]

    for change in [
        lambda d: kpi(d).update(target={"value": "80"}),  # no year
        lambda d: kpi(d).update(baseline={"value": True, "year": "令和６年度"}),
        lambda d: of_kind(d, "goal")[0].update(id="Goal A"),  # not an id
        lambda d: section(d).update(kind="paragraph"),  # no such kind
        lambda d: section(d).update(titel="見出し"),  # no such field
        lambda d: section(d).pop("numbering"),  # every field is present
        lambda d: section(d).update(numbering="chapterr"),
        lambda d: section(d)["body"].append({"kind": "include", "file": "x.yaml"}),
        lambda d: of_kind(d, "list")[0].update(marker="とても長い記号"),
        lambda d: d["meta"].update(date_line={"pending": "理由"}),  # without its kind
        lambda d: d.update(goals=[]),
    ]:
        assert not validator.is_valid(broken(change))


# ------------------------------------------------------------------ round trip
#
# plan.json holds all of the plan: written back as content files, it loads as the same
# plan. Each 重点目標 goes into a file of its own, as in content/: the readable path of a
# 未定事項 (plan.json's "pending") starts afresh in each included file.

KINDS = {k.KIND: k for k in (*model.BLOCK_KINDS, model.ListItem, model.PackagePart, model.KpiPart)}


def _as_content(value: Any, tp: Any, files: dict[str, Any]) -> Any:
    """A value of plan.json back in content-file form."""
    if isinstance(value, dict) and "kind" in value:
        return _block(value, files)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(tp) if a is not type(None) and not hasattr(a, "KIND")]
        if isinstance(value, list):
            return _as_content(
                value, next(o for o in options if typing.get_origin(o) is tuple), files
            )
        if isinstance(value, dict):
            return _as_content(value, next(o for o in options if isinstance(o, type)), files)
        return value
    if origin is tuple:
        return [_as_content(v, typing.get_args(tp)[0], files) for v in value]
    if tp is not model.Prose and not isinstance(value, (dict, list)):
        return value  # texts as written, numbers as numbers
    if tp is model.Prose:  # a Markdown file: its text goes into a file of its own
        path = f"prose/p{sum(p.startswith('prose/') for p in files)}.md"
        files[path] = value
        return path
    if isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        return _fields_of(tp, value, files)
    return value


def _fields_of(cls: type, value: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    return {
        f.name: _as_content(value[f.name], tp, files)
        for f, tp in fields_of(cls)
        if not f.metadata.get("derived") and value.get(f.name) is not None
    }


def _block(value: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    cls = KINDS[value["kind"]]
    node = _fields_of(cls, value, files)
    node = {cls.KIND: node.pop(cls.MAIN), **node}
    if cls is model.PriorityGoal:
        path = f"goals/{value['id']}.yaml"
        files[path] = node
        return {"include": path}
    return node


def write_back(data: dict[str, Any], root: Path) -> Path:
    """Content files rebuilt from plan.json alone."""
    files: dict[str, Any] = {}
    plan = _fields_of(model.PlanMeta, data["meta"], files)
    plan["labels"] = data["labels"]
    plan["parts"] = _as_content(data["parts"], tuple[model.Block, ...], files)
    files["plan.yaml"] = plan
    if data["footnotes"]:
        files["footnotes.yaml"] = data["footnotes"]
    content = root / "content"
    for rel, body in files.items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        text = (
            body
            if isinstance(body, str)
            else yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
        )
        (content / rel).write_text(text, encoding="utf-8")
    return content


def test_plan_json_round_trips_through_the_content_files(content_dir, tmp_path, built_plan):
    """Everything in plan.json is enough to write the content again and load the same plan."""
    real = json.loads((built_plan.pdf_path.parent / "plan.json").read_text(encoding="utf-8"))
    small = json.loads(json.dumps(plan_data(load_plan(content_dir(WITH_KPIS)))))
    minimal = json.loads(json.dumps(plan_data(load_plan(content_dir()))))
    for n, data in enumerate([real, small, minimal]):
        again = plan_data(load_plan(write_back(data, tmp_path / f"again{n}")))
        # Where a 未定事項 is written belongs to the files, not to the plan: the files
        # written back lay it out elsewhere.
        for d in (again, data):
            assert all(p.pop("source") for p in d["pending"])
        assert again == data


# ------------------------------------------------------------------ kpi.csv


def read_csv(path: Path, *, actuals: bool = False) -> list[dict[str, str]]:
    """kpi.csv's rows; without ``actuals``, the 実績値 columns checked empty and left out."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), (
        "UTF-8 with a BOM, so spreadsheet programs read it as UTF-8"
    )
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows and list(rows[0]) == list(CSV_COLUMNS) == [*KPI_COLUMNS, *ACTUAL_COLUMNS]
    assert KPI_COLUMNS[:2] == ("ＫＰＩのID", "政策パッケージのID"), "the keys come first"
    if actuals:
        return rows
    assert all(row.pop(c) == "" for row in rows for c in ACTUAL_COLUMNS)
    return rows


def test_kpi_csv_of_the_real_plan_has_a_pending_row_per_package(built_plan):
    plan = load_plan(PROJECT / "content")
    rows = read_csv(built_plan.pdf_path.parent / "kpi.csv")
    assert plan.packages()
    assert [(r["政策パッケージのID"], r["重点目標"], r["政策パッケージ"]) for r in rows] == [
        (p.id, g.title.raw, p.title.raw) for g, _, p in plan.packages()
    ]
    for row, (_, _, pkg) in zip(rows, plan.packages(), strict=True):
        assert isinstance(pkg.kpis, Pending)
        assert row["ＫＰＩのID"] == "", "a pending package's row has no ＫＰＩ id"
        assert row["状態"] == "未定" and row["備考"] == pkg.kpis.pending.raw
        assert row["指標"] == row["基準値"] == row["目標値"] == ""


@pytest.mark.typeset
def test_kpi_csv_rows_follow_the_model(built_once):
    rows = read_csv(built_once(WITH_KPIS) / "kpi.csv")
    assert rows == [
        {
            "ＫＰＩのID": "kpi-set",
            "政策パッケージのID": "pkg-a",
            "重点目標": "重点目標Ａ",
            "政策パッケージ": "施策テーマＡ",
            "指標": "設定済の指標",
            "単位": "％",
            "基準値": "50",
            "基準年度": "令和６年度",
            "目標値": "80",
            "目標年度": "令和12年度",
            "状態": "設定済",
            "備考": "備考Ａ",
        },
        {
            "ＫＰＩのID": "kpi-partly",
            "政策パッケージのID": "pkg-a",
            "重点目標": "重点目標Ａ",
            "政策パッケージ": "施策テーマＡ",
            "指標": "目標値が未定の指標",
            "単位": "",
            "基準値": "10",
            "基準年度": "令和５年度",
            "目標値": "",
            "目標年度": "",
            "状態": "一部未定",
            "備考": "目標値：目標値は次回以降に議論",
        },
        {
            "ＫＰＩのID": "",
            "政策パッケージのID": "pkg-b",
            "重点目標": "重点目標Ａ",
            "政策パッケージ": "施策テーマＢ",
            "指標": "",
            "単位": "",
            "基準値": "",
            "基準年度": "",
            "目標値": "",
            "目標年度": "",
            "状態": "未定",
            "備考": "重点施策・ＫＰＩについては、次回以降に議論",
        },
    ]


@pytest.mark.typeset
def test_kpi_csv_of_the_minimal_plan(built_once):
    assert read_csv(built_once() / "kpi.csv") == [
        {
            "ＫＰＩのID": "kpi-a",
            "政策パッケージのID": "pkg-a",
            "重点目標": "重点目標Ａ",
            "政策パッケージ": "施策テーマＡ",
            "指標": "指標Ａ",
            "単位": "件",
            "基準値": "10",
            "基準年度": "令和５年度",
            "目標値": "",
            "目標年度": "",
            "状態": "一部未定",
            "備考": "目標値：目標値は次回以降に議論",
        }
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


@pytest.mark.typeset
def test_a_built_minimal_plan_is_attached_too(built_once):
    reader = pypdf.PdfReader(built_once(WITH_KPIS) / "plan.pdf")
    data = json.loads(reader.attachments["plan.json"][0])
    assert [g["id"] for g in of_kind(data, "goal")] == ["goal-a"]
    assert [p["id"] for p in of_kind(data, "package")] == ["pkg-a", "pkg-b"]


def test_each_value_rule_says_the_same_to_the_loader_and_to_the_schemas():
    """A value rule (keikaku/rules.py) is one fact with two faces: the loader's check
    and the schemas' fragment. For every rule, what one accepts the other accepts."""
    from keikaku import rules

    samples: dict[type, list[Any]] = {
        rules.OneOf: ["", "chapterr", "center", *model.NUMBERING, *model.GENERATED],
        rules.Between: [-1, 0, 3, 6, 7],
        rules.Marker: ["none", "・", "（１）", "◎◎◎", "とても長い記号", *model.NUMBERED_MARKERS],
        rules.Exactly: [True, False],
        rules.AtLeast: [-1, -0.5, 0, 0.5, 120],
        rules.FiscalYear: [
            *("令和10年度", "令和１０年度", "令和元年度", "令和８年度", "令和01年度", "令和0年度"),
            *("令和00年度", "令和100年度", "2030年度", "R10", "令和10年", "平成30年度"),
        ],
    }
    checked = 0
    for (cls, name), rule in rules.VALUE_RULES.items():
        if isinstance(rule, rules.Described):
            continue
        validator = jsonschema.Draft202012Validator(rule.schema())
        for value in samples[type(rule)]:
            by_loader = rule.problem(value) is None
            assert validator.is_valid(value) == by_loader, (cls.__name__, name, value)
            checked += 1
    assert checked > 40
