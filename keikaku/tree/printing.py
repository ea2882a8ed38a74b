"""What every part of the walk shares: the printed text of a content text, its
footnote calls numbered in the walk's order, the labels, a ＫＰＩ's values."""

from __future__ import annotations

from typing import Any

from .. import model
from ..errors import Pos
from ..markup import printing_parser
from ..outline import Heading as Numbering
from ..typeset import char_width
from .nodes import Pending, Trace
from .text import Call, Inline, inline, join

# ------------------------------------------------------------------ the walk

#: The cover's fields in the order the cover prints them (generated.html); the other
#: fields of the plan's meta follow, unprinted, in the model's order.
COVER_ORDER = ("status", "title", "meeting", "plan_period", "notice", "date_line", "issuer")
#: Fields the PDF keeps in its metadata only.
METADATA_ONLY = ("subject", "keywords")


def content_id(h: Numbering) -> str:
    """The content id a heading's title comes from (a group's: its vision's)."""
    node = h.node
    if isinstance(node, model.PackageGroup):
        return node.vision
    if isinstance(node, model.GoalOutline):
        return node.goal
    return getattr(node, "id", "") or h.anchor


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _value_pos(v: model.KpiValue | model.Pending) -> Pos | None:
    """Where a ＫＰＩ value is traced to: its year, or the reason it is not set yet."""
    return v.pending.pos if isinstance(v, model.Pending) else v.year.pos


def _value(value: Any) -> str:
    """A ＫＰＩ value as printed: ``model.printed_number`` (1200.0 shows as 1,200)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return model.printed_number(value)
    return str(value)


def kpi_columns(plan: model.Plan) -> dict[str, str]:
    """Column widths shared by every ＫＰＩ table of the plan, fitted to its data.

    Every table of the ＫＰＩ一覧 gets the same widths, so the columns line up from one
    重点目標 to the next; the 単位 and value columns are as wide as their longest entry
    (a unit such as 万kW, a year such as 「（令和１２年度）」 on one line), the rest goes to
    the indicator and the notes. Widths are in em of the tables' text (BIZ UD: full-width
    characters 1 em, half-width ½ em).
    """

    def width(text: str) -> float:
        return sum(char_width(c) for c in text)

    labels = plan.labels
    kpis = [k for _g, _grp, pkg in plan.packages() for k in pkg.all_kpis]
    values = [v for k in kpis for v in (k.baseline, k.target) if not isinstance(v, model.Pending)]
    unit = max(
        [width(labels["kpi_unit"].plain), width(labels["kpi_no_unit"].plain)]
        + [width(k.unit.plain) for k in kpis if k.unit]
    )
    value = max(
        [width(labels[key].plain) for key in ("kpi_baseline", "kpi_target", "pending_value")]
        + [
            width(v.value.plain if isinstance(v.value, model.Text) else _value(v.value))
            for v in values
        ]
        # The year is set at 8.5pt in a 9.5pt table.
        + [width(f"（{v.year.plain}）") * 8.5 / 9.5 for v in values]
    )
    padding = 1.4  # 2 mm each side and the rules, in em of 9.5pt
    return {"unit": f"{unit + padding:.2f}em", "value": f"{value + padding:.2f}em"}


class _Printing:
    def __init__(self, plan: model.Plan, draft: bool) -> None:
        self.plan = plan
        self.draft = draft
        self.outline = plan.outline(draft)
        self.md = printing_parser()
        self.count = 0
        self.numbers: dict[str, list[int]] = {}
        self.origin: dict[int, tuple[str, str]] = {}
        """(content id, field path) of each 未定事項 set so far, by ``id()``: the
        未定事項一覧 traces a reason to the first place it stands for."""
        widths = kpi_columns(plan)
        self.kpi_widths = (widths["unit"], widths["value"])
        """The widths of the ＫＰＩ tables' 単位 and value columns, shared by all of them."""

    # -- text

    def text(self, text: model.Text | None, *, counted: bool = True) -> Inline:
        """A content text as printed; its footnote calls numbered unless ``counted`` is off."""
        return self._numbered(inline(text), counted)

    def _numbered(self, text: Inline, counted: bool) -> Inline:
        if not counted or not text.calls:
            return text
        out = []
        for call in text.calls:
            self.count += 1
            self.numbers.setdefault(call.footnote, []).append(self.count)
            out.append(Call(call.at, call.footnote, self.count))
        return Inline(text.text, tuple(out), text.marks)

    def label(self, name: str) -> Inline:
        return self.text(self.plan.labels.get(name))

    def label_plain(self, name: str) -> str:
        label = self.plan.labels.get(name)
        return label.plain if label is not None else ""

    def label_trace(self, name: str) -> Trace:
        """A wording that is not content but a label (plan.yaml's ``labels``)."""
        label = self.plan.labels.get(name)
        return Trace("", f"labels.{name}", label.pos if label is not None else None, "label")

    # -- blocks

    def kpi_value(self, v: model.KpiValue | model.Pending) -> tuple[Inline, ...]:
        if isinstance(v, model.Pending):
            return (self.label("pending_value").marked("strong"),)
        value = self.text(v.value) if isinstance(v.value, model.Text) else Inline(_value(v.value))
        return (value, join("（", self.text(v.year), "）").marked("small"))

    def unprinted(self, v: model.KpiValue | model.Pending) -> Pending | None:
        """The 未定事項 of a ＫＰＩ value: the cell prints only its label."""
        if not isinstance(v, model.Pending):
            return None
        what = self.text(v.what, counted=False) if v.what else None
        reason = self.text(v.pending, counted=False)
        return Pending(
            Inline(self.label_plain("pending_value")), reason, what, Trace("", "", v.pos)
        )
