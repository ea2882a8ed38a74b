"""The values of the model's fields: content text (``Text``, ``Cell``), passages of
Markdown (``Prose``) and 未定事項 (``Pending``); how a field is declared (``meta``,
``position``) and its type resolved (``fields_of``); every text of a model object
(``walk_texts``)."""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar

from markupsafe import Markup

from ..errors import Pos
from ..markup import printed_text

#: Where the default labels come from, in messages.
DEFAULTS_POS = "model.DEFAULT_LABELS"


def position() -> Any:
    """Where a block stands in its content file (filled in by the loader; not compared)."""
    return field(
        default=Pos(""),
        compare=False,
        metadata={"ja": "位置", "ref": None, "derived": True, "doc": ""},
    )


def meta(
    ja: str, *, ref: str | None = None, default: Any = ..., derived: bool = False, doc: str = ""
) -> Any:
    """Declare a model field: ``ja`` names it in messages and the schema; ``ref`` names the
    kind of entity whose id it holds; ``derived`` fields are filled by the loader, not read
    from YAML; ``doc`` explains the field to editors (JSON Schema description)."""
    md = {"ja": ja, "ref": ref, "derived": derived, "doc": doc}
    if default is ...:
        return field(metadata=md)
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple or None as a default")
    return field(default=default, metadata=md)


@dataclass(frozen=True)
class Text:
    """A piece of content text: the editor's source and its rendered inline HTML.

    Templates print it as markup (``__html__``); diffs and data exports use ``raw``.
    """

    raw: str
    """The text as written in the content file (inline Markdown)."""
    html: Markup
    """The text rendered once, at load time, with raw HTML disabled."""
    pos: Pos = field(compare=False, default=Pos(""))
    """Where the text stands in its content file."""

    def __html__(self) -> Markup:
        return self.html

    def __str__(self) -> str:
        return self.raw

    def __bool__(self) -> bool:
        return bool(self.raw)

    @functools.cached_property
    def display(self) -> str:
        """The text as printed, with 「※」 where a footnote is called: for the 新旧対照表.
        White space stays as written: the ideographic space in 「…の整備　等」 is text."""
        return self._printed(calls=True)

    @functools.cached_property
    def plain(self) -> str:
        """The text as a reader sees it, without markup or footnote calls: for the 目次,
        bookmarks, figures and metadata."""
        return self._printed(calls=False)

    def _printed(self, *, calls: bool) -> str:
        return printed_text(self.raw, calls=calls)


class Cell(Text):
    """A table cell: content text that may be empty, and may break lines (``\\n``). Its
    lines are read one by one, as the loader renders them, and printed one after another
    (``display``, ``plain``)."""

    def _printed(self, *, calls: bool) -> str:
        return "".join(printed_text(line.strip(), calls=calls) for line in self.raw.split("\n"))


@dataclass(frozen=True)
class Prose:
    """A passage of Markdown (paragraphs, lists, GFM tables), inline or from a file."""

    path: str
    """The fragment's path relative to the content directory ("" when written inline)."""
    raw: str
    """The Markdown source."""
    html: Markup
    """The rendered block HTML."""
    pos: Pos = field(compare=False, default=Pos(""))
    """Where the Markdown starts."""

    def __html__(self) -> Markup:
        return self.html


class InlineProse(Prose):
    """Markdown written in place in a YAML file (``markdown: |``)."""


@dataclass(frozen=True, kw_only=True)
class Pending:
    """未定事項: something the draft leaves for a later meeting (「次回以降に議論」).

    As a block (``- pending: 理由``) or as the value of a field (``kpis:``, ``date_line:``)
    it is shown as pending with its reason; it is never filled with made-up data.
    """

    KIND: ClassVar[str] = "pending"
    MAIN: ClassVar[str] = "pending"

    pending: Text = meta(
        "未定の理由", doc="なぜ未定か。素案の言葉で（例: 次回以降の計画部会で議論予定）"
    )
    label: Text | None = meta(
        "表示",
        default=None,
        doc="理由の前に示す語。省略すると「（今後記述）」（値の欄では「（今後設定）」）",
    )
    what: Text | None = meta(
        "未定事項一覧での呼び名",
        default=None,
        doc="参考の未定事項一覧で、見出しの後に示す名前。省略すると「本文」",
    )
    pos: Pos = position()
    """Where the pending item is recorded."""


@functools.cache
def fields_of(cls: type) -> tuple[tuple[dataclasses.Field, Any], ...]:
    """A model class's fields with their resolved types. Cached: resolving the type
    hints is costly, and loading, publishing and comparing all walk the same classes."""
    hints = typing.get_type_hints(cls)
    return tuple((f, hints[f.name]) for f in dataclasses.fields(cls))


def walk_texts(obj: Any, *, reasons: bool = True):
    """Every ``Text`` and ``Prose`` of the content inside a model object, in document
    order (the default labels are the code's, not the content's). ``reasons=False``
    leaves out the reasons of 未定事項, which the formal edition never prints."""
    if isinstance(obj, (Text, Prose)):
        if obj.pos.path != DEFAULTS_POS:
            yield obj
    elif isinstance(obj, tuple):
        for item in obj:
            yield from walk_texts(item, reasons=reasons)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from walk_texts(item, reasons=reasons)
    elif hasattr(obj, "__dataclass_fields__"):
        for name in obj.__dataclass_fields__:
            if name in ("sources", "pending_items", "index") or (
                not reasons and isinstance(obj, Pending)
            ):
                continue
            yield from walk_texts(getattr(obj, name), reasons=reasons)
