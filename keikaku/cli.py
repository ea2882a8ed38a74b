"""Command line: ``python build.py [check] [--content DIR] [--out DIR]`` and
``python build.py diff OLD [NEW]`` (the 新旧対照表 of two git revisions).

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

import weasyprint

from .compare import compare_plans
from .data import DESCRIPTIONS, data_files
from .errors import BuildError
from .load import load_plan
from .render import PROJECT_ROOT, Renderer
from .revisions import load_revision, locate
from .write import layout_pdf, publish, stylesheet_href


class _EngineLog(logging.Handler):
    """Keeps WeasyPrint's warnings (CSS it ignored, fonts it could not load) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Builds the 社会資本整備重点計画 PDF (output/plan.pdf) and HTML from content files.",
    )
    parser.add_argument("command", nargs="?", choices=["build", "check", "diff"], default="build",
                        help="build (default): write plan.pdf, plan.html, plan.json and kpi.csv; "
                             "check: validate only; diff OLD [NEW]: write the 新旧対照表 "
                             "shinkyu.pdf and shinkyu.html")
    parser.add_argument("revisions", nargs="*", metavar="REV",
                        help="diff only: the former (OLD) and revised (NEW) git revisions of the "
                             "content folder, e.g. HEAD~1; NEW defaults to the working tree")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content",
                        help="content directory (default: content/)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "output",
                        help="output directory (default: output/)")
    diff = parser.add_argument_group("diff options")
    diff.add_argument("--order", choices=["new-old", "old-new"], default="new-old",
                      help="column order of the table (default: new-old, 改正後 | 改正前)")
    diff.add_argument("--show-width-changes", action="store_true",
                      help="mark width-only changes such as ＤＸ → DX (default: not a change)")
    return parser


def _layout(html: str, out: Path, report, attachments=None) -> bytes:
    """Lay out with WeasyPrint, passing its warnings to ``report``."""
    base_url = out.resolve().as_uri() + "/"
    engine_log = _EngineLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(engine_log)
    try:
        return layout_pdf(html, base_url, attachments=attachments)
    finally:
        logger.removeHandler(engine_log)
        for message in engine_log.messages:
            report(f"warning: layout engine: {message}")


def build(content: Path, out: Path, *, report=print) -> list[Path]:
    """Run the whole pipeline; returns the files written. Raises ``BuildError``."""
    started = time.perf_counter()
    plan = load_plan(content)
    data = data_files(plan)
    html = Renderer().render(plan, stylesheet_href(out))
    # The same bytes go into the PDF and beside it, so either copy can be cited.
    attachments = [weasyprint.Attachment(string=body, name=name, description=DESCRIPTIONS[name],
                                         relationship="Data")
                   for name, body in data.items()]
    pdf = _layout(html, out, report, attachments)
    written = publish(out, {"plan.pdf": pdf, "plan.html": html.encode("utf-8"), **data})
    report(f"wrote {', '.join(_shown(p) for p in written)} in {time.perf_counter() - started:.1f} s")
    return written


def diff(old: str, new: str | None, content: Path, out: Path, *, order: str = "new-old",
         widths: bool = False, report=print) -> list[Path]:
    """Write the 新旧対照表 of ``content`` at git revisions ``old`` and ``new`` (``None``:
    the working tree) as shinkyu.pdf and shinkyu.html. Raises ``BuildError``."""
    started = time.perf_counter()
    source = locate(content)
    sides, problems = [], []
    for rev in (old, new):
        try:
            sides.append(load_revision(source, rev))
        except BuildError as exc:
            problems.extend(exc.problems)
    if problems:
        raise BuildError(problems)
    before, after = sides
    rows = compare_plans(before.plan, after.plan, widths=widths)
    columns = [("改正後", "new"), ("改正前", "old")]
    if order == "old-new":
        columns.reverse()
    html = Renderer().render_shinkyu({
        "title": f"{after.plan.meta.title.raw}（{after.plan.meta.status.raw}）",
        "new_label": after.label, "old_label": before.label, "columns": columns, "rows": rows,
        "widths": widths, "stylesheet": stylesheet_href(out, "shinkyu.css"),
    })
    pdf = _layout(html, out, report)
    written = publish(out, {"shinkyu.pdf": pdf, "shinkyu.html": html.encode("utf-8")})
    report(f"wrote {', '.join(_shown(p) for p in written)} ({len(rows)} 件の改正箇所) "
           f"in {time.perf_counter() - started:.1f} s")
    return written


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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
            return 0
        if args.command == "check":
            plan = load_plan(args.content)
            print(f"ok: {len(plan.goals)} 重点目標, {len(plan.packages())} 政策パッケージ, "
                  f"{len(plan.pending)} 未定事項")
            return 0
        build(args.content, args.out)
        return 0
    except BuildError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        if args.command == "diff" and count == 1:
            return 1  # one line says it all (e.g. an unknown revision)
        print(f"build failed: {count} problem{'s' if count != 1 else ''}; "
              "output/ was left as it was.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; output/ was left as it was.", file=sys.stderr)
        return 130
