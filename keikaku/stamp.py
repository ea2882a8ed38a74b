"""No-op rebuilds: a digest of everything the products depend on, kept beside them.

``BuildStamp`` hashes the build's inputs — every file under the content directory,
``templates/``, ``styles/`` (fonts included) and the ``keikaku`` package's source, the
versions of the libraries that shape the output, and the command-line options that do
(the content and output directories: the output's location is in plan.html's stylesheet
link) — into one digest. After a successful build the digest is written to
``OUT/.build-stamp`` with the size and modification time of each product. The next build
skips all work when the digest is the same and every product is still as it was written.

Every file enters the digest with its path, size and ``mtime_ns``, so touching a file
rebuilds, as with make. Files up to ``FULL_HASH_LIMIT`` (content, templates, CSS, code:
where edits happen) also enter with their bytes' hash, which catches an edit that keeps
size and mtime (coarse timestamps, tools that restore mtimes). Larger files — the vendored
fonts, about 15 MB — enter by path, size and mtime only: hashing them would cost 25–40 ms
on every run (more from a cold disk), against microseconds for a stat. Copying, checking
out or replacing a font gives it a new mtime, so the only change missed is a font swapped
for one of exactly the same size with its old mtime kept (``cp -p``, ``rsync -t``);
``--force`` rebuilds regardless. This module imports only the standard library, and
``cli`` imports the heavy stages after the check, so a no-op costs milliseconds.

Not covered: system libraries (Pango, HarfBuzz) — after upgrading them, use ``--force``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
from collections.abc import Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .paths import PROJECT_ROOT

STAMP_NAME = ".build-stamp"
#: Files larger than this are identified by size and mtime rather than by content.
FULL_HASH_LIMIT = 1 << 20
#: The build's own inputs besides the content: templates, styles (fonts included), the code.
SOURCE_DIRS: dict[str, Path] = {name: PROJECT_ROOT / name for name in ("templates", "styles", "keikaku")}
#: Distributions whose version can change the products.
DISTRIBUTIONS = ("weasyprint", "pydyf", "jinja2", "markdown-it-py", "markupsafe", "pyyaml")
_SKIPPED_DIRS = {"__pycache__"}


def _files(root: Path) -> Iterator[Path]:
    """Every file under ``root`` in a stable order (bytecode caches excepted)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
        for name in sorted(filenames):
            yield Path(dirpath, name)


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def input_digest(content: Path, out: Path, options: Iterable[str] = ()) -> str:
    """The digest of everything a build of ``content`` into ``out`` depends on;
    ``options`` are further settings that shape the products (edition, document date)."""
    h = hashlib.sha256()

    def feed(*parts: str) -> None:
        for part in parts:
            h.update(part.encode("utf-8", "surrogateescape") + b"\0")

    feed("options", str(content.resolve()), str(out.resolve()), *options)
    feed("python", platform.python_version())
    for dist in DISTRIBUTIONS:
        feed("dist", dist, _version(dist))
    for label, root in [("content", content), *SOURCE_DIRS.items()]:
        feed("tree", label)
        for path in _files(root):
            feed(path.relative_to(root).as_posix())
            try:
                st = path.stat()
                feed(str(st.st_size), str(st.st_mtime_ns))
                if st.st_size <= FULL_HASH_LIMIT:
                    feed(hashlib.sha256(path.read_bytes()).hexdigest())
            except OSError as exc:
                # Not ours to report: the build goes ahead and the loader explains the problem.
                feed("unreadable", str(exc.errno))
    return h.hexdigest()


def _product_state(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


class BuildStamp:
    """The inputs' digest for one build, compared with and saved to ``OUT/.build-stamp``.

    Compute it before the build reads anything: a file edited during the build then
    leaves a stamp that no longer matches, and the next build runs again.
    """

    def __init__(self, content: Path, out: Path, options: Iterable[str] = ()) -> None:
        self.out = out
        self.path = out / STAMP_NAME
        self.digest = input_digest(content, out, options)
        self.products: list[str] = []

    def is_current(self) -> bool:
        """True if the last build had the same inputs and its products are untouched."""
        try:
            recorded = json.loads(self.path.read_text(encoding="utf-8"))
            products: dict[str, list[int]] = recorded["products"]
            if recorded["digest"] != self.digest or not products:
                return False
        except (OSError, ValueError, KeyError, TypeError):
            return False
        self.products = list(products)
        return all(_product_state(self.out / name) == state for name, state in products.items())

    def save(self, written: Iterable[Path]) -> None:
        """Record the digest and the products just written (atomically)."""
        data = {"digest": self.digest,
                "products": {p.name: _product_state(p) for p in written}}
        tmp = self.path.with_name(f"{STAMP_NAME}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
