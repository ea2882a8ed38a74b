"""Load stage: read every content file, validate all of it, build the ``Plan``.

Nothing is rendered before everything has been read and checked. Problems are
collected across all files and raised together, each with ``file:line:col``, the
field's path and what to do.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import types
import typing
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import files, limits, model, tables
from .errors import BuildError, Pos, Problem, Problems
from .files import shown_in, shown_path
from .glyphs import missing_glyphs, printed, written_at
from .limits import MAX_BLOCK_DEPTH, MAX_FOOTNOTES, MAX_PROSE_CHARS, MAX_TEXT_CHARS
from .lint import LintConfig, LintRule, config_errors
from .markup import Markup2Html
from .model import BlockKind, Pending, Plan, PolicyPackage, Prose, Text, fields_of
from .outline import build_outline
from .overview import OVERVIEW_FILE, OverviewFile, OverviewGoal
from .rules import WIDTH, rules_of
from .sources import (
    YList,
    YMap,
    character_problem,
    locate,
    offset_to_pos,
    parse_yaml,
    printable,
    read_text,
    refused_characters,
)

FOOTNOTES_FILE = "footnotes.yaml"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FOOTNOTE_CALL = re.compile(r"\[\^([A-Za-z0-9_-]+)\]")


def _kind_of(value: Any) -> str:
    if isinstance(value, YMap):
        return "項目の組"
    if isinstance(value, YList):
        return "一覧"
    if value is None:
        return "空"
    return f"「{printable(str(value))}」"


def _known_keys() -> frozenset[str]:
    """Every field name and block kind a content file may use: a list item or key that
    reads ``name:value`` or ``name：value`` with one of them is a typing mistake."""
    names: set[str] = set()
    seen: set[type] = set()
    todo: list[Any] = [
        *model.BLOCK_KINDS,
        model.PlanFile,
        model.Kpi,
        model.KpiValue,
        model.KpiActual,
        model.Project,
        model.RegionalKpis,
        model.DiagramLink,
        model.PackagePart,
        model.KpiPart,
        model.ListItem,
        OverviewFile,
        OverviewGoal,
        LintConfig,
        LintRule,
    ]
    while todo:
        cls = todo.pop()
        if cls in seen or not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
            continue
        seen.add(cls)
        if hasattr(cls, "KIND"):
            names.add(cls.KIND)
        for f, _tp in fields_of(cls):
            names.add(f.name)
            names.add(f.name.replace("_", "-"))
    return frozenset(names)


#: The key of an edition's plan.yaml under which its own ＫＰＩ stand (editions.py).
REGIONAL_KPIS_KEY = "regional_kpis"

KNOWN_KEYS = _known_keys() | {REGIONAL_KPIS_KEY}


class Loader:
    """Builds model objects from YAML values, collecting every problem on the way."""

    def __init__(self, content_dir: Path, markup: Markup2Html | None = None) -> None:
        self.root = content_dir.resolve()
        self.shown_root = shown_path(content_dir)
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
        self.labels_raw: dict[str, str] = dict(model.DEFAULT_LABELS)
        self.images: set[str] = set()
        self.included: dict[str, str] = {}
        self.include_stack: list[str] = []
        self.depth = 0  # blocks being built, one inside the other (across includes)
        # Whether the value being converted may be left out (an optional field, an item of
        # a list or of labels): an empty one is then to be written or deleted, otherwise
        # only written.
        self.removable = True
        # An edition (editions.py): the labels it inherits from the national plan, and
        # the national entities its own content may name (visions of national 重点目標).
        self.base_labels: dict[str, Text] = {}
        self.base_visions: dict[str, model.Vision] = {}

    #: Keys of plan.yaml besides the cover's, ``labels`` and ``parts`` (an edition's
    #: ``regional_kpis``): read by ``amend``.
    plan_keys: tuple[str, ...] = ()

    def amend(self, node: YMap, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The parts, with what the ``plan_keys`` of plan.yaml add to them (an edition)."""
        return parts

    def field_path(self) -> str:
        """Where in the file's structure the current value is: ``groups[0].packages[2].kpis``."""
        return "".join(p if p.startswith("[") else f".{p}" for p in self._path).lstrip(".")

    def add(self, pos: Pos, message: str, path: str | None = None) -> None:
        """Report a problem, prefixed with the field path so the editor finds the value."""
        where = printable(self.field_path() if path is None else path, 300)
        self.problems.add(pos, f"{where}: {message}" if where else message)

    # ------------------------------------------------------------------ files

    def shown(self, rel: str) -> str:
        return shown_in(self.shown_root, rel)

    def read(self, rel: str) -> Any:
        shown = self.shown(rel)
        try:
            text = read_text(self.root / rel, shown, root=self.root)
            self.sources[shown] = text
            return parse_yaml(text, shown, KNOWN_KEYS)
        except BuildError as exc:
            self.problems.items.extend(exc.problems)
            self.unreadable.append(shown)
            return None

    def resolve(self, rel: str, pos: Pos, what: str, suffix: str | tuple[str, ...]) -> Path | None:
        """A path inside the content directory, or ``None`` after reporting why not."""
        if "\n" in rel or any(refused_characters(rel)):
            self.add(
                pos,
                f"{what}「{printable(rel)}」に改行や制御文字があります。ファイル名だけを書いてください。"
                " (control character in a path)",
            )
            return None
        if not rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", rel):
            self.add(
                pos,
                f"{what}「{printable(rel)}」は content/ の中の相対パスで書いてください。"
                " (must be a relative path inside the content directory)",
            )
            return None
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root):
            self.add(
                pos,
                f"{what}「{printable(rel)}」は content/ の外を指しています。content/ の中のファイルを指定してください。"
                " (path leaves the content directory)",
            )
            return None
        if not rel.lower().endswith(suffix):
            kinds = "・".join(suffix) if isinstance(suffix, tuple) else suffix
            self.add(
                pos,
                f"{what}「{printable(rel)}」は {kinds} ファイルを指定してください。 (wrong file type)",
            )
            return None
        if not target.is_file():
            self.add(
                pos,
                f"{what}「{printable(rel)}」が見つかりません。ファイル名を確かめるか、ファイルを作成してください。"
                " (file not found)",
            )
            return None
        return target

    # ------------------------------------------------------------------ values

    def text(self, value: Any, pos: Pos, label: str, source: str | None = None) -> Text | None:
        """One line of content text (inline Markdown). ``source`` is the value as written
        where YAML read it as other than text: ``1.10``, ``yes`` and ``~`` print as typed."""
        if source is not None and not isinstance(value, str):
            value = source
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(
                pos,
                f"{label}は文字列で書いてください（{_kind_of(value)}になっています）。"
                " (expected text)",
            )
            return None
        raw = str(value).strip()
        if not raw:
            todo = (
                "内容を書くか、項目ごと削除してください"
                if self.removable
                else "内容を書いてください"
            )
            self.add(pos, f"{label}が空です。{todo}。 (empty text)")
            return None
        if not self._within(raw, pos, label, MAX_TEXT_CHARS):
            return None
        if "\n" in raw:
            # Just after the character before it: a line break (or a \n) is not itself searchable.
            before = locate(self.sources, pos, raw, raw.index("\n") - 1)
            self.add(
                Pos(before.path, before.line, before.col + 1) if before != pos else pos,
                character_problem("\n"),
            )
        return Text(raw, self._rendered(self.md.inline, raw, pos), pos)

    def cell(
        self, value: Any, pos: Pos, label: str, source: str | None = None
    ) -> model.Cell | None:
        """A table cell: may be empty; a line break in it is kept as a line break."""
        if source is not None and not isinstance(value, str):
            value = source or None
        if value is None:
            return model.Cell("", Markup(""), pos)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(
                pos,
                f"{label}は文字列で書いてください（{_kind_of(value)}になっています）。"
                " (expected text)",
            )
            return None
        raw = str(value).strip()
        if len(raw) > limits.MAX_CELL_CHARS:
            self.add(pos, tables.cell_too_long(len(raw)))
            return model.Cell(raw, Markup(""), pos)  # refused; its row keeps its length
        lines, start = [], 0
        for line in raw.split("\n"):
            lead = len(line) - len(line.lstrip())
            lines.append(
                self._rendered(self.md.inline, line.strip(), pos, offset=start + lead, whole=raw)
            )
            start += len(line) + 1
        return model.Cell(raw, Markup("<br>").join(lines), pos)

    def inline_prose(self, value: Any, pos: Pos, label: str) -> model.InlineProse | None:
        if not isinstance(value, str) or not value.strip():
            self.add(pos, f"{label}には Markdown の文章を書いてください。 (expected Markdown text)")
            return None
        if not self._within(value, pos, label, MAX_PROSE_CHARS):
            return None
        return model.InlineProse("", value, self._rendered(self.md.block, value, pos), pos)

    def prose(self, value: Any, pos: Pos, label: str) -> Prose | None:
        if not isinstance(value, str):
            self.add(
                pos, f"{label}は Markdown ファイルのパスで書いてください。 (expected a .md path)"
            )
            return None
        target = self.resolve(value, pos, label, ".md")
        if target is None:
            return None
        shown = self.shown(value)
        try:
            raw = read_text(self.root / value, shown, root=self.root)
        except BuildError as exc:
            self.problems.items.extend(exc.problems)
            return None
        self.sources[shown] = raw
        start = Pos(shown, 1, 1)
        if not raw.strip():
            self.add(start, "Markdown ファイルが空です。本文を書いてください。 (empty file)")
            return None
        if not self._within(raw, start, label, MAX_PROSE_CHARS):
            return None
        refused = list(refused_characters(raw))
        for index, ch in refused:
            self.add(offset_to_pos(raw, shown, index), character_problem(ch))
        if refused:
            return None
        return Prose(
            value,
            raw,
            self._rendered(self.md.block, raw, start, where=lambda i: offset_to_pos(raw, shown, i)),
            start,
        )

    def _within(self, raw: str, pos: Pos, label: str, limit: int) -> bool:
        """Whether a text keeps to its length limit (checked before any work on it)."""
        if len(raw) <= limit:
            return True
        self.add(
            pos,
            f"{label}が長すぎます（{len(raw):,}字。{limit:,}字まで）。分けて書いてください。"
            " (text too long)",
        )
        return False

    def _rendered(
        self, render, raw: str, pos: Pos, *, where=None, offset: int = 0, whole: str | None = None
    ) -> Markup:
        """Markdown to HTML; its problems (refused links, unknown footnotes) get the field
        path and the place they were written. ``raw`` is ``whole[offset:]`` for a line of a
        table cell. A character that only a reference prints (``&#x202E;``) is refused
        like the character itself."""
        whole = raw if whole is None else whole
        if where is None:

            def where(index: int) -> Pos:
                return locate(self.sources, pos, whole, offset + index)

        local = Problems()
        html = render(raw, pos, local, where)
        for problem in local.items:
            self.add(problem.pos, problem.message)
        shown = printed(html)
        refused = [(i, ch) for i, ch in refused_characters(shown) if ch not in raw]
        if refused:
            places = written_at(raw, {ch for _, ch in refused})
            for _, ch in refused:
                index, written = places[ch][0] if places[ch] else (0, "")
                self.add(where(index), character_problem(ch, written))
        return html

    def convert(
        self, tp: Any, value: Any, pos: Pos, label: str, ref: str | None, source: str | None = None
    ) -> Any:
        """A value of type ``tp`` from a YAML value. ``source`` is the value as written
        where YAML 1.1 read a plain scalar as a number, a boolean, a date or null: where
        text is expected, the text as written is used (``1.10`` stays 「1.10」)."""
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            return self.convert_union(tp, value, pos, label, ref, source)
        if origin is tuple:
            if not isinstance(value, YList):
                self.add(
                    pos,
                    f"{label}は「- 」で始まる行の一覧で書いてください（{_kind_of(value)}になっています）。"
                    " (expected a list)",
                )
                return None
            item_type = typing.get_args(tp)[0]
            items = []
            for i, (item, ipos) in enumerate(zip(value, value.item_pos, strict=True)):
                self._path.append(f"[{i}]")
                self.removable = True
                try:
                    items.append(
                        self.convert(
                            item_type, item, ipos, f"{label}の{i + 1}番目", ref, value.source_of(i)
                        )
                    )
                finally:
                    self._path.pop()
            return tuple(i for i in items if i is not None)
        if tp is bool:
            if not isinstance(value, bool):
                self.add(
                    pos, f"{label}は true か false で書いてください。 (expected true or false)"
                )
                return None
            return value
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(pos, f"{label}は整数で書いてください。 (expected a whole number)")
                return None
            return value
        if origin is dict:
            if not isinstance(value, YMap):
                self.add(pos, f"{label}は「名前: 語」の組で書いてください。 (expected a mapping)")
                return None
            out = {}
            for key, item in value.items():
                self._path.append(key)
                self.removable = True
                try:
                    text = self.text(
                        item, value.at(key), f"{label}「{printable(key)}」", value.source_of(key)
                    )
                finally:
                    self._path.pop()
                if text is not None:
                    out[key] = text
            return out
        if tp is model.Cell:
            return self.cell(value, pos, label, source)
        if tp is Text:
            return self.text(value, pos, label, source)
        if tp is model.InlineProse:
            return self.inline_prose(value, pos, label)
        if tp is Prose:
            return self.prose(value, pos, label)
        if tp is str:
            if source and not isinstance(value, str):
                value = source
            if not isinstance(value, str) or not value:
                self.add(pos, f"{label}は文字列で書いてください。 (expected text)")
                return None
            if ref:
                self.refs.append((ref, value, pos, label, self.field_path()))
            return value
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            if not isinstance(value, YMap):
                self.add(
                    pos,
                    f"{label}は「項目名: 値」の組で書いてください（{_kind_of(value)}になっています）。"
                    " (expected a mapping)",
                )
                return None
            if hasattr(tp, "KIND"):  # a dataclass with a KIND is a block kind
                return self.block(value, pos, label, (typing.cast(type[BlockKind], tp),))
            return self.build(tp, value, label)
        raise TypeError(f"unsupported field type {tp!r}")

    def convert_union(
        self, tp: Any, value: Any, pos: Pos, label: str, ref: str | None, source: str | None = None
    ) -> Any:
        options = [a for a in typing.get_args(tp) if a is not type(None)]
        optional = len(options) < len(typing.get_args(tp))
        if value is None and optional:
            return None
        kinds = tuple(o for o in options if hasattr(o, "KIND") and o is not Pending)
        if Pending in options and len(options) > 1 and not kinds:
            if isinstance(value, YMap) and "pending" in value:
                return self.build(Pending, value, label)
            options.remove(Pending)
            if value is None or (isinstance(value, YMap) and not value):
                self.add(
                    pos,
                    f"{label}を書くか、まだ決まっていなければ「pending: 理由」と書いてください。"
                    " (give the value, or 'pending: reason')",
                )
                return None
        if Pending in options:
            kinds = (*kinds, Pending)
        if kinds and isinstance(value, YMap):
            return self.block(value, pos, label, kinds)
        scalars = [o for o in options if not hasattr(o, "KIND")]
        numbers = [o for o in scalars if o in (int, float)]
        if (
            numbers
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
        ):
            return value  # a number stays a number (.inf and .nan are not numbers a plan states)
        if numbers and len(numbers) == len(scalars) and float in numbers:
            self.add(
                pos,
                f"{label}は数で書いてください（例: 120、35.5。単位は書きません）。 (expected a number)",
            )
            return None
        if scalars:
            # Text where the union takes it (a KPI value that is not a number); otherwise
            # the number type, which reports what was expected.
            texts = [o for o in scalars if o not in (int, float)]
            return self.convert((texts or scalars)[0], value, pos, label, ref, source)
        if kinds:
            self.add(
                pos,
                f"{label}は「種類: 内容」で始まる項目の組で書いてください（{_kind_of(value)}になっています）。"
                f"使える種類: {', '.join(k.KIND for k in kinds)} (expected a block)",
            )
            return None
        return self.convert(options[0], value, pos, label, ref, source)

    def block(self, node: YMap, pos: Pos, label: str, kinds: tuple[type[BlockKind], ...]) -> Any:
        """A block: the mapping's first key names its kind (``p:``, ``section:`` …)."""
        if not node:
            self.add(pos, f"{label}が空です。「種類: 内容」を書いてください。 (empty block)")
            return None
        kind = next(iter(node))
        by_kind = {k.KIND: k for k in kinds}
        if kind == "include" and model.Include in kinds:
            return self.include(node, pos, label, tuple(k for k in kinds if k is not model.Include))
        # Checked before going deeper: every later stage walks the tree recursively.
        if self.depth >= MAX_BLOCK_DEPTH:
            self.add(
                pos,
                f"ブロックの入れ子が深すぎます（{MAX_BLOCK_DEPTH}段まで。include で読み込んだ先も数えます）。"
                "構造を浅くしてください。 (blocks nested too deep)",
            )
            return None
        self.depth += 1
        try:
            return self._block(node, kind, by_kind, label)
        finally:
            self.depth -= 1

    def _block(self, node: YMap, kind: str, by_kind: dict[str, type[BlockKind]], label: str) -> Any:
        cls = by_kind.get(kind)
        if cls is None:
            close = difflib.get_close_matches(kind, sorted(by_kind), n=1)
            hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
            self.add(
                node.key_pos[kind],
                f"「{printable(kind)}」という種類はここでは使えません。{hint}"
                f"最初の項目名が種類を表します。使える種類: {', '.join(sorted(by_kind))}"
                " (unknown block kind)",
            )
            return None
        if cls.MAIN != cls.KIND:
            if cls.MAIN in node:
                self.add(
                    node.key_pos[cls.MAIN],
                    f"項目「{cls.MAIN}」は「{kind}:」と同じものです。"
                    "どちらか一方にしてください。 (duplicate field)",
                )
                return None
            node = node.renamed(kind, cls.MAIN)
        return self.build(cls, node, label, kind)

    def include(self, node: YMap, pos: Pos, label: str, kinds: tuple[type[BlockKind], ...]) -> Any:
        rel = node["include"]
        where = node.at("include")
        for key in node:
            if key != "include":
                self.add(
                    node.key_pos[key],
                    f"include には項目「{printable(key)}」を書けません。 (unknown field)",
                )
        if not isinstance(rel, str):
            self.add(where, "include にはファイルのパスを書いてください。 (expected a path)")
            return None
        if self.resolve(rel, where, "ファイル", (".yaml", ".yml")) is None:
            return None
        if len(self.include_stack) > MAX_BLOCK_DEPTH:  # a chain of files holding only includes
            self.add(
                where,
                f"include の入れ子が深すぎます（{MAX_BLOCK_DEPTH}段まで）。構造を浅くしてください。"
                " (includes nested too deep)",
            )
            return None
        if rel in self.include_stack:
            self.add(
                where,
                f"ファイル「{printable(rel)}」が自分自身を含んでいます"
                f"（{printable(' → '.join([*self.include_stack, rel]), 300)}）。"
                " (include cycle)",
            )
            return None
        if rel in self.included:
            self.add(
                where,
                f"ファイル「{printable(rel)}」は {self.included[rel]} でも読み込まれています。"
                "一つのファイルは一か所からだけ読み込んでください。 (file included twice)",
            )
            return None
        self.included[rel] = str(where)
        inner = self.read(rel)
        if inner is None:
            return None
        if not isinstance(inner, YMap):
            self.add(
                getattr(inner, "pos", Pos(self.shown(rel), 1, 1)),
                "ファイル全体を「種類: 内容」で始まる項目の組で書いてください（例: section: 見出し）。"
                " (expected a mapping)",
            )
            return None
        saved, self._path = self._path, []
        titles, self._titles = self._titles, []
        self.include_stack.append(rel)
        try:
            return self.block(inner, inner.pos, label, kinds)
        finally:
            self.include_stack.pop()
            self._path, self._titles = saved, titles

    def build(self, cls: type, node: YMap, label: str, kind: str | None = None) -> Any:
        """Build ``cls`` from a YAML mapping; ``None`` if anything required is missing."""
        fields = fields_of(cls)
        known = {f.name for f, _ in fields if not f.metadata.get("derived")}
        main = getattr(cls, "MAIN", None)
        shown_known = sorted((kind if n == main and kind else n) for n in known)
        for key in node:
            if key not in known:
                close = difflib.get_close_matches(key, shown_known, n=1)
                hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
                self.add(
                    node.key_pos[key],
                    f"項目「{printable(key)}」はここでは使えません。{hint}使える項目: {', '.join(shown_known)}"
                    " (unknown field)",
                )
        # The readable path of pending items: each enclosing entity by its title.
        title = self._title_of(cls, node)
        if title is not None:
            self._titles.append(title)
        values: dict[str, Any] = {}
        complete = True
        try:
            for f, tp in fields:
                flabel = f.metadata.get("ja", f.name)
                key = kind if f.name == main and kind else f.name
                if f.metadata.get("derived"):
                    if f.name == "pos":
                        values["pos"] = node.pos
                    continue
                source = node.source_of(f.name)
                if f.name not in node or (
                    node[f.name] is None
                    and f.name != main
                    and not (source and f.default is dataclasses.MISSING and _takes_text(tp))
                ):
                    if f.default is not dataclasses.MISSING:
                        values[f.name] = f.default
                        continue
                    where = node.at(f.name)
                    self.add(
                        where,
                        f"{flabel}（{key}）がありません。「{key}: …」を書いてください。"
                        f" (missing required field '{key}')",
                    )
                    complete = False
                    continue
                self._path.append(key)
                self.removable = f.default is not dataclasses.MISSING
                try:
                    value = self.convert(
                        tp, node[f.name], node.at(f.name), flabel, f.metadata.get("ref"), source
                    )
                    if f.name == "id" and value is not None:
                        self.register_id(cls.__name__, value, node.at("id"))
                finally:
                    self._path.pop()
                if value is None and tp is not bool:
                    if f.default is None and node[f.name] is None:
                        values[f.name] = None
                        continue
                    complete = False
                    continue
                values[f.name] = value
        finally:
            if title is not None:
                self._titles.pop()
        if not complete:
            return None
        obj = cls(**values)
        self.validate_values(obj, node)
        if isinstance(obj, model.Vision):
            self.vision_titles[obj.id] = obj.title.plain
        if isinstance(obj, model.KpiPart) and isinstance(obj.kpis, tuple):
            pass  # the package's id is filled in below, when the package is built
        if isinstance(obj, PolicyPackage):
            obj = dataclasses.replace(
                obj,
                parts=tuple(
                    dataclasses.replace(
                        p, kpis=tuple(dataclasses.replace(k, package=obj.id) for k in p.kpis)
                    )
                    if isinstance(p, model.KpiPart) and isinstance(p.kpis, tuple)
                    else p
                    for p in obj.parts
                ),
            )
        if isinstance(obj, Pending):
            what = (
                obj.what.plain
                if obj.what
                else (label if kind is None else self.labels_raw["pending_what"])
            )
            self.pending.append((" › ".join([*self._titles, what]), obj))
        return obj

    def _title_of(self, cls: type, node: YMap) -> str | None:
        if cls is model.PackageGroup:
            return self.vision_titles.get(str(node.get("vision")), str(node.get("vision")))
        if cls is model.GoalOutline:
            return None
        if cls is model.Kpi:
            value = node.get("indicator")
        elif cls in model.HEADINGS or cls is model.PlanMeta:
            value = node.get("title")
        else:
            return None
        source = node.source_of("indicator" if cls is model.Kpi else "title")
        return source if source else str(value) if isinstance(value, (str, int)) else None

    def validate_values(self, obj: Any, node: YMap) -> None:
        """Checks on option values that a type alone cannot express."""

        def bad(key: str, message: str) -> None:
            self.add(node.at(key), message, f"{self.field_path()}.{key}".lstrip("."))

        # The rules of one field each (rules.py, which the JSON Schemas read too) …
        for name, rule in rules_of(obj):
            message = rule.problem(getattr(obj, name))
            if message:
                bad(rule.key or name, message)
        # … and the checks that look at more than one value, or outside the block.
        if isinstance(obj, model.Table):
            self.validate_table(obj, node)
        elif isinstance(obj, model.Figure):
            from .images import check_image

            target = self.resolve(
                obj.src, node.at("src"), "画像ファイル", (".png", ".jpg", ".jpeg", ".svg")
            )
            if target is not None:
                self.images.add(obj.src)
                for problem in check_image(
                    self.root / obj.src, self.shown(obj.src), node.at("src")
                ):
                    self.problems.items.append(problem)
        elif isinstance(obj, model.PackagePart) and obj.label not in self.labels_raw:
            close = difflib.get_close_matches(obj.label, sorted(self.labels_raw), n=1)
            hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
            bad(
                "part",
                f"見出しの語「{printable(obj.label)}」が plan.yaml の labels にありません。{hint}"
                f"labels に「{printable(obj.label)}: 見出しの語」を加えるか、名前を直してください。 (unknown label)",
            )
        elif isinstance(obj, model.Kpi) and obj.actuals:
            self.validate_actuals(obj, node)
        elif isinstance(obj, model.Projects):
            items = node.get("projects")
            if not obj.projects:
                bad(
                    "projects",
                    "主要事業が一件もありません。事業を「- id: …」で書いてください。 (no projects)",
                )
            elif len(obj.projects) > limits.MAX_TABLE_ROWS and isinstance(items, YList):
                self.add(
                    items.item_pos[limits.MAX_TABLE_ROWS],
                    tables.too_many_rows(len(obj.projects)),
                )
        elif isinstance(obj, model.PolicyPackage):
            kpi_parts = [p for p in obj.parts if isinstance(p, model.KpiPart)]
            if len(kpi_parts) != 1:
                bad(
                    "parts",
                    f"政策パッケージの構成には【ＫＰＩ】（kpis: …）をちょうど一つ書いてください（{len(kpi_parts)}個あります）。"
                    "まだ決まっていなければ「- kpis: {pending: 理由}」と書きます。 (exactly one kpis part)",
                )

    def validate_actuals(self, kpi: model.Kpi, node: YMap) -> None:
        """A ＫＰＩ's 実績値 against its 基準値, 目標値 and unit (series.py)."""
        from .series import problems

        items = node.get("actuals")
        where = []
        for i in range(len(kpi.actuals)):
            item = items[i] if isinstance(items, YList) and i < len(items) else None
            if isinstance(item, YMap):
                where.append((item.at("year"), item.at("value"), item.at("unit")))
            else:
                where.append((node.at("actuals"),) * 3)
        for pos, path, message in problems(kpi, where):
            self.add(pos, message, f"{self.field_path()}.{path}".lstrip("."))

    def validate_table(self, table: model.Table, node: YMap) -> None:
        rows = node.get("rows")
        widths = len(table.rows[0]) if table.rows else 0
        for i, row in enumerate(table.rows):
            if len(row) != widths:
                where = (
                    rows.item_pos[i]
                    if isinstance(rows, YList) and i < len(rows.item_pos)
                    else node.pos
                )
                self.add(
                    where,
                    f"表の{i + 1}行目のセルが{len(row)}個です。1行目と同じ{widths}個にしてください"
                    '（空のセルは "" と書きます）。 (rows differ in length)',
                    f"{self.field_path()}.table[{i}]".lstrip("."),
                )
        if not table.rows:
            self.add(node.pos, "表に行がありません。 (empty table)")

        def row_pos(i: int) -> Pos:
            return (
                rows.item_pos[i] if isinstance(rows, YList) and i < len(rows.item_pos) else node.pos
            )

        if len(table.rows) > limits.MAX_TABLE_ROWS:
            self.add(row_pos(limits.MAX_TABLE_ROWS), tables.too_many_rows(len(table.rows)))
        total = 0
        for i, row in enumerate(table.rows):
            total += sum(len(cell.raw) for cell in row)
            if total > limits.MAX_TABLE_CHARS:
                self.add(
                    row_pos(i), tables.too_long(sum(len(c.raw) for r in table.rows for c in r))
                )
                break
        if not 0 <= table.header <= len(table.rows):
            self.add(
                node.at("header"), "見出し行の数が表の行数を超えています。 (header out of range)"
            )
        if table.widths:
            if len(table.widths) != widths:
                self.add(
                    node.at("widths"),
                    f"列の幅を列の数（{widths}個）だけ書いてください。 (widths do not match columns)",
                )
            for w in table.widths:
                if not WIDTH.match(w):
                    self.add(
                        node.at("widths"),
                        f"列の幅「{printable(w)}」は 30%、8em、25mm、auto のように書いてください。 (bad width)",
                    )

    def register_id(self, kind: str, value: str, pos: Pos) -> None:
        if not _ID.match(value):
            self.add(
                pos,
                f"ID「{printable(value)}」には半角の英小文字・数字・ハイフンだけを使ってください。"
                " (ids use a-z, 0-9 and '-')",
            )
        if value in self.ids:
            self.add(
                pos,
                f"ID「{printable(value)}」は {self.ids[value][1]} でも使われています。"
                "ID は計画全体で一つだけにしてください。 (duplicate id)",
            )
            return
        self.ids[value] = (kind, pos)

    def check_refs(self) -> None:
        for kind, value, pos, label, path in self.refs:
            found = self.ids.get(value)
            if found and found[0] == kind:
                continue
            candidates = [i for i, (k, _) in self.ids.items() if k == kind]
            close = difflib.get_close_matches(value, candidates, n=1)
            hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
            self.add(
                pos,
                f"{label}「{printable(value)}」が見つかりません。{hint}"
                " (reference to an unknown id)",
                path,
            )

    def footnotes(self) -> dict[str, Text]:
        """content/footnotes.yaml. A footnote may not call a footnote: the call would float
        inside a float, and a footnote calling itself (or two calling each other) would
        never end; such calls are reported as what they are, where they are written."""
        shown = self.shown(FOOTNOTES_FILE)
        node = self.read(FOOTNOTES_FILE) if os.path.lexists(self.root / FOOTNOTES_FILE) else YMap()
        notes: dict[str, Text] = {}
        if node is None:
            return notes
        if not isinstance(node, YMap):
            self.add(
                getattr(node, "pos", Pos(shown, 1, 1)),
                "脚注は「ID: 本文」の組で書いてください。 (expected a mapping)",
            )
            return notes
        if len(node) > MAX_FOOTNOTES:
            extra = list(node)[MAX_FOOTNOTES]
            self.add(
                node.key_pos[extra],
                f"脚注が多すぎます（{len(node):,}個。{MAX_FOOTNOTES:,}個まで）。"
                "不要な脚注を削除してください。 (too many footnotes)",
            )
            # As if unreadable: calls of its footnotes are not reported as unknown (load_plan).
            self.unreadable.append(shown)
            return notes
        calls = {
            key: [m for m in _FOOTNOTE_CALL.finditer(value) if m.group(1) in node]
            if isinstance(value, str)
            else []
            for key, value in node.items()
        }
        component = _components({key: {m.group(1) for m in found} for key, found in calls.items()})
        for key, found in calls.items():
            if not found:
                continue  # calls of footnotes that do not exist are reported when rendered
            match = found[0]  # one per footnote: the editor removes them all
            callee = match.group(1)
            raw = str(node[key]).strip()
            where = locate(self.sources, node.at(key), raw, max(raw.find(match.group(0)), 0))
            if callee == key:
                message = (
                    f"脚注「{printable(key)}」が自分自身を呼んでいます（循環）。[^{callee}] を削除してください。"
                    " (footnote calls itself)"
                )
            elif component[callee] == component[key]:
                back = "" if any(m.group(1) == key for m in calls[callee]) else " → …"
                message = (
                    f"脚注「{printable(key)}」と脚注「{printable(callee)}」が呼び合っています（循環: "
                    f"{printable(key)} → {printable(callee)}{back} → {printable(key)}）。脚注の中では脚注を"
                    f"呼べません。[^{callee}] を削除してください。 (footnotes call each other)"
                )
            else:
                message = (
                    f"脚注「{printable(key)}」の中で脚注「{printable(callee)}」を呼んでいます。脚注の中では脚注を"
                    f"呼べません。[^{callee}] を削除し、必要なら本文に書いてください。 (footnote inside a footnote)"
                )
            self.add(where, message, "")
        # While footnotes are rendered, a call of a footnote that exists was reported above.
        self.md.footnote_html = lambda fid: Markup("") if fid in node else None
        try:
            for key, value in node.items():
                self.register_id("Footnote", key, node.key_pos[key])
                self.removable = True
                text = self.text(
                    value, node.at(key), f"脚注「{printable(key)}」", node.source_of(key)
                )
                if text is not None:
                    notes[key] = text
        finally:
            self.md.footnote_html = lambda _fid: None
        return notes


def _components(graph: dict[str, set[str]]) -> dict[str, str]:
    """The strongly connected component of each node of a graph (Kosaraju, without
    recursion): two footnotes call each other, directly or not, where they share one."""
    order: list[str] = []
    seen: set[str] = set()
    for root in graph:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(graph[root]))]
        while stack:
            node, following = stack[-1]
            for nxt in following:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(graph[nxt])))
                    break
            else:
                stack.pop()
                order.append(node)
    callers: dict[str, set[str]] = {n: set() for n in graph}
    for node, callees in graph.items():
        for callee in callees:
            callers[callee].add(node)
    component: dict[str, str] = {}
    for root in reversed(order):
        if root in component:
            continue
        component[root] = root
        todo = [root]
        while todo:
            for caller in callers[todo.pop()]:
                if caller not in component:
                    component[caller] = root
                    todo.append(caller)
    return component


def _takes_text(tp: Any) -> bool:
    """Whether a field's type takes text (so that ``null`` or ``~`` written there is text)."""
    options = (
        typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    )
    return any(o in (Text, model.Cell, str) for o in options)


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


#: Files of the content folder that the build reads without being referred to.
FIXED_FILES = ("plan.yaml", FOOTNOTES_FILE, "lint.yaml", "followup.yaml")
_CONTENT_SUFFIXES = (".yaml", ".yml", ".md", ".png", ".jpg", ".jpeg", ".svg")


#: The folder of the regional editions (editions.py): each is a content set of its own.
EDITIONS_DIR = "editions"


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


PLAN_FILE = "plan.yaml"


LINT_FILE = "lint.yaml"


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


__all__ = ["EDITIONS_DIR", "PLAN_FILE", "Loader", "load_plan"]
