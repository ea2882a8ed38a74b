"""Command line: ``python build.py [build|check] [--final] [--content DIR] [--out DIR]`` and
``python build.py diff OLD [NEW]`` (the 新旧対照表 of two git revisions).

The pipeline itself is ``pipeline.py``. ``main`` catches ``BuildError`` once, prints one
line per problem and returns 1; no traceback reaches an editor.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from .errors import BuildError
from .paths import PROJECT_ROOT
from .pipeline import Progress, build, diff, validate

__all__ = ["Progress", "build", "diff", "main", "validate"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Builds the 社会資本整備重点計画 PDF (output/plan.pdf) and HTML from content files.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "check", "diff", "watch"],
                        default="build",
                        help="build (default): write plan.pdf, plan.html, plan.json and kpi.csv; "
                             "check: validate and lint only; diff OLD [NEW]: write the 新旧対照表 "
                             "shinkyu.pdf and shinkyu.html; watch: rebuild on every change and "
                             "serve a live preview on 127.0.0.1")
    parser.add_argument("revisions", nargs="*", metavar="REV",
                        help="diff only: the former (OLD) and revised (NEW) git revisions of the "
                             "content folder, e.g. HEAD~1; NEW defaults to the working tree")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content",
                        help="content directory (default: content/)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "output",
                        help="output directory (default: output/)")
    parser.add_argument("--force", action="store_true",
                        help="build even if nothing changed since the last build")
    parser.add_argument("--final", action="store_true",
                        help="the formal edition: refuse while any 未定事項 or 公用文 lint finding "
                             "remains; no 素案 watermark")
    parser.add_argument("--port", type=int, default=8000,
                        help="watch only: the port of the preview (default 8000; 0 picks a free one)")
    diff = parser.add_argument_group("diff options")
    diff.add_argument("--order", choices=["new-old", "old-new"], default="new-old",
                      help="column order of the table (default: new-old, 改正後 | 改正前)")
    diff.add_argument("--show-width-changes", action="store_true",
                      help="mark width-only changes such as ＤＸ → DX (default: not a change)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "diff" and not 1 <= len(args.revisions) <= 2:
        parser.error("diff には改正前の版 OLD と、必要なら改正後の版 NEW を指定してください（例: diff HEAD~1）。"
                     " (diff takes OLD [NEW])")
    if args.command != "diff" and args.revisions:
        parser.error(f"{args.command} は版を取りません: {' '.join(args.revisions)} (unexpected arguments)")
    try:
        if args.command == "diff":
            diff(args.revisions[0], args.revisions[1] if len(args.revisions) > 1 else None,
                 args.content, args.out, order=args.order, widths=args.show_width_changes)
        elif args.command == "watch":
            from .watch import serve

            def report(line: str) -> None:
                print(line, flush=True)

            rebuild = functools.partial(build, args.content, args.out, force=True, report=report,
                                        warn=report)
            serve(args.content, args.out, args.port, rebuild, report=report)
        elif args.command == "check":
            from .load import load_plan

            plan = load_plan(args.content)
            findings = validate(plan, args.content, final=args.final)
            print(f"ok: {len(plan.goals)} 重点目標, {len(plan.packages())} 政策パッケージ, "
                  f"{len(plan.pending)} 未定事項, {len(findings)} 件の公用文 lint 警告")
        else:
            build(args.content, args.out, final=args.final, force=args.force)
        return 0
    except BuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        if args.command == "diff" and count == 1:
            return 1  # one line says it all (e.g. an unknown revision)
        what = "the final edition is blocked" if args.final else "build failed"
        print(f"{what}: {count} problem{'s' if count != 1 else ''}; "
              "output/ was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.command == "watch":
            return 0
        print("interrupted; output/ was left as it was.", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.command != "watch":
            raise
        print(f"watch: the preview cannot start on 127.0.0.1:{args.port}: {exc.strerror}. "
              "Choose another port with --port.", file=sys.stderr)
        return 1
    except Exception as exc:
        # Not the content's fault: say so in one line, keep the traceback for developers.
        if os.environ.get("KEIKAKU_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("output/ was left as it was. This is a fault of the build, not of the content; "
              "run again with KEIKAKU_DEBUG=1 for the traceback and report it.", file=sys.stderr)
        return 2
