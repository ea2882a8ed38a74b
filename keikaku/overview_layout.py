"""The 概要's layout: the sheet (``overview.py``) set on A4 landscape, checked to fit.

How a sheet is set:

1. **measured**: the HTML is laid out once on a page as wide as A4 landscape and tall
   enough for anything, each column as tall as its content. The head (title, status,
   lead) takes what it takes; what remains of the real page below it is the columns'
   height; each column's content is measured against it.
2. **balanced**: columns of even width if they fit so; otherwise the widths move, in
   steps (``MIXES``), towards each column's share of what the page prints (a 重点目標
   with ten 政策パッケージ gets more room than one with four), the first that fits
   kept. No column is narrower than ``MIN_SHARE`` of an even share.
3. **checked**: a column taller than the room is an error naming the column (its
   重点目標), how many millimetres it lacks, and the editor's choices — fewer items,
   a smaller ``font_size`` (7 pt at least), or ``pages: 2`` — in overview.yaml. Nothing
   is shrunk and nothing is clipped without the editor saying so.
4. **set**: the page is laid out as the PDF (PDF/A-3a, tagged, the vendored fonts, the
   document date from ``SOURCE_DATE_EPOCH`` or git), through the same sandboxed fetcher
   as the plan; every column stretches to the tallest, so that the boxes end together.
   The page count is checked once more.

Most sheets fit with even columns: ``overview_products`` lays the page out once on A4,
measures it there (each column by its last box, ``scan``) and, when it fits, writes that
layout; only a sheet that does not goes through the steps above.

The 概要 is published beside plan.pdf, in the same set (``pipeline.build``): it is a
publication of its own, read, printed and posted alone, and plan.pdf stays the plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from .errors import BuildError, Problem
from .model import Plan, draft_mark
from .overview import MIN_FONT_SIZE, Sheet, sheet
from .paths import STYLES_DIR, TEMPLATES_DIR
from .typeset import WORDS, keep_together, squeeze_punctuation

#: A4 landscape, in millimetres.
PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0
#: The page the sheet is measured on: tall enough for any column.
MEASURE_HEIGHT = 5000.0
#: The narrowest a column may be, as a share of an even split of the width.
MIN_SHARE = 0.8
#: How far the columns' widths move from even towards their shares of what is printed,
#: tried in turn until the columns fit.
MIXES = (0.0, 0.25, 0.5, 1.0)
#: CSS pixels per millimetre (96 per inch).
PX_PER_MM = 96 / 25.4
#: What a column may exceed the room by without being reported: rounding, not content.
TOLERANCE_MM = 0.2


#: A run of kanji, katakana or full-width Latin letters and digits short enough to be
#: kept on one line: the 概要's narrow columns then break its titles between words
#: (「力強い／経済社会」), not inside one (「経／済社会」), and a closing ≫ or ） stays with
#: the word before it. A kanji run keeps the kana written after it (okurigana and a
#: particle: 「支える」「基盤の」, never 「支え／る」); a word with a kana inside that the
#: headings keep whole (``typeset.WORDS``: 「担い手」, not 「担い／手」) is one run with what
#: follows it. A longer run may break anywhere.
_WORD = re.compile(
    r"(?:(?:" + "|".join(map(re.escape, WORDS)) + r")[\u3005\u4e00-\u9fff]{0,8}[\u3041-\u3096]{0,4}"
    r"|[\u3005\u4e00-\u9fff]{1,8}[\u3041-\u3096]{1,4}|[\u3005\u4e00-\u9fff]{2,8}"
    r"|[\u30a1-\u30faー]{2,12}|[0-9０-９]+[年%％]?)"
    r"[\u226b\u300b\u300d\u300f\u3011\uff09、。]*"
)


def phrases(text: str) -> Markup:
    """``text`` escaped, each short run of kanji or katakana kept unbroken (``_WORD``)."""
    return Markup(_WORD.sub(lambda m: f'<span class="nobr">{m.group()}</span>', str(escape(text))))


@dataclass(frozen=True)
class PageLayout:
    """One page of the 概要: its columns (indices of ``Sheet.columns``) and their width
    shares."""

    columns: tuple[int, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class Measured:
    """What a measuring layout found on one page: the room below the head, in mm, and
    each column's content height, in mm, in the page's order."""

    room: float
    heights: tuple[float, ...]


@dataclass(frozen=True)
class Overflow:
    """A column that does not fit its page."""

    column: int
    """The column's index in the sheet."""
    page: int
    excess: float
    """By how much it is taller than the room, in mm."""


def _amount(sheet: Sheet, n: int) -> float:
    """How much column ``n`` prints, in characters, each entry counted at least as a line."""
    col = sheet.columns[n]
    texts = [col.title, col.text]
    for group in col.groups:
        texts.append(group.number + group.title)
        for pkg in group.packages:
            texts.append(pkg.number + pkg.title)
            texts.extend(k.line for k in pkg.kpis)
    return sum(max(len(t), 12) for t in texts if t) or 1.0


def _shares(raw: list[float]) -> tuple[float, ...]:
    """``raw`` made into shares of 1, none below ``MIN_SHARE`` of an even one."""
    if not raw:
        return ()
    floor = MIN_SHARE / len(raw)
    shares = [r / sum(raw) for r in raw]
    for _ in range(len(raw)):
        low = [i for i, s in enumerate(shares) if s < floor]
        if not low:
            break
        rest = [i for i in range(len(raw)) if i not in low]
        spare = 1 - floor * len(low)
        total = sum(shares[i] for i in rest) or 1
        shares = [floor if i in low else shares[i] * spare / total for i in range(len(raw))]
    return tuple(shares)


class OverviewLayout:
    """Sets one sheet: measure, balance, check, then the HTML and the PDF."""

    def __init__(
        self,
        plan: Plan,
        the_sheet: Sheet,
        *,
        stylesheet: str,
        date: datetime,
        draft: bool,
        base_url: str,
        warn: Callable[[str], None],
    ) -> None:
        from .figures import watermark_svg
        from .render import Renderer, _data_url

        self.plan = plan
        self.sheet = the_sheet
        self.stylesheet = stylesheet
        self.date = date
        self.base_url = base_url
        self.warn = warn
        self.env = Renderer().env
        self.env.filters.setdefault("phrases", phrases)
        self.watermark = (
            _data_url(watermark_svg(draft_mark(plan.meta.status, plan.labels))) if draft else ""
        )

    def html(self, pages: list[PageLayout], *, measure: bool = False) -> str:
        meta = self.plan.meta
        text = self.env.get_template("overview.html").render(
            sheet=self.sheet,
            pages=pages,
            L=self.plan.labels,
            stylesheet=self.stylesheet,
            author=meta.issuer.plain if meta.issuer else "",
            date=self.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
            watermark="" if measure else self.watermark,
            measure=measure,
            page_width=f"{PAGE_WIDTH:g}",
            measure_height=f"{MEASURE_HEIGHT:g}",
        )
        return squeeze_punctuation(keep_together(text))

    def render(self, html: str) -> Any:
        """Lay ``html`` out as the PDF is laid out (``write.PDF_OPTIONS``, the sandboxed
        fetcher), the engine's warnings passed to ``warn``; returns the document."""
        import logging

        import weasyprint
        from weasyprint import DEFAULT_OPTIONS

        from .write import (
            PDF_OPTIONS,
            EngineLog,
            RefusedFetch,
            SandboxedFetcher,
            on_roomy_stack,
            refused_problem,
        )

        options = {**DEFAULT_OPTIONS, **{k: v for k, v in PDF_OPTIONS.items() if k != "finisher"}}
        document = weasyprint.HTML(
            string=html,
            base_url=self.base_url,
            url_fetcher=SandboxedFetcher([TEMPLATES_DIR, STYLES_DIR]),
        )
        engine_log = EngineLog()
        logger = logging.getLogger("weasyprint")
        logger.addHandler(engine_log)
        try:
            return on_roomy_stack(lambda: document.render(**options))
        except RefusedFetch as exc:
            raise BuildError(refused_problem(exc.url, {})) from None
        finally:
            logger.removeHandler(engine_log)
            for message in dict.fromkeys(engine_log.messages):
                self.warn(f"warning: layout engine (overview): {message}")

    @staticmethod
    def write(document: Any) -> bytes:
        """The PDF of a laid-out document (PDF/A-3a, tagged, PDF/UA-1 as plan.pdf)."""
        from weasyprint import DEFAULT_OPTIONS

        from .write import PDF_OPTIONS, on_roomy_stack

        options = {**DEFAULT_OPTIONS, **{k: v for k, v in PDF_OPTIONS.items() if k != "finisher"}}
        finisher = PDF_OPTIONS["finisher"]
        return on_roomy_stack(
            lambda: document.write_pdf(
                finisher=finisher, **{k: options[k] for k in DEFAULT_OPTIONS}
            )
        )

    def measure(self, pages: list[PageLayout]) -> list[Measured]:
        """Lay the sheet out on tall pages and measure each page's room and columns."""
        return scan(self.render(self.html(pages, measure=True)))

    def even(self) -> list[PageLayout]:
        """Every page's columns of even width."""
        return [
            PageLayout(cols, tuple(1 / len(cols) for _ in cols))
            for cols in self.sheet.page_columns()
        ]

    def fit(self, *, even: bool = True) -> tuple[list[PageLayout], list[Overflow]]:
        """The pages with their widths and columns' height, and what overflows.

        Columns of even width where everything fits so; otherwise the first of
        ``MIXES`` that fits, moving the widths towards how much each column prints.
        When none fits, once more by the heights measured, and the sharing whose
        tallest column stands lowest is the one reported."""
        columns = self.sheet.page_columns()
        amounts = [_shares([_amount(self.sheet, n) for n in cols]) for cols in columns]
        tried = []
        # From even widths (unless already found not to fit: ``even`` off) towards widths
        # by what each column prints: the first that fits.
        for mix in MIXES if even else MIXES[1:]:
            pages = [
                PageLayout(cols, _shares([(1 - mix) / len(cols) + mix * a for a in shares]))
                for cols, shares in zip(columns, amounts, strict=True)
            ]
            tried.append(self._try(pages))
            if tried[-1][0] <= TOLERANCE_MM or all(len(cols) < 2 for cols in columns):
                break
        else:
            # None fits: once more by the heights measured (width × height ≈ what it
            # prints), for the least overflow the editor is told of.
            _worst, pages, measured = tried[-1]
            tried.append(
                self._try(
                    [
                        PageLayout(
                            p.columns,
                            _shares([w * h for w, h in zip(p.weights, m.heights, strict=True)]),
                        )
                        for p, m in zip(pages, measured, strict=True)
                    ]
                )
            )
        fits = [t for t in tried if t[0] <= TOLERANCE_MM]
        _worst, pages, measured = fits[0] if fits else min(tried, key=lambda t: t[0])
        overflows = [
            Overflow(n, index, h - m.room)
            for index, (p, m) in enumerate(zip(pages, measured, strict=True))
            for n, h in zip(p.columns, m.heights, strict=True)
            if h - m.room > TOLERANCE_MM
        ]
        return pages, overflows

    def _try(self, pages: list[PageLayout]) -> tuple[float, list[PageLayout], list[Measured]]:
        """How far the tallest column of ``pages`` stands past its room (mm), and the
        measurements."""
        measured = self.measure(pages)
        if len(measured) != len(pages):  # a page the measuring layout split: never
            raise BuildError(
                Problem(self.sheet.source, "概要を組めませんでした。 (overview layout failed)")
            )
        worst = max(max(m.heights, default=0) - m.room for m in measured)
        return worst, pages, measured

    def problem(self, overflows: list[Overflow]) -> BuildError:
        """The overflow, in the editor's terms: which column, by how much, what to do."""
        s = self.sheet
        where = "、".join(
            (f"{o.page + 1}ページ目の" if s.pages > 1 else "")
            + f"{o.column + 1}列目（{s.columns[o.column].number}　{s.columns[o.column].title}、"
            f"{s.columns[o.column].pos}）が {o.excess:.1f} mm"
            for o in overflows
        )
        smaller = (
            f"文字を小さくする（font_size: {max(MIN_FONT_SIZE, s.font_size - 0.5):g} など。"
            f"{MIN_FONT_SIZE} pt まで。いまは {s.font_size:g} pt）"
            if s.font_size > MIN_FONT_SIZE
            else f"文字はこれ以上小さくできません（{MIN_FONT_SIZE} pt）"
        )
        pages = "2ページにする（pages: 2）" if s.pages < 2 else ""
        choices = "、".join(
            c
            for c in (
                "載せる項目を減らす（main_kpis・goals の文・lead を短くする）",
                smaller,
                pages,
            )
            if c and "できません" not in c
        )
        note = "" if s.font_size > MIN_FONT_SIZE else f"{smaller}。"
        pages_word = "1ページ" if s.pages < 2 else "2ページ"
        return BuildError(
            Problem(
                s.source,
                f"概要が{pages_word}に収まりません: {where} はみ出します。{note}"
                f"{choices}のいずれかを overview.yaml に指定してください。"
                " 文字を自動で縮めたり、はみ出した部分を切ったりはしません。 (overview overflows)",
            )
        )


def scan(document: Any) -> list[Measured]:
    """Each page's room below its head and its columns' content heights, in mm, from a
    laid-out document: measured from each column's last box, so a column stretched to
    its neighbours' height reads as tall as its content."""
    found: list[Measured] = []
    for page in document.pages:
        box = page._page_box
        columns: dict[int, Any] = {}
        container = None
        for child in _descendants(box):
            element = getattr(child, "element", None)
            if element is None or getattr(child, "element_tag", None) is None:
                continue
            classes = (element.get("class") or "").split()
            if container is None and "ov-columns" in classes:
                container = child
            col = element.get("data-col")
            if col is not None and int(col) not in columns and hasattr(child, "children"):
                columns[int(col)] = child
        if container is None:
            continue
        bottom = PAGE_HEIGHT * PX_PER_MM - box.margin_bottom
        room = (bottom - container.content_box_y()) / PX_PER_MM
        heights = tuple(
            _content_height(columns[n]) / PX_PER_MM
            for n in sorted(columns, key=lambda n: columns[n].position_x)
        )
        found.append(Measured(room, heights))
    return found


def _content_height(column: Any) -> float:
    """A column's border box as tall as its content (px), whatever height it was given."""
    top = column.position_y + column.margin_top
    last = max(
        (c.position_y + c.margin_height() for c in column.children),
        default=column.content_box_y(),
    )
    return last + column.padding_bottom + column.border_bottom_width - top


def _descendants(box: Any):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def overview_products(
    plan: Plan,
    out: Path,
    date: datetime,
    *,
    draft: bool,
    warn: Callable[[str], None],
    shown_file: str = "overview.yaml",
) -> dict[str, bytes]:
    """overview.pdf and overview.html for the products' set; the layout engine's
    warnings go to ``warn``. Raises ``BuildError`` when a column does not fit its page.

    The sheet is laid out once with columns of even width on the real page; when every
    column fits, that layout is the PDF. Otherwise it is measured and balanced
    (``OverviewLayout.fit``) and laid out again, or the overflow reported."""
    from .write import stylesheet_href

    the_sheet = sheet(plan, draft=draft, shown_file=shown_file)
    setter = OverviewLayout(
        plan,
        the_sheet,
        stylesheet=stylesheet_href(out, "overview.css"),
        date=date,
        draft=draft,
        base_url=out.resolve().as_uri() + "/",
        warn=warn,
    )
    pages = setter.even()
    html = setter.html(pages)
    document = setter.render(html)
    measured = scan(document)
    fits = len(document.pages) == len(pages) == len(measured) and all(
        h - m.room <= TOLERANCE_MM for m in measured for h in m.heights
    )
    if not fits:
        pages, overflows = setter.fit(even=False)
        if overflows:
            raise setter.problem(overflows)
        html = setter.html(pages)
        document = setter.render(html)
        if len(document.pages) != len(pages):
            raise setter.problem([Overflow(n, 0, 0.0) for n in pages[0].columns])
    return {"overview.pdf": setter.write(document), "overview.html": html.encode("utf-8")}


__all__ = ["MEASURE_HEIGHT", "Overflow", "OverviewLayout", "PageLayout", "overview_products"]
