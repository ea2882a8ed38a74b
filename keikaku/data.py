"""Open data published beside the PDF: ``plan.json`` (the whole validated plan) and
``kpi.csv`` (one row per ＫＰＩ).

``plan.json`` mirrors the model's document tree: ``meta`` (the cover), ``labels`` (every
label, defaults included), ``parts`` (the blocks in document order), ``footnotes`` and
``pending`` (every 未定事項 with a readable path to it). A block is an object whose
``kind`` names its kind as in the content files (``p``, ``section``, ``list`` …); its
fields follow under the model's field names (``{"kind": "p", "text": …}``). Texts are
their raw source strings (inline Markdown), a Markdown passage its source, ＫＰＩ values
numbers where written as numbers, 未定事項 ``{"kind": "pending", "pending": 理由, "label",
"what"}``, absent optional values ``null``. ``include:`` never appears: the included
file's block stands in its place.

Its JSON Schema is generated from the same model and committed as
``schema/plan.schema.json``; a test keeps the two in step. Change the shape of the data,
and ``SCHEMA_VERSION`` goes up with the regenerated schema
(``python -m keikaku.data > schema/plan.schema.json``). The schemas of the content
files themselves are ``content_schema.py``'s.

``kpi.csv`` is for spreadsheet programs and the statistics office, in long format: a row
per ＫＰＩ and fiscal year of its 実績値 (実績年度, 実績値, 実績の注記, 実績の出典 after the
ＫＰＩ's own columns, which each of its rows repeats), one row for a ＫＰＩ without any.
It is UTF-8 with a BOM (without it Excel reads UTF-8 as Shift_JIS) and CRLF line ends. While a 政策パッケージ has no ＫＰＩ yet (its
``kpis`` is pending, as everywhere in the current draft), it still gets one row, with
状態 未定 and the reason in 備考: an empty file would look like "no ＫＰＩ planned" rather
than "not decided yet". Its first two columns, ＫＰＩのID and 政策パッケージのID, key each
row to the content (a pending package's row has no ＫＰＩのID), so that the file can be read
back by ``kpi_sheet.import_kpis`` like the spreadsheet ``kpi.xlsx``.
"""

from __future__ import annotations

import ast
import csv
import dataclasses
import functools
import inspect
import io
import itertools
import json
import re
import sys
import textwrap
import types
import typing
from typing import Any

from . import model, rules
from .load.names import _ID
from .model import Kpi, KpiValue, Pending, Plan, Prose, Text, fields_of

SCHEMA_VERSION = "3.2"
SCHEMA_PATH = "schema/plan.schema.json"
DRAFT = "https://json-schema.org/draft/2020-12/schema"

KPI_COLUMNS = (
    "ＫＰＩのID",
    "政策パッケージのID",
    "重点目標",
    "政策パッケージ",
    "指標",
    "単位",
    "基準値",
    "基準年度",
    "目標値",
    "目標年度",
    "状態",
    "備考",
)
SET, PARTLY, OPEN, NONE = "設定済", "一部未定", "未定", "なし"
#: kpi.csv's columns after KPI_COLUMNS: one 実績値 a row (long format; empty in the one
#: row of a ＫＰＩ without 実績値).
ACTUAL_YEAR, ACTUAL_VALUE, ACTUAL_NOTE, ACTUAL_SOURCE = (
    "実績年度",
    "実績値",
    "実績の注記",
    "実績の出典",
)
ACTUAL_COLUMNS = (ACTUAL_YEAR, ACTUAL_VALUE, ACTUAL_NOTE, ACTUAL_SOURCE)
#: The columns of kpi.csv.
CSV_COLUMNS = (*KPI_COLUMNS, *ACTUAL_COLUMNS)

#: What each data file is, for the description of its attachment in plan.pdf.
DESCRIPTIONS = {
    "plan.json": "計画の内容の構造化データ（JSON）。形式は schema/plan.schema.json に定義。",
    "kpi.csv": "政策パッケージごとのＫＰＩ一覧（CSV、UTF-8）。ＫＰＩと実績値の年度ごとに1行（実績値のないＫＰＩは1行）。"
    "ＫＰＩが未定の政策パッケージは状態「未定」の1行。",
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
    if isinstance(value, Plan):
        data = {
            "meta": to_data(value.meta),
            "labels": to_data(value.labels),
            "parts": to_data(value.parts),
            "footnotes": to_data(value.footnotes),
        }
        # Where each is written (file:line:col) is for the editors and the data's users;
        # the printed editions never show it.
        data["pending"] = [
            {"where": where, "pending": p.pending.raw, "source": str(p.pos)}
            for where, p in value.pending
        ]
        return data
    if dataclasses.is_dataclass(value):
        # Every object with a kind says so, 未定事項 too: as a block it must, and as a
        # value (基準値, 日付欄) the same object keeps one shape.
        data = {"kind": value.KIND} if hasattr(value, "KIND") else {}
        data.update({f.name: to_data(getattr(value, f.name)) for f, _ in _fields(type(value))})
        return data
    if isinstance(value, tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


def plan_data(plan: Plan) -> dict[str, Any]:
    """The content of ``plan.json``."""
    return {"version": SCHEMA_VERSION, **to_data(plan)}


def plan_json(plan: Plan) -> bytes:
    return (json.dumps(plan_data(plan), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ------------------------------------------------------------------ JSON Schema
#
# The helpers below are shared with content_schema.py, which describes the same model
# in the form the editors write it (YAML keys, KIND keys, includes).

#: An id of an entity, as the loader accepts it.
ID_SCHEMA: dict[str, Any] = {"type": "string", "pattern": _ID.pattern}


def doc_of(cls: type) -> tuple[str | None, str]:
    """A model class's title and description, from its docstring: the words before the
    first colon name it (「段落: a paragraph …」 → 段落), the first paragraph describes it."""
    doc = inspect.cleandoc(cls.__doc__ or cls.__name__)
    first = " ".join(doc.split("\n\n")[0].split("\n"))
    head, sep, _ = first.partition(": ")
    return (head if sep else None), first


def described(schema: dict[str, Any], title: str | None, description: str | None) -> dict[str, Any]:
    """``schema`` with a title and description in front (left out when empty)."""
    out: dict[str, Any] = {}
    if title:
        out["title"] = title
    if description:
        out["description"] = description
    return {**out, **schema}


@functools.cache
def attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under a class's fields (``max: int = …`` then ``\"\"\"…\"\"\"``),
    by field name, from the class's source; inherited fields included."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__[:-1]):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, after in itertools.pairwise(body):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[stmt.target.id] = " ".join(inspect.cleandoc(after.value.value).split())
    return docs


def field_doc(cls: type, f: dataclasses.Field) -> tuple[str | None, str]:
    """A field's title (its Japanese name) and description (its ``doc``, else the
    docstring under it, and the kind of entity whose id it holds)."""
    doc = f.metadata.get("doc", "") or attribute_docs(cls).get(f.name, "")
    ref = f.metadata.get("ref")
    if ref:
        name = doc_of(getattr(model, ref))[0] or ref
        doc = f"{name}の ID" + (f"。{doc}" if doc else "")
    return f.metadata.get("ja"), doc


def refine(cls: type, f: dataclasses.Field, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a field's value with the loader's extra checks: id patterns (on each
    item of a list of ids) and ``rules.VALUE_RULES`` (which the loader checks). Applied to
    the non-null branch of an optional value."""
    ids: dict[str, Any] = dict(ID_SCHEMA) if f.name == "id" or f.metadata.get("ref") else {}
    values: dict[str, Any] = (
        rules.VALUE_RULES[cls, f.name].schema() if (cls, f.name) in rules.VALUE_RULES else {}
    )
    if not ids and not values:
        return schema

    def apply(inner: dict[str, Any]) -> dict[str, Any]:
        if ids and inner.get("type") == "array" and isinstance(inner.get("items"), dict):
            return {**inner, "items": {**inner["items"], **ids}, **values}
        return {**inner, **ids, **values}

    if "oneOf" in schema and {"type": "null"} in schema["oneOf"]:
        options = [o for o in schema["oneOf"] if o != {"type": "null"}]
        inner = options[0] if len(options) == 1 else {"oneOf": options}
        return {
            **{k: v for k, v in schema.items() if k != "oneOf"},
            "oneOf": [apply(inner), {"type": "null"}],
        }
    return apply(schema)


class _SchemaBuilder:
    """The schema of plan.json: every field present, blocks told apart by ``kind``."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            args = typing.get_args(tp)
            # An include is replaced by the block of its file when the plan is loaded.
            options = [a for a in args if a not in (type(None), model.Include)]
            if int in options and float in options:
                options.remove(int)  # a number: 10 or 0.5
            schemas = [self.of(a) for a in options]
            if type(None) in args:
                schemas.append({"type": "null"})
            return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
        if origin is tuple:
            return {"type": "array", "items": self.of(typing.get_args(tp)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(typing.get_args(tp)[1])}
        if tp is model.Cell:
            return {"type": "string", "description": "表のセル（空でもよい。改行はそのまま改行）"}
        if tp is Text:
            return {"type": "string", "minLength": 1}
        if isinstance(tp, type) and issubclass(tp, Prose):
            return {
                "type": "string",
                "minLength": 1,
                "description": "Markdown の文章（ファイルから読んだものもその内容）",
            }
        if tp is str:
            return {"type": "string", "minLength": 1}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is float:
            return {"type": "number"}
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self.ref(tp)
        raise TypeError(f"no schema for {tp!r}")

    def ref(self, cls: Any) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # recursion (a section's body) finds the name already taken
            props: dict[str, Any] = {}
            if model.is_block(cls):
                props["kind"] = {
                    "const": cls.KIND,
                    "description": "ブロックの種類（内容ファイルで最初に書く項目名）",
                }
            for f, tp in _fields(cls):
                props[f.name] = described(refine(cls, f, self.of(tp)), *field_doc(cls, f))
            title, description = doc_of(cls)
            self.defs[name] = described(
                {
                    "type": "object",
                    "properties": props,
                    "required": list(props),
                    "additionalProperties": False,
                },
                title,
                description,
            )
        return {"$ref": f"#/$defs/{name}"}


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``plan.json``, from the model."""
    builder = _SchemaBuilder()
    text = builder.of(Text)
    props: dict[str, Any] = {
        "version": {"const": SCHEMA_VERSION, "description": "このファイルの形式の版"},
        "meta": described(builder.of(model.PlanMeta), "表紙と文書情報", None),
        "labels": {
            "title": "見出しの語",
            "description": "表示する語のすべて（plan.yaml の labels で置き換えたものは置き換えた語）。"
            "政策パッケージの【…】の語は part の label がこの名前を指す",
            "type": "object",
            "properties": {
                k: described(dict(text), None, f"既定: {v}")
                for k, v in model.DEFAULT_LABELS.items()
            },
            "required": list(model.DEFAULT_LABELS),
            "additionalProperties": text,
        },
        "parts": described(
            builder.of(tuple[model.Block, ...]),
            "部の並び",
            "計画の部（表紙・目次・各章・参考）を文書の順に。各ブロックの kind がその種類",
        ),
        "footnotes": {
            "title": "脚注",
            "description": "脚注の本文（ID ごと）。本文からは [^ID] で呼び出す",
            "type": "object",
            "propertyNames": {"pattern": _ID.pattern},
            "additionalProperties": text,
        },
        "pending": {
            "title": "未定事項",
            "description": "すべての未定事項を文書の順に、見出しをたどる位置とともに",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["where", "pending", "source"],
                "additionalProperties": False,
                "properties": {
                    "where": {
                        "type": "string",
                        "minLength": 1,
                        "description": "位置（見出しを › でつないだもの）",
                    },
                    "source": {
                        "type": "string",
                        "minLength": 1,
                        "description": "書かれている内容ファイルの位置（ファイル:行:列）",
                    },
                    "pending": described(dict(text), None, "未定の理由"),
                },
            },
        },
    }
    return {
        "$schema": DRAFT,
        "title": "社会資本整備重点計画 plan.json",
        "description": "計画の内容の構造化データ。PDF とともに公開する。文書の木（parts）をそのまま、"
        '文字は内容ファイルに書かれたとおり（インライン Markdown）、未定事項は {"kind": "pending", "pending": 理由} で表す。',
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
    return value_text(v.value), v.year.raw


def value_text(value: int | float | Text) -> str:
    """A KPI value as a cell of text: a number as written (10, 0.5), text as its source."""
    if isinstance(value, Text):
        return value.raw
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def kpi_rows(plan: Plan) -> list[dict[str, str]]:
    """One row per ＫＰＩ and year of its 実績値 (one row for a ＫＰＩ without any), in long
    format for statistics; one 未定 row per 政策パッケージ whose ＫＰＩ are pending."""
    rows = []
    for goal, _group, pkg in plan.packages():
        base = {
            "ＫＰＩのID": "",
            "政策パッケージのID": pkg.id,
            "重点目標": goal.title.raw,
            "政策パッケージ": pkg.title.raw,
        }
        if isinstance(pkg.kpis, Pending):
            rows.append(
                {
                    **dict.fromkeys(CSV_COLUMNS, ""),
                    **base,
                    "状態": OPEN,
                    "備考": pkg.kpis.pending.raw,
                }
            )
        elif not pkg.kpis and not pkg.regional_kpis:
            rows.append({**dict.fromkeys(CSV_COLUMNS, ""), **base, "状態": NONE})
            continue
        # A regional edition's own ＫＰＩ of the package follow the national ones.
        for k in pkg.all_kpis:
            row = {**dict.fromkeys(ACTUAL_COLUMNS, ""), **_kpi_row(base, k)}
            if not k.actuals:
                rows.append(row)
            for a in k.actuals:
                rows.append(
                    {
                        **row,
                        ACTUAL_YEAR: a.year.raw,
                        ACTUAL_VALUE: value_text(a.value),
                        ACTUAL_NOTE: a.note.raw if a.note else "",
                        ACTUAL_SOURCE: a.source.raw if a.source else "",
                    }
                )
    return rows


def _kpi_row(base: dict[str, str], k: Kpi) -> dict[str, str]:
    notes = [k.notes.raw] if k.notes else []
    baseline, baseline_year = _value(k.baseline, "基準値", notes)
    target, target_year = _value(k.target, "目標値", notes)
    pending = isinstance(k.baseline, Pending) or isinstance(k.target, Pending)
    return {
        **base,
        "ＫＰＩのID": k.id,
        "指標": k.indicator.raw,
        "単位": k.unit.raw if k.unit else "",
        "基準値": baseline,
        "基準年度": baseline_year,
        "目標値": target,
        "目標年度": target_year,
        "状態": PARTLY if pending else SET,
        "備考": " / ".join(notes),
    }


#: What a spreadsheet program may read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The columns that hold a value which may be a number (value_text of an int or a float).
NUMBER_COLUMNS = ("基準値", "目標値", ACTUAL_VALUE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def neutralised(cell: str, column: str) -> str:
    """A cell of kpi.csv that no spreadsheet program runs as a formula: text that starts
    with ``= + - @``, a tab or a carriage return is prefixed with ``'``, as OWASP
    recommends; a number in a value column (-3.5) is left a number.
    ``kpi_sheet`` removes the ``'`` again when it reads the file back."""
    if not cell.startswith(FORMULA_STARTS):
        return cell
    if column in NUMBER_COLUMNS and _NUMBER.fullmatch(cell):
        return cell
    return "'" + cell


def kpi_csv(plan: Plan) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(
        {column: neutralised(cell, column) for column, cell in row.items()}
        for row in kpi_rows(plan)
    )
    return buf.getvalue().encode("utf-8-sig")


if __name__ == "__main__":
    sys.stdout.write(schema_text())
