"""The plan as a Word document for consultation (協議用の Word 版): ``plan.docx``.

Before the plan is decided its draft goes to other bureaus and ministries for comments.
They work in Word: they mark the draft up with tracked changes and comments and send it
back, and ``iken/`` collects every mark into the 意見対応表. This module writes that
Word edition from the same loaded ``Plan`` as the PDF: the same document tree, the same
outline (第１章, （２）, ア …), the same labels, so the two editions read alike.

**Pandoc, not python-docx.** Pandoc's docx writer gives real footnotes, Word's built-in
heading styles, tables with repeated header rows and merged cells, images, bookmarks from
element ids and ``custom-style`` paragraphs, from an AST that is easy to build; python-docx
has no footnote API and would need raw XML for most of that. The same tool reads a reviewed
copy back with its tracked changes and comments (``--track-changes=all``). What Pandoc does
not do — a section break between the front matter and the body, a pre-filled 目次 field,
the running head and page numbers, the map of bookmarks — is raw OpenXML in the AST, parts
of the reference document made here, or a small rewrite of the package afterwards.

How the document is made:

1. ``_Builder`` visits the document tree (``tree.printed``: one method per node kind,
   dispatched by ``match``, so that mypy proves every kind handled) and writes Pandoc's
   JSON AST: every paragraph a ``Div`` with
   a ``custom-style`` (made to measure: indents in characters as in the PDF), every
   heading a ``Header`` of level = its outline depth (Word's Heading 1–6), its number as
   text. Each paragraph starts with an empty span whose id becomes a Word bookmark
   (``kk_<tag>_<n>``): the trace back to the content (see ``Trace``), as each node's
   ``tree.Trace`` gives it. Text is the document tree's printed text (``tree.Inline``:
   one parse of the Markdown, its marks as Word runs, no HTML parsed back); the numbers,
   labels, generated lists, ＫＰＩ tables and diagrams' boxes are the tree's. Generated lists
   are Word tables; the diagram of 課題 → 姿 → 重点目標 is a table of its three columns; a
   figure's PNG or JPEG is inlined, an SVG stands in as 「［図：代替テキスト］」 (Word shows
   SVG only with a PNG fallback, which pandoc makes only with rsvg-convert).
2. The 目次 is raw OpenXML: a TOC field over the heading styles, down to the deepest level
   the PDF's 目次 lists (the headings it leaves out are in 「Plan Heading n」, based on
   Heading n, so a refreshed 目次 lists the same headings), filled in with the entries as
   the headings read and, when given, the PDF's page numbers (``pdf_page_numbers``) in
   PAGEREF fields; settings.xml asks Word to update fields on opening.
3. ``_reference`` makes the reference document from Pandoc's default one (``pandoc
   --print-default-data-file reference.docx``): our styles, fonts, header (素案) and
   footer (「- n -」, a PAGE field), A4 with the plan's margins; ``_finish`` embeds the
   fonts (``docx_fonts``). The フォローアップ's Word edition (``followup_docx.py``) is
   written against the same reference document (``reference_docx``), in the same styles
   (``StyleBook``, ``heading_indent``, ``finish_body``).
4. ``pandoc -f json -t docx --reference-doc=…`` writes the package; ``_finish`` adds the
   sections (``_sections``: the front matter without page numbers and its cover without a
   page head; then one per part, numbered from 1 at 第１章, its page head naming it but on
   its opening page), each heading's
   indent as the PDF hangs it, unbreakable table rows, our settings (pandoc rebuilds
   settings.xml from its own), the trace map as a custom XML part, document properties,
   and fixes every date, so the same content gives the same bytes.

Pandoc is the binary of the pinned ``pypandoc-binary`` wheel (``pandoc.py``), run with
``--sandbox`` in an empty temporary folder with an empty home: it reads only our AST and
the reference document, and writes only the package.

The package, one module per part (each imports only those before it):

- ``pandoc_ast``: Pandoc's AST (``Str``, ``Span``, ``Div``, ``TableBlock`` …) and the units
  of the page (``EM``, ``TEXT_W``);
- ``trace_map``: the trace of every paragraph (``Trace``) and its custom XML part;
- ``styles``: the styles made to measure (``StyleBook``), the headings' looks
  (``heading_indent``) and the styles part of the reference document;
- ``core``, ``tables``, ``lists``, ``builder``: ``_Builder``, the tree's visitor; what
  its parts share, its tables, figures, diagrams and Markdown, its generated lists, the
  document, its headings, parts, paragraphs and lists;
- ``package``: the reference document (``reference_docx``) and the finishing of Pandoc's
  package (``finish_body``, ``_finish``);
- ``edition``: ``docx_bytes``, ``start_docx`` and the page numbers read off the PDF.
"""

from __future__ import annotations

from ..pandoc import PandocFailed, PandocMissing
from ..pandoc import run as run_pandoc
from .edition import WordEdition, docx_bytes, page_numbers, pdf_page_numbers, start_docx
from .package import finish_body, reference_docx
from .pandoc_ast import TAB, TEXT_W, Div, Para, Span, Str, marked
from .styles import StyleBook, heading_indent, heading_widths
from .trace_map import (
    BOOKMARK,
    MAP_NAMESPACE,
    TRACE_PREFIX,
    Trace,
    TraceMap,
    parse_trace_map,
    read_trace_map,
    revision_tag,
)

__all__ = [
    "BOOKMARK",
    "MAP_NAMESPACE",
    "TAB",
    "TEXT_W",
    "TRACE_PREFIX",
    "Div",
    "PandocFailed",
    "PandocMissing",
    "Para",
    "Span",
    "Str",
    "StyleBook",
    "Trace",
    "TraceMap",
    "WordEdition",
    "docx_bytes",
    "finish_body",
    "heading_indent",
    "heading_widths",
    "marked",
    "page_numbers",
    "parse_trace_map",
    "pdf_page_numbers",
    "read_trace_map",
    "reference_docx",
    "revision_tag",
    "run_pandoc",
    "start_docx",
]
