"""Markdown to HTML, once, at load time.

One ``MarkdownIt`` instance serves the whole build. Raw HTML is off, so content cannot
inject markup, and images are off, so content cannot make the layout engine fetch a
file. One extension: ``[^id]`` calls a footnote defined in ``content/footnotes.yaml``
(the draft's ※ notes); it becomes an element that CSS floats to the foot of the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup

from .errors import Pos, Problems

_FOOTNOTE_CALL = re.compile(r"\[\^([A-Za-z0-9_-]+)\]")


def _footnote_call(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("[^", state.pos):
        return False
    match = _FOOTNOTE_CALL.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("footnote_call", "", 0)
        token.meta = {"id": match.group(1)}
    state.pos = match.end()
    return True


class Markup2Html:
    """Renders content text; footnote bodies are looked up through ``footnote_html``."""

    def __init__(self) -> None:
        md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
        md.disable("image")
        md.inline.ruler.before("link", "footnote_call", _footnote_call)
        # markdown-it binds render rules to its renderer, so the rule reaches this
        # object's footnote lookup through a closure rather than ``self``.
        md.renderer.rules["footnote_call"] = (
            lambda tokens, idx, options, env: self._render_footnote_call(tokens, idx, env))
        self._md = md
        self.footnote_html: Callable[[str], Markup | None] = lambda _id: None

    def _render_footnote_call(self, tokens, idx, env) -> str:
        fid = tokens[idx].meta["id"]
        body = self.footnote_html(fid)
        if body is None:
            env["problems"].add(
                env["pos"],
                f"脚注「{fid}」が footnotes.yaml にありません。脚注を追加するか、[^{fid}] を直してください。"
                " (unknown footnote)",
            )
            return ""
        env.setdefault("footnotes", []).append(fid)
        return f'<span class="footnote" data-footnote="{fid}">{body}</span>'

    def inline(self, text: str, pos: Pos, problems: Problems) -> Markup:
        """Render one line of content text (no paragraphs)."""
        return Markup(self._md.renderInline(text, {"problems": problems, "pos": pos}))

    def block(self, text: str, pos: Pos, problems: Problems) -> Markup:
        """Render a Markdown fragment (paragraphs, lists, headings)."""
        return Markup(self._md.render(text, {"problems": problems, "pos": pos}))
