"""Regional editions: documents of their own that reuse the national content by id.

An edition is a content set in ``content/editions/<name>/``, laid out like ``content/``
itself: its ``plan.yaml`` has its own cover fields, title, labels and ``parts:``, its own
sections and files (``include:``, ``prose:`` inside its folder), and, anywhere a block may
stand, ``- national: ID``: the national section, 重点目標 (with its packages) or other
entity with that id, exactly as the national plan has it. Nothing is copied, so the
edition cannot drift from the national plan. The edition numbers what it prints
(outline.py numbers the edition's own tree).

The edition is read by the national loader's machinery (``load.Loader``): its ids are
checked against the national plan's (an id is unique across the repository), a
``national:`` that names no national id is reported at its file:line:col with the close
match, and its labels and footnotes default to the national plan's. ``check_editions``
also compares the editions' own ids with one another.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from pathlib import Path
from typing import Any

from . import model
from .errors import BuildError, Pos, Problem, Problems
from .load import EDITIONS_DIR, PLAN_FILE, REGIONAL_KPIS_KEY, Loader, load_plan
from .markup import Markup2Html
from .model import Plan, Text
from .sources import YList, YMap, printable

#: The block kind that names a national entity in an edition's content.
NATIONAL = "national"

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def editions_of(content: Path) -> list[str]:
    """The names of the editions in ``content/editions/`` (folders with a plan.yaml)."""
    folder = content / EDITIONS_DIR
    if not folder.is_dir() or folder.is_symlink():
        return []
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_dir() and not p.is_symlink() and (p / PLAN_FILE).is_file()
    )


def _reachable(obj: Any, into: set[int]) -> set[int]:
    """``id()`` of every model object inside ``obj`` (its fields, tuples, dicts)."""
    into.add(id(obj))
    if isinstance(obj, tuple):
        for item in obj:
            _reachable(item, into)
    elif isinstance(obj, dict):
        for item in obj.values():
            _reachable(item, into)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if not isinstance(value, (str, int, float, bool, type(None), Pos)):
                _reachable(value, into)
    return into


class EditionLoader(Loader):
    """A ``Loader`` for one edition: ``- national: ID`` stands for the national entity."""

    def __init__(
        self, content_dir: Path, national: Plan, national_ids: dict[str, tuple[str, Pos]]
    ) -> None:
        super().__init__(content_dir, Markup2Html())
        self.national = national
        # Every national id is taken: an edition's own id must differ (and its references
        # to national entities, e.g. goal_outline: goal-a, resolve).
        self.ids = dict(national_ids)
        self.national_ids = frozenset(national_ids)
        self.sources = dict(national.sources)
        self.labels_raw.update({k: v.raw for k, v in national.labels.items()})
        self.base_labels = dict(national.labels)
        self.base_visions = dict(national.index.visions)
        self.entities = {
            b.id: b for b in model.walk(national.parts) if isinstance(getattr(b, "id", None), str)
        }
        self.used: dict[str, Pos] = {}  # the ids of every national block printed, and where

    plan_keys = (REGIONAL_KPIS_KEY,)

    def amend(self, node: YMap, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The parts with the edition's own ＫＰＩ (``regional_kpis:`` in its plan.yaml)
        added to the national 政策パッケージ they name: each package gets a second
        【ＫＰＩ】 part, labelled ``regional_kpis``, after its national one."""
        if REGIONAL_KPIS_KEY not in node:
            return parts
        value = node[REGIONAL_KPIS_KEY]
        if not isinstance(value, YList):
            self.add(
                node.at(REGIONAL_KPIS_KEY),
                "regional_kpis は「- package: 政策パッケージの ID」で始まる項目の一覧で書いてください。"
                " (expected a list)",
                REGIONAL_KPIS_KEY,
            )
            return parts
        printed = {id(b) for b in model.walk(parts)}
        added: dict[str, tuple[model.RegionalKpis, Pos]] = {}
        for n, (item, pos) in enumerate(zip(value, value.item_pos, strict=True)):
            ref = item.get("package") if isinstance(item, YMap) else None
            pkg = self.entities.get(ref) if isinstance(ref, str) else None
            self._path.extend([REGIONAL_KPIS_KEY, f"[{n}]"])
            if isinstance(pkg, model.PolicyPackage):
                self._titles.append(pkg.title.plain)
            try:
                entry = self.convert(model.RegionalKpis, item, pos, "地方ブロックのＫＰＩ", None)
                if entry is None:
                    continue
                where = item.at("package")
                path = f"{self.field_path()}.package"
                if not isinstance(pkg, model.PolicyPackage):
                    self.add_unknown_package(entry.package, where, path)
                elif id(pkg) not in printed:
                    self.add(
                        where,
                        f"政策パッケージ「{printable(entry.package)}」はこの版に載っていません。"
                        "この版の parts に、その重点目標を「- national: 重点目標の ID」で載せてください。"
                        " (package not printed in this edition)",
                        path,
                    )
                elif entry.package in added:
                    self.add(
                        where,
                        f"政策パッケージ「{printable(entry.package)}」のＫＰＩは "
                        f"{added[entry.package][1]} にも書かれています。一つにまとめてください。"
                        " (package given twice)",
                        path,
                    )
                elif not entry.kpis:
                    self.add(
                        item.at("kpis"),
                        "ＫＰＩが一つもありません。「- id: …」で書いてください。 (no kpis)",
                        f"{self.field_path()}.kpis",
                    )
                else:
                    added[entry.package] = (entry, where)
            finally:
                if isinstance(pkg, model.PolicyPackage):
                    self._titles.pop()
                del self._path[-2:]
        replaced: dict[int, Any] = {}
        for pkg_id, (entry, _where) in added.items():
            pkg = self.entities[pkg_id]
            part = model.KpiPart(
                kpis=tuple(dataclasses.replace(k, package=pkg_id) for k in entry.kpis),
                label=model.REGIONAL_KPIS,
                pos=entry.pos,
            )
            replaced[id(pkg)] = dataclasses.replace(pkg, parts=(*pkg.parts, part))
        return _replaced(parts, replaced) if replaced else parts

    def add_unknown_package(self, ref: str, where: Pos, path: str) -> None:
        packages = sorted(k for k, b in self.entities.items() if isinstance(b, model.PolicyPackage))
        close = difflib.get_close_matches(ref, packages, n=1)
        hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
        block = self.entities.get(ref)
        kind = f"（「{printable(ref)}」は {type(block).KIND} です）" if block is not None else ""
        self.add(
            where,
            f"全国計画に政策パッケージ「{printable(ref)}」が見つかりません{kind}。{hint}"
            "全国計画の政策パッケージの ID を書いてください（全国計画で ID を変えたときは、ここも直します）。"
            " (unknown national package)",
            path,
        )

    def own_ids(self) -> dict[str, Pos]:
        """The ids the edition's own content defines."""
        return {k: pos for k, (_kind, pos) in self.ids.items() if k not in self.national_ids}

    def footnotes(self) -> dict[str, Text]:
        """The national footnotes, and the edition's own (footnotes.yaml in its folder)."""
        return {**self.national.footnotes, **super().footnotes()}

    def block(
        self, node: YMap, pos: Pos, label: str, kinds: tuple[type[model.BlockKind], ...]
    ) -> Any:
        if not node or next(iter(node)) != NATIONAL:
            return super().block(node, pos, label, kinds)
        where = node.at(NATIONAL)
        for key in node:
            if key != NATIONAL:
                self.add(
                    node.key_pos[key],
                    f"national には項目「{printable(key)}」を書けません。"
                    "全国計画の項目をそのまま載せます。 (unknown field)",
                )
        ref = node[NATIONAL]
        if not isinstance(ref, str) or not ref:
            self.add(
                where,
                "national には全国計画の節・重点目標などの ID を書いてください（例: national: ch2）。"
                " (expected an id)",
            )
            return None
        block = self.entities.get(ref)
        if block is None:
            close = difflib.get_close_matches(ref, sorted(self.entities), n=1)
            hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
            self.add(
                where,
                f"全国計画に ID「{printable(ref)}」の項目が見つかりません。{hint}"
                "全国計画の ID を確かめてください（全国計画で ID を変えたときは、ここも直します）。"
                " (reference to an unknown national id)",
            )
            return None
        if not isinstance(block, kinds):
            allowed = ", ".join(sorted(k.KIND for k in kinds))
            self.add(
                where,
                f"全国計画の「{printable(ref)}」（{type(block).KIND}）はここには置けません。"
                f"ここに置ける種類: {allowed} (national entity of the wrong kind here)",
            )
            return None
        inside = {
            b.id: b.pos for b in model.walk((block,)) if isinstance(getattr(b, "id", None), str)
        }
        twice = [i for i in inside if i in self.used]
        if twice:
            self.add(
                where,
                f"全国計画の「{printable(twice[0])}」は {self.used[twice[0]]} ですでに載せています。"
                "一つの版には一度だけ載せてください。 (national entity printed twice)",
            )
            return None
        self.used.update(dict.fromkeys(inside, where))
        # Its 未定事項 are the edition's too (the 未定事項一覧, the final gate).
        reachable = _reachable(block, set())
        self.pending.extend(p for p in self.national.pending_items if id(p[1]) in reachable)
        return block


def _replaced(blocks: tuple[Any, ...], by: dict[int, Any]) -> tuple[Any, ...]:
    """``blocks`` with each block whose ``id()`` is in ``by`` replaced, and every block
    that holds one rebuilt around it (the model is frozen); the rest stay the same objects."""
    out = []
    for block in blocks:
        if id(block) in by:
            out.append(by[id(block)])
            continue
        body = getattr(block, "body", None)
        if isinstance(body, tuple) and body:
            inner = _replaced(body, by)
            if any(a is not b for a, b in zip(inner, body, strict=True)):
                block = dataclasses.replace(block, body=inner)
        out.append(block)
    return tuple(out)


def _national(content: Path) -> tuple[Plan, dict[str, tuple[str, Pos]]]:
    loader = Loader(content)
    plan = load_plan(content, loader=loader)
    return plan, loader.ids


def _unknown_edition(content: Path, name: str) -> BuildError:
    known = editions_of(content)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
    listed = "、".join(known) if known else "なし"
    folder = Path(content) / EDITIONS_DIR / name / PLAN_FILE
    from .files import shown_path

    return BuildError(
        Problem(
            Pos(printable(shown_path(folder), 300)),
            f"版「{printable(name)}」が見つかりません。{hint}"
            f"{EDITIONS_DIR}/ にある版: {listed}。版は {EDITIONS_DIR}/<名前>/plan.yaml に書きます。"
            " (unknown edition)",
        )
    )


def _load_edition(
    content: Path, name: str, national: Plan, ids: dict[str, tuple[str, Pos]]
) -> tuple[Plan, EditionLoader]:
    if not _NAME.match(name) or name not in editions_of(content):
        raise _unknown_edition(content, name)
    loader = EditionLoader(content / EDITIONS_DIR / name, national, ids)
    return load_plan(content / EDITIONS_DIR / name, loader=loader), loader


def load_edition(content: Path, name: str) -> Plan:
    """The edition ``name`` of the content in ``content``. Raises ``BuildError``."""
    national, ids = _national(content)
    return _load_edition(content, name, national, ids)[0]


def check_editions(content: Path) -> dict[str, Plan]:
    """Every edition, loaded and checked: each against the national plan, and the ids of
    each edition's own content against every other edition's. Raises ``BuildError``
    with the problems of all of them."""
    names = editions_of(content)
    if not names:
        return {}
    plan, ids = _national(content)
    problems = Problems()
    plans: dict[str, Plan] = {}
    owners: dict[str, tuple[str, Pos]] = {}
    for name in names:
        try:
            edition, loader = _load_edition(content, name, plan, ids)
        except BuildError as exc:
            problems.items.extend(exc.problems)
            continue
        plans[name] = edition
        for key, pos in sorted(loader.own_ids().items(), key=lambda kv: kv[1]):
            if key in owners:
                other, other_pos = owners[key]
                problems.add(
                    pos,
                    f"ID「{printable(key)}」は版「{other}」の {other_pos} でも使われています。"
                    "ID は全国計画とすべての版を通じて一つだけにしてください"
                    f"（例: {name}-{key}）。 (duplicate id across editions)",
                )
            else:
                owners[key] = (name, pos)
    problems.raise_if_any()
    return plans


__all__ = ["NATIONAL", "EditionLoader", "check_editions", "editions_of", "load_edition"]
