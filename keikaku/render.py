"""Render stage: the ``Plan`` into one HTML document, the same for the PDF and the screen.

The body is rendered first; the 目次 is then collected from the body's own headings,
so its entries and the numbering can never disagree with the text. Numbering is
generated here from the order of items (公用文: 第１章 → 第１節 → １ → （１） → ア → （ア）).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import jinja2
from markupsafe import Markup

from .figures import society_diagram, watermark_svg
from .model import Pending, Plan, Text
from .paths import TEMPLATES_DIR
from .typeset import squeeze_punctuation

if TYPE_CHECKING:
    from .compare import Row

_ZEN = str.maketrans("0123456789", "０１２３４５６７８９")
_IROHA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"


def zen(n: int) -> str:
    """A number in full-width digits: 12 → １２ (headings use full-width throughout)."""
    return str(n).translate(_ZEN)


def kana(n: int) -> str:
    """The n-th katakana label (1 → ア), as 公用文 numbers the fourth level."""
    if not 1 <= n <= len(_IROHA):
        raise ValueError(f"no katakana label for item {n}")
    return _IROHA[n - 1]


def number(n: int, style: str) -> str:
    """The label of the n-th item at a level: chapter, section, item, paren, kana, paren-kana."""
    return {
        "chapter": lambda: f"第{zen(n)}章",
        "section": lambda: f"第{zen(n)}節",
        "item": lambda: zen(n),
        "paren": lambda: f"（{zen(n)}）",
        "kana": lambda: kana(n),
        "paren-kana": lambda: f"（{kana(n)}）",
    }[style]()


def is_pending(value: object) -> bool:
    """True for a ``Pending`` item (used by templates to show 「（今後設定）」)."""
    return isinstance(value, Pending)


@dataclass(frozen=True)
class TocEntry:
    """One line of the 目次, collected from a rendered heading."""

    level: int
    anchor: str
    label: str
    title: str


class _HeadingCollector(HTMLParser):
    """Finds the headings that ``macros.html``'s ``heading`` marked for the 目次."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.entries: list[TocEntry] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "data-toc" in a:
            self.entries.append(TocEntry(int(a["data-toc"]), a.get("id") or "",
                                         a.get("data-label") or "", a.get("data-title") or ""))


def collect_toc(body: str) -> list[TocEntry]:
    parser = _HeadingCollector()
    # As a plain str: fed a Markup, the parser's every slice and concatenation builds a
    # new Markup object, which made this several times slower.
    parser.feed(str(body))
    parser.close()
    return parser.entries


class DocumentContext(TypedDict):
    """What ``document.html`` receives."""

    plan: Plan
    body: Markup
    toc: list[TocEntry]
    stylesheet: str
    keywords: str
    date: str
    draft: bool
    watermark: str
    """The draft watermark as a data: URL (empty in a final build)."""


def _data_url(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def make_environment(templates: Path | None = None) -> jinja2.Environment:
    """A Jinja environment for the plan: strict, autoescaped, filters in one place."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates or TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(number=number, zen=zen, kana=kana, plain=plain)
    env.globals.update(society_diagram=society_diagram)
    env.tests.update(pending=is_pending)
    return env


# One environment per process: compiling the templates is most of rendering's time
# (about 65 ms of 80), and the environment keeps them compiled between builds. It
# still picks up an edited template: Jinja checks each template's mtime when it is used.
_shared_environment = functools.cache(make_environment)


class Renderer:
    """Renders plans to HTML with the process's one Jinja environment."""

    def __init__(self) -> None:
        self.env = _shared_environment(TEMPLATES_DIR)

    def render(self, plan: Plan, stylesheet_href: str, date: datetime, *, draft: bool = True) -> str:
        """The whole document. A draft carries the 素案 watermark and the 未定事項一覧."""
        body = Markup(self.env.get_template("body.html").render(plan=plan, draft=draft))
        context: DocumentContext = {
            "plan": plan,
            "body": body,
            "toc": collect_toc(body),
            "stylesheet": stylesheet_href,
            "keywords": ", ".join(k.raw for k in plan.meta.keywords),
            "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),  # W3C date-time, as WeasyPrint reads it
            "draft": draft,
            "watermark": _data_url(watermark_svg(plan.meta.status.plain)) if draft else "",
        }
        return squeeze_punctuation(self.env.get_template("document.html").render(**context))

    def render_shinkyu(self, context: ShinkyuContext) -> str:
        """The 新旧対照表 of two revisions (``build.py diff``)."""
        return self.env.get_template("shinkyu.html").render(**context)


class ShinkyuContext(TypedDict):
    """What ``shinkyu.html`` receives."""

    title: str
    new_label: str
    old_label: str
    columns: list[tuple[str, str]]
    """(heading, side) in the order of the table's columns; side is "new" or "old"."""
    rows: list[Row]
    widths: bool
    """Whether width-only changes (ＤＸ → DX) are marked."""
    stylesheet: str



def plain(value: Text | str) -> str:
    """Content text without markup or footnote bodies (see ``Text.plain``)."""
    return value.plain if isinstance(value, Text) else str(value)
