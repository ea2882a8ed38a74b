"""A ＫＰＩ's 実績値 by fiscal year: the years as the plan writes them, and the checks on a
series that its types cannot say.

Fiscal years are written as the plan writes them, 令和N年度 (令和５年度, 令和12年度,
令和１２年度, 令和元年度): ``fiscal_year`` reads one as its Western year of start
(令和N年度 is the year from April 2018 + N), ``reiwa`` writes one back, one digit full-width
and longer numbers half-width as the plan's 公用文 lint wants (令和８年度, 令和12年度).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import Pos
from .model import Kpi, KpiActual, KpiValue, Pending, Text

#: 令和元年度 is fiscal 2019: 令和N年度 starts in April of 2018 + N.
REIWA_OFFSET = 2018

_FISCAL = re.compile(r"^令和(元|\d{1,2})年度$")


def fiscal_year(text: Text | str | None) -> int | None:
    """The Western year a fiscal year written 令和N年度 starts in (令和８年度 → 2026), or
    ``None`` if the text is not one."""
    if text is None:
        return None
    raw = text.plain if isinstance(text, Text) else text
    found = _FISCAL.match(unicodedata.normalize("NFKC", raw).strip())
    if found is None:
        return None
    n = 1 if found.group(1) == "元" else int(found.group(1))
    return REIWA_OFFSET + n if n >= 1 else None


def reiwa(year: int) -> str:
    """A fiscal year as the plan writes it: 2026 → 令和８年度, 2030 → 令和12年度."""
    n = year - REIWA_OFFSET
    digits = (
        str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")) if n < 10 else str(n)
    )
    return f"令和{'元' if n == 1 else digits}年度"


def number(value: int | float | Text) -> float | None:
    """A value as a number, if it is one (a text value such as 「約半数」 is not)."""
    if isinstance(value, (bool, Text)):
        return None
    return float(value)


@dataclass(frozen=True)
class Point:
    """A value of a series with its fiscal year (Western) and number."""

    year: int
    value: float


def baseline_point(kpi: Kpi) -> Point | None:
    return _point(kpi.baseline)


def target_point(kpi: Kpi) -> Point | None:
    return _point(kpi.target)


def _point(v: KpiValue | Pending) -> Point | None:
    if isinstance(v, Pending):
        return None
    year, value = fiscal_year(v.year), number(v.value)
    return None if year is None or value is None else Point(year, value)


def actual_points(kpi: Kpi, until: int | None = None) -> list[Point]:
    """The numeric 実績値 in year order, up to fiscal year ``until`` if given."""
    points = []
    for a in kpi.actuals:
        year, value = fiscal_year(a.year), number(a.value)
        if year is not None and value is not None and (until is None or year <= until):
            points.append(Point(year, value))
    return sorted(points, key=lambda p: p.year)


def _bound(v: KpiValue | Pending) -> int | None:
    return None if isinstance(v, Pending) else fiscal_year(v.year)


def _same_unit(a: Text, b: Text | None) -> bool:
    def norm(t: Text | None) -> str:
        return unicodedata.normalize("NFKC", t.plain).strip() if t is not None else ""

    return norm(a) == norm(b)


def problems(kpi: Kpi, where: list[tuple[Pos, Pos, Pos]]) -> Iterator[tuple[Pos, str, str]]:
    """The problems of a ＫＰＩ's 実績値: a year not written 令和N年度, before the
    基準値's year or after the 目標値's, a unit that is not the ＫＰＩ's, a year given
    twice: each as (where, the field's path below the ＫＰＩ, message). ``where``: for each
    実績値, where its year, its value and its unit stand."""
    low, high = _bound(kpi.baseline), _bound(kpi.target)
    seen: dict[int, Pos] = {}
    for i, actual in enumerate(kpi.actuals):
        year_at, _value_at, unit_at = where[i]
        label = f"actuals[{i}]"
        year = fiscal_year(actual.year)
        if year is None:
            yield (
                year_at,
                f"{label}.year",
                f"年度「{actual.year.plain}」は「令和６年度」のように"
                "令和N年度の形で書いてください。 (fiscal year not understood)",
            )
        else:
            if low is not None and year < low:
                yield (
                    year_at,
                    f"{label}.year",
                    f"実績値の年度「{actual.year.plain}」が基準値の年度"
                    f"（{_year_text(kpi.baseline)}）より前です。基準値の年度から目標値の年度までの"
                    "実績値を書いてください。 (actual value before the baseline year)",
                )
            if high is not None and year > high:
                yield (
                    year_at,
                    f"{label}.year",
                    f"実績値の年度「{actual.year.plain}」が目標値の年度"
                    f"（{_year_text(kpi.target)}）より後です。年度を確かめてください。"
                    " (actual value after the target year)",
                )
            if year in seen:
                yield (
                    year_at,
                    f"{label}.year",
                    f"{actual.year.plain}の実績値が {seen[year]} にもあります。"
                    "一つの年度の実績値は一つだけ書いてください（速報値を確定値に改めるときは"
                    "値と注記を書き換えます）。 (value given twice for one year)",
                )
            else:
                seen[year] = year_at
        if actual.unit is not None and not _same_unit(actual.unit, kpi.unit):
            shown = f"「{kpi.unit.plain}」" if kpi.unit else "なし"
            yield (
                unit_at,
                f"{label}.unit",
                f"実績値の単位「{actual.unit.plain}」がＫＰＩの単位（{shown}）と"
                "違います。ＫＰＩの単位で書いた値にするか、unit を消してください。"
                " (unit does not match the KPI's)",
            )


def _year_text(v: KpiValue | Pending) -> str:
    return v.year.plain if isinstance(v, KpiValue) else ""


__all__ = [
    "KpiActual",
    "Point",
    "actual_points",
    "baseline_point",
    "fiscal_year",
    "number",
    "problems",
    "reiwa",
    "target_point",
]
