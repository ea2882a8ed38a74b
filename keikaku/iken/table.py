"""The 意見対応表's rows: their columns (``COLUMNS``), one row (``IkenRow``), and the
date a table of them records (``_when``): what ``collect`` makes and both writers read.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

#: The columns of the 意見対応表, and whether each goes into the PDF (internal ids do not).
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("number", "番号", True),
    ("place", "箇所", True),
    ("item_id", "項目ID", False),
    ("item_path", "項目内の位置", False),
    ("source", "内容ファイル", False),
    ("bookmark", "しおり", False),
    ("file", "提出ファイル", True),
    ("author", "意見提出者", True),
    ("date", "日付", True),
    ("kind", "種別", True),
    ("original", "原文", True),
    ("proposed", "修正案", True),
    ("comments", "コメント", True),
    ("response", "対応", True),
)


@dataclass
class IkenRow:
    """One row of the 意見対応表: what one reviewer marked in one paragraph."""

    number: int
    where: tuple[str, ...]
    """The headings above the paragraph, with the plan's numbering (「第１章　…」)."""
    note: str
    """What the row is about within that place: 「（脚注）」, 「（この段落の後に追加）」 …"""
    item_id: str
    item_path: str
    source: str
    bookmark: str
    file: str
    author: str
    date: str
    """The earliest date of the row's marks (ISO 8601, as Word records it)."""
    kind: str
    """修正, コメント, or 修正・コメント."""
    original: str
    proposed: str
    original_marked: tuple[tuple[str, bool], ...]
    """The original text in runs, True where this reviewer deleted."""
    proposed_marked: tuple[tuple[str, bool], ...]
    """The proposed text in runs, True where this reviewer inserted."""
    comments: tuple[str, ...]
    response: str = ""
    located: bool = True
    plan_title: str = ""
    revision: str = ""
    order: tuple = field(default=(), repr=False)

    @property
    def place(self) -> str:
        return "\n".join(self.where) + (f"\n{self.note}" if self.note else "")

    def value(self, column: str) -> str | int:
        if column == "comments":
            return "\n".join(self.comments)
        if column == "place":
            return self.place
        return getattr(self, column)


def _when(rows: list[IkenRow], date: datetime | None) -> datetime:
    """The date the table records: given, or the newest mark's (same input, same bytes)."""
    if date is not None:
        return date
    stamps = []
    for r in rows:
        with contextlib.suppress(ValueError):
            stamps.append(datetime.fromisoformat(r.date.replace("Z", "+00:00")))
    newest = max(stamps, default=datetime(2000, 1, 1, tzinfo=UTC))
    return newest if newest.tzinfo else newest.replace(tzinfo=UTC)
