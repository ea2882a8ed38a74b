"""Edits of content files that change only the edited values' bytes: YAML scalars written
so they load as the value meant, and ``Doc``, one content file with its pending edits."""

from __future__ import annotations

import codecs
import itertools
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import Pos
from .cells import _CONTROL, number_text

# ------------------------------------------------------------------ emitting YAML

_PLAIN_START = set("-?:,[]{}#&*!|>'\"%@`")


def _loads_as(text: str, value: Any, flow: bool) -> bool:
    try:
        loaded = yaml.safe_load(f"[{text}]" if flow else f"k: {text}")
    except yaml.YAMLError:
        return False
    got = (
        loaded[0]
        if flow and isinstance(loaded, list) and loaded
        else (loaded.get("k") if isinstance(loaded, dict) else None)
    )
    return type(got) is type(value) and got == value


def yaml_scalar(
    value: str | Decimal | int | float, *, flow: bool = False, quote: str | None = None
) -> str:
    """A value as YAML text: numbers as written, strings plain where YAML reads them back
    as the same string, quoted only when needed (``quote``: keep the quoting the value had)."""
    if isinstance(value, (Decimal, int, float)) and not isinstance(value, bool):
        text = number_text(value)
        expected = Decimal(text)
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, (int, float)) or Decimal(repr(loaded)) != expected:
            raise ValueError(f"number {text!r} does not read back")
        return text
    s = str(value)
    candidates = []
    if quote == "'" and "\n" not in s:
        candidates.append("'" + s.replace("'", "''") + "'")
    elif quote == '"':
        candidates.append(json.dumps(s, ensure_ascii=False))
    if (
        s
        and s == s.strip()
        and not _CONTROL.search(s)
        and "\n" not in s
        and "\t" not in s
        and s[0] not in _PLAIN_START
        and ": " not in s
        and " #" not in s
        and not s.endswith(":")
        and not (flow and any(c in s for c in ",[]{}:"))
    ):
        candidates.append(s)
    candidates += [json.dumps(s, ensure_ascii=False), json.dumps(s)]
    for text in candidates:
        if _loads_as(text, s, flow):
            return text
    raise ValueError(f"cannot write {s!r} as YAML")


# ------------------------------------------------------------------ content files


def _key(node: yaml.Node) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _get(mapping: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(mapping, yaml.MappingNode):
        for k, v in mapping.value:
            if _key(k) == key:
                return k, v
    return None


def _value(mapping: yaml.Node, key: str) -> yaml.Node:
    """The value node of a key the loader has already required."""
    found = _get(mapping, key)
    if found is None:
        raise KeyError(key)
    return found[1]


def _first_key(mapping: yaml.Node) -> str | None:
    if isinstance(mapping, yaml.MappingNode) and mapping.value:
        return _key(mapping.value[0][0])
    return None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null") and node.style is None


class Doc:
    """One YAML content file: its text, its nodes with their marks, and the edits to make."""

    def __init__(self, file: Path, shown: str, raw: bytes) -> None:
        self.file, self.shown, self.raw = file, shown, raw
        self.bom = raw.startswith(codecs.BOM_UTF8)
        self.text = raw[len(codecs.BOM_UTF8) :].decode("utf-8") if self.bom else raw.decode("utf-8")
        self.nl = "\r\n" if "\r\n" in self.text else "\n"
        # The pure-Python loader: its marks count characters of this very string.
        self.root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        self.parents: dict[int, yaml.Node] = {}
        self.nodes: list[yaml.Node] = []

        # No node is met twice: the loader refuses anchors and aliases, and the import
        # loads the plan again after writing (the files are put back if it fails).
        def visit(node: yaml.Node, parent: yaml.Node | None) -> None:
            self.nodes.append(node)
            if parent is not None:
                self.parents[id(node)] = parent
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    visit(k, node)
                    visit(v, node)
            elif isinstance(node, yaml.SequenceNode):
                for v in node.value:
                    visit(v, node)

        if self.root is not None:
            visit(self.root, None)
        self.edits: list[tuple[int, int, int, str]] = []
        self.marks: dict[int, int] = {}
        self._seq = itertools.count()

    # -- where things are

    def pos(self, index: int) -> Pos:
        line = self.text.count("\n", 0, index) + 1
        return Pos(self.shown, line, index - (self.text.rfind("\n", 0, index) + 1) + 1)

    def in_flow(self, node: yaml.Node) -> bool:
        """Whether ``node`` stands inside a flow collection (``{…}``, ``[…]``)."""
        parent = self.parents.get(id(node))
        while parent is not None:
            if getattr(parent, "flow_style", False):
                return True
            parent = self.parents.get(id(parent))
        return False

    def end(self, node: yaml.Node) -> int:
        """Where a node's own text ends: a block collection's marks run on over the
        comments and blank lines after it, a block scalar's over its line breaks."""
        if isinstance(node, yaml.ScalarNode):
            end = node.end_mark.index
            if node.style in ("|", ">"):
                while end > node.start_mark.index and self.text[end - 1] in " \t\r\n":
                    end -= 1
            return end
        if getattr(node, "flow_style", False):
            return node.end_mark.index
        children = (
            [x for pair in node.value for x in pair]
            if isinstance(node, yaml.MappingNode)
            else list(node.value)
        )
        ends = [self.end(c) for c in children if not _is_null(c)]
        return max(ends, default=node.start_mark.index)

    def line_end(self, index: int) -> int:
        """The start of the line after the one holding ``index``."""
        found = self.text.find("\n", index)
        return len(self.text) if found < 0 else found + 1

    def step(self) -> int:
        """The file's indentation step (2 unless the file indents otherwise)."""
        steps: Counter[int] = Counter()
        for node in self.nodes:
            if isinstance(node, yaml.MappingNode) and not node.flow_style:
                for k, v in node.value:
                    if (
                        isinstance(v, (yaml.MappingNode, yaml.SequenceNode))
                        and not v.flow_style
                        and v.start_mark.line > k.start_mark.line
                        and v.start_mark.column > k.start_mark.column
                    ):
                        steps[v.start_mark.column - k.start_mark.column] += 1
        return steps.most_common(1)[0][0] if steps else 2

    def dash_gap(self) -> int:
        """How far the file writes a list item's mapping from its dash (``- id`` 2, ``-   id`` 4)."""
        gaps: Counter[int] = Counter(
            node.value[0].start_mark.column - node.start_mark.column
            for node in self.nodes
            if isinstance(node, yaml.SequenceNode)
            and not node.flow_style
            and node.value
            and isinstance(node.value[0], yaml.MappingNode)
            and not node.value[0].flow_style
            and node.value[0].start_mark.line == node.start_mark.line
        )
        return gaps.most_common(1)[0][0] if gaps else 2

    # -- edits

    def replace(self, start: int, end: int, text: str, mark: int = 0) -> int:
        """Replace ``[start, end)`` with ``text``; ``mark``: where in ``text`` the value
        starts, for messages. Returns the edit's number (``new_pos``)."""
        seq = next(self._seq)
        self.edits.append((start, end, seq, text))
        self.marks[seq] = mark
        return seq

    def insert(self, index: int, text: str, mark: int = 0) -> int:
        if index == len(self.text) and self.text and not self.text.endswith("\n"):
            text, mark = self.nl + text, mark + len(self.nl)
        return self.replace(index, index, text, mark)

    def new_pos(self, seq: int) -> Pos:
        """Where edit ``seq`` stands in the new text: what the editor opens afterwards."""
        shift = 0
        for start, end, other, text in sorted(self.edits):
            if other == seq:
                index = start + shift + self.marks[seq]
                new = self.new_text()
                line = new.count("\n", 0, index) + 1
                return Pos(self.shown, line, index - (new.rfind("\n", 0, index) + 1) + 1)
            shift += len(text) - (end - start)
        raise KeyError(seq)

    def new_text(self) -> str:
        out, cursor = [], 0
        for start, end, _seq, text in sorted(self.edits):
            if start < cursor:
                raise ValueError(f"overlapping edits in {self.shown} at {start}")
            out += [self.text[cursor:start], text]
            cursor = end
        out.append(self.text[cursor:])
        return "".join(out)

    def new_bytes(self) -> bytes:
        return (codecs.BOM_UTF8 if self.bom else b"") + self.new_text().encode("utf-8")
