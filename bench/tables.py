"""``python -m bench.tables``: how a table's layout grows within the table limits.

The real plan with one table added at the end of 第４章 (``chapter4.yaml``), built with
``bench.child`` in a process of its own for its time and peak memory, against the real
plan alone; the rounds are interleaved (each size once, then again backwards) so that a
busy neighbour slows all of them:

- rows: 125, 250, 500 and 1,000 rows (``limits.MAX_TABLE_ROWS``) of four cells of five
  characters, the last at ``MAX_TABLE_CHARS`` as well;
- long cells: 16, 32 and 66 cells of ``MAX_CELL_CHARS`` characters, two to a row, the
  last just under ``MAX_TABLE_CHARS``.

What the table adds to the build (CPU seconds less the plan alone's, best of the rounds)
is divided by the rows or cells: linear growth keeps that cost per row or cell level,
and the largest may cost at most ``MAX_UNIT_GROWTH`` times the smallest's per unit. A
cell's own cost grows with the square of its length (see ``limits``), which is why the
cell's length is limited; within the limit the count of cells and rows is what grows.
The two largest tables are the worst the limits allow: their wall time and peak memory
are printed, and written to ``output/bench-tables.json``. ``--docx`` builds the Word
edition too, as a user's ``python build.py`` does.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from keikaku import limits
from keikaku.paths import PROJECT_ROOT

MAX_UNIT_GROWTH = 1.25
PHRASE = "道路や河川の施設を計画的に点検し、修繕と更新を進める。"

#: name: (rows, cells per row, characters per cell)
SERIES = {
    "rows": [(n, 4, 5) for n in (125, 250, 500, limits.MAX_TABLE_ROWS)],
    "long cells": [(n, 2, limits.MAX_CELL_CHARS) for n in (8, 16, 33)],
}


def cell_text(row: int, column: int, chars: int) -> str:
    """A cell of exactly ``chars`` characters; short ones number their row, so no two
    rows are alike."""
    if chars < 10:
        return f"{row:0{chars - 1}}件"[-chars:]
    text = f"第{row}行{column}列。" + PHRASE * (chars // len(PHRASE) + 1)
    return text[:chars]


def table_block(rows: int, columns: int, chars: int) -> str:
    """A ``table:`` block of the body of ``chapter4.yaml`` (indented as its items), with
    no header row: every row is counted."""
    lines = ["  - table:\n"]
    for r in range(rows):
        lines.append(
            "      - [" + ", ".join(f'"{cell_text(r, c, chars)}"' for c in range(columns)) + "]\n"
        )
    lines.append("    header: 0\n    caption: 見本の表（計測用）\n")
    return "".join(lines)


def make_table_plan(content: Path, dest: Path, rows: int, columns: int, chars: int) -> Path:
    """A copy of ``content`` with the table added at the end of ``chapter4.yaml``."""
    shutil.copytree(content, dest)
    chapter = dest / "chapter4.yaml"
    text = chapter.read_text("utf-8")
    chapter.write_text(text + table_block(rows, columns, chars), "utf-8")
    return dest


def _child(content: Path, out: Path, docx: bool) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.child", str(content), str(out)]
        + ([] if docx else ["--no-docx"]),
        capture_output=True,
        text=True,
        check=True,
        cwd=PROJECT_ROOT,
    )
    return json.loads(done.stdout.splitlines()[-1])


def measure(content: Path, tmp: Path, repeat: int, docx: bool) -> dict:
    plans = {"plan alone": (content, 1)}
    for name, sizes in SERIES.items():
        for rows, columns, chars in sizes:
            key = f"{name}: {rows} × {columns} × {chars}"
            plans[key] = (
                make_table_plan(content, tmp / key.replace(" ", "_"), rows, columns, chars),
                rows * columns,
            )
    runs: dict[str, list[dict]] = {key: [] for key in plans}
    for r in range(repeat):
        for key in list(plans) if r % 2 == 0 else list(reversed(plans)):
            runs[key].append(_child(plans[key][0], tmp / f"out-{r}", docx))
            shutil.rmtree(tmp / f"out-{r}")
    base = min(run["cpu_seconds"] for run in runs["plan alone"])
    result: dict[str, dict] = {}
    for key, measured in runs.items():
        cpu = min(run["cpu_seconds"] for run in measured)
        cells = plans[key][1]
        result[key] = {
            "cpu_best": cpu,
            "wall_best": min(run["seconds"] for run in measured),
            "peak_rss_bytes": max(run["peak_rss_bytes"] for run in measured),
            "pages": measured[0]["pages"],
            "added_cpu": cpu - base,
            "added_ms_per_cell": 1000 * (cpu - base) / cells if key != "plan alone" else 0.0,
        }
    return result


def targets(result: dict) -> list[dict]:
    found = []
    for name, sizes in SERIES.items():
        keys = [f"{name}: {rows} × {columns} × {chars}" for rows, columns, chars in sizes]
        small, big = result[keys[0]], result[keys[-1]]
        growth = big["added_ms_per_cell"] / max(small["added_ms_per_cell"], 1e-9)
        found.append(
            {
                "target": f"{name}: cost per cell at the largest ≤ {MAX_UNIT_GROWTH} × at the "
                "smallest (linear growth)",
                "value": f"{growth:.2f} ({small['added_ms_per_cell']:.1f} → "
                f"{big['added_ms_per_cell']:.1f} ms a cell)",
                "pass": growth <= MAX_UNIT_GROWTH,
            }
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.tables", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content")
    parser.add_argument("--repeat", type=int, default=2, help="rounds (default 2)")
    parser.add_argument("--docx", action="store_true", help="build the Word edition too")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "output" / "bench-tables.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="keikaku-bench-tables-") as tmp:
        result = measure(args.content, Path(tmp), args.repeat, args.docx)
    print(
        f"{'plan':<36} {'CPU s':>7} {'wall s':>7} {'added s':>8} {'ms/cell':>8} {'peak MB':>8} pages"
    )
    for key, r in result.items():
        print(
            f"{key:<36} {r['cpu_best']:7.2f} {r['wall_best']:7.2f} {r['added_cpu']:8.2f} "
            f"{r['added_ms_per_cell']:8.1f} {r['peak_rss_bytes'] / limits.MB:8.0f} {r['pages']}"
        )
    found = targets(result)
    print()
    for t in found:
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {"docx": args.docx, "repeat": args.repeat, "result": result, "targets": found},
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwrote {args.json}")
    return 1 if args.strict and not all(t["pass"] for t in found) else 0


if __name__ == "__main__":
    sys.exit(main())
