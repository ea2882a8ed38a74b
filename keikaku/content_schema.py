"""JSON Schemas of the content files, for editors whose YAML editor checks and completes
as they type (VS Code with the YAML extension, and any editor using yaml-language-server).

Generated from the same model the loader builds (``model/``), in the form editors write
it: a block is a mapping whose first key names its kind and holds its main value
(``- section: 見出し``), ``include: file.yaml`` may stand wherever a block may, a text
may be written as a number, an optional value may be left empty. Titles and
descriptions come from the model's Japanese field names (``ja``), their ``doc`` and the
classes' docstrings. Checks a schema cannot express (ids that exist, a ≪…≫ group under
the 重点目標 of its 目指す社会の姿, rows of equal length) remain the loader's.

Five schemas, in ``schema/content/``:

- ``plan.schema.json``: ``content/plan.yaml`` (cover, ``labels``, ``parts``);
- ``part.schema.json``: every other YAML file that ``plan.yaml`` or another file
  includes: one block, usually ``section:`` or ``goal:``;
- ``footnotes.schema.json``: ``content/footnotes.yaml`` (id → text);
- ``lint.schema.json``: ``content/lint.yaml`` (``LintConfig``; keys with hyphens);
- ``overview.schema.json``: ``content/overview.yaml`` (the 概要's own content).

Each file is self-contained (its own ``$defs``, ``#/$defs/…`` references, no ``$id``),
so an editor needs no network. Each content file names its schema on its first line
(``modeline``). The files declare draft 2020-12 but use only keywords that draft 7 reads
alike (``$defs`` is reached by plain JSON pointers), as yaml-language-server validates
with draft 7 semantics. Regenerate them after a change to
the model, and commit them (a test compares): ``python -m keikaku.content_schema``.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types
import typing
from pathlib import Path, PurePosixPath
from typing import Any

from . import model
from .data import DRAFT, described, doc_of, field_doc, refine
from .followup_config import FollowupConfig
from .lint import LintConfig
from .load.names import _ID, FOOTNOTES_FILE, LINT_FILE, PLAN_FILE
from .model import Prose, Text, fields_of
from .overview import OVERVIEW_FILE, OverviewFile

SCHEMA_DIR = "schema/content"

#: The schema of each fixed content file, by its path in the content folder; every
#: other YAML file is a part (``part``).
FIXED = {
    PLAN_FILE: "plan",
    FOOTNOTES_FILE: "footnotes",
    LINT_FILE: "lint",
    "followup.yaml": "followup",
    OVERVIEW_FILE: "overview",
}

#: A content text: written as text, or as a number (the loader takes ``2030`` as 「2030」).
TEXT: dict[str, Any] = {"type": ["string", "number"], "pattern": r"\S"}
NULL: dict[str, Any] = {"type": "null"}


def _path(*suffixes: str) -> dict[str, Any]:
    """A relative path inside content/ ending in one of ``suffixes`` (any case)."""
    ends = "|".join(
        "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in s) for s in suffixes
    )
    return {"type": "string", "pattern": rf"^(?![/\\])(?![A-Za-z][A-Za-z0-9+.-]*:).*\.({ends})$"}


#: Paths the loader resolves, by model class and field name.
PATHS: dict[tuple[type, str], dict[str, Any]] = {
    (model.Figure, "src"): _path("png", "jpg", "jpeg", "svg"),
    (model.MarkdownFile, "prose"): _path("md"),
    (model.Include, "file"): _path("yaml", "yml"),
}


def schema_name(rel_path: str) -> str:
    """Which schema a content file follows, from its path in the content folder."""
    return FIXED.get(PurePosixPath(rel_path).as_posix(), "part")


def modeline(rel_path: str) -> str:
    """The first line of a content file that tells yaml-language-server its schema:
    ``# yaml-language-server: $schema=../../schema/content/part.schema.json`` for
    ``goals/green.yaml``. ``rel_path`` is relative to the content folder, which stands
    beside ``schema/`` in the project."""
    depth = len(PurePosixPath(rel_path).parts)  # content/ itself, and each folder below it
    return f"# yaml-language-server: $schema={'../' * depth}{SCHEMA_DIR}/{schema_name(rel_path)}.schema.json"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if schema == NULL or ("oneOf" in schema and NULL in schema["oneOf"]):
        return schema
    return {"oneOf": [schema, NULL]}


class _ContentSchema:
    """The model in the form of the content files."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def value(self, tp: Any) -> dict[str, Any]:
        """The schema of a value of model type ``tp`` as written in YAML."""
        origin = typing.get_origin(tp)
        if tp == model.Block:
            return self.block_union()
        if origin in (typing.Union, types.UnionType):
            args = typing.get_args(tp)
            options = [a for a in args if a is not type(None)]
            if Text in options:  # a number is a text already (int | float | Text)
                options = [o for o in options if o not in (int, float)]
            if int in options and float in options:  # a number, whole or not
                options = [o for o in options if o is not int]
            kinds = [o for o in options if model.is_block(o)]
            # The loader tries the kinds (a mapping) before the plain values.
            schemas = [self.ref(k) for k in kinds] + [
                self.value(o) for o in options if o not in kinds
            ]
            if type(None) in args:
                schemas.append(NULL)
            return schemas[0] if len(schemas) == 1 else {"oneOf": schemas}
        if origin is tuple:
            return {"type": "array", "items": self.value(typing.get_args(tp)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.value(typing.get_args(tp)[1])}
        if tp is model.Cell:
            return {
                "type": ["string", "number", "null"],
                "description": "セル（空でもよい。セル内の改行はそのまま改行）",
            }
        if tp is Text:
            return dict(TEXT)
        if tp is model.InlineProse:
            return {"type": "string", "pattern": r"\S"}
        if tp is Prose:
            return _path("md")
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

    def block_union(self) -> dict[str, Any]:
        """Any block of a body (``Block``), ``include: file.yaml`` among them."""
        if "Block" not in self.defs:
            self.defs["Block"] = {}
            self.defs["Block"] = self.blocks(model.BLOCK_KINDS)
        return {"$ref": "#/$defs/Block"}

    def blocks(self, kinds: tuple[Any, ...]) -> dict[str, Any]:
        return {
            "title": "ブロック",
            "description": "最初の項目名が種類を表す項目の組: "
            + " ".join(f"{k.KIND}:" for k in kinds),
            "type": "object",
            "oneOf": [self.ref(k) for k in kinds],
        }

    def field(self, cls: type, f: dataclasses.Field, tp: Any) -> dict[str, Any]:
        schema = PATHS.get((cls, f.name)) or self.value(tp)
        optional = f.default is not dataclasses.MISSING and f.name != getattr(cls, "MAIN", None)
        if optional:
            # An empty value (``caption:``) means the default, as in the loader.
            schema = _nullable(schema)
        schema = refine(cls, f, schema)
        if optional and isinstance(f.default, (bool, int, str)):
            schema = {**schema, "default": f.default}
        return described(schema, *field_doc(cls, f))

    def ref(self, cls: type) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # recursion (a section's body) finds the name already taken
            self.defs[name] = self.object(cls)
        return {"$ref": f"#/$defs/{name}"}

    def object(self, cls: type, keys: dict[str, str] | None = None) -> dict[str, Any]:
        """A mapping of a model class: a block's kind key first and required, the fields
        without defaults required, every other key refused. ``keys`` renames fields."""
        kind = getattr(cls, "KIND", None)
        main = getattr(cls, "MAIN", None)
        props: dict[str, Any] = {}
        required: list[str] = []
        for f, tp in fields_of(cls):
            if f.metadata.get("derived"):
                continue
            key = kind if f.name == main and kind else (keys or {}).get(f.name, f.name)
            props[key] = self.field(cls, f, tp)
            if f.default is dataclasses.MISSING or key == kind:
                required.append(key)
        title, description = doc_of(cls)
        if not kind:
            return described(
                {
                    "type": "object",
                    "properties": props,
                    "required": required,
                    "additionalProperties": False,
                },
                title,
                description,
            )
        props = {kind: props.pop(kind), **props}
        required = [kind, *(r for r in required if r != kind)]
        # A body's blocks are a oneOf of every kind, and a validator tries each kind on
        # each block, the blocks below it included: checked in full, that grows with
        # the depth of the tree as (number of kinds)^depth. So a kind is checked only
        # once its key is there (if/then); its keys are listed outside, with their titles
        # and descriptions only, for the editor's completion and hover.
        outline = {
            key: {k: v for k, v in p.items() if k in _ANNOTATIONS} for key, p in props.items()
        }
        checks = {
            key: {k: v for k, v in p.items() if k not in _ANNOTATIONS} for key, p in props.items()
        }
        return described(
            {
                "type": "object",
                "properties": outline,
                "required": [kind],
                "if": {"required": [kind]},
                "then": {"properties": checks, "required": required, "additionalProperties": False},
            },
            f"{title or cls.__name__}（{kind}:）",
            description,
        )


#: Keywords that describe a value without checking it.
_ANNOTATIONS = ("title", "description", "default", "examples")


def _document(
    title: str, description: str, body: dict[str, Any], builder: _ContentSchema
) -> dict[str, Any]:
    out = {"$schema": DRAFT, "title": title, "description": description, **body}
    if builder.defs:
        out["$defs"] = dict(sorted(builder.defs.items()))
    return out


def plan_schema() -> dict[str, Any]:
    """content/plan.yaml: the cover (``PlanMeta``), ``labels`` and ``parts``."""
    builder = _ContentSchema()
    body = builder.object(model.PlanFile)
    labels = body["properties"]["labels"]
    body["properties"]["labels"] = {
        **{k: v for k, v in labels.items() if k in ("title", "description")},
        "type": ["object", "null"],
        "properties": {
            k: described(dict(TEXT), None, f"既定: {v}") for k, v in model.DEFAULT_LABELS.items()
        },
        "additionalProperties": described(
            dict(TEXT), None, "政策パッケージの【…】に使う新しい語（part: の名前）"
        ),
    }
    del body["title"]
    return _document(
        "plan.yaml（計画の表紙・見出しの語・部の並び）", doc_of(model.PlanFile)[1], body, builder
    )


def part_schema() -> dict[str, Any]:
    """An included YAML file: one block, not itself an include."""
    builder = _ContentSchema()
    body = builder.blocks(tuple(k for k in model.BLOCK_KINDS if k is not model.Include))
    del body["title"], body["description"]
    return _document(
        "content/ の部分ファイル（include で読み込まれるファイル）",
        "plan.yaml などから include: で読み込まれるファイル。ファイル全体が一つのブロック"
        "（ふつうは section: 見出し または goal: 名称）。最初の項目名が種類を表す: "
        + " ".join(
            f"{getattr(k, 'KIND', '')}:" for k in model.BLOCK_KINDS if k is not model.Include
        ),
        body,
        builder,
    )


def footnotes_schema() -> dict[str, Any]:
    """content/footnotes.yaml: footnote texts by id."""
    builder = _ContentSchema()
    body = {
        "type": "object",
        "propertyNames": {"pattern": _ID.pattern},
        "additionalProperties": described(dict(TEXT), "脚注の本文", None),
    }
    return _document(
        "footnotes.yaml（脚注）",
        "脚注の本文を「ID: 本文」で。本文からは [^ID] で呼び出す。ID は半角の英小文字・数字・ハイフン。",
        body,
        builder,
    )


def lint_schema() -> dict[str, Any]:
    """content/lint.yaml: ``LintConfig``, its keys with hyphens (``width-digits``)."""
    builder = _ContentSchema()
    keys = {f.name: f.name.replace("_", "-") for f, _ in fields_of(LintConfig)}
    body = builder.object(LintConfig, keys)
    del body["title"]
    return _document(
        "lint.yaml（公用文チェックの設定）",
        "規則ごとに enabled（有効）、in_draft（素案でも警告する）、max（上限）を。"
        "書かない規則は既定の設定で動く。",
        body,
        builder,
    )


def followup_schema() -> dict[str, Any]:
    """content/followup.yaml: ``followup.FollowupConfig``."""
    builder = _ContentSchema()
    body = builder.object(FollowupConfig, {f.name: f.name for f, _ in fields_of(FollowupConfig)})
    del body["title"]
    return _document(
        "followup.yaml（年次フォローアップの設定）",
        "報告の題名、計画期間の年度（kpi export の実績値の列）、順調とする割合。"
        "書かない項目は既定のとおり。",
        body,
        builder,
    )


def overview_schema() -> dict[str, Any]:
    """content/overview.yaml: the 概要's own content (``overview.OverviewFile``)."""
    builder = _ContentSchema()
    body = builder.object(OverviewFile)
    del body["title"]
    return _document("overview.yaml（概要）", doc_of(OverviewFile)[1], body, builder)


SCHEMAS = {
    "plan": plan_schema,
    "overview": overview_schema,
    "part": part_schema,
    "footnotes": footnotes_schema,
    "lint": lint_schema,
    "followup": followup_schema,
}


def schema_texts() -> dict[str, str]:
    """Every content schema as the text of its file, by file name."""
    return {
        f"{name}.schema.json": json.dumps(make(), ensure_ascii=False, indent=2) + "\n"
        for name, make in SCHEMAS.items()
    }


def write_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in schema_texts().items():
        (out_dir / name).write_text(text, encoding="utf-8")
        written.append(out_dir / name)
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m keikaku.content_schema [DIR]``: write the schemas (default schema/content)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(__file__).resolve().parent.parent / SCHEMA_DIR
    for path in write_schemas(out):
        print(path)
    return 0


__all__ = ["SCHEMA_DIR", "modeline", "schema_name", "schema_texts", "write_schemas"]

if __name__ == "__main__":
    sys.exit(main())
