"""The 意見対応表 as a PDF (``iken.pdf``), for circulating: HTML from templates/iken.html
laid out by ``write.layout_pdf``, without internal ids.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from ..files import write_file
from .table import COLUMNS, IkenRow, _when


def _date_only(date: str) -> str:
    return date[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", date) else date


def iken_html(
    rows: list[IkenRow], *, title: str | None = None, date: datetime | None = None
) -> str:
    """The 意見対応表 as HTML for the PDF (templates/iken.html): no internal ids."""
    from ..paths import TEMPLATES_DIR
    from ..render import make_environment

    env = make_environment(TEMPLATES_DIR)
    when = _when(rows, date)
    plan_title = title or next((r.plan_title for r in rows if r.plan_title), "")
    columns = [(k, label) for k, label, pdf in COLUMNS if pdf]
    return env.get_template("iken.html").render(
        title=plan_title,
        rows=[r for r in rows if r.located],
        lost=[r for r in rows if not r.located],
        columns=columns,
        date=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        date_only=_date_only,
        files=list(dict.fromkeys(r.file for r in rows)),
    )


def write_iken_pdf(
    rows: list[IkenRow], path: Path, *, title: str | None = None, date: datetime | None = None
) -> Path:
    """Write ``iken_pdf_bytes`` to ``path`` (through a temporary file). Returns the path."""
    return write_file(Path(path), iken_pdf_bytes(rows, title=title, date=date))


def iken_pdf_bytes(
    rows: list[IkenRow], *, title: str | None = None, date: datetime | None = None
) -> bytes:
    """The 意見対応表 as a PDF: A4 landscape, the header row on every page, the rows that
    could not be placed in a table of their own, no internal ids; laid out by
    ``write.layout_pdf`` (templates/iken.html, styles/iken.css). ``title`` defaults to
    the plan's, from the trace map."""
    from ..paths import STYLES_DIR, TEMPLATES_DIR
    from ..write import layout_pdf

    html = iken_html(rows, title=title, date=date)
    return layout_pdf(html, STYLES_DIR.as_uri() + "/", allowed=[TEMPLATES_DIR, STYLES_DIR])
