"""Reading a reviewed copy of plan.docx safely, and preparing it for pandoc's reader.

Reviewed files are hostile input. Each is read only if it is a regular file of at most
``MAX_DOCX_BYTES``; it must be a zip of at most ``MAX_MEMBERS`` members whose declared sizes
add up to at most ``MAX_UNZIPPED_BYTES`` (``zipfile`` never inflates a member past its
declared size), none encrypted; only its XML parts are passed on, each refused if it
declares a DOCTYPE or an entity, in a new zip that pandoc reads in sandbox mode with a
time limit. Every problem is reported as one line per file (``BuildError``), never a
traceback.

Before pandoc reads the copy, every ``kk_`` trace bookmark is made visible to it as a
marker run (``_mark_bookmarks``), and the copy's trace map is read (``_trace_map_of``).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import zipfile
from pathlib import Path

from ..docx import MAP_NAMESPACE, TRACE_PREFIX, TraceMap, parse_trace_map
from ..limits import (  # with every other limit
    MAX_DOCX_BYTES,
    MAX_XML_BYTES,
    MAX_XML_TOTAL,
    MB,
)
from ..limits import MAX_DOCX_MEMBERS as MAX_MEMBERS
from ..limits import MAX_DOCX_UNZIPPED_BYTES as MAX_UNZIPPED_BYTES

#: Around a bookmark's name in the marker run that makes it visible to pandoc's reader.
_OPEN, _CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_OPEN}([A-Za-z][A-Za-z0-9_]{{0,39}}){_CLOSE}")
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _read_file(path: Path) -> bytes:
    """The file's bytes: a regular file, at most ``MAX_DOCX_BYTES``."""
    try:
        fd = os.open(
            path,
            os.O_RDONLY
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_NOFOLLOW", 0),
        )
    except FileNotFoundError:
        raise _Refused(
            "ファイルが見つかりません。ファイル名を確かめてください。 (file not found)"
        ) from None
    except OSError as exc:
        raise _Refused(
            f"ファイルを開けません（{exc.strerror}）。リンクではなくファイルそのものを指定してください。"
            " (cannot open the file)"
        ) from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(
                "通常のファイルではありません。Word 文書（.docx）を指定してください。 (not a regular file)"
            )
        if info.st_size > MAX_DOCX_BYTES:
            raise _Refused(
                f"ファイルが大きすぎます（{info.st_size / MB:.1f} MB）。読み込めるのは "
                f"{MAX_DOCX_BYTES // MB} MB までです。画像を除いて保存し直してください。 (file over 20 MB)"
            )
        data = f.read(MAX_DOCX_BYTES + 1)
    if len(data) > MAX_DOCX_BYTES:
        raise _Refused(
            f"ファイルが大きすぎます。読み込めるのは {MAX_DOCX_BYTES // MB} MB までです。 (file over 20 MB)"
        )
    return data


def _xml_ok(data: bytes) -> bool:
    """No DOCTYPE and no entity declaration (in UTF-8 or UTF-16)."""
    if _DOCTYPE.search(data):
        return False
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00<" in data[:8] or b"<\x00" in data[:8]:
        for codec in ("utf-16",):
            with contextlib.suppress(UnicodeDecodeError):
                if _DOCTYPE.search(data.decode(codec).encode("utf-8")):
                    return False
    return True


def _unpack(data: bytes) -> dict[str, bytes]:
    """The XML parts of a docx, each checked; raises ``_Refused`` with the reason."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Refused(
            "Word 97-2003 形式（.doc）の文書か、パスワードで保護された文書です。パスワードを外し、"
            "「Word 文書 (*.docx)」として保存し直してください。 (legacy .doc or password-protected document)"
        )
    if not data.startswith(b"PK\x03\x04"):
        raise _Refused(
            "Word 文書（.docx）ではありません。Word で「Word 文書 (*.docx)」として保存してください。"
            " (not a .docx file)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise _Refused(
                    f"文書の中のファイルが {len(members)} 個あり、上限の {MAX_MEMBERS} 個を超えています。"
                    " (too many members in the zip)"
                )
            total = sum(m.file_size for m in members)
            if total > MAX_UNZIPPED_BYTES:
                raise _Refused(
                    f"文書を展開すると {total / MB:.0f} MB になり、上限の {MAX_UNZIPPED_BYTES // MB} MB を"
                    "超えます。 (zip expands beyond the limit)"
                )
            if any(m.flag_bits & 0x1 for m in members):
                raise _Refused(
                    "暗号化された文書は読めません。パスワードを外して保存し直してください。 (encrypted zip members)"
                )
            names = {m.filename for m in members}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise _Refused(
                    "zip ファイルですが Word 文書（.docx）ではありません。 (zip is not a Word document)"
                )
            parts: dict[str, bytes] = {}
            for m in members:
                name = m.filename
                if m.is_dir() or not (name.endswith(".xml") or name.endswith(".rels")):
                    continue  # images, embedded objects, macros: not needed for the text
                if ".." in name.split("/") or name.startswith("/"):
                    continue
                if m.file_size > MAX_XML_BYTES:
                    raise _Refused(f"文書の部品「{name}」が大きすぎます。 (XML part too large)")
                body = archive.read(m)
                if sum(len(b) for b in parts.values()) + len(body) > MAX_XML_TOTAL:
                    raise _Refused(
                        f"文書の XML が合計 {MAX_XML_TOTAL // MB} MB を超えます。 (XML parts too large)"
                    )
                if not _xml_ok(body):
                    raise _Refused(
                        f"文書の部品「{name}」が DOCTYPE または ENTITY を宣言しています。Word で保存した"
                        "文書ではないため読みません。 (XML declares a DOCTYPE or entities)"
                    )
                parts[name] = body
            return parts
    except _Refused:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        ValueError,
        OSError,
        EOFError,
        NotImplementedError,
    ) as exc:
        raise _Refused(
            f"zip として読めません（{exc}）。Word で保存し直してください。 (broken zip)"
        ) from None


_TAGS = re.compile(r"<(/?)w:(p|del|moveFrom|bookmarkStart)\b([^>]*?)(/?)>")


def _mark_bookmarks(xml: str) -> str:
    """A marker run at every trace bookmark, so pandoc's reader keeps its place: inside a
    paragraph where it stands (as deleted text inside a deletion), else at the start of
    the next paragraph."""
    out: list[str] = []
    stack: list[str] = []
    pending: list[str] = []
    last = 0
    for m in _TAGS.finditer(xml):
        closing, tag, attrs, empty = m.group(1), m.group(2), m.group(3), m.group(4)
        if tag == "bookmarkStart":
            name = re.search(r'w:name="([^"]*)"', attrs)
            if not name or not name.group(1).startswith(TRACE_PREFIX):
                continue
            run = _OPEN + name.group(1) + _CLOSE
            if "p" in stack:
                deleted = any(t in ("del", "moveFrom") for t in stack[stack.index("p") :])
                text = (
                    f"<w:delText>{run}</w:delText>"
                    if deleted
                    else f'<w:t xml:space="preserve">{run}</w:t>'
                )
                out.append(xml[last : m.end()] + f"<w:r>{text}</w:r>")
                last = m.end()
            else:
                pending.append(run)
            continue
        if empty:
            continue
        if closing:
            if tag in stack:
                del stack[len(stack) - 1 - stack[::-1].index(tag) :]
            continue
        stack.append(tag)
        if tag == "p" and pending:
            # After the paragraph's properties, if it has any.
            end = xml.find("</w:pPr>", m.end())
            nxt = xml.find("<w:", m.end())
            at = end + len("</w:pPr>") if end != -1 and xml.startswith("<w:pPr", nxt) else m.end()
            out.append(
                xml[last:at]
                + "".join(f'<w:r><w:t xml:space="preserve">{r}</w:t></w:r>' for r in pending)
            )
            last = at
            pending = []
    out.append(xml[last:])
    return "".join(out)


def _repack(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def _trace_map_of(parts: dict[str, bytes]) -> TraceMap | None:
    for name, body in sorted(parts.items()):
        if (
            name.startswith("customXml/item")
            and "Props" not in name
            and MAP_NAMESPACE.encode() in body
        ):
            found = parse_trace_map(body)
            if found is not None:
                return found
    return None
