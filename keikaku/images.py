"""Image files of figures: checked before the layout engine ever sees them.

A figure's image must be a real PNG, JPEG or SVG under content/, a regular file (no
symbolic link, FIFO or device: it is read through ``files.read_bytes``), at most
``MAX_IMAGE_BYTES`` and, for PNG and JPEG, at most ``MAX_IMAGE_PIXELS``. An SVG is a program as much as a picture: one with scripts, event
attributes, entities, embedded foreign content or a reference to anything outside the
file itself (another file, the network) is refused with the file and line of the
offending element, and never reaches the layout engine.
"""

from __future__ import annotations

import io
import re
import xml.parsers.expat
from pathlib import Path

from . import files
from .errors import Pos, Problem
from .limits import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from .sources import printable

__all__ = ["MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "check_image", "check_svg"]
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
#: url(...) in a style that points anywhere but inside the file (#id).
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)
_IMPORT = re.compile(r"@import", re.I)
_REFUSED_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "audio", "video"}
_HREFS = {"href", "xlink:href", "src"}


def _kind(data: bytes, suffix: str) -> str | None:
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if suffix == ".svg" and (
        head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head
    ):
        return "svg"
    return None


def check_image(path: Path, shown: str, referred_at: Pos) -> list[Problem]:
    """Every reason ``path`` may not be used as a figure (empty when it may)."""
    try:
        data = files.read_bytes(path, root=files.current_root(), limit=MAX_IMAGE_BYTES)
    except files.Refused as exc:
        if exc.kind == "large":
            return [
                Problem(
                    referred_at,
                    f"画像「{shown}」は {exc.size / 1024 / 1024:.1f} MB あります。"
                    f"{MAX_IMAGE_BYTES // 1024 // 1024} MB 以下に縮小してください。 (image too large)",
                )
            ]
        if exc.kind in ("symlink", "special", "folder"):
            return [
                Problem(referred_at, f"画像「{shown}」は通常のファイルではありません。{exc.reason}")
            ]
        return [Problem(referred_at, f"画像「{shown}」を読めません。{exc.reason}")]
    suffix = path.suffix.lower()
    kind = _kind(data, suffix)
    expected = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg"}[suffix]
    if kind != expected:
        return [
            Problem(
                referred_at,
                f"画像「{shown}」は拡張子が {suffix} ですが、中身が PNG・JPEG・SVG の"
                "どれでもないか、拡張子と合っていません。画像を保存し直してください。 (not a real PNG, JPEG or SVG)",
            )
        ]
    if kind == "svg":
        return check_svg(data, shown)
    return _check_raster(data, shown, referred_at)


def _check_raster(data: bytes, shown: str, referred_at: Pos) -> list[Problem]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError
            image.verify()
    except Image.DecompressionBombError:
        return [
            Problem(
                referred_at,
                f"画像「{shown}」の画素数が多すぎます（{MAX_IMAGE_PIXELS // 1_000_000} メガピクセルまで）。"
                "解像度を下げて保存し直してください。 (image has too many pixels)",
            )
        ]
    except Exception:  # Pillow raises many kinds for a broken file; each means the same here
        return [
            Problem(
                referred_at,
                f"画像「{shown}」は壊れているか、読み取れない形式です。保存し直してください。"
                " (broken image)",
            )
        ]
    return []


def check_svg(data: bytes, shown: str) -> list[Problem]:
    """Refuse scripts, event attributes, entities and references outside the file."""
    problems: list[Problem] = []
    parser = xml.parsers.expat.ParserCreate()

    def here() -> Pos:
        return Pos(shown, parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def refuse(message: str) -> None:
        problems.append(
            Problem(
                here(),
                f"SVG の{message}は使えません。作図ソフトで書き出し直すか、削除してください。"
                " (unsafe SVG)",
            )
        )

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1].lower()
        if local in _REFUSED_ELEMENTS:
            refuse(f"要素 <{name}>")
        for attr, value in attrs.items():
            lower = attr.lower()
            if lower.startswith("on"):
                refuse(f"イベント属性 {attr}")
            elif lower in _HREFS or lower.endswith(":href"):
                if not value.strip().startswith("#"):
                    refuse(f'ファイルの外への参照 {attr}="{printable(value, 60)}"')
            elif lower == "style" and (_EXTERNAL_URL.search(value) or _IMPORT.search(value)):
                refuse("style の中の外部参照")

    def text(content: str) -> None:
        if _IMPORT.search(content) or _EXTERNAL_URL.search(content):
            refuse("スタイルの外部参照（@import・url()）")

    def doctype(*_args) -> None:
        refuse("文書型宣言（DOCTYPE）")

    def entity(*_args) -> None:
        refuse("実体宣言（ENTITY）")

    def instruction(target: str, _data: str) -> None:
        if target.lower() == "xml-stylesheet":
            refuse("外部スタイルシートの指定")

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ProcessingInstructionHandler = instruction
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        problems.append(
            Problem(
                Pos(shown, exc.lineno, exc.offset + 1),
                f"SVG を読み取れません（{xml.parsers.expat.ErrorString(exc.code)}）。"
                "書き出し直してください。 (malformed SVG)",
            )
        )
    return problems
