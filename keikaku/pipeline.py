"""The build pipeline, one screen: load → validate → render → layout → write.

Nothing is written before everything has been read and checked; products are written
as a set, atomically (``write.publish``). Every command first settles the output folder
(``files.recover``: an update a killed command left half done is completed) and walks
the content folder once (``files.check_content_folder``: no links, FIFOs or devices, within
the limits of ``limits.py``); content files are then read only inside it
(``files.content_root``). The command line (``cli.py``) calls ``build``; the live preview
(``watch.py``) calls ``render_preview`` for the HTML and runs ``build`` in a process of its
own for the PDF. The stages are imported where they are used,
not at the top: WeasyPrint alone takes about a second to import, YAML and Markdown a
tenth more, and a rebuild that finds nothing changed must not pay for them (``stamp.py``).
"""

from __future__ import annotations

import contextlib
import logging
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import files, limits
from .dates import document_date
from .errors import BuildError, Pos, Problem
from .git import git_output
from .pandoc import identity as pandoc_identity
from .stamp import BuildStamp, document_scope

if TYPE_CHECKING:
    from .lint import Finding
    from .model import Plan

Report = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr)


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


def validate(
    plan: Plan,
    content: Path,
    *,
    final: bool,
    report: Report = _stderr,
    verbose: bool = True,
    outlook: Report | None = None,
) -> list[Finding]:
    """Lint the loaded plan. In a final build every 未定事項 and lint finding blocks
    (``lint.FinalBlocked``, the problems grouped by kind); in a draft, findings are
    reported as warnings, and ``outlook`` (if given) gets one line counting, by kind, what
    would still block the final edition."""
    from .lint import FinalBlocked, gate, in_draft, lint
    from .load import load_lint_config

    for warning in plan.warnings:
        report(f"warning: {warning}")
    config = load_lint_config(content)  # raises BuildError for a wrong lint.yaml
    # One lint for both: a draft reports the rules it checks (in_draft), the gate all.
    every = lint(plan, config, final=True)
    if final:
        blocked = gate(plan, every)
        if blocked:
            raise FinalBlocked(blocked)
        return every
    findings = in_draft(every, config)
    if findings:
        if verbose:
            for finding in findings:
                report(f"warning: {finding}")
        else:
            report(
                f"warning: 公用文 lint: {len(findings)} 件（python build.py check で一覧を表示）"
            )
    if outlook is not None:
        remaining = gate(plan, every)
        outlook(
            f"正式版までに残っているもの: {remaining.counts()} (left before the final edition)"
            if remaining
            else "正式版までに残っているものはありません。 (nothing blocks the final edition)"
        )
    return findings


def _layout(
    html: str,
    out: Path,
    report: Report,
    attachments=None,
    *,
    content: Path | None = None,
    sources: dict[str, str] | None = None,
    titles: dict[str, str] | None = None,
) -> tuple[bytes, dict[str, int]]:
    """Lay out with WeasyPrint, passing its warnings to ``report``: the PDF, and the page
    each anchor lands on (``write.layout``)."""
    from .paths import STYLES_DIR, TEMPLATES_DIR
    from .write import EngineLog, RefusedFetch, layout, refused_problem

    engine_log = EngineLog()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(engine_log)
    allowed = [TEMPLATES_DIR, STYLES_DIR, *([content] if content else [])]
    try:
        return layout(
            html,
            out.resolve().as_uri() + "/",
            attachments=attachments,
            allowed=allowed,
            titles=titles,
        )
    except RefusedFetch as exc:
        raise BuildError(refused_problem(exc.url, sources or {})) from None
    finally:
        logger.removeHandler(engine_log)
        for message in engine_log.messages:
            report(f"warning: layout engine: {message}")


def prepare(content: Path, out: Path, warn: Report = _stderr, *, writing: bool = True) -> None:
    """What every command does before reading any content: check that ``out`` can be
    written (``writing``), settle it (complete an update a killed command left half done,
    remove its temporaries) and walk the content folder once. Raises ``BuildError``."""
    if writing:
        files.check_output_folder(out)
    try:
        notes = files.recover(out)
    except OSError as exc:
        raise files.OutputError(
            files.os_error_problem(exc, files.in_output(out, exc.filename)), kept=False
        ) from None
    for note in notes:
        warn(f"warning: {files.shown_path(out)}: {note}")
    files.check_content_folder(content)


def load(content: Path) -> Plan:
    """The plan, every content file read inside ``content`` only. Raises ``BuildError``."""
    from .load import load_plan

    with files.content_root(content):
        return load_plan(content)


def check(
    content: Path, out: Path, *, final: bool = False, report: Report = print, warn: Report = _stderr
) -> list[Finding]:
    """``build.py check``: everything ``build`` checks in the content, without rendering or
    writing. Raises ``BuildError`` (``lint.FinalBlocked`` with ``final``); returns the lint
    findings. A draft check also reports what still blocks the final edition, by kind."""
    prepare(content, out, warn, writing=False)
    plan = load(content)
    remaining: list[str] = []
    with files.content_root(content):
        findings = validate(plan, content, final=final, report=warn, outlook=remaining.append)
        from .editions import check_editions
        from .followup_config import load_followup_config

        load_followup_config(content)  # followup.yaml, if any: checked as the report reads it
        editions = check_editions(content)  # every edition in content/editions/
    report(
        f"ok: {len(plan.goals)} 重点目標, {len(plan.packages())} 政策パッケージ, "
        f"{len(plan.pending)} 未定事項, {len(findings)} 件の公用文 lint 警告"
    )
    for name, edition in editions.items():
        report(
            f"ok: 版 {name}（{edition.meta.title.plain}）: {len(edition.goals)} 重点目標, "
            f"{len(edition.packages())} 政策パッケージ, {len(edition.pending)} 未定事項"
        )
    for line in remaining:  # a draft: what the final edition still waits for, by kind
        report(line)
    return findings


def build(
    content: Path,
    out: Path,
    *,
    final: bool = False,
    force: bool = False,
    report: Report = print,
    warn: Report = _stderr,
    progress: Progress | None = None,
    docx: bool = True,
    edition: str | None = None,
) -> list[Path]:
    """Run the whole pipeline; returns the files written (none if nothing changed since
    the last build and not ``force``). Raises ``BuildError``.

    ``report`` gets the result line, ``warn`` the warnings (lint, layout engine).
    ``docx`` False leaves out the Word edition (the live preview). ``edition`` builds
    that regional edition (editions.py) instead of the national plan."""
    prepare(content, out, warn)
    with files.content_root(content):
        return _build(
            content,
            out,
            final=final,
            force=force,
            report=report,
            warn=warn,
            progress=progress,
            docx=docx,
            edition=edition,
        )


def content_revision(content: Path) -> str:
    """The content's git revision for the Word edition's trace marks: the commit, and
    ``-dirty`` when the content folder has uncommitted changes; ``working-tree`` outside git."""
    commit = git_output(content, "rev-parse", "--short=12", "HEAD")
    if not commit:
        return "working-tree"
    return commit + ("-dirty" if git_output(content, "status", "--porcelain", "--", ".") else "")


def stamp_options(
    *, final: bool, date: datetime, docx: bool, edition: str | None
) -> tuple[str, ...]:
    """The options of a build that shape its products, for its stamp (``BuildStamp``)."""
    return (
        "final" if final else "draft",
        date.isoformat(),
        "docx" if docx else "no-docx",
        f"edition={edition or ''}",
        # The pandoc that writes the Word edition (pandoc.py): another one rebuilds.
        *(["pandoc", *pandoc_identity()] if docx else []),
    )


def _build(
    content: Path,
    out: Path,
    *,
    final: bool,
    force: bool,
    report: Report,
    warn: Report,
    progress: Progress | None,
    docx: bool = True,
    edition: str | None = None,
) -> list[Path]:
    date = document_date(content, edition)
    stamp = BuildStamp(
        content,
        out,
        options=stamp_options(final=final, date=date, docx=docx, edition=edition),
        reads=document_scope(edition),  # per document: another edition's edit is not ours
    )
    if not force and stamp.is_current():
        report(
            f"nothing changed since the last build: {', '.join(files.shown_path(out / p) for p in stamp.products)}"
            " left as they were (--force rebuilds)"
        )
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
        if edition is None:
            plan = load_plan(content)  # inside files.content_root(content), set by ``build``
        else:
            from .editions import load_edition

            plan = load_edition(content, edition)
    with progress.stage("validate"):
        validate(plan, content, final=final, report=warn, verbose=progress.enabled)
    with progress.stage("render"):
        data = data_files(plan)
        html = Renderer().render(
            plan,
            stylesheet_href(out),
            date,
            draft=not final,
            content_href=content_href(out, content),
        )
    with contextlib.ExitStack() as running:
        products: dict[str, bytes] = {}
        overview = None
        with progress.stage("overview"):
            # The 概要 (overview_layout.py): one A4 landscape page, published beside plan.pdf
            # in the same set; a column that does not fit stops the build. It is made from
            # the plan, not from the plan's layout, so it is set in a forked child on the
            # other core while the plan is laid out here (forked.py), and joins the set
            # after. It is forked before pandoc starts, so that it holds none of pandoc's
            # pipes. An edition has its own, of what it prints, with its own overview.yaml
            # (in its folder) if it has one.
            from .forked import Forked
            from .load import EDITIONS_DIR
            from .overview import OVERVIEW_FILE
            from .overview_layout import overview_products

            folder = content if edition is None else content / EDITIONS_DIR / edition
            outline = plan.outline(not final)
            # An edition that prints no 重点目標 has nothing for a 概要 to show.
            if edition is None or any(outline.printed(goal) for goal in plan.goals):
                shown_file = files.shown_in(files.shown_path(folder), OVERVIEW_FILE)
                overview = running.enter_context(
                    contextlib.closing(
                        Forked(
                            lambda warned: overview_products(
                                plan,
                                out,
                                date,
                                draft=not final,
                                warn=warned,
                                shown_file=shown_file,
                            ),
                            warn,
                        )
                    )
                )
        word = None
        if docx:
            with progress.stage("docx"):
                # The Word edition for consultation (docx/): the same plan through Pandoc.
                # Pandoc is a process of its own: it writes the package on the other core
                # while WeasyPrint lays the PDF out here; the 目次's and 参考１'s page
                # numbers, the PDF's, are filled in after the layout (docx-fill). A
                # failure of either leaves the block, which stops pandoc: nothing is
                # published but a whole set.
                from .docx import start_docx

                word = running.enter_context(
                    start_docx(
                        plan,
                        draft=not final,
                        revision=content_revision(content),
                        date=date,
                        content=content,
                    )
                )
        with progress.stage("layout"):
            # The same bytes go into the PDF and beside it, so either copy can be cited.
            attachments = [
                weasyprint.Attachment(
                    string=body,
                    name=name,
                    description=DESCRIPTIONS[name],
                    relationship="Data",
                    created=date,
                    modified=date,
                )
                for name, body in data.items()
            ]
            # A link's description in the tagged PDF is the heading it leads to, as printed.
            titles = {
                h.anchor: "　".join(t for t in (h.label, h.title) if t)
                for h in plan.outline(not final).headings
            }
            pdf, anchor_pages = _layout(
                html, out, warn, attachments, content=content, sources=plan.sources, titles=titles
            )
        if overview is not None:
            with progress.stage("overview-join"):
                products = overview.result()
        if word is not None:
            with progress.stage("docx-fill"):
                from .docx import page_numbers

                products["plan.docx"] = word.result(
                    page_numbers(anchor_pages, plan, draft=not final)
                )
    with progress.stage("write"):
        # The stamp joins the products' set: a build killed while publishing leaves either
        # the old set with its stamp or, once the next command has completed it, the new.
        products = {"plan.pdf": pdf, "plan.html": html.encode("utf-8"), **data, **products}
        written = publish(out, products, lambda states: stamp.record(states, products))
    edition = "final" if final else "draft"
    report(
        f"wrote {', '.join(files.shown_path(p) for p in written)} ({edition}) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return written


#: The 新旧対照表's column heads unless ``--new-label`` and ``--old-label`` say otherwise.
NEW_LABEL, OLD_LABEL = "改正後", "改正前"


def _option_text(option: str, value: str) -> str:
    """A title or column head given on the command line, checked as content text is: not
    empty, no control characters, every character in the fonts. Raises ``BuildError``."""
    from .glyphs import covered
    from .sources import character_problem, printable, refused_characters

    text = value.strip()
    where = Pos(f"build.py diff {option}")
    if not text:
        raise BuildError(Problem(where, f"{option} に文字を指定してください。 (empty)"))
    if len(text) > limits.MAX_OPTION_CHARS:
        raise BuildError(
            Problem(
                where,
                f"{option} が長すぎます（{len(text)}字。{limits.MAX_OPTION_CHARS}字まで）。 (too long)",
            )
        )
    refused = next(refused_characters(text), None)
    if refused:
        raise BuildError(
            Problem(where, f"{option}「{printable(text)}」: {character_problem(refused[1])}")
        )
    fonts = covered()
    missing = next((ch for ch in text if ord(ch) not in fonts and not ch.isspace()), None)
    if missing:
        raise BuildError(
            Problem(
                where,
                f"{option} の文字「{printable(missing)}」（U+{ord(missing):04X}）は表のフォントに"
                "ありません。別の字に置き換えてください。 (no glyph in the fonts)",
            )
        )
    return text


def diff(
    old: str,
    new: str | None,
    content: Path,
    out: Path,
    *,
    order: str = "new-old",
    widths: bool = False,
    title: str | None = None,
    new_label: str = NEW_LABEL,
    old_label: str = OLD_LABEL,
    show_revisions: bool = False,
    lists: bool = False,
    report: Report = print,
    edition: str | None = None,
) -> list[Path]:
    """Write the 新旧対照表 of ``content`` at git revisions ``old`` and ``new`` (``None``:
    the working tree) as shinkyu.pdf and shinkyu.html; with ``edition``, of that regional
    edition, read from both revisions. Raises ``BuildError``.

    ``title`` heads the table (default: the revised plan's title and status);
    ``new_label`` and ``old_label`` head its columns. The revisions' git names, commits
    and dates are printed only with ``show_revisions``; the generated lists (目次,
    政策パッケージ一覧, ＫＰＩ一覧, 未定事項一覧) are compared only with ``lists``."""
    from .render import Renderer
    from .shinkyu import compare_plans, load_revision, locate, summary
    from .write import publish, stylesheet_href

    started = time.perf_counter()
    heads = (_option_text("--new-label", new_label), _option_text("--old-label", old_label))
    given_title = None if title is None else _option_text("--title", title)
    files.check_output_folder(out)
    files.check_content_root(content)
    for note in files.recover(out):
        report(f"warning: {files.shown_path(out)}: {note}")
    source = locate(content)
    if edition is not None and new is None:
        from .editions import editions_of

        if edition not in editions_of(content):  # a typo: the close match, not "no old side"
            load_revision(source, None, edition)
    sides, problems = [], []
    for rev in (old, new):
        try:
            sides.append(load_revision(source, rev, edition))
        except BuildError as exc:
            problems.extend(exc.problems)
    if problems:
        raise BuildError(problems)
    before, after = sides
    rows = compare_plans(before.plan, after.plan, widths=widths, lists=lists)
    columns = [(heads[0], "new"), (heads[1], "old")]
    if order == "old-new":
        columns.reverse()
    html = Renderer().render_shinkyu(
        {
            "title": given_title
            or after.plan.meta.title.plain
            + (f"（{after.plan.meta.status.plain}）" if after.plan.meta.status else ""),
            "new_label": after.label if show_revisions else "",
            "old_label": before.label if show_revisions else "",
            "columns": columns,
            "rows": rows,
            "widths": widths,
            "stylesheet": stylesheet_href(out, "shinkyu.css"),
        }
    )
    pdf, _pages = _layout(html, out, report)
    written = publish(out, {"shinkyu.pdf": pdf, "shinkyu.html": html.encode("utf-8")})
    counts = "、".join(f"{name} {n}" for name, n in summary(rows))
    report(
        f"wrote {', '.join(files.shown_path(p) for p in written)} ({len(rows)} 件の改正箇所: {counts}; "
        f"{heads[0]} {after.label}、{heads[1]} {before.label}) in {time.perf_counter() - started:.1f} s"
    )
    return written


def comments(
    reviewed: list[Path], out: Path, *, plan_docx: Path | None = None, report: Report = print
) -> list[Path]:
    """The 意見対応表 of reviewed copies of plan.docx: ``iken.xlsx`` (with the content ids, a
    column 対応 for the office) and ``iken.pdf`` (as reviewers saw the plan), written as one
    set. Raises ``BuildError`` for a file that is not a reviewed plan.docx."""
    from .iken import collect_comments, iken_pdf_bytes, iken_xlsx_bytes
    from .write import publish

    started = time.perf_counter()
    rows = collect_comments(reviewed, plan_docx)
    written = publish(out, {"iken.xlsx": iken_xlsx_bytes(rows), "iken.pdf": iken_pdf_bytes(rows)})
    placed = sum(1 for r in rows if getattr(r, "located", True))
    report(
        f"wrote {', '.join(files.shown_path(p) for p in written)} ({placed} 件、位置不明 {len(rows) - placed} 件) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return written


# ---------------------------------------------------------------- the live preview's HTML

#: Where the live preview writes its HTML: a folder of its own inside the output folder,
#: outside the products' set, so that ``OUT`` never holds a new plan.html beside an old PDF.
PREVIEW_FOLDER = ".preview"
#: The preview's file in that folder (served at ``/plan.html``).
PREVIEW_NAME = "plan.html"


def preview_path(out: Path) -> Path:
    """The live preview's HTML file for the output folder ``out``."""
    return out / PREVIEW_FOLDER / PREVIEW_NAME


def render_preview(content: Path, out: Path, *, warn: Report = _stderr) -> Path:
    """The live preview's first step: the draft's HTML alone — load, validate and render,
    no layout (about a tenth of a second for the real plan, against seconds for the
    PDF) — written to ``OUT/.preview/plan.html`` (``preview_path``). The HTML is the one
    ``build`` writes as plan.html (its links are relative to ``OUT``, so it is served at
    the same address); the PDF and the products' set are left to ``build``. Returns the
    file written; raises ``BuildError``."""
    from .load import load_plan
    from .render import Renderer
    from .write import content_href, stylesheet_href

    prepare(content, out, warn)
    with files.content_root(content):
        plan = load_plan(content)
        validate(plan, content, final=False, report=warn, verbose=False)
        html = Renderer().render(
            plan,
            stylesheet_href(out),
            document_date(content),
            draft=True,
            content_href=content_href(out, content),
        )
    target = preview_path(out)
    _check_folder(target.parent)
    files.publish(target.parent, {target.name: html.encode("utf-8")})
    return target


def _check_folder(folder: Path) -> None:
    """``folder`` is a folder of its own or absent: never a symbolic link (which would make
    the preview write elsewhere) or a file."""
    try:
        st = folder.lstat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise files.OutputError(files.os_error_problem(exc, folder)) from None
    if not stat.S_ISDIR(st.st_mode):
        raise files.OutputError(
            Problem(
                Pos(files.shown_path(folder)),
                (
                    "プレビューの置き場所がフォルダではありません（シンボリックリンクかファイルです）。"
                    "削除してから、もう一度 watch を実行してください。 (the preview folder is not a folder)"
                ),
            )
        )
