"""The output folder: products published as a set (``publish``), a set a killed command
left half renamed completed (``recover``), the folder locked while a set is written and
read under a shared lock (``read_product``)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from .. import limits
from ..errors import BuildError, Pos, Problem
from .reading import (
    _CLOEXEC,
    _NOFOLLOW,
    _READ_DIR,
    _READ_FILE,
    Refused,
    _read_open,
    read_bytes,
    shown_path,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX: no locking
    fcntl = None  # type: ignore[assignment]


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
