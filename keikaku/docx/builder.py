"""The Word edition's builder: the document, its headings, paragraphs and lists."""

from __future__ import annotations

from typing import Any

from .. import tree
from ..model import (
    HEADINGS,
    NUMBERED_MARKERS,
    BulletList,
    Challenge,
    Diagram,
    Figure,
    Generated,
    GoalOutline,
    KpiPart,
    ListItem,
    MarkdownBlock,
    MarkdownFile,
    Note,
    PackageGroup,
    PackagePart,
    PageBreak,
    Paragraph,
    Pending,
    PolicyPackage,
    PriorityGoal,
    Projects,
    Section,
    Table,
    Vision,
    children,
)
from ..outline import list_marker
from .core import _SECTION_END, _Ctx, _is_front, _join
from .lists import _Lists
from .pandoc_ast import TAB, RawBlock, Span, Str, _marker_width, _plain_text, _width, marked
from .styles import heading_indent
from .tables import _Tables
from .trace_map import Trace

#: The style of a paragraph by how it is set (``tree.Paragraph.look``).
_PARAGRAPH = {"body": "Body", "flush": "Flush", "center": "Center", "right": "Right"}


class _Builder(_Tables, _Lists):
    """The plan as Pandoc's AST, with the trace of every paragraph."""

    # -------------------------------------------------------------- the document

    def build(self) -> list[dict]:
        parts = self.plan.parts
        front = 0
        while front < len(parts) and _is_front(parts[front]):
            front += 1
        root = _Ctx("", "", (), 0.0)
        for i, part in enumerate(parts):
            if i == front and front:
                # The front matter (cover, 目次) is a section of its own: no page number;
                # the numbering starts at 1 with the first part, as in the PDF.
                self.add(RawBlock(_SECTION_END.format("front")))
            if i >= front and isinstance(part, HEADINGS):
                if isinstance(part, Section) and part.draft_only and not self.draft:
                    continue
                # Each part is a section of its own, whose page head names it (as the
                # PDF's running head), except on its opening page, where its title stands.
                if self.running_heads:
                    self.add(RawBlock(_SECTION_END.format("part")))
                self.running_heads.append(self.outline.of(part).title)
            self.block(part, root, f"parts[{i}]")
        return self.blocks

    def block(self, b: Any, ctx: _Ctx, path: str) -> None:
        if isinstance(b, HEADINGS):
            if isinstance(b, Section) and b.draft_only and not self.draft:
                return
            self.heading_block(b, ctx, path)
        elif isinstance(b, Paragraph):
            self.paragraph(self.next_node(tree.Paragraph), ctx)
        elif isinstance(b, BulletList):
            self.bullet_list(b, ctx, path, ctx.left + self.list_offset(ctx))
        elif isinstance(b, Note):
            self.note(self.next_node(tree.Note), ctx)
        elif isinstance(b, Pending):
            self.pending(self.next_node(tree.Pending), ctx)
        elif isinstance(b, Table):
            self.table(self.next_node(tree.Table, "data"), ctx)
        elif isinstance(b, Projects):
            self.table(self.next_node(tree.Table, "projects"), ctx)
        elif isinstance(b, Figure):
            self.figure(self.next_node(tree.Figure), ctx)
        elif isinstance(b, Diagram):
            self.diagram(self.next_node(tree.Diagram), ctx)
        elif isinstance(b, PageBreak):
            self.next_node(tree.PageBreak)  # it prints nothing of the plan's
            self.add(
                RawBlock(
                    '<w:p><w:pPr><w:pStyle w:val="PlanPageBreak"/></w:pPr>'
                    '<w:r><w:br w:type="page"/></w:r></w:p>'
                )
            )
            self.styles.get("Page Break")
        elif isinstance(b, (MarkdownBlock, MarkdownFile)):
            self.prose(self.next_node(tree.Prose), ctx)
        elif isinstance(b, Generated):
            self.generated(b, ctx, path)

    # -------------------------------------------------------------- headings

    def list_offset(self, ctx: _Ctx) -> float:
        """How far a list is set in from its section (plan.css: .blk-item > ul.points …)."""
        node = ctx.node
        if node is None:
            return 0.0
        if isinstance(node, PolicyPackage):
            return 0.5
        if isinstance(node, PackageGroup):
            return 1.0
        look = self.outline.of(node).look
        return {"item": 1.0, "paren": 1.0, "kana": 2.0, "paren-kana": 2.0}.get(look, 0.0)

    def para_offset(self, ctx: _Ctx) -> float:
        """How far a paragraph is set in from its section (.blk-paren > p)."""
        node = ctx.node
        if node is None or isinstance(node, PolicyPackage):
            return 0.0
        return 1.0 if self.outline.of(node).look == "paren" else 0.0

    def heading_block(self, b: Any, ctx: _Ctx, path: str) -> None:
        h = self.outline.of(b)
        where = (*h.path, h.line)
        title_inlines, cid, tpath, src = self.heading_title(b)
        if not cid:
            cid, tpath = ctx.id, _join(path, "title")
        mark = self.heading_marks[h.anchor]
        trace = self.trace(cid, tpath, b.KIND, where, src, name=mark)
        inlines: list = [Span([], ident=mark)]
        if h.label:
            inlines += [Str(h.label), TAB]  # the heading styles hang wider than any number
        inlines += title_inlines
        if isinstance(b, Section) and b.title_note:
            inlines.append(Span(self.text(b.title_note), style="Plan Title Note"))
        self.traces[trace.order] = Trace(
            trace.name,
            trace.id,
            trace.path,
            trace.kind,
            trace.where,
            trace.src,
            trace.order,
            _plain_text(inlines),
        )
        self.heading_ppr[mark] = heading_indent(
            h,
            ctx.left + (1.0 if isinstance(b, PolicyPackage) else 0.0),
            before_mm=12 if self.follows_goal(b) else None,
        )
        self.add({"t": "Header", "c": [min(h.depth, 6), ["", [], []], inlines]})
        # The blocks below: ids of their own where the content gives one.
        own = getattr(b, "id", None)
        if isinstance(b, (Section, Challenge, Vision, PriorityGoal, PolicyPackage)) or (
            isinstance(b, PackageGroup) and b.id
        ):
            inner = _Ctx(str(own), "", where, ctx.left, b)
        else:  # a group without an id of its own, a 重点目標の案: counted from the holder
            inner = _Ctx(ctx.id, path, where, ctx.left, b)
        if isinstance(b, PolicyPackage):
            inner = _Ctx(inner.id, inner.path, where, ctx.left + 1.0, b)  # .kind-package
            self.package_parts(b, inner)
            return
        for j, child in enumerate(getattr(b, "body", ())):
            self.block(child, inner, _join(inner.path, f"body[{j}]"))
        if isinstance(b, GoalOutline):
            marker = self.L["outline_marker"].plain
            left = inner.left + self.list_offset(inner)
            style = self.styles.get("Point", left=left, hang=_marker_width(marker))
            for v in (v for v in self.plan.index.visions.values() if v.goal == b.goal):
                self.add(
                    self.para(
                        style,
                        [
                            *marked(marker, _marker_width(marker)),
                            self.link("#" + v.id, self.text(v.title)),
                        ],
                        self.trace(v.id, "title", "vision", where, v.title),
                    )
                )

    def follows_goal(self, b: Any) -> bool:
        """A 重点目標 right after another stands further off (plan.css .kind-goal + .kind-goal)."""
        if not isinstance(b, PriorityGoal):
            return False
        parent = self.plan.index.parents.get(id(b))
        siblings = children(parent) if parent is not None else self.plan.parts
        i = next((i for i, s in enumerate(siblings) if s is b), 0)
        return i > 0 and isinstance(siblings[i - 1], PriorityGoal)

    def package_parts(self, pkg: PolicyPackage, ctx: _Ctx) -> None:
        for i, part in enumerate(pkg.parts):
            ppath = f"parts[{i}]"
            label = self.L.get(part.label)
            self.add(
                self.para(
                    self.styles.get("Part Label", left=ctx.left),
                    [Str(f"【{label.plain if label else part.label}】")],
                    self.trace(ctx.id, ppath, "part", ctx.where, label or ""),
                )
            )
            if isinstance(part, KpiPart):
                if isinstance(part.kpis, Pending):
                    self.pending(self.next_node(tree.Pending), ctx)
                else:
                    self.kpi_table(self.next_node(tree.Table, "kpi"), ctx)
            elif isinstance(part, PackagePart):
                for j, child in enumerate(part.body):
                    self.block(child, ctx, f"{ppath}.body[{j}]")

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

    def bullet_list(self, b: BulletList, ctx: _Ctx, path: str, left: float) -> None:
        numbered = b.marker in NUMBERED_MARKERS
        hang = 0 if b.marker == "none" else _marker_width(b.marker)
        style = self.styles.get("Point", left=left, hang=hang)
        for n, item in enumerate(b.items, start=1):
            ipath = _join(path, f"list[{n - 1}]")
            text = item.text if isinstance(item, ListItem) else item
            mark = (
                "" if b.marker == "none" else (list_marker(n, b.marker) if numbered else b.marker)
            )
            inlines = marked(mark, hang) + self.text(text)
            self.add(self.para(style, inlines, self.trace(ctx.id, ipath, "list", ctx.where, text)))
            if isinstance(item, ListItem):
                inner = _Ctx(ctx.id, ctx.path, ctx.where, left + hang, ctx.node)
                for j, child in enumerate(item.body):
                    cpath = _join(ipath, f"body[{j}]")
                    if isinstance(child, BulletList):
                        self.bullet_list(child, inner, cpath, left + hang)
                    elif isinstance(child, Paragraph):
                        self.paragraph(
                            self.next_node(tree.Paragraph),
                            _Ctx(inner.id, inner.path, inner.where, left + hang),
                        )
                    else:
                        self.block(
                            child, _Ctx(inner.id, inner.path, inner.where, left + hang), cpath
                        )

    def pending(self, node: tree.Pending, ctx: _Ctx) -> None:
        trace = self.traced(node.trace, ctx.where)
        style = self.styles.get("Pending Note" if node.note else "Pending", left=ctx.left)
        self.add(self.para(style, [*self.inline(node.label), *self.inline(node.reason)], trace))
