"""The Word edition's public functions: ``docx_bytes``, ``start_docx``, the page numbers."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from ..docx_fonts import Cutting, ast_text, used_text
from ..errors import BuildError
from ..model import (
    Plan,
)
from ..pandoc import Running
from ..pandoc import start as start_pandoc
from .builder import _Builder
from .package import _EPOCH_1980, _api_version, _finish, _reference
from .trace_map import revision_tag

# ------------------------------------------------------------------ the public functions


def docx_bytes(
    plan: Plan,
    *,
    draft: bool = True,
    revision: str,
    date: datetime,
    pages: Mapping[str, int] | None = None,
    content: Path | None = None,
) -> bytes:
    """plan.docx as bytes. ``revision`` names the content it is built from (a commit, or
    any string), recorded with every bookmark; ``date`` goes into the document properties
    (the same date as the PDF's: ``dates.document_date``); ``pages`` are the page numbers
    of the headings to show in the 目次 (``pdf_page_numbers`` of the PDF of the same
    build; without them the 目次 lists the headings without numbers until Word refreshes
    it); ``content`` is the content folder, for the images of figures (default: the one
    ``files.content_root`` set). Raises ``BuildError``.

    The build makes the same bytes with ``start_docx`` while the PDF is laid out."""
    with start_docx(
        plan, draft=draft, revision=revision, date=date, content=content, pages=pages or {}
    ) as word:
        return word.result()


class WordEdition:
    """plan.docx on its way: the AST built, pandoc running (``start_docx``). ``result``
    waits for pandoc and completes the package; leaving the ``with`` block without it
    (the layout failed) stops pandoc and removes its folder."""

    def __init__(
        self,
        builder: _Builder,
        job: Running,
        *,
        revision: str,
        date: datetime,
        fonts: Cutting | None = None,
    ) -> None:
        self.builder = builder
        self.job = job
        self.revision = revision
        self.date = date
        self.fonts = fonts

    def result(self, pages: Mapping[str, int] | None = None) -> bytes:
        """The package, its page-number slots (if any) filled with ``pages`` (as
        ``page_numbers`` gives them). Raises ``BuildError``."""
        written = self.job.result()
        return _finish(
            written,
            self.builder,
            revision=self.revision,
            date=self.date,
            pages=pages,
            fonts=self.fonts,
        )

    def __enter__(self) -> WordEdition:
        return self

    def __exit__(self, *exc: object) -> None:
        self.job.close()
        if self.fonts is not None:
            self.fonts.close()


def start_docx(
    plan: Plan,
    *,
    draft: bool = True,
    revision: str,
    date: datetime,
    content: Path | None = None,
    pages: Mapping[str, int] | None = None,
) -> WordEdition:
    """Build the Word edition's AST and start pandoc on it, returning at once: the build
    lays the PDF out while pandoc, a process of its own, writes the package on the other
    core. The page numbers (the PDF's, known only after the layout) are left as slots
    that ``WordEdition.result`` fills in, unless ``pages`` are given here (``docx_bytes``).
    Either way the bytes are the same. Raises ``BuildError``."""
    tag = revision_tag(revision)
    builder = _Builder(plan, draft=draft, tag=tag, pages=pages, content=content)
    blocks = builder.build()
    if builder.problems:
        raise BuildError(builder.problems)
    doc = {"pandoc-api-version": _api_version(), "meta": {}, "blocks": blocks}
    reference = _reference(builder)
    # The faces cut down to the text, on the other core while the PDF is laid out.
    with zipfile.ZipFile(io.BytesIO(reference)) as ref:
        shown = used_text({i.filename: ref.read(i) for i in ref.infolist()})
    fonts = Cutting(ast_text(blocks, shown))
    epoch = str(int(max(date, _EPOCH_1980).timestamp()))
    job = start_pandoc(
        [
            "-f",
            "json",
            "-t",
            "docx",
            "--no-highlight",
            "--reference-doc=reference.docx",
            "-o",
            "plan.docx",
        ],
        json.dumps(doc, ensure_ascii=False).encode("utf-8"),
        env={"SOURCE_DATE_EPOCH": epoch},
        output="plan.docx",
        files_in={"reference.docx": reference},
    )
    return WordEdition(builder, job, revision=revision, date=date, fonts=fonts)


def page_numbers(
    anchor_pages: Mapping[str, int], plan: Plan, *, draft: bool = True
) -> dict[str, int]:
    """The page number the PDF prints on the page of every heading, from the page (counted
    from 0) each anchor lands on (``write.layout``): counted from the first part, as the
    PDF's 「- n -」 (the cover and the 目次 carry no number)."""
    outline = plan.outline(draft)
    first = next(
        (
            anchor_pages[h.anchor]
            for h in outline.headings
            if h.depth == 1 and h.anchor in anchor_pages
        ),
        None,
    )
    if first is None:
        return {}
    return {
        h.anchor: anchor_pages[h.anchor] - first + 1
        for h in outline.headings
        if h.anchor in anchor_pages and anchor_pages[h.anchor] >= first
    }


def pdf_page_numbers(pdf: bytes, plan: Plan, *, draft: bool = True) -> dict[str, int]:
    """The page number the PDF prints on the page of every heading (its named
    destinations), for the Word 目次: counted from the first part, as the PDF's
    「- n -」 (the cover and the 目次 carry no number)."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    index: dict[str, int] = {}
    for name, dest in reader.named_destinations.items():
        try:
            page = reader.get_destination_page_number(dest)
        except Exception:  # a destination pypdf cannot resolve is left out
            continue
        if page is not None:
            index[str(name)] = page
    return page_numbers(index, plan, draft=draft)
