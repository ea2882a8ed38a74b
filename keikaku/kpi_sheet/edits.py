"""The import's edits of the YAML text (through yamledit's ``Doc``): a value replaced, a key
set or added, a pending value filled, new ＫＰＩ appended to a package (or a new entry of
an edition's ``regional_kpis:``), new 実績値 inserted in year order; and ``Changes``, the
line each edit reports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import yaml

from ..load import REGIONAL_KPIS_KEY
from .cells import SheetRow
from .columns import KPI_KEYS
from .yamledit import Doc, _get, _is_null, _key, yaml_scalar

#: A new 実績値: its fiscal year, the year as written, the value, its note and source.
Actual = tuple[int, str, Decimal, Any, Any]


@dataclass
class NewKpi:
    id: str
    row: SheetRow
    fields: dict[str, Any]
    """indicator, unit, baseline, target, notes: text, or ``("value", number, year)`` /
    ``("pending", reason)`` for the two values."""


@dataclass
class Changes:
    """The changes an import makes, one line per value, each at its edit; and how many
    values (cells) they write."""

    changes: list[tuple[Doc, int, str]] = field(default_factory=list)
    values: int = 0

    def change(self, doc: Doc, seq: int, what: str, old: Any, new: Any, count: int = 1) -> None:
        self.values += count
        old_text = "（未定）" if old is None else str(old)
        self.changes.append((doc, seq, f"{what}: {old_text} → {new}"))

    def lines(self) -> list[str]:
        lines = [(doc.new_pos(seq), message) for doc, seq, message in self.changes]
        return [f"{pos}: {message}" for pos, message in sorted(lines, key=lambda pm: pm[0])]


def replace_scalar(doc: Doc, node: yaml.Node, value: str | Decimal) -> int:
    if not isinstance(node, yaml.ScalarNode):
        raise ValueError(f"{doc.pos(node.start_mark.index)}: expected a scalar")
    quote = node.style if node.style in ("'", '"') and isinstance(value, str) else None
    return doc.replace(
        node.start_mark.index,
        doc.end(node),
        yaml_scalar(value, flow=doc.in_flow(node), quote=quote),
    )


def set_key(
    doc: Doc,
    mapping: yaml.MappingNode,
    key: str,
    value: str | Decimal,
    keys: tuple[str, ...] = KPI_KEYS,
) -> int:
    """Set ``key`` of a ＫＰＩ mapping (or a 実績値's, ``keys=ACTUAL_KEYS``): its scalar
    replaced, or a new key after the key before it in ``keys``. Returns the edit's number."""
    found = _get(mapping, key)
    flow = mapping.flow_style or doc.in_flow(mapping)
    if found and not _is_null(found[1]):
        return replace_scalar(doc, found[1], value)
    if found:  # ``key:`` with nothing after it
        colon = doc.text.index(":", doc.end(found[0]))
        return doc.insert(colon + 1, " " + yaml_scalar(value, flow=flow), mark=1)
    rank = keys.index(key)
    before = [(k, v) for k, v in mapping.value if _key(k) in keys[:rank]] or mapping.value
    _k, after = max(before, key=lambda kv: doc.end(kv[1]))
    if flow:
        return doc.insert(doc.end(after), f", {key}: {yaml_scalar(value, flow=True)}", mark=2)
    indent = " " * mapping.value[0][0].start_mark.column
    return doc.insert(
        doc.line_end(doc.end(after)),
        f"{indent}{key}: {yaml_scalar(value)}{doc.nl}",
        mark=len(indent),
    )


def fill_pending(doc: Doc, node: yaml.Node, number: Decimal, year: str) -> int:
    """A value's ``{pending: …}`` replaced by ``{value: …, year: …}`` in the same style."""
    if getattr(node, "flow_style", False) or not isinstance(node, yaml.MappingNode):
        return doc.replace(
            node.start_mark.index,
            doc.end(node),
            f"{{value: {yaml_scalar(number, flow=True)}, year: {yaml_scalar(year, flow=True)}}}",
        )
    indent = " " * node.start_mark.column
    return doc.replace(
        node.start_mark.index,
        doc.end(node),
        f"value: {yaml_scalar(number)}{doc.nl}{indent}year: {yaml_scalar(year)}",
    )


def regional_entry(doc: Doc, pkg_id: str, kpis: list[NewKpi]) -> int | None:
    """An entry ``- package: ID`` with its ``kpis`` added to an edition's ``regional_kpis:``
    in its plan.yaml ``doc`` (the key made at the end of the file if it has none), indented
    like the file. Returns the edit's number; None if the file writes the key otherwise."""
    nl, step, gap = doc.nl, doc.step(), doc.dash_gap()
    root = doc.root
    found = _get(root, REGIONAL_KPIS_KEY) if root is not None else None

    def entry(dash: int) -> str:
        column = dash + gap
        head = " " * dash + "-" + " " * (gap - 1) + f"package: {yaml_scalar(pkg_id)}{nl}"
        head += " " * column + f"kpis:{nl}"
        inner = column + step
        return head + "".join(block_item(kpi_pairs(k)(False), inner, inner + gap, nl) for k in kpis)

    if found is None and isinstance(root, yaml.MappingNode) and not root.flow_style:
        if root.start_mark.column == 0:
            text = f"{REGIONAL_KPIS_KEY}:{nl}{entry(step)}"
            return doc.insert(len(doc.text), text)
    elif found is not None:
        value = found[1]
        if (
            isinstance(value, yaml.SequenceNode)
            and value.value
            and not value.flow_style
            and not doc.in_flow(value)
        ):
            dash = value.start_mark.column
            at = doc.line_end(doc.end(value.value[-1]))
            return doc.insert(at, entry(dash), mark=dash + gap)
    return None


def append_kpis(doc: Doc, key_node: yaml.Node, value: yaml.Node, kpis: list[NewKpi]) -> int:
    """Write new ＫＰＩ into a package's ``kpis``: appended to its list, or a list replacing
    its ``{pending: …}``, indented like the file. Returns the edit's number."""
    pairs = [kpi_pairs(k) for k in kpis]
    flow_items = ["{" + ", ".join(f"{k}: {v}" for k, v in p(True)) + "}" for p in pairs]
    nl = doc.nl
    if doc.in_flow(value):  # the whole part is written in flow style
        if isinstance(value, yaml.SequenceNode) and value.value:
            return doc.insert(
                doc.end(value.value[-1]), "".join(f", {item}" for item in flow_items), mark=2
            )
        return doc.replace(
            value.start_mark.index, doc.end(value), "[" + ", ".join(flow_items) + "]", mark=1
        )
    if isinstance(value, yaml.SequenceNode) and value.value:
        if value.flow_style:
            return doc.insert(
                doc.end(value.value[-1]), "".join(f", {item}" for item in flow_items), mark=2
            )
        dash, column = value.start_mark.column, value.value[0].start_mark.column
        return doc.insert(
            doc.line_end(doc.end(value.value[-1])),
            "".join(block_item(p(False), dash, column, nl) for p in pairs),
            mark=column,
        )
    if isinstance(value, yaml.MappingNode) and not value.flow_style:
        # ``pending: …`` on the lines below ``kpis:``: the list takes its place and column.
        dash = value.start_mark.column
        column = dash + doc.dash_gap()
        text = "".join(block_item(p(False), dash, column, nl) for p in pairs)
        return doc.replace(
            value.start_mark.index, doc.end(value), text[dash : -len(nl)], mark=column - dash
        )
    # ``kpis: {pending: …}`` or ``kpis: []`` on one line: a block list below the key.
    gap = doc.text[doc.end(key_node) : value.start_mark.index]
    if not re.fullmatch(r"[ \t]*:[ \t]*", gap):
        raise ValueError(
            f"{doc.pos(value.start_mark.index)}: unexpected text before the kpis value"
        )
    dash = key_node.start_mark.column + doc.step()
    column = dash + doc.dash_gap()
    text = "".join(block_item(p(False), dash, column, nl) for p in pairs)
    return doc.replace(
        doc.end(key_node),
        doc.end(value),
        ":" + nl + text[: -len(nl)],
        mark=1 + len(nl) + column,
    )


def _actual_item(entry: Actual) -> str:
    """A new 実績値 as a flow mapping: ``{year: 令和７年度, value: 58}``."""
    _year, year_text, number, note, source = entry
    pairs = [("year", year_text), ("value", number), ("note", note), ("source", source)]
    return (
        "{"
        + ", ".join(f"{key}: {yaml_scalar(v, flow=True)}" for key, v in pairs if v is not None)
        + "}"
    )


def insert_actuals(
    doc: Doc, node: yaml.MappingNode, entries: list[Actual], years: list[int | None]
) -> list[tuple[int, int | None]]:
    """Write new 実績値 (``entries``, in year order) into a ＫＰＩ mapping's ``actuals``, whose
    items are of ``years``: each before the first one of a later year (or last), the list
    made if it has none. Returns, for each entry, the edit's number and the index it now
    stands at in the list (None: appended to a new list)."""
    found = _get(node, "actuals")
    nl = doc.nl
    if (
        found is None
        or _is_null(found[1])
        or not isinstance(found[1], yaml.SequenceNode)
        or not found[1].value
    ):
        if found is not None:
            raise ValueError(f"{doc.pos(found[0].start_mark.index)}: actuals is not a list")
        rank = KPI_KEYS.index("actuals")
        before = [(kn, v) for kn, v in node.value if _key(kn) in KPI_KEYS[:rank]] or node.value
        _k, after = max(before, key=lambda kv: doc.end(kv[1]))
        items = [_actual_item(e) for e in entries]
        if node.flow_style or doc.in_flow(node):
            seq = doc.insert(doc.end(after), f", actuals: [{', '.join(items)}]", mark=2)
        else:
            column = node.value[0][0].start_mark.column
            indent, inner = " " * column, " " * (column + doc.step())
            text = f"{indent}actuals:{nl}" + "".join(f"{inner}- {item}{nl}" for item in items)
            seq = doc.insert(doc.line_end(doc.end(after)), text, mark=len(indent))
        return [(seq, None) for _e in entries]
    sequence = found[1]
    years = list(years)
    done: list[tuple[int, int | None]] = []
    for e in entries:
        later = next((i for i, y in enumerate(years) if y is not None and y > e[0]), None)
        item = _actual_item(e)
        if sequence.flow_style:
            if later is not None:
                seq = doc.insert(sequence.value[later].start_mark.index, f"{item}, ")
            else:
                seq = doc.insert(doc.end(sequence.value[-1]), f", {item}", mark=2)
        else:
            dash = sequence.start_mark.column
            gap = sequence.value[0].start_mark.column - dash
            line = " " * dash + "-" + " " * max(gap - 1, 1) + item + nl
            if later is not None:
                start = sequence.value[later].start_mark.index
                seq = doc.insert(doc.text.rfind("\n", 0, start) + 1, line, mark=dash + max(gap, 2))
            else:
                seq = doc.insert(
                    doc.line_end(doc.end(sequence.value[-1])), line, mark=dash + max(gap, 2)
                )
        position = later if later is not None else len(years)
        # Later entries of this import go after this one: it now stands at ``position``.
        years.insert(position, e[0])
        done.append((seq, position))
    return done


def kpi_pairs(k: NewKpi):
    """The key/value texts of a new ＫＰＩ, for block (False) or flow (True) context."""

    def pairs(flow: bool) -> list[tuple[str, str]]:
        out = [
            ("id", yaml_scalar(k.id, flow=flow)),
            ("indicator", yaml_scalar(k.fields["indicator"], flow=flow)),
        ]
        if k.fields.get("unit"):
            out.append(("unit", yaml_scalar(k.fields["unit"], flow=flow)))
        for name in ("baseline", "target"):
            v = k.fields[name]
            if v[0] == "value":
                out.append(
                    (
                        name,
                        f"{{value: {yaml_scalar(v[1], flow=True)}, year: {yaml_scalar(v[2], flow=True)}}}",
                    )
                )
            else:
                out.append((name, f"{{pending: {yaml_scalar(v[1], flow=True)}}}"))
        if k.fields.get("notes"):
            out.append(("notes", yaml_scalar(k.fields["notes"], flow=flow)))
        return out

    return pairs


def block_item(pairs: list[tuple[str, str]], dash: int, column: int, nl: str) -> str:
    lines = [f"{k}: {v}" for k, v in pairs]
    first = " " * dash + "-" + " " * (column - dash - 1) + lines[0]
    return nl.join([first, *(" " * column + line for line in lines[1:])]) + nl
