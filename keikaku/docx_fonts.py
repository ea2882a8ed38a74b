"""The plan's fonts embedded in the Word editions (plan.docx, followup.docx), as Word
embeds them: ``embed`` finishes a package, the one code path both take.

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

MINCHO, GOTHIC = "BIZ UDMincho", "BIZ UDGothic"
#: The names Word looks for when a font's own is not installed (w:altName): the families
#: stock Windows (10 and later) ships. Its 明朝 is the Medium weight, named so (「BIZ UD明朝
#: Medium」); its ゴシック is the family we vendor, under its Japanese name. The vendored
#: files' names (w:name) are what LibreOffice and a PC with the OFL fonts installed find.
FONT_ALT = {MINCHO: "BIZ UD明朝 Medium", GOTHIC: "BIZ UDゴシック"}

#: (family as fontTable.xml names it, its element for this face, the file).
FACES = (
    (MINCHO, "embedRegular", "BIZUDMincho-Regular.ttf"),
    (GOTHIC, "embedRegular", "BIZUDGothic-Regular.ttf"),
    (GOTHIC, "embedBold", "BIZUDGothic-Bold.ttf"),
)

#: Characters a page shows that the package's text need not hold: page numbers (「- 12 -」,
#: the 目次's numbers, in half and full width), the 目次's leader dots, spaces.
ALWAYS = "0123456789０１２３４５６７８９-－.．…・ 　"

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
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


def font_table(embedded: list[Embedded] | None = None) -> bytes:
    """fontTable.xml: the two families, each with its Windows name (``FONT_ALT``) and, in
    the finished package, its embedded faces, related as rIdFontN."""
    embeds: dict[str, str] = {}
    for n, e in enumerate(embedded or [], 1):
        embeds[e.family] = embeds.get(e.family, "") + (
            f'<w:{e.element} r:id="rIdFont{n}" w:fontKey="{e.key}" w:subsetted="1"/>'
        )

    def font(name: str, family: str, panose: str) -> str:
        return (
            f'<w:font w:name="{name}"><w:altName w:val="{FONT_ALT[name]}"/><w:panose1 w:val="{panose}"/>'
            f'<w:charset w:val="80"/><w:family w:val="{family}"/><w:pitch w:val="fixed"/>'
            f"{embeds.get(name, '')}</w:font>"
        )

    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        + font(MINCHO, "roman", "02020400000000000000")
        + font(GOTHIC, "modern", "020B0400000000000000")
        + "</w:fonts>"
    ).encode("utf-8")


def font_rels(embedded: list[Embedded]) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
        + "".join(
            f'<Relationship Id="rIdFont{n}" Type="{FONT_REL}" Target="{e.part.removeprefix("word/")}"/>'
            for n, e in enumerate(embedded, 1)
        )
        + "</Relationships>"
    ).encode()


#: settings.xml's elements that come before w:embedTrueTypeFonts (ECMA-376 Part 1, 17.15.1.78).
_SETTINGS_BEFORE = re.compile(
    r"<w:(?:writeProtection|view|zoom|removePersonalInformation|removeDateAndTime"
    r"|doNotDisplayPageBoundaries|displayBackgroundShape|printPostScriptOverText"
    r"|printFractionalCharacterWidth|printFormsData)\b[^>]*?(?:/>|>.*?</w:[^>]+>)",
    re.S,
)


def _embedding_settings(settings: str) -> str:
    """settings.xml asking for the embedded fonts (``w:embedTrueTypeFonts``, subsets:
    ``w:saveSubsetFonts``), and not for the system's (Pandoc's ``w:embedSystemFonts``,
    which would have Word embed the PC's own fonts)."""
    settings = re.sub(
        r"<w:(?:embedTrueTypeFonts|embedSystemFonts|saveSubsetFonts)\b[^>]*/>", "", settings
    )
    before = list(_SETTINGS_BEFORE.finditer(settings))
    at = before[-1].end() if before else settings.index(">", settings.index("<w:settings")) + 1
    return settings[:at] + "<w:embedTrueTypeFonts/><w:saveSubsetFonts/>" + settings[at:]


def embed(parts: dict[str, bytes], order: list[str]) -> None:
    """Embed the plan's faces in a Word package (its parts by name, and the order they are
    written in, both completed): each face cut down to the characters the package shows,
    obfuscated, related from a fontTable.xml naming the two families, settings.xml
    asking for them, and the parts' content type."""
    fonts = embedded(parts)
    parts["word/fontTable.xml"] = font_table(fonts)
    parts["word/_rels/fontTable.xml.rels"] = font_rels(fonts)
    for e in fonts:
        parts[e.part] = e.data
    for name in ("word/fontTable.xml", "word/_rels/fontTable.xml.rels", *(e.part for e in fonts)):
        if name not in order:
            order.append(name)
    parts["word/settings.xml"] = _embedding_settings(
        parts["word/settings.xml"].decode("utf-8")
    ).encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    if 'Extension="odttf"' not in types:
        types = re.sub(
            r"(<Types [^>]*>)",
            rf'\1<Default Extension="odttf" ContentType="{CONTENT_TYPE}"/>',
            types,
            count=1,
        )
    parts["[Content_Types].xml"] = types.encode("utf-8")


__all__ = [
    "CONTENT_TYPE",
    "FACES",
    "FONT_ALT",
    "FONT_REL",
    "GOTHIC",
    "MINCHO",
    "Embedded",
    "embed",
    "embedded",
    "font_rels",
    "font_table",
    "obfuscate",
    "used_text",
]
