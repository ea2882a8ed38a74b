"""Limits on what content may hold, in one place.

Content comes from many hands and is not trusted: each limit keeps a mistaken or
hostile file from costing minutes or gigabytes, and is refused with a message at the
place it is exceeded. The real plan sits far inside every one of them (its longest text
is under 200 characters, its deepest file 14 levels, its blocks 8 levels deep).
"""

from __future__ import annotations

MAX_TEXT_CHARS = 20_000
"""Characters in one text field (a title, a paragraph, a list item, a footnote …): a
long paragraph of the draft is a few hundred. A table cell has a limit of its own
(``MAX_CELL_CHARS``)."""

MAX_PROSE_CHARS = 100_000
"""Characters in one Markdown passage (a ``markdown:`` block or a ``prose:`` file): more
than the whole text of the plan today."""

# ------------------------------------------------------------------ tables
# The layout engine sizes a table's columns from their text: for each cell it finds the
# narrowest the cell can be by breaking its text at every point it may break, and with
# Japanese text (a break between any two characters, no spaces) each break lays out the
# rest of the cell again (WeasyPrint's ``split_first_line`` shortens the text only at a
# space: Kozea/WeasyPrint#720, #578). A cell's cost so grows with the square of its
# length: 250 characters 0.3 s, 500 about 1 s, 1,000 2.5 s, 2,000 about 10 s (plain
# WeasyPrint 70 on this machine; 50 cells of 2,000 took 740 s). In a build a cell of 300
# costs about 0.5 s, a row of four short cells about 16 ms; ``python -m bench.tables``
# measures both and checks that the cost per cell stays level up to the limits.

MAX_TABLE_ROWS = 1_000
"""Rows of one table (a ``table:`` block or a Markdown table), headers included: a
ministry's ＫＰＩ table of a few hundred rows fits."""

MAX_CELL_CHARS = 300
"""Characters in one table cell: a few sentences (about 1 s of layout at most). A
longer explanation belongs in the text beside the table."""

MAX_TABLE_CHARS = 20_000
"""Characters in all the cells of one table together: 300 rows of 60 characters, or
66 cells at the length limit (the slowest table the limits allow)."""

MAX_FOOTNOTES = 2_000
"""Footnotes in ``content/footnotes.yaml``."""

MAX_DEPTH = 64
"""Levels of nesting of lists and mappings in one YAML file, counted from the file's top."""

MAX_BLOCK_DEPTH = 32
"""Levels of blocks inside blocks (sections, list items, groups …), counted across
included files from ``plan.yaml``."""

MAX_PROBLEMS_PER_FILE = 100
"""Problems reported for one YAML file before the reader stops looking at it: a file
full of the same mistake is reported by its first ones, not by a million lines."""

# ------------------------------------------------------------------ files and folders
# (files/, images.py, stamp.py, watch.py). The real content folder is about 0.1 MB in a
# few dozen files, its largest file under 20 kB.

MB = 1024 * 1024
"""One megabyte, in bytes."""

MAX_TEXT_FILE_BYTES = 2 * MB
"""Largest YAML or Markdown content file, in bytes (the real plan's largest is under
20 kB). It is read whole into memory, parsed and kept for messages; a larger file is
almost certainly not text an editor wrote."""

MAX_IMAGE_BYTES = 20 * MB
"""Largest image file of a figure (PNG, JPEG, SVG), in bytes: a figure scanned at print
resolution fits, and the layout engine decodes every image in memory. Also the largest
file the layout engine may fetch (the vendored fonts are about 5 MB each)."""

MAX_IMAGE_PIXELS = 50_000_000
"""Most pixels (width × height) of a PNG or JPEG figure: an A4 page scanned at 600 dpi
(35 megapixels) fits. A small file can hold a huge image, and decoding one costs 4 bytes
a pixel (200 MB here), so the pixels are limited as well as the bytes."""

PRINT_DPI = 300
"""The resolution figures are printed at: an image larger than the text block at this
resolution is scaled down to it once, before the layout and the Word edition, and the
result kept under ``.cache/figures`` (``images.printed``)."""

PRINT_BOX_MM = (166.7, 250.0)
"""The text block of the page (A4 less ``plan.css``'s margins), in millimetres: the
largest a figure is printed."""

MAX_SVG_ELEMENTS = 50_000
"""Most elements an SVG figure may draw, counting every copy a ``<use>`` (or a pattern,
marker, mask or clip path referred to by ``url(#…)``) makes of what it refers to. The
layout engine draws each copy, about 0.2 ms apiece: a 1 kB file of ``<use>`` nested six
levels deep, ten times each, draws a million and takes minutes. A figure exported from a
drawing program draws a few thousand."""

MAX_SVG_COORDINATE = 1_000_000
"""Largest absolute value of a number in an SVG's geometry (sizes, positions, the
``viewBox``, path data): a drawing in points or pixels stays in the thousands, and
``1e308`` or ``NaN`` only make the layout engine fail."""

MAX_CONTENT_BYTES = 50 * MB
"""Largest total size of all files in the content folder, images included, in bytes. The
no-op check hashes the folder on every run, and the live preview every half second."""

MAX_CONTENT_ENTRIES = 10_000
"""Most files and folders the content folder may hold (the real plan: a few dozen). The
folder is walked before anything is read, so a mistaken ``--content`` (a home folder,
``/``) is refused at once instead of being read to the end."""

MAX_STATE_FILE_BYTES = 1 * MB
"""Largest bookkeeping file the build reads back from the output folder (``.build-stamp``,
the publishing journal): a few hundred bytes when the build wrote them."""

MAX_SERVED_BYTES = 512 * MB
"""Largest file the live preview serves (a product, a style or font file)."""

PREVIEW_IDLE_SECONDS = 10.0
"""The live preview closes a connection that sends nothing for this long, so that idle
or slow clients cannot hold its threads."""

MAX_OPTION_CHARS = 200
"""Longest title or column head a command-line option of ``build.py diff`` may give."""

# ------------------------------------------------------------------ other programs

GIT_TIMEOUT = 120.0
"""Seconds one git command may take (``diff``'s ``git archive`` of a revision, the
document date, the Word edition's revision): each takes well under a second."""

PANDOC_TIMEOUT = 120
"""Seconds pandoc may take to write the Word edition (the real plan takes about a second)."""

PANDOC_READ_TIMEOUT = 90
"""Seconds pandoc may take to read one reviewed file (the real plan takes well under one)."""

# ------------------------------------------------------------------ office files
# Reviewed copies of plan.docx (iken/) and ＫＰＩ sheets (kpi_sheet/) come back
# from other offices: each is a zip, refused unopened when it declares more than these.

MAX_DOCX_BYTES = 20 * MB
"""Largest reviewed file read: the plan's Word edition is well under 1 MB."""

MAX_DOCX_UNZIPPED_BYTES = 200 * MB
"""Largest total declared size of a reviewed file's members (a zip bomb is refused unopened)."""

MAX_DOCX_MEMBERS = 2000
"""Most members a reviewed file may hold (Word writes a few dozen)."""

MAX_XML_BYTES = 20 * MB
"""Largest XML part passed to pandoc (the real plan's document.xml is about 0.5 MB)."""

MAX_XML_TOTAL = 50 * MB
"""Largest total of the XML parts passed to pandoc."""

MAX_IKEN_TEXT_CHARS = 10_000
"""Characters of one comment, or of one passage a reviewer inserted or deleted, in the
意見対応表: a long comment is a few hundred. Excel keeps at most 32,767 in a cell, and the
PDF table set a comment of 50,000 characters in 28 s."""

MAX_SHEET_BYTES = 10 * MB
"""Largest ＫＰＩ sheet file read: the plan's ＫＰＩ fit in a few dozen kilobytes."""

MAX_SHEET_UNZIPPED_BYTES = 100 * MB
"""Largest total declared size of an .xlsx's members: a zip bomb is refused unopened."""

MAX_SHEET_MEMBERS = 1000
"""Most members an .xlsx may hold (one from Excel has about a dozen)."""

MAX_SHEET_ROWS = 10_000
"""Most rows of a sheet read (the plan has a few dozen ＫＰＩ)."""

MAX_SHEET_COLUMNS = 40
"""Columns read per row: the sheet has twelve; columns an editor added are ignored."""

MAX_SHEET_CELLS = MAX_SHEET_ROWS * MAX_SHEET_COLUMNS
"""Cells a sheet of an .xlsx may hold (400,000), counted before the workbook is opened."""

MAX_SHEET_STRINGS = 100_000
"""Texts in an .xlsx's table of shared strings (Excel keeps each distinct text of the
workbook there once: the plan's ＫＰＩ need a few hundred). openpyxl reads the whole table
when it opens the workbook: 5 million texts of one letter (85 MB unpacked, 0.2 MB packed)
took 290 s and 550 MB."""
