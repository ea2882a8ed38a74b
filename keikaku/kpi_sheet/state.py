"""The plan's ＫＰＩ as comparable data (``kpi_state``): what the import expects the content
to hold once written, checked against the plan as loaded again; and ``slot``, where a
ＫＰＩ is written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..model import REGIONAL_KPIS, Kpi, KpiActual, KpiValue, Pending, Plan, Text
from .columns import NATIONAL
from .export import regional_packages


def _value_state(v: KpiValue | Pending) -> tuple[Any, ...]:
    if isinstance(v, Pending):
        return ("pending", v.pending.raw)
    value = ("text", v.value.raw) if isinstance(v.value, Text) else Decimal(repr(v.value))
    return ("value", value, v.year.raw)


def _actual_state(a: KpiActual) -> tuple[Any, ...]:
    value = ("text", a.value.raw) if isinstance(a.value, Text) else Decimal(repr(a.value))
    return (
        a.year.raw,
        value,
        a.note.raw if a.note else None,
        a.source.raw if a.source else None,
    )


def _kpi_state(k: Kpi) -> dict[str, Any]:
    return {
        "indicator": k.indicator.raw,
        "unit": k.unit.raw if k.unit else None,
        "baseline": _value_state(k.baseline),
        "target": _value_state(k.target),
        "notes": k.notes.raw if k.notes else None,
        "actuals": [_actual_state(a) for a in k.actuals],
    }


def kpi_state(plan: Plan, editions: dict[str, Plan] | None = None) -> dict[str, Any]:
    """Every package's ＫＰＩ (or its pending reason), as comparable data; and the ＫＰＩ
    each edition gives a package of its own, under ``slot(edition, package)``."""
    return {
        **{
            pkg.id: ("pending", pkg.kpis.pending.raw)
            if isinstance(pkg.kpis, Pending)
            else {k.id: _kpi_state(k) for k in pkg.kpis}
            for _, _, pkg in plan.packages()
        },
        **{
            slot(name, pkg.id): {k.id: _kpi_state(k) for k in pkg.regional_kpis}
            for name, _g, _grp, pkg in regional_packages(editions)
        },
    }


def slot(edition: str, pkg_id: str) -> str:
    """Where a ＫＰＩ is written: a national package's id, or 「edition/package」 for the
    ＫＰＩ an edition gives it (``regional_kpis:``). Neither an edition's name nor an id
    holds a 「/」."""
    return pkg_id if edition == NATIONAL else f"{edition}/{pkg_id}"


def _without_kpis(data: Any) -> Any:
    """plan.json's data with the ＫＰＩ parts and the 未定事項 list left out (an edition's
    own 【ＫＰＩ】 part of a package whole: the sheet may add the first)."""
    if isinstance(data, dict):
        return {
            k: (None if k == "kpis" and data.get("kind") == "kpis" else _without_kpis(v))
            for k, v in data.items()
            if k != "pending" or "kind" in data
        }
    if isinstance(data, list):
        return [_without_kpis(v) for v in data if not _regional_part(v)]
    return data


def _regional_part(data: Any) -> bool:
    return (
        isinstance(data, dict) and data.get("kind") == "kpis" and data.get("label") == REGIONAL_KPIS
    )
