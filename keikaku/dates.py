"""The date a build records, fixed by its inputs (reproducible builds)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from .files import walk
from .git import git_output
from .stamp import EDITIONS_DIR, document_scope


def document_date(content_dir: Path, edition: str | None = None) -> datetime:
    """The date the PDF and its attachments record as created and modified.

    Fixed by the inputs, so that building the same commit twice gives the same bytes:
    ``SOURCE_DATE_EPOCH`` if set (the reproducible-builds convention), else the time of
    the last commit touching the content, else the newest content file's mtime. The
    content is the document's own (``stamp.document_scope``): the national plan's leaves
    out ``editions/``, an ``edition``'s is the national content and its own folder, so
    that editing one edition changes no other document.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        scopes = [[".", f":(exclude){EDITIONS_DIR}"]]
        if edition is not None:
            scopes.append([f"{EDITIONS_DIR}/{edition}"])
        found = [git_output(content_dir, "log", "-1", "--format=%ct", "--", *s) for s in scopes]
        epoch = max((e for e in found if e.isdigit()), key=int, default="")
    if not epoch.isdigit():
        reads = document_scope(edition)
        mtimes = [
            e.st.st_mtime
            for e in walk(content_dir)
            if isinstance(e.st, os.stat_result) and stat.S_ISREG(e.st.st_mode) and reads(e.rel)
        ]
        epoch = str(int(max(mtimes, default=0)))
    return datetime.fromtimestamp(int(epoch), tz=UTC)
