"""The loader: ``Loader`` = ``Blocks`` (blocks.py) on ``Checks`` (checks.py) on ``Values``
(values.py) on ``Reading`` (reading.py), each layer using only those below it; and what it
reads first, content/footnotes.yaml.
"""

from __future__ import annotations

import os
import re
from typing import Any

from markupsafe import Markup

from ..errors import Pos
from ..limits import MAX_FOOTNOTES
from ..model import Text
from ..sources import YMap, locate, printable
from .blocks import Blocks
from .names import FOOTNOTES_FILE

_FOOTNOTE_CALL = re.compile(r"\[\^([A-Za-z0-9_-]+)\]")


class Loader(Blocks):
    """Builds model objects from YAML values, collecting every problem on the way."""

    #: Keys of plan.yaml besides the cover's, ``labels`` and ``parts`` (an edition's
    #: ``regional_kpis``): read by ``amend``.
    plan_keys: tuple[str, ...] = ()

    def amend(self, node: YMap, parts: tuple[Any, ...]) -> tuple[Any, ...]:
        """The parts, with what the ``plan_keys`` of plan.yaml add to them (an edition)."""
        return parts

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
