"""The date a build records, fixed by its inputs (reproducible builds)."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from .files import walk
from .git import git_output


def document_date(content_dir: Path) -> datetime:
    """The date the PDF and its attachments record as created and modified.

    Fixed by the inputs, so that building the same commit twice gives the same bytes:
    ``SOURCE_DATE_EPOCH`` if set (the reproducible-builds convention), else the time of
    the last commit touching the content, else the newest content file's mtime.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch.isdigit():
        epoch = git_output(content_dir, "log", "-1", "--format=%ct", "--", ".")
    if not epoch.isdigit():
        mtimes = [
            e.st.st_mtime
            for e in walk(content_dir)
            if isinstance(e.st, os.stat_result) and stat.S_ISREG(e.st.st_mode)
        ]
        epoch = str(int(max(mtimes, default=0)))
    return datetime.fromtimestamp(int(epoch), tz=UTC)
