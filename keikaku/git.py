"""The one way the build runs git: the document date (``dates``), the Word edition's
revision (``pipeline.content_revision``) and the 新旧対照表's revisions (``shinkyu/revisions.py``).

Standard library only: the no-op check imports it (through ``dates``) and must stay cheap.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .limits import GIT_TIMEOUT


def run_git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes] | None:
    """``git -C folder args…``, its output kept as bytes (never a terminal prompt, at most
    ``limits.GIT_TIMEOUT`` seconds); ``None`` when git cannot be run at all (not
    installed, or it did not answer in time). A git error is a non-zero return code."""
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args],
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


def git_output(folder: Path, *args: str) -> str:
    """What ``git -C folder args…`` prints, stripped; "" if it fails or cannot run."""
    done = run_git(folder, *args)
    if done is None or done.returncode:
        return ""
    return done.stdout.decode("utf-8", "replace").strip()
