"""Load stage: read every content file, validate all of it, build the ``Plan``.

Nothing is rendered before everything has been read and checked. Problems are
collected across all files and raised together, each with ``file:line:col``, the
field's path and what to do.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import model
from .errors import BuildError, Pos, Problems
from .glyphs import missing_glyphs
from .lint import LintConfig
from .markup import Markup2Html
from .model import Pending, Plan, PolicyPackage, Prose, Text, fields_of
from .sources import YList, YMap, parse_yaml, read_text

#: The fixed content files, by the ``Plan`` field they fill.
CONTENT_FILES: dict[str, tuple[str, type]] = {
    "meta": ("plan.yaml", model.PlanMeta),
    "situation": ("chapter1.yaml", model.SituationChapter),
    "direction": ("chapter2.yaml", model.DirectionChapter),
    "programme": ("chapter3.yaml", model.ProgrammeChapter),
    "effectiveness": ("chapter4.yaml", model.EffectivenessChapter),
    "deliberations": ("deliberations.yaml", model.Deliberations),
}
FOOTNOTES_FILE = "footnotes.yaml"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

def _kind_of(value: Any) -> str:
    if isinstance(value, YMap):
        return "項目の組"
    if isinstance(value, YList):
        return "一覧"
    if value is None:
        return "空"
    return f"「{value}」"


class Loader:
    """Builds model objects from YAML values, collecting every problem on the way."""

    def __init__(self, content_dir: Path, markup: Markup2Html | None = None) -> None:
        self.root = content_dir.resolve()
        self.shown_root = _shown(content_dir)
        self.md = markup or Markup2Html()
        self.problems = Problems()
        self.ids: dict[str, tuple[str, Pos]] = {}
        self.refs: list[tuple[str, str, Pos, str, str]] = []
        self.pending: list[tuple[str, Pending]] = []
        self._titles: list[str] = []
        self._path: list[str] = []
        self.sources: dict[str, str] = {}
        self.unreadable: list[str] = []
        self.vision_titles: dict[str, str] = {}

    def field_path(self) -> str:
        """Where in the file's structure the current value is: ``groups[0].packages[2].kpis``."""
        return "".join(p if p.startswith("[") else f".{p}" for p in self._path).lstrip(".")

    def add(self, pos: Pos, message: str, path: str | None = None) -> None:
        """Report a problem, prefixed with the field path so the editor finds the value."""
        where = self.field_path() if path is None else path
        self.problems.add(pos, f"{where}: {message}" if where else message)

    # ------------------------------------------------------------------ files

    def shown(self, rel: str) -> str:
        return f"{self.shown_root}/{rel}" if self.shown_root not in ("", ".") else rel

    def read(self, rel: str) -> Any:
        shown = self.shown(rel)
        try:
            text = read_text(self.root / rel, shown)
            self.sources[shown] = text
            return parse_yaml(text, shown)
        except BuildError as exc:
            self.problems.items.extend(exc.problems)
            self.unreadable.append(shown)
            return None

    def resolve(self, rel: str, pos: Pos, what: str, suffix: str) -> Path | None:
        """A path inside the content directory, or ``None`` after reporting why not."""
        if not rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", rel):
            self.add(pos, f"{what}「{rel}」は content/ の中の相対パスで書いてください。"
                              " (must be a relative path inside the content directory)")
            return None
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root):
            self.add(pos, f"{what}「{rel}」は content/ の外を指しています。content/ の中のファイルを指定してください。"
                              " (path leaves the content directory)")
            return None
        if not rel.endswith(suffix):
            self.add(pos, f"{what}「{rel}」は {suffix} ファイルを指定してください。")
            return None
        if not target.is_file():
            self.add(pos, f"{what}「{rel}」が見つかりません。ファイル名を確かめるか、ファイルを作成してください。"
                              " (file not found)")
            return None
        return target

    # ------------------------------------------------------------------ values

    def text(self, value: Any, pos: Pos, label: str) -> Text | None:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(pos, f"{label}は文字列で書いてください（{_kind_of(value)}になっています）。"
                              " (expected text)")
            return None
        raw = str(value).strip()
        if not raw:
            self.add(pos, f"{label}が空です。内容を書くか、項目ごと削除してください。 (empty text)")
            return None
        return Text(raw, self._rendered(self.md.inline, raw, pos), pos)

    def prose(self, value: Any, pos: Pos, label: str) -> Prose | None:
        if not isinstance(value, str):
            self.add(pos, f"{label}は Markdown ファイルのパスで書いてください。 (expected a .md path)")
            return None
        target = self.resolve(value, pos, label, ".md")
        if target is None:
            return None
        shown = self.shown(value)
        try:
            raw = read_text(target, shown)
        except BuildError as exc:
            self.problems.items.extend(exc.problems)
            return None
        self.sources[shown] = raw
        if not raw.strip():
            self.add(Pos(shown, 1, 1), "Markdown ファイルが空です。本文を書いてください。 (empty file)")
            return None
        return Prose(value, raw, self._rendered(self.md.block, raw, Pos(shown, 1, 1)), Pos(shown, 1, 1))

    def _rendered(self, render, raw: str, pos: Pos) -> Markup:
        """Markdown to HTML; its problems (refused links, unknown footnotes) get the field path."""
        local = Problems()
        html = render(raw, pos, local)
        for problem in local.items:
            self.add(problem.pos, problem.message)
        return html

    def convert(self, tp: Any, value: Any, pos: Pos, label: str, ref: str | None) -> Any:
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            options = [a for a in typing.get_args(tp) if a is not type(None)]
            if Pending in options and len(options) > 1:
                if isinstance(value, YMap) and "pending" in value:
                    return self.build(Pending, value, label)
                options.remove(Pending)
                if value is None or (isinstance(value, YMap) and not value):
                    self.add(pos, f"{label}を書くか、まだ決まっていなければ「pending: 理由」と書いてください。"
                                      " (give the value, or 'pending: reason')")
                    return None
            return self.convert(options[0], value, pos, label, ref)
        if origin is tuple:
            if not isinstance(value, YList):
                self.add(pos, f"{label}は「- 」で始まる行の一覧で書いてください（{_kind_of(value)}になっています）。"
                                  " (expected a list)")
                return None
            item_type = typing.get_args(tp)[0]
            items = []
            for i, (item, ipos) in enumerate(zip(value, value.item_pos, strict=True)):
                self._path.append(f"[{i}]")
                try:
                    items.append(self.convert(item_type, item, ipos, f"{label}の{i + 1}番目", ref))
                finally:
                    self._path.pop()
            return tuple(i for i in items if i is not None)
        if tp is bool:
            if not isinstance(value, bool):
                self.add(pos, f"{label}は true か false で書いてください。 (expected true or false)")
                return None
            return value
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(pos, f"{label}は整数で書いてください。 (expected a whole number)")
                return None
            return value
        if tp is Text:
            return self.text(value, pos, label)
        if tp is Prose:
            return self.prose(value, pos, label)
        if tp is str:
            if not isinstance(value, str) or not value:
                self.add(pos, f"{label}は文字列で書いてください。 (expected text)")
                return None
            if ref:
                self.refs.append((ref, value, pos, label, self.field_path()))
            return value
        if dataclasses.is_dataclass(tp):
            if not isinstance(value, YMap):
                self.add(pos, f"{label}は「項目名: 値」の組で書いてください（{_kind_of(value)}になっています）。"
                                  " (expected a mapping)")
                return None
            return self.build(tp, value, label)
        raise TypeError(f"unsupported field type {tp!r}")

    def build(self, cls: type, node: YMap, label: str) -> Any:
        """Build ``cls`` from a YAML mapping; ``None`` if anything required is missing."""
        fields = fields_of(cls)
        known = {f.name for f, _ in fields if not f.metadata.get("derived")}
        for key in node:
            if key not in known:
                close = difflib.get_close_matches(key, sorted(known), n=1)
                hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
                self.add(node.key_pos[key],
                                  f"項目「{key}」はここでは使えません。{hint}使える項目: {', '.join(sorted(known))}"
                                  " (unknown field)")
        # The readable path of pending items: each enclosing entity by its title.
        title = node.get("title") or node.get("indicator") or self.vision_titles.get(str(node.get("vision")))
        self._titles.append(str(title) if isinstance(title, (str, int)) else label)
        values: dict[str, Any] = {}
        complete = True
        try:
            for f, tp in fields:
                flabel = f.metadata.get("ja", f.name)
                if f.metadata.get("derived"):
                    if f.name == "pos":
                        values["pos"] = node.pos
                    continue
                if f.name not in node or node[f.name] is None:
                    if f.default is not dataclasses.MISSING:
                        values[f.name] = f.default
                        continue
                    where = node.at(f.name)
                    self.add(where, f"{flabel}（{f.name}）がありません。「{f.name}: …」を書いてください。"
                                      f" (missing required field '{f.name}')")
                    complete = False
                    continue
                self._path.append(f.name)
                try:
                    value = self.convert(tp, node[f.name], node.at(f.name), flabel, f.metadata.get("ref"))
                    if f.name == "id" and value is not None:
                        self.register_id(cls.__name__, value, node.at("id"))
                finally:
                    self._path.pop()
                if value is None and tp is not bool:
                    complete = False
                    continue
                values[f.name] = value
        finally:
            self._titles.pop()
        if not complete:
            return None
        obj = cls(**values)
        if isinstance(obj, model.Vision):
            self.vision_titles[obj.id] = obj.title.raw
        if isinstance(obj, PolicyPackage) and isinstance(obj.kpis, tuple):
            obj = dataclasses.replace(
                obj, kpis=tuple(dataclasses.replace(k, package=obj.id) for k in obj.kpis))
        if isinstance(obj, Pending):
            self.pending.append((" › ".join([*self._titles, label]), obj))
        return obj

    def register_id(self, kind: str, value: str, pos: Pos) -> None:
        if not _ID.match(value):
            self.add(pos, f"ID「{value}」には半角の英小文字・数字・ハイフンだけを使ってください。"
                              " (ids use a-z, 0-9 and '-')")
        if value in self.ids:
            self.add(pos, f"ID「{value}」は {self.ids[value][1]} でも使われています。"
                              "ID は計画全体で一つだけにしてください。 (duplicate id)")
            return
        self.ids[value] = (kind, pos)

    def check_refs(self) -> None:
        for kind, value, pos, label, path in self.refs:
            found = self.ids.get(value)
            if found and found[0] == kind:
                continue
            candidates = [i for i, (k, _) in self.ids.items() if k == kind]
            close = difflib.get_close_matches(value, candidates, n=1)
            hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
            self.add(pos, f"{label}「{value}」が見つかりません。{hint}"
                     " (reference to an unknown id)", path)

    def load_file(self, rel: str, cls: type, label: str) -> Any:
        node = self.read(rel)
        if node is None:
            return None
        if not isinstance(node, YMap):
            self.add(Pos(self.shown(rel), 1, 1),
                              "ファイル全体を「項目名: 値」の組で書いてください。 (expected a mapping)")
            return None
        return self.build(cls, node, label)

    def footnotes(self) -> dict[str, Text]:
        node = self.read(FOOTNOTES_FILE) if (self.root / FOOTNOTES_FILE).exists() else YMap()
        notes: dict[str, Text] = {}
        if node is None:
            return notes
        if not isinstance(node, YMap):
            self.add(getattr(node, "pos", Pos(self.shown(FOOTNOTES_FILE), 1, 1)),
                     "脚注は「ID: 本文」の組で書いてください。 (expected a mapping)")
            return notes
        for key, value in node.items():
            self.register_id("Footnote", key, node.key_pos[key])
            text = self.text(value, node.at(key), f"脚注「{key}」")
            if text is not None:
                notes[key] = text
        return notes


def _shown(path: Path) -> str:
    """The path as an editor would type it: relative to the working directory if inside."""
    rel = os.path.relpath(path.resolve(), Path.cwd())
    return str(path) if rel.startswith("..") else rel.replace(os.sep, "/")


def _check_groups(loader: Loader, direction: model.DirectionChapter,
                  goals: list[model.PriorityGoal], goal_pos: list[Pos]) -> None:
    """Each ≪…≫ group must sit under the 重点目標 its 目指す社会の姿 belongs to."""
    visions = {v.id: v for v in direction.society.visions}
    for goal, pos in zip(goals, goal_pos, strict=True):
        for group in goal.groups:
            vision = visions.get(group.vision)
            if vision and vision.goal != goal.id:
                loader.problems.add(pos, f"目指す社会の姿「{vision.id}」は重点目標「{vision.goal}」に属していますが、"
                                    f"重点目標「{goal.id}」の下に置かれています。chapter2.yaml の goal か、"
                                    "このファイルの vision を直してください。")


LINT_FILE = "lint.yaml"


def load_lint_config(content_dir: Path) -> LintConfig:
    """content/lint.yaml, or every rule with its defaults when the file is absent."""
    if not (content_dir / LINT_FILE).exists():
        return LintConfig()
    loader = Loader(content_dir)
    node = loader.read(LINT_FILE)
    if isinstance(node, YMap):
        # YAML keys use hyphens (width-digits), the model underscores.
        fixed = YMap({k.replace("-", "_"): v for k, v in node.items()})
        fixed.pos = node.pos
        fixed.key_pos = {k.replace("-", "_"): p for k, p in node.key_pos.items()}
        fixed.value_pos = {k.replace("-", "_"): p for k, p in node.value_pos.items()}
        node = fixed
    elif node is not None:
        loader.add(node.pos if hasattr(node, "pos") else Pos(loader.shown(LINT_FILE), 1, 1),
                   "規則名: {enabled: true} の組で書いてください。")
    config = loader.build(LintConfig, node, "公用文チェックの設定") if isinstance(node, YMap) else None
    loader.problems.raise_if_any()
    return config or LintConfig()


def load_plan(content_dir: Path) -> Plan:
    """Read, validate and build the whole plan, or raise ``BuildError`` listing every problem."""
    loader = Loader(content_dir)
    if not content_dir.is_dir():
        loader.problems.add(Pos(loader.shown_root), "内容のフォルダが見つかりません。--content で指定してください。"
                            " (content directory not found)")
        loader.problems.raise_if_any()
    footnotes = loader.footnotes()
    loader.md.footnote_html = lambda fid: footnotes[fid].html if fid in footnotes else None

    parts: dict[str, Any] = {}
    goals: list[model.PriorityGoal] = []
    goal_pos: list[Pos] = []
    # Files are read in document order, so pending items are listed in that order too.
    for name, (rel, cls) in CONTENT_FILES.items():
        parts[name] = loader.load_file(rel, cls, cls.__doc__.split(":")[0].split("\n")[0].rstrip("."))
        if name == "programme" and parts[name] is not None:
            for goal_rel in parts[name].goal_files:
                where = Pos(loader.shown(rel))
                if loader.resolve(goal_rel, where, "重点目標のファイル", ".yaml") is None:
                    continue
                goal = loader.load_file(goal_rel, model.PriorityGoal, "重点目標")
                if goal is not None:
                    goals.append(goal)
                    goal_pos.append(Pos(loader.shown(goal_rel), 1, 1))

    # With a file unreadable, its ids are unknown: every reference to them would be
    # reported too, burying the one real problem. Check references once all files read.
    if not loader.unreadable:
        loader.check_refs()
    if parts["direction"] is not None and not loader.unreadable:
        _check_groups(loader, parts["direction"], goals, goal_pos)
    loader.problems.raise_if_any()
    plan = Plan(goals=tuple(goals), footnotes=footnotes, pending=tuple(loader.pending),
                sources=loader.sources, **parts)
    loader.problems.items.extend(missing_glyphs(plan))
    loader.problems.raise_if_any()
    return plan


__all__ = ["CONTENT_FILES", "Loader", "load_plan"]
