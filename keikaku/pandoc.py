"""Pandoc, as the project pins it: the binary inside the ``pypandoc-binary`` wheel.

The Word edition (``docx/``), the フォローアップ's (``followup_docx.py``) and the reading of
reviewed copies (``iken/``) all run this one binary, never a ``pandoc`` found on
PATH: its version is pinned in requirements.lock like every other dependency
(pypandoc-binary 1.17 bundles pandoc 3.9), and it enters the build stamp (``identity``),
so a different pandoc rebuilds. Pandoc 3 writes docx in sandbox mode too, so every run
is sandboxed: pandoc reads only the files named on its command line and its standard
input, and writes only its output.

Each run happens in an empty temporary folder with an empty home (no user data files).
``start`` runs pandoc in the background (the build lays the PDF out meanwhile) and
``run`` waits for it. This module imports only the standard library: the stamp of a
no-op rebuild uses ``identity`` and must stay cheap.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import subprocess
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .errors import BuildError, Pos, Problem
from .limits import PANDOC_TIMEOUT

__all__ = [
    "DISTRIBUTION",
    "PandocFailed",
    "PandocMissing",
    "Running",
    "executable",
    "identity",
    "run",
    "start",
]

#: The distribution that carries the binary (its module is ``pypandoc``).
DISTRIBUTION = "pypandoc-binary"


class PandocMissing(BuildError):
    """The pinned pandoc is not installed (``pip install -r requirements.lock``)."""


class PandocFailed(BuildError):
    """pandoc exited with an error: its last line of standard error in ``message``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(
            Problem(
                Pos("pandoc"),
                f"pandoc が失敗しました（終了コード {code}）: {message} (pandoc failed)",
            )
        )
        self.code = code
        self.message = message


def executable() -> Path | None:
    """The wheel's pandoc binary, or None if the wheel is not installed. The module is
    located, not imported (pypandoc's own import is of no use here)."""
    spec = importlib.util.find_spec("pypandoc")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        exe = Path(folder, "files", "pandoc")
        if exe.is_file() and os.access(exe, os.X_OK):
            return exe
    return None


def identity() -> list[str]:
    """What names this pandoc in the build stamp: the wheel's version and the binary's
    path, size and modification time (a stat, no process: a no-op rebuild stays cheap).
    Another version of the wheel, or another binary in its place, changes it."""
    try:
        dist = version(DISTRIBUTION)
    except PackageNotFoundError:
        dist = "not installed"
    exe = executable()
    if exe is None:
        return [dist, "no binary"]
    st = exe.stat()
    return [dist, str(exe), str(st.st_size), str(st.st_mtime_ns)]


def _missing() -> PandocMissing:
    return PandocMissing(
        Problem(
            Pos("pandoc"),
            "pandoc（pypandoc-binary）がありません。.venv/bin/python -m pip install -r "
            "requirements.lock で入れてください。 (pandoc is not installed: pypandoc-binary)",
        )
    )


class Running:
    """One pandoc process started by ``start``, in its own temporary folder. ``result``
    waits for it and returns its output; leaving the ``with`` block (a failure elsewhere
    in the build, an interrupt) stops it and removes the folder."""

    def __init__(
        self,
        args: list[str],
        data: bytes,
        *,
        env: dict[str, str] | None,
        timeout: float,
        output: str | None,
        files_in: dict[str, bytes] | None,
    ) -> None:
        exe = executable()
        if exe is None:
            raise _missing()
        self.timeout = timeout
        self.output = output
        self._tmp = tempfile.TemporaryDirectory(prefix="keikaku-pandoc-")
        tmp = self._tmp.name
        try:
            for name, body in (files_in or {}).items():
                Path(tmp, name).write_bytes(body)
            # The input is a file of the folder, not a pipe: pandoc reads it while the
            # build goes on, without a thread to feed it.
            Path(tmp, ".stdin").write_bytes(data)
            self._stdin = open(Path(tmp, ".stdin"), "rb")  # noqa: SIM115 (closed in close())
            self._stdout = open(Path(tmp, ".stdout"), "w+b")  # noqa: SIM115
            self._stderr = open(Path(tmp, ".stderr"), "w+b")  # noqa: SIM115
            run_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": tmp,
                "LANG": "C.UTF-8",
                "XDG_DATA_HOME": tmp,
                **(env or {}),
            }
            self.started = time.monotonic()
            try:
                self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
                    [str(exe), "--sandbox", *args],
                    stdin=self._stdin,
                    stdout=self._stdout,
                    stderr=self._stderr,
                    cwd=tmp,
                    env=run_env,
                )
            except OSError as exc:
                raise BuildError(
                    Problem(
                        Pos("pandoc"),
                        f"pandoc を実行できません（{exc.strerror}）。 (cannot run pandoc)",
                    )
                ) from None
        except BaseException:
            self.close()
            raise

    def result(self) -> bytes:
        """pandoc's output, once it has finished (within ``timeout`` of its start).
        Raises ``BuildError`` (``PandocFailed`` for an error pandoc reports)."""
        proc = self._proc
        assert proc is not None, "pandoc's result was already taken"
        left = self.timeout - (time.monotonic() - self.started)
        try:
            code = proc.wait(timeout=max(left, 0.0))
        except subprocess.TimeoutExpired:
            self.close()
            raise BuildError(
                Problem(
                    Pos("pandoc"),
                    f"pandoc が {self.timeout:.0f} 秒で終わりませんでした。 (pandoc timed out)",
                )
            ) from None
        try:
            if code != 0:
                self._stderr.seek(0)
                message = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
                raise PandocFailed(code, message[-1] if message else "")
            if self.output is not None:
                return Path(self._tmp.name, self.output).read_bytes()
            self._stdout.seek(0)
            return self._stdout.read()
        finally:
            self.close()

    def close(self) -> None:
        """Stop pandoc if it still runs, and remove its folder."""
        proc, self._proc = getattr(self, "_proc", None), None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        for name in ("_stdin", "_stdout", "_stderr"):
            handle = getattr(self, name, None)
            if handle is not None:
                handle.close()
        with contextlib.suppress(OSError):
            self._tmp.cleanup()

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(
    args: list[str],
    data: bytes,
    *,
    env: dict[str, str] | None = None,
    timeout: float = PANDOC_TIMEOUT,
    output: str | None = None,
    files_in: dict[str, bytes] | None = None,
) -> Running:
    """Start pandoc on ``data`` (its standard input) and return at once; ``files_in`` are
    written into its folder first, and ``output`` names the file whose bytes
    ``Running.result`` returns (else its standard output). Raises ``BuildError``."""
    return Running(args, data, env=env, timeout=timeout, output=output, files_in=files_in)


def run(
    args: list[str],
    data: bytes,
    *,
    env: dict[str, str] | None = None,
    timeout: float = PANDOC_TIMEOUT,
    output: str | None = None,
    files_in: dict[str, bytes] | None = None,
) -> bytes:
    """``start`` and wait: pandoc's output. Raises ``BuildError``."""
    with start(args, data, env=env, timeout=timeout, output=output, files_in=files_in) as job:
        return job.result()
