"""Reading the content folder as it was at a git revision, for ``build.py diff``.

The folder is exported with ``git archive`` into a temporary directory and loaded from
there; the working tree, the index and HEAD are never touched, so an editor's
uncommitted changes are safe. A revision whose content is still in the first format
(one fixed file per chapter) is converted on the fly (``migrate.py``) into another
temporary folder and loaded from there. Problems found in an old revision's content are
reported as ``REV:content/file.yaml:line:col`` (in a converted revision, the line of the
converted file).
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
from .migrate import is_old_format, migrate
from .model import Plan
from .sources import parse_yaml, read_text

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


def _check_yaml(folder: Path, shown: str) -> None:
    """Every YAML file of a folder in the first format reads. The conversion would read a
    broken file as empty, and the problems found after it would hide the real one."""
    problems: list[Problem] = []
    for path in sorted(folder.rglob("*.yaml")):
        where = f"{shown}/{path.relative_to(folder).as_posix()}"
        try:
            parse_yaml(read_text(path, where), where)
        except BuildError as exc:
            problems.extend(exc.problems)
    if problems:
        raise BuildError(problems)


def _load(folder: Path, shown: str, scratch: Path) -> Plan:
    """Load the content folder ``folder``, converting it first (into ``scratch``) when it is
    in the first format; problems are pointed at ``shown`` instead of either folder."""
    try:
        if is_old_format(folder):
            _check_yaml(folder, shown)
            converted = scratch / "converted"
            migrate(folder, converted)
            try:
                return load_plan(converted)
            except BuildError as exc:
                raise _relabel(exc, converted, shown) from None
        return load_plan(folder)
    except BuildError as exc:
        raise _relabel(exc, folder, shown) from None


def _shown(path: Path) -> str:
    """The folder as the loader names it: relative to the working directory if inside."""
    rel = os.path.relpath(path.resolve(), Path.cwd())
    return str(path) if rel.startswith("..") else rel.replace(os.sep, "/")


def load_revision(source: Source, rev: str | None) -> Revision:
    """The plan at ``rev``, or in the working tree when ``rev`` is ``None``."""
    if rev is None:
        label = f"作業中の内容（{source.content_path}/）"
        if not is_old_format(source.content_dir):
            return Revision(load_plan(source.content_dir), label)
        # Converted into a temporary folder: the working tree itself is never written.
        with tempfile.TemporaryDirectory(prefix="keikaku-rev-") as tmp:
            return Revision(_load(source.content_dir, _shown(source.content_dir), Path(tmp)), label)
    sha, label = _commit(source, rev)
    with tempfile.TemporaryDirectory(prefix="keikaku-rev-") as tmp:
        folder = _export(source, sha, rev, Path(tmp) / "export")
        plan = _load(folder, f"{rev}:{source.content_path}", Path(tmp))
    return Revision(plan, label)
