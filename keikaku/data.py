"""Open data published beside the PDF: ``plan.json`` (the whole validated plan) and
``kpi.csv`` (one row per ＫＰＩ).

``plan.json`` mirrors the model: every dataclass field under its YAML key, texts as
their raw source strings (inline Markdown), 未定事項 as ``{"pending": 理由}``, absent
optional values as ``null``. Its JSON Schema is generated from the same model and
committed as ``schema/plan.schema.json``; a test keeps the two in step. Change the
shape of the data, and ``SCHEMA_VERSION`` goes up with the regenerated schema
(``python -m keikaku.data > schema/plan.schema.json``).

``kpi.csv`` is for spreadsheet programs: UTF-8 with a BOM (without it Excel reads UTF-8
as Shift_JIS) and CRLF line ends. While a 政策パッケージ has no ＫＰＩ yet (its
``kpis`` is pending, as everywhere in the current draft), it still gets one row, with
状態 未定 and the reason in 備考: an empty file would look like "no ＫＰＩ planned" rather
than "not decided yet".
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import sys
import types
import typing
from typing import Any

from .load import _ID
from .model import Kpi, KpiValue, Pending, Plan, Prose, Text, fields_of

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = "schema/plan.schema.json"

KPI_COLUMNS = ("重点目標", "政策パッケージ", "指標", "単位", "基準値", "基準年度",
               "目標値", "目標年度", "状態", "備考")
SET, PARTLY, OPEN, NONE = "設定済", "一部未定", "未定", "なし"

#: What each data file is, for the description of its attachment in plan.pdf.
DESCRIPTIONS = {
    "plan.json": "計画の内容の構造化データ（JSON）。形式は schema/plan.schema.json に定義。",
    "kpi.csv": "政策パッケージごとのＫＰＩ一覧（CSV、UTF-8）。ＫＰＩが未定の政策パッケージは状態「未定」の1行。",
}


def data_files(plan: Plan) -> dict[str, bytes]:
    """The data files of a build, by name: published beside plan.pdf and embedded in it."""
    return {"plan.json": plan_json(plan), "kpi.csv": kpi_csv(plan)}


# ------------------------------------------------------------------ plan.json


def _fields(cls: type) -> list[tuple[dataclasses.Field, Any]]:
    """The fields that are data: positions in content files are left out."""
    return [(f, tp) for f, tp in fields_of(cls) if f.name not in ("pos", "sources")]


def to_data(value: Any) -> Any:
    """A model value as JSON data."""
    if isinstance(value, (Text, Prose)):
        return value.raw
    if isinstance(value, Pending):
        return {"pending": value.pending.raw}
    if isinstance(value, Plan):
        data = {f.name: to_data(getattr(value, f.name)) for f, _ in _fields(Plan) if f.name != "pending"}
        data["pending"] = [{"where": where, "pending": p.pending.raw} for where, p in value.pending]
        return data
    if dataclasses.is_dataclass(value):
        return {f.name: to_data(getattr(value, f.name)) for f, _ in _fields(type(value))}
    if isinstance(value, tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def plan_data(plan: Plan) -> dict[str, Any]:
    """The content of ``plan.json``."""
    return {"version": SCHEMA_VERSION, **to_data(plan)}


def plan_json(plan: Plan) -> bytes:
    return (json.dumps(plan_data(plan), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ------------------------------------------------------------------ JSON Schema


class _SchemaBuilder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            options = [self.of(a) for a in typing.get_args(tp)]
            return {"oneOf": options}
        if origin is tuple:
            return {"type": "array", "items": self.of(typing.get_args(tp)[0])}
        if tp is type(None):
            return {"type": "null"}
        if tp is Text:
            return {"type": "string", "minLength": 1, "description": "content text (inline Markdown; [^id] calls a footnote)"}
        if tp is Prose:
            return {"type": "string", "minLength": 1, "description": "a passage in Markdown"}
        if tp is str:
            return {"type": "string", "minLength": 1}
        if dataclasses.is_dataclass(tp):
            return self.ref(tp)
        raise TypeError(f"no schema for {tp!r}")

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # recursion (AgendaItem) finds the name already taken
            props = {}
            for f, tp in _fields(cls):
                prop = self.of(tp)
                if f.name == "id":
                    prop = {"type": "string", "pattern": _ID.pattern}
                elif f.metadata.get("ref"):
                    target = {"type": "string", "pattern": _ID.pattern}
                    prop = {"type": "array", "items": target} if prop.get("type") == "array" else target
                    prop["description"] = f"id of a {f.metadata['ref']}"
                if "ja" in f.metadata:
                    prop = {"title": f.metadata["ja"], **prop}
                props[f.name] = prop
            self.defs[name] = {
                "type": "object",
                "description": (cls.__doc__ or name).strip().splitlines()[0],
                "properties": props,
                "required": list(props),
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``plan.json``, from the model."""
    builder = _SchemaBuilder()
    props: dict[str, Any] = {"version": {"const": SCHEMA_VERSION, "description": "schema version of this file"}}
    for f, tp in _fields(Plan):
        if f.name == "footnotes":
            props[f.name] = {"type": "object", "description": "footnote texts by id",
                             "propertyNames": {"pattern": _ID.pattern},
                             "additionalProperties": builder.of(Text)}
        elif f.name == "pending":
            props[f.name] = {
                "type": "array",
                "description": "every 未定事項 with a readable path to it, in document order",
                "items": {"type": "object", "required": ["where", "pending"], "additionalProperties": False,
                          "properties": {"where": {"type": "string"}, "pending": builder.of(Text)}}}
        else:
            props[f.name] = builder.of(tp)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "社会資本整備重点計画 plan.json",
        "description": "The whole validated plan, as published beside the PDF. Texts are the raw "
                       "source strings (inline Markdown); 未定事項 are {\"pending\": reason}.",
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
        "$defs": dict(sorted(builder.defs.items())),
    }


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


# ------------------------------------------------------------------ kpi.csv


def _value(v: KpiValue | Pending, what: str, notes: list[str]) -> tuple[str, str]:
    if isinstance(v, Pending):
        notes.append(f"{what}：{v.pending.raw}")
        return "", ""
    return v.value.raw, v.year.raw


def kpi_rows(plan: Plan) -> list[dict[str, str]]:
    """One row per ＫＰＩ; one 未定 row per 政策パッケージ whose ＫＰＩ are pending."""
    rows = []
    for goal, _group, pkg in plan.packages():
        base = {"重点目標": goal.title.raw, "政策パッケージ": pkg.title.raw}
        if isinstance(pkg.kpis, Pending):
            rows.append({**dict.fromkeys(KPI_COLUMNS, ""), **base, "状態": OPEN, "備考": pkg.kpis.pending.raw})
            continue
        if not pkg.kpis:
            rows.append({**dict.fromkeys(KPI_COLUMNS, ""), **base, "状態": NONE})
            continue
        for k in pkg.kpis:
            rows.append(_kpi_row(base, k))
    return rows


def _kpi_row(base: dict[str, str], k: Kpi) -> dict[str, str]:
    notes = [k.notes.raw] if k.notes else []
    baseline, baseline_year = _value(k.baseline, "基準値", notes)
    target, target_year = _value(k.target, "目標値", notes)
    pending = isinstance(k.baseline, Pending) or isinstance(k.target, Pending)
    return {**base, "指標": k.indicator.raw, "単位": k.unit.raw if k.unit else "",
            "基準値": baseline, "基準年度": baseline_year, "目標値": target, "目標年度": target_year,
            "状態": PARTLY if pending else SET, "備考": " / ".join(notes)}


def kpi_csv(plan: Plan) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=KPI_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(kpi_rows(plan))
    return buf.getvalue().encode("utf-8-sig")


if __name__ == "__main__":
    sys.stdout.write(schema_text())
