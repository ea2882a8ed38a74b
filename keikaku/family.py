"""``build.py all``: the plan (with its 概要) and every regional edition, built in parallel.

One document, one process: each is ``pipeline.build`` in a child process of its own
(``_child``), started by a pool of as many threads as the machine gives this process
cores (``cores``). The plan goes first, as it is the largest; the editions follow in
name order. Each child does what ``build.py`` / ``build.py --edition NAME`` does: it
settles its own output folder, skips itself when nothing it reads has changed (the
stamp is per document: ``stamp.document_scope``), and publishes its products as one
set (``files.publish``), under its own folder's lock. So documents never share a set,
and a document that fails leaves its folder — its previous products — as it was, and
every other document's too.

A child reports back as one JSON line on its standard output (``Result``); the parent
prints one line per document as each finishes (作成 / 変更なし / 失敗 with its first
problem), every problem at its file:line:col (each distinct line once: a fault in the
national content is every edition's too), and a count. Exit code 1 if any failed.

Ctrl-C (or SIGTERM) reaches the parent only — the children run in sessions of their own —
and the parent passes it on, once, to every child still running: each stops as a build
stops on Ctrl-C (its temporaries removed, or a set it was renaming into place
completed), and no child starts after it. A second Ctrl-C kills them; the journal of a
set cut short is completed or rolled back by the next command in that folder.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import files
from .errors import BuildError
from .paths import PROJECT_ROOT
from .pipeline import Report, _stderr

#: How long the children have to stop after Ctrl-C before they are killed.
STOP_GRACE_SECONDS = 60.0

#: The child's entry point: the project's own code first on the path, whatever the
#: working directory holds (paths in messages are shown relative to it, as by build.py).
#: Ctrl-C is set to stop it even where the parent was started with it ignored (``&``).
_BOOT = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.path.insert(0, sys.argv[1]); "
    "from keikaku.family import _child; sys.exit(_child(sys.argv[2]))"
)

# A child's status.
BUILT, UNCHANGED, FAILED, INTERRUPTED, FAULT, NOT_STARTED = (
    "built",
    "unchanged",
    "failed",
    "interrupted",
    "fault",
    "not started",
)


@dataclass(frozen=True)
class Document:
    """One document of the family: the plan (``edition`` None) or an edition."""

    edition: str | None
    out: Path

    @property
    def name(self) -> str:
        return "全国計画（本文・概要）" if self.edition is None else f"版 {self.edition}"


@dataclass
class Result:
    """What a child did: its status, the files it wrote, its problems and warnings."""

    status: str
    written: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    count: int = 0
    """How many problems (``problems`` may hold headings too: ``--final``'s counts by kind)."""
    kept: bool = True
    """False when a set of products was cut short (the next command completes it)."""
    seconds: float = 0.0
    peak_rss_bytes: int = 0


def cores() -> int:
    """The cores this process may run on (its CPU affinity, as a container or ``taskset``
    sets it), not merely those the machine has."""
    count = getattr(os, "process_cpu_count", None)  # Python 3.13
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def documents(content: Path, out: Path) -> list[Document]:
    """The plan into ``out`` and each edition into ``out/editions/NAME``, plan first."""
    from .editions import editions_of
    from .load import EDITIONS_DIR

    return [
        Document(None, out),
        *(Document(name, out / EDITIONS_DIR / name) for name in editions_of(content)),
    ]


# ---------------------------------------------------------------- the child


def _child(spec_json: str) -> int:
    """One document, in the child process: ``pipeline.build``, its outcome as a JSON line
    on standard output (the last line), what else it prints on standard error."""
    import resource

    from .pipeline import Progress, build

    spec = json.loads(spec_json)
    out = Path(spec["out"])
    warnings: list[str] = []
    lines: list[str] = []
    result = Result(FAULT)
    started = time.perf_counter()
    real_stdout = sys.stdout
    sys.stdout = sys.stderr  # only the result goes to the parent's pipe
    try:
        written = build(
            Path(spec["content"]),
            out,
            final=spec["final"],
            force=spec["force"],
            docx=spec["docx"],
            edition=spec["edition"],
            report=lines.append,
            warn=warnings.append,
            progress=Progress(enabled=False),
        )
        result = Result(BUILT if written else UNCHANGED, [files.shown_path(p) for p in written])
    except BuildError as exc:
        from .lint import FinalBlocked

        problems = (
            exc.gate.report() if isinstance(exc, FinalBlocked) else [str(p) for p in exc.problems]
        )
        if exc.note is not None:
            problems.append(str(exc.note))
        result = Result(
            FAILED, problems=problems, count=len(exc.problems), kept=getattr(exc, "kept", True)
        )
    except KeyboardInterrupt:
        result = Result(INTERRUPTED)
    except OSError as exc:
        problem = files.os_error_problem(exc, exc.filename if exc.filename is not None else out)
        result = Result(FAILED, problems=[str(problem)], count=1)
    except Exception as exc:
        if os.environ.get("KEIKAKU_DEBUG"):
            import traceback

            traceback.print_exc()
        result = Result(FAULT, problems=[f"internal error: {type(exc).__name__}: {exc}"], count=1)
    finally:
        sys.stdout = real_stdout
    result.warnings = warnings
    result.seconds = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux.
    result.peak_rss_bytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result.__dict__, ensure_ascii=False), flush=True)
    return {BUILT: 0, UNCHANGED: 0, INTERRUPTED: 130, FAULT: 2}.get(result.status, 1)


# ---------------------------------------------------------------- the parent


class _Pool:
    """The children running, so that an interrupt reaches every one and no more start."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen[str]] = set()
        self.stopped = False

    def run(self, doc: Document, spec: dict) -> Result:
        started = time.perf_counter()
        with self.lock:
            if self.stopped:
                return Result(NOT_STARTED)
            process = subprocess.Popen(
                [sys.executable, "-c", _BOOT, str(PROJECT_ROOT), json.dumps(spec)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,  # Ctrl-C reaches the parent, which passes it on once
            )
            self.running.add(process)
        try:
            stdout, stderr = process.communicate()
        finally:
            with self.lock:
                self.running.discard(process)
        result = _parse(stdout, stderr, process.returncode)
        result.seconds = time.perf_counter() - started  # as the parent waited for it
        return result

    def stop(self, sig: int = signal.SIGINT) -> None:
        with self.lock:
            self.stopped = True
            for process in self.running:
                with contextlib.suppress(OSError):  # it has just ended
                    process.send_signal(sig)


def _parse(stdout: str, stderr: str, code: int) -> Result:
    """The child's result line; a child that died without one is a fault of the build."""
    for line in reversed(stdout.splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "status" in data:
            return Result(**data)
    if code in (130, -signal.SIGINT, -signal.SIGKILL, -signal.SIGTERM):
        return Result(INTERRUPTED, kept=False)
    tail = [line for line in stderr.splitlines() if line.strip()][-1:]
    return Result(FAULT, problems=[f"internal error: exit code {code}", *tail], count=1)


#: The result lines, by status: Japanese, then English.
_SAID = {
    BUILT: ("作成しました", "built"),
    UNCHANGED: ("変更なし", "unchanged"),
    FAILED: ("失敗しました", "failed"),
    INTERRUPTED: ("中断しました", "interrupted"),
    FAULT: ("プログラムの不具合で失敗しました", "fault of the build"),
    NOT_STARTED: ("作成していません（中断のため）", "not started"),
}


def result_line(doc: Document, result: Result) -> str:
    """The one line a document's outcome prints (``bench.family`` reads the seconds)."""
    ja, en = _SAID[result.status]
    folder = files.shown_path(doc.out).rstrip("/") + "/"
    if result.status == BUILT:
        names = "、".join(Path(p).name for p in result.written)
        detail = f"{folder}（{names}）"
    elif result.status == UNCHANGED:
        detail = f"{folder} は前回のまま（--force で作り直します）"
    elif result.status in (FAILED, FAULT):
        first = result.problems[0] if result.problems else ""
        left = (
            f"{folder} はそのままです"
            if result.kept
            else f"{folder} は次の build・check・watch で整えられます"
        )
        detail = f"{first}（問題 {result.count} 件。{left}）"
    elif result.status == INTERRUPTED:
        detail = (
            f"{folder} はそのままです" if result.kept else f"{folder} は次の build で整えられます"
        )
    else:
        detail = f"{folder} はそのままです"
    timing = f" {result.seconds:.1f} s" if result.status not in (NOT_STARTED,) else ""
    return f"{ja}: {doc.name}: {detail}{timing} ({en})"


def _summary(results: list[Result]) -> str:
    counts = {status: sum(r.status == status for r in results) for status in _SAID}
    ja = f"作成 {counts[BUILT]} 件、変更なし {counts[UNCHANGED]} 件、失敗 {counts[FAILED] + counts[FAULT]} 件"
    en = (
        f"{counts[BUILT]} built, {counts[UNCHANGED]} unchanged, "
        f"{counts[FAILED] + counts[FAULT]} failed"
    )
    stopped = counts[INTERRUPTED] + counts[NOT_STARTED]
    if stopped:
        ja += f"、中断 {stopped} 件"
        en += f", {stopped} interrupted"
    return f"{len(results)} 文書: {ja}。 ({len(results)} document{'s' if len(results) != 1 else ''}: {en})"


def build_all(
    content: Path,
    out: Path,
    *,
    final: bool = False,
    force: bool = False,
    docx: bool = True,
    jobs: int | None = None,
    report: Report = print,
    warn: Report = _stderr,
) -> int:
    """Build the plan and every edition of ``content``, ``jobs`` (default: ``cores()``)
    at a time, each in a process of its own; print one line per document and a count.
    Returns the exit code: 0 when every document was built or unchanged, 1 if any
    failed, 2 if the build itself faulted, 130 when interrupted. Raises ``BuildError``
    when the content folder cannot be read at all."""
    files.check_content_root(content)
    docs = documents(content, out)
    workers = max(1, min(jobs or cores(), len(docs)))
    pool = _Pool()
    results: dict[Document, Result] = {}
    shown: set[str] = set()

    def done(doc: Document, result: Result) -> None:
        results[doc] = result
        for line in result.warnings:
            warn(f"warning: {doc.name}: {line.removeprefix('warning: ')}")
        for line in result.problems:
            if line not in shown:  # the national content's problems are every edition's too
                shown.add(line)
                warn(line)
        report(result_line(doc, result))

    def spec(doc: Document) -> dict:
        return {
            "content": str(content),
            "out": str(doc.out),
            "edition": doc.edition,
            "final": final,
            "force": force,
            "docx": docx,
        }

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _interrupt)  # stops the children as Ctrl-C does
    interrupted = False
    executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="document")
    futures: dict[concurrent.futures.Future[Result], Document] = {}
    try:
        try:
            for doc in docs:
                futures[executor.submit(pool.run, doc, spec(doc))] = doc
            for future in concurrent.futures.as_completed(futures):
                done(futures[future], future.result())
        except KeyboardInterrupt:
            interrupted = True
            pool.stop()
            _wait(futures, pool)
            for future, doc in futures.items():
                if doc not in results:
                    done(doc, future.result())
            for doc in docs:
                if doc not in results:  # interrupted before it was even queued
                    done(doc, Result(NOT_STARTED))
    except BaseException:
        pool.stop()  # a second Ctrl-C, or a fault of the build: no child is left running
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    ordered = [results[doc] for doc in docs]
    report(_summary(ordered))
    if interrupted or any(r.status in (INTERRUPTED, NOT_STARTED) for r in ordered):
        return 130
    if any(r.status == FAULT for r in ordered):
        return 2
    return 1 if any(r.status == FAILED for r in ordered) else 0


def _wait(futures: dict[concurrent.futures.Future[Result], Document], pool: _Pool) -> None:
    """After Ctrl-C: the children stop on their own within ``STOP_GRACE_SECONDS``; after
    that, or at a second Ctrl-C, they are killed."""
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while True:
        try:
            remaining = deadline - time.monotonic()
            _, pending = concurrent.futures.wait(futures, timeout=max(remaining, 0))
            if not pending:
                return
        except KeyboardInterrupt:
            pass
        pool.stop(signal.SIGKILL)
        deadline = time.monotonic() + STOP_GRACE_SECONDS


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


__all__ = ["Document", "Result", "build_all", "cores", "documents", "result_line"]
