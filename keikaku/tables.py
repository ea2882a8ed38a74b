"""The limits of one table (``limits.MAX_TABLE_ROWS``, ``MAX_CELL_CHARS``,
``MAX_TABLE_CHARS``) and what an editor is told when a table exceeds them: the same for a
``table:`` block (``load``) and a table written in Markdown (``markup``)."""

from __future__ import annotations

from . import limits


def cell_too_long(chars: int) -> str:
    return (
        f"表のセルが長すぎます（{chars:,}字。1 つのセルは {limits.MAX_CELL_CHARS:,}字まで）。"
        "長い説明は表の外の本文に移し、セルには要点を書いてください。 (table cell too long)"
    )


def too_many_rows(rows: int) -> str:
    return (
        f"表の行が多すぎます（{rows:,}行。1 つの表は {limits.MAX_TABLE_ROWS:,}行まで）。"
        "表をいくつかに分けてください。この行から先が上限を超えています。 (too many rows in a table)"
    )


def too_long(chars: int) -> str:
    return (
        f"表の文字が多すぎます（セルを合わせて{chars:,}字。1 つの表は {limits.MAX_TABLE_CHARS:,}字まで）。"
        "表をいくつかに分けるか、長い説明を表の外の本文に移してください。"
        "この行で上限を超えています。 (table text too long)"
    )
