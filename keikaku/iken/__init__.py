"""The 意見対応表: what the reviewers marked in their copies of plan.docx, in plan order.

Other bureaus and ministries return the Word edition (``docx/``) with tracked changes and
comments. ``collect_comments`` reads every returned file with Pandoc (``pandoc --sandbox
--track-changes=all -f docx -t json``) and gathers every insertion, deletion and comment
with its author and date; each becomes part of a row of the 意見対応表 at the place in the
plan it was made: the headings above it with the plan's numbering, and the content item
(id and field path) its paragraph was built from. Changes and comments by one author in
one paragraph form one row, with the paragraph's original text and the text the author
proposes. Rows come in plan order; the 対応 column is left for the planning staff.
``write_iken_xlsx`` writes the table for working on (internal ids included) and
``write_iken_pdf`` for circulating (no internal ids).

How a paragraph is traced: every paragraph of plan.docx starts with a bookmark
``kk_<tag>_<n>`` that the custom XML part ``customXml/item1.xml`` (the trace map) maps to
its content item. Bookmarks move with the text when a reviewer edits around them, so the
trace survives editing; a paragraph a reviewer added has none and is placed after the
paragraph before it. Pandoc's reader keeps only bookmarks that a link points to, so each
``kk_`` bookmark is first made visible to it as a marker run (private-use characters
around its name) at the bookmark's place. If a reviewer's program dropped the trace map,
the original plan.docx (``plan_docx``) supplies it. A mark that can no longer be placed
(its bookmark gone or unknown) is listed separately, never dropped.

The modules: ``package`` reads a file safely, ``reader`` walks pandoc's JSON of it,
``collect`` makes the rows (``table``), ``xlsx`` and ``pdf`` write them.
"""

from __future__ import annotations

from .collect import collect_comments
from .pdf import iken_html, iken_pdf_bytes, write_iken_pdf
from .table import COLUMNS, IkenRow
from .xlsx import iken_xlsx_bytes, write_iken_xlsx

__all__ = [
    "COLUMNS",
    "IkenRow",
    "collect_comments",
    "iken_html",
    "iken_pdf_bytes",
    "iken_xlsx_bytes",
    "write_iken_pdf",
    "write_iken_xlsx",
]
