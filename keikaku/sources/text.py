"""A content file as text (``read_text``: read safely, decoded as UTF-8, line ends
normalised), and positions in a text: offsets, lines and columns, and where a character
of a value stands in its source (``locate``)."""

from __future__ import annotations

import codecs
from pathlib import Path

from ..errors import BuildError, Pos, Problem
from ..files import read_content
from ..limits import MAX_TEXT_FILE_BYTES


def decode_text(data: bytes, path: str) -> str:
    """Decode a content file as UTF-8 (a BOM is allowed) and normalise line ends."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BuildError(
            Problem(
                Pos(path, line, col),
                f"UTF-8 として読めないバイト 0x{data[exc.start]:02X} があります。"
                "ファイルを UTF-8 で保存し直してください。"
                " (file is not UTF-8; save it as UTF-8)",
            )
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(file: Path, shown_as: str, root: Path | None = None) -> str:
    """Read one content file as text; ``shown_as`` is its path in messages.

    Read through ``files.read_content``: a regular file inside ``root`` (default: the
    content folder the command set with ``files.content_root``) reached without following a
    symbolic link, at most ``limits.MAX_TEXT_FILE_BYTES``; anything else is a ``BuildError``
    naming the file."""
    return decode_text(read_content(file, shown_as, root=root, limit=MAX_TEXT_FILE_BYTES), shown_as)


def offset_to_pos(text: str, path: str, offset: int) -> Pos:
    """The line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Pos(path, line, col)


def pos_to_offset(text: str, pos: Pos) -> int:
    """The character offset of a line and column in ``text`` (0 if out of range)."""
    lines = text.split("\n")
    if not 1 <= pos.line <= len(lines):
        return 0
    return sum(len(line) + 1 for line in lines[: pos.line - 1]) + max(pos.col - 1, 0)


def locate(sources: dict[str, str], start: Pos, raw: str, index: int) -> Pos:
    """Where character ``index`` of the value ``raw`` (which starts at ``start``) stands.

    A scalar may be quoted or folded over several lines, so the character is found by
    searching the source for it with a few characters of context, from the value's start
    (the context never reaches back over a line break, which the source writes with its
    indentation).
    """
    text = sources.get(start.path)
    if text is None:
        return start
    begin = pos_to_offset(text, start)
    for width in (6, 3, 1):
        needle = raw[max(0, index - width + 1) : index + 1]
        if "\n" in needle[:-1]:
            needle = needle[needle.rindex("\n", 0, len(needle) - 1) + 1 :]
        found = text.find(needle, begin)
        if found >= 0:
            return offset_to_pos(text, start.path, found + len(needle) - 1)
    return start
