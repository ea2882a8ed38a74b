"""Reading the content folder as it was at a git revision, for ``build.py diff``.

The folder is exported with ``git archive`` into a temporary directory and loaded from
there; the working tree, the index and HEAD are never touched, so an editor's
uncommitted changes are safe. Problems found in an old revision's content are reported
as ``REV:content/file.yaml:line:col``.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import BuildError, Pos, Problem
from .load import load_plan
from .model import Plan

#: Where problems about the revisions themselves are reported.
_WHERE = Pos("build.py diff")


@dataclass(frozen=True)
class Source:
    """The content folder inside its repository."""

    repo: Path
    content_path: str
    """The folder's path inside the repository, with ``/`` (e.g. ``content``)."""
    content_dir: Path
    """The folder in the working tree."""


@dataclass(frozen=True)
class Revision:
    """One side of the comparison: its plan and how the table names it."""

    plan: Plan
    label: str


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise BuildError(Problem(_WHERE, "git が見つかりません。git をインストールしてください。 (git not found)")) from None


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else ""


def locate(content_dir: Path) -> Source:
    """Find the repository that holds ``content_dir`` and the folder's path inside it."""
    if not content_dir.is_dir():
        raise BuildError(Problem(Pos(str(content_dir)), "内容のフォルダが見つかりません。--content で指定してください。"
                                 " (content directory not found)"))
    result = _git(content_dir, "rev-parse", "--show-toplevel")
    if result.returncode:
        raise BuildError(Problem(Pos(str(content_dir)),
                                 "内容のフォルダが git リポジトリの中にありません。diff は git の版を比べます。"
                                 " (not inside a git repository)"))
    repo = Path(result.stdout.decode().strip()).resolve()
    rel = content_dir.resolve().relative_to(repo)
    return Source(repo, PurePosixPath(*rel.parts).as_posix() if rel.parts else ".", content_dir)


def _commit(source: Source, rev: str) -> tuple[str, str]:
    """The commit a revision names, and how the table shows it (``HEAD~1（1a2b3c4、2025-01-31）``)."""
    if not rev or rev.startswith("-"):
        raise BuildError(Problem(_WHERE, f"リビジョン「{rev}」は指定できません。コミット、ブランチ名、タグ名（例: HEAD~1）を指定してください。"
                                 " (invalid revision)"))
    result = _git(source.repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    if result.returncode:
        raise BuildError(Problem(_WHERE, f"リビジョン「{rev}」が見つかりません。コミット、ブランチ名、タグ名（例: HEAD~1）を指定してください。"
                                 " (unknown revision)"))
    sha = result.stdout.decode().strip()
    shown = _git(source.repo, "show", "-s", "--format=%h %cs", sha).stdout.decode().split()
    short, date = [*shown, "", ""][:2]
    return sha, f"{rev}（{short}、{date}）"


def _export(source: Source, sha: str, rev: str, into: Path) -> Path:
    """Write the content folder as it was at ``sha`` under ``into``; returns the folder."""
    result = _git(source.repo, "archive", "--format=tar", sha, "--", source.content_path)
    if result.returncode:
        raise BuildError(Problem(Pos(f"{rev}:{source.content_path}"),
                                 f"リビジョン「{rev}」には内容のフォルダ {source.content_path}/ がありません。"
                                 f" ({_first_line(result.stderr)})"))
    with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):
            # The data filter refuses links and paths that would leave ``into``.
            tar.extractall(into, filter="data")
        else:  # Python before 3.11.4: keep plain files and folders inside ``into`` only.
            root = into.resolve()
            safe = [m for m in tar.getmembers()
                    if (m.isfile() or m.isdir()) and (root / m.name).resolve().is_relative_to(root)]
            tar.extractall(into, members=safe)
    return into / source.content_path


def _relabel(exc: BuildError, folder: Path, shown: str) -> BuildError:
    """Problems in an exported folder, pointed at ``REV:content/…`` instead of a temporary path."""
    prefixes = sorted({str(folder), os.path.relpath(folder.resolve(), Path.cwd()),
                       str(folder.resolve())}, key=len, reverse=True)
    problems = []
    for p in exc.problems:
        path = p.pos.path
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                path = shown + path[len(prefix):]
                break
        problems.append(Problem(Pos(path, p.pos.line, p.pos.col), p.message))
    return BuildError(problems)


def load_revision(source: Source, rev: str | None) -> Revision:
    """The plan at ``rev``, or in the working tree when ``rev`` is ``None``."""
    if rev is None:
        return Revision(load_plan(source.content_dir), f"作業中の内容（{source.content_path}/）")
    sha, label = _commit(source, rev)
    with tempfile.TemporaryDirectory(prefix="keikaku-rev-") as tmp:
        folder = _export(source, sha, rev, Path(tmp))
        try:
            plan = load_plan(folder)
        except BuildError as exc:
            raise _relabel(exc, folder, f"{rev}:{source.content_path}") from None
    return Revision(plan, label)
