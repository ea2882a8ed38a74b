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

import bisect
import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, cast

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML, RendererProtocol
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup

from . import limits, tables
from .errors import Pos, Problems
from .sources import printable

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


Where = Callable[[int], Pos]
"""Turns a character index of the rendered text into the place it was written."""


def _table_rows(tokens, within) -> int:
    """The rows of the Markdown table that holds the token ``within``."""
    return _count_in_table(tokens, within, lambda t: t.type == "tr_open")


def _table_chars(tokens, within) -> int:
    """The characters in the cells of the Markdown table that holds the token ``within``."""
    return _count_in_table(tokens, within, lambda t: len(t.content) if t.type == "inline" else 0)


def _count_in_table(tokens, within, count) -> int:
    index = next(i for i, t in enumerate(tokens) if t is within)
    start = max(i for i in range(index + 1) if tokens[i].type == "table_open")
    total = 0
    for token in tokens[start:]:
        if token.type == "table_close":
            break
        total += count(token)
    return total


def _line_starts(text: str) -> list[int]:
    return [0, *(m.end() for m in re.finditer("\n", text))]


class _MarkdownIt(MarkdownIt):
    """markdown-it letting every link through: the check in ``Markup2Html`` reports the
    refused ones (markdown-it's own check would drop them silently)."""

    def validateLink(self, url: str) -> bool:
        return True


def parser(
    renderer_cls: Callable[[MarkdownIt], RendererProtocol] = RendererHTML,
) -> MarkdownIt:
    """The plan's Markdown: CommonMark without raw HTML, GFM tables and strikethrough (as
    editors paste them; nothing else), and ``[^id]`` footnote calls. Every link reaches
    the check in ``Markup2Html`` (see ``_MarkdownIt``). The same parser serves the HTML
    here and the printed text of the document tree (``tree/``), each with its own
    renderer class."""
    md = _MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": False},
        renderer_cls=renderer_cls,
    )
    md.enable(["table", "strikethrough"])
    md.inline.ruler.before("link", "footnote_call", _footnote_call)
    return md


# ------------------------------------------------------------------ printed text
# The same parse read as the characters a reader sees, by a renderer class of its own:
# the document tree's texts (tree/text.py), the 目次 and bookmarks (``Text.plain``), the
# 新旧対照表 (``Text.display``) and the glyph checks. No HTML is read back for them.

#: What a marked range of printed text is: strong, emphasis, strikeout, code, a link (its
#: target in ``Mark.href``), a line break (the 「\\n」 it covers breaks the line: a hard
#: break in Markdown, the line end in a table cell; a soft break is a space), set small
#: (the page's ``span.year``: a ＫＰＩ value's year, an indicator's unit in the ＫＰＩ一覧), or
#: set aside (the ≪≫ around a group's vision: printed, not read out by a screen reader).
MarkKind = Literal["strong", "em", "strike", "code", "link", "break", "small", "aside"]


@dataclass(frozen=True)
class Mark:
    """A marked range ``[start, end)`` of an ``Inline``'s ``text``. Ranges nest as the
    Markdown does; of two with the same range the one listed first holds the other."""

    start: int
    end: int
    kind: MarkKind
    href: str = ""
    title: str = ""
    """A link's title, as the Markdown gives it (``[text](url "title")``)."""

    def shifted(self, by: int) -> Mark:
        return dataclasses.replace(self, start=max(self.start + by, 0), end=self.end + by)


class PlainText(RendererProtocol):
    """A markdown-it renderer class for printed text: the characters a reader sees, with
    「※」 for a footnote call (its id in ``env["calls"]``); emphasis, links and code keep
    their text, an image (refused by the loader) none; the ranges set in strong, emphasis,
    strikeout, code, links and hard line breaks go to ``env["marks"]`` (``Mark``). Block
    tokens are read by ``Printer.prose``, which gives one line per paragraph, list item or
    table row."""

    __output__: ClassVar[str] = "text"

    #: The tokens that open and close a marked range, and its kind.
    MARKED: ClassVar[dict[str, MarkKind]] = {
        "strong_open": "strong",
        "em_open": "em",
        "s_open": "strike",
        "link_open": "link",
    }
    CLOSING: ClassVar[frozenset[str]] = frozenset(
        ("strong_close", "em_close", "s_close", "link_close")
    )

    def __init__(self, parser: Any = None) -> None:
        pass

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        out: list[str] = []
        calls: list[tuple[int, str]] = env.setdefault("calls", [])
        marks: list[Mark] = env.setdefault("marks", [])
        base = env.get("at", 0)
        opened: list[int] = []  # per open range: its index in marks
        for token in tokens:
            at = base + sum(map(len, out))
            kind = token.type
            if kind == "inline" and token.children is not None:
                env["at"] = at
                out.append(self.render(token.children, options, env))
                env["at"] = base
            elif kind == "text":
                out.append(token.content)
            elif kind == "code_inline":
                marks.append(Mark(at, at + len(token.content), "code"))
                out.append(token.content)
            elif kind == "softbreak":
                out.append("\n")
            elif kind == "hardbreak":
                marks.append(Mark(at, at + 1, "break"))
                out.append("\n")
            elif kind == "footnote_call":
                calls.append((at, token.meta["id"]))
                out.append("※")
            elif kind in self.MARKED:
                link = kind == "link_open"
                href = str(token.attrGet("href") or "") if link else ""
                title = str(token.attrGet("title") or "") if link else ""
                opened.append(len(marks))
                marks.append(Mark(at, at, self.MARKED[kind], href, title))
            elif kind in self.CLOSING and opened:
                n = opened.pop()
                marks[n] = dataclasses.replace(marks[n], end=at)
        return "".join(out)


@functools.cache
def printing_parser() -> MarkdownIt:
    """The plan's parser with the printed-text renderer (``PlainText``)."""
    return parser(PlainText)


#: Texts up to this length have their printed text kept (``printed_text``): a title, a
#: list item or a cell, read again by every load of a process (the live preview's, a
#: test session's). Longer ones, a Markdown file up to its limit, are parsed each time.
CACHED_TEXT_CHARS = 2_000


def printed_text(raw: str, *, block: bool = False, calls: bool = True) -> str:
    """The characters ``raw`` prints, from one parse of it: 「※」 where a footnote is
    called (its body is printed at the foot of the page, from footnotes.yaml), or nothing
    there with ``calls`` False, as the 目次 and the bookmarks show a title. With ``block``
    it is a fragment of Markdown: its paragraphs, list items, table cells and code blocks,
    each on a line of its own."""
    if len(raw) <= CACHED_TEXT_CHARS:
        return _kept_printed_text(raw, block, calls)
    return _printed_text(raw, block, calls)


def _printed_text(raw: str, block: bool, calls: bool) -> str:
    md = printing_parser()
    env: dict = {}
    if block:
        parts: list[str] = []
        for token in md.parse(raw, env):
            if token.type == "inline" and token.children is not None:
                parts.append(PlainText().render(token.children, md.options, env))
            elif token.type in ("code_block", "fence"):
                parts.append(token.content)
            else:
                continue
            env["at"] = env.get("at", 0) + len(parts[-1]) + 1  # where the next part starts
        text = "\n".join(parts)
    else:
        text = PlainText().render(md.parseInline(raw, env), md.options, env)
    if calls or not env.get("calls"):
        return text
    cut = {at for at, _ in env["calls"]}
    return "".join(ch for i, ch in enumerate(text) if i not in cut)


#: At most 4,096 texts of 2,000 characters and their printed texts: some 30 MB at worst,
#: far less for a plan's titles and items.
_kept_printed_text = functools.lru_cache(maxsize=4_096)(_printed_text)


class Markup2Html:
    """Renders content text; footnote bodies are looked up through ``footnote_html``.

    Each problem (a refused link, an image, a heading, an unknown footnote) is reported at
    the place it was written: the parsed tokens give the line, the line's text the column,
    and the caller's ``where`` turns that index of the text into a place in its file."""

    def __init__(self) -> None:
        md = parser()
        # markdown-it types its renderer only as a protocol (without ``rules``), and the
        # rules of its default renderer as bound methods: any callable of
        # (tokens, idx, options, env) serves: ``render`` calls it so.
        rules = cast(dict[str, Callable[..., str]], cast(RendererHTML, md.renderer).rules)
        rules["image"] = lambda tokens, idx, options, env: ""
        # A heading inside Markdown would sit outside the plan's numbering and 目次.
        rules["heading_open"] = lambda tokens, idx, options, env: "<p>"
        rules["heading_close"] = lambda tokens, idx, options, env: "</p>"
        # markdown-it binds render rules to its renderer, so the rule reaches this
        # object's footnote lookup through a closure rather than ``self``.
        rules["footnote_call"] = lambda tokens, idx, options, env: self._render_footnote_call(
            tokens, idx
        )
        self._md = md
        self.footnote_html: Callable[[str], Markup | None] = lambda _id: None

    def _render_footnote_call(self, tokens, idx) -> str:
        fid = tokens[idx].meta["id"]
        body = self.footnote_html(fid)
        if body is None:
            return ""  # reported by _check
        return f'<span class="footnote" data-footnote="{fid}">{body}</span>'

    def _check(self, tokens, text: str, where: Where, problems: Problems) -> None:
        """Report what content may not do, each at the place it is written; refused links
        are made harmless (``#``) before rendering."""
        starts = _line_starts(text)

        def line_range(line: int) -> tuple[int, int]:
            line = min(max(line, 0), len(starts) - 1)
            return starts[line], (starts[line + 1] if line + 1 < len(starts) else len(text))

        def find(needle: str, line: int, cursor: int) -> int:
            begin, end = line_range(line)
            found = text.find(needle, max(begin, cursor), end)
            if found < 0:
                found = text.find(needle, begin, end)
            return found if found >= 0 else begin

        rows = chars = 0  # of the table being read
        too_many: Token | None = None  # a row past the limit, reported at its first cell
        for token in tokens:
            if token.type in ("table_open", "table_close"):
                rows = chars = 0
            elif token.type == "tr_open":
                rows += 1
                if rows == limits.MAX_TABLE_ROWS + 1:
                    too_many = token
            elif token.type == "inline" and rows:
                # A cell of a table: its text, without the | and the spaces around it.
                line = (token.map or [0])[0]
                at = find(token.content, line, 0) if token.content else line_range(line)[0]
                if too_many is not None:
                    problems.add(where(at), tables.too_many_rows(_table_rows(tokens, token)))
                    too_many = None
                if len(token.content) > limits.MAX_CELL_CHARS:
                    problems.add(where(at), tables.cell_too_long(len(token.content)))
                chars += len(token.content)
                if chars > limits.MAX_TABLE_CHARS >= chars - len(token.content):
                    problems.add(where(at), tables.too_long(_table_chars(tokens, token)))
            if token.type == "heading_open":
                begin, end = line_range((token.map or [0])[0])
                problems.add(
                    where(begin + len(text[begin:end]) - len(text[begin:end].lstrip(" "))),
                    "Markdown の見出し（#）は使えません。見出しは section ブロックで書いてください"
                    "（番号と目次は見出しの位置から付けられます）。 (headings in Markdown are not allowed)",
                )
            if token.type != "inline" or not token.children:
                continue
            line = (token.map or [0])[0]
            cursor = line_range(line)[0]
            for child in token.children:
                if child.type in ("softbreak", "hardbreak"):
                    line += 1
                    cursor = line_range(line)[0]
                elif child.type == "link_open":
                    at = find("<" if child.markup == "autolink" else "[", line, cursor)
                    cursor = at + 1
                    href = child.attrGet("href") or ""
                    if not _ALLOWED_LINK.match(str(href)):
                        problems.add(
                            where(at),
                            f"リンク先「{printable(str(href))}」は使えません。http:// か https:// で始まる"
                            "公開のアドレス、mailto:、または文書内の #ID を指定してください。 (link target refused)",
                        )
                        child.attrSet("href", "#")
                elif child.type == "image":
                    at = find("![", line, cursor)
                    cursor = at + 1
                    problems.add(
                        where(at),
                        f"画像「{printable(str(child.attrGet('src') or ''))}」は文中には置けません。"
                        "図は figure ブロックに、表題（caption）・出典（source）・代替テキスト（alt）とともに"
                        "書いてください。 (images go in a figure block)",
                    )
                elif child.type == "footnote_call":
                    fid = child.meta["id"]
                    at = find(f"[^{fid}]", line, cursor)
                    cursor = at + 1
                    if self.footnote_html(fid) is None:
                        problems.add(
                            where(at),
                            f"脚注「{fid}」が footnotes.yaml にありません。脚注を追加するか、"
                            f"[^{fid}] を直してください。 (unknown footnote)",
                        )

    @staticmethod
    def _where(text: str, pos: Pos, where: Where | None, block: bool) -> Where:
        if where is not None:
            return where
        if not block or not pos.line:
            return lambda _index: pos
        starts = _line_starts(text)

        def relative(index: int) -> Pos:
            line = bisect.bisect_right(starts, index) - 1
            col = index - starts[line] + (pos.col if line == 0 else 1)
            return Pos(pos.path, pos.line + line, col)

        return relative

    def inline(self, text: str, pos: Pos, problems: Problems, where: Where | None = None) -> Markup:
        """Render one line of content text (no paragraphs). ``where`` maps an index of
        ``text`` to its place (default: ``pos`` for everything)."""
        env: dict = {}
        tokens = self._md.parseInline(text, env)
        self._check(tokens, text, self._where(text, pos, where, False), problems)
        return Markup(self._md.renderer.render(tokens, self._md.options, env))

    def block(self, text: str, pos: Pos, problems: Problems, where: Where | None = None) -> Markup:
        """Render a Markdown fragment (paragraphs, lists, tables). ``where`` maps an index
        of ``text`` to its place (default: counted from ``pos``, as in a file of its own)."""
        env: dict = {}
        tokens = self._md.parse(text, env)
        self._check(tokens, text, self._where(text, pos, where, True), problems)
        return Markup(self._md.renderer.render(tokens, self._md.options, env))
