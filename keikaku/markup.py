"""Markdown to HTML, once, at load time.

One ``MarkdownIt`` instance serves the whole build. Raw HTML is off, so content cannot
inject markup. Nothing in content may make the layout engine fetch anything: an image
is an error, and a link may point only to the web (http, https), to mail, or to a
place in the document (#id) — links are never fetched, but a ``file:`` or relative
link in a published plan would point at the machine that built it.

One extension: ``[^id]`` calls a footnote defined in ``content/footnotes.yaml`` (the
draft's ※ notes); it becomes an element that CSS floats to the foot of the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markupsafe import Markup

from .errors import Pos, Problems

_FOOTNOTE_CALL = re.compile(r"\[\^([A-Za-z0-9_-]+)\]")
_ALLOWED_LINK = re.compile(r"^(https?://|mailto:|#)", re.I)


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
        # GFM tables and strikethrough, as editors paste them; nothing else beyond CommonMark.
        md.enable(["table", "strikethrough"])
        # Every link reaches the render rule below, which reports the refused ones
        # (markdown-it's own check would drop them silently).
        md.validateLink = lambda url: True
        md.inline.ruler.before("link", "footnote_call", _footnote_call)
        default_link_open = md.renderer.rules.get("link_open")
        md.renderer.rules["link_open"] = (
            lambda tokens, idx, options, env: self._check_link(tokens, idx, env)
            or (default_link_open(tokens, idx, options, env) if default_link_open
                else md.renderer.renderToken(tokens, idx, options, env)))
        md.renderer.rules["image"] = lambda tokens, idx, options, env: self._refuse_image(tokens, idx, env)
        # A heading inside Markdown would sit outside the plan's numbering and 目次.
        md.renderer.rules["heading_open"] = lambda tokens, idx, options, env: self._refuse_heading(tokens, idx, env)
        md.renderer.rules["heading_close"] = lambda tokens, idx, options, env: "</p>"
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
        return f'<span class="footnote" data-footnote="{fid}">{body}</span>'

    def _check_link(self, tokens, idx, env) -> str:
        href = tokens[idx].attrGet("href") or ""
        if not _ALLOWED_LINK.match(href):
            env["problems"].add(
                env["pos"],
                f"リンク先「{href}」は使えません。http:// か https:// で始まる公開のアドレス、"
                "mailto:、または文書内の #ID を指定してください。 (link target refused)")
            tokens[idx].attrSet("href", "#")
        return ""

    def _refuse_image(self, tokens, idx, env) -> str:
        src = tokens[idx].attrGet("src") or ""
        env["problems"].add(
            env["pos"],
            f"画像「{src}」は文中には置けません。図は figure ブロックに、表題（caption）・出典（source）・"
            "代替テキスト（alt）とともに書いてください。 (images go in a figure block)")
        return ""

    def _refuse_heading(self, tokens, idx, env) -> str:
        line = (tokens[idx].map or [0])[0]
        pos = env["pos"]
        where = type(pos)(pos.path, pos.line + line, 1) if pos.line else pos
        env["problems"].add(
            where,
            "Markdown の見出し（#）は使えません。見出しは section ブロックで書いてください"
            "（番号と目次は見出しの位置から付けられます）。 (headings in Markdown are not allowed)")
        return "<p>"

    def inline(self, text: str, pos: Pos, problems: Problems) -> Markup:
        """Render one line of content text (no paragraphs)."""
        return Markup(self._md.renderInline(text, {"problems": problems, "pos": pos}))

    def block(self, text: str, pos: Pos, problems: Problems) -> Markup:
        """Render a Markdown fragment (paragraphs, lists, headings)."""
        return Markup(self._md.render(text, {"problems": problems, "pos": pos}))
