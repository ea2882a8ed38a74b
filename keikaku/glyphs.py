"""What is printed: glyph coverage, and characters that only references produce.

A character the BIZ UD fonts lack would be drawn from whatever system font has it, or
as a blank box (tofu), so it is an error with its place and code point instead. The
check reads the text as it is printed — Markdown's printed text (``markup.printed_text``),
where ``&#x20BB7;`` or ``&copy;`` have become characters — not only as it was typed. The fonts'
character sets are read once and cached under ``.cache/`` beside the project, keyed by
each font file's size and modification time, so ``check`` stays fast.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from markdown_it.common.entities import entities
from markdown_it.common.utils import isValidEntityCode

from .errors import Problem
from .markup import printed_text
from .model import Plan, Prose, Text, walk, walk_texts
from .paths import PROJECT_ROOT, STYLES_DIR
from .sources import locate, printable

FONTS = sorted((STYLES_DIR / "fonts").glob("*.ttf"))
CACHE = PROJECT_ROOT / ".cache" / "glyph-coverage.json"

# markdown-it's character references (rules_inline/entity.py): numeric and named.
_REFERENCE = re.compile(r"&(?:#(x[0-9a-f]{1,6}|[0-9]{1,7})|([a-z][a-z0-9]{1,31}));", re.I)
#: White space the layout sets without a glyph of the fonts: Pango synthesizes the spaces
#: of U+2000–U+200A, U+202F and U+205F from the font's space. (U+1680, also white space,
#: would be drawn from a system font: it is checked like any other character.)
_PLAIN_SPACE = frozenset(" \n\u202f\u205f" + "".join(chr(cp) for cp in range(0x2000, 0x200B)))


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


def references(raw: str) -> Iterator[tuple[int, str, str]]:
    """Each character reference of Markdown text: its index, as written, what it prints."""
    for match in _REFERENCE.finditer(raw):
        if match.group(1):
            digits = match.group(1)
            code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
            yield match.start(), match.group(0), chr(code) if isValidEntityCode(code) else "\ufffd"
        elif match.group(2) in entities:
            yield match.start(), match.group(0), entities[match.group(2)]


def written_at(raw: str, chars: set[str]) -> dict[str, list[tuple[int, str]]]:
    """Where each printed character of ``chars`` was written in ``raw``: for each, the
    indexes in order, with how it was written if not as itself (a reference such as
    ``&#x20BB7;``)."""
    places: dict[str, list[tuple[int, str]]] = {ch: [] for ch in chars}
    for i, c in enumerate(raw):
        if c in places:
            places[c].append((i, ""))
    for i, written, decoded in references(raw):
        for c in set(decoded) & chars:
            places[c].append((i, written))
    for found in places.values():
        found.sort()
    return places


#: Occurrences of one missing character reported per text: the editor replaces them all.
_PER_TEXT = 3


def missing_glyphs(plan: Plan) -> list[Problem]:
    """A problem for each printed character of the content that no vendored font can draw
    (its first few occurrences in each text)."""
    have = covered()
    problems = []
    for text in walk_texts(plan):
        shown = (
            text.plain
            if isinstance(text, Text)
            else printed_text(text.raw, block=True)
            if isinstance(text, Prose)
            else ""
        )
        missing = [ch for ch in shown if ord(ch) not in have and ch not in _PLAIN_SPACE]
        if not missing:
            continue
        places = written_at(text.raw, set(missing))
        seen: dict[str, int] = {}
        for ch in missing:
            occurrence = seen.get(ch, 0)
            seen[ch] = occurrence + 1
            if occurrence >= _PER_TEXT:
                continue
            found = places[ch]
            index, written = found[min(occurrence, len(found) - 1)] if found else (0, "")
            pos = locate(plan.sources, text.pos, text.raw, index)
            how = f"文字参照「{printable(written)}」が表す" if written else ""
            problems.append(
                Problem(
                    pos,
                    (
                        f"{how}文字「{printable(ch)}」(U+{ord(ch):04X}) は本文のフォント（BIZ UD明朝・ゴシック）にありません。"
                        "別の文字に置き換えてください（例：異体字は通用字体に）。"
                        f" (character U+{ord(ch):04X} is not in the fonts)"
                    ),
                )
            )
    # Words of the content printed as they are, not as text: a list's marker, a note's mark.
    for block in walk(plan.parts):
        for value, what in (
            (getattr(block, "marker", None), "行頭の記号"),
            (getattr(block, "mark", None), "注記の記号"),
        ):
            if not isinstance(value, str) or value == "none":
                continue
            for ch in dict.fromkeys(value):
                if ord(ch) not in have and ch not in _PLAIN_SPACE:
                    problems.append(
                        Problem(
                            block.pos,
                            (
                                f"{what}「{printable(value)}」の文字「{printable(ch)}」(U+{ord(ch):04X}) は本文のフォント"
                                f"（BIZ UD明朝・ゴシック）にありません。別の記号にしてください。 (character U+{ord(ch):04X} is not in the fonts)"
                            ),
                        )
                    )
    return problems
