"""Content as it is read: every content file through ``read_bytes`` (or ``read_content``,
confined to the folder ``content_root`` sets), refused unless a regular file inside the
content folder and within its size limit; and paths as an editor would type them."""

from __future__ import annotations

import contextlib
import contextvars
import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from .. import limits
from ..errors import BuildError, Pos, Problem

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_READ_FILE = os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC
_READ_DIR = os.O_RDONLY | _DIRECTORY | _CLOEXEC

#: Suffixes of content files read as text, and of images (each has its own size limit).
TEXT_SUFFIXES = (".yaml", ".yml", ".md")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")

_MB = 1024 * 1024


def shown_path(path: Path) -> str:
    """A path as an editor would type it: relative to the working directory if inside."""
    rel = os.path.relpath(os.path.abspath(path), Path.cwd())
    return str(path) if rel.startswith("..") else rel.replace(os.sep, "/")


def shown_in(shown_root: str, rel: str) -> str:
    """A file of a folder as shown: ``rel`` under the folder's ``shown_path``."""
    return f"{shown_root}/{rel}" if shown_root not in ("", ".") else rel


class Refused(Exception):
    """A file the build will not read. ``reason`` is the sentence for the editor (Japanese,
    with an English gloss); ``kind`` says why: ``missing``, ``symlink``, ``special``,
    ``folder``, ``hardlink``, ``outside``, ``large`` or ``unreadable``."""

    def __init__(self, kind: str, reason: str, size: int = 0) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason
        self.size = size


def _what(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "シンボリックリンク"
    if stat.S_ISFIFO(mode):
        return "名前付きパイプ（FIFO）"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "デバイスファイル"
    if stat.S_ISSOCK(mode):
        return "ソケット"
    if stat.S_ISDIR(mode):
        return "フォルダ"
    return "特殊なファイル"


def _refusal(mode: int) -> Refused:
    """Why a file that is not a regular file is refused."""
    if stat.S_ISLNK(mode):
        return Refused(
            "symlink",
            "シンボリックリンクは読み込みません（リンク先が content/ の中でも同じです）。"
            "リンクではなく、ファイルそのものを content/ の中に置いてください。 (symbolic link refused)",
        )
    if stat.S_ISDIR(mode):
        return Refused(
            "folder", "ファイルではなくフォルダです。ファイルを指定してください。 (is a directory)"
        )
    return Refused(
        "special",
        f"{_what(mode)}で、通常のファイルではありません。content/ には通常のファイルだけを"
        "置いてください。 (not a regular file)",
    )


def _hard_link(links: int) -> Refused:
    """Why a file with more than one name (a hard link) is refused: the other names may be
    outside the content folder, and nothing in the file says where."""
    return Refused(
        "hardlink",
        f"ハードリンクです（同じファイルに名前が {links} つあります）。ハードリンクは content/ の外の"
        "ファイルと同じ中身を指していることがあり、見分けられないため読み込みません。"
        "リンク（ln）ではなく、ファイルをコピーして置いてください。 (hard link refused)",
    )


def _too_large(size: int, limit: int) -> Refused:
    shown = f"{size / _MB:.1f} MB" if size <= 1024 * _MB else "1 GB 以上"
    return Refused(
        "large",
        f"ファイルが大きすぎます（{shown}）。1 ファイル {limit / _MB:g} MB までです。"
        "ファイルを分けるか、小さくしてください。 (file too large)",
        size,
    )


_MISSING = Refused(
    "missing",
    "ファイルがありません。作成するか、--content の指定を確かめてください。 (file not found)",
)
_OUTSIDE = Refused(
    "outside",
    "content/ の外にあるファイルは読み込みません。content/ の中のファイルを指定してください。"
    " (outside the content directory)",
)


def _unreadable(exc: OSError) -> Refused:
    return Refused(
        "unreadable",
        f"ファイルを読めません（{exc.strerror}）。ファイルの権限を確かめてください。"
        " (cannot read file)",
    )


def _read_open(fd: int, limit: int) -> bytes:
    """Read an open file to its end, never more than ``limit`` + 1 bytes."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = os.read(fd, min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise _too_large(total, limit)


def _open_parts(base: Path, parts: list[str]) -> int:
    """Open the folder ``base/parts[0]/…/parts[-1]`` without following a symbolic link
    below ``base``; returns its descriptor. ``base`` itself (the folder named on the
    command line, already resolved) may be reached through links."""
    fd = os.open(base, _READ_DIR)
    try:
        for part in parts:
            st = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode):
                raise Refused(
                    "symlink",
                    f"フォルダ「{part}」がシンボリックリンクです。シンボリックリンクは読み込みません。"
                    "リンクではなく、フォルダそのものを content/ の中に置いてください。 (symbolic link refused)",
                )
            if not stat.S_ISDIR(st.st_mode):
                raise _MISSING
            inner = os.open(part, _READ_DIR | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        return fd
    except BaseException:
        os.close(fd)
        raise


def _split(path: Path, root: Path | None) -> tuple[Path, list[str], str]:
    """``path`` as the folder to start from, the folders below it and the file's name."""
    path = Path(os.path.abspath(path))
    if root is None:
        return path.parent, [], path.name
    base = Path(os.path.abspath(root))
    try:
        parts = list(path.relative_to(base).parts)
    except ValueError:
        raise _OUTSIDE from None
    if not parts:
        raise Refused(
            "folder", "ファイルではなくフォルダです。ファイルを指定してください。 (is a directory)"
        )
    return base, parts[:-1], parts[-1]


def read_bytes(path: Path, *, root: Path | None, limit: int) -> bytes:
    """The bytes of the regular file ``path``, which must lie inside ``root`` (with no
    symbolic link on the way from ``root``) and have no other name (a hard link, whose
    other names may be anywhere); with ``root`` None only ``path`` itself is checked, and
    a hard link is read. Raises ``Refused`` (never blocks, never reads more than ``limit``
    + 1 bytes)."""
    try:
        base, folders, name = _split(path, root)
        dir_fd = _open_parts(base, folders)
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode):
                raise _refusal(st.st_mode)  # never opened: opening a device may have effects
            if st.st_size > limit:
                raise _too_large(st.st_size, limit)
            fd = os.open(name, _READ_FILE, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        try:
            st = os.fstat(fd)  # what was opened, not what the name pointed at a moment ago
            if not stat.S_ISREG(st.st_mode):
                raise _refusal(st.st_mode)
            if root is not None and st.st_nlink > 1:
                raise _hard_link(st.st_nlink)
            if st.st_size > limit:
                raise _too_large(st.st_size, limit)
            return _read_open(fd, limit)
        finally:
            os.close(fd)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the name
        raise _MISSING from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a link between the stat and the open
            raise _refusal(stat.S_IFLNK) from None
        raise _unreadable(exc) from None


_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "keikaku_content_root", default=None
)


@contextlib.contextmanager
def content_root(root: Path) -> Iterator[None]:
    """Within the block, content reads that name no root (``read_content``) are confined
    to ``root``. The build, ``check`` and ``diff`` set it around loading the plan."""
    token = _ROOT.set(Path(root).resolve())
    try:
        yield
    finally:
        _ROOT.reset(token)


def current_root() -> Path | None:
    """The content folder set by ``content_root``, if any."""
    return _ROOT.get()


def read_content(
    path: Path, shown: str, *, root: Path | None = None, limit: int = limits.MAX_TEXT_FILE_BYTES
) -> bytes:
    """``read_bytes`` for a content file, confined to ``root`` (default: the folder set by
    ``content_root``); a refusal is a ``BuildError`` naming the file as ``shown``."""
    try:
        return read_bytes(path, root=root if root is not None else current_root(), limit=limit)
    except Refused as exc:
        raise BuildError(Problem(Pos(shown), exc.reason)) from None
