"""Japanese line composition that the layout engine does not do by itself.

Pango, under WeasyPrint, already applies kinsoku (no line starts with 、。」ー ゃ …, none
ends with 「（ …). What it lacks is JLReq's squeeze of adjacent punctuation: the BIZ UD
fonts are monospaced full-width and have no ``halt``/``palt`` features, so 「」、」 would
take two full ems. Here each such pair is found in the rendered HTML's text and the
first character is wrapped in ``<span class="jsq">``, which the stylesheet narrows by
half an em (``letter-spacing: -0.5em``): 「」、」, 「）。」, 「（「」 take 1.5 em.

Why the first character: a closing bracket or 、。 carries its blank on its right half,
an opening bracket on its left half; narrowing the first of the pair by half an em
removes one of the two adjacent blanks in every combination.
"""

from __future__ import annotations

import re

OPENING = "（「『【〔〈《［｛〝‘“"
CLOSING = "）」』】〕〉》］｝〟’”"
STOPS = "、。"

_PAIR = re.compile(
    rf"[{re.escape(CLOSING + STOPS)}](?=[{re.escape(CLOSING + OPENING + STOPS)}])"
    rf"|[{re.escape(OPENING)}](?=[{re.escape(OPENING)}])"
)
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
_RAW_ELEMENTS = ("<style", "<script", "<title")
# Tags a pair of punctuation marks may straddle and still sit side by side on a line.
_INLINE = re.compile(r"</?(a|span|em|strong|b|i|code|sup|sub)\b", re.I)


def squeeze_punctuation(html: str) -> str:
    """Mark every punctuation pair in the text of ``html`` for the half-em squeeze.

    Only text between tags is touched, never tags or attribute values; text inside
    ``<style>``, ``<script>`` and ``<title>`` is left alone.
    """
    pieces = _TAG_OR_TEXT.split(html)
    out: list[str] = []
    raw_until: str | None = None
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            lower = piece.lower()
            if raw_until and lower.startswith(raw_until):
                raw_until = None
            elif lower.startswith(_RAW_ELEMENTS):
                raw_until = "</" + lower[1:].split()[0].rstrip(">")
            out.append(piece)
        elif raw_until or not piece:
            out.append(piece)
        else:
            # The next text's first character decides a pair across an inline tag; it is
            # appended only as context and cut off again (it is never itself marked).
            lookahead = _next_char(pieces, index + 1)
            marked = _PAIR.sub(_marker(len(piece)), piece + lookahead)
            out.append(marked[: len(marked) - len(lookahead)])
    return "".join(out)


def _marker(end: int):
    """A substitution that wraps a pair's first mark, if it lies before ``end``."""
    return lambda m: f'<span class="jsq">{m.group(0)}</span>' if m.start() < end else m.group(0)


def _next_char(pieces: list[str], start: int) -> str:
    """The first character of text after ``start``, if only inline tags come between."""
    for piece in pieces[start:]:
        if piece.startswith("<"):
            if not _INLINE.match(piece):
                return ""
        elif piece:
            return piece[0]
    return ""
