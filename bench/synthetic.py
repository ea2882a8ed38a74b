"""A synthetic plan k times the size of the real one, made from the real content files.

Nothing here invents a schema: the real YAML is read and its lists of entities are
repeated. Copy ``i`` of an entity gets its ``id`` and every reference to another entity
suffixed ``-x{i}``, so ids stay unique and each copy refers to its own copies — the
loader validates the result exactly like the real plan. Copy 0 is the original.

What is repeated: in every file the parts include, the lists of *leaf* headings
(sections with no heading below them, 課題, 目指す社会の姿, 重点目標の案) and of
``include``d 重点目標 files, whose files are copied with suffixed names. Sections that
hold other headings are walked into, not repeated, so each generated list, diagram and
annex still appears once and grows k times, as the real plan's would; plan.yaml's parts
stay as they are.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

#: First keys of the blocks that carry a heading (model.HEADINGS' kinds).
HEADINGS = ("section", "challenge", "vision", "goal_outline", "goal", "group", "package")
FIXED = ("plan.yaml", "footnotes.yaml", "lint.yaml")


def _suffix(i: int) -> str:
    return "" if i == 0 else f"-x{i}"


def _file(rel: str, suffix: str) -> str:
    return rel if not suffix else rel.replace(".yaml", f"{suffix}.yaml")


def _suffixed(node: Any, suffix: str) -> Any:
    """A deep copy of ``node`` with every id and reference given ``suffix``."""
    if isinstance(node, list):
        return [_suffixed(item, suffix) for item in node]
    if not isinstance(node, dict):
        return node
    kind = next(iter(node), None)
    out = {}
    for key, value in node.items():
        ref = (
            key == "id"
            or (key == "goal" and kind == "vision")
            or (key == kind and kind in ("goal_outline", "group"))
        )
        if ref and isinstance(value, str):
            out[key] = value + suffix
        elif key == "include" and isinstance(value, str):
            out[key] = _file(value, suffix)
        else:
            out[key] = _suffixed(value, suffix)
    return out


def _kind(block: Any) -> str | None:
    return next(iter(block), None) if isinstance(block, dict) else None


def _has_headings(block: dict) -> bool:
    return any(_kind(b) in HEADINGS for b in block.get("body") or [] if isinstance(b, dict))


def _is_repeated(block: Any) -> bool:
    kind = _kind(block)
    if kind == "include":
        return True
    return kind in HEADINGS and not _has_headings(block)


class _Multiplier:
    def __init__(self, content: Path, target: Path, k: int) -> None:
        self.content, self.target, self.k = content, target, k

    def body(self, blocks: list[Any]) -> list[Any]:
        kept, repeated = [], []
        for block in blocks:
            if _is_repeated(block):
                repeated.append(block)
                if _kind(block) == "include":
                    self.copy_included(block["include"])
            elif isinstance(block, dict) and isinstance(block.get("body"), list):
                kept.append({**block, "body": self.body(block["body"])})
            else:
                kept.append(block)
        return kept + [_suffixed(b, _suffix(i)) for i in range(self.k) for b in repeated]

    def copy_included(self, rel: str) -> None:
        data = _load(self.content / rel)
        for i in range(self.k):
            _dump(self.target / _file(rel, _suffix(i)), _suffixed(data, _suffix(i)))

    def file(self, rel: str) -> None:
        data = _load(self.content / rel)
        if isinstance(data, dict) and isinstance(data.get("body"), list) and _kind(data) != "goal":
            _dump(self.target / rel, {**data, "body": self.body(data["body"])})


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8"
    )


def make_synthetic(content: Path, target: Path, k: int) -> Path:
    """Write a plan ``k`` times the size of ``content`` into ``target``; returns ``target``."""
    if target.exists():
        shutil.rmtree(target)
    # Prose fragments, footnotes, images and anything else are shared by all copies.
    shutil.copytree(content, target)
    multiplier = _Multiplier(content, target, k)
    plan = _load(content / "plan.yaml")
    for part in plan.get("parts", []):
        if _kind(part) == "include":
            multiplier.file(part["include"])
    return target
