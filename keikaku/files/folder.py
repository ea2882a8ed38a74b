"""The content folder walked once before anything is read (``check_content_folder``):
links and special files refused anywhere in it, its files and bytes counted against
their limits; and the walk every reader of the folder shares (``walk``)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from .. import limits
from ..errors import BuildError, Pos, Problem
from .reading import _MB, _hard_link, _refusal, _unreadable, shown_in, shown_path


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
