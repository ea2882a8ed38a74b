"""Reading the content folder as it was at a git revision, for ``build.py diff``.

The folder is exported with ``git archive`` into a temporary directory and loaded from
there; the working tree, the index and HEAD are never touched, so an editor's
uncommitted changes are safe. A revision whose content is still in the first format
(one fixed file per chapter) is converted on the fly (``migrate.py``) into another
temporary folder and loaded from there. Problems found in an old revision's content are
reported as ``REV:content/file.yaml:line:col`` (in a converted revision, the line of the
converted file). With an edition (``diff --edition NAME``), each side is that edition as
its revision has it (``editions.load_edition``: the edition over that revision's national
content); a revision without it is refused in one line naming the revision.

A revision's content is as untrusted as the working tree's: before it is exported, its
listing (``git ls-tree``) is checked as ``files.check_content_folder`` checks a folder —
no symbolic link (an absolute one included), no file over its size limit, not too many
files or bytes in all — and the export keeps plain files and folders only, inside the
temporary folder. The working tree is checked the same way before anything in it is read.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .. import files, limits
from ..errors import BuildError, Pos, Problem
from ..git import run_git
from ..load import load_plan
from ..migrate import is_old_format, migrate
from ..model import Plan
from ..sources import parse_yaml, printable, read_text

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
    done = run_git(repo, *args)
    if done is None:
        raise BuildError(
            Problem(
                _WHERE,
                "git を実行できません（見つからないか、応答がありません）。"
                "git がインストールされているか確かめてください。 (git not found or not answering)",
            )
        )
    return done


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[0] if lines else ""


def locate(content_dir: Path) -> Source:
    """Find the repository that holds ``content_dir`` and the folder's path inside it."""
    if not content_dir.is_dir():
        raise BuildError(
            Problem(
                Pos(str(content_dir)),
                "内容のフォルダが見つかりません。--content で指定してください。"
                " (content directory not found)",
            )
        )
    result = _git(content_dir, "rev-parse", "--show-toplevel")
    if result.returncode:
        raise BuildError(
            Problem(
                Pos(str(content_dir)),
                "内容のフォルダが git リポジトリの中にありません。diff は git の版を比べます。"
                " (not inside a git repository)",
            )
        )
    repo = Path(result.stdout.decode().strip()).resolve()
    rel = content_dir.resolve().relative_to(repo)
    return Source(repo, PurePosixPath(*rel.parts).as_posix() if rel.parts else ".", content_dir)


def _commit(source: Source, rev: str) -> tuple[str, str]:
    """The commit a revision names, and how the table shows it (``HEAD~1（1a2b3c4、2025-01-31）``)."""
    if not rev or rev.startswith("-"):
        raise BuildError(
            Problem(
                _WHERE,
                f"リビジョン「{rev}」は指定できません。コミット、ブランチ名、タグ名（例: HEAD~1）を指定してください。"
                " (invalid revision)",
            )
        )
    result = _git(
        source.repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
    )
    if result.returncode:
        raise BuildError(
            Problem(
                _WHERE,
                f"リビジョン「{rev}」が見つかりません。コミット、ブランチ名、タグ名（例: HEAD~1）を指定してください。"
                " (unknown revision)",
            )
        )
    sha = result.stdout.decode().strip()
    shown = _git(source.repo, "show", "-s", "--format=%h %cs", sha).stdout.decode().split()
    short, date = [*shown, "", ""][:2]
    return sha, f"{rev}（{short}、{date}）"


def _inspect(source: Source, sha: str, rev: str) -> None:
    """Refuse, before exporting it, what the revision's content folder holds that a build
    would refuse: symbolic links, files over their size limit, too many files or bytes."""
    result = _git(
        source.repo, "ls-tree", "-r", "-l", "-z", "--full-name", sha, "--", source.content_path
    )
    if result.returncode:
        return  # _export reports a missing folder
    problems: list[Problem] = []
    entries = result.stdout.split(b"\0")
    if len(entries) > limits.MAX_CONTENT_ENTRIES:
        raise BuildError(
            Problem(
                Pos(f"{rev}:{source.content_path}"),
                f"このリビジョンの内容のフォルダにはファイルが多すぎます（{limits.MAX_CONTENT_ENTRIES:,} を超えています）。"
                " (too many files in the content directory)",
            )
        )
    total = 0
    for entry in entries:
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, _object, size = [*meta.decode("ascii", "replace").split(), "", "", "", ""][:4]
        path = raw_path.decode("utf-8", "surrogateescape")
        shown = f"{rev}:{path}"
        hidden = any(part.startswith(".") for part in PurePosixPath(path).parts)
        if mode == "120000":
            if not hidden:
                problems.append(
                    Problem(
                        Pos(shown),
                        "このリビジョンの内容にシンボリックリンクがあります。"
                        "content/ の中ではシンボリックリンクを使えないため、この版とは比べられません。"
                        " (symbolic link refused)",
                    )
                )
            continue
        if kind != "blob" or not size.isdigit():
            continue
        total += int(size)
        suffix = PurePosixPath(path).suffix.lower()
        limit = (
            limits.MAX_TEXT_FILE_BYTES
            if suffix in files.TEXT_SUFFIXES
            else limits.MAX_IMAGE_BYTES
            if suffix in files.IMAGE_SUFFIXES
            else None
        )
        if not hidden and limit is not None and int(size) > limit:
            problems.append(
                Problem(
                    Pos(shown),
                    f"ファイルが大きすぎます（{int(size) / limits.MB:.1f} MB）。"
                    f"1 ファイル {limit / limits.MB:g} MB までです。 (file too large)",
                )
            )
    if total > limits.MAX_CONTENT_BYTES:
        problems.append(
            Problem(
                Pos(f"{rev}:{source.content_path}"),
                f"このリビジョンの内容のフォルダのファイルが合わせて {total / limits.MB:.1f} MB あります。"
                f"合わせて {limits.MAX_CONTENT_BYTES / limits.MB:g} MB までです。"
                " (content directory too large)",
            )
        )
    if problems:
        raise BuildError(problems)


def _plain(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """Extraction filter: plain files and folders only (links are left out), and only
    inside ``dest``."""
    if not (member.isfile() or member.isdir()):
        return None
    if hasattr(tarfile, "data_filter"):
        return tarfile.data_filter(member, dest)
    root = Path(dest).resolve()  # Python before 3.11.4: check the path ourselves
    return member if (root / member.name).resolve().is_relative_to(root) else None


def _export(source: Source, sha: str, rev: str, into: Path) -> Path:
    """Write the content folder as it was at ``sha`` under ``into``; returns the folder."""
    _inspect(source, sha, rev)
    result = _git(source.repo, "archive", "--format=tar", sha, "--", source.content_path)
    if result.returncode:
        raise BuildError(
            Problem(
                Pos(f"{rev}:{source.content_path}"),
                f"リビジョン「{rev}」には内容のフォルダ {source.content_path}/ がありません。"
                f" ({_first_line(result.stderr)})",
            )
        )
    try:
        with tarfile.open(fileobj=io.BytesIO(result.stdout)) as tar:
            members = [m for m in tar.getmembers() if _plain(m, str(into)) is not None]
            if hasattr(tarfile, "data_filter"):
                tar.extractall(into, members=members, filter="data")
            else:
                tar.extractall(into, members=members)
    except (tarfile.TarError, OSError) as exc:
        raise BuildError(
            Problem(
                Pos(f"{rev}:{source.content_path}"),
                f"リビジョン「{rev}」の内容を取り出せません（{exc}）。 (cannot export the revision)",
            )
        ) from None
    return into / source.content_path


def _relabel(exc: BuildError, folder: Path, shown: str) -> BuildError:
    """Problems in an exported folder, pointed at ``REV:content/…`` instead of a temporary path."""
    prefixes = sorted(
        {str(folder), files.shown_path(folder), str(folder.resolve())},
        key=len,
        reverse=True,
    )
    problems = []
    for p in exc.problems:
        path = p.pos.path
        for prefix in prefixes:
            if path == prefix or path.startswith(prefix + "/"):
                path = shown + path[len(prefix) :]
                break
        problems.append(Problem(Pos(path, p.pos.line, p.pos.col), p.message))
    return BuildError(problems)


def _check_yaml(folder: Path, shown: str) -> None:
    """Every YAML file of a folder in the first format reads. The conversion would read a
    broken file as empty, and the problems found after it would hide the real one."""
    problems: list[Problem] = []
    for entry in sorted(files.walk(folder), key=lambda e: e.rel.split("/")):
        if not (entry.is_file() and entry.rel.endswith(".yaml")):
            continue
        path, where = entry.path, f"{shown}/{entry.rel}"
        try:
            parse_yaml(read_text(path, where, root=folder), where)
        except BuildError as exc:
            problems.extend(exc.problems)
    if problems:
        raise BuildError(problems)


def _missing_edition(shown: str, name: str, rev: str) -> BuildError:
    """The edition is not in the revision: there is nothing to compare it with."""
    from ..load import EDITIONS_DIR

    return BuildError(
        Problem(
            Pos(f"{shown}/{EDITIONS_DIR}/{printable(name, 60)}/plan.yaml"),
            f"版「{printable(name)}」はリビジョン「{rev}」にはありません。その後に作られた版には"
            "比べる前の版がないため、新旧対照表は作りません。版の全文は build.py --edition "
            f"{printable(name)} で作ります。あるはずなら、リビジョンか版の名前を確かめてください。"
            " (the edition does not exist at that revision)",
        )
    )


def _load(folder: Path, shown: str, scratch: Path, edition: str | None = None) -> Plan:
    """Load the content folder ``folder``, converting it first (into ``scratch``) when it is
    in the first format; problems are pointed at ``shown`` instead of either folder.
    With ``edition``, that edition (the caller made sure the folder has it)."""
    try:
        with files.content_root(folder):
            if edition is not None:
                from ..editions import load_edition

                return load_edition(folder, edition)
            if is_old_format(folder):
                _check_yaml(folder, shown)
                converted = scratch / "converted"
                migrate(folder, converted)
                try:
                    with files.content_root(converted):
                        return load_plan(converted)
                except BuildError as exc:
                    raise _relabel(exc, converted, shown) from None
            return load_plan(folder)
    except BuildError as exc:
        raise _relabel(exc, folder, shown) from None


def load_revision(source: Source, rev: str | None, edition: str | None = None) -> Revision:
    """The plan at ``rev``, or in the working tree when ``rev`` is ``None``; with
    ``edition``, that edition of it."""
    if rev is None:
        label = f"作業中の内容（{source.content_path}/）"
        files.check_content_folder(source.content_dir)
        if edition is not None:
            from ..editions import load_edition

            with files.content_root(source.content_dir):
                return Revision(load_edition(source.content_dir, edition), label)
        if not is_old_format(source.content_dir):
            with files.content_root(source.content_dir):
                return Revision(load_plan(source.content_dir), label)
        # Converted into a temporary folder: the working tree itself is never written.
        with tempfile.TemporaryDirectory(prefix="keikaku-rev-") as tmp:
            return Revision(
                _load(source.content_dir, files.shown_path(source.content_dir), Path(tmp)), label
            )
    sha, label = _commit(source, rev)
    with tempfile.TemporaryDirectory(prefix="keikaku-rev-") as tmp:
        folder = _export(source, sha, rev, Path(tmp) / "export")
        if edition is not None:
            from ..editions import editions_of

            if is_old_format(folder) or edition not in editions_of(folder):
                raise _missing_edition(f"{rev}:{source.content_path}", edition, rev)
        plan = _load(folder, f"{rev}:{source.content_path}", Path(tmp), edition)
    return Revision(plan, label)
