"""Glyph coverage: every character of the content must be in the vendored fonts.

A character the BIZ UD fonts lack would be drawn from whatever system font has it, or
as a blank box (tofu), so it is an error with its place and code point instead. The
fonts' character sets are read once and cached under ``.cache/`` beside the project,
keyed by each font file's size and modification time, so ``check`` stays fast.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from .errors import Problem
from .model import Plan, walk_texts
from .paths import PROJECT_ROOT, STYLES_DIR
from .sources import locate

FONTS = sorted((STYLES_DIR / "fonts").glob("*.ttf"))
CACHE = PROJECT_ROOT / ".cache" / "glyph-coverage.json"


def _stamp(fonts: list[Path]) -> list[list]:
    return [[f.name, f.stat().st_size, f.stat().st_mtime_ns] for f in fonts]


def _ranges(codepoints: set[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


@lru_cache(maxsize=1)
def covered(fonts: tuple[Path, ...] = tuple(FONTS)) -> frozenset[int]:
    """Code points every vendored font has (body text and headings use different faces)."""
    stamp = _stamp(list(fonts))
    try:
        cached = json.loads(CACHE.read_text("utf-8"))
        if cached["fonts"] == stamp:
            return frozenset(cp for a, b in cached["ranges"] for cp in range(a, b + 1))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from fontTools.ttLib import TTFont  # only when the cache is cold: it is slow to import

    sets = [set(TTFont(f, lazy=True).getBestCmap()) for f in fonts]
    common = set.intersection(*sets) if sets else set()
    try:
        CACHE.parent.mkdir(exist_ok=True)
        CACHE.write_text(json.dumps({"fonts": stamp, "ranges": _ranges(common)}), "utf-8")
    except OSError:
        pass  # a read-only checkout still builds, just without the cache
    return frozenset(common)


def missing_glyphs(plan: Plan) -> list[Problem]:
    """One problem per character of the content that no vendored font can draw."""
    have = covered()
    problems = []
    for text in walk_texts(plan):
        for index, ch in enumerate(text.raw):
            if ord(ch) not in have and not ch.isspace():
                pos = locate(plan.sources, text.pos, text.raw, index)
                problems.append(Problem(pos, (
                    f"文字「{ch}」(U+{ord(ch):04X}) は本文のフォント（BIZ UD明朝・ゴシック）にありません。"
                    "別の文字に置き換えてください（例：異体字は通用字体に）。"
                    f" (character U+{ord(ch):04X} is not in the fonts)")))
    return problems
