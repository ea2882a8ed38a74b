"""No-op rebuilds: a digest of everything the products depend on, kept beside them.

``BuildStamp`` hashes the build's inputs — every file under the content directory,
``templates/``, ``styles/`` (fonts included) and the ``keikaku`` package's source, the
versions of the libraries that shape the output, and the command-line options that do
(the content and output directories: the output's location is in plan.html's stylesheet
link; with the Word edition, the pandoc that writes it: ``pandoc.identity``) — into one
digest. After a successful build the digest is written to
``OUT/.build-stamp`` with the size, modification time and sha256 of each product. The
next build skips all work when the digest is the same and every product is still as it
was written: the same size and mtime, then the same bytes (a file swapped in with the
size and mtime kept is caught; hashing the real plan's products costs a few ms).

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

The content folder is untrusted: the walk never follows a symbolic link (a link enters the
digest by its target's name, a FIFO or device by its kind; neither is opened), reads files
with ``files.read_bytes`` (no link, no blocking, never past ``FULL_HASH_LIMIT``) and stops
after ``limits.MAX_CONTENT_ENTRIES`` entries. The stamp is read back the same way, and is
written as part of the products' set (``files.publish``), never through a link.

Each document of the family has its own stamp, in its own output folder, and its digest
covers only the content it reads (``document_scope``): the national plan leaves out
``editions/``, an edition leaves out the other editions. Editing the 近畿 edition then
rebuilds that edition alone.

Not covered: system libraries (Pango, HarfBuzz) — after upgrading them, use ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from . import files
from .paths import PROJECT_ROOT

STAMP_NAME = ".build-stamp"
#: Files larger than this are identified by size and mtime rather than by content.
FULL_HASH_LIMIT = 1 << 20
#: The build's own inputs besides the content: templates, styles (fonts included), the code.
SOURCE_DIRS: dict[str, Path] = {
    name: PROJECT_ROOT / name for name in ("templates", "styles", "keikaku")
}
#: Distributions whose version can change the products.
DISTRIBUTIONS = ("weasyprint", "pydyf", "jinja2", "markdown-it-py", "markupsafe", "pyyaml")
#: The editions' folder in the content folder (``load.EDITIONS_DIR``; ``load`` is not
#: imported here, so that the no-op check stays cheap).
EDITIONS_DIR = "editions"


def document_scope(edition: str | None) -> Callable[[str], bool]:
    """Which files of the content folder (by their path in it, with ``/``) a document
    reads: the national plan everything but ``editions/``; an edition the national
    content and its own folder, not the other editions'."""
    own = None if edition is None else f"{EDITIONS_DIR}/{edition}"

    def reads(rel: str) -> bool:
        top, _, rest = rel.partition("/")
        if top != EDITIONS_DIR:
            return True
        if own is None or not rest:
            return False
        return rel == own or rel.startswith(own + "/")

    return reads


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def input_digest(
    content: Path,
    out: Path,
    options: Iterable[str] = (),
    reads: Callable[[str], bool] | None = None,
) -> str:
    """The digest of everything a build of ``content`` into ``out`` depends on;
    ``options`` are further settings that shape the products (edition, document date);
    ``reads`` (``document_scope``) keeps the content files the document reads."""
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
        for name, path, st, _listing in files.walk(root):
            if st is not None and not isinstance(st, OSError) and stat.S_ISDIR(st.st_mode):
                continue
            if st is None:
                feed("too many entries")  # the build refuses the folder; nothing more to hash
                break
            if label == "content" and reads is not None and not reads(name):
                continue  # another document's content
            feed(name)
            if isinstance(st, OSError):
                # Not ours to report: the build goes ahead and explains the problem.
                feed("unreadable", str(st.errno))
            elif stat.S_ISLNK(st.st_mode):
                try:
                    feed("link", os.readlink(path))
                except OSError as exc:
                    feed("unreadable", str(exc.errno))
            elif not stat.S_ISREG(st.st_mode):
                feed("special", str(stat.S_IFMT(st.st_mode)))  # a FIFO is never opened
            else:
                feed(str(st.st_size), str(st.st_mtime_ns))
                if st.st_size <= FULL_HASH_LIMIT:
                    try:
                        feed(
                            hashlib.sha256(
                                files.read_bytes(path, root=None, limit=FULL_HASH_LIMIT)
                            ).hexdigest()
                        )
                    except files.Refused as exc:
                        feed("unreadable", exc.kind)
    return h.hexdigest()


def _product_state(path: Path) -> list[int] | None:
    """A product's size and mtime, if it is a regular file (a planted link is not)."""
    try:
        st = path.lstat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns] if stat.S_ISREG(st.st_mode) else None


def _product_digest(out: Path, name: str) -> str | None:
    """The sha256 of a product as it is now (read as the preview reads it: a regular file,
    never through a link, never half of a set being published)."""
    data = files.read_product(out, name)
    return None if data is None else hashlib.sha256(data).hexdigest()


class BuildStamp:
    """The inputs' digest for one build, compared with and saved to ``OUT/.build-stamp``.

    Compute it before the build reads anything: a file edited during the build then
    leaves a stamp that no longer matches, and the next build runs again.
    """

    def __init__(
        self,
        content: Path,
        out: Path,
        options: Iterable[str] = (),
        reads: Callable[[str], bool] | None = None,
    ) -> None:
        self.out = out
        self.path = out / STAMP_NAME
        self.digest = input_digest(content, out, options, reads)
        self.products: list[str] = []

    def is_current(self) -> bool:
        """True if the last build had the same inputs and its products are untouched."""
        data = files.read_state(self.path)
        if data is None:
            return False
        try:
            recorded = json.loads(data.decode("utf-8"))
            products: dict[str, list[int]] = recorded["products"]
            if recorded["digest"] != self.digest or not products or not isinstance(products, dict):
                return False
            names = [name for name in products if files.is_product_name(name)]
        except (ValueError, KeyError, TypeError, AttributeError):
            return False
        if len(names) != len(products):
            return False
        self.products = names
        try:
            # Size and mtime first (a stat each), then the bytes: a product replaced by
            # another file of the same size and mtime is not the one the build wrote.
            if not all(
                _product_state(self.out / name) == state[:2] for name, state in products.items()
            ):
                return False
            return all(
                len(state) == 3 and _product_digest(self.out, name) == state[2]
                for name, state in products.items()
            )
        except (TypeError, IndexError):
            return False

    def record(
        self, states: dict[str, os.stat_result], contents: dict[str, bytes]
    ) -> dict[str, bytes]:
        """The stamp of the products about to be published — their temporaries' states (a
        rename keeps size and mtime) and the sha256 of their ``contents`` — as a file that
        joins their set."""
        data = {
            "digest": self.digest,
            "products": {
                name: [st.st_size, st.st_mtime_ns, hashlib.sha256(contents[name]).hexdigest()]
                for name, st in states.items()
            },
        }
        return {STAMP_NAME: (json.dumps(data, indent=1) + "\n").encode("utf-8")}
