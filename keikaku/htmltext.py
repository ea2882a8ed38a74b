"""Printed text (``tree.Inline``) as HTML: what markdown-it's HTML renderer gives for the
same Markdown (the loader's ``Text.html``), made from the tree's one reading of it.

A footnote call becomes the ``<span class="footnote">`` holding the footnote's text, which
the stylesheet floats to the foot of the page and numbers (``render.screen_notes`` adds
the screen's links). Strong, emphasis, strikeout, code and links are set as markdown-it
sets them; a hard line break as ``<br />`` and a new line, a table cell's line end as
``<br>`` (as the loader joins a cell's lines); a range set small as a ``span`` of the
class the caller names (``year``, ``unit``); a range set aside (the ≪≫ of a group's
vision) as ``span.vision-bracket``, hidden from screen readers.
"""

from __future__ import annotations

from typing import assert_never

from markdown_it.common.utils import escapeHtml
from markupsafe import Markup

from . import tree


class InlineHtml:
    """Renders the printed texts of one document; the footnotes' bodies come from its
    ``Document.footnotes``."""

    def __init__(self, document: tree.Document) -> None:
        self._notes = {f.id: f.text for f in document.footnotes}
        self._bodies: dict[str, str] = {}

    def __call__(
        self, text: tree.Inline | None, *, small: str = "year", cell: bool = False
    ) -> Markup:
        if text is None:
            return Markup("")
        return Markup(self._runs(text, 0, len(text.text), text.nested(), small, cell))

    def _runs(
        self,
        text: tree.Inline,
        start: int,
        end: int,
        marks: list[tree.Mark],
        small: str,
        cell: bool,
    ) -> str:
        """``text[start:end]``; ``marks`` the ranges inside it, outer first (nested as
        the Word edition's runs are, ``docx/core.py``)."""
        out: list[str] = []
        at, n = start, 0
        while n < len(marks):
            m = marks[n]
            inner = tree.held(marks, n)
            out.append(self._plain(text, at, m.start))
            kids = self._runs(text, m.start, m.end, marks[n + 1 : inner], small, cell)
            match m.kind:
                case "strong":
                    out.append(f"<strong>{kids}</strong>")
                case "em":
                    out.append(f"<em>{kids}</em>")
                case "strike":
                    out.append(f"<s>{kids}</s>")
                case "code":
                    out.append(f"<code>{kids}</code>")
                case "link":
                    title = f' title="{escapeHtml(m.title)}"' if m.title else ""
                    out.append(f'<a href="{escapeHtml(m.href)}"{title}>{kids}</a>')
                case "break":
                    out.append("<br>" if cell else "<br />\n")
                case "small":
                    out.append(f'<span class="{small}">{kids}</span>')
                case "aside":
                    out.append(f'<span class="vision-bracket" aria-hidden="true">{kids}</span>')
                case _:
                    assert_never(m.kind)
            at, n = m.end, inner
        out.append(self._plain(text, at, end))
        return "".join(out)

    def _plain(self, text: tree.Inline, start: int, end: int) -> str:
        out: list[str] = []
        at = start
        for call in text.calls:
            if start <= call.at < end:
                out.append(escapeHtml(text.text[at : call.at]))
                out.append(self.footnote(call.footnote))
                at = call.at + 1
        out.append(escapeHtml(text.text[at:end]))
        return "".join(out)

    def footnote(self, fid: str) -> str:
        """A footnote call: the footnote's text, floated to the page's foot by the stylesheet."""
        if fid not in self._bodies:
            body = self(self._notes[fid]) if fid in self._notes else Markup("")
            self._bodies[fid] = f'<span class="footnote" data-footnote="{fid}">{body}</span>'
        return self._bodies[fid]
