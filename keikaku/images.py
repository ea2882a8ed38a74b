"""Image files of figures: checked before the layout engine ever sees them.

A figure's image must be a real PNG, JPEG or SVG under content/, a regular file (no
symbolic link, FIFO or device: it is read through ``files.read_bytes``), at most
``MAX_IMAGE_BYTES`` and, for PNG and JPEG, at most ``MAX_IMAGE_PIXELS``. An SVG is a program as much as a picture: one with scripts, event
attributes, entities, embedded foreign content or a reference to anything outside the
file itself (another file, the network) is refused with the file and line of the
offending element, and never reaches the layout engine. So is one the layout engine
cannot draw in reasonable time or at all: one that draws more than ``MAX_SVG_ELEMENTS``
elements once every ``<use>`` and ``url(#…)`` reference is expanded (a ``<use>`` bomb),
refers to itself, or has a size, ``viewBox`` or coordinate that is not a finite number
within ``MAX_SVG_COORDINATE``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import xml.parsers.expat
from pathlib import Path

from . import files
from .errors import Pos, Problem
from .limits import (
    MAX_IMAGE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_SVG_COORDINATE,
    MAX_SVG_ELEMENTS,
    PRINT_BOX_MM,
    PRINT_DPI,
)
from .paths import PROJECT_ROOT
from .sources import printable

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "check_image",
    "check_svg",
    "placeholder",
    "printed",
]
#: Where figures scaled down to their printed size are kept, by digest.
CACHE = PROJECT_ROOT / ".cache" / "figures"
#: The text block in pixels at the print resolution: no figure is printed larger.
PRINT_BOX = tuple(round(mm / 25.4 * PRINT_DPI) for mm in PRINT_BOX_MM)
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
#: url(...) in a style that points anywhere but inside the file (#id).
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.I)
_IMPORT = re.compile(r"@import", re.I)
_REFUSED_ELEMENTS = {"script", "foreignobject", "iframe", "object", "embed", "audio", "video"}
_HREFS = {"href", "xlink:href", "src"}
#: Attributes that hold the geometry the layout engine computes with.
_GEOMETRY = {
    "x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2",
    "dx", "dy", "fx", "fy", "viewbox", "points", "d", "stroke-width", "font-size",
    "refx", "refy", "markerwidth", "markerheight", "transform", "stroke-dasharray",
}  # fmt: skip
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NOT_A_NUMBER = re.compile(r"(?<![a-z])(?:nan|inf(?:inity)?)(?![a-z])", re.I)
_LENGTH = re.compile(
    r"\s*\+?(?P<n>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(?:px|pt|pc|mm|cm|in|em|ex|%)?\s*"
)
#: References by ``url(#id)`` (fill, stroke, marker, clip-path, mask, filter, in a style too).
_URL_REF = re.compile(r"url\(\s*['\"]?\s*#([^)'\"\s]+)")


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
        if exc.kind in ("symlink", "hardlink", "special", "folder"):
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

    # The elements as a graph, to count what the layout engine will draw: each element
    # draws itself, its children and (``<use>``, ``url(#…)``) what it refers to.
    children: list[list[int]] = []
    refs: list[list[tuple[str, int]]] = []
    places: list[Pos] = []
    ids: dict[str, int] = {}
    open_elements: list[int] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rsplit(":", 1)[-1].lower()
        if local in _REFUSED_ELEMENTS:
            refuse(f"要素 <{name}>")
        node = len(children) if len(children) <= MAX_SVG_ELEMENTS else None
        if node is not None:
            children.append([])
            refs.append([])
            places.append(here())
            if open_elements and open_elements[-1] is not None:
                children[open_elements[-1]].append(node)
        open_elements.append(node)  # type: ignore[arg-type]
        vertices = max(
            1,
            max((len(_NUMBER.findall(attrs.get(a, ""))) for a in ("d", "points")), default=0) // 2,
        )
        for attr, value in attrs.items():
            lower = attr.lower()
            if lower.startswith("on"):
                refuse(f"イベント属性 {attr}")
            elif lower in _HREFS or lower.endswith(":href"):
                if not value.strip().startswith("#"):
                    refuse(f'ファイルの外への参照 {attr}="{printable(value, 60)}"')
                elif node is not None:
                    refs[node].append((value.strip()[1:], 1))
            elif lower == "style" and (_EXTERNAL_URL.search(value) or _IMPORT.search(value)):
                refuse("style の中の外部参照")
            if lower == "id" and node is not None:
                ids.setdefault(value.strip(), node)
            if node is not None and "url(" in value:
                times = vertices if "marker" in lower or "marker" in value else 1
                refs[node].extend((ref, times) for ref in _URL_REF.findall(value))
            if lower in _GEOMETRY:
                geometry(name, attr, value, is_root=not open_elements[:-1])

    def end(_name: str) -> None:
        open_elements.pop()

    def geometry(element: str, attr: str, value: str, *, is_root: bool) -> None:
        lower = attr.lower()
        shown_value = f'{attr}="{printable(value, 40)}"'
        if _NOT_A_NUMBER.search(value):
            invalid(f"<{element}> の {shown_value} に数でない値があります。")
            return
        numbers = [float(n) for n in _NUMBER.findall(value)]
        if any(abs(n) > MAX_SVG_COORDINATE for n in numbers):
            invalid(
                f"<{element}> の {shown_value} の数が大きすぎます"
                f"（絶対値 {MAX_SVG_COORDINATE:,} まで）。"
            )
        elif lower == "viewbox" and (
            len(numbers) != 4
            or _NUMBER.sub("", value).replace(",", " ").strip()
            or numbers[2] <= 0
            or numbers[3] <= 0
        ):
            invalid(
                f"<{element}> の {shown_value} は「最小x 最小y 幅 高さ」の四つの数で、"
                "幅と高さは 0 より大きくしてください。"
            )
        elif is_root and lower in ("width", "height"):
            match = _LENGTH.fullmatch(value)
            if match is None or float(match["n"]) <= 0:
                invalid(
                    f"<{element}> の {shown_value} は 0 より大きい長さ（例: 120、120px、40mm）"
                    "で書いてください。"
                )

    def invalid(message: str) -> None:
        problems.append(
            Problem(
                here(),
                f"SVG の寸法が正しくありません。{message}作図ソフトで書き出し直してください。"
                " (invalid SVG dimensions)",
            )
        )

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
    parser.EndElementHandler = end
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
    if not problems and children:
        problems.extend(_count_drawn(children, refs, places, ids))
    return problems


def _count_drawn(
    children: list[list[int]],
    refs: list[list[tuple[str, int]]],
    places: list[Pos],
    ids: dict[str, int],
) -> list[Problem]:
    """Refuse an SVG that draws more than ``MAX_SVG_ELEMENTS`` elements once every
    reference is expanded (or that refers to itself in a cycle), at the innermost element
    that is over the limit."""
    if len(children) > MAX_SVG_ELEMENTS:
        return [_too_many(places[MAX_SVG_ELEMENTS], literal=True)]
    cap = MAX_SVG_ELEMENTS + 1  # counts stop here: only "over the limit" matters
    drawn = [0] * len(children)
    state = [0] * len(children)  # 0 not seen, 1 being counted, 2 counted
    for first in range(len(children)):
        if state[first]:
            continue
        stack = [first]
        while stack:
            node = stack[-1]
            targets = [*children[node], *(ids[r] for r, _ in refs[node] if r in ids)]
            if state[node] == 0:
                state[node] = 1
                for target in targets:
                    if state[target] == 1:
                        return [
                            Problem(
                                places[node],
                                "SVG の参照（<use> や url(#…)）が自分自身を含む要素を指していて、"
                                "描画が終わりません。参照先を直すか、書き出し直してください。"
                                " (SVG refers to itself)",
                            )
                        ]
                    if state[target] == 0:
                        stack.append(target)
                continue
            stack.pop()
            if state[node] == 2:
                continue
            state[node] = 2
            total = 1 + sum(drawn[c] for c in children[node])
            total += sum(times * drawn[ids[r]] for r, times in refs[node] if r in ids)
            drawn[node] = min(total, cap)
    if drawn[0] <= MAX_SVG_ELEMENTS:
        return []
    # Where the count crosses the limit: the first element over it whose parts are not.
    innermost = next(
        n
        for n in range(len(children))
        if drawn[n] > MAX_SVG_ELEMENTS
        and all(drawn[c] <= MAX_SVG_ELEMENTS for c in children[n])
        and all(drawn[ids[r]] <= MAX_SVG_ELEMENTS for r, _ in refs[n] if r in ids)
    )
    return [_too_many(places[innermost], literal=False)]


def _too_many(at: Pos, *, literal: bool) -> Problem:
    how = "" if literal else "<use> などの参照による複製を含めて"
    return Problem(
        at,
        f"SVG の描く要素が{how} {MAX_SVG_ELEMENTS:,} 個を超えます（{MAX_SVG_ELEMENTS:,} 個まで）。"
        "図を簡略にするか、PNG で書き出してください。 (SVG draws too many elements)",
    )


# ------------------------------------------------------------------ the printed size


def printed(data: bytes) -> bytes:
    """A checked PNG or JPEG figure at no more than its printed size: scaled down (in
    proportion, Lanczos) to fit ``PRINT_BOX`` at ``PRINT_DPI`` when it is larger, else
    as it is. The layout engine and Pandoc both hold every image decoded in memory, and
    Pandoc about 400 times its size: a 20 MB scan of noise took 10 GB. The result is
    the same bytes for the same source (the PDF stays reproducible), computed once and
    kept under ``.cache/figures``, keyed by the source's digest, the box and Pillow's
    version; a read-only checkout goes on without the cache."""
    from PIL import Image, __version__

    kind = "png" if data.startswith(_PNG) else "jpeg" if data.startswith(_JPEG) else None
    if kind is None:
        return data
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        if width <= PRINT_BOX[0] and height <= PRINT_BOX[1]:
            return data
        key = hashlib.sha256(data).hexdigest()
        name = f"{key}-{PRINT_BOX[0]}x{PRINT_BOX[1]}-{__version__}.{kind}"
        try:
            return files.read_bytes(CACHE / name, root=CACHE, limit=MAX_IMAGE_BYTES)
        except files.Refused:
            pass
        scale = min(PRINT_BOX[0] / width, PRINT_BOX[1] / height)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image.draft(image.mode, size)  # JPEG: decode at a reduced scale, in less memory
        small = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = io.BytesIO()
        if kind == "png":
            small.save(out, "PNG", dpi=(PRINT_DPI, PRINT_DPI))
        else:
            small = small if small.mode in ("L", "RGB", "CMYK") else small.convert("RGB")
            small.save(out, "JPEG", quality=92, dpi=(PRINT_DPI, PRINT_DPI))
    result = out.getvalue()
    _keep(name, result)
    return result


def _keep(name: str, data: bytes) -> None:
    """Write a cache entry whole or not at all (a temporary, then a rename)."""
    with contextlib.suppress(OSError):
        CACHE.mkdir(parents=True, exist_ok=True)
        temp = CACHE / f".{name}.{os.urandom(8).hex()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temp, CACHE / name)
        except OSError:
            temp.unlink(missing_ok=True)
            raise


def placeholder(data: bytes, tag: str) -> bytes:
    """A stand-in for the PNG or JPEG ``data`` of the same size in pixels and the same
    resolution, of a single colour (a few kB), marked with ``tag`` so that no two are the
    same bytes: Pandoc lays out the stand-in and the real bytes replace it in the
    package afterwards, so that Pandoc never holds a large image."""
    from PIL import Image, PngImagePlugin

    with Image.open(io.BytesIO(data)) as image:
        size, dpi = image.size, image.info.get("dpi")
        kind = image.format
    blank = Image.new("1" if kind == "PNG" else "L", size, 1 if kind == "PNG" else 255)
    out = io.BytesIO()
    extra = {"dpi": tuple(round(float(d)) for d in dpi)} if dpi else {}
    if kind == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("keikaku-figure", tag)
        blank.save(out, "PNG", pnginfo=info, **extra)
    else:
        blank.save(out, "JPEG", comment=f"keikaku-figure {tag}".encode(), **extra)
    return out.getvalue()
