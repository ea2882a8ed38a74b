"""A synthetic plan k times the size of the real one, made from the real content files.

Nothing here invents a schema: the real YAML is read and its entity lists are repeated.
Copy ``i`` of an entity gets every ``id`` and every reference (``goal``, ``vision``,
``challenges``) suffixed ``-x{i}``, so ids stay unique and each copy refers to its own
copies — the loader validates the result exactly like the real plan. Copy 0 is the
original. Goal files are repeated as files (the goal is the file's root); in the other
files, the outermost lists of entities (mappings with an ``id``, or 重点目標の案 with a
``goal``) are repeated, which repeats everything nested in them (points, packages …).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from keikaku.load import CONTENT_FILES

#: Keys whose string values are ids of other entities (see ``meta(ref=...)`` in the model).
REF_KEYS = ("goal", "vision", "challenges")


def _suffixed(node: Any, suffix: str) -> Any:
    """A deep copy of ``node`` with every id and reference given ``suffix``."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("id", *REF_KEYS) and isinstance(value, str):
                out[key] = value + suffix
            elif key in REF_KEYS and isinstance(value, list) and all(isinstance(v, str) for v in value):
                out[key] = [v + suffix for v in value]
            else:
                out[key] = _suffixed(value, suffix)
        return out
    if isinstance(node, list):
        return [_suffixed(item, suffix) for item in node]
    return node


def _suffix(i: int) -> str:
    return "" if i == 0 else f"-x{i}"


def _is_entity_list(node: Any) -> bool:
    return (isinstance(node, list) and bool(node)
            and all(isinstance(item, dict) and ("id" in item or "goal" in item) for item in node))


def _multiply(node: Any, k: int) -> Any:
    """Repeat the outermost entity lists in ``node`` ``k`` times (copies suffixed)."""
    if _is_entity_list(node):
        return [_suffixed(item, _suffix(i)) for i in range(k) for item in node]
    if isinstance(node, dict):
        return {key: _multiply(value, k) for key, value in node.items()}
    if isinstance(node, list):
        return [_multiply(item, k) for item in node]
    return node


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000),
                    encoding="utf-8")


def make_synthetic(content: Path, target: Path, k: int) -> Path:
    """Write a plan ``k`` times the size of ``content`` into ``target``; returns ``target``."""
    if target.exists():
        shutil.rmtree(target)
    # Prose fragments, footnotes and anything else are shared by all copies as they are.
    shutil.copytree(content, target)
    programme_file = CONTENT_FILES["programme"][0]
    programme = _load(content / programme_file)
    goal_files = []
    for i in range(k):
        for rel in programme["goal_files"]:
            goal = _load(content / rel)
            name = rel if i == 0 else rel.replace(".yaml", f"{_suffix(i)}.yaml")
            _dump(target / name, _suffixed(goal, _suffix(i)))
            goal_files.append(name)
    _dump(target / programme_file, {**_multiply(programme, k), "goal_files": goal_files})
    for name, (rel, _cls) in CONTENT_FILES.items():
        if name != "programme":
            _dump(target / rel, _multiply(_load(content / rel), k))
    return target
