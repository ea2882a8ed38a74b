"""The loader's second layer: content text from YAML values — one line of inline
Markdown, a table cell, Markdown inline or in a file — each within its limit, rendered,
and its refused characters reported where they are written.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .. import limits, model, tables
from ..errors import BuildError, Pos, Problems
from ..glyphs import written_at
from ..limits import MAX_PROSE_CHARS, MAX_TEXT_CHARS
from ..markup import printed_text
from ..model import Prose, Text
from ..sources import character_problem, locate, offset_to_pos, read_text, refused_characters
from .reading import Reading, _kind_of


class Values(Reading):
    """Content text from YAML values (a layer of ``Loader``)."""

    def text(self, value: Any, pos: Pos, label: str, source: str | None = None) -> Text | None:
        """One line of content text (inline Markdown). ``source`` is the value as written
        where YAML read it as other than text: ``1.10``, ``yes`` and ``~`` print as typed."""
        if source is not None and not isinstance(value, str):
            value = source
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(
                pos,
                f"{label}は文字列で書いてください（{_kind_of(value)}になっています）。"
                " (expected text)",
            )
            return None
        raw = str(value).strip()
        if not raw:
            todo = (
                "内容を書くか、項目ごと削除してください"
                if self.removable
                else "内容を書いてください"
            )
            self.add(pos, f"{label}が空です。{todo}。 (empty text)")
            return None
        if not self._within(raw, pos, label, MAX_TEXT_CHARS):
            return None
        if "\n" in raw:
            # Just after the character before it: a line break (or a \n) is not itself searchable.
            before = locate(self.sources, pos, raw, raw.index("\n") - 1)
            self.add(
                Pos(before.path, before.line, before.col + 1) if before != pos else pos,
                character_problem("\n"),
            )
        return Text(raw, self._rendered(raw, pos), pos)

    def cell(
        self, value: Any, pos: Pos, label: str, source: str | None = None
    ) -> model.Cell | None:
        """A table cell: may be empty; a line break in it is kept as a line break."""
        if source is not None and not isinstance(value, str):
            value = source or None
        if value is None:
            return model.Cell("", Markup(""), pos)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.add(
                pos,
                f"{label}は文字列で書いてください（{_kind_of(value)}になっています）。"
                " (expected text)",
            )
            return None
        raw = str(value).strip()
        if len(raw) > limits.MAX_CELL_CHARS:
            self.add(pos, tables.cell_too_long(len(raw)))
            return model.Cell(raw, Markup(""), pos)  # refused; its row keeps its length
        lines, start = [], 0
        for line in raw.split("\n"):
            lead = len(line) - len(line.lstrip())
            lines.append(self._rendered(line.strip(), pos, offset=start + lead, whole=raw))
            start += len(line) + 1
        return model.Cell(raw, Markup("<br>").join(lines), pos)

    def inline_prose(self, value: Any, pos: Pos, label: str) -> model.InlineProse | None:
        if not isinstance(value, str) or not value.strip():
            self.add(pos, f"{label}には Markdown の文章を書いてください。 (expected Markdown text)")
            return None
        if not self._within(value, pos, label, MAX_PROSE_CHARS):
            return None
        return model.InlineProse("", value, self._rendered(value, pos, block=True), pos)

    def prose(self, value: Any, pos: Pos, label: str) -> Prose | None:
        if not isinstance(value, str):
            self.add(
                pos, f"{label}は Markdown ファイルのパスで書いてください。 (expected a .md path)"
            )
            return None
        target = self.resolve(value, pos, label, ".md")
        if target is None:
            return None
        shown = self.shown(value)
        try:
            raw = read_text(self.root / value, shown, root=self.root)
        except BuildError as exc:
            self.problems.items.extend(exc.problems)
            return None
        self.sources[shown] = raw
        start = Pos(shown, 1, 1)
        if not raw.strip():
            self.add(start, "Markdown ファイルが空です。本文を書いてください。 (empty file)")
            return None
        if not self._within(raw, start, label, MAX_PROSE_CHARS):
            return None
        refused = list(refused_characters(raw))
        for index, ch in refused:
            self.add(offset_to_pos(raw, shown, index), character_problem(ch))
        if refused:
            return None
        return Prose(
            value,
            raw,
            self._rendered(raw, start, block=True, where=lambda i: offset_to_pos(raw, shown, i)),
            start,
        )

    def _within(self, raw: str, pos: Pos, label: str, limit: int) -> bool:
        """Whether a text keeps to its length limit (checked before any work on it)."""
        if len(raw) <= limit:
            return True
        self.add(
            pos,
            f"{label}が長すぎます（{len(raw):,}字。{limit:,}字まで）。分けて書いてください。"
            " (text too long)",
        )
        return False

    def _rendered(
        self,
        raw: str,
        pos: Pos,
        *,
        block: bool = False,
        where=None,
        offset: int = 0,
        whole: str | None = None,
    ) -> Markup:
        """Markdown to HTML; its problems (refused links, unknown footnotes) get the field
        path and the place they were written. ``raw`` is ``whole[offset:]`` for a line of a
        table cell. A character that only a reference prints (``&#x202E;``) is refused
        like the character itself."""
        whole = raw if whole is None else whole
        if where is None:

            def where(index: int) -> Pos:
                return locate(self.sources, pos, whole, offset + index)

        local = Problems()
        html = (self.md.block if block else self.md.inline)(raw, pos, local, where)
        for problem in local.items:
            self.add(problem.pos, problem.message)
        shown = printed_text(raw, block=block)
        refused = [(i, ch) for i, ch in refused_characters(shown) if ch not in raw]
        if refused:
            places = written_at(raw, {ch for _, ch in refused})
            for _, ch in refused:
                index, written = places[ch][0] if places[ch] else (0, "")
                self.add(where(index), character_problem(ch, written))
        return html
