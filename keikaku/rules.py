"""The rules on values that a field's type alone cannot say, in one table.

Read by the loader (``Loader.validate_values``: each rule checks a value and words the
message for the editor) and by both JSON Schemas (``data.refine``: each rule gives its
schema, for plan.json and for the content files), so an allowed value, a range or a
pattern is written once. Checks that depend on more than one value (a table's rows
against its header, a 政策パッケージ's one 【ＫＰＩ】) stay with the loader.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from . import model, overview
from .sources import printable

#: Marker examples offered to editors (any 1–3 characters are allowed).
MARKER_EXAMPLES = ("・", "■", "○", "●", "◎", "※", *model.NUMBERED_MARKERS, "none")

#: A table's column width: 30%, 8em, 25mm, auto …
WIDTH = re.compile(r"^(auto|\d+(\.\d+)?(%|em|mm|cm|pt))$")


@dataclass(frozen=True)
class Rule:
    """A rule on one field's value. ``key``: the YAML key the value is written under, when
    it is not the field's name (a ``generated:`` block's ``name``)."""

    key: str | None = None

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def problem(self, value: Any) -> str | None:
        """The message for a value that breaks the rule; None if it keeps it."""
        return None


@dataclass(frozen=True)
class OneOf(Rule):
    """One of a few names (with the nearest one suggested)."""

    allowed: tuple[str, ...] = ()
    what: str = ""

    def schema(self) -> dict[str, Any]:
        return {"enum": list(self.allowed)}

    def problem(self, value: Any) -> str | None:
        if value is None or value in self.allowed:
            return None
        close = difflib.get_close_matches(str(value), self.allowed, n=1)
        hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
        return (
            f"{self.what}「{printable(str(value))}」は使えません。{hint}"
            f"使えるもの: {', '.join(self.allowed)} (unknown value)"
        )


@dataclass(frozen=True)
class Between(Rule):
    """A whole number from ``low`` to ``high``."""

    low: int = 0
    high: int = 0
    message: str = ""

    def schema(self) -> dict[str, Any]:
        return {"minimum": self.low, "maximum": self.high}

    def problem(self, value: Any) -> str | None:
        return None if value is None or self.low <= value <= self.high else self.message


@dataclass(frozen=True)
class Marker(Rule):
    """A list's marker: ``none``, a numbering style, or any 1–3 characters."""

    def schema(self) -> dict[str, Any]:
        return {
            "anyOf": [{"const": "none"}, {"minLength": 1, "maxLength": 3}],
            "examples": list(MARKER_EXAMPLES),
        }

    def problem(self, value: Any) -> str | None:
        if value == "none" or value in model.NUMBERED_MARKERS or 1 <= len(value) <= 3:
            return None
        return (
            f"行頭の記号「{printable(value)}」は1〜3文字で書いてください（番号なら ① １ （１） ア （ア）、"
            "記号なしは none）。 (marker too long)"
        )


@dataclass(frozen=True)
class Exactly(Rule):
    """The one value the field takes (``page_break: true``)."""

    value: Any = None
    message: str = ""

    def schema(self) -> dict[str, Any]:
        return {"const": self.value}

    def problem(self, value: Any) -> str | None:
        return None if value is self.value else self.message


@dataclass(frozen=True)
class AtLeast(Rule):
    """A number no less than ``low``."""

    low: float = 0
    message: str = ""

    def schema(self) -> dict[str, Any]:
        return {"minimum": self.low}

    def problem(self, value: Any) -> str | None:
        return None if value is None or value >= self.low else self.message


@dataclass(frozen=True)
class FiscalYear(Rule):
    """A fiscal year as the plan writes its ＫＰＩ's: 令和N年度 (series.fiscal_year)."""

    what: str = ""

    def schema(self) -> dict[str, Any]:
        digit, nonzero = "[0-9０-９]", "[1-9１-９]"
        return {
            "pattern": f"^令和(元|{digit}?{nonzero}|{nonzero}{digit})年度$",
            "examples": ["令和10年度", "令和９年度"],
        }

    def problem(self, value: Any) -> str | None:
        from .series import fiscal_year

        if value is None or fiscal_year(value) is not None:
            return None
        shown = value.plain if isinstance(value, model.Text) else str(value)
        return (
            f"{self.what}「{printable(shown)}」は「令和10年度」のように令和N年度の形で"
            "書いてください（ＫＰＩの年度と同じ書き方）。 (fiscal year not understood)"
        )


@dataclass(frozen=True)
class Described(Rule):
    """A schema only: what the loader checks with the rest of its block (a table's header
    and rows against each other, the widths against the columns, a part's label against
    ``labels``), or examples offered to editors."""

    fragment: tuple[tuple[str, Any], ...] = ()

    def schema(self) -> dict[str, Any]:
        return dict(self.fragment)


NUMBERING = OneOf(allowed=model.NUMBERING, what="番号の付け方")

#: The rules, by model class and field name.
VALUE_RULES: dict[tuple[type, str], Rule] = {
    (model.Section, "numbering"): NUMBERING,
    (model.Section, "child_numbering"): NUMBERING,
    (model.Section, "toc_depth"): Between(
        low=0,
        high=6,
        message="目次の深さは 0 から 6 までの整数で書いてください。 (out of range)",
    ),
    (model.Generated, "name"): OneOf(key="generated", allowed=model.GENERATED, what="一覧の種類"),
    (model.Diagram, "name"): OneOf(key="diagram", allowed=model.DIAGRAMS, what="図の種類"),
    (model.Paragraph, "align"): OneOf(allowed=("center", "right"), what="揃え"),
    (model.BulletList, "marker"): Marker(),
    (model.PageBreak, "page_break"): Exactly(
        value=True, message="改ページは「page_break: true」と書いてください。"
    ),
    (model.Table, "header"): Described(fragment=(("minimum", 0),)),
    (model.Table, "rows"): Described(fragment=(("minItems", 1),)),
    (model.Table, "widths"): Described(
        fragment=(("items", {"type": "string", "pattern": WIDTH.pattern}),)
    ),
    (overview.OverviewFile, "font_size"): Between(
        low=overview.MIN_FONT_SIZE,
        high=overview.MAX_FONT_SIZE,
        message=f"概要の文字の大きさは {overview.MIN_FONT_SIZE} pt 以上 {overview.MAX_FONT_SIZE} pt"
        " 以下で書いてください（例: 8.5）。 (out of range)",
    ),
    (overview.OverviewFile, "pages"): Between(
        low=1,
        high=overview.MAX_PAGES,
        message="概要のページ数は 1 か 2 で書いてください。 (out of range)",
    ),
    (model.Project, "completion"): FiscalYear(what="完成予定時期"),
    (model.Project, "cost"): AtLeast(
        low=0,
        message="事業費（億円）は 0 以上の数で書いてください（例: 120、35.5）。 (negative cost)",
    ),
    (model.Projects, "projects"): Described(fragment=(("minItems", 1),)),
    (model.PackagePart, "label"): Described(
        fragment=(("examples", ["directions", "measures", "key_measures", "situation"]),)
    ),
}


def rules_of(obj: Any) -> list[tuple[str, Rule]]:
    """The rules on the fields of ``obj``, with the field each is on, in table order."""
    return [(name, rule) for (cls, name), rule in VALUE_RULES.items() if isinstance(obj, cls)]
