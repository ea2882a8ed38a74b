"""Figures drawn from the content data, so that editing the content changes them.

The diagram of 基本的な課題認識 → 目指す社会の姿 → 重点目標 is SVG computed here:
boxes sized to their wrapped text, visions grouped by the 重点目標 they belong to,
and a line for every link recorded in the data (``Vision.challenges``, ``Vision.goal``).
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from . import tree
from .paths import STYLES_DIR
from .typeset import CLOSING, OPENING, STOPS, char_width

NO_LINE_START = set(
    "、。，．・：；？！）」』】〕〉》］｝ゝゞヽヾ々ーぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
HANGING = set("、。，．")

FONT_SIZE = 7.5
LINE = FONT_SIZE * 1.4
PAD = 3.5


def wrap(text: str, width_em: float) -> list[str]:
    """Break Japanese text into lines of at most ``width_em`` ems, with kinsoku.

    、 and 。 that would start a line hang at the end of the line before, into the
    padding (ぶら下げ); any other character that may not start a line (」ー ゃ …) takes
    the last character of the line before down with it (追い出し). As in the text
    (typeset.py), a run of full-width Latin letters (ＤＸ) never breaks, and the last line
    holds at least two characters besides its punctuation.
    """
    lines = _greedy(text, width_em)
    if len(lines) > 1 and len(_body(lines[-1])) < 2:
        # Take characters down from the line before until the last holds two (追い込み
        # in reverse), never leaving the line before empty or ending with a mark that
        # may not end a line.
        before, last = lines[-2], lines[-1]
        while len(_body(last)) < 2 and len(before) > 1:
            last, before = before[-1] + last, before[:-1]
            while len(before) > 1 and (before[-1] in NO_LINE_END or _latin(before[-1] + last[0])):
                last, before = before[-1] + last, before[:-1]
        lines[-2:] = [before, last]
    return lines


def _greedy(text: str, width_em: float) -> list[str]:
    lines: list[str] = []
    line, used = "", 0.0
    for ch in text:
        w = char_width(ch)
        if used + w > width_em and line and ch not in HANGING:
            carry = ""
            if ch in NO_LINE_START:
                while len(line) > 1 and (line[-1] in NO_LINE_START or not carry):
                    carry = line[-1] + carry
                    line = line[:-1]
                    if line[-1:] not in NO_LINE_START:
                        break
            # A full-width Latin run goes down whole, unless it fills the line alone.
            if not carry and _latin(line[-1] + ch):
                run = len(line) - len(line.rstrip(_FULL_LATIN))
                if run < len(line):
                    carry, line = line[-run:], line[:-run]
            lines.append(line)
            line, used = carry, sum(char_width(c) for c in carry)
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


_FULL_LATIN = "".join(chr(c) for c in (*range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)))
NO_LINE_END = set(OPENING)


def _latin(pair: str) -> bool:
    """Whether two characters are both full-width Latin letters (one word)."""
    return all(c in _FULL_LATIN for c in pair)


def _body(line: str) -> str:
    """A line's characters besides punctuation and spaces."""
    return "".join(c for c in line if c not in CLOSING + STOPS + "・" and not c.isspace())


@dataclass
class Box:
    x: float
    y: float
    w: float
    lines: list[str]
    cls: str
    anchor: str = ""

    @property
    def h(self) -> float:
        return len(self.lines) * LINE + 2 * PAD

    @property
    def mid(self) -> float:
        return self.y + self.h / 2


def _box_svg(box: Box) -> str:
    rect = (
        f'<rect class="{box.cls}" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" '
        f'height="{box.h:.1f}" rx="2"/>'
    )
    texts = "".join(
        f'<text x="{box.x + PAD:.1f}" y="{box.y + PAD + (i + 0.8) * LINE:.1f}">{escape(line)}</text>'
        for i, line in enumerate(box.lines)
    )
    return rect + texts


def society_diagram(diagram: tree.Diagram) -> Markup:
    """図: 基本的な課題認識 → 目指す社会の姿 → 重点目標, as inline SVG, drawn from the
    graph the document tree computed (``tree.society_graph``): its column heads, its
    boxes in order, its arrows. The arrows from a 課題 to a 姿 are drawn only where the
    content states them (``links:``)."""
    widths = (150.0, 152.0, 110.0)
    gaps = (34.0, 26.0)
    xs = (0.0, widths[0] + gaps[0], widths[0] + gaps[0] + widths[1] + gaps[1])
    total_w = xs[2] + widths[2]
    top = 16.0
    em = FONT_SIZE

    def of(role: str) -> list[tree.Box]:
        return [b for b in diagram.boxes if b.role == role]

    heads = tuple(b.text.text for b in of("head"))
    challenges = of("challenge")
    visions = of("vision")
    goal_order = [b.key for b in of("goal")]
    goal_titles = {b.key: b.text.text for b in of("goal")}
    kinds = {b.key: b.role for b in diagram.boxes}
    goal_of = {a.start: a.end for a in diagram.arrows if kinds.get(a.end) == "goal"}
    links: dict[str, list[str]] = {}
    for a in diagram.arrows:
        if kinds.get(a.start) == "challenge":
            links.setdefault(a.end, []).append(a.start)
    vision_boxes: dict[str, Box] = {}
    goal_boxes: list[tuple[Box, float]] = []
    y = top
    for goal_id in goal_order:
        members = [v for v in visions if goal_of.get(v.key) == goal_id]
        start_y = y
        for v in members:
            box = Box(
                xs[1], y, widths[1], wrap(v.text.text, (widths[1] - 2 * PAD) / em), "vision", v.key
            )
            vision_boxes[v.key] = box
            y += box.h + 4
        lines = wrap(goal_titles[goal_id], (widths[2] - 2 * PAD) / em)
        height = max(y - 4 - start_y, len(lines) * LINE + 2 * PAD)
        # As tall as its visions; the title is centred in it when drawn.
        goal_boxes.append((Box(xs[2], start_y, widths[2], lines, "goal", goal_id), height))
        y = max(y, start_y + height + 4) + 6
    visions_bottom = y - 10

    challenge_boxes: dict[str, Box] = {}
    boxes = [
        Box(xs[0], 0, widths[0], wrap(c.text.text, (widths[0] - 2 * PAD) / em), "challenge", c.key)
        for c in challenges
    ]
    used = sum(b.h for b in boxes)
    spare = max(visions_bottom - top - used, 4.0 * (len(boxes) - 1))
    gap = spare / max(len(boxes) - 1, 1)
    y = top
    for box, challenge in zip(boxes, challenges, strict=True):
        box.y = y
        challenge_boxes[challenge.key] = box
        y += box.h + gap
    height = max(visions_bottom, y - gap) + 2

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="figure-svg" viewBox="0 0 {total_w:.0f} {height:.0f}" '
        f'width="{total_w:.0f}pt" height="{height:.0f}pt" role="img">',
        f"<title>{escape(diagram.caption.plain)}</title>",
        # What the drawing shows, in words, for whoever cannot see it: each column's
        # heading and its boxes, in order.
        "<desc>"
        + escape(
            "。".join(
                f"{head}：" + "".join(f"「{t}」" for t in texts)
                for head, texts in zip(
                    heads,
                    (
                        [c.text.text for c in challenges],
                        [v.text.text for v in visions if v.key in vision_boxes],
                        [goal_titles[b.anchor] for b, _ in goal_boxes],
                    ),
                    strict=True,
                )
                if texts
            )
            + "。"
        )
        + "</desc>",
        "<style>"
        f"text {{ font-family: 'BIZ UDGothic'; font-size: {FONT_SIZE}px; fill: #000; }}"
        ".head { font-size: 8px; font-weight: bold; }"
        "rect { stroke: #000; stroke-width: 0.6; }"
        ".challenge { fill: #fff; } .vision { fill: #f0f0f0; } .goal { fill: #d9d9d9; }"
        ".link, .bracket, .column-arrow { stroke: #555; stroke-width: 0.5; fill: none; }"
        ".arrow { fill: #555; }"
        "</style>",
    ]
    for x, title in zip(xs, heads, strict=True):
        parts.append(f'<text class="head" x="{x:.1f}" y="9">{escape(title)}</text>')
    for v in visions:
        end = vision_boxes.get(v.key)
        if end is None:  # a 姿 whose 重点目標 is not in the plan: nothing to draw it beside
            continue
        for cid in links.get(v.key, ()):
            start = challenge_boxes.get(cid)
            if start is None:
                continue
            x1, y1, x2, y2 = start.x + start.w, start.mid, end.x - 3, end.mid
            cx = (x1 + x2) / 2
            parts.append(
                f'<path class="link" d="M{x1:.1f},{y1:.1f} C{cx:.1f},{y1:.1f} {cx:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"/>'
            )
        if links.get(v.key):  # an arrowhead only where an arrow comes in
            parts.append(_arrow(end.x, end.mid))
        parts.append(
            f'<path class="link" d="M{end.x + end.w:.1f},{end.mid:.1f} H{xs[2] - 3:.1f}"/>'
        )
        parts.append(_arrow(xs[2], end.mid))
    if not diagram.stated and challenge_boxes and vision_boxes:
        # The content states no link from one 課題 to one 姿: the figure says only what
        # the order of its columns says, the 課題 as a whole leading to the 姿 as a whole.
        parts.extend(_column_arrow(list(challenge_boxes.values()), list(vision_boxes.values())))
    for box in challenge_boxes.values():
        parts.append(_box_svg(box))
    for box in vision_boxes.values():
        parts.append(_box_svg(box))
    for gbox, h in goal_boxes:
        text_h = len(gbox.lines) * LINE + 2 * PAD
        parts.append(
            f'<rect class="goal" x="{gbox.x:.1f}" y="{gbox.y:.1f}" width="{gbox.w:.1f}" '
            f'height="{h:.1f}" rx="2"/>'
        )
        label = Box(gbox.x, gbox.y + (h - text_h) / 2, gbox.w, gbox.lines, "goal")
        parts.extend(
            f'<text class="head" x="{label.x + PAD:.1f}" y="{label.y + PAD + (i + 0.8) * LINE:.1f}">{escape(line)}</text>'
            for i, line in enumerate(label.lines)
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _column_arrow(left: list[Box], right: list[Box]) -> list[str]:
    """A bracket closing the left column, one opening the right, and one arrow between
    them at the height the two columns share."""
    top_l, bottom_l = left[0].y, left[-1].y + left[-1].h
    top_r, bottom_r = right[0].y, right[-1].y + right[-1].h
    x_l = left[0].x + left[0].w + 3
    x_r = right[0].x - 3
    mid = (max(top_l, top_r) + min(bottom_l, bottom_r)) / 2
    return [
        f'<path class="bracket" d="M{x_l - 2:.1f},{top_l:.1f} H{x_l:.1f} V{bottom_l:.1f} H{x_l - 2:.1f}"/>',
        f'<path class="bracket" d="M{x_r + 2:.1f},{top_r:.1f} H{x_r:.1f} V{bottom_r:.1f} H{x_r + 2:.1f}"/>',
        f'<path class="column-arrow" d="M{x_l:.1f},{mid:.1f} H{x_r - 3:.1f}"/>',
        _arrow(x_r, mid),
    ]


def _arrow(x: float, y: float) -> str:
    return f'<path class="arrow" d="M{x:.1f},{y:.1f} l-3.5,-1.8 v3.6 z"/>'


@functools.lru_cache(maxsize=4)
def watermark_svg(text: str) -> str:
    """The draft watermark as an SVG drawing of the glyph outlines of ``text``.

    Drawn as outlines in the page background, it marks every page without becoming
    text: copying, searching and screen readers see the document, not 「素案」 on every
    page, and the layout engine never needs a font for it. Cached, and read lean: only
    the glyphs drawn are decoded (``_Outlines``), not the font's 14,000, which took a
    tenth of a second of every build.
    """
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen
    from fontTools.ttLib import TTFont

    font = TTFont(STYLES_DIR / "fonts" / "BIZUDGothic-Bold.ttf", lazy=True)
    # Glyphs by number: fontTools would otherwise name all of them from the cmap first.
    font.setGlyphOrder([_Outlines.name(gid) for gid in range(font["maxp"].numGlyphs)])
    # The BMP's subtable (format 4) is the quicker to read; format 12 only when needed.
    cmap = (None if any(ord(ch) > 0xFFFF for ch in text) else font["cmap"].getcmap(3, 1)) or font[
        "cmap"
    ].getcmap(3, 10)
    glyphs = _Outlines(font)
    units = font["head"].unitsPerEm
    ascent = font["hhea"].ascent
    pen = SVGPathPen(glyphs)
    x = 0
    for ch in text:
        name = cmap.cmap.get(ord(ch)) if cmap else None
        if name is None:
            continue
        # Font units have y up; SVG has y down.
        glyph = glyphs[name]
        glyph.draw(TransformPen(pen, (1, 0, 0, -1, x, ascent)))
        x += glyph.width
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {x} {units}">'
        f'<path d="{pen.getCommands()}" fill="#000" fill-opacity="0.07"/></svg>'
    )


class _Outlines:
    """A TrueType font's glyphs as a glyph set for fontTools' pens, each decoded from the
    glyf table when it is drawn (a composite glyph draws its components through it)."""

    extended = False  # read by fontTools' glyph decoder: 16-bit glyph numbers

    def __init__(self, font) -> None:
        self.loca = font["loca"]
        self.glyf = font.reader["glyf"]
        self.hmtx = font.reader["hmtx"]
        self.metrics = font["hhea"].numberOfHMetrics

    @staticmethod
    def name(gid: int) -> str:
        return f"glyph{gid:05d}"

    def getGlyphName(self, gid: int) -> str:  # fontTools calls it so
        return self.name(gid)

    def __getitem__(self, name: str) -> _Outline:
        return _Outline(self, int(name[len("glyph") :]))


class _Outline:
    """One glyph: its advance width and its outline (drawn onto a pen)."""

    def __init__(self, outlines: _Outlines, gid: int) -> None:
        self.outlines, self.gid = outlines, gid
        last = outlines.metrics - 1  # glyphs past the last metric share its advance
        self.width = struct.unpack_from(">H", outlines.hmtx, 4 * min(gid, last))[0]
        self.lsb = (
            struct.unpack_from(">h", outlines.hmtx, 4 * gid + 2)[0]
            if gid <= last
            else struct.unpack_from(">h", outlines.hmtx, 4 * (last + 1) + 2 * (gid - last - 1))[0]
        )

    def draw(self, pen) -> None:
        from fontTools.ttLib.tables._g_l_y_f import Glyph

        outlines = self.outlines
        glyph = Glyph(outlines.glyf[outlines.loca[self.gid] : outlines.loca[self.gid + 1]])
        glyph.expand(outlines)
        # As fontTools' glyph set draws it: moved so that its left edge is at the lsb.
        glyph.draw(pen, outlines, self.lsb - glyph.xMin if hasattr(glyph, "xMin") else 0)
