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

Two more rules Pango does not know, applied in the same walk of the text
(``keep_together``), each by wrapping characters in ``<span class="nobr">``, which the
stylesheet sets ``white-space: nowrap``:

- a run of full-width Latin letters (ＫＰＩ, ＤＸ, ＰＰＰ) is one word: Pango treats each
  full-width letter as an ideograph and would break 「Ｋ／ＰＩ」;
- the last line of a paragraph, a list item, a table cell or a heading holds at least two
  characters besides its closing punctuation (no lone 「定）」 or 「か。」): the last two
  characters and the punctuation after them break as one.

And a heading or 目次 entry wraps between phrases (文節), never inside a word
(``heading_phrases``): each phrase is such a span too. WeasyPrint 70 knows no
``word-break: keep-all`` (only normal and break-all), so the phrases are nowrap spans,
between which a line still breaks, as the 概要's titles are set (overview_layout.phrases).
"""

from __future__ import annotations

import itertools
import re
import unicodedata

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


#: Elements whose end is the end of a run of text set as lines (its last line).
_BLOCK_END = re.compile(r"</(p|li|td|th|dd|dt|div|h[1-6]|caption|figcaption|blockquote)\s*>", re.I)
_INLINE_END = re.compile(r"</(a|span|em|strong|b|i|sup|sub|code)\s*>", re.I)
_PUNCT = re.escape(CLOSING + STOPS)
#: A block's last two characters (an entity reference counts as one; an ideographic
#: space between them, as in 「支援　等」, goes with them) and the punctuation after them.
_TAIL_CHAR = rf"(?:&[#\w]+;|[^\s&<{_PUNCT}])"
_TAIL = re.compile(rf"{_TAIL_CHAR}\u3000*{_TAIL_CHAR}(?:[{_PUNCT}]|&[#\w]+;)*\s*$")
_LATIN_RUN = re.compile(r"[Ａ-Ｚａ-ｚ]{2,}")
#: Elements whose text is not set as lines of the page (SVG draws its own).
_OWN_TEXT = ("<svg",)


def keep_together(html: str) -> str:
    """Wrap what must not break (full-width Latin runs, a block's last two characters) in
    ``<span class="nobr">``; only text between tags is touched, never inside ``<style>``,
    ``<script>``, ``<title>`` or ``<svg>``."""
    pieces = _TAG_OR_TEXT.split(html)
    out: list[str] = []
    raw_until: str | None = None
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            lower = piece.lower()
            if raw_until and lower.startswith(raw_until):
                raw_until = None
            elif not raw_until and lower.startswith((*_RAW_ELEMENTS, *_OWN_TEXT)):
                raw_until = "</" + lower[1:].split()[0].rstrip(">")
            out.append(piece)
            continue
        if raw_until or not piece.strip():
            out.append(piece)
            continue
        spans = [m.span() for m in _LATIN_RUN.finditer(piece)]
        if _ends_a_block(pieces, index + 1):
            tail = _TAIL.search(piece)
            if tail:
                spans.append((tail.start(), len(piece.rstrip())))
        out.append(_wrap(piece, spans))
    return "".join(out)


def _ends_a_block(pieces: list[str], start: int) -> bool:
    """Whether the text before ``start`` is the last of its block: only inline end tags
    (and white space) come between it and the block's end tag."""
    for piece in pieces[start:]:
        if piece.startswith("<"):
            if _BLOCK_END.match(piece):
                return True
            if not _INLINE_END.match(piece):
                return False
        elif piece.strip():
            return False
    return False


def _wrap(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with each of ``spans`` (merged where they overlap) in a nobr span."""
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out += [text[at:start], '<span class="nobr">', text[start:end], "</span>"]
        at = end
    out.append(text[at:])
    return "".join(out)


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


#: The cover's title line (plan.css ``.cover-title``): the text block's 45 em of 10.5pt is
#: 19.7 em at 24pt; half an em is kept spare. A title longer than that is broken.
COVER_TITLE_PT = 24.0
COVER_LINE_EM = 45 * 10.5 / COVER_TITLE_PT - 0.5
#: The least size a cover title is set at to keep its parts whole.
COVER_TITLE_MIN_PT = 16.0
#: Where a long cover title breaks: after the phrase that ends its first part
#: (「関東ブロックにおける／社会資本整備重点計画」), never inside a word.
COVER_BREAKS = ("における", "に関する", "に係る", "のための", "についての")
_FOOTNOTE_OPEN = re.compile(r'<span class="footnote"', re.I)


def char_width(ch: str) -> float:
    """Width of a character in ems in the BIZ UD fonts: full-width 1, half-width 0.5."""
    return 1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.5


def _width(text: str) -> float:
    return sum(char_width(c) for c in text)


def _text_of(html: str) -> str:
    import html as _html

    return _html.unescape(re.sub(r"<[^>]*>", "", html))


def cover_title(html: str) -> tuple[str, str]:
    """The cover's title as set: its HTML and, if it must be smaller than 24pt, a
    ``font-size`` for it ("" otherwise).

    A title that fits one line is left as it is. A longer one is cut after each of
    ``COVER_BREAKS`` and each part is kept whole (``<span class="cover-line">``, set
    ``white-space: nowrap``): the line breaks between the parts only, so a word is never
    split (「社会資本整／備」). A part wider than the line makes the title smaller, down to
    ``COVER_TITLE_MIN_PT``, until the widest part fits."""
    pieces = _TAG_OR_TEXT.split(html)
    text = _text_of("".join(_drop_footnotes(pieces)))
    if _width(text) <= COVER_LINE_EM:
        return html, ""
    parts = [""]
    inside = 0  # depth in a footnote's span, whose text is not the title's
    open_tags = 0
    for piece in pieces:
        if piece.startswith("<"):
            if inside:
                inside += 1 if piece.lower().startswith("<span") else 0
                inside -= 1 if piece.lower().startswith("</span") else 0
            elif _FOOTNOTE_OPEN.match(piece):
                inside = 1
            elif not piece.startswith("</") and not piece.endswith("/>"):
                open_tags += 1
            else:
                open_tags -= 1
            parts[-1] += piece
            continue
        if inside or open_tags:
            parts[-1] += piece
            continue
        cut = re.compile("|".join(re.escape(b) for b in COVER_BREAKS))
        last = 0
        for found in cut.finditer(piece):
            end = found.end()
            if piece[end:].strip():
                parts[-1] += piece[last:end]
                parts.append("")
                last = end
        parts[-1] += piece[last:]
    parts = [p for p in parts if p]
    widest = max(_width(_text_of("".join(_drop_footnotes(_TAG_OR_TEXT.split(p))))) for p in parts)
    size = ""
    if widest > COVER_LINE_EM:
        fitted = COVER_TITLE_PT * COVER_LINE_EM / widest
        size = f"{max(fitted, COVER_TITLE_MIN_PT):.1f}pt"
    if len(parts) == 1 and not size:
        return html, ""
    # A part still wider than the line at the least size is left to break as it may.
    room = COVER_LINE_EM * COVER_TITLE_PT / COVER_TITLE_MIN_PT
    return "".join(
        p
        if _width(_text_of("".join(_drop_footnotes(_TAG_OR_TEXT.split(p))))) > room
        else f'<span class="cover-line">{p}</span>'
        for p in parts
    ), size


def _drop_footnotes(pieces: list[str]) -> list[str]:
    """The pieces of some HTML without the footnotes' spans (their text is not the line's)."""
    out: list[str] = []
    inside = 0
    for piece in pieces:
        if inside:
            if piece.lower().startswith("<span"):
                inside += 1
            elif piece.lower().startswith("</span"):
                inside -= 1
            continue
        if _FOOTNOTE_OPEN.match(piece):
            inside = 1
            continue
        out.append(piece)
    return out


# ------------------------------------------------------------------ headings by phrases

#: A single kana between kanji after which a phrase (文節) ends: a particle (「地域の／」
#: 「不足や、／」) or the last kana of a verb or adjective before the noun it qualifies
#: (「目指す／社会」「力強い／経済社会」「取り巻く／社会」). Any other is okurigana inside a
#: word (「取り組み」「見直し」「支え手」).
PHRASE_ENDS = frozenset("のをにがはとでへもやな" + "いくすつるうむぶぐぬ")
#: Words that the rule above would cut (「我が／国」「担い／手」), and the one it would not
#: cut after (「及び／取組」).
WORDS = ("我が国", "担い手")
CONJUNCTIONS = ("及び",)
#: The longest phrase kept whole; a longer run may break anywhere.
PHRASE_MAX = 20
_HIRAGANA = re.compile(r"[\u3041-\u3096\u309d\u309e]")
_KANJI = re.compile(r"[\u3005\u3006\u4e00-\u9fff]")
_SPACE = " \u3000\t\n"
_CLOSE_ALL = CLOSING + STOPS + "\u226b"  # ≫ closes a group title as 》 does
_OPEN_ALL = OPENING + "\u226a"


def phrase_breaks(text: str) -> list[int]:
    """Where ``text`` may break between phrases (文節): after a phrase's particles or
    okurigana (a run of hiragana that is not a single kana inside a kanji word), after
    a closing bracket or 、。, before an opening bracket, around a space. Never inside a
    run of kanji, katakana or Latin letters, nor between a word and its okurigana."""
    breaks = []
    for i in range(1, len(text)):
        before, char = text[i - 1], text[i]
        if before in _SPACE or char in _SPACE:
            breaks.append(i)
        elif char in _CLOSE_ALL or _HIRAGANA.match(char):
            continue
        elif before in _CLOSE_ALL or (char in _OPEN_ALL and before not in _OPEN_ALL):
            breaks.append(i)
        elif _HIRAGANA.match(before):
            start = i - 1
            while start > 0 and _HIRAGANA.match(text[start - 1]):
                start -= 1
            okurigana = i - start == 1 and before not in PHRASE_ENDS
            if not (okurigana and start > 0 and _KANJI.match(text[start - 1])) or any(
                text.endswith(word, 0, i) for word in CONJUNCTIONS
            ):
                breaks.append(i)
    for word in WORDS:
        for found in re.finditer(re.escape(word), text):
            breaks = [b for b in breaks if not found.start() < b < found.end()]
    return breaks


def phrases_of(text: str) -> list[str]:
    """``text`` cut into its phrases (``phrase_breaks``)."""
    cuts = [0, *phrase_breaks(text), len(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts)]


def last_phrase(text: str) -> tuple[str, str]:
    """``text`` as (all but its last phrase, its last phrase): a 目次 entry's kept tail
    (「…社会資本整備の／方向性」). A one-character last phrase goes with the phrase before
    it (「…施策テーマの例」); a tail longer than ``PHRASE_MAX`` is the last two characters."""
    parts = phrases_of(text) if text else [""]
    tail = parts.pop()
    while len(tail.strip(_SPACE)) < 2 and parts:
        tail = parts.pop() + tail
    if len(tail) < 2 or len(tail) > PHRASE_MAX:
        tail = text[-2:]
    return text[: len(text) - len(tail)], tail


#: Where a heading's text starts: the plan's headings (class hd) and a 目次 entry's title.
_PHRASED_OPEN = re.compile(r'<(h[1-6]) class="hd\b|<span class="toc-text"', re.I)
#: Spans inside whose text is not a phrase of the title: the number, a footnote's body.
_UNPHRASED = re.compile(r'<span class="(no|footnote|toc-label)"', re.I)
_VOID = re.compile(r"<(br|wbr|img|hr|input|meta|link)\b", re.I)


def heading_phrases(html: str) -> str:
    """Each phrase of the plan's headings and 目次 entries kept on one line
    (``<span class="nobr">``), so a wrapped heading breaks between phrases
    (「…担い手不足の／深刻化」), never inside a word (「…深／刻化」). Body text is left to
    break between any two characters, as Japanese text does. Each text between tags is
    phrased on its own (a footnote's call between two is a place to break)."""
    pieces = _TAG_OR_TEXT.split(html)
    out: list[str] = []
    depth = 0  # open elements of the heading, 0 outside one
    skip = 0  # depth at which an unphrased span opened, 0 if none
    for piece in pieces:
        if piece.startswith("<"):
            out.append(piece)
            if depth:
                if piece.startswith("</"):
                    if skip == depth:
                        skip = 0
                    depth -= 1
                elif not piece.endswith("/>") and not _VOID.match(piece):
                    depth += 1
                    if not skip and _UNPHRASED.match(piece):
                        skip = depth
            elif _PHRASED_OPEN.match(piece):
                depth = 1
            continue
        if not depth or skip or not piece.strip():
            out.append(piece)
            continue
        out.append(
            "".join(
                f'<span class="nobr">{p}</span>'
                if 2 <= len(p) <= PHRASE_MAX and p.strip(_SPACE)
                else p
                for p in phrases_of(piece)
            )
        )
    return "".join(out)
