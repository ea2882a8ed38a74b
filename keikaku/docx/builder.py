"""The Word edition's builder: a visitor of the document tree (``tree/``), one method
per node kind; the headings, parts, paragraphs and lists are set here, the tables,
figures, diagrams and Markdown in ``tables.py``, the generated lists in ``lists.py``."""

from __future__ import annotations

from typing import assert_never

from .. import tree
from .core import _SECTION_END, _Ctx
from .css import plan_sheet
from .lists import _Lists
from .pandoc_ast import BODY_PT, TAB, RawBlock, Span, Str, _marker_width, _width, marked
from .styles import heading_indent
from .tables import _Tables

#: The style of a paragraph by how it is set (``tree.Paragraph.look``).
_PARAGRAPH = {"body": "Body", "flush": "Flush", "center": "Center", "right": "Right"}

_CSS = plan_sheet()


def _offset(rule: str) -> float:
    """How far plan.css sets a list or paragraph in from its section (``rule``'s left
    margin, in characters of the body); 0 where it has no such rule."""
    return _CSS.box([rule])[3].em(BODY_PT) if rule in _CSS.rules else 0.0


#: How far a list is set in from its section by the section's look (plan.css:
#: .blk-item > ul.points …) or kind (.kind-group > ul.points); a package's is Word's own
#: (plan.css sets the whole package in, .kind-package, which Word does not).
_LIST_OFFSET = {
    look: _offset(f".blk-{look} > ul.points")
    for look in ("chapter", "annex", "section", "item", "paren", "kana", "paren-kana")
}
_KIND_LIST_OFFSET = {"package": 0.5, "group": _offset(".kind-group > ul.points")}
#: How far a paragraph is set in from its section by the section's look (.blk-paren > p).
_PARA_OFFSET = {look: _offset(f".blk-{look} > p") for look in _LIST_OFFSET}


def _is_front(node: tree.Node) -> bool:
    """The cover and the 目次: the front matter, without page numbers."""
    return isinstance(node, tree.Generated) and node.name in ("cover", "toc")


class _Builder(_Tables, _Lists):
    """The plan as Pandoc's AST, with the trace of every paragraph."""

    # -------------------------------------------------------------- the document

    def build(self) -> list[dict]:
        parts = self.document.body
        front = 0
        while front < len(parts) and _is_front(parts[front]):
            front += 1
        root = _Ctx((), 0.0)
        for i, part in enumerate(parts):
            if i == front and front:
                # The front matter (cover, 目次) is a section of its own: no page number;
                # the numbering starts at 1 with the first part, as in the PDF.
                self.add(RawBlock(_SECTION_END.format("front")))
            if i >= front and isinstance(part, tree.Heading):
                # Each part is a section of its own, whose page head names it (as the
                # PDF's running head), except on its opening page, where its title stands.
                if self.running_heads:
                    self.add(RawBlock(_SECTION_END.format("part")))
                self.running_heads.append(part.plain)
            self.node(part, root)
        return self.blocks

    def node(self, node: tree.Node, ctx: _Ctx) -> None:
        match node:
            case tree.Heading():
                self.heading(node, ctx)
            case tree.Part():
                self.part(node, ctx)
            case tree.Paragraph():
                self.paragraph(node, ctx)
            case tree.List():
                self.bullet_list(node, ctx, ctx.left + self.list_offset(ctx))
            case tree.ListItem():  # an item on its own: as a list of one
                self.bullet_list(tree.List((node,), node.trace), ctx, ctx.left)
            case tree.Note():
                self.note(node, ctx)
            case tree.Pending():
                self.pending(node, ctx)
            case tree.Table(role="kpi"):
                self.kpi_table(node, ctx)
            case tree.Table():
                self.table(node, ctx)
            case tree.Figure():
                self.figure(node, ctx)
            case tree.Diagram():
                self.diagram(node, ctx)
            case tree.Prose():
                self.prose(node, ctx)
            case tree.PageBreak():
                self.add(
                    RawBlock(
                        '<w:p><w:pPr><w:pStyle w:val="PlanPageBreak"/></w:pPr>'
                        '<w:r><w:br w:type="page"/></w:r></w:p>'
                    )
                )
                self.styles.get("Page Break")
            case tree.Generated():
                self.listed(node, ctx)
            case tree.Cover():
                self.cover(node)
            case tree.Toc():
                self.toc(node)
            case tree.Footnote():
                pass  # set where it is called, as a Word footnote (``footnote``)
            case _:
                assert_never(node)

    # -------------------------------------------------------------- headings

    def list_offset(self, ctx: _Ctx) -> float:
        """How far a list is set in from its section (plan.css: .blk-item > ul.points …)."""
        h = ctx.node
        if h is None:
            return 0.0
        if h.kind in _KIND_LIST_OFFSET:
            return _KIND_LIST_OFFSET[h.kind]
        return _LIST_OFFSET.get(h.look, 0.0)

    def para_offset(self, ctx: _Ctx) -> float:
        """How far a paragraph is set in from its section (.blk-paren > p)."""
        h = ctx.node
        if h is None or h.kind == "package":
            return 0.0
        return _PARA_OFFSET.get(h.look, 0.0)

    def heading(self, node: tree.Heading, ctx: _Ctx) -> None:
        where = node.where
        title = self.inline(node.title)
        mark = self.heading_marks[node.anchor]
        assert node.title_trace is not None
        t = node.title_trace
        trace = self.trace(t.id, t.field, t.kind, where, t.pos or "", name=mark)
        inlines: list = [Span([], ident=mark)]
        if node.number:
            inlines += [Str(node.number), TAB]  # the heading styles hang wider than any number
        inlines += title
        if node.note is not None:
            inlines.append(Span(self.inline(node.note), style="Plan Title Note"))
        self.record_text(trace, inlines)
        package = node.kind == "package"
        self.heading_ppr[mark] = heading_indent(
            node,
            ctx.left + (1.0 if package else 0.0),
            before_mm=12 if node.after_goal else None,
        )
        self.add({"t": "Header", "c": [min(node.depth, 6), ["", [], []], inlines]})
        left = ctx.left + (1.0 if package else 0.0)  # .kind-package
        inner = _Ctx(where, left, node)
        for child in node.body:
            self.node(child, inner)

    def part(self, node: tree.Part, ctx: _Ctx) -> None:
        self.add(
            self.para(
                self.styles.get("Part Label", left=ctx.left),
                [Str(f"【{node.label.plain or node.name}】")],
                self.traced(node.trace, ctx.where),
            )
        )
        for child in node.body:
            self.node(child, ctx)

    # -------------------------------------------------------------- plain blocks

    def paragraph(self, node: tree.Paragraph, ctx: _Ctx) -> None:
        left = ctx.left + self.para_offset(ctx)
        trace = self.traced(node.trace, ctx.where)
        if node.label is not None:
            style = self.styles.get("Labelled", left=left, hang=2)
            tab = [TAB] if _width(node.label.plain) < 2 else []
            label = Span(self.inline(node.label), style="Plan Gothic")
            inlines = [label, *tab, *self.inline(node.text)]
        else:
            style = self.styles.get(_PARAGRAPH[node.look], left=left)
            inlines = self.inline(node.text)
        self.add(self.para(style, inlines, trace))

    def note(self, node: tree.Note, ctx: _Ctx) -> None:
        style = self.styles.get("Note", left=ctx.left, hang=1)
        inlines = [*marked(node.mark, 1), *self.inline(node.text)]
        self.add(self.para(style, inlines, self.traced(node.trace, ctx.where)))

    def bullet_list(self, node: tree.List, ctx: _Ctx, left: float) -> None:
        hang = 0 if node.marker == "none" else _marker_width(node.marker)
        style = self.styles.get("Point", left=left, hang=hang)
        for item in node.items:
            inlines = marked(item.marker, hang) + self.inline(item.text)
            self.add(self.para(style, inlines, self.traced(item.trace, ctx.where)))
            # what stands under an item hangs with its text (a paragraph there is not set
            # in by the section's look)
            inner = _Ctx(ctx.where, left + hang)
            for child in item.body:
                if isinstance(child, tree.List):
                    self.bullet_list(child, inner, left + hang)
                else:
                    self.node(child, inner)

    def pending(self, node: tree.Pending, ctx: _Ctx) -> None:
        trace = self.traced(node.trace, ctx.where)
        style = self.styles.get("Pending Note" if node.note else "Pending", left=ctx.left)
        self.add(self.para(style, [*self.inline(node.label), *self.inline(node.reason)], trace))
