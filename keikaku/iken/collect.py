"""The 意見対応表's rows from reviewed copies: each file read (``package``), walked
(``reader``) and its marks gathered into rows by author and paragraph, placed in the
plan through the trace map (``collect_comments``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from ..docx import TRACE_PREFIX, TraceMap, read_trace_map
from ..errors import BuildError, Pos, Problem
from ..files import shown_path
from ..limits import (  # with every other limit
    MAX_IKEN_TEXT_CHARS,
    PANDOC_READ_TIMEOUT,
)
from ..pandoc import PandocFailed
from ..pandoc import run as run_pandoc
from .package import _mark_bookmarks, _read_file, _Refused, _repack, _trace_map_of, _unpack
from .reader import _Reader, _Unit
from .table import IkenRow

PANDOC_READ_HEAP = "2g"
"""Most memory pandoc's heap may take while reading one file (GHC's ``+RTS -M``)."""

#: 修正案 of a paragraph the reviewer deleted whole.
DELETED = "（削除）"


def _problem(shown: str, message: str) -> Problem:
    return Problem(Pos(shown), message)


def _rows_of(
    units: list[_Unit], tmap: TraceMap | None, shown: str, file_index: int
) -> list[IkenRow]:
    rows: dict[tuple, IkenRow] = {}
    last_mark: str | None = None
    for unit in units:
        host = unit.footnote_of
        name = next((m for m in unit.marks if m.startswith(TRACE_PREFIX)), None)
        after = False
        if name is None and host is None:
            # A paragraph without a bookmark: one the reviewer added after the last one that
            # has one (or, before any, one that cannot be placed).
            name, after = last_mark, last_mark is not None
        elif name is not None and unit.footnote_of is None:
            last_mark = name
        if host is not None:
            host_name = next((m for m in host.marks if m.startswith(TRACE_PREFIX)), last_mark)
        else:
            host_name = name
        trace = tmap.traces.get(host_name or "") if tmap else None
        own = tmap.traces.get(name or "") if tmap and host is not None else trace
        located = trace is not None
        for author in unit.authors():
            changes = [p for p in unit.pieces if p.state and p.author == author] + [
                p for p in unit.para_marks if p.author == author
            ]
            comments = [c for c in unit.comments if c.author == author]
            if not changes and not comments:
                continue
            key = (
                file_index,
                host_name if located else f"?{unit.index}",
                after,
                host is not None,
                author,
            )
            dates = [p.date for p in changes if p.date] + [c.date for c in comments if c.date]
            comment_texts = []
            for c in comments:
                anchor = c.anchored()
                comment_texts.append(f"「{anchor}」について：{c.body}" if anchor else c.body)
            original = unit.original()
            orig_marked = unit.original_marked(author)
            proposed_marked = unit.proposed_marked(author) if changes else ()
            proposed = "".join(t for t, _ in proposed_marked)
            if any(p.state == "del" for p in unit.para_marks if p.author == author):
                proposed += "（次の段落と結合）"
            if changes and not proposed.strip():
                proposed, proposed_marked = DELETED, ()  # the whole paragraph deleted
            note = ""
            if host is not None:
                note = "（脚注）"
            elif after:
                before = re.sub(r"\s+", "", trace.text if trace else "")
                before = before if len(before) <= 20 else before[:19] + "…"
                note = f"（「{before}」の後に追加された段落）" if before else "（追加された段落）"
            kind = "修正・コメント" if changes and comments else ("修正" if changes else "コメント")
            row = rows.get(key)
            if row is None:
                where = trace.where if trace else ()
                if not located:
                    reason = (
                        "（しおりが見つからない段落）"
                        if host_name is None
                        else "（しおりが元の計画の対応表にない段落）"
                    )
                    note = reason + note
                rows[key] = IkenRow(
                    0,
                    where,
                    note,
                    (own.id if own else ""),
                    (own.path if own else ""),
                    (own.src if own else ""),
                    host_name or "",
                    shown,
                    author or "（不明）",
                    min(dates) if dates else "",
                    kind,
                    original,
                    proposed,
                    orig_marked,
                    proposed_marked,
                    tuple(comment_texts),
                    located=located,
                    plan_title=tmap.title if tmap else "",
                    revision=tmap.revision if tmap else "",
                    order=(
                        trace.order if trace else 10**9,
                        after,
                        host is not None,
                        file_index,
                        min(dates) if dates else "",
                        author,
                        unit.index,
                    ),
                )
            else:
                # More paragraphs by the same author at the same place (paragraphs added one
                # after another, or a footnote with several paragraphs): one row.
                row.original = "\n".join(x for x in (row.original, original) if x)
                row.proposed = "\n".join(x for x in (row.proposed, proposed) if x)
                row.original_marked = (
                    row.original_marked
                    + ((("\n", False),) if row.original_marked else ())
                    + orig_marked
                )
                row.proposed_marked = (
                    row.proposed_marked
                    + ((("\n", False),) if row.proposed_marked else ())
                    + proposed_marked
                )
                row.comments = row.comments + tuple(comment_texts)
                if dates:
                    row.date = min([row.date, *dates]) if row.date else min(dates)
                if row.kind != kind:
                    row.kind = "修正・コメント"
    return list(rows.values())


def _read_reviewed(path: Path, reference: TraceMap | None) -> tuple[list[_Unit], TraceMap | None]:
    data = _read_file(path)
    parts = _unpack(data)
    tmap = _trace_map_of(parts)
    doc = parts["word/document.xml"].decode("utf-8", "replace")
    has_marks = f'w:name="{TRACE_PREFIX}' in doc
    if tmap is None:
        if not has_marks:
            raise _Refused(
                "plan.docx から作った文書ではありません（計画の段落のしおりも対応表もありません）。"
                "協議用に配布した plan.docx に変更履歴とコメントを付けたものを指定してください。"
                " (not derived from plan.docx)"
            )
        tags = set(re.findall(rf'w:name="{TRACE_PREFIX}([a-z0-9]+)_', doc))
        if reference is None or reference.tag not in tags:
            raise _Refused(
                "段落のしおりはありますが、しおりと計画の対応表が文書から失われています。"
                "配布した元の plan.docx も指定してください（--plan-docx）。 (trace map missing: give the original plan.docx)"
            )
        tmap = reference
    parts["word/document.xml"] = _mark_bookmarks(doc).encode("utf-8")
    if "word/footnotes.xml" in parts:
        parts["word/footnotes.xml"] = _mark_bookmarks(
            parts["word/footnotes.xml"].decode("utf-8", "replace")
        ).encode("utf-8")
    try:
        out = run_pandoc(
            [
                "+RTS",
                f"-M{PANDOC_READ_HEAP}",
                "-RTS",
                "--track-changes=all",
                "-f",
                "docx",
                "-t",
                "json",
                "reviewed.docx",
            ],
            b"",
            timeout=PANDOC_READ_TIMEOUT,
            files_in={"reviewed.docx": _repack(parts)},
        )
    except PandocFailed as exc:
        raise _Refused(
            f"pandoc が文書を読めませんでした（{exc.message}）。Word で開いて保存し直してください。"
            " (pandoc could not read the document)"
        ) from None
    try:
        ast = json.loads(out)
    except ValueError:
        raise _Refused("pandoc の出力を読めませんでした。 (unreadable pandoc output)") from None
    reader = _Reader()
    reader.blocks(ast.get("blocks", []))
    return reader.units, tmap


def collect_comments(
    docx_paths: Iterable[Path | str], plan_docx: Path | str | bytes | None = None
) -> list[IkenRow]:
    """The 意見対応表's rows from the reviewed copies of plan.docx: located rows in plan
    order, numbered 1, 2 …, then the rows that could not be placed (``located`` False,
    numbered on). ``plan_docx`` is the plan.docx that was sent out (path or bytes): it
    supplies the trace map to a copy whose program dropped it. Every file is checked
    before anything is returned; problems raise ``BuildError``, one line per file."""
    reference: TraceMap | None = None
    problems: list[Problem] = []
    if plan_docx is not None:
        try:
            ref_bytes = plan_docx if isinstance(plan_docx, bytes) else _read_file(Path(plan_docx))
            _unpack(ref_bytes)
            reference = read_trace_map(ref_bytes)
            if reference is None:
                problems.append(
                    _problem(
                        "plan.docx"
                        if isinstance(plan_docx, bytes)
                        else shown_path(Path(plan_docx)),
                        "plan.docx の対応表（customXml）がありません。build.py が作った plan.docx を"
                        "指定してください。 (no trace map in the reference plan.docx)",
                    )
                )
        except _Refused as exc:
            problems.append(
                _problem(
                    shown_path(Path(plan_docx))
                    if not isinstance(plan_docx, bytes)
                    else "plan.docx",
                    exc.message,
                )
            )
    rows: list[IkenRow] = []
    paths = [Path(p) for p in docx_paths]
    if not paths:
        problems.append(
            _problem(
                "comments", "意見を集める Word 文書を一つ以上指定してください。 (no files given)"
            )
        )
    for index, path in enumerate(paths):
        shown = shown_path(path)
        try:
            units, tmap = _read_reviewed(path, reference)
        except _Refused as exc:
            problems.append(_problem(shown, exc.message))
            continue
        except BuildError as exc:
            problems.extend(Problem(Pos(shown), p.message) for p in exc.problems)
            continue
        except Exception as exc:
            problems.append(
                _problem(
                    shown,
                    f"文書を読めませんでした（{type(exc).__name__}）。Word で開いて"
                    "保存し直してください。 (unreadable document)",
                )
            )
            continue
        found = _rows_of(units, tmap, path.name, index)
        longest = max(
            (
                (len(text), row)
                for row in found
                for text in (row.original, row.proposed, *row.comments)
            ),
            default=(0, None),
            key=lambda pair: pair[0],
        )
        if longest[1] is not None and longest[0] > MAX_IKEN_TEXT_CHARS:
            row = longest[1]
            problems.append(
                _problem(
                    shown,
                    f"{row.author or '（記入者なし）'}の{row.kind}（{row.where[-1] if row.where else '位置不明'}）"
                    f"の文が長すぎます（{longest[0]:,}字。意見対応表の 1 つの欄は "
                    f"{MAX_IKEN_TEXT_CHARS:,}字まで）。意見を分けるか、別の資料で送ってもらって"
                    "ください。 (comment or change too long)",
                )
            )
            continue
        rows.extend(found)
    if problems:
        raise BuildError(problems)
    located = sorted((r for r in rows if r.located), key=lambda r: r.order)
    lost = sorted((r for r in rows if not r.located), key=lambda r: r.order[3:])
    for n, row in enumerate([*located, *lost], start=1):
        row.number = n
    return [*located, *lost]
