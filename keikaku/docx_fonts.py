"""The plan's fonts embedded in the Word edition, as Word embeds them.

A ministry PC without BIZ UDMincho would set the Word edition in another face and reflow it
(34 pages become 42). The vendored faces (styles/fonts/, SIL Open Font License 1.1, which
lets the fonts be embedded in documents, modified or not, with no Reserved Font Name) go
into the package as Word writes embedded fonts (ECMA-376 Part 1, 17.8.1 and 17.8.3.3): each
a part ``word/fonts/fontN.odttf`` related from fontTable.xml, its first 32 bytes obfuscated
by XOR with the part's font key (a GUID named in ``w:embedRegular``/``w:embedBold``), and
settings.xml's ``w:embedTrueTypeFonts``.

Each face is cut down with fontTools to the characters the package's text uses (and what a
page number, a leader or an updated 目次 needs), so the file stays small
(``w:saveSubsetFonts``, ``w:subsetted``). The subset keeps the name table (the copyright
and the licence, as the OFL asks of a modified version) and the vertical and locale
features; it is the same bytes for the same text (no timestamps), so the package is too.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import re
import uuid
from dataclasses import dataclass

from .paths import STYLES_DIR

#: (family as fontTable.xml names it, its element for this face, the file).
FACES = (
    ("BIZ UDMincho", "embedRegular", "BIZUDMincho-Regular.ttf"),
    ("BIZ UDGothic", "embedRegular", "BIZUDGothic-Regular.ttf"),
    ("BIZ UDGothic", "embedBold", "BIZUDGothic-Bold.ttf"),
)

#: Characters a page shows that the package's text need not hold: page numbers (「- 12 -」,
#: the 目次's numbers, in half and full width), the 目次's leader dots, spaces.
ALWAYS = "0123456789０１２３４５６７８９-－.．…・ 　"

FONT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"

_TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")


@dataclass(frozen=True)
class Embedded:
    family: str
    element: str  # embedRegular, embedBold
    part: str  # word/fonts/font1.odttf
    key: str  # {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}
    data: bytes  # obfuscated


def used_text(parts: dict[str, bytes]) -> str:
    """Every character the package's text shows (body, heads and feet, footnotes), sorted."""
    chars = set(ALWAYS)
    for name, body in parts.items():
        if name.startswith("word/") and name.endswith(".xml") and "/" not in name[5:]:
            for text in _TEXT.findall(body.decode("utf-8")):
                chars.update(html.unescape(text))
    return "".join(sorted(chars))


@functools.lru_cache(maxsize=8)
def subset(file: str, text: str) -> bytes:
    """The vendored face ``file`` cut down to the glyphs of ``text``."""
    from fontTools import subset as fts
    from fontTools.misc.loggingTools import CapturingLogHandler
    from fontTools.ttLib import TTFont

    font = TTFont(STYLES_DIR / "fonts" / file, recalcTimestamp=False)
    options = fts.Options()
    options.name_IDs = ["*"]  # copyright, licence and the names Word matches
    options.name_languages = ["*"]
    options.name_legacy = True
    options.notdef_outline = True
    options.hinting = False
    options.drop_tables += ["DSIG", "meta"]
    subsetter = fts.Subsetter(options)
    subsetter.populate(text=text)
    with CapturingLogHandler("fontTools.subset", "WARNING"):
        subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_key(data: bytes) -> str:
    """A GUID made from the face's bytes (the same face, the same key)."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """The font part's bytes: the first 32 XORed with the key's 16 bytes, read from the
    GUID's hex digits last to first (ECMA-376 Part 1, 17.8.1). Its own inverse."""
    digits = key.strip("{}").replace("-", "")
    mask = bytes(int(digits[i : i + 2], 16) for i in range(30, -2, -2))
    head = bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32]))
    return head + data[32:]


def embedded(parts: dict[str, bytes]) -> list[Embedded]:
    text = used_text(parts)
    out = []
    for n, (family, element, file) in enumerate(FACES, 1):
        data = subset(file, text)
        key = font_key(data)
        out.append(
            Embedded(family, element, f"word/fonts/font{n}.odttf", key, obfuscate(data, key))
        )
    return out


__all__ = ["CONTENT_TYPE", "FACES", "FONT_REL", "Embedded", "embedded", "obfuscate", "used_text"]
