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

Cutting the three faces takes about a second. plan.docx knows its text before the PDF is
laid out (the Pandoc AST, ``ast_text``), so the build cuts them then, in a process of its
own on the other core (``Cutting``), and ``embed`` takes the result; it cuts them
again itself only if the package shows a character the AST did not hold. Either way the
faces hold the same characters, so the bytes are the same.
"""

from __future__ import annotations

import functools
import hashlib
import html
import io
import os
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from typing import Any

from .paths import PROJECT_ROOT, STYLES_DIR

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


def ast_text(blocks: Any, also: str = "") -> str:
    """Every character a Pandoc AST shows (its Str, Code and Math, and the ``<w:t>`` text
    of its raw openxml), with ``also`` (the reference document's heads and feet) and
    ``ALWAYS``, sorted: what ``used_text`` finds in the package Pandoc writes from it."""
    chars = set(ALWAYS) | set(also)
    stack = [blocks]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            kind, c = node.get("t"), node.get("c")
            if kind == "Str" and isinstance(c, str):
                chars.update(c)
            elif kind in ("Code", "Math") and isinstance(c, list) and isinstance(c[-1], str):
                chars.update(c[-1])
            elif kind in ("RawInline", "RawBlock") and isinstance(c, list) and len(c) == 2:
                for text in _TEXT.findall(c[1]):
                    chars.update(html.unescape(text))
            else:
                stack.extend(node.values())
    return "".join(sorted(chars))


def subsets(text: str) -> list[bytes]:
    """Every face of ``FACES`` cut down to ``text``."""
    return [subset(file, text) for _family, _element, file in FACES]


class Cutting:
    """The faces being cut down to ``text`` in a process of their own (``python -m
    keikaku.docx_fonts``: the text on its input, the faces on its output), started at
    once. ``result`` waits for them (``subsets``; should that process fail, they are cut
    here); ``close`` stops the process if its result is not wanted (a failed build)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.child: subprocess.Popen[bytes] | None = None
        try:
            self.child = subprocess.Popen(
                [sys.executable, "-m", __name__],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=PROJECT_ROOT,
                env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
            )
        except OSError:
            return
        stdin, self.child.stdin = self.child.stdin, None  # written and closed here
        try:
            if stdin is not None:
                with stdin:
                    stdin.write(text.encode("utf-8"))
        except OSError:
            pass

    def result(self) -> list[bytes]:
        faces = None
        if self.child is not None:
            out, _ = self.child.communicate()
            faces = _unpacked(out) if self.child.returncode == 0 else None
            self.child = None
        return faces if faces is not None else subsets(self.text)

    def close(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child.communicate()
            self.child = None


def _packed(faces: list[bytes]) -> bytes:
    return b"".join(len(f).to_bytes(8, "big") + f for f in faces)


def _unpacked(data: bytes) -> list[bytes] | None:
    faces, at = [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at : at + 8], "big")
        faces.append(data[at + 8 : at + 8 + size])
        at += 8 + size
    return faces if at == len(data) and len(faces) == len(FACES) else None


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


def embedded(parts: dict[str, bytes], cutting: Cutting | None = None) -> list[Embedded]:
    """The faces to embed in a package of ``parts``: cut down to the characters it shows,
    or taken from ``cutting`` if the text it cut them to holds them all (else they are
    cut here, to what the package shows)."""
    shown = used_text(parts)
    if cutting is not None and set(shown) <= set(cutting.text):
        faces = cutting.result()
    else:
        if cutting is not None:
            cutting.close()
        faces = subsets(shown)
    out = []
    for n, ((family, element, _file), data) in enumerate(zip(FACES, faces, strict=True), 1):
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


def embed(
    parts: dict[str, bytes],
    order: list[str],
    *,
    cutting: Cutting | None = None,
) -> None:
    """Embed the plan's faces in a Word package (its parts by name, and the order they are
    written in, both completed): each face cut down to the characters the package shows
    (or as ``cutting`` cut them: see ``embedded``), obfuscated, related from a
    fontTable.xml naming the two families, settings.xml asking for them, and the parts'
    content type."""
    fonts = embedded(parts, cutting)
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


if __name__ == "__main__":  # Cutting: the text on the input, the cut faces out
    sys.stdout.buffer.write(_packed(subsets(sys.stdin.buffer.read().decode("utf-8"))))
