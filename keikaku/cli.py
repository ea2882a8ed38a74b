"""Command line: ``python build.py [check] [--content DIR] [--out DIR] [--force]``.

``main`` runs the stages in order (load → validate → render → layout → write), catches
``BuildError`` once, prints one line per problem and returns 1. No traceback reaches an
editor.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from .errors import BuildError
from .stamp import PROJECT_ROOT, BuildStamp

# The stages (load, render, write) are imported where they are used, not here: WeasyPrint
# alone takes about a second to import, and a rebuild that finds nothing changed must not
# pay for it (see stamp.py).


class _EngineLog(logging.Handler):
    """Keeps WeasyPrint's warnings (CSS it ignored, fonts it could not load) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Builds the 社会資本整備重点計画 PDF (output/plan.pdf) and HTML from content files.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "check"], default="build",
                        help="build (default): write plan.pdf and plan.html; check: validate only")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content",
                        help="content directory (default: content/)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "output",
                        help="output directory (default: output/)")
    parser.add_argument("--force", action="store_true",
                        help="build even if nothing changed since the last build")
    return parser


def build(content: Path, out: Path, *, report=print, force: bool = False) -> list[Path]:
    """Run the whole pipeline; returns the files written (none if nothing changed and not
    ``force``). Raises ``BuildError``."""
    started = time.perf_counter()
    stamp = BuildStamp(content, out)
    if not force and stamp.is_current():
        report(f"nothing changed since the last build: {', '.join(_shown(out / p) for p in stamp.products)}"
               " left as they were (--force rebuilds)")
        return []
    from .load import load_plan
    from .render import Renderer
    from .write import layout_pdf, publish, stylesheet_href

    plan = load_plan(content)
    html = Renderer().render(plan, stylesheet_href(out))
    base_url = out.resolve().as_uri() + "/"
    engine_log = _EngineLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(engine_log)
    try:
        pdf = layout_pdf(html, base_url)
    finally:
        logger.removeHandler(engine_log)
    for message in engine_log.messages:
        report(f"warning: layout engine: {message}")
    written = publish(out, {"plan.pdf": pdf, "plan.html": html.encode("utf-8")})
    stamp.save(written)
    report(f"wrote {', '.join(_shown(p) for p in written)} in {time.perf_counter() - started:.1f} s")
    return written


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            from .load import load_plan

            plan = load_plan(args.content)
            print(f"ok: {len(plan.goals)} 重点目標, {len(plan.packages())} 政策パッケージ, "
                  f"{len(plan.pending)} 未定事項")
            return 0
        build(args.content, args.out, force=args.force)
        return 0
    except BuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"build failed: {count} problem{'s' if count != 1 else ''}; "
              "output/ was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; output/ was left as it was.", file=sys.stderr)
        return 130
