"""Character-level comparison of two texts, for the 新旧対照表's underlines.

Texts are compared after NFKC normalisation unless width changes are asked for, so
ＤＸ → DX or ｶﾞ → ガ is not a change by default. The marks are put on the *source*
characters, so each side shows its text exactly as written. Japanese has no spaces
between words, so the comparison is by character; single unchanged characters caught
between two changes (one or two) are counted as changed, so that 推進する → 促進させる
underlines one phrase rather than a comb of fragments.
"""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape

#: Half-width voiced sound marks and combining marks belong to the character before them:
#: ｶﾞ is one character in NFKC (ガ), so it has to be normalised as one.
_ATTACHED = {"\uff9e", "\uff9f", "\u3099", "\u309a"}

#: Unchanged runs up to this length between two changes are marked with them: a phrase
#: rewritten gets one underline, not a comb of pieces (「の｜推進｜が必要」).
_GLUE = 2


@dataclass(frozen=True)
class Marked:
    """A text cut into runs, each changed (underlined in the table) or not."""

    segments: tuple[tuple[str, bool], ...]

    @classmethod
    def plain(cls, text: str) -> Marked:
        return cls(((text, False),) if text else ())

    @classmethod
    def whole(cls, text: str) -> Marked:
        """A text that is new or gone as a whole: every character is marked."""
        return cls(((text, True),) if text else ())

    @property
    def text(self) -> str:
        return "".join(s for s, _ in self.segments)

    @property
    def changed(self) -> bool:
        return any(c for _, c in self.segments)

    def __html__(self) -> Markup:
        return self.on("")

    def on(self, side: str) -> Markup:
        """The text as one side of the table prints it: the changed runs underlined, and
        marked for screen readers too, as inserted on the revised side (``new``: ``<ins>``)
        and deleted on the former (``old``: ``<del>``)."""
        tag = {"new": "ins", "old": "del"}.get(side, "span")
        return Markup("").join(
            Markup('<{0} class="chg">{1}</{0}>').format(Markup(tag), s) if c else escape(s)
            for s, c in self.segments
        )

    def lines(self) -> tuple[Marked, ...]:
        """The text cut at its line breaks (a table cell's lines), each line's runs marked."""
        out: list[list[tuple[str, bool]]] = [[]]
        for text, changed in self.segments:
            for n, piece in enumerate(text.split("\n")):
                if n:
                    out.append([])
                if piece:
                    out[-1].append((piece, changed))
        return tuple(Marked(tuple(line)) for line in out)

    def __str__(self) -> str:
        return self.text


def _clusters(text: str) -> list[tuple[int, int]]:
    """Source ranges normalised as one unit: a character and the marks attached to it."""
    out: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if out and (ch in _ATTACHED or unicodedata.combining(ch)):
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def normalise(text: str, widths: bool = False) -> tuple[str, list[int]]:
    """The text as compared, and for each compared character the cluster it came from.

    With ``widths`` the text is compared as written.
    """
    clusters = _clusters(text)
    pieces: list[str] = []
    origin: list[int] = []
    for n, (start, end) in enumerate(clusters):
        piece = text[start:end] if widths else unicodedata.normalize("NFKC", text[start:end])
        pieces.append(piece)
        origin.extend([n] * len(piece))
    return "".join(pieces), origin


def key(text: str, widths: bool = False) -> str:
    """What two texts must share to count as unchanged."""
    return text if widths else unicodedata.normalize("NFKC", text)


def _marked(text: str, changed_clusters: set[int]) -> Marked:
    segments: list[tuple[str, bool]] = []
    for n, (start, end) in enumerate(_clusters(text)):
        flag = n in changed_clusters
        if segments and segments[-1][1] == flag:
            segments[-1] = (segments[-1][0] + text[start:end], flag)
        else:
            segments.append((text[start:end], flag))
    return Marked(tuple(segments))


def compare(old: str, new: str, *, widths: bool = False) -> tuple[Marked, Marked]:
    """Mark the characters that differ between ``old`` and ``new``: (old side, new side)."""
    a, a_origin = normalise(old, widths)
    b, b_origin = normalise(new, widths)
    if a == b:
        return Marked.plain(old), Marked.plain(new)
    # autojunk would treat frequent characters (の, を, 、) as noise in long Japanese texts.
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    a_changed = [False] * len(a)
    b_changed = [False] * len(b)
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag != "equal":
            a_changed[i1:i2] = [True] * (i2 - i1)
            b_changed[j1:j2] = [True] * (j2 - j1)
        elif 0 < n < len(ops) - 1 and i2 - i1 <= _GLUE:
            # Glue a short unchanged run on a side only where that side has changes on
            # both of its ends; a pure insertion leaves the other side unmarked.
            before, after = ops[n - 1], ops[n + 1]
            if before[2] > before[1] and after[2] > after[1]:
                a_changed[i1:i2] = [True] * (i2 - i1)
            if before[4] > before[3] and after[4] > after[3]:
                b_changed[j1:j2] = [True] * (j2 - j1)
    return (
        _marked(old, {a_origin[i] for i, c in enumerate(a_changed) if c}),
        _marked(new, {b_origin[j] for j, c in enumerate(b_changed) if c}),
    )


def similarity(old: str, new: str, *, widths: bool = False) -> float:
    """How alike two texts are (0–1), for pairing the edited lines of a list."""
    return difflib.SequenceMatcher(None, key(old, widths), key(new, widths), autojunk=False).ratio()
