"""``python -m bench``: how fast the build is, against plain WeasyPrint and against itself.

Measured in one run, each several times with the measurements interleaved (round 1 of
everything, then round 2 backwards …) so that a noisy neighbour slows all of them rather
than one:

- full build (``cli.build`` into a fresh directory, the PDF's pipeline: no Word edition)
  and plain WeasyPrint laying out the same ``plan.html`` with the same options
  (``write.PDF_OPTIONS``), in this process: the pipeline's overhead;
- the same as a user times it, each in a process of its own: ``python build.py --force
  --no-docx`` against plain WeasyPrint (``bench.plain``) on the same plan.html, and
  ``python build.py --force`` (with the Word edition, which pandoc writes on the other
  core while the PDF is laid out): what the Word edition adds to the wall time;
- ``check`` (load + validate), an HTML-only build (load + render), and a rebuild with
  nothing changed, both in process and as the command an editor runs (``python build.py``);
- the live preview (``--preview N``): ``build.py watch`` on a copy of the content, N saves
  of one chapter, each timed from the save to the new HTML served (``/__status``, then
  ``/plan.html``) and to the new PDF served (``/plan.pdf``), half of them while the PDF of
  the save before is being built;
- a synthetic plan ``--scale`` times the size of the real one (``bench.synthetic``),
  each size built in its own process (``bench.child``) for its time and peak memory;
- Typst typesetting the same text (``bench.typst_ref``: plan.html converted by the pinned
  pandoc), in a process of its own beside the others when the ``typst`` package is
  installed (requirements-dev.lock): a reference line, how far the engine is from the
  fastest peer, not a target;
- with ``--ingredients``: plain WeasyPrint with the build's ingredients added one at a
  time (the HTML as a string, the sandboxed fetcher, the attachments, the pipeline's
  stages), in process and as processes: what the overhead is made of;
- with ``--against REV``: the project as it was at git revision REV (code and content,
  exported with ``git archive``) and as it is now, each building its own plan with
  ``python build.py --force`` in its own process, the two interleaved round by round:
  whether a change made the real plan's build slower.

Every measurement records wall time and CPU time (this process's plus its children's).
Machines are shared: a busy neighbour stretches wall time most and CPU time less (shared
caches, a virtual machine's stolen time), so ratios come from CPU time. An overhead is
judged on the median of each round's ratio of build to plain WeasyPrint, run side by side,
with the ratio of each side's fastest run shown beside it (on a busy machine the fastest
runs are the least disturbed); the scaling factor uses the best runs; the no-op and
preview targets, being what an editor waits for, use wall time. Prints a table and
PASS/FAIL lines and writes everything to ``output/bench.json``.

How a table's layout grows within the table limits is ``python -m bench.tables``.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import weasyprint

from keikaku.cli import build, validate
from keikaku.dates import document_date
from keikaku.load import load_plan
from keikaku.paths import PROJECT_ROOT, STYLES_DIR, TEMPLATES_DIR
from keikaku.render import Renderer
from keikaku.write import PDF_OPTIONS, SandboxedFetcher, on_roomy_stack, stylesheet_href

from .synthetic import make_synthetic

NOTHING_CHANGED = "nothing changed"
GIB = 1024**3

# Targets from issue #6.
MAX_OVERHEAD = 0.10
MAX_PREVIEW_SECONDS = 1.0  # save to updated HTML preview, median
MAX_NOOP_SECONDS = 0.3
MAX_SCALE_TIME_FACTOR = 1.0  # k times the content in at most k times the time
MAX_PEAK_BYTES = 1 * GIB
# Against an earlier revision: the build may not get slower (CPU, median of paired runs),
# with a margin for the noise of a shared machine.
MAX_SLOWDOWN = 0.05
# The Word edition is written by pandoc on the other core while the PDF is laid out: it
# may add at most this much to the wall time of ``build.py --force`` (median of pairs).
MAX_DOCX_WALL = 0.05
# Targets from issue #19: the default build (plan.docx included) against plain WeasyPrint
# laying out the same plan.html, wall time on the same machine (median of pairs); the
# preview's PDF after a save of one chapter (median of the saves).
MAX_DEFAULT_WALL_RATIO = 0.75
MAX_PREVIEW_PDF_SECONDS = 1.5
# ... and ten times the content in at most six times the real plan's wall time (which
# needs the chapters laid out side by side on every core).
MAX_SCALE_WALL_FACTOR = 0.6


def _quiet(_line: str) -> None:
    pass


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), _cpu()
    fn()
    return time.perf_counter() - wall, _cpu() - cpu


def _stats(runs: list[float]) -> dict:
    return {"runs": runs, "best": min(runs), "median": statistics.median(runs)}


def _both(runs: list[tuple[float, float]]) -> dict:
    return {"wall": _stats([w for w, _ in runs]), "cpu": _stats([c for _, c in runs])}


class Bench:
    def __init__(self, content: Path, tmp: Path) -> None:
        self.content = content
        self.tmp = tmp
        self.ref = tmp / "ref"  # built once; its plan.html is what plain WeasyPrint lays out
        self.noop_ok: dict[str, bool] = {}

    # ------------------------------------------------------------ the measurements

    def full_build(self, r: int) -> None:
        # A fresh directory every time: nothing to skip, the whole pipeline runs.
        # The PDF's pipeline: the Word edition is another product, not overhead on the PDF.
        build(self.content, self.tmp / f"full-{r}", report=_quiet, warn=_quiet, docx=False)

    def plain_weasyprint(self, r: int) -> None:
        weasyprint.HTML(
            filename=self.ref / "plan.html", base_url=self.ref.resolve().as_uri() + "/"
        ).write_pdf(self.tmp / f"plain-{r}.pdf", **PDF_OPTIONS)

    def plain_roomy(self, r: int) -> None:
        """Plain WeasyPrint on the build's roomy frame stack (``write.on_roomy_stack``): what
        the pipeline costs beside WeasyPrint given the same fix of CPython's frame stack."""
        document = weasyprint.HTML(
            filename=self.ref / "plan.html", base_url=self.ref.resolve().as_uri() + "/"
        )
        target = self.tmp / f"plain-roomy-{r}.pdf"
        on_roomy_stack(lambda: document.write_pdf(target, **PDF_OPTIONS))

    def check(self, _r: int) -> None:
        # What ``build.py check`` does: load, validate and lint.
        validate(load_plan(self.content), self.content, final=False, report=_quiet)

    def html_only(self, _r: int) -> None:
        Renderer().render(
            load_plan(self.content), stylesheet_href(self.ref), document_date(self.content)
        )

    def noop_in_process(self, _r: int) -> None:
        lines: list[str] = []
        build(self.content, self.ref, report=lines.append, warn=_quiet)
        self.noop_ok["in process"] = self.noop_ok.get("in process", True) and any(
            NOTHING_CHANGED in line for line in lines
        )

    def noop_command(self, _r: int) -> None:
        done = subprocess.run(
            [
                sys.executable,
                str(PROJECT_ROOT / "build.py"),
                "--content",
                str(self.content),
                "--out",
                str(self.ref),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        self.noop_ok["command"] = (
            self.noop_ok.get("command", True) and NOTHING_CHANGED in done.stdout
        )

    def prepare(self) -> None:
        """A warm-up, and the reference plan.html (and data) plain WeasyPrint lays out."""
        build(self.content, self.ref, report=_quiet, warn=_quiet)

    def run(self, repeat: int) -> dict[str, dict]:
        plan = {
            "full build (cli.build)": self.full_build,
            "plain WeasyPrint, same plan.html": self.plain_weasyprint,
            PLAIN_ROOMY: self.plain_roomy,
            "check (load + validate)": self.check,
            "HTML only (load + render)": self.html_only,
            "no-op rebuild, in process": self.noop_in_process,
            "no-op rebuild, python build.py": self.noop_command,
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in plan}
        for r in range(repeat):
            # Every other round runs backwards, so a machine slowly getting busier or
            # quieter does not always favour the measurement that runs first.
            for name in list(plan) if r % 2 == 0 else list(reversed(plan)):
                runs[name].append(_timed(functools.partial(plan[name], r)))
        return {name: _both(values) for name, values in runs.items()}

    def scaling(self, k: int, repeat_small: int, repeat_big: int) -> dict[str, dict]:
        sizes = {1: self.content, k: make_synthetic(self.content, self.tmp / f"content-x{k}", k)}
        # The real plan is cheap to build, and the factor depends on its time as much as on
        # the big plan's, so it runs more often.
        repeats = {1: repeat_small, k: repeat_big}
        results: dict[int, list[dict]] = {size: [] for size in sizes}
        for r in range(max(repeats.values())):
            for size, content in sizes.items():
                if r >= repeats[size]:
                    continue
                done = subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "bench.child",
                        str(content),
                        str(self.tmp / f"scale-x{size}-{r}"),
                    ],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=PROJECT_ROOT,
                )
                results[size].append(json.loads(done.stdout.splitlines()[-1]))
        return {
            f"x{size}": {
                **_both([(run["seconds"], run["cpu_seconds"]) for run in runs]),
                "peak_rss_bytes": max(run["peak_rss_bytes"] for run in runs),
                "pages": runs[0]["pages"],
            }
            for size, runs in results.items()
        }

    # ------------------------------------------------------------ as processes

    def _command(self, argv: list[str]) -> None:
        subprocess.run(argv, cwd=PROJECT_ROOT, check=True, capture_output=True)

    def _plain_process(self, r: int, *options: str) -> None:
        self._command(
            [
                sys.executable,
                "-m",
                "bench.plain",
                str(self.ref / "plan.html"),
                str(self.tmp / f"plain-process-{r}.pdf"),
                *options,
            ]
        )

    def _build_process(self, *options: str) -> None:
        self._command(
            [
                sys.executable,
                str(PROJECT_ROOT / "build.py"),
                "--force",
                *options,
                "--content",
                str(self.content),
                "--out",
                str(self.tmp / "process-out"),
            ]
        )

    def processes(self, repeat: int, ingredients: bool = False) -> dict[str, dict]:
        """Whole processes, as a user times them, interleaved: the build (``python build.py
        --force --no-docx``, and with the Word edition for information) and plain WeasyPrint
        in a process of its own on the same plan.html with the same options; with
        ``ingredients``, plain WeasyPrint with the build's ingredients added."""
        plan: dict[str, Callable[[int], None]] = {
            PROCESS_PLAIN: self._plain_process,
            PROCESS_BUILD: lambda _r: self._build_process("--no-docx"),
            PROCESS_ROOMY: functools.partial(self._plain_process_with, ["--roomy"]),
            PROCESS_DOCX: lambda _r: self._build_process(),
        }
        if _has_typst():
            plan[PROCESS_TYPST] = self._typst_process
        if ingredients:
            content = str(self.content)
            added = ["--string", "--fetcher", content, "--attach", str(self.ref)]
            plan.update(
                {
                    "plain process + string + fetcher + attachments": functools.partial(
                        self._plain_process_with, added
                    ),
                    "plain process + all that + roomy stack": functools.partial(
                        self._plain_process_with, [*added, "--roomy"]
                    ),
                    "plain process + all that + load, validate, render": functools.partial(
                        self._plain_process_with, [*added, "--roomy", "--pipeline", content]
                    ),
                }
            )
        return _rounds(plan, repeat)

    def _typst_process(self, r: int) -> None:
        argv = [sys.executable, "-m", "bench.typst_ref", str(self.ref / "plan.html")]
        self._command([*argv, str(self.tmp / f"typst-{r}.pdf")])

    def _plain_process_with(self, options: list[str], r: int) -> None:
        self._plain_process(r, *options)

    # ------------------------------------------------------------ one ingredient at a time

    def _plain_with(
        self,
        r: int,
        *,
        string: bool = False,
        fetcher: bool = False,
        attach: bool = False,
        roomy: bool = False,
    ) -> None:
        source: dict[str, object] = (
            {"string": (self.ref / "plan.html").read_text("utf-8")}
            if string
            else {"filename": self.ref / "plan.html"}
        )
        if fetcher:
            source["url_fetcher"] = SandboxedFetcher([TEMPLATES_DIR, STYLES_DIR, self.content])
        attachments = (
            [
                weasyprint.Attachment(
                    string=(self.ref / name).read_bytes(), name=name, relationship="Data"
                )
                for name in ("plan.json", "kpi.csv")
            ]
            if attach
            else None
        )
        document = weasyprint.HTML(base_url=self.ref.resolve().as_uri() + "/", **source)

        def write() -> None:
            document.write_pdf(
                self.tmp / f"ingredient-{r}.pdf", attachments=attachments, **PDF_OPTIONS
            )

        if roomy:
            on_roomy_stack(write)
        else:
            write()

    def ingredients(self, repeat: int) -> dict[str, dict]:
        """In process: plain WeasyPrint, then with the build's ingredients added one at a
        time, then the full build; interleaved."""
        plan: dict[str, Callable[[int], None]] = {
            "plain WeasyPrint (file name)": self._plain_with,
            "+ HTML as a string": functools.partial(self._plain_with, string=True),
            "+ sandboxed fetcher": functools.partial(self._plain_with, string=True, fetcher=True),
            "+ attachments": functools.partial(
                self._plain_with, string=True, fetcher=True, attach=True
            ),
            "+ roomy stack": functools.partial(
                self._plain_with, string=True, fetcher=True, attach=True, roomy=True
            ),
            "full build (cli.build, no Word edition)": self.full_build,
        }
        return _rounds(plan, repeat)


PROCESS_BUILD = "python build.py --force --no-docx"
PROCESS_PLAIN = "plain WeasyPrint process (python -m bench.plain)"
PROCESS_DOCX = "python build.py --force (with the Word edition)"
PROCESS_ROOMY = "plain WeasyPrint process on the roomy stack (bench.plain --roomy)"
PLAIN_ROOMY = "plain WeasyPrint on the roomy stack (write.on_roomy_stack)"
PROCESS_TYPST = "Typst, same text (python -m bench.typst_ref; reference, no target)"


def _has_typst() -> bool:
    try:
        import typst  # noqa: F401
    except ImportError:
        return False
    return True


def _rounds(plan: dict[str, Callable[[int], None]], repeat: int) -> dict[str, dict]:
    """Each measurement ``repeat`` times, interleaved, every other round backwards."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in plan}
    for r in range(repeat):
        for name in list(plan) if r % 2 == 0 else list(reversed(plan)):
            runs[name].append(_timed(functools.partial(plan[name], r)))
    return {name: _both(values) for name, values in runs.items()}


# ---------------------------------------------------------------- the live preview

_KANJI_DIGITS = "〇一二三四五六七八九"


def _marked(text: str, marker: str, key: str = "title") -> tuple[str, bool]:
    """A content file with ``marker`` appended to its ``key:`` line (plan.yaml's
    ``title:``, a chapter's ``section:``) (True), or, if it has no plain such line, with a
    comment appended (False: the HTML does not change)."""
    marked, count = re.subn(
        rf"^({key}:[ \t]*[^\s\"'|>{{\[#][^#\n]*?)[ \t]*$",
        rf"\g<1>（{marker}）",
        text,
        count=1,
        flags=re.M,
    )
    return (marked, True) if count else (text + f"\n# {marker}\n", False)


def _saved_file(content: Path) -> tuple[Path, str]:
    """What the preview's saves edit: one chapter (the first file plan.yaml includes, its
    heading), or plan.yaml's title where the plan includes none."""
    plan = (content / "plan.yaml").read_text("utf-8")
    found = re.search(r"^\s*-\s*include:\s*(\S+\.yaml)\s*$", plan, re.M)
    if found and (content / found.group(1)).is_file():
        return content / found.group(1), "section"
    return content / "plan.yaml", "title"


def _pdf_text(data: bytes) -> str:
    import io

    import pypdf

    return re.sub(
        r"\s+", "", "".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    )


def _fetch(url: str, timeout: float = 30) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _status(base: str, after: int | None = None) -> dict:
    return json.loads(_fetch(base + "/__status" + ("" if after is None else f"?after={after}")))


def _until(base: str, done: Callable[[dict], bool], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    status = _status(base)
    while not done(status):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the preview did not get there in {timeout:.0f} s: {status}")
        status = _status(base, after=status["tick"])
    return status


def preview_latency(content: Path, tmp: Path, saves: int) -> dict:
    """``build.py watch`` on a copy of ``content``: ``saves`` saves of one chapter (written
    to a new file and renamed over the old one, as editors save), each timed from the save
    to the new HTML served and to the new PDF served (``/plan.pdf``, which waits for the
    build in progress; the save's mark read back from its text). Even saves wait until the
    PDF of the one before is built, odd ones come 1.5 s after it, while that PDF is being
    built."""
    copy = shutil.copytree(content, tmp / "preview-content")
    log = tmp / "preview.log"
    with open(log, "w") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                str(PROJECT_ROOT / "build.py"),
                "watch",
                "--port",
                "0",
                "--content",
                str(copy),
                "--out",
                str(tmp / "preview-out"),
            ],
            cwd=PROJECT_ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text("utf-8"))):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"build.py watch did not start: {log.read_text('utf-8')}")
            time.sleep(0.05)
        base = f"http://127.0.0.1:{found.group(1)}"
        _until(base, lambda s: s["version"] >= 1 and s["pdf"]["state"] != "building", 300)
        saved, key = _saved_file(copy)
        original = saved.read_text("utf-8")
        runs = []
        for i in range(saves):
            if i % 2 == 0:
                _until(base, lambda s: s["pdf"]["state"] != "building", 300)
            else:
                time.sleep(1.5)
            before = _status(base)
            marker = "計測" + "".join(_KANJI_DIGITS[int(d)] for d in str(i + 1))
            text, visible = _marked(original, marker, key)
            temporary = saved.with_name(f".{saved.name}.{i}.tmp")
            temporary.write_text(text, "utf-8")
            started = time.perf_counter()
            os.replace(temporary, saved)
            status = before
            while True:
                status = _status(base, after=status["tick"])
                if status["problems"]:
                    raise RuntimeError(f"the preview failed: {status['problems']}")
                if status["version"] != before["version"]:
                    html = _fetch(base + "/plan.html").decode("utf-8")
                    if marker in html or not visible:
                        break
                if time.perf_counter() - started > 60:
                    raise RuntimeError("the preview did not update in 60 s")
            html_seconds = time.perf_counter() - started
            pdf_seconds = None
            while visible:
                if marker in _pdf_text(_fetch(base + "/plan.pdf", timeout=120)):
                    pdf_seconds = time.perf_counter() - started
                    break
                if time.perf_counter() - started > 120:
                    raise RuntimeError("the preview's PDF did not update in 120 s")
                time.sleep(0.05)
            runs.append(
                {
                    "seconds": html_seconds,
                    "pdf seconds": pdf_seconds,
                    "while a PDF was being built": before["pdf"]["state"] == "building",
                }
            )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    seconds = [run["seconds"] for run in runs]
    busy = [run["seconds"] for run in runs if run["while a PDF was being built"]]
    pdf = [run["pdf seconds"] for run in runs if run["pdf seconds"] is not None]
    return {
        "runs": runs,
        "saved": saved.relative_to(copy).as_posix(),
        "median": statistics.median(seconds),
        "best": min(seconds),
        "worst": max(seconds),
        "median while a PDF was being built": statistics.median(busy) if busy else None,
        "pdf median": statistics.median(pdf) if pdf else None,
        "pdf best": min(pdf) if pdf else None,
        "pdf worst": max(pdf) if pdf else None,
    }


def _export(rev: str, into: Path) -> Path:
    """The project's tree at ``rev``, written under ``into`` (nothing is checked out)."""
    import io
    import tarfile

    data = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", rev],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def against(rev: str, tmp: Path, repeat: int) -> dict:
    """Full builds of the plan by the project at ``rev`` and now, in processes of their own,
    interleaved (old, new; then new, old …). Each side builds its own revision's content."""
    old_tree = _export(rev, tmp / "old-tree")
    sides = {
        f"full build at {rev} (python build.py)": old_tree,
        "full build now (python build.py)": PROJECT_ROOT,
    }
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    pages: dict[str, int] = {}
    for r in range(repeat):
        order = list(sides.items()) if r % 2 == 0 else list(reversed(sides.items()))
        for name, tree in order:
            out = tmp / f"against-{r}-{'old' if tree == old_tree else 'new'}"
            command = [
                sys.executable,
                "build.py",
                "--force",
                "--content",
                str(tree / "content"),
                "--out",
                str(out),
            ]
            runs[name].append(
                _timed(
                    functools.partial(
                        subprocess.run,
                        command,
                        cwd=tree,
                        check=True,
                        capture_output=True,
                        env={**os.environ, "PYTHONPATH": str(tree)},
                    )
                )
            )
            import pypdf

            pages[name] = len(pypdf.PdfReader(out / "plan.pdf").pages)
    return {name: {**_both(r), "pages": pages[name]} for name, r in runs.items()}


def _paired(build: dict, plain: dict) -> float:
    """The median of the ratios of CPU times of runs made side by side, minus one."""
    pairs = zip(build["cpu"]["runs"], plain["cpu"]["runs"], strict=True)
    return statistics.median(b / p for b, p in pairs) - 1


def _overhead_target(what: str, build: dict, plain: dict, note: str = "") -> dict:
    """Whether ``build`` costs at most ``MAX_OVERHEAD`` more CPU than ``plain``. Two estimates:
    the median of the ratios of the runs made side by side in each round (robust when a
    busy spell spoils whole rounds), which the verdict uses, and the ratio of each side's
    fastest run (the runs a busy machine disturbed least), shown beside it."""
    paired = _paired(build, plain)
    fastest = build["cpu"]["best"] / plain["cpu"]["best"] - 1
    settled = (paired <= MAX_OVERHEAD) == (fastest <= MAX_OVERHEAD)
    return {
        "target": f"{what} over plain WeasyPrint <= {MAX_OVERHEAD:.0%}",
        "value": f"{paired:+.1%} CPU, median of {len(build['cpu']['runs'])} paired runs"
        f" (fastest runs: {fastest:+.1%}, {build['cpu']['best']:.2f} s vs"
        f" {plain['cpu']['best']:.2f} s{note})"
        + ("" if settled else "; the two estimates disagree: run again on a quieter machine"),
        "paired": paired,
        "fastest": fastest,
        "pass": paired <= MAX_OVERHEAD,
    }


def _default_target(docx: dict, plain: dict, typst: dict | None) -> dict:
    """The default build, plan.docx included, as a user times it against plain WeasyPrint
    laying out the same plan.html: the median of the ratios of wall times of the runs made
    side by side; Typst on the same text beside it, for reference."""
    pairs = zip(docx["wall"]["runs"], plain["wall"]["runs"], strict=True)
    paired = statistics.median(d / p for d, p in pairs)
    note = ""
    if typst:
        note = (
            f"; Typst on the same text: {typst['wall']['best']:.2f} s,"
            f" {typst['wall']['best'] / plain['wall']['best']:.2f}x plain WeasyPrint"
        )
    return {
        "target": f"the default build ({PROCESS_DOCX}) in at most {MAX_DEFAULT_WALL_RATIO:g}x"
        f" the wall time of plain WeasyPrint on the same plan.html, {os.cpu_count()} cores",
        "value": f"{paired:.2f}x wall, median of {len(docx['wall']['runs'])} paired runs"
        f" (fastest runs: {docx['wall']['best']:.2f} s vs {plain['wall']['best']:.2f} s{note})",
        "paired": paired,
        "pass": paired <= MAX_DEFAULT_WALL_RATIO,
    }


def _docx_target(docx: dict, without: dict) -> dict:
    """What the Word edition adds to the wall time of a whole build: the median of the
    ratios of ``build.py --force`` to ``build.py --force --no-docx`` run side by side (the
    ratio of the fastest runs beside it), and its CPU time, which pandoc spends on the
    other core."""
    pairs = zip(docx["wall"]["runs"], without["wall"]["runs"], strict=True)
    paired = statistics.median(d / n for d, n in pairs) - 1
    fastest = docx["wall"]["best"] / without["wall"]["best"] - 1
    cpu = _paired(docx, without)
    return {
        "target": f"the Word edition adds at most {MAX_DOCX_WALL:.0%} to the wall time"
        f" ({PROCESS_DOCX} against {PROCESS_BUILD})",
        "value": f"{paired:+.1%} wall, median of {len(docx['wall']['runs'])} paired runs"
        f" (fastest runs: {fastest:+.1%}, {docx['wall']['best']:.2f} s vs"
        f" {without['wall']['best']:.2f} s; CPU {cpu:+.1%})",
        "paired": paired,
        "fastest": fastest,
        "pass": paired <= MAX_DOCX_WALL,
    }


def _targets(
    m: dict,
    scale: dict,
    k: int,
    noop_ok: dict[str, bool],
    before: dict | None = None,
    processes: dict | None = None,
    preview: dict | None = None,
) -> list[dict]:
    targets = []
    if m:
        full, plain = m["full build (cli.build)"], m["plain WeasyPrint, same plan.html"]
        own = m["HTML only (load + render)"]["cpu"]["best"] / plain["cpu"]["best"]
        like = _paired(full, m[PLAIN_ROOMY])
        targets.append(
            _overhead_target(
                "pipeline overhead, in process",
                full,
                plain,
                f"; load + render alone: {own:.1%}; beside plain WeasyPrint on the same"
                f" roomy stack: {like:+.1%}",
            )
        )
    if processes:
        plain = processes[PROCESS_PLAIN]
        docx = processes.get(PROCESS_DOCX)
        like = _paired(processes[PROCESS_BUILD], processes[PROCESS_ROOMY])
        note = f"; beside plain WeasyPrint on the same roomy stack: {like:+.1%}"
        if docx:
            note += f"; with the Word edition: {_paired(docx, plain):+.1%}"
        targets.append(
            _overhead_target(
                f"whole process ({PROCESS_BUILD})", processes[PROCESS_BUILD], plain, note
            )
        )
        if docx:
            targets.append(_docx_target(docx, processes[PROCESS_BUILD]))
            targets.append(_default_target(docx, plain, processes.get(PROCESS_TYPST)))
    if preview:
        busy = preview["median while a PDF was being built"]
        targets.append(
            {
                "target": f"live preview: save to new HTML served < {MAX_PREVIEW_SECONDS:g} s (median)",
                "value": f"{preview['median']:.2f} s median of {len(preview['runs'])} saves (best"
                f" {preview['best']:.2f} s, worst {preview['worst']:.2f} s"
                + (f"; while a PDF was being built: {busy:.2f} s" if busy is not None else "")
                + ")",
                "pass": preview["median"] < MAX_PREVIEW_SECONDS,
            }
        )
    if preview and preview.get("pdf median") is not None:
        targets.append(
            {
                "target": "live preview: a save of one chapter to its new PDF served"
                f" <= {MAX_PREVIEW_PDF_SECONDS:g} s (median)",
                "value": f"{preview['pdf median']:.2f} s median of {len(preview['runs'])} saves"
                f" of {preview['saved']} (best {preview['pdf best']:.2f} s,"
                f" worst {preview['pdf worst']:.2f} s)",
                "pass": preview["pdf median"] <= MAX_PREVIEW_PDF_SECONDS,
            }
        )
    for how, name in (
        ("python build.py", "no-op rebuild, python build.py"),
        ("in process", "no-op rebuild, in process"),
    ):
        if name not in m:
            continue
        best = m[name]["wall"]["best"]
        skipped = noop_ok.get("command" if how == "python build.py" else "in process", False)
        targets.append(
            {
                "target": f"no-op rebuild ({how}) < {MAX_NOOP_SECONDS} s",
                "value": f"{best:.3f} s wall" + ("" if skipped else " (did NOT skip: rebuilt)"),
                "pass": skipped and best < MAX_NOOP_SECONDS,
            }
        )
    if scale:
        small, big = scale["x1"], scale[f"x{k}"]
        factor = big["cpu"]["best"] / small["cpu"]["best"]
        wall_factor = big["wall"]["best"] / small["wall"]["best"]
        targets.append(
            {
                "target": f"{k}x content in at most {k}x the time",
                "value": f"{factor:.2f}x the CPU time (wall {wall_factor:.2f}x) for "
                f"{big['pages'] / small['pages']:.2f}x the pages",
                "pass": factor <= k * MAX_SCALE_TIME_FACTOR,
            }
        )
        targets.append(
            {
                "target": f"{k}x content in at most {k * MAX_SCALE_WALL_FACTOR:g}x the wall time",
                "value": f"{wall_factor:.2f}x the wall time ({big['wall']['best']:.1f} s against"
                f" {small['wall']['best']:.1f} s)",
                "pass": wall_factor <= k * MAX_SCALE_WALL_FACTOR,
            }
        )
        targets.append(
            {
                "target": f"{k}x content under {MAX_PEAK_BYTES / GIB:.0f} GiB peak memory (RSS)",
                "value": f"{big['peak_rss_bytes'] / 2**20:.0f} MiB (x1: {small['peak_rss_bytes'] / 2**20:.0f} MiB)",
                "pass": big["peak_rss_bytes"] < MAX_PEAK_BYTES,
            }
        )
    if before:
        targets.append(_before_target(before))
    return targets


def _ingredient_lines(parts: dict[str, dict]) -> list[str]:
    """Each ingredient's CPU beside the first measurement (plain WeasyPrint) of its group."""
    base_name, base = next(iter(parts.items()))
    lines = [f"beside {base_name}:"]
    for name, s in list(parts.items())[1:]:
        paired = (
            statistics.median(
                a / b for a, b in zip(s["cpu"]["runs"], base["cpu"]["runs"], strict=True)
            )
            - 1
        )
        lines.append(
            f"  {name}: {paired:+.1%} CPU (median of pairs), fastest runs "
            f"{s['cpu']['best'] / base['cpu']['best'] - 1:+.1%}"
        )
    return lines


def _before_target(before: dict) -> dict:
    """Whether the build got slower than at an earlier revision (``--against``)."""
    (old_name, old), (_new_name, new) = before.items()
    ratio = (
        statistics.median(
            n / o for n, o in zip(new["cpu"]["runs"], old["cpu"]["runs"], strict=True)
        )
        - 1
    )
    rev = old_name.split(" at ", 1)[1].split(" (")[0]
    return {
        "target": f"the real plan builds no slower than at {rev} (<= {MAX_SLOWDOWN:+.0%} CPU)",
        "value": f"{ratio:+.1%} CPU, median of paired runs (best: {new['cpu']['best']:.2f} s now vs "
        f"{old['cpu']['best']:.2f} s; {new['pages']} vs {old['pages']} pages)",
        "pass": ratio <= MAX_SLOWDOWN,
    }


def _table(m: dict, scale: dict, before: dict | None = None, *groups: dict) -> str:
    def row(name: str, s: dict) -> tuple[str, ...]:
        return (
            name,
            f"{s['wall']['best']:.3f} s",
            f"{s['wall']['median']:.3f} s",
            f"{s['cpu']['best']:.3f} s",
            str(len(s["wall"]["runs"])),
        )

    rows: list[tuple[str, ...]] = [("measurement", "wall best", "wall median", "CPU best", "runs")]
    rows += [row(name, s) for name, s in m.items()]
    for group in groups:
        rows += [row(name, s) for name, s in group.items()]
    rows += [
        row(
            f"full build {name} in own process ({s['pages']} pages, "
            f"peak RSS {s['peak_rss_bytes'] / 2**20:.0f} MiB)",
            s,
        )
        for name, s in scale.items()
    ]
    rows += [row(f"{name} ({s['pages']} pages)", s) for name, s in (before or {}).items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


PARTS = ("in-process", "processes", "preview", "scaling")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content")
    parser.add_argument(
        "--repeat",
        type=int,
        default=7,
        help="runs of each measurement, and pairs of each comparison (default 7)",
    )
    parser.add_argument(
        "--scale",
        type=int,
        default=10,
        help="size of the synthetic plan, times the real one (default 10; 0 skips)",
    )
    parser.add_argument(
        "--scale-repeat",
        type=int,
        default=2,
        help="runs of the big plan in the scaling test (default 2; "
        "the real plan runs --repeat times)",
    )
    parser.add_argument(
        "--preview",
        type=int,
        default=8,
        metavar="N",
        help="saves timed in the live preview (default 8; 0 skips)",
    )
    parser.add_argument(
        "--ingredients",
        action="store_true",
        help="also time plain WeasyPrint with the build's ingredients added one at a time",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=PARTS,
        metavar="PART",
        help=f"measure only these parts ({', '.join(PARTS)})",
    )
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "output" / "bench.json")
    parser.add_argument(
        "--against",
        metavar="REV",
        help="also compare full builds of the project at git revision REV and now, "
        "interleaved (e.g. a commit before a change)",
    )
    parser.add_argument(
        "--only-against", action="store_true", help="with --against: measure only that comparison"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    parts = set(args.only or PARTS)
    if args.only_against and args.against:
        parts = set()

    measurements: dict = {}
    scale: dict = {}
    processes: dict = {}
    preview: dict = {}
    ingredients: dict = {}
    noop_ok: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="keikaku-bench-") as tmp:
        bench = Bench(args.content, Path(tmp))
        before = against(args.against, Path(tmp), args.repeat) if args.against else None
        if parts & {"in-process", "processes"} or args.ingredients:
            bench.prepare()
        if "in-process" in parts:
            measurements = bench.run(args.repeat)
            noop_ok = bench.noop_ok
        if "processes" in parts or args.ingredients:
            processes = bench.processes(args.repeat, ingredients=args.ingredients)
        if args.ingredients:
            ingredients = bench.ingredients(args.repeat)
        if "preview" in parts and args.preview > 0:
            preview = preview_latency(args.content, Path(tmp), args.preview)
        if "scaling" in parts and args.scale > 1:
            scale = bench.scaling(args.scale, args.repeat, args.scale_repeat)
    targets = _targets(measurements, scale, args.scale, noop_ok, before, processes, preview)

    print(_table(measurements, scale, before, processes, ingredients))
    print()
    if ingredients:
        for group in (ingredients, {k: v for k, v in processes.items() if k != PROCESS_DOCX}):
            print("\n".join(_ingredient_lines(group)))
        print()
    for t in targets:
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")

    report = {
        "environment": {
            "python": platform.python_version(),
            "weasyprint": version("weasyprint"),
            "machine": platform.machine(),
            "system": platform.system(),
            "cpus": os.cpu_count(),
            "load average": os.getloadavg(),
        },
        "repeat": args.repeat,
        "measurements": measurements,
        "processes": processes,
        "preview": preview,
        "ingredients": ingredients,
        "scaling": scale,
        "against": before,
        "targets": targets,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 1 if args.strict and not all(t["pass"] for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
