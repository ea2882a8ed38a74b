"""A table row that splits over pages starts with every one of its cells, or on the next page.

WeasyPrint lays out a row's cells one by one and splits the row where a cell's content
runs past the page. A cell that cannot place anything there — its first lines are kept
together with ``break-after: avoid`` and ``orphans``, as the 新旧対照表 keeps an item's
heading path and title with its first lines — is drawn empty and its whole content goes
to the next page, while the other cells start at the foot of this one: one side of the
row begins a page later than the other. WeasyPrint gives a row up only when *every* cell
is empty (``weasyprint.layout.table``, "No cell was displayed, give up row").

A table that asks for it (``data-keep-row-starts`` on its ``<table>``) is laid out again
when that happens, with the row's ``break-inside`` set to ``avoid`` for that one layout:
WeasyPrint then breaks the page before the row, the rule it already applies to such a
row. Only a row with rows before it on the page is moved (the first one must start
somewhere, and splits as before), and its style is put back at once, so the row still
splits where it continues. This reaches into WeasyPrint's layout
(``weasyprint.layout.block.table_layout``, the name ``block_level_layout_switch`` calls);
it is installed only for the version it was written for (``WRITTEN_FOR``, the one
requirements.lock pins), and tables without the attribute are laid out as before.
"""

from __future__ import annotations

from typing import Any

import weasyprint
from weasyprint.layout import block

#: The WeasyPrint version whose table layout this module relies on.
WRITTEN_FOR = "70.0"
#: The attribute of a ``<table>`` whose rows start whole.
ATTRIBUTE = "data-keep-row-starts"

_original_table_layout = block.table_layout


def _table_layout(context, table, bottom_space, skip_stack, containing_block, *rest):
    result = _original_table_layout(
        context, table, bottom_space, skip_stack, containing_block, *rest
    )
    element = getattr(table, "element", None)
    if element is None or element.get(ATTRIBUTE) is None or table.element_tag != "table":
        return result
    row = _stranded_row(table, result[0], result[1])
    if row is None:
        return result
    _page_is_empty, absolute_boxes, fixed_boxes = rest
    block.remove_placeholders(context, [result[0]], absolute_boxes, fixed_boxes)
    style = row.style
    row.style = style.copy()
    row.style["break_inside"] = "avoid"
    try:
        return _original_table_layout(
            context, table, bottom_space, skip_stack, containing_block, *rest
        )
    finally:
        row.style = style


def _stranded_row(table, laid_out, resume_at) -> Any:
    """The row (of ``table``, as built) that this page split with a cell that placed
    nothing though it has content, if rows before it are on the page; else None."""
    if laid_out is None or not resume_at:
        return None
    ((group_index, in_group),) = resume_at.items()
    if not isinstance(in_group, dict) or not in_group:
        return None
    ((row_index, cells),) = in_group.items()
    if not cells:  # the page breaks before the row, not inside it
        return None
    groups = [g for g in laid_out.children if not (g.is_header or g.is_footer)]
    if not groups or sum(len(g.children) for g in groups) < 2 or not groups[-1].children:
        return None
    fragment = groups[-1].children[-1]
    row = table.children[group_index].children[row_index]
    stranded = any(
        getattr(cell, "empty", False) and original.children
        for cell, original in zip(fragment.children, row.children, strict=False)
    )
    return row if stranded else None


def installed() -> bool:
    """Whether the hook is in WeasyPrint's layout (only for ``WRITTEN_FOR``)."""
    return block.table_layout is _table_layout


if weasyprint.__version__ == WRITTEN_FOR:
    block.table_layout = _table_layout
