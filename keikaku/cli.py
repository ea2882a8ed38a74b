"""Command line: ``python build.py [build|check] [--final] [--content DIR] [--out DIR]`` and
``python build.py diff OLD [NEW]`` (the 新旧対照表 of two git revisions).

``build`` runs the stages in order (load → validate → render → layout → write), each
timed on a terminal. ``main`` catches ``BuildError`` once, prints one line per problem
and returns 1; no traceback reaches an editor.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .dates import document_date
from .errors import BuildError, Pos, Problem
from .paths import PROJECT_ROOT
from .stamp import BuildStamp

if TYPE_CHECKING:
    from .lint import Finding
    from .model import Plan

# The stages (load, lint, render, write) are imported where they are used, not here:
# WeasyPrint alone takes about a second to import, YAML and Markdown a tenth more, and
# a rebuild that finds nothing changed must not pay for them (see stamp.py).

Report = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


class _EngineLog(logging.Handler):
    """Keeps WeasyPrint's warnings (CSS it ignored, fonts it could not load) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Progress:
    """Prints each stage and its time on a terminal; silent otherwise (CI logs stay short)."""

    def __init__(self, enabled: bool | None = None, report: Report = _stderr) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.report = report
        self.times: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.times[name] = time.perf_counter() - started
        if self.enabled:
            self.report(f"  {name:<9} {self.times[name]:6.2f} s")


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


def validate(plan: Plan, content: Path, *, final: bool, report: Report = _stderr,
             verbose: bool = True) -> list[Finding]:
    """Lint the loaded plan. In a final build every 未定事項 and lint finding blocks
    (``BuildError``); in a draft, findings are reported as warnings."""
    from .lint import lint
    from .load import load_lint_config

    findings = lint(plan, load_lint_config(content), final=final)
    if final:
        blockers = [Problem(p.pos, f"未定事項が残っています（{where}）: {p.pending.raw}。"
                            "内容が決まってから最終版を作成してください。 (pending item)")
                    for where, p in plan.pending]
        blockers += [Problem(f.pos, f"[{f.rule.replace('_', '-')}] {f.message}") for f in findings]
        if blockers:
            raise BuildError(sorted(blockers, key=lambda b: b.pos))
    elif findings:
        if verbose:
            for finding in findings:
                report(f"warning: {finding}")
        else:
            report(f"warning: 公用文 lint: {len(findings)} 件（python build.py check で一覧を表示）")
    return findings


def _refused(url: str, sources: dict[str, str]) -> Problem:
    """A refused fetch, pointed at the content file that asked for it where one did."""
    from .sources import offset_to_pos

    needle = unquote(url.split("://", 1)[-1]).lstrip("/") or url
    for path, text in sources.items():
        found = text.find(needle)
        if found >= 0:
            return Problem(offset_to_pos(text, path, found),
                           f"「{url}」は読み込めません。内容から読み込めるのは content/ の中のファイルだけです。"
                           " (fetch refused: outside the project or over the network)")
    return Problem(Pos("templates/"), f"「{url}」の読み込みを拒否しました（テンプレートまたはスタイルの指定）。"
                   " (fetch refused: outside the project or over the network)")


def _layout(html: str, out: Path, report: Report, attachments=None, *,
            content: Path | None = None, sources: dict[str, str] | None = None) -> bytes:
    """Lay out with WeasyPrint, passing its warnings to ``report``."""
    from .paths import STYLES_DIR, TEMPLATES_DIR
    from .write import RefusedFetch, layout_pdf

    engine_log = _EngineLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(engine_log)
    allowed = [TEMPLATES_DIR, STYLES_DIR, *([content] if content else [])]
    try:
        return layout_pdf(html, out.resolve().as_uri() + "/", attachments=attachments, allowed=allowed)
    except RefusedFetch as exc:
        raise BuildError(_refused(exc.url, sources or {})) from None
    finally:
        logger.removeHandler(engine_log)
        for message in engine_log.messages:
            report(f"warning: layout engine: {message}")


def build(content: Path, out: Path, *, final: bool = False, force: bool = False,
          report: Report = print, warn: Report = _stderr,
          progress: Progress | None = None) -> list[Path]:
    """Run the whole pipeline; returns the files written (none if nothing changed since
    the last build and not ``force``). Raises ``BuildError``.

    ``report`` gets the result line, ``warn`` the warnings (lint, layout engine)."""
    date = document_date(content)
    stamp = BuildStamp(content, out, options=("final" if final else "draft", date.isoformat()))
    if not force and stamp.is_current():
        report(f"nothing changed since the last build: {', '.join(_shown(out / p) for p in stamp.products)}"
               " left as they were (--force rebuilds)")
        return []
    # The renderer and the layout engine are imported here, not at the top: ``check``
    # and a build that finds nothing changed need neither, and importing WeasyPrint
    # alone takes most of a second.
    import weasyprint

    from .data import DESCRIPTIONS, data_files
    from .load import load_plan
    from .render import Renderer
    from .write import publish, stylesheet_href

    progress = progress or Progress(report=warn)
    started = time.perf_counter()
    with progress.stage("load"):
        plan = load_plan(content)
    with progress.stage("validate"):
        validate(plan, content, final=final, report=warn, verbose=progress.enabled)
    with progress.stage("render"):
        data = data_files(plan)
        html = Renderer().render(plan, stylesheet_href(out), date, draft=not final)
    with progress.stage("layout"):
        # The same bytes go into the PDF and beside it, so either copy can be cited.
        attachments = [weasyprint.Attachment(string=body, name=name, description=DESCRIPTIONS[name],
                                             relationship="Data", created=date, modified=date)
                       for name, body in data.items()]
        pdf = _layout(html, out, warn, attachments, content=content, sources=plan.sources)
    with progress.stage("write"):
        written = publish(out, {"plan.pdf": pdf, "plan.html": html.encode("utf-8"), **data})
        stamp.save(written)
    edition = "final" if final else "draft"
    report(f"wrote {', '.join(_shown(p) for p in written)} ({edition}) "
           f"in {time.perf_counter() - started:.1f} s")
    return written


def diff(old: str, new: str | None, content: Path, out: Path, *, order: str = "new-old",
         widths: bool = False, report: Report = print) -> list[Path]:
    """Write the 新旧対照表 of ``content`` at git revisions ``old`` and ``new`` (``None``:
    the working tree) as shinkyu.pdf and shinkyu.html. Raises ``BuildError``."""
    from .compare import compare_plans
    from .render import Renderer
    from .revisions import load_revision, locate
    from .write import publish, stylesheet_href

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
        elif args.command == "watch":
            from .watch import serve

            serve(args.content, args.out, args.port, report=lambda line: print(line, flush=True))
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
