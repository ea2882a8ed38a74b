"""The JSON Schemas of the content files (schema/content/), for editors' YAML editors:
generated from the model, committed, named on each content file's first line, and
agreeing with the loader on what a content file may hold."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from conftest import MINIMAL, PROJECT, write_content
from keikaku import model
from keikaku.content_schema import SCHEMA_DIR, modeline, schema_name, schema_texts
from keikaku.errors import BuildError
from keikaku.load import load_plan

SCHEMAS = {name: json.loads(text) for name, text in schema_texts().items()}
MIN = {name: textwrap.dedent(text) for name, text in MINIMAL.items()}


def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMAS[f"{name}.schema.json"])


def errors(name: str, text: str) -> list[str]:
    """What the schema ``name`` finds wrong with the YAML ``text``."""
    data = yaml.safe_load(textwrap.dedent(text))
    return [f"{e.json_path}: {e.message}" for e in validator(name).iter_errors(data)]


def yaml_files(content: Path) -> list[str]:
    return sorted(p.relative_to(content).as_posix() for p in content.rglob("*.yaml"))


def check_folder(content: Path) -> None:
    for rel in yaml_files(content):
        found = errors(schema_name(rel), (content / rel).read_text(encoding="utf-8"))
        assert not found, (rel, found[:5])


# ------------------------------------------------------------------ the files


def test_committed_content_schemas_are_the_ones_the_model_gives():
    # After a change to the model: python -m keikaku.content_schema
    folder = PROJECT / SCHEMA_DIR
    assert sorted(p.name for p in folder.iterdir()) == sorted(schema_texts())
    for name, text in schema_texts().items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
        schema = json.loads(text)
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert "$id" not in schema


def test_references_stay_inside_each_file():
    def refs(node: Any):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    for name, schema in SCHEMAS.items():
        for ref in refs(schema):
            assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in schema["$defs"], (
                name,
                ref,
            )


def test_modeline_points_from_a_content_file_to_its_schema():
    assert (
        modeline("plan.yaml")
        == "# yaml-language-server: $schema=../schema/content/plan.schema.json"
    )
    assert (
        modeline("goals/green.yaml")
        == "# yaml-language-server: $schema=../../schema/content/part.schema.json"
    )
    assert modeline("footnotes.yaml").endswith("=../schema/content/footnotes.schema.json")
    assert modeline("lint.yaml").endswith("=../schema/content/lint.schema.json")
    assert modeline("a/b/c.yaml").endswith("=../../../schema/content/part.schema.json")


def test_every_content_file_names_its_schema_on_its_first_line():
    content = PROJECT / "content"
    for rel in yaml_files(content):
        first = (content / rel).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first == modeline(rel), rel
        target = (content / rel).parent / first.split("$schema=", 1)[1]
        assert (
            target.resolve() == (PROJECT / SCHEMA_DIR / f"{schema_name(rel)}.schema.json").resolve()
        )


def test_the_real_content_follows_its_schemas():
    check_folder(PROJECT / "content")


def test_the_minimal_content_follows_its_schemas(tmp_path):
    content = write_content(tmp_path)
    assert set(yaml_files(content)) == {k for k in MINIMAL if k.endswith(".yaml")}
    check_folder(content)


# ------------------------------------------------------------------ each block kind

#: One small example of each block kind, as an editor writes it in a body.
EXAMPLES = {
    "p": "p: 本文\nlabel: 例：\nalign: right\nindent: false",
    "list": "list:\n  - 項目\n  - 2030\n  - item: 下に内容を持つ項目\n    body:\n      - list: [下の項目]\n        marker: ○\nmarker: （１）",
    "note": "note: 注記の本文\nmark: ※１",
    "table": "table:\n  - [区分, 内容]\n  - [Ａ, null]\n  - [Ｂ, 10]\nheader: 1\nwidths: [30%, auto]\ncaption: 表の表題\nsource: 出典の名前",
    "figure": "figure: images/a.svg\ncaption: 図の表題\nalt: 図の内容\nsource: 出典の名前\nwidth: 80%",
    "diagram": "diagram: society\ncaption: 関係図\nlinks:\n  - {challenge: challenge-a, vision: vision-a}",
    "pending": "pending: 次回以降に議論\nlabel: ※\nwhat: 本文の未定事項",
    "page_break": "page_break: true",
    "markdown": "markdown: |\n  Markdown の段落。\n\n  - 項目",
    "prose": "prose: prose/outlook.md",
    "generated": "generated: toc\ncaption: 目次\ndepth: 2",
    "section": "section: 見出し\nid: a-section\nnumbering: paren\nchild_numbering: kana\ntoc_depth: 2\n"
    "title_note: （注）\ndraft_only: true\nbody:\n  - p: 本文",
    "challenge": "challenge: 課題\nid: challenge-a\nbody:\n  - p: 本文",
    "vision": "vision: 姿\nid: vision-a\ngoal: goal-a\ntheme_examples: [例Ａ]",
    "goal_outline": "goal_outline: goal-a",
    "goal": "goal: 重点目標\nid: goal-a\nbody:\n  - group: vision-a\n    body: []",
    "group": "group: vision-a\nid: goal-a-vision-a\nbody:\n  - pending: 次回以降に議論",
    "package": "package: 施策テーマ\nid: pkg-a\nparts:\n  - part: measures\n    body:\n      - list: [取組]\n"
    "  - kpis:\n      - id: kpi-a\n        indicator: 指標\n        unit: 件\n"
    "        baseline: {value: 10, year: 令和５年度}\n        target: {pending: 次回以降に議論}\n        notes: 備考",
    "projects": "projects:\n  - id: pj-a\n    name: 事業名\n    place: 見本市\n    completion: 令和10年度\n"
    "    cost: 120\n    notes: 備考\n  - id: pj-b\n    name: 事業名Ｂ\n    cost: 35.5\n"
    "caption: 主要事業\nsource: 出典の名前\nnumbered: false",
    "include": "include: chapters/other.yaml",
}


def in_a_body(example: str) -> str:
    """A part file (one section) whose body holds ``example``."""
    return "section: 節\nid: holder\nbody:\n" + textwrap.indent(example, "    ").replace(
        "    ", "  - ", 1
    )


def test_there_is_an_example_of_every_block_kind():
    assert set(EXAMPLES) == {k.KIND for k in model.BLOCK_KINDS}


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_every_block_kind_is_accepted_in_a_body(kind):
    assert errors("part", in_a_body(EXAMPLES[kind])) == []
    assert (
        errors(
            "plan",
            MIN["plan.yaml"] + textwrap.indent(EXAMPLES[kind], "    ").replace("    ", "  - ", 1),
        )
        == []
    )


@pytest.mark.parametrize("kind", sorted(set(EXAMPLES) - {"include"}))
def test_a_part_file_holds_one_block_of_any_kind_but_include(kind):
    assert errors("part", EXAMPLES[kind]) == []


def test_only_the_kind_key_and_required_fields_are_required():
    assert errors("part", "section: 見出しだけ")  # id is required
    assert errors("part", "section: 見出し\nid: s") == []
    assert errors("part", "figure: a.png\ncaption: 表題")  # alt and source are required
    assert errors("part", "p: 本文\ncaption:") and errors("part", "p:")
    assert errors("part", "p: 本文\nlabel:\nalign:") == []  # empty optional values mean the default


def test_the_plain_blocks_load_as_the_schema_says(tmp_path):
    """The examples are what the loader accepts too: placed in a real plan, it builds."""
    plain = [
        "p",
        "list",
        "note",
        "table",
        "figure",
        "pending",
        "page_break",
        "markdown",
        "prose",
        "generated",
        "section",
        "projects",
    ]
    body = "".join(
        textwrap.indent(EXAMPLES[k], "    ").replace("    ", "  - ", 1) + "\n" for k in plain
    )
    chapter = "section: 例\nid: examples\nbody:\n" + body
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    plan = MIN["plan.yaml"].replace(
        "  - include: chapter4.yaml\n", "  - include: chapter4.yaml\n  - include: examples.yaml\n"
    )
    content = write_content(
        tmp_path, {"examples.yaml": chapter, "images/a.svg": svg, "plan.yaml": plan}
    )
    check_folder(content)
    loaded = load_plan(content)
    assert [b.KIND for b in loaded.index.sections["examples"].body] == plain


# ------------------------------------------------------------------ what is refused


def messages(errors_: Any) -> list[str]:
    """Every error with the errors of the alternatives it tried, as ``path: message``."""
    out = []
    for e in errors_:
        out.append(f"{e.json_path}: {e.message}")
        out.extend(messages(e.context))
    return out


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("plan", MIN["plan.yaml"].replace("subject:", "subjet:"), "'subjet' was unexpected"),
        (
            "plan",
            MIN["plan.yaml"].replace("title: テスト計画\n", ""),
            "'title' is a required property",
        ),
        (
            "plan",
            MIN["plan.yaml"] + "labels: [重点施策]\n",
            "$.labels: ['重点施策'] is not of type",
        ),
        (
            "part",
            MIN["chapter1.yaml"].replace("section: 状況の変化", "section: 状況の変化\ntitel: 誤り"),
            "'titel' was unexpected",
        ),
        (
            "part",
            MIN["chapter1.yaml"].replace("- list: [変化Ａの内容]", "- paragraph: 段落"),
            "$.body[0].body[0].body[0]: {'paragraph': '段落'} is not valid under any",
        ),
        (
            "part",
            MIN["chapter1.yaml"].replace("- list: [変化Ａの内容]", "- list: 一覧でない"),
            "'一覧でない' is not of type 'array'",
        ),
        (
            "part",
            MIN["chapter1.yaml"].replace("id: ch1-changes", "id: Ch1_Changes"),
            "'Ch1_Changes' does not match",
        ),
        (
            "part",
            MIN["goals/a.yaml"].replace(
                "- group: vision-a", "- group: vision-a\n    vision: vision-a"
            ),
            "'vision' was unexpected",
        ),  # the kind key holds it already
        ("part", "section: 見出し\nid: s\nnumbering: chapterr", "'chapterr' is not one of"),
        ("part", "section: 見出し\nid: s\ntoc_depth: 7", "7 is greater than the maximum of 6"),
        ("part", "section: ' '\nid: s", "$.section: ' ' does not match"),  # an empty text
        ("part", "section: true\nid: s", "$.section: True is not of type"),
        ("part", "section: 見出し\nid: s\nbody:\n  - {}", "$.body[0]: {} is not valid under any"),
        (
            "part",
            "section: 見出し\nid: s\nbody:\n  - include: notes.md",
            "'notes.md' does not match",
        ),
        (
            "part",
            "section: 見出し\nid: s\nbody:\n  - include: /etc/x.yaml",
            "'/etc/x.yaml' does not match",
        ),
        (
            "part",
            "include: chapter1.yaml",
            "$: {'include': 'chapter1.yaml'} is not valid under any",
        ),  # not an include
        ("part", "list: [Ａ]\nmarker: とても長い記号", "'とても長い記号' is too long"),
        ("part", "page_break: false", "True was expected"),
        ("part", "table:\n  - [Ａ]\nwidths: [30 %]", "'30 %' does not match"),
        ("part", "table: []", "[] should be non-empty"),
        ("part", "generated: tocc", "'tocc' is not one of"),
        ("part", "diagram: societyy\ncaption: 図", "'societyy' is not one of"),
        ("part", "p: 本文\nalign: left", "'left' is not one of"),
        ("part", "figure: a.gif\ncaption: 図\nalt: 図\nsource: 出典", "'a.gif' does not match"),
        (
            "part",
            "goal: 重点目標\nid: g\nbody:\n  - group: v\n    body:\n      - package: 施策\n        id: p\n"
            "        parts:\n          - p: 本文",
            "$.body[0].body[0].parts[0]: {'p': '本文'} is not valid under any",
        ),
        (
            "part",
            EXAMPLES["package"].replace("year: 令和５年度", "year: 令和５年度, unit: 件"),
            "'unit' was unexpected",
        ),
        (
            "part",
            EXAMPLES["package"].replace("{pending: 次回以降に議論}", "{}"),
            "$.parts[1].kpis[0].target: {} is not valid",
        ),
        ("footnotes", "Note_A: 本文", "'Note_A' does not match"),
        ("footnotes", "note-a:\n  - 一覧", "$['note-a']: ['一覧'] is not of type"),
        ("lint", "width_digit:\n  enabled: true", "'width_digit' was unexpected"),
        ("lint", "sentence-length:\n  max: 長い", "'長い' is not of type 'integer'"),
        ("lint", "brackets:\n  enable: false", "'enable' was unexpected"),
    ],
)
def test_the_schemas_refuse_what_the_loader_refuses(name, text, expected):
    found = messages(validator(name).iter_errors(yaml.safe_load(textwrap.dedent(text))))
    assert any(expected in m for m in found), found


def test_the_loader_refuses_an_unknown_field_and_kind_too(tmp_path):
    for n, overrides in enumerate(
        [
            {"plan.yaml": MIN["plan.yaml"].replace("subject:", "subjet:")},
            {
                "chapter1.yaml": MIN["chapter1.yaml"].replace(
                    "- list: [変化Ａの内容]", "- paragraph: 段落"
                )
            },
        ]
    ):
        with pytest.raises(BuildError):
            load_plan(write_content(tmp_path / str(n), overrides))


# ------------------------------------------------------------------ documentation


def test_the_schemas_document_the_tree():
    defs = SCHEMAS["part.schema.json"]["$defs"]
    section = defs["Section"]
    assert section["title"] == "節・項（section:）"
    assert next(iter(section["properties"])) == "section" and section["then"]["required"] == [
        "section",
        "id",
    ]
    assert section["properties"]["section"]["title"] == "見出し"
    assert section["properties"]["draft_only"]["default"] is False
    checks = section["then"]["properties"]
    assert checks["numbering"]["oneOf"][0]["enum"] == list(model.NUMBERING)
    assert defs["Generated"]["then"]["properties"]["generated"]["enum"] == list(model.GENERATED)
    assert defs["Diagram"]["then"]["properties"]["diagram"]["enum"] == list(model.DIAGRAMS)
    assert "（１）" in defs["BulletList"]["then"]["properties"]["marker"]["oneOf"][0]["examples"]
    assert defs["PackageGroup"]["properties"]["group"]["description"].startswith(
        "目指す社会の姿の ID"
    )
    for schema in SCHEMAS.values():
        for d in schema.get("$defs", {}).values():
            if "properties" in d:
                assert (d.get("then") or d)["additionalProperties"] is False
                assert set((d.get("then") or d)["properties"]) == set(d["properties"])
                assert all(p.get("title") for p in d["properties"].values()), d
    labels = SCHEMAS["plan.schema.json"]["properties"]["labels"]
    assert set(labels["properties"]) == set(model.DEFAULT_LABELS)
    assert labels["properties"]["measures"]["description"] == "既定: 当面の取組（例）"
    assert labels["additionalProperties"]["type"] == ["string", "number"]
    lint = SCHEMAS["lint.schema.json"]
    assert (
        "width-digits" in lint["properties"]
        and "in_draft" in lint["$defs"]["LintRule"]["properties"]
    )


def test_a_block_is_checked_once_per_kind():
    """A kind's fields are checked only when its key is there: a deep tree validates in
    time that grows with its size, not with (number of kinds)^depth, in the editor too."""
    block: dict[str, Any] = {"p": "本文"}
    for level in range(12):
        block = {"section": "深い", "id": f"d{level}", "body": [block, {"list": ["項目"]}]}
    checker = jsonschema.Draft202012Validator(SCHEMAS["part.schema.json"])
    start = time.perf_counter()
    assert checker.is_valid(block)
    block["body"][0]["titel"] = "誤り"
    assert not checker.is_valid(block)
    assert time.perf_counter() - start < 5
