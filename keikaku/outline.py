"""Numbering and the outline: one transform over the document tree.

Nothing in the content stores a number. This module walks the tree once and gives
every heading its number (公用文: 第１章 → 第１節 → １ → （１） → ア → （ア）, or 参考１),
its depth, whether it goes into the 目次 and the PDF bookmarks, its anchor and its path
of enclosing headings; and every numbered figure and table its 「図１」「表１」. The
templates, the 目次, the bookmarks, the 新旧対照表 and the messages all read this result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import BuildError, Pos, Problem
from .model import (
    HEADINGS,
    BulletList,
    Challenge,
    Diagram,
    Figure,
    Generated,
    GoalOutline,
    PackageGroup,
    PriorityGoal,
    Projects,
    Section,
    Table,
    Text,
    Vision,
    children,
)

_ZEN = str.maketrans("0123456789", "０１２３４５６７８９")
_IROHA = (
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン"
)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

#: The official order of levels; a heading's children take the next style by default.
SEQUENCE = ("chapter", "section", "item", "paren", "kana", "paren-kana")
#: The default depth of the 目次 and the bookmarks: parts and the level below them.
TOC_DEPTH = 2


def zen(n: int) -> str:
    """A number in full-width digits: 12 → １２ (headings use full-width throughout)."""
    return str(n).translate(_ZEN)


def kana(n: int) -> str:
    """The n-th katakana label (1 → ア), as 公用文 numbers the fourth level."""
    if not 1 <= n <= len(_IROHA):
        raise ValueError(f"no katakana label for item {n}")
    return _IROHA[n - 1]


#: Numbering styles that run out after ``len(_IROHA)`` items (ア … ン).
KANA_STYLES = ("kana", "paren-kana")
KANA_MARKERS = ("ア", "（ア）")


def _too_many_kana(node: Any, n: int, heading: bool) -> BuildError:
    """The 47th item of a level numbered ア, イ, ウ …: a clear error at the item."""
    pos = getattr(node, "pos", None) or Pos("content")
    if heading:
        message = (
            f"この階層の見出しが {n} 個目になり、カタカナの番号（ア〜ン、{len(_IROHA)} 個）が足りません。"
            "見出しを分けて別の階層に移すか、親の見出しの child_numbering: またはこの見出しの "
            "numbering: で別の番号の付け方（item、paren など）を選んでください。 (too many items for katakana numbering)"
        )
    else:
        message = (
            f"箇条書きの項目が {n} 個あり、カタカナの番号（ア〜ン、{len(_IROHA)} 個）が足りません。"
            "箇条書きを分けるか、marker: で別の番号（１、（１）、① など）を選んでください。"
            " (too many items for katakana markers)"
        )
    return BuildError(Problem(pos, message))


def number(n: int, style: str, annex: str = "参考") -> str:
    """The label of the n-th item in a numbering style (see ``model.NUMBERING``)."""
    return {
        "chapter": lambda: f"第{zen(n)}章",
        "section": lambda: f"第{zen(n)}節",
        "item": lambda: zen(n),
        "paren": lambda: f"（{zen(n)}）",
        "kana": lambda: kana(n),
        "paren-kana": lambda: f"（{kana(n)}）",
        "annex": lambda: f"{annex}{zen(n)}",
        "none": lambda: "",
    }[style]()


def list_marker(n: int, marker: str) -> str:
    """The marker of the n-th item of a numbered list (① １ （１） ア （ア））."""
    if marker == "①":
        return _CIRCLED[n - 1] if n <= len(_CIRCLED) else f"({n})"
    return number(
        n, {"１": "item", "（１）": "paren", "ア": "kana", "（ア）": "paren-kana"}[marker]
    )


def heading_line(no: str, title: str) -> str:
    """A heading as one line: 第１章　題名, １　題名, （１）題名 (a bracket needs no space)."""
    if not no:
        return title
    return f"{no}{title}" if no.endswith("）") else f"{no}　{title}"


@dataclass(frozen=True)
class Heading:
    """The numbering of one heading, as every output shows it."""

    node: Any = field(compare=False, repr=False)
    anchor: str
    label: str
    """The number as printed: 第３章, １, （２）, 参考１, or "" when unnumbered."""
    look: str
    """How it is set: its numbering style, or the style of its depth when unnumbered."""
    depth: int
    """1 for a part (chapter, annex), 2 below it, and so on: the tag is h<depth>."""
    title: str
    """The title as plain text (目次, bookmarks, running head, messages)."""
    display: str
    """The title as printed, with 「※」 for a footnote call (新旧対照表)."""
    toc: bool
    path: tuple[str, ...]
    """The headings above it, each as 「番号　題名」."""
    titles: tuple[str, ...] = ()
    """The plain titles of the headings above it and its own (未定事項一覧)."""

    @property
    def tag(self) -> str:
        return f"h{min(self.depth, 6)}"

    @property
    def line(self) -> str:
        return heading_line(self.label, self.display)


@dataclass
class Outline:
    """Every heading of the plan in document order, and the labels of figures and tables."""

    headings: list[Heading] = field(default_factory=list)
    by_node: dict[int, Heading] = field(default_factory=dict)
    captions: dict[int, str] = field(default_factory=dict)
    """「図１」「表２」 by ``id()`` of the figure or table block."""

    def of(self, node: Any) -> Heading:
        return self.by_node[id(node)]

    def printed(self, node: Any) -> bool:
        """Whether a heading is in this edition (a draft-only one is not, in a final build)."""
        return id(node) in self.by_node

    def caption_no(self, node: Any) -> str:
        return self.captions.get(id(node), "")

    @property
    def toc(self) -> list[Heading]:
        return [h for h in self.headings if h.toc]


def _title(node: Any, visions: dict[str, Vision], goals: dict[str, PriorityGoal]) -> Text | None:
    if isinstance(node, PackageGroup):
        vision = visions.get(node.vision)
        return vision.title if vision else None
    if isinstance(node, GoalOutline):
        goal = goals.get(node.goal)
        return goal.title if goal else None
    return node.title


def anchor_of(node: Any, parent: Any) -> str:
    """The HTML id of a heading: its own id, or one made from what it refers to."""
    if isinstance(node, PackageGroup):
        return node.id or f"{getattr(parent, 'id', 'group')}-{node.vision}"
    if isinstance(node, GoalOutline):
        return f"outline-{node.goal}"
    return node.id


def build_outline(
    parts: tuple[Any, ...],
    visions: dict[str, Vision],
    goals: dict[str, PriorityGoal],
    *,
    annex: str = "参考",
    draft: bool = True,
    labels: dict[str, str] | None = None,
) -> Outline:
    """Number every heading below ``parts``. ``draft`` False leaves out draft-only parts.

    Raises ``BuildError`` at the item where a level numbered ア, イ, ウ … (or a list marked
    so) runs out of katakana: the 47th heading or list item."""
    labels = labels or {}
    outline = Outline()
    toc_depth = next(
        (
            b.depth
            for b in _walk_all(parts)
            if isinstance(b, Generated) and b.name == "toc" and b.depth is not None
        ),
        TOC_DEPTH,
    )
    counters = {"figure": 0, "table": 0}

    def visit(
        blocks: tuple[Any, ...],
        parent: Any,
        depth: int,
        child_style: str | None,
        path: tuple[str, ...],
        titles: tuple[str, ...],
        toc_limit: int,
        in_toc: bool,
    ) -> None:
        counts: dict[str, int] = {}
        for node in blocks:
            if isinstance(node, Section) and node.draft_only and not draft:
                continue
            if isinstance(node, (Figure, Diagram, Table, Projects)) and node.numbered:
                kind = "table" if isinstance(node, (Table, Projects)) else "figure"
                if not isinstance(node, (Table, Projects)) or node.caption is not None:
                    counters[kind] += 1
                    outline.captions[id(node)] = f"{labels.get(kind, kind)}{zen(counters[kind])}"
            if (
                isinstance(node, BulletList)
                and node.marker in KANA_MARKERS
                and len(node.items) > len(_IROHA)
            ):
                raise _too_many_kana(node, len(node.items), heading=False)
            if not isinstance(node, HEADINGS):
                visit(children(node), parent, depth, child_style, path, titles, toc_limit, in_toc)
                continue
            own = getattr(node, "numbering", None)
            style = own or child_style or "chapter"
            if style == "none":
                label = ""
            else:
                counts[style] = counts.get(style, 0) + 1
                if style in KANA_STYLES and counts[style] > len(_IROHA):
                    raise _too_many_kana(node, counts[style], heading=True)
                label = number(counts[style], style, annex)
            look = style if style not in ("none",) else SEQUENCE[min(depth - 1, len(SEQUENCE) - 1)]
            rank = "chapter" if look == "annex" else look
            title = _title(node, visions, goals)
            plain = title.plain if title is not None else ""
            display = title.display if title is not None else ""
            if isinstance(node, PackageGroup):
                display = f"{labels.get('group_open', '')}{display}{labels.get('group_close', '')}"
            toc = in_toc and depth <= toc_limit
            heading = Heading(
                node,
                anchor_of(node, parent),
                label,
                look,
                depth,
                plain,
                display,
                toc,
                path,
                (*titles, plain),
            )
            outline.headings.append(heading)
            outline.by_node[id(node)] = heading
            own_depth = getattr(node, "toc_depth", None)
            limit = depth + own_depth if own_depth is not None else toc_limit
            explicit = getattr(node, "child_numbering", None)
            next_style = explicit or SEQUENCE[min(SEQUENCE.index(rank) + 1, len(SEQUENCE) - 1)]
            visit(
                children(node),
                node,
                depth + 1,
                next_style,
                (*path, heading.line),
                (*titles, plain),
                limit,
                toc,
            )

    visit(parts, None, 1, None, (), (), toc_depth, True)
    return outline


def _walk_all(blocks: tuple[Any, ...]):
    for b in blocks:
        yield b
        yield from _walk_all(children(b))


__all__ = [
    "SEQUENCE",
    "Challenge",
    "Heading",
    "Outline",
    "build_outline",
    "heading_line",
    "kana",
    "list_marker",
    "number",
    "zen",
]
