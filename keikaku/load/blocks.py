"""The loader's fourth layer: typed model objects from YAML values — each field converted
by its type, a block by the kind its first key names, an include followed into its file —
reporting unknown and missing fields with the likely intended name.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from typing import Any

from .. import model
from ..errors import Pos
from ..limits import MAX_BLOCK_DEPTH
from ..markup import printed_text
from ..model import BlockKind, Pending, PolicyPackage, Prose, Text, fields_of
from ..sources import YList, YMap, printable
from .checks import Checks
from .reading import _kind_of


class Blocks(Checks):
    """Typed model objects from YAML values (a layer of ``Loader``)."""

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
        raw = source if source else str(value) if isinstance(value, (str, int)) else None
        return printed_text(raw, calls=False) if raw is not None else None


def _takes_text(tp: Any) -> bool:
    """Whether a field's type takes text (so that ``null`` or ``~`` written there is text)."""
    options = (
        typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType) else (tp,)
    )
    return any(o in (Text, model.Cell, str) for o in options)
