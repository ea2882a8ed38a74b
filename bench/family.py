"""``python -m bench.family``: ``build.py all`` against the same documents one after another.

The example (``examples/regional/content``) with its two editions replaced by ten, one
per 地方ブロック (北海道 … 沖縄), each about ``--pages`` pages: its own chapter of
sections of sample text (marked 見本), a national 重点目標 and the national 第４章 by
reference, and its ＫＰＩ一覧. It is generated into a temporary folder (``make_family``),
never committed.

Each round builds the eleven documents (the plan with its 概要, and the ten editions)
twice, the order of the two alternating from round to round:

- one after another: ``python build.py --force`` and ``python build.py --force --edition
  NAME`` for each, each process timed alone — each document's time when built alone;
- ``python build.py all --force``: the wall time of the whole, and each document's time
  as the command's result lines give it (from the start of its process to its end).

CPU time and peak memory (``ru_maxrss``: the largest process, from ``os.wait4``) are
recorded for both. Targets (issue 16): ``all`` at least ``MIN_SPEEDUP`` times faster than
one after another, and no edition slower inside ``all`` than alone by more than
``MAX_SLOWDOWN``. ``--no-docx`` leaves out the Word edition. Writes
``output/bench-family.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from keikaku.family import cores
from keikaku.paths import PROJECT_ROOT

MIN_SPEEDUP = 1.7
MAX_SLOWDOWN = 0.20

#: The ten 地方ブロック: folder name and name.
BLOCKS = {
    "hokkaido": "北海道",
    "tohoku": "東北",
    "kanto": "関東",
    "hokuriku": "北陸",
    "chubu": "中部",
    "kinki": "近畿",
    "chugoku": "中国",
    "shikoku": "四国",
    "kyushu": "九州",
    "okinawa": "沖縄",
}
EXAMPLE = PROJECT_ROOT / "examples" / "regional" / "content"
#: Sections of sample text in each edition's own chapter; with the national parts it
#: prints, 23 make about 20 pages.
SECTIONS_FOR_20_PAGES = 23

_TOPICS = (
    "道路の老朽化対策",
    "河川の防災対策",
    "港湾の機能強化",
    "公共交通の確保",
    "下水道の耐震化",
    "まちづくりの推進",
    "観光地の交通の円滑化",
    "インフラの点検",
)
_SENTENCES = (
    "{block}ブロックでは、{topic}を計画的に進める（見本）。",
    "関係する自治体と連携し、{topic}の優先度を定める（見本）。",
    "{topic}の進み具合は、毎年度の点検で確かめる（見本）。",
    "住民の意見を聞きながら、{topic}の内容を見直す（見本）。",
    "{topic}に必要な人材を、地域の中で育てる（見本）。",
    "{topic}の費用は、長期の見通しに基づいて見積もる（見本）。",
)


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _paragraph(block: str, topic: str, n: int) -> str:
    sentences = [_SENTENCES[(n + i) % len(_SENTENCES)] for i in range(6)]
    return "".join(s.format(block=block, topic=topic) for s in sentences)


def edition_files(name: str, block: str, goal: str, sections: int) -> dict[str, str]:
    """The ``plan.yaml`` and ``own.yaml`` of one edition (YAML text)."""
    plan = f"""\
# 見本: bench.family が作る計測用の地方ブロック版。内容はすべて架空のもの。
title: （見本）{block}ブロックにおける社会資本整備重点計画
status: 見本
meeting: 地方ブロック版の見本
date_line: 令和８年８月
issuer: 見本
subject: 地方ブロック版の見本（計測用、架空の内容）
keywords: [見本, 地方ブロック版, {block}]
labels:
  draft_mark: 見本
parts:
  - generated: cover
  - generated: toc
  - include: own.yaml
  - section: 全国計画の重点目標と{block}ブロックの取組（見本）
    id: {name}-goals
    body:
      - p: 全国計画の重点目標のうち、{block}ブロックで特に重点を置くものを次に示す（見本）。
      - national: {goal}
  - national: ch4
  - section: ＫＰＩ一覧
    id: {name}-kpi-list
    numbering: annex
    body:
      - generated: kpi-list
"""
    lines = [
        f"section: {block}ブロックの現状と課題（見本）",
        f"id: {name}-region",
        "body:",
    ]
    for s in range(sections):
        topic = _TOPICS[s % len(_TOPICS)]
        lines += [
            f"  - section: {topic}（見本その{str(s + 1).translate(_FULL_WIDTH)}）",
            f"    id: {name}-section-{s + 1}",
            "    body:",
            *(f"      - p: {_paragraph(block, topic, s + p)}" for p in range(4)),
        ]
    return {"plan.yaml": plan, "own.yaml": "\n".join(lines) + "\n"}


def make_family(
    target: Path, editions: int = len(BLOCKS), sections: int = SECTIONS_FOR_20_PAGES
) -> Path:
    """The example's national plan with ``editions`` generated editions, into ``target``."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(EXAMPLE, target)
    shutil.rmtree(target / "editions")
    for i, (name, block) in enumerate(list(BLOCKS.items())[:editions]):
        goal = "goal-a" if i % 2 == 0 else "goal-b"
        for file, text in edition_files(name, block, goal, sections).items():
            path = target / "editions" / name / file
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return target


def _run(argv: list[str]) -> dict:
    """One process, timed: wall and CPU seconds, the largest peak memory of it and its
    children (``os.wait4``'s ``ru_maxrss``, KiB on Linux), and what it printed."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=PROJECT_ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        sink.seek(0)
        output = sink.read()
    if process.returncode:
        raise RuntimeError(f"{' '.join(argv)} exited with {process.returncode}:\n{output}")
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "output": output,
    }


#: A result line of ``build.py all`` (``family.result_line``): the document and its seconds.
RESULT_LINE = re.compile(
    r"^作成しました: (全国計画（本文・概要）|版 (\S+)): .* (\d+\.\d) s \(built\)$"
)


def document_seconds(output: str) -> dict[str, float]:
    """Each document's seconds from ``build.py all``'s result lines ("plan" for the plan)."""
    found = {}
    for line in output.splitlines():
        if m := RESULT_LINE.match(line):
            found[m.group(2) or "plan"] = float(m.group(3))
    return found


def _pages(pdf: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(pdf).pages)


def measure(content: Path, tmp: Path, repeat: int, docx: bool) -> dict:
    names = ["plan", *sorted(p.name for p in (content / "editions").iterdir())]
    options = [] if docx else ["--no-docx"]
    build = [sys.executable, str(PROJECT_ROOT / "build.py"), "--force", *options]
    build += ["--content", str(content)]
    sequential: list[dict] = []
    parallel: list[dict] = []
    for r in range(repeat):
        order = ("sequential", "all") if r % 2 == 0 else ("all", "sequential")
        for kind in order:
            out = tmp / f"{kind}-{r}"
            if kind == "all":
                run = _run([*build, "--out", str(out), "all"])
                run["documents"] = document_seconds(run.pop("output"))
                if set(run["documents"]) != set(names):
                    raise RuntimeError(f"build.py all did not build every document: {run}")
                parallel.append(run)
                continue
            started = time.perf_counter()
            alone = {}
            for name in names:
                where = out if name == "plan" else out / "editions" / name
                edition = [] if name == "plan" else ["--edition", name]
                alone[name] = _run([*build, *edition, "--out", str(where)])
                alone[name].pop("output")
            sequential.append(
                {
                    "seconds": time.perf_counter() - started,
                    "cpu_seconds": sum(a["cpu_seconds"] for a in alone.values()),
                    "peak_rss_bytes": max(a["peak_rss_bytes"] for a in alone.values()),
                    "documents": {name: a["seconds"] for name, a in alone.items()},
                }
            )
    last = tmp / f"all-{repeat - 1}"
    pages = {
        name: _pages((last if name == "plan" else last / "editions" / name) / "plan.pdf")
        for name in names
    }
    return {"sequential": sequential, "all": parallel, "pages": pages}


def summary(result: dict) -> dict:
    """Best wall and CPU of each way, and each document's best time alone and in ``all``."""
    seq, par = result["sequential"], result["all"]

    def best(runs: list[dict], key: str) -> float:
        return min(run[key] for run in runs)

    docs = {
        name: {
            "alone": min(run["documents"][name] for run in seq),
            "in all": min(run["documents"][name] for run in par),
            "pages": pages,
        }
        for name, pages in result["pages"].items()
    }
    for d in docs.values():
        d["slowdown"] = d["in all"] / d["alone"] - 1
    return {
        "sequential": {
            "wall": best(seq, "seconds"),
            "cpu": best(seq, "cpu_seconds"),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in seq),
        },
        "all": {
            "wall": best(par, "seconds"),
            "cpu": best(par, "cpu_seconds"),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in par),
        },
        "speedup": best(seq, "seconds") / best(par, "seconds"),
        # The work done: about the same either way when ``all`` adds nothing but the children.
        "cpu_ratio": best(par, "cpu_seconds") / best(seq, "cpu_seconds"),
        "documents": docs,
    }


def targets(s: dict) -> list[dict]:
    editions = {k: v for k, v in s["documents"].items() if k != "plan"}
    worst_name = max(editions, key=lambda k: editions[k]["slowdown"])
    worst = editions[worst_name]
    median = statistics.median(d["slowdown"] for d in editions.values())
    return [
        {
            "target": f"build.py all at least {MIN_SPEEDUP}x faster than one after another",
            "value": f"{s['speedup']:.2f}x ({s['all']['wall']:.1f} s against "
            f"{s['sequential']['wall']:.1f} s wall, on {cores()} cores)",
            "pass": s["speedup"] >= MIN_SPEEDUP,
        },
        {
            "target": f"no edition slower in build.py all than alone by more than {MAX_SLOWDOWN:.0%}",
            "value": f"worst {worst_name} {worst['slowdown']:+.1%} ({worst['in all']:.1f} s against "
            f"{worst['alone']:.1f} s); median {median:+.1%}",
            "pass": worst["slowdown"] <= MAX_SLOWDOWN,
        },
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.family", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--editions", type=int, default=len(BLOCKS), help="editions (default 10)")
    parser.add_argument(
        "--sections",
        type=int,
        default=SECTIONS_FOR_20_PAGES,
        help=f"sections of each edition's own chapter (default {SECTIONS_FOR_20_PAGES}: "
        "about 20 pages)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="rounds (default 1)")
    parser.add_argument("--no-docx", action="store_true", help="leave out the Word edition")
    parser.add_argument("--json", type=Path, default=PROJECT_ROOT / "output" / "bench-family.json")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="keikaku-bench-family-") as tmp:
        content = make_family(Path(tmp) / "content", args.editions, args.sections)
        result = measure(content, Path(tmp), args.repeat, not args.no_docx)
    s = summary(result)
    mib = 2**20
    print(f"{'measurement':<44} {'wall s':>7} {'CPU s':>7} {'peak MiB':>9}")
    for key, label in (
        ("sequential", f"one after another ({len(s['documents'])} processes)"),
        ("all", f"python build.py all ({cores()} cores)"),
    ):
        w = s[key]
        print(f"{label:<44} {w['wall']:7.1f} {w['cpu']:7.1f} {w['peak_rss_bytes'] / mib:9.0f}")
    print(f"\n{'document':<12} {'pages':>5} {'alone s':>8} {'in all s':>9} {'slower':>7}")
    for name, d in s["documents"].items():
        print(
            f"{name:<12} {d['pages']:5d} {d['alone']:8.1f} {d['in all']:9.1f} {d['slowdown']:+7.1%}"
        )
    found = targets(s)
    print(
        f"\nCPU time of build.py all / one after another: {s['cpu_ratio']:.2f}; "
        f"load average {os.getloadavg()[0]:.1f} (other work on the machine)"
    )
    for t in found:
        print(f"{'PASS' if t['pass'] else 'FAIL'}  {t['target']}: {t['value']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "docx": not args.no_docx,
                "repeat": args.repeat,
                "cores": cores(),
                "load average": os.getloadavg(),
                "runs": result,
                "summary": s,
                "targets": found,
            },
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
