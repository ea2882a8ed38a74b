"""Compare two revisions of the plan for the 新旧対照表 (``build.py diff``).

Each plan is first flattened into *items* in the order printed, from its printed model
(``tree/``), never from the YAML that produced it: the cover, every heading (節・項,
基本的な課題認識, 目指す社会の姿, 重点目標, 重点目標の案, ≪…≫, 政策パッケージ), every
figure drawn from data (図１, 図２: its boxes' texts and its arrows) and every footnote;
with ``lists``, the generated lists too (目次, 政策パッケージ一覧, ＫＰＩ一覧, 未定事項一覧),
which are left out by default. An item carries its heading path and number as the PDF
prints them, its title, and *blocks* of lines: the body of a heading (its paragraphs,
list items with their markers, notes, tables with their 表１, the 施策テーマの例 …) is one
block; a 政策パッケージ has one block per 【…】 part, its 【ＫＰＩ】 a table as the plan
prints it (指標｜単位｜基準値｜目標値｜備考, one row per ＫＰＩ, rows matched by the ＫＰＩ's
id, the changed cells marked; a 「（今後設定）」 with the reason the 未定事項一覧 gives it).
A table of a body is a line per row as well (its cells joined by ｜, to compare and pair
rows), each knowing its table and its cells, so that the 新旧対照表 prints a changed table
as a table: its header rows, its changed rows cell by cell, 「（略）」 rows for the rest.
Headings below an item are items of their own. A footnote is shown by the number the
PDF prints (※1, ※2 …), never by its id.

Every text is compared as printed, references resolved: a 重点目標 renamed shows at its
第３章 heading, at 第２章's 重点目標の案 and in 図１ (and, with ``lists``, in the 概要: an
item of its own after the plan's, ``overview.sheet``, whose own texts — lead, short
texts, main ＫＰＩ — are always compared); a changed label shows wherever it prints. A footnote call is 「※」 in the text (its number is the footnote item's), so a
footnote inserted early does not mark every later line.

Items are matched across revisions by key (the heading's id; 「diagram:society」 for 図１),
never by position. An item whose content is the same but which stands under another
parent heading, or out of order among the siblings both revisions share, is a move
(「（移動）」), not a deletion plus an addition. Lines without ids (the ■ and ・ points of a
package, the agenda of a meeting, the boxes of a figure) are compared as a sequence
within their block.

The modules: ``flatten`` makes a plan's items (``items``); ``align`` matches them across
revisions and makes the rows (``rows``), comparing each block with ``blocks`` and its lines
with ``lines``, every text with ``textdiff``; ``revisions`` reads the content at a git
revision.
"""

from __future__ import annotations

from .align import SUMMARY, compare_plans, summary
from .flatten import flatten, footnote_numbers
from .items import Block, Item, Line, TableRow
from .revisions import Revision, Source, load_revision, locate
from .rows import Cell, CellBlock, CellLine, CellRow, CellTable, Row

__all__ = [
    "SUMMARY",
    "Block",
    "Cell",
    "CellBlock",
    "CellLine",
    "CellRow",
    "CellTable",
    "Item",
    "Line",
    "Revision",
    "Row",
    "Source",
    "TableRow",
    "compare_plans",
    "flatten",
    "footnote_numbers",
    "load_revision",
    "locate",
    "summary",
]
