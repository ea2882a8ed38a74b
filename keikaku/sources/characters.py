"""The characters content may not hold (control characters, bidirectional controls, a
byte-order mark inside the text …), what the editor is told about each, and a text as it
is shown in a message (``printable``: invisible characters as ``<U+XXXX>``)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# ------------------------------------------------------------------ characters

#: Bidirectional controls: they reorder what is printed, so that a text can read
#: differently from what it says ("Trojan Source").
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
#: Characters no content may hold: C0 controls but tab and line feed, DEL, C1 controls,
#: a byte order mark inside the text, the line and paragraph separators, bidi controls.
_REFUSED_CLASS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\u2028\u2029" + BIDI_CONTROLS
_REFUSED = re.compile(f"[{_REFUSED_CLASS}]")
_REFUSED_OR_TAB = re.compile(f"[\t{_REFUSED_CLASS}]")
#: What a message must never print raw: every control character (line feed and tab too:
#: a problem is one line), and the invisible characters above.
_UNPRINTABLE = re.compile(f"[\t\n{_REFUSED_CLASS}]")


def refused_characters(text: str, *, tabs: bool = True) -> Iterator[tuple[int, str]]:
    """Each refused character of ``text`` (the first of each kind), with its index."""
    seen: set[str] = set()
    for match in (_REFUSED_OR_TAB if tabs else _REFUSED).finditer(text):
        ch = match.group(0)
        if ch not in seen:
            seen.add(ch)
            yield match.start(), ch


def character_problem(ch: str, written: str = "") -> str:
    """What is wrong with a refused character and what to do about it. ``written`` is how
    it was written, where that was not the character itself (an escape, a reference)."""
    code = f"U+{ord(ch):04X}"
    how = f"「{printable(written)}」と書かれた" if written else ""
    if ch == "\t":
        return (
            f"{how}タブ文字があります（表計算ソフトなどから貼り付けると入ります）。"
            "半角空白か全角空白に置き換えてください。 (tab character in text)"
        )
    if ch in BIDI_CONTROLS:
        return (
            f"{how}文字の表示順を入れ替える制御文字 {code} があります。見た目と違う順で印刷されるおそれが"
            f"あるため、削除してください。 (bidirectional control character {code})"
        )
    if ch == "\ufeff":
        return f"{how}目に見えない文字 {code}（BOM）が文中にあります。削除してください。 (byte order mark inside text)"
    if ch in "\u2028\u2029\x85":
        return (
            f"{how}改行に似た特殊な文字 {code} があります。普通の改行にするか、削除してください。"
            f" (line separator {code})"
        )
    if ch == "\n":
        return (
            "この項目には改行を書けません。一行で書いてください（改行が必要な文章は markdown ブロックに書きます）。"
            " (line break in a one-line text)"
        )
    return f"{how}制御文字 {code} があります。削除してください。 (control character {code})"


def printable(text: str, limit: int = 80) -> str:
    """``text`` made safe to quote in a message: control, format and other invisible
    characters shown as ``<U+001B>`` (so that content cannot send escape sequences to a
    terminal, reorder a message or break it over lines), and a long text shortened."""
    if len(text) > limit:
        text = f"{text[: limit - 20]}…（全{len(text):,}字）"
    if text.isascii() and text.isprintable():
        return text
    return "".join(f"<U+{ord(ch):04X}>" if _invisible(ch) else ch for ch in text)


def _invisible(ch: str) -> bool:
    if _UNPRINTABLE.match(ch):
        return True
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or (
        category == "Zs" and ch not in " \u3000"
    )
