"""Files as an attacker meets them: the one way content is read, the one way products are written.

Content is untrusted input. Every content file the build reads — plan.yaml, footnotes.yaml,
lint.yaml, included files, Markdown, images, and the no-op check's digest — is read by
``read_bytes``: opened with ``O_NOFOLLOW | O_NONBLOCK``, ``fstat``-ed, and refused unless it
is a regular file inside the content folder (no symbolic link, FIFO, device, socket or
folder; no symbolic link among the folders above it either), and never read past its size
limit (``limits.py``). So a link to ``/etc/passwd`` is never published, ``/dev/zero`` is never
read to the end, and a FIFO never blocks a build. ``check_content_folder`` walks the content
folder once before anything is read: it refuses links and special files anywhere in it,
a folder too large or with too many files (``--content /`` fails at once), and the file
system root itself.

Products are written as a set (``publish``): each to a temporary file created exclusively,
with an unpredictable name, in the output folder (a planted symbolic link is never
followed); then a journal naming the set is put in place; then each temporary is renamed
onto its product; then the journal is removed. A command killed at any moment leaves
either the old set whole, or a journal from which the next command (``recover``: build,
check, watch, diff) completes the new set; temporaries of killed commands are removed. An
exclusive lock (``flock``) on the output folder keeps two commands from publishing at once,
and the live preview reads products under a shared lock, so it never serves half a set.

Standard library only: the no-op check imports this module and must stay cheap.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from . import limits
from .errors import BuildError, Pos, Problem

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: no locking
    fcntl = None  # type: ignore[assignment]

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


# ====================================================================== reading content


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


# ====================================================================== the content folder


def ignored(name: str) -> bool:
    """Names the build never reads and every walk leaves out: hidden names, among them
    editors' swap and lock files (``.plan.yaml.swp``, ``.#plan.yaml``), autosave and backup
    files (``#plan.yaml#``, ``plan.yaml~``) and bytecode caches (a build writes them)."""
    return name.startswith((".", "#")) or name.endswith("~") or name == "__pycache__"


def walk(root: Path, *, limit: int | None = None) -> Iterator[Entry]:
    """Every entry under ``root`` but the ``ignored`` ones, in a stable order (each
    folder's entries by name, then its folders in turn), with its ``lstat`` or the error
    getting it (a folder that cannot be listed is one entry with its error). Never follows
    a symbolic link; folders are entered. After ``limit`` entries it yields one entry
    whose ``st`` is None and stops. The one walk of the content folder (and of the
    build's own inputs, for the stamp and the live preview). ``limit``: by default
    ``limits.MAX_CONTENT_ENTRIES``."""
    limit = limits.MAX_CONTENT_ENTRIES if limit is None else limit
    count = 0
    stack: list[tuple[Path, str]] = [(Path(root), "")]
    while stack:
        folder, rel = stack.pop()
        try:
            with os.scandir(folder) as listing:
                items = sorted((e for e in listing if not ignored(e.name)), key=lambda e: e.name)
        except OSError as exc:
            yield Entry(rel, folder, exc, listing=True)
            continue
        folders = []
        for item in items:
            count += 1
            if count > limit:
                yield Entry("", Path(root), None)
                return
            name = f"{rel}/{item.name}" if rel else item.name
            try:
                st: os.stat_result | OSError = item.stat(follow_symlinks=False)
            except OSError as exc:
                st = exc
            yield Entry(name, Path(item.path), st)
            if isinstance(st, os.stat_result) and stat.S_ISDIR(st.st_mode):
                folders.append((Path(item.path), name))
        stack.extend(reversed(folders))


class Entry(NamedTuple):
    """One entry of ``walk``: its path relative to the root (with ``/``; "" for the root
    itself), its path, and its ``lstat`` (an error if it could not be had; None: the
    walk stopped at its limit)."""

    rel: str
    path: Path
    st: os.stat_result | OSError | None
    listing: bool = False
    """True for a folder that could not be listed (``st`` is the error)."""

    def is_file(self) -> bool:
        return isinstance(self.st, os.stat_result) and stat.S_ISREG(self.st.st_mode)

    def is_folder(self) -> bool:
        return isinstance(self.st, os.stat_result) and stat.S_ISDIR(self.st.st_mode)


def check_content_root(content: Path) -> None:
    """The content folder exists, is a folder, and is not the root of the file system."""
    shown = shown_path(content)
    try:
        st = os.stat(content)
    except FileNotFoundError:
        raise BuildError(
            Problem(
                Pos(shown),
                "内容のフォルダが見つかりません。--content で指定してください。"
                " (content directory not found)",
            )
        ) from None
    except OSError as exc:
        raise BuildError(
            Problem(
                Pos(shown),
                f"内容のフォルダを読めません（{exc.strerror}）。"
                "フォルダの権限を確かめてください。 (cannot read the content directory)",
            )
        ) from None
    if not stat.S_ISDIR(st.st_mode):
        raise BuildError(
            Problem(
                Pos(shown),
                "内容のフォルダではなく、ファイルが指定されています。"
                "--content には計画の content/ フォルダを指定してください。 (not a directory)",
            )
        )
    resolved = Path(content).resolve()
    if resolved == Path(resolved.anchor):
        raise BuildError(
            Problem(
                Pos(shown),
                "ファイルシステムの最上位（/）は内容のフォルダにできません。"
                "--content には計画の content/ フォルダを指定してください。"
                " (refusing the file system root as the content directory)",
            )
        )


def check_content_folder(content: Path) -> int:
    """Walk the content folder once, before anything is read, without following links:
    refuse symbolic links, hard links (files with more than one name: ``O_NOFOLLOW`` cannot
    tell one from a file) and special files (FIFOs, devices, sockets) anywhere in it
    (``ignored`` names, such as an editor's lock link ``.#plan.yaml``, are never read and
    so are left alone), more than ``MAX_CONTENT_ENTRIES`` entries and more than
    ``MAX_CONTENT_BYTES`` in all (each file's own limit is enforced where it is read, so
    that the message can point at the line that uses it). Returns the total size; raises
    ``BuildError`` listing every problem."""
    check_content_root(content)
    shown_root = shown_path(content)
    root = Path(content).resolve()
    problems: list[Problem] = []
    total = 0

    def shown(rel: str) -> str:
        return shown_in(shown_root, rel)

    for entry in walk(root):
        if entry.st is None:
            raise BuildError(
                Problem(
                    Pos(shown_root),
                    f"内容のフォルダにファイルとフォルダが多すぎます"
                    f"（{limits.MAX_CONTENT_ENTRIES:,} を超えています）。--content の指定を確かめてください。"
                    " (too many files in the content directory)",
                )
            )
        if isinstance(entry.st, OSError):
            if entry.listing:
                problems.append(
                    Problem(
                        Pos(shown(entry.rel) if entry.rel else shown_root),
                        f"フォルダを読めません（{entry.st.strerror}）。フォルダの権限を確かめてください。"
                        " (cannot read folder)",
                    )
                )
            else:
                problems.append(Problem(Pos(shown(entry.rel)), _unreadable(entry.st).reason))
            continue
        mode = entry.st.st_mode
        if stat.S_ISDIR(mode):
            continue
        if stat.S_ISREG(mode):
            total += entry.st.st_size  # each file's own limit is enforced where it is read
            if entry.st.st_nlink > 1:
                problems.append(
                    Problem(Pos(shown(entry.rel)), _hard_link(entry.st.st_nlink).reason)
                )
            continue
        reason = _refusal(mode).reason
        if stat.S_ISLNK(mode):
            reason = (
                "シンボリックリンクです。content/ の中ではシンボリックリンクを使えません"
                "（リンク先が content/ の中でも同じです）。リンクではなくファイルそのものを置くか、"
                "削除してください。 (symbolic link refused)"
            )
        problems.append(Problem(Pos(shown(entry.rel)), reason))
    if total > limits.MAX_CONTENT_BYTES:
        problems.append(
            Problem(
                Pos(shown_root),
                f"内容のフォルダのファイルが合わせて {total / _MB:.1f} MB あります。"
                f"合わせて {limits.MAX_CONTENT_BYTES / _MB:g} MB までです。画像を小さくするか、"
                "使っていないファイルを削除してください。 (content directory too large)",
            )
        )
    if problems:
        raise BuildError(sorted(problems, key=lambda p: (p.pos, p.message)))
    return total


# ====================================================================== the output folder

#: The journal of a set being published; present only while a set is being renamed into place.
JOURNAL_NAME = ".publish-journal"
#: Our temporaries: ``.<name>.<16 random hex digits>.tmp``.
_TEMP = re.compile(r"\.[A-Za-z0-9_][A-Za-z0-9_.-]*\.[0-9a-f]{16}\.tmp")
#: Temporaries of earlier versions of the build (``mkstemp``, and the stamp's pid-named one).
_OLD_TEMPS = (
    re.compile(
        r"\.(plan\.pdf|plan\.html|plan\.json|kpi\.csv|shinkyu\.pdf|shinkyu\.html)"
        r"\.[a-z0-9_]{8}\.tmp"
    ),
    re.compile(r"\.build-stamp\.\d+\.tmp"),
)
_NAME = re.compile(r"\.?[A-Za-z0-9_][A-Za-z0-9_.-]*")


def is_temporary(name: str) -> bool:
    """True for the name of a temporary file of ours (of this build or an earlier version)."""
    return bool(_TEMP.fullmatch(name)) or any(p.fullmatch(name) for p in _OLD_TEMPS)


class OutputError(BuildError):
    """The output folder could not be written. ``kept`` says whether the previous products
    are still all there as they were (else the next command completes the new set)."""

    def __init__(self, problem: Problem, kept: bool = True) -> None:
        super().__init__(problem)
        self.kept = kept


def os_error_problem(exc: OSError, path: Path | str | None = None) -> Problem:
    """One line for an OS error: the path (``path``, else the error's own), what
    happened, and what to do."""
    filename = path if path is not None else exc.filename
    where = Pos(shown_path(Path(os.fsdecode(filename))) if filename is not None else "build.py")
    code = exc.errno
    reason = exc.strerror or str(exc)
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        message = (
            "ディスクの空きが足りないため書き込めません。空きを作ってから、もう一度実行してください。"
            " (no space left on device)"
        )
    elif code == errno.EROFS:
        message = (
            "読み取り専用の場所なので書き込めません。--out で書き込めるフォルダを指定してください。"
            " (read-only file system)"
        )
    elif code in (errno.EACCES, errno.EPERM):
        message = (
            "アクセスが拒否されました。ファイルやフォルダの権限を確かめるか、--out・--content で"
            "別のフォルダを指定してください。 (permission denied)"
        )
    elif code in (errno.ENOTDIR, errno.EEXIST):
        message = (
            "フォルダであるべき場所がファイルです。--out・--content にはフォルダを指定してください。"
            " (not a directory)"
        )
    elif code == errno.EISDIR:
        message = (
            "ファイルを書く場所がフォルダになっています。そのフォルダを移すか削除するか、"
            "--out で別のフォルダを指定してください。 (is a directory)"
        )
    elif code == errno.ENAMETOOLONG:
        message = "パスが長すぎます。短いパスのフォルダを指定してください。 (file name too long)"
    elif code == errno.ELOOP:
        message = "シンボリックリンクが多すぎるか、たどれません。パスを確かめてください。 (too many symbolic links)"
    else:
        message = f"操作できません（{reason}）。パス、空き容量と権限を確かめてください。 ({reason})"
    return Problem(where, message)


def check_output_folder(out: Path) -> None:
    """Before a build spends any time: ``out`` is, or can become, a folder we may write."""
    shown = shown_path(out)
    probe = Path(os.path.abspath(out))
    while not os.path.lexists(probe) and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(
            Problem(
                Pos(shown if probe == Path(os.path.abspath(out)) else shown_path(probe)),
                "出力先のフォルダであるべき場所がファイルです。--out にはフォルダを指定してください。"
                " (--out is not a directory)",
            )
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(
            Problem(
                Pos(shown_path(probe)),
                "出力先のフォルダに書き込めません。権限を確かめるか、"
                "--out で書き込めるフォルダを指定してください。 (output directory not writable)",
            )
        )


@contextlib.contextmanager
def _locked(out: Path, *, shared: bool = False) -> Iterator[int]:
    """The output folder open as a descriptor, locked (exclusive, or shared for readers)."""
    fd = os.open(out, _READ_DIR)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
            except OSError as exc:  # a file system without locks: go on unlocked
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _open_regular_at(dir_fd: int, name: str) -> int | None:
    """A regular file of the output folder opened for reading (never a link; a FIFO or
    device is not even opened), or None."""
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        return os.open(name, _READ_FILE, dir_fd=dir_fd) if stat.S_ISREG(st.st_mode) else None
    except (OSError, ValueError):
        return None


def _read_at(dir_fd: int, name: str, limit: int) -> bytes | None:
    """A regular file of the output folder, or None if it is absent or anything else."""
    fd = _open_regular_at(dir_fd, name)
    if fd is None:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return _read_open(fd, limit)
    except Refused:
        return None
    finally:
        os.close(fd)


def _digest_at(dir_fd: int, name: str) -> str | None:
    """The sha256 of a regular file of the output folder, or None."""
    fd = _open_regular_at(dir_fd, name)
    if fd is None:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        h = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            h.update(chunk)
        return h.hexdigest()
    finally:
        os.close(fd)


def _lstat_at(dir_fd: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def _unlink_at(dir_fd: int, name: str) -> None:
    """Remove a file or link (never follows it; leaves folders alone)."""
    st = _lstat_at(dir_fd, name)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name, dir_fd=dir_fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_temp(
    dir_fd: int, name: str, data: bytes, mode: int | None = None
) -> tuple[str, os.stat_result]:
    """Write ``data`` to a new temporary for ``name`` (created exclusively, never through
    a link, with ``mode`` or readable as the umask allows); returns its name and state."""
    for _ in range(100):
        temp = f".{name.lstrip('.')}.{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(
                temp,
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
                0o666,
                dir_fd=dir_fd,
            )
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 64 random bits
        raise FileExistsError(errno.EEXIST, "no unused temporary name", name)
    try:
        _write_all(fd, data)
        if mode is not None:
            os.fchmod(fd, mode)
        os.fsync(fd)
        return temp, os.fstat(fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
    finally:
        os.close(fd)


def stage(path: Path, data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to a new temporary beside ``path``, as ``publish`` writes its own:
    created exclusively with an unpredictable name, never through a link, flushed to disk,
    with ``mode`` if given. Returns its path; the caller renames it onto ``path``
    (``os.replace``) or removes it."""
    path = Path(path)
    fd = os.open(path.parent, _READ_DIR)
    try:
        temp, _ = _write_temp(fd, path.name, data, mode)
    finally:
        os.close(fd)
    return path.parent / temp


def write_file(path: Path, data: bytes, *, mode: int | None = None) -> Path:
    """Replace ``path`` with ``data`` at once (``stage``, then a rename): readers see the
    old file or the new one, never part of it. For one file outside a set of products
    (the content files the ＫＰＩ import edits); products go through ``publish``."""
    temp = stage(path, data, mode=mode)
    try:
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return Path(path)


def _parse_journal(data: bytes) -> list[tuple[str, str, str]] | None:
    try:
        entries = json.loads(data.decode("utf-8"))["set"]
        result = [(str(n), str(t), str(d)) for n, t, d in entries]
    except (ValueError, KeyError, TypeError):
        return None
    for name, temp, digest in result:
        if (
            not _NAME.fullmatch(name)
            or not _TEMP.fullmatch(temp)
            or not re.fullmatch(r"[0-9a-f]{64}", digest)
        ):
            return None
    return result


def _recover(dir_fd: int) -> list[str]:
    """Complete a set whose publishing was interrupted, and remove orphaned temporaries.
    Call with the folder locked."""
    notes: list[str] = []
    st = _lstat_at(dir_fd, JOURNAL_NAME)
    if st is not None:
        data = _read_at(dir_fd, JOURNAL_NAME, limits.MAX_STATE_FILE_BYTES)
        entries = _parse_journal(data) if data is not None else None
        if entries is None:
            notes.append(
                f"読めない {JOURNAL_NAME} を削除しました。 (removed an unreadable journal)"
            )
        else:
            done, broken = [], []
            for name, temp, digest in entries:
                if _digest_at(dir_fd, temp) == digest:
                    os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
                    done.append(name)
                elif _digest_at(dir_fd, name) != digest:
                    broken.append(name)
            if broken:
                # The set cannot be completed (a temporary was removed by hand): take away
                # what is left of the old set, so that no mixture of two builds remains.
                for name, _temp, digest in entries:
                    if _digest_at(dir_fd, name) != digest:
                        _unlink_at(dir_fd, name)
                notes.append(
                    f"中断された書き込みを完成できないため、古いままの {', '.join(broken)} を削除しました。"
                    "もう一度 build してください。 (removed an incomplete set of products)"
                )
            elif done:
                notes.append(
                    f"中断された書き込みを完成させました: {', '.join(done)} "
                    "(finished an interrupted update of the products)"
                )
            os.fsync(dir_fd)
        _unlink_at(dir_fd, JOURNAL_NAME)
    orphans = [name for name in os.listdir(dir_fd) if is_temporary(name)]
    for name in orphans:
        _unlink_at(dir_fd, name)
    if orphans:
        notes.append(
            f"中断されたビルドの一時ファイルを {len(orphans)} 個削除しました。"
            " (removed temporaries of an interrupted build)"
        )
    return notes


def recover(out: Path) -> list[str]:
    """Before a command reads or writes ``out``: complete (or, if it cannot be completed,
    take away) a set of products whose publishing was interrupted, and remove orphaned
    temporaries. Returns what was done, one line each (nothing if all was in order)."""
    if not os.path.isdir(out):
        return []
    with _locked(out) as fd:
        if _lstat_at(fd, JOURNAL_NAME) is None and not any(is_temporary(n) for n in os.listdir(fd)):
            return []
        return _recover(fd)


def publish(
    out: Path,
    products: dict[str, bytes],
    record: Callable[[dict[str, os.stat_result]], dict[str, bytes]] | None = None,
) -> list[Path]:
    """Write ``products`` (name → bytes) into ``out`` as one set; ``record``, given the
    temporaries' states, returns further files that join the set (the build stamp).
    Returns the products' paths. Raises ``OutputError`` for anything the OS refuses."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with _locked(out) as fd:
            _recover(fd)
            return _publish(fd, out, products, record)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(os_error_problem(exc, in_output(out, exc.filename))) from None


def in_output(out: Path, filename) -> Path:
    """The path an error in the output folder names: our temporaries and journal as the
    folder itself (their names mean nothing to the reader), other names inside it."""
    if filename is None:
        return out
    name = os.fsdecode(filename)
    if os.path.isabs(name):
        return Path(name)
    return out if is_temporary(name) or name.startswith(JOURNAL_NAME) else out / name


def _publish(
    fd: int,
    out: Path,
    products: dict[str, bytes],
    record: Callable[[dict[str, os.stat_result]], dict[str, bytes]] | None,
) -> list[Path]:
    for name in products:
        st = _lstat_at(fd, name)
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise OutputError(
                Problem(
                    Pos(shown_path(out / name)),
                    "ここにはフォルダがあるため、書き込めません。"
                    "そのフォルダを移すか削除するか、--out で別のフォルダを指定してください。 (is a directory)",
                )
            )
    temps: dict[str, str] = {}
    digests: dict[str, str] = {}
    journal = False
    try:
        states = {}
        for name, data in products.items():
            temps[name], states[name] = _write_temp(fd, name, data)
            digests[name] = hashlib.sha256(data).hexdigest()
        for name, data in (record(states) if record else {}).items():
            temps[name], _ = _write_temp(fd, name, data)
            digests[name] = hashlib.sha256(data).hexdigest()
        entries = [[name, temp, digests[name]] for name, temp in temps.items()]
        body = json.dumps({"set": entries}, indent=1).encode("utf-8")
        temps[JOURNAL_NAME], _ = _write_temp(fd, JOURNAL_NAME, body)
        os.replace(temps.pop(JOURNAL_NAME), JOURNAL_NAME, src_dir_fd=fd, dst_dir_fd=fd)
        journal = True
        os.fsync(fd)
        for name, temp in temps.items():
            os.replace(temp, name, src_dir_fd=fd, dst_dir_fd=fd)
        os.fsync(fd)
        os.unlink(JOURNAL_NAME, dir_fd=fd)
    except BaseException as exc:
        if not journal:
            for temp in temps.values():
                with contextlib.suppress(OSError):
                    os.unlink(temp, dir_fd=fd)
            raise
        try:
            _recover(fd)  # the whole set is on disk: finish it now
        except OSError:
            if not isinstance(exc, OSError):
                raise exc from None
            problem = os_error_problem(exc, in_output(out, exc.filename))
            raise OutputError(
                Problem(
                    problem.pos,
                    f"{problem.message} 出力の更新が途中で止まりました。"
                    "次に build・check・watch のどれかを実行すると、更新を完成させます。",
                ),
                kept=False,
            ) from None
        if not isinstance(exc, Exception):
            raise  # interrupted (Ctrl-C), with the set completed
    return [out / name for name in products]


def is_product_name(name: str) -> bool:
    """True for a plain file name of the output folder that is not ours to manage
    (a temporary, the journal)."""
    return bool(_NAME.fullmatch(name)) and not is_temporary(name) and name != JOURNAL_NAME


def read_product(out: Path, name: str, limit: int = limits.MAX_SERVED_BYTES) -> bytes | None:
    """A product of ``out`` for the live preview: a regular file only (never through a
    link), read under a shared lock so that it is never half of a set being published;
    an interrupted publishing is completed first. None if absent or refused."""
    if not is_product_name(name):
        return None
    try:
        recover(out)  # cheap when there is nothing to do: one listing of the folder
        with _locked(out, shared=True) as fd:
            return _read_at(fd, name, limit)
    except OSError:
        return None


def read_state(path: Path) -> bytes | None:
    """A small bookkeeping file of the output folder (``.build-stamp``): regular files
    only, never through a link, at most ``MAX_STATE_FILE_BYTES``; None otherwise."""
    try:
        return read_bytes(path, root=None, limit=limits.MAX_STATE_FILE_BYTES)
    except Refused:
        return None
