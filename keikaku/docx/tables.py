"""The Word edition's tables, figures, diagrams and Markdown passages."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any, assert_never

from .. import files, tree
from ..errors import Problem
from ..limits import MAX_IMAGE_BYTES
from .core import _Core, _Ctx, _join
from .pandoc_ast import (
    LINE_BREAK,
    Span,
    Str,
    TableBlock,
    _cell,
    _em,
    _fractions,
    _joined,
    _trim,
    marked,
)
from .trace_map import Trace

#: The share of the text width of each column of a 主要事業.
_PROJECT_SHARES = {"name": 0.3, "place": 0.2, "completion": 0.14, "cost": 0.14, "notes": 0.22}


def _kpi_share(width: str) -> float:
    """A ＫＰＩ table's column width (em of its 9.5pt text) as a share of the text width
    (45 em of 10.5pt)."""
    return float(width.removesuffix("em")) * 9.5 / 10.5 / 45


class _Tables(_Core):
    """The tables, figures, diagrams and Markdown of the plan."""

    def table(self, table: tree.Table, ctx: _Ctx) -> None:
        """A content table (its columns as wide as the content gives them) or a 主要事業
        (blocks.html: the columns some row fills, a row per project, the 計 last, set as
        the header is)."""
        self.caption(table, ctx)
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        if table.role == "projects":
            header = [self.header(table, head, ctx, {})]
            aligns = ["AlignRight" if name == "cost" else "AlignDefault" for name in table.columns]
            rows = [
                [
                    _cell(
                        [
                            self.cell_para(
                                head if n == len(table.rows) else cell,
                                row,
                                c,
                                ctx,
                                sep=[],
                            )
                        ],
                        align=align,
                    )
                    for c, align in enumerate(aligns)
                ]
                for n, row in enumerate(table.rows, 1)
            ]
            widths = _fractions([_PROJECT_SHARES[name] for name in table.columns])
            self.add(TableBlock(widths, header, rows, aligns))
        else:
            ncols = max(
                (len(r) for r in (*table.header, *(r.cells for r in table.rows))), default=1
            )
            given = [_em(w) if w != "auto" else None for w in table.columns]
            widths = _fractions(given + [None] * (ncols - len(given)))
            header = [
                [
                    _cell([self.para(head, self.inline(c), self.traced(t, ctx.where))])
                    for c, t in zip(cells, traces, strict=True)
                ]
                for cells, traces in zip(table.header, table.header_traces, strict=True)
            ]
            rows = [
                [_cell([self.cell_para(cell, row, c, ctx, sep=[])]) for c in range(len(row.cells))]
                for row in table.rows
            ]
            self.add(TableBlock(widths[:ncols], header, rows))
        if table.source is not None and table.source_trace is not None:
            self.add(
                self.para(
                    self.styles.get("Source"),
                    self.inline(table.source),
                    self.traced(table.source_trace, ctx.where),
                )
            )

    def caption(self, table: tree.Table, ctx: _Ctx) -> None:
        if table.caption is not None and table.caption_trace is not None:
            number = [Str(f"{table.number}　")] if table.number else []
            self.add(
                self.para(
                    self.styles.get("Table Caption", left=ctx.left),
                    [*number, *self.inline(table.caption)],
                    self.traced(table.caption_trace, ctx.where),
                )
            )

    def kpi_table(self, table: tree.Table, ctx: _Ctx) -> None:
        """A package's 【ＫＰＩ】: its columns as wide as the PDF's (``tree.kpi_columns``)."""
        unit, value = _kpi_share(table.columns[1]), _kpi_share(table.columns[2])
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        header = self.header(table, head, ctx, {})
        rows = [
            [_cell([self.cell_para(cell, row, n, ctx, sep=[LINE_BREAK])]) for n in range(5)]
            for row in table.rows
        ]
        notes = 0.24
        rest = max(1.0 - unit - 2 * value - notes, 0.2)
        self.add(TableBlock(_fractions([rest, unit, value, value, notes]), [header], rows))

    def figure(self, b: tree.Figure, ctx: _Ctx) -> None:
        assert b.alt_trace and b.caption_trace and b.source_trace
        data = self.image_bytes(b)
        suffix = Path(b.src).suffix.lower()
        trace = self.traced(b.alt_trace, ctx.where)
        if data is None or suffix == ".svg":
            # SVG is left out: Word shows an SVG only with a PNG fallback, which pandoc
            # makes only with rsvg-convert; the alt text stands in, with caption and 出典.
            self.add(self.para(self.styles.get("Figure"), [Str(f"［図：{b.alt}］")], trace))
        else:
            from ..images import placeholder, printed

            # Pandoc lays out a blank stand-in of the same size; _finish puts the figure,
            # at no more than its printed size, in its place (Pandoc held about 400 times
            # an image's size in memory: 10 GB for a 20 MB scan).
            data = printed(data)
            stand_in = placeholder(data, f"{len(self.figures)}-{hashlib.sha256(data).hexdigest()}")
            self.figures[stand_in] = data
            kind = "png" if data.startswith(b"\x89PNG") else "jpeg"
            url = f"data:image/{kind};base64," + base64.b64encode(stand_in).decode("ascii")
            attrs = []
            width = _em(b.width) if b.width else None
            if width is not None:
                attrs.append(["width", f"{round(width * 100)}%"])
            image = {"t": "Image", "c": [["", [], attrs], [Str(b.alt)], [url, ""]]}
            self.add(self.para(self.styles.get("Figure"), [image], trace))
        number = [Str(f"{b.number}　")] if b.number else []
        self.add(
            self.para(
                self.styles.get("Figure Caption"),
                [*number, *self.inline(b.caption)],
                self.traced(b.caption_trace, ctx.where),
            )
        )
        self.add(
            self.para(
                self.styles.get("Source"),
                self.inline(b.source),
                self.traced(b.source_trace, ctx.where),
            )
        )

    def image_bytes(self, b: tree.Figure) -> bytes | None:
        pos = b.trace.pos  # a block's trace has its place: the figure's
        assert pos is not None
        root = self.content or files.current_root()
        if root is None:
            self.problems.append(
                Problem(
                    pos,
                    f"図「{b.src}」の画像を読むには内容のフォルダが必要です。"
                    " (content folder not given for figures)",
                )
            )
            return None
        try:
            return files.read_bytes(root / b.src, root=root, limit=MAX_IMAGE_BYTES)
        except files.Refused as exc:
            self.problems.append(Problem(pos, f"図「{b.src}」の画像を読めません。{exc.reason}"))
            return None

    def diagram(self, b: tree.Diagram, ctx: _Ctx) -> None:
        if b.name == "society":
            self.society(b, ctx)
        else:
            self.pillars(b, ctx)
        assert b.caption_trace is not None
        number = [Str(f"{b.number}　")] if b.number else []
        self.add(
            self.para(
                self.styles.get("Figure Caption"),
                [*number, *self.inline(b.caption)],
                self.traced(b.caption_trace, ctx.where),
            )
        )

    def boxed(self, style: str, box: tree.Box, where: tuple[str, ...], extra: list) -> dict:
        """A box of a diagram as a paragraph: its title (and ``extra`` after it)."""
        inlines = [*self.inline(box.title), *extra]
        return self.para(style, inlines, self.traced(box.trace, where) if box.trace else None)

    def society(self, b: tree.Diagram, ctx: _Ctx) -> None:
        """The diagram of 課題 → 姿 → 重点目標 (the PDF's SVG) as a table in the same three
        columns: every 基本的な課題認識; each 目指す社会の姿 in a row of its own, with the 課題
        the content links to it (``links:``) under 「対応する課題」; each 重点目標 beside its 姿."""
        boxes = {
            role: [x for x in b.boxes if x.role == role]
            for role in ("head", "challenge", "vision", "goal")
        }
        challenges = {x.key: x for x in boxes["challenge"]}
        goals = {x.key: x for x in boxes["goal"]}
        goal_of = {a.start: a.end for a in b.arrows if a.end in goals}
        linked: dict[str, list[tree.Box]] = {}
        for a in b.arrows:
            if a.start in challenges:
                linked.setdefault(a.end, []).append(challenges[a.start])
        visions = boxes["vision"]
        cell, head_style, group = (
            self.styles.get("Cell"),
            self.styles.get("Cell Head"),
            self.styles.get("Cell Group"),
        )
        header = [
            _cell(
                [
                    self.para(
                        head_style,
                        [Str(h.text.text)],
                        self.traced(h.trace, ctx.where) if h.trace else None,
                    )
                ]
            )
            for h in boxes["head"]
        ]
        left = _cell(
            [self.boxed(cell, c, ctx.where, []) for c in boxes["challenge"]]
            or [self.para(cell, [], None)],
            rows=max(len(visions), 1),
        )
        rows: list[list] = []
        for v in visions:
            extra: list = []
            if v.key in linked:
                titles = [self.inline(c.title) for c in linked[v.key]]
                relation = [Str(f"{self.L['relation'].plain}："), *_joined(titles)]
                extra = [LINE_BREAK, Span(relation, style="Plan Year")]
            row = [_cell([self.boxed(cell, v, ctx.where, extra)])]
            goal = goal_of[v.key]
            if not rows or goal_of[visions[len(rows) - 1].key] != goal:
                members = sum(1 for w in visions if goal_of[w.key] == goal)
                row.append(_cell([self.boxed(group, goals[goal], ctx.where, [])], rows=members))
            rows.append(row)
        if rows:
            rows[0] = [left, *rows[0]]
        else:
            rows = [[left, _cell([]), _cell([])]]
        self.add(TableBlock([0.36, 0.38, 0.26], [header], rows))

    def pillars(self, b: tree.Diagram, ctx: _Ctx) -> None:
        """The pillars under their roof (a section's title) and on their base, as the PDF
        draws them."""
        roof = [x for x in b.boxes if x.role == "roof"]
        if not roof:
            return
        pillar = self.styles.get("Pillar")
        self.add(self.boxed(pillar, roof[0], ctx.where, []))
        cells = [
            _cell(
                [self.boxed(self.styles.get("Cell Group"), x, ctx.where, [])], align="AlignCenter"
            )
            for x in b.boxes
            if x.role == "pillar"
        ]
        if cells:
            self.add(
                TableBlock(
                    _fractions([None] * len(cells)), [], [cells], ["AlignCenter"] * len(cells)
                )
            )
        for base in (x for x in b.boxes if x.role == "base"):
            self.add(self.boxed(pillar, base, ctx.where, []))

    def prose(self, b: tree.Prose, ctx: _Ctx) -> None:
        counter = [0]

        def trace() -> Trace:
            counter[0] += 1
            field = _join(b.trace.field, f"prose[{counter[0] - 1}]")
            return self.trace(b.trace.id, field, "prose", ctx.where, b.trace.pos or "")

        def blocks(nodes: Iterable[tree.ProseBlock], left: float) -> None:
            for node in nodes:
                match node:
                    case tree.ProsePara():
                        self.add(
                            self.para(
                                self.styles.get("Body", left=left),
                                _trim(self.inline(node.text)),
                                trace(),
                            )
                        )
                    case tree.ProseList():
                        hang = 2.0 if node.ordered else 1.0
                        for i, item in enumerate(node.items):
                            mark = f"{node.start + i}." if node.ordered else "•"
                            # The item's first paragraph, then its others, then the rest.
                            paras = [c for c in item if isinstance(c, tree.ProsePara)]
                            first = self.inline(paras[0].text) if paras else []
                            self.add(
                                self.para(
                                    self.styles.get("Point", left=left, hang=hang),
                                    [*marked(mark, hang), *_trim(first)],
                                    trace(),
                                )
                            )
                            rest = [c for c in item if not isinstance(c, tree.ProsePara)]
                            blocks([*paras[1:], *rest], left + hang)
                    case tree.ProseTable():
                        self.prose_table(node, trace)
                    case tree.ProseQuote():
                        blocks(node.blocks, left + 2)
                    case tree.ProseCode():
                        code = {"t": "Code", "c": [["", [], []], node.text.rstrip("\n")]}
                        self.add(self.para(self.styles.get("Flush", left=left), [code], trace()))
                    case _:
                        assert_never(node)

        blocks(b.blocks, ctx.left)

    def prose_table(self, node: tree.ProseTable, trace: Any) -> None:
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")

        def row(cells: tuple[tree.Inline, ...], style: str) -> list:
            return [_cell([self.para(style, _trim(self.inline(c)), trace())]) for c in cells]

        rows_h = [row(r, head) for r in node.head]
        rows_b = [row(r, cell) for r in node.body]
        ncols = max((len(r) for r in rows_h + rows_b), default=1)
        rows_h = [r + [_cell([])] * (ncols - len(r)) for r in rows_h]
        rows_b = [r + [_cell([])] * (ncols - len(r)) for r in rows_b]
        self.add(TableBlock(_fractions([None] * ncols), rows_h, rows_b))
