"""The plan as printed: the document tree between the content model and the writers.

``printed(plan)`` walks the typed plan (``model/``) once, in the order the PDF sets it,
and returns a ``Document``: a small closed set of frozen node kinds (``Node``), each
holding *what the page prints* — the number the outline gives a heading (``outline.py``,
reused, never redone), its title with every reference resolved (``goal:``,
``goal_outline:``, ``vision:``, the ≪…≫ of a group, the boxes of a diagram), the labels
(【…】, 出典：, （今後設定）…) in the editors' wording, the 図１・表２ of figures and tables,
the marker of every list item, the rows of every table (the 【ＫＰＩ】 and the generated
lists included), the texts and arrows of the figures drawn from data, and every footnote
call with the number the page prints (※1, ※2 …), counted in the same walk. Each node
carries its ``Trace``: the id of the content entity it comes from, the field path inside
it and the place in its content file.

Text is ``Inline``: the printed characters, a footnote call standing as 「※」 with its
number beside it in ``calls``, and the ranges set in strong, emphasis, strikeout, code,
links and line breaks in ``marks`` (for Word; the comparison leaves them out). It is made
from the content's Markdown by one parse with the plan's own parser (``markup.parser``)
and a plain-text renderer of its tokens (``PlainText``, a markdown-it renderer class); no
HTML is ever parsed back. ``inline`` gives a content text so, and ``prose_blocks`` a
passage of Markdown as its paragraphs, lists, tables, quotes and code.

Who reads it. The HTML of the PDF and the screen (``render.py``, the Jinja templates)
sets these nodes, one macro per kind (``render.node_kind`` names it, checked by mypy with
``assert_never``), each printed text by ``htmltext.InlineHtml``: what markdown-it's HTML
renderer gives for the same Markdown. The 新旧対照表 (``shinkyu/``) flattens these nodes
and compares what is printed; ``footnote_numbers`` comes from here. The Word writer
(``docx/``) is a visitor of these nodes, one method per kind; its trace map
(``docx/trace_map.py``) records each paragraph's ``Trace``, so a node carries the traces
of the paragraphs Word sets from it (a table's cells, a list's items, a figure's caption …).

The walk's order *is* the page's order: footnote numbers are counted in it. A writer that
prints something the tree does not hold, or in another order, changes the numbers;
``tests/test_tree.py`` compares them with the ※n of the built PDF, so add the text to the
tree first, in its place, and the test tells whether the two agree. What the page prints
but the tree leaves to the layout (page numbers, the running head, the watermark) stays
with the writer.

The package, one module per part (each imports only those before it): ``text``, printed
text and Markdown's blocks; ``nodes``, the node kinds, ``children`` and ``walk``;
``printing``, what the walk shares (numbered text, labels, a ＫＰＩ's values);
``generated``, the lists generated where the content puts them (cover, 目次, 参考１–４);
``printer``, the walk itself (``printed``, ``footnote_numbers``, ``society_graph``).

Where the template prints a value that is not a content text (the 目次's plain titles,
the SVG of 図１ and the alt text of an image, set from ``Text.plain``), no footnote is
counted, as on the page.
"""

from __future__ import annotations

from .nodes import (
    Arrow,
    Box,
    Cover,
    Diagram,
    Document,
    Field,
    Figure,
    Footnote,
    Generated,
    Heading,
    List,
    ListItem,
    Node,
    Note,
    PageBreak,
    Paragraph,
    Part,
    Pending,
    Prose,
    Row,
    Table,
    Toc,
    TocEntry,
    Trace,
    children,
    walk,
)
from .printer import footnote_numbers, printed, society_graph
from .printing import content_id, kpi_columns
from .text import (
    LINE_BREAK,
    Call,
    Inline,
    Mark,
    MarkKind,
    PlainText,
    ProseBlock,
    ProseCode,
    ProseList,
    ProsePara,
    ProseQuote,
    ProseTable,
    held,
    inline,
    join,
    prose_blocks,
)

__all__ = [
    "LINE_BREAK",
    "Arrow",
    "Box",
    "Call",
    "Cover",
    "Diagram",
    "Document",
    "Field",
    "Figure",
    "Footnote",
    "Generated",
    "Heading",
    "Inline",
    "List",
    "ListItem",
    "Mark",
    "MarkKind",
    "Node",
    "Note",
    "PageBreak",
    "Paragraph",
    "Part",
    "Pending",
    "PlainText",
    "Prose",
    "ProseBlock",
    "ProseCode",
    "ProseList",
    "ProsePara",
    "ProseQuote",
    "ProseTable",
    "Row",
    "Table",
    "Toc",
    "TocEntry",
    "Trace",
    "children",
    "content_id",
    "footnote_numbers",
    "held",
    "inline",
    "join",
    "kpi_columns",
    "printed",
    "prose_blocks",
    "society_graph",
    "walk",
]
