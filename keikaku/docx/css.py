"""The PDF's look as ``styles/plan.css`` gives it, read for the Word edition.

The stylesheet is the one source of the plan's look: the page and its margins, the body
text's size and leading, each heading level's size, spacing and number width, each
目次 level's indent, the spacing and size of each kind of paragraph. The Word edition
reads those values from it (``styles.py``, ``pandoc_ast.py``) instead of typing them
again, so a change to plan.css reaches plan.docx too.

What is read: the declarations of plain rules (``selector, selector { … }``, those of
``@media print`` too) and of ``@page``, by the exact selector they are written for; custom properties
(``--no-width``) as values. No selector is matched: a caller names the rules a paragraph
matches (``p``, ``p.align-center``), and of their declarations the last in the
stylesheet wins, a shorthand (``margin``) and its longhands (``margin-bottom``) in the
order written, as the cascade orders rules of the same specificity. ``var()`` and ``calc()`` are not resolved (the Word edition reads
no value written so).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import tinycss2

from ..paths import STYLES_DIR

_LENGTH = re.compile(r"^(-?\d+(?:\.\d+)?|-?\.\d+)(mm|pt|em|%)?$")
_SIDES = ("top", "right", "bottom", "left")


@dataclass(frozen=True)
class Length:
    value: float
    unit: str
    """mm, pt, em, % or "" (a bare 0, or a number such as a line-height)."""

    def mm(self) -> float:
        if self.unit in ("mm", ""):
            return self.value
        if self.unit == "pt":
            return self.value * 25.4 / 72
        raise ValueError(f"not an absolute length: {self}")

    def em(self, size_pt: float) -> float:
        """In ems of a font of ``size_pt``."""
        if self.unit in ("em", ""):
            return self.value
        if self.unit == "pt":
            return self.value / size_pt
        if self.unit == "mm":
            return self.value * 72 / 25.4 / size_pt
        raise ValueError(f"not a length: {self}")


def length(text: str) -> Length:
    text = text.strip().removesuffix("!important").strip()
    match = _LENGTH.match(text)
    if not match:
        raise ValueError(f"not a length: {text!r}")
    return Length(float(match.group(1)), match.group(2) or "")


class Sheet:
    """The declarations of a stylesheet, by selector, in the order written."""

    def __init__(self, css: str) -> None:
        self.rules: dict[str, list[tuple[int, str, str]]] = {}
        self._count = 0
        self._read(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))

    def _read(self, rules: list) -> None:
        for rule in rules:
            if rule.type == "at-rule" and rule.lower_at_keyword == "media":
                # the rules for print apply to paper; the others (screen) do not
                if "print" in tinycss2.serialize(rule.prelude).split() and rule.content:
                    self._read(
                        tinycss2.parse_rule_list(
                            rule.content, skip_whitespace=True, skip_comments=True
                        )
                    )
                continue
            if rule.type == "qualified-rule":
                selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            elif rule.type == "at-rule" and rule.content is not None:
                selectors = [
                    ("@" + rule.lower_at_keyword + tinycss2.serialize(rule.prelude)).strip()
                ]
            else:
                continue
            declarations = []
            for d in tinycss2.parse_blocks_contents(
                rule.content, skip_whitespace=True, skip_comments=True
            ):
                if d.type == "declaration":
                    self._count += 1
                    declarations.append(
                        (self._count, d.lower_name, tinycss2.serialize(d.value).strip())
                    )
            for selector in selectors:
                self.rules.setdefault(" ".join(selector.split()), []).extend(declarations)

    def declarations(self, selectors: Iterable[str]) -> list[tuple[str, str]]:
        """The declarations of the rules for ``selectors``, in the order they stand in the
        stylesheet: the order the cascade applies them in among rules of the same
        specificity, as those read here are (one class each)."""
        found: list[tuple[int, str, str]] = []
        for selector in selectors:
            if selector not in self.rules:
                raise KeyError(f"plan.css has no rule for {selector!r}")
            found += self.rules[selector]
        return [(prop, value) for _n, prop, value in sorted(found)]

    def value(self, selectors: Iterable[str], name: str, default: str | None = None) -> str:
        """The last value of property ``name`` declared for ``selectors``."""
        found = default
        for prop, value in self.declarations(selectors):
            if prop == name:
                found = value
        if found is None:
            raise KeyError(f"plan.css sets no {name} for {list(selectors)}")
        return found

    def length(self, selectors: Iterable[str], name: str, default: str | None = None) -> Length:
        return length(self.value(selectors, name, default))

    def box(self, selectors: Iterable[str], name: str = "margin") -> tuple[Length, ...]:
        """A box property's four sides (top, right, bottom, left), its shorthand and its
        longhands applied in the order written; a side not set is 0."""
        sides = [Length(0, "")] * 4
        for prop, value in self.declarations(selectors):
            if prop == name:
                parts = [length(v) for v in value.removesuffix("!important").split()]
                top, right, bottom, left = {
                    1: lambda p: (p[0], p[0], p[0], p[0]),
                    2: lambda p: (p[0], p[1], p[0], p[1]),
                    3: lambda p: (p[0], p[1], p[2], p[1]),
                    4: lambda p: tuple(p),
                }[len(parts)](parts)
                sides = [top, right, bottom, left]
            elif prop.startswith(name + "-") and prop[len(name) + 1 :] in _SIDES:
                sides[_SIDES.index(prop[len(name) + 1 :])] = length(value)
        return tuple(sides)

    def size_pt(self, selectors: Iterable[str], default: float) -> float:
        """The font size in points (``default`` where none of ``selectors`` sets one)."""
        for prop, value in reversed(self.declarations(selectors)):
            if prop == "font-size":
                size = length(value)
                if size.unit != "pt":
                    raise ValueError(f"plan.css: font-size {value!r} is not in pt")
                return size.value
        return default

    def bold(self, selectors: Iterable[str], default: bool) -> bool:
        for prop, value in reversed(self.declarations(selectors)):
            if prop == "font-weight":
                return value in ("bold", "700", "800", "900")
        return default


@functools.cache
def plan_sheet(path: Path = STYLES_DIR / "plan.css") -> Sheet:
    return Sheet(path.read_text(encoding="utf-8"))
