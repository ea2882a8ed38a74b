"""``python -m bench``: how fast the build is, against plain WeasyPrint and against itself.

Measured in one run, each several times with the measurements interleaved (round 1 of
everything, then round 2 backwards …) so that a noisy neighbour slows all of them rather
than one:

- full build (``cli.build`` into a fresh directory) and plain WeasyPrint laying out the
  same ``plan.html`` with the same options (``write.PDF_OPTIONS``): the pipeline's overhead;
- ``check`` (load + validate), an HTML-only build (load + render), and a rebuild with
  nothing changed, both in process and as the command an editor runs (``python build.py``);
- a synthetic plan ``--scale`` times the size of the real one (``bench.synthetic``),
  each size built in its own process (``bench.child``) for its time and peak memory;
- with ``--against REV``: the project as it was at git revision REV (code and content,
  exported with ``git archive``) and as it is now, each building its own plan with
  ``python build.py --force`` in its own process, the two interleaved round by round:
  whether a change made the real plan's build slower.

Every measurement records wall time and CPU time (this process's plus its children's).
Machines are shared: a busy neighbour stretches wall time most and CPU time less (shared
caches, a virtual machine's stolen time), so ratios come from CPU time. The overhead is
judged on the median of each round's ratio of full build to plain WeasyPrint, run side by
side, with the ratio of the best runs shown beside it; the scaling factor uses the best
runs; the no-op target, being what an editor waits for, uses wall time. Prints a table and
PASS/FAIL lines and writes everything to ``output/bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import weasyprint

from keikaku.cli import build, validate
from keikaku.dates import document_date
from keikaku.load import load_plan
from keikaku.paths import PROJECT_ROOT
from keikaku.render import Renderer
from keikaku.write import PDF_OPTIONS, stylesheet_href

from .synthetic import make_synthetic

NOTHING_CHANGED = "nothing changed"
GIB = 1024 ** 3

# Targets from issue #6.
MAX_OVERHEAD = 0.10
MAX_NOOP_SECONDS = 0.3
MAX_SCALE_TIME_FACTOR = 1.0  # k times the content in at most k times the time
MAX_PEAK_BYTES = 1 * GIB
# Against an earlier revision: the build may not get slower (CPU, median of paired runs),
# with a margin for the noise of a shared machine.
MAX_SLOWDOWN = 0.05


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
        build(self.content, self.tmp / f"full-{r}", report=_quiet, warn=_quiet)

    def plain_weasyprint(self, r: int) -> None:
        weasyprint.HTML(filename=self.ref / "plan.html",
                        base_url=self.ref.resolve().as_uri() + "/").write_pdf(
            self.tmp / f"plain-{r}.pdf", **PDF_OPTIONS)

    def check(self, _r: int) -> None:
        # What ``build.py check`` does: load, validate and lint.
        validate(load_plan(self.content), self.content, final=False, report=_quiet)

    def html_only(self, _r: int) -> None:
        Renderer().render(load_plan(self.content), stylesheet_href(self.ref),
                          document_date(self.content))

    def noop_in_process(self, _r: int) -> None:
        lines: list[str] = []
        build(self.content, self.ref, report=lines.append, warn=_quiet)
        self.noop_ok["in process"] = self.noop_ok.get("in process", True) and any(
            NOTHING_CHANGED in line for line in lines)

    def noop_command(self, _r: int) -> None:
        done = subprocess.run(
            [sys.executable, str(PROJECT_ROOT / "build.py"),
             "--content", str(self.content), "--out", str(self.ref)],
            capture_output=True, text=True, check=True)
        self.noop_ok["command"] = self.noop_ok.get("command", True) and NOTHING_CHANGED in done.stdout

    def run(self, repeat: int) -> dict[str, dict]:
        build(self.content, self.ref, report=_quiet, warn=_quiet)  # warm-up, and the reference plan.html
        plan = {
            "full build (cli.build)": self.full_build,
            "plain WeasyPrint, same plan.html": self.plain_weasyprint,
            "check (load + validate)": self.check,
            "HTML only (load + render)": self.html_only,
            "no-op rebuild, in process": self.noop_in_process,
            "no-op rebuild, python build.py": self.noop_command,
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in plan}
        for r in range(repeat):
            # Every other round runs backwards, so a machine slowly getting busier or
            # quieter does not always favour the measurement that runs first.
            for name in (list(plan) if r % 2 == 0 else list(reversed(plan))):
                runs[name].append(_timed(lambda fn=plan[name], r=r: fn(r)))
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
                    [sys.executable, "-m", "bench.child", str(content),
                     str(self.tmp / f"scale-x{size}-{r}")],
                    capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
                results[size].append(json.loads(done.stdout.splitlines()[-1]))
        return {f"x{size}": {**_both([(run["seconds"], run["cpu_seconds"]) for run in runs]),
                             "peak_rss_bytes": max(run["peak_rss_bytes"] for run in runs),
                             "pages": runs[0]["pages"]}
                for size, runs in results.items()}


def _export(rev: str, into: Path) -> Path:
    """The project's tree at ``rev``, written under ``into`` (nothing is checked out)."""
    import io
    import tarfile

    data = subprocess.run(["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", rev],
                          capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def against(rev: str, tmp: Path, repeat: int) -> dict:
    """Full builds of the plan by the project at ``rev`` and now, in processes of their own,
    interleaved (old, new; then new, old …). Each side builds its own revision's content."""
    old_tree = _export(rev, tmp / "old-tree")
    sides = {f"full build at {rev} (python build.py)": old_tree,
             "full build now (python build.py)": PROJECT_ROOT}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in sides}
    pages: dict[str, int] = {}
    for r in range(repeat):
        order = list(sides.items()) if r % 2 == 0 else list(reversed(sides.items()))
        for name, tree in order:
            out = tmp / f"against-{r}-{'old' if tree == old_tree else 'new'}"
            command = [sys.executable, "build.py", "--force", "--content", str(tree / "content"),
                       "--out", str(out)]
            runs[name].append(_timed(lambda tree=tree, command=command: subprocess.run(
                command, cwd=tree, check=True, capture_output=True,
                env={**os.environ, "PYTHONPATH": str(tree)})))
            import pypdf

            pages[name] = len(pypdf.PdfReader(out / "plan.pdf").pages)
    return {name: {**_both(r), "pages": pages[name]} for name, r in runs.items()}


def _targets(m: dict, scale: dict, k: int, noop_ok: dict[str, bool],
             before: dict | None = None) -> list[dict]:
    full, plain = m["full build (cli.build)"], m["plain WeasyPrint, same plan.html"]
    # Two estimates: the ratio of the best runs, and the median of the ratios of the runs
    # made side by side in each round (robust when a busy spell spoils whole runs). The
    # target is judged on the median; both are shown.
    best_overhead = full["cpu"]["best"] / plain["cpu"]["best"] - 1
    overhead = statistics.median(
        f / p for f, p in zip(full["cpu"]["runs"], plain["cpu"]["runs"], strict=True)) - 1
    own = m["HTML only (load + render)"]["cpu"]["best"] / plain["cpu"]["best"]
    targets = [
        {"target": f"pipeline overhead over plain WeasyPrint <= {MAX_OVERHEAD:.0%}",
         "value": f"{overhead:+.1%} CPU, median of paired runs (best runs: {best_overhead:+.1%},"
                  f" {full['cpu']['best']:.2f} s vs {plain['cpu']['best']:.2f} s;"
                  f" load + render alone: {own:.1%})",
         "pass": overhead <= MAX_OVERHEAD},
    ]
    for how, name in (("python build.py", "no-op rebuild, python build.py"),
                      ("in process", "no-op rebuild, in process")):
        best = m[name]["wall"]["best"]
        skipped = noop_ok.get("command" if how == "python build.py" else "in process", False)
        targets.append({
            "target": f"no-op rebuild ({how}) < {MAX_NOOP_SECONDS} s",
            "value": f"{best:.3f} s wall" + ("" if skipped else " (did NOT skip: rebuilt)"),
            "pass": skipped and best < MAX_NOOP_SECONDS})
    if scale:
        small, big = scale["x1"], scale[f"x{k}"]
        factor = big["cpu"]["best"] / small["cpu"]["best"]
        wall_factor = big["wall"]["best"] / small["wall"]["best"]
        targets.append({
            "target": f"{k}x content in at most {k}x the time",
            "value": f"{factor:.2f}x the CPU time (wall {wall_factor:.2f}x) for "
                     f"{big['pages'] / small['pages']:.2f}x the pages",
            "pass": factor <= k * MAX_SCALE_TIME_FACTOR})
        targets.append({
            "target": f"{k}x content under {MAX_PEAK_BYTES / GIB:.0f} GiB peak memory (RSS)",
            "value": f"{big['peak_rss_bytes'] / 2**20:.0f} MiB (x1: {small['peak_rss_bytes'] / 2**20:.0f} MiB)",
            "pass": big["peak_rss_bytes"] < MAX_PEAK_BYTES})
    if before:
        targets.append(_before_target(before))
    return targets


def _before_target(before: dict) -> dict:
    """Whether the build got slower than at an earlier revision (``--against``)."""
    (old_name, old), (_new_name, new) = before.items()
    ratio = statistics.median(
        n / o for n, o in zip(new["cpu"]["runs"], old["cpu"]["runs"], strict=True)) - 1
    rev = old_name.split(" at ", 1)[1].split(" (")[0]
    return {
        "target": f"the real plan builds no slower than at {rev} (<= {MAX_SLOWDOWN:+.0%} CPU)",
        "value": f"{ratio:+.1%} CPU, median of paired runs (best: {new['cpu']['best']:.2f} s now vs "
                 f"{old['cpu']['best']:.2f} s; {new['pages']} vs {old['pages']} pages)",
        "pass": ratio <= MAX_SLOWDOWN}


def _table(m: dict, scale: dict, before: dict | None = None) -> str:
    def row(name: str, s: dict) -> tuple[str, ...]:
        return (name, f"{s['wall']['best']:.3f} s", f"{s['wall']['median']:.3f} s",
                f"{s['cpu']['best']:.3f} s", str(len(s["wall"]["runs"])))

    rows = [("measurement", "wall best", "wall median", "CPU best", "runs")]
    rows += [row(name, s) for name, s in m.items()]
    rows += [row(f"full build {name} in own process ({s['pages']} pages, "
                 f"peak RSS {s['peak_rss_bytes'] / 2**20:.0f} MiB)", s)
             for name, s in scale.items()]
    rows += [row(f"{name} ({s['pages']} pages)", s) for name, s in (before or {}).items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(r, widths, strict=True)))
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument("--scale", type=int, default=10,
                        help="size of the synthetic plan, times the real one (default 10; 0 skips)")
    parser.add_argument("--scale-repeat", type=int, default=2,
                        help="runs of the big plan in the scaling test (default 2; "
                             "the real plan runs --repeat times)")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "output" / "bench.json")
    parser.add_argument("--against", metavar="REV",
                        help="also compare full builds of the project at git revision REV and now, "
                             "interleaved (e.g. a commit before a change)")
    parser.add_argument("--only-against", action="store_true",
                        help="with --against: measure only that comparison")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="keikaku-bench-") as tmp:
        bench = Bench(args.content, Path(tmp))
        before = against(args.against, Path(tmp), args.repeat) if args.against else None
        if args.only_against and before:
            measurements, scale, noop_ok = {}, {}, {}
        else:
            measurements = bench.run(args.repeat)
            scale = bench.scaling(args.scale, args.repeat, args.scale_repeat) if args.scale > 1 else {}
            noop_ok = bench.noop_ok
    targets = (_targets(measurements, scale, args.scale, noop_ok, before) if measurements
               else [_before_target(before)] if before else [])

    print(_table(measurements, scale, before))
    print()
    for t in targets:
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")

    report = {
        "environment": {"python": platform.python_version(), "weasyprint": version("weasyprint"),
                        "machine": platform.machine(), "system": platform.system()},
        "repeat": args.repeat, "measurements": measurements, "scaling": scale, "against": before,
        "targets": targets,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.json}")
    return 1 if args.strict and not all(t["pass"] for t in targets) else 0


if __name__ == "__main__":
    sys.exit(main())
