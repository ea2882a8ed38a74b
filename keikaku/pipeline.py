"""The build pipeline, one screen: load → validate → render → layout → write.

Nothing is written before everything has been read and checked; products are written
as a set, atomically (``write.publish``). The command line (``cli.py``) and the live
preview (``watch.py``) both call ``build``; the stages are imported where they are used,
not at the top: WeasyPrint alone takes about a second to import, YAML and Markdown a
tenth more, and a rebuild that finds nothing changed must not pay for them (``stamp.py``).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .dates import document_date
from .errors import BuildError, Pos, Problem
from .stamp import BuildStamp

if TYPE_CHECKING:
    from .lint import Finding
    from .model import Plan

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


def validate(plan: Plan, content: Path, *, final: bool, report: Report = _stderr,
             verbose: bool = True) -> list[Finding]:
    """Lint the loaded plan. In a final build every 未定事項 and lint finding blocks
    (``BuildError``); in a draft, findings are reported as warnings."""
    from .lint import lint
    from .load import load_lint_config

    for warning in plan.warnings:
        report(f"warning: {warning}")
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
    from .write import content_href, publish, stylesheet_href

    progress = progress or Progress(report=warn)
    started = time.perf_counter()
    with progress.stage("load"):
        plan = load_plan(content)
    with progress.stage("validate"):
        validate(plan, content, final=final, report=warn, verbose=progress.enabled)
    with progress.stage("render"):
        data = data_files(plan)
        html = Renderer().render(plan, stylesheet_href(out), date, draft=not final,
                                 content_href=content_href(out, content))
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


