"""Lines end flush: inter-character justification as JLReq (3.8) does it.

WeasyPrint justifies a line only at its spaces, and Japanese text has none, so a line
that kinsoku, a half-width run, a kept-together tail (typeset.keep_together) or an
inline box makes shorter than the measure ends ragged. This module fills such a line
when WeasyPrint lays it out, at the one place where it knows the line is justified and
not a paragraph's last (or a forced break's): ``weasyprint.layout.inline.justify_line``,
called for every such line with the width it lacks.

1. The space a squeezed mark gave back is taken back first: a line that ends in a mark
   squeezed for a neighbour that went to the next line (「、」 of 「、「」, 「」」 of 「」「」,
   typeset.squeeze_punctuation) sets that mark full width again, as a line-end mark is.
2. What is left is spread between the characters: every full-width character takes an
   equal share on each side, a half-width one none, so the letters of DX or 2050 stay
   together and take half a share at their edges. A list marker, a heading's number, a
   footnote call and other generated or atomic boxes keep their place and their gaps,
   so a hanging line still lines up under the first.

A line that would need more than ``MAX_SPACING`` em between characters (a line cut short
by an image, a narrow table cell's pushed-out line, a 目次 entry's kept tail) is left as WeasyPrint set it; so is a line of
text with spaces, which WeasyPrint justifies at them, or without full-width characters.

The spacing is Pango's own letter spacing, set per character on each text box's layout
when the page is drawn (``SpacedLayout``): the glyphs, their order and the text of the
PDF are the same; only their advances grow. Boxes after a grown one move right by what
it grew. This reaches into WeasyPrint's layout; it is installed only for the version
it was written for (``WRITTEN_FOR``, the one requirements.lock pins), and only inside
``justified()``, so plain WeasyPrint in the same process (the benchmark's baseline, the
概要's fitting) lays out as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline
from weasyprint.text.ffi import TO_UNITS, ffi, pango
from weasyprint.text.line_break import Layout

from .typeset import CLOSING, STOPS

#: The WeasyPrint version whose layout internals this module relies on.
WRITTEN_FOR = "70.0"

#: The most a gap between two full-width characters may grow, in em of the line's text:
#: below a tenth of an em, where text extraction (poppler's pdftotext, pdf.js) starts a
#: new word, so that copied or extracted text reads as it did.
MAX_SPACING = 0.09

_active: contextvars.ContextVar[bool] = contextvars.ContextVar("justified", default=False)
_original_justify_line = inline.justify_line


@contextlib.contextmanager
def justified() -> Iterator[None]:
    """Lay out with inter-character justification while the block runs."""
    token = _active.set(installed())
    try:
        yield
    finally:
        _active.reset(token)


def installed() -> bool:
    """Whether the hook is in WeasyPrint's layout (only for ``WRITTEN_FOR``)."""
    return inline.justify_line is _justify_line


class SpacedLayout(Layout):
    """A text box's Pango layout with extra letter spacing on some characters (byte
    ranges, Pango units), set again each time WeasyPrint sets the text to draw it."""

    spacing: tuple[tuple[int, int, int], ...] = ()

    def set_text(self, text, justify=False):
        super().set_text(text, justify)
        if not self.spacing:
            return
        attributes = pango.pango_layout_get_attributes(self.layout)
        if attributes == ffi.NULL:
            attributes = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
        for start, end, units in self.spacing:
            attribute = pango.pango_attr_letter_spacing_new(units)
            attribute.start_index, attribute.end_index = start, end
            pango.pango_attr_list_change(attributes, attribute)
        pango.pango_layout_set_attributes(self.layout, attributes)


@dataclass
class _Run:
    """A text box of the line in visual order, with its characters' shares."""

    box: boxes.TextBox
    weights: list[int]  # per character: 1 full width, 0 half width or joined
    fixed: bool  # generated text (a marker, a call): no gaps in or around it


def _weight(char: str) -> int:
    if unicodedata.combining(char) or "\ufe00" <= char <= "\ufe0f" or char >= "\U000e0100":
        return 0
    return 1 if unicodedata.east_asian_width(char) in "WF" else 0


def _pieces(box) -> Iterator[_Run | object]:
    """The line's text boxes and atomic boxes (anything else in the flow), in order."""
    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.TextBox):
            fixed = "::" in (child.element_tag or "") or child.style["white_space"] in (
                "pre",
                "pre-wrap",
                "break-spaces",
            )
            yield _Run(child, [0 if fixed else _weight(c) for c in child.text], fixed)
        elif isinstance(child, boxes.InlineBox):
            yield from _pieces(child)
        else:
            yield child


def _squeezed_end(runs: list[_Run | object]) -> _Run | None:
    """The line's last mark, if it is one squeezed by half an em (.jsq)."""
    last = runs[-1] if runs else None
    if (
        isinstance(last, _Run)
        and not last.fixed
        and len(last.box.text) == 1
        and last.box.text in CLOSING + STOPS
        and last.box.style["letter_spacing"] != "normal"
        and last.box.style["letter_spacing"] < 0
    ):
        return last
    return None


def _gap(left: _Run | object | None, right: _Run | object) -> float:
    """The shares of the gap between two neighbouring pieces."""
    if not isinstance(left, _Run) or not isinstance(right, _Run) or left.fixed or right.fixed:
        return 0.0
    if not left.weights or not right.weights:
        return 0.0
    return (left.weights[-1] + right.weights[0]) / 2


def _inner(run: _Run) -> float:
    """The shares of the gaps inside a text box."""
    if run.fixed:
        return 0.0
    w = run.weights
    return sum(a + b for a, b in itertools.pairwise(w)) / 2


def _justify_line(context, line, extra_width):
    if not (_active.get() and _spread(line, extra_width)):
        _original_justify_line(context, line, extra_width)


def _spread(line, extra: float) -> bool:
    """Fill ``line`` (short by ``extra``); False to leave it to WeasyPrint."""
    if line.style["direction"] != "ltr" or extra <= 0:
        return False
    if inline.count_expandable_spaces(line):
        return False
    pieces = list(_pieces(line))
    runs = [p for p in pieces if isinstance(p, _Run)]
    if not any(1 in r.weights for r in runs if not r.fixed):
        return False
    squeezed = _squeezed_end(pieces)
    restore = min(-squeezed.box.style["letter_spacing"], extra) if squeezed else 0.0
    rest = extra - restore
    shares = sum(_inner(r) for r in runs) + sum(_gap(a, b) for a, b in itertools.pairwise(pieces))
    spacing = rest / shares if shares else 0.0
    if rest > 0.01 and (not shares or spacing > MAX_SPACING * line.style["font_size"]):
        return False
    if squeezed and restore:
        squeezed.box.width += restore
        _grow(line, restore, squeezed)
    if rest > 0.01:
        _shift(line, pieces, spacing, iter(pieces), [None, 0.0])
    return True


def _grow(line, width: float, run: _Run) -> None:
    """Widen the line and the inline boxes around ``run`` by ``width``."""

    def visit(box) -> bool:
        for child in box.children:
            if child is run.box or (isinstance(child, boxes.InlineBox) and visit(child)):
                box.width += width
                return True
        return False

    visit(line)


def _shift(box, pieces, spacing: float, order, state) -> None:
    """Move and widen ``box``'s children for ``spacing`` per share: ``state`` holds the
    previous piece and how far the current one moves."""
    start = state[1]
    box.position_x += start if not isinstance(box, boxes.LineBox) else 0
    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.InlineBox):
            _shift(child, pieces, spacing, order, state)
            continue
        piece = next(order)
        state[1] += _gap(state[0], piece) * spacing
        if isinstance(piece, _Run):
            child.position_x += state[1]
            grown = _inner(piece) * spacing
            if grown:
                _space(piece, spacing)
                child.width += grown
            state[1] += grown
        else:
            child.translate(state[1], 0)
        state[0] = piece
    box.width += state[1] - start


def _space(run: _Run, spacing: float) -> None:
    """Give the text box's full-width characters ``spacing`` per share when drawn: half
    of it on each side (Pango's letter spacing), none at the box's two ends."""
    base = run.box.style["letter_spacing"]
    base = 0 if base == "normal" else base
    units = round((base + spacing) * TO_UNITS)
    ranges: list[tuple[int, int, int]] = []
    at = 0
    for char, weight in zip(run.box.text, run.weights, strict=True):
        size = len(char.encode())
        if weight:
            if ranges and ranges[-1][1] == at:
                ranges[-1] = (ranges[-1][0], at + size, units)
            else:
                ranges.append((at, at + size, units))
        at += size
    layout = SpacedLayout.__new__(SpacedLayout)
    layout.__dict__.update(run.box.pango_layout.__dict__)
    layout.spacing = tuple(ranges)
    run.box.pango_layout = layout


if weasyprint.__version__ == WRITTEN_FOR:
    inline.justify_line = _justify_line
