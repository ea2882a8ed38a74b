"""Load stage: read every content file, validate all of it, build the ``Plan``.

Nothing is rendered before everything has been read and checked. Problems are
collected across all files and raised together, each with ``file:line:col``, the
field's path and what to do.

The loader (``Loader``, loader.py) is built in layers, one module each: reading files
(reading.py), content text (values.py), checks of values, ids and references
(checks.py), typed objects and blocks (blocks.py). This module reads the whole plan
(``load_plan``) and content/lint.yaml (``load_lint_config``), with the checks that
look across the whole plan.
"""

from __future__ import annotations

import os
import typing
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import files, model
from ..errors import BuildError, Pos, Problem
from ..glyphs import missing_glyphs
from ..lint import LintConfig, config_errors
from ..model import Plan, Text
from ..outline import build_outline
from ..overview import OVERVIEW_FILE, OverviewFile
from ..sources import YList, YMap, printable
from .loader import Loader
from .names import (
    EDITIONS_DIR,
    FIXED_FILES,
    FOOTNOTES_FILE,
    LINT_FILE,
    PLAN_FILE,
    REGIONAL_KPIS_KEY,
)


def _check_structure(loader: Loader, parts: tuple[Any, ...]) -> None:
    """Typed entities stand where the plan's hierarchy puts them, and each ≪…≫ group
    under the 重点目標 its 目指す社会の姿 belongs to."""
    visions = {b.id: b for b in model.walk(parts) if isinstance(b, model.Vision)}

    def visit(
        blocks: tuple[Any, ...], parent: Any, draft_only: model.Section | None = None
    ) -> None:
        for block in blocks:
            if draft_only is not None and isinstance(block, _REFERRED_ENTITIES):
                # The lists, the figures and plan.json refer to these in every edition:
                # a final edition without them would number and draw what it does not print.
                loader.problems.add(
                    block.pos,
                    f"「{block.KIND}」（{block.id}）が、最終版に載せない節「{draft_only.id}」"
                    f"（{draft_only.pos}、draft_only: true）の中にあります。一覧・図・plan.json が"
                    "番号と名称を参照するため、最終版から除くことはできません。draft_only を削除するか、"
                    "この項目を節の外に移してください。 (typed entity in a draft-only section)",
                )
            allowed = model.PARENTS.get(type(block))
            if allowed is not None and type(parent) not in allowed:
                where = "、".join(a.KIND for a in allowed if a is not None)
                loader.problems.add(
                    block.pos,
                    f"「{block.KIND}」は「{where}」の本文の中にだけ置けます。"
                    f"置く場所を直してください。 (misplaced {block.KIND})",
                )
            if isinstance(block, model.PackageGroup) and isinstance(parent, model.PriorityGoal):
                vision = visions.get(block.vision)
                if vision and vision.goal != parent.id:
                    loader.problems.add(
                        block.pos,
                        f"目指す社会の姿「{vision.id}」は重点目標「{vision.goal}」に属していますが、"
                        f"重点目標「{parent.id}」の下に置かれています。目指す社会の姿の goal か、"
                        "この group を直してください。 (group under the wrong goal)",
                    )
            if (
                isinstance(block, model.Diagram)
                and block.name == "pillars"
                and block.section is None
                and not isinstance(parent, model.Section)
            ):
                loader.problems.add(
                    block.pos,
                    "pillars の図は節の本文に置くか、section: で柱にする節を指定してください。",
                )
            inner = block if isinstance(block, model.Section) and block.draft_only else draft_only
            visit(model.children(block), block, inner)

    visit(parts, None)


#: Typed entities that the rest of the plan numbers and lists in every edition (the
#: 政策パッケージ一覧 and ＫＰＩ一覧, 第２章's 重点目標の案, 図１, plan.json, kpi.csv).
_REFERRED_ENTITIES = (model.PriorityGoal,)


def _goals_without_outline(parts: tuple[Any, ...]) -> list[Problem]:
    """重点目標 that 第２章's 重点目標の案 leaves out while it lists others: a goal added to
    第３章 alone would print there and not among the 重点目標の案 (nor in 図１'s list)."""
    blocks = list(model.walk(parts))
    outlined = {b.goal for b in blocks if isinstance(b, model.GoalOutline)}
    if not outlined:
        return []
    first = next(b for b in blocks if isinstance(b, model.GoalOutline))
    return [
        Problem(
            goal.pos,
            f"重点目標「{goal.id}」が第２章の重点目標の案（{first.pos} など）にありません。"
            f"ほかの重点目標と同じように、重点目標の案の節に「- goal_outline: {goal.id}」を"
            "加えてください。 (goal without an outline entry)",
        )
        for goal in blocks
        if isinstance(goal, model.PriorityGoal) and goal.id not in outlined
    ]


_CONTENT_SUFFIXES = (".yaml", ".yml", ".md", ".png", ".jpg", ".jpeg", ".svg")


def _unreferenced(loader: Loader) -> list[Problem]:
    """Content files that nothing in the plan refers to (MkDocs reports pages not in nav).
    The editions' folder is theirs: each edition reports its own files."""
    used = {loader.shown(f) for f in (*FIXED_FILES, *loader.images)} | set(loader.sources)
    found = []
    for entry in sorted(files.walk(loader.root), key=lambda e: e.rel.split("/")):
        rel = entry.rel
        if rel.split("/", 1)[0] == EDITIONS_DIR:
            continue
        if (
            entry.path.suffix.lower() in _CONTENT_SUFFIXES
            and entry.is_file()
            and loader.shown(rel) not in used
        ):
            found.append(
                Problem(
                    Pos(printable(loader.shown(rel), 300)),
                    "このファイルはどこからも参照されていないため、計画に載りません。"
                    "載せるなら plan.yaml か他のファイルから include・prose・figure で参照し、"
                    "不要なら削除してください。 (file not referred to)",
                )
            )
    return found


def _load_overview(loader: Loader) -> OverviewFile | None:
    """content/overview.yaml, the 概要's own content; None when the file is absent (the
    概要 is then made from the plan alone). Its ids are checked with the plan's."""
    if not os.path.lexists(loader.root / OVERVIEW_FILE):
        return None
    node = loader.read(OVERVIEW_FILE)
    if node is None:
        return None
    if not isinstance(node, YMap):
        loader.add(
            getattr(node, "pos", Pos(loader.shown(OVERVIEW_FILE), 1, 1)),
            "overview.yaml 全体を「項目名: 値」の組で書いてください（lead: …、main_kpis: … など）。"
            " (expected a mapping)",
            "",
        )
        return None
    overview: OverviewFile | None = loader.build(OverviewFile, node, "概要")
    if overview is None:
        return None
    seen: dict[str, Pos] = {}
    for entry in overview.goals:
        if entry.goal in seen:
            loader.add(
                entry.pos,
                f"重点目標「{printable(entry.goal)}」の文は {seen[entry.goal]} にも書かれています。"
                "一つにまとめてください。 (goal given twice)",
                "goals",
            )
        seen.setdefault(entry.goal, entry.pos)
    kpis = node.get("main_kpis")
    listed: set[str] = set()
    for n, kpi in enumerate(overview.main_kpis):
        if kpi in listed and isinstance(kpis, YList):
            loader.add(
                kpis.item_pos[n],
                f"ＫＰＩ「{printable(kpi)}」が二度挙げられています。一つにしてください。"
                " (main ＫＰＩ given twice)",
                f"main_kpis[{n}]",
            )
        listed.add(kpi)
    return overview


def _index(
    parts: tuple[Any, ...], visions: dict[str, model.Vision] | None = None
) -> model.PlanIndex:
    blocks = list(model.walk(parts))
    return model.PlanIndex(
        goals=tuple(b for b in blocks if isinstance(b, model.PriorityGoal)),
        visions={
            **(visions or {}),
            **{b.id: b for b in blocks if isinstance(b, model.Vision)},
        },
        challenges=tuple(b for b in blocks if isinstance(b, model.Challenge)),
        outlines=tuple(b for b in blocks if isinstance(b, model.GoalOutline)),
        sections={b.id: b for b in blocks if isinstance(b, model.Section)},
        parents=model.parent_map(parts),
    )


def load_lint_config(content_dir: Path) -> LintConfig:
    """content/lint.yaml, or every rule with its defaults when the file is absent. Raises
    ``BuildError`` with every problem, each at its line."""
    if not os.path.lexists(content_dir / LINT_FILE):
        return LintConfig()
    loader = Loader(content_dir)
    node = loader.read(LINT_FILE)
    if isinstance(node, YMap):
        # YAML keys use hyphens (width-digits), the model underscores.
        fixed = YMap({k.replace("-", "_"): v for k, v in node.items()})
        fixed.pos = node.pos
        fixed.key_pos = {k.replace("-", "_"): p for k, p in node.key_pos.items()}
        fixed.value_pos = {k.replace("-", "_"): p for k, p in node.value_pos.items()}
        fixed.source = {k.replace("-", "_"): p for k, p in node.source.items()}
        node = fixed
    elif node is not None:
        loader.add(
            node.pos if hasattr(node, "pos") else Pos(loader.shown(LINT_FILE), 1, 1),
            "規則名: {enabled: true} の組で書いてください。",
        )
    config = (
        loader.build(LintConfig, node, "公用文チェックの設定") if isinstance(node, YMap) else None
    )
    loader.problems.raise_if_any()
    if config is None:
        return LintConfig()
    # What the types cannot say (lint.config_errors), each at its line of lint.yaml.
    problems = []
    for name, key, message in config_errors(config):
        rule_node = node.get(name) if isinstance(node, YMap) else None
        pos = (
            rule_node.at(key)
            if isinstance(rule_node, YMap) and key in rule_node
            else Pos(loader.shown(LINT_FILE))
        )
        problems.append(Problem(pos, f"{name.replace('_', '-')}.{key}: {message}"))
    if problems:
        raise BuildError(sorted(problems, key=lambda p: p.pos))
    return config


def load_plan(content_dir: Path, *, loader: Loader | None = None) -> Plan:
    """Read, validate and build the whole plan, or raise ``BuildError`` listing every problem.
    ``loader`` reads it instead of a new ``Loader`` (an edition's, editions.py)."""
    loader = Loader(content_dir) if loader is None else loader
    if not content_dir.is_dir():
        loader.problems.add(
            Pos(loader.shown_root),
            "内容のフォルダが見つかりません。--content で指定してください。"
            " (content directory not found)",
        )
        loader.problems.raise_if_any()
    footnotes = loader.footnotes()
    if loader.shown(FOOTNOTES_FILE) in loader.unreadable:
        # Its problems are reported; every call would otherwise be reported as unknown too.
        loader.md.footnote_html = lambda fid: (
            footnotes[fid].html if fid in footnotes else Markup("")
        )
    else:
        loader.md.footnote_html = lambda fid: footnotes[fid].html if fid in footnotes else None

    node = loader.read(PLAN_FILE)
    if node is not None and not isinstance(node, YMap):
        loader.add(
            getattr(node, "pos", Pos(loader.shown(PLAN_FILE), 1, 1)),
            "plan.yaml 全体を「項目名: 値」の組で書いてください。 (expected a mapping)",
        )
        node = None
    if node is None:
        loader.problems.raise_if_any()
    labels: dict[str, Text] = {}
    if node.get("labels") is not None:
        loader._path.append("labels")
        try:
            labels = (
                loader.convert(
                    dict[str, Text], node["labels"], node.at("labels"), "見出しの語", None
                )
                or {}
            )
        finally:
            loader._path.pop()
    loader.labels_raw.update({k: v.raw for k, v in labels.items()})
    all_labels = {
        k: labels.get(k) or loader.text(v, Pos(model.DEFAULTS_POS), k)
        for k, v in model.DEFAULT_LABELS.items()
    }
    all_labels.update(loader.base_labels)
    all_labels.update(labels)
    meta = loader.build(
        model.PlanMeta, node.without("parts", "labels", *loader.plan_keys), "表紙と文書情報"
    )
    parts: tuple[Any, ...] | None = None
    if "parts" not in node:
        loader.add(
            node.pos,
            "部の並び（parts）がありません。「parts:」の下に、表紙・目次・各章を計画の順に書いてください。"
            " (missing required field 'parts')",
            "",
        )
    else:
        loader._path.append("parts")
        try:
            parts = loader.convert(
                tuple[model.Block, ...], node["parts"], node.at("parts"), "部", None
            )
        finally:
            loader._path.pop()
        if parts is not None:
            parts = loader.amend(node, parts)

    overview = _load_overview(loader)

    # With a file unreadable, its ids are unknown: every reference to them would be
    # reported too, burying the one real problem. Check references once all files read.
    if not loader.unreadable:
        loader.check_refs()
        if parts is not None:
            _check_structure(loader, parts)
    loader.problems.raise_if_any()
    assert meta is not None and parts is not None
    # Every label is Text by now: a default label that was not would have been reported.
    plan = Plan(
        meta=meta,
        labels=typing.cast(dict[str, Text], all_labels),
        parts=parts,
        footnotes=footnotes,
        pending_items=tuple(loader.pending),
        index=_index(parts, loader.base_visions),
        sources=loader.sources,
        warnings=(*_unreferenced(loader), *_goals_without_outline(parts)),
        overview=overview,
    )
    try:
        for draft in (True, False):
            plan.index.numbering[draft] = build_outline(
                plan.parts,
                plan.index.visions,
                {g.id: g for g in plan.goals},
                annex=plan.labels["annex"].raw,
                draft=draft,
                labels={k: v.raw for k, v in plan.labels.items()},
            )
    except ValueError as exc:
        loader.problems.add(Pos(loader.shown(PLAN_FILE)), f"{exc}")
    loader.problems.items.extend(missing_glyphs(plan))
    loader.problems.raise_if_any()
    return plan


__all__ = [
    "EDITIONS_DIR",
    "FOOTNOTES_FILE",
    "LINT_FILE",
    "PLAN_FILE",
    "REGIONAL_KPIS_KEY",
    "Loader",
    "load_lint_config",
    "load_plan",
]
