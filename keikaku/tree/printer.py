"""The walk: the typed plan, once, in the order the PDF sets it, into the ``Document``."""

from __future__ import annotations

import dataclasses
from typing import Any, assert_never

from .. import model
from ..outline import Heading as Numbering
from ..outline import list_marker, zen
from .generated import _Generated
from .nodes import (
    Arrow,
    Box,
    Diagram,
    Document,
    Figure,
    Footnote,
    Heading,
    List,
    ListItem,
    Node,
    Note,
    PageBreak,
    Paragraph,
    Part,
    Pending,
    Prose,
    Row,
    Table,
    Trace,
)
from .printing import _join, _value_pos
from .text import LINE_BREAK, Inline, _read, inline, join, prose_blocks


class _Printer(_Generated):
    def blocks(
        self, blocks: tuple[model.Block, ...], parent: Any, owner: str, path: str
    ) -> tuple[Node, ...]:
        out: list[Node] = []
        for n, block in enumerate(blocks):
            node = self.block(block, parent, owner, f"{path}[{n}]")
            after = n > 0 and isinstance(blocks[n - 1], model.PriorityGoal)
            if isinstance(node, Heading) and isinstance(block, model.PriorityGoal) and after:
                node = dataclasses.replace(node, after_goal=True)
            if node is not None:
                out.append(node)
        return tuple(out)

    def block(self, b: model.Block, parent: Any, owner: str, path: str) -> Node | None:
        trace = Trace(owner, path, b.pos)
        match b:
            case (
                model.Section()
                | model.Challenge()
                | model.Vision()
                | model.GoalOutline()
                | model.PriorityGoal()
                | model.PackageGroup()
                | model.PolicyPackage()
            ):
                return self.heading(b, owner, path)
            case model.Paragraph():
                label = self.text(b.label) if b.label else None
                look = (
                    "labelled"
                    if b.label
                    else b.align
                    if b.align in ("center", "right")
                    else "body"
                    if b.indent
                    else "flush"
                )
                traced = Trace(owner, path, b.text.pos, "p")
                align = b.align or ""
                return Paragraph(self.text(b.text), label, traced, look, align, b.indent)
            case model.BulletList():
                return self.bullets(b, owner, path, trace)
            case model.Note():
                return Note(b.mark, self.text(b.text), Trace(owner, path, b.text.pos, "note"))
            case model.Pending():
                self.origin[id(b)] = (owner, path)
                return self.pending(b, "pending_text", trace)
            case model.Table():
                return self.table(b, trace)
            case model.Projects():
                return self.projects(b, trace)
            case model.Figure():
                number = self.outline.caption_no(b)
                caption = self.text(b.caption)
                source = self.label("source") + self.text(b.source)
                return Figure(
                    number,
                    caption,
                    b.src,
                    b.alt.plain,
                    source,
                    trace,
                    b.width or "",
                    Trace(owner, path, b.alt.pos, "figure"),
                    Trace(owner, _join(path, "caption"), b.caption.pos, "caption"),
                    Trace(owner, _join(path, "source"), b.source.pos, "source"),
                )
            case model.Diagram():
                return self.diagram(b, parent, trace)
            case model.PageBreak():
                return PageBreak(trace)
            case model.MarkdownBlock() | model.MarkdownFile():
                prose = self.prose(b.prose, Trace(owner, path, b.prose.pos, "prose"))
                return dataclasses.replace(prose, html=str(b.prose.html))
            case model.Generated():
                return self.generated(b, trace)
            case model.Include():
                return None  # resolved by the loader
            case _:
                assert_never(b)

    def heading(self, b: Any, owner: str, path: str) -> Heading | None:
        if isinstance(b, model.Section) and b.draft_only and not self.draft:
            return None
        h: Numbering = self.outline.of(b)
        key = h.anchor if isinstance(b, model.PackageGroup) else getattr(b, "id", "") or ""
        if isinstance(b, model.GoalOutline):
            key = f"outline:{b.goal}"
        own = getattr(b, "id", None) or owner
        trace = Trace(own, "" if getattr(b, "id", None) else path, b.pos)
        if isinstance(b, model.PackageGroup):
            vision = self.plan.index.visions.get(b.vision)
            title = join(
                self.label("group_open").marked("aside"),
                self.text(vision.title if vision else None),
                self.label("group_close").marked("aside"),
            )
            src: tuple[str, model.Text | None] = (vision.id, vision.title) if vision else ("", None)
        elif isinstance(b, model.GoalOutline):
            goal = self.plan.goal(b.goal)
            title = self.text(goal.title)
            src = (goal.id, goal.title)
        else:
            title = self.text(b.title)
            src = (b.id, b.title)
        cid, text = src
        titled = Trace(
            cid or owner,
            "title" if cid else _join(path, "title"),
            text.pos if text is not None else None,
            b.KIND,
        )
        note = self.text(b.title_note) if isinstance(b, model.Section) and b.title_note else None
        body: tuple[Node, ...]
        if isinstance(b, model.PolicyPackage):
            body = tuple(self.part(p, b, own, f"parts[{n}]") for n, p in enumerate(b.parts))
        else:
            # a heading without an id of its own (a 重点目標の案, a group without one):
            # its blocks are counted from its holder's
            body = self.blocks(b.body, b, own, "body" if getattr(b, "id", None) else f"{path}.body")
        if isinstance(b, model.GoalOutline):
            marker = self.label_plain("outline_marker")
            visions = (v for v in self.plan.index.visions.values() if v.goal == b.goal)
            items = tuple(
                ListItem(
                    marker,
                    self.text(v.title).marked("link", "#" + v.id),
                    (),
                    Trace(v.id, "title", v.title.pos, "vision"),
                )
                for v in visions
            )
            body += (List(items, Trace(own, "goal", b.pos), marker),)
        return Heading(
            b.KIND,
            key,
            h.anchor,
            h.label,
            title,
            h.depth,
            h.path,
            h.toc,
            note,
            body,
            trace,
            h.look,
            h.title,
            titled,
        )

    def part(
        self, p: model.PackagePart | model.KpiPart, pkg: model.PolicyPackage, owner: str, path: str
    ) -> Part:
        label_text = self.plan.labels.get(p.label)
        trace = Trace(owner, path, label_text.pos if label_text is not None else None, "part")
        label = self.label(p.label)
        if isinstance(p, model.KpiPart):
            kpis = p.kpis
            if isinstance(kpis, model.Pending):
                self.origin[id(kpis)] = (owner, f"{path}.kpis")
            inner: Node = (
                self.pending(kpis, "pending_value", Trace(owner, f"{path}.kpis", kpis.pos))
                if isinstance(kpis, model.Pending)
                else self.kpi_table(kpis, Trace(owner, f"{path}.kpis", p.pos))
            )
            return Part(p.label, label, (inner,), trace)
        return Part(p.label, label, self.blocks(p.body, pkg, owner, f"{path}.body"), trace)

    def pending(self, p: model.Pending, default: str, trace: Trace) -> Pending:
        note = p.label is not None and len(p.label.raw) == 1
        label = self.text(p.label) if p.label else self.label(default)
        if not note:
            label = label.marked("strong")
        reason = self.text(p.pending)
        what = self.text(p.what, counted=False) if p.what else None
        return Pending(
            label, reason, what, Trace(trace.id, trace.field, p.pending.pos, "pending"), note
        )

    def bullets(self, b: model.BulletList, owner: str, path: str, trace: Trace) -> List:
        numbered = b.marker in model.NUMBERED_MARKERS
        items = []
        for n, item in enumerate(b.items, 1):
            mark = "" if b.marker == "none" else list_marker(n, b.marker) if numbered else b.marker
            where = f"{path}.list[{n - 1}]"
            if isinstance(item, model.ListItem):
                text = self.text(item.text)
                body = self.blocks(item.body, item, owner, f"{where}.body")
                traced = Trace(owner, where, item.text.pos, "list")
                items.append(ListItem(mark, text, body, traced))
            else:
                traced = Trace(owner, where, item.pos, "list")
                items.append(ListItem(mark, self.text(item), (), traced))
        return List(tuple(items), trace, b.marker)

    def captioned(
        self, b: model.Table | model.Projects, trace: Trace
    ) -> tuple[Trace | None, Trace | None]:
        """The traces of a table's caption and 出典."""
        caption = (
            Trace(trace.id, _join(trace.field, "caption"), b.caption.pos, "caption")
            if b.caption
            else None
        )
        source = (
            Trace(trace.id, _join(trace.field, "source"), b.source.pos, "source")
            if b.source
            else None
        )
        return caption, source

    def table(self, b: model.Table, trace: Trace) -> Table:
        number = self.outline.caption_no(b) if b.caption else ""
        caption = self.text(b.caption) if b.caption else None
        captioned = self.captioned(b, trace)
        rows = [tuple((self.text(c),) for c in row) for row in b.rows]
        traces = [
            tuple(
                (Trace(trace.id, _join(trace.field, f"table[{r}][{n}]"), c.pos, "cell"),)
                for n, c in enumerate(row)
            )
            for r, row in enumerate(b.rows)
        ]
        source = self.label("source") + self.text(b.source) if b.source else None
        head = b.header
        return Table(
            "data",
            number,
            caption,
            tuple(tuple(c[0] for c in row) for row in rows[:head]),
            tuple(
                Row("", row, traces=t) for row, t in zip(rows[head:], traces[head:], strict=True)
            ),
            source,
            trace,
            tuple(tuple(t for (t,) in row) for row in traces[:head]),
            *captioned,
            tuple(b.widths),
        )

    def projects(self, b: model.Projects, trace: Trace) -> Table:
        """主要事業 (blocks.html): the columns some row fills, a row per project keyed by
        its id, and the 計 (the count and the sum of 事業費), computed."""
        number = self.outline.caption_no(b) if b.caption else ""
        caption = self.text(b.caption) if b.caption else None
        captioned = self.captioned(b, trace)
        columns = b.columns
        header = tuple(self.label(label) for _name, label in columns)
        head_traces = (tuple(self.label_trace(label) for _name, label in columns),)
        rows = []
        for p in b.projects:
            cells = []
            traces = []
            for name, _label in columns:
                value = getattr(p, name)
                if value is None:
                    cells.append((Inline(),))
                elif name == "cost":
                    cells.append((Inline(model.printed_number(value)),))
                else:
                    cells.append((self.text(value),))
                at = value.pos if isinstance(value, model.Text) else p.pos
                traces.append((Trace(p.id, name, at, "project"),))
            rows.append(Row(p.id, tuple(cells), traces=tuple(traces)))
        total = self.plan.labels["projects_total"].raw.replace("{count}", zen(b.count))
        cost = b.total_cost
        sums = tuple(
            (
                Inline(model.printed_number(cost))
                if name == "cost" and cost is not None
                else Inline(),
            )
            for name, _label in columns[1:]
        )
        totalled = (self.label_trace("projects_total"),)
        rows.append(Row("total", ((Inline(total),), *sums), traces=(totalled,)))
        source = self.label("source") + self.text(b.source) if b.source else None
        return Table(
            "projects",
            number,
            caption,
            (header,),
            tuple(rows),
            source,
            trace,
            head_traces,
            *captioned,
            tuple(name for name, _label in columns),
        )

    def kpi_table(self, kpis: tuple[model.Kpi, ...], trace: Trace) -> Table:
        """The 【ＫＰＩ】 of a package (blocks.html ``kpi_table``)."""
        keys = ("kpi_indicator", "kpi_unit", "kpi_baseline", "kpi_target", "kpi_notes")
        header = tuple(self.label(k) for k in keys)
        head_traces = (tuple(self.label_trace(k) for k in keys),)
        rows = []
        for k in kpis:
            indicator = self.text(k.indicator)
            unit = self.text(k.unit) if k.unit else self.label("kpi_no_unit")
            baseline = self.kpi_value(k.baseline)
            target = self.kpi_value(k.target)
            notes = self.text(k.notes) if k.notes else Inline()
            pending = (None, None, self.unprinted(k.baseline), self.unprinted(k.target), None)
            traces = (
                (Trace(k.id, "indicator", k.indicator.pos, "kpi"),),
                (Trace(k.id, "unit", k.unit.pos if k.unit else None, "kpi"),),
                (Trace(k.id, "baseline", _value_pos(k.baseline), "kpi"),),
                (Trace(k.id, "target", _value_pos(k.target), "kpi"),),
                (Trace(k.id, "notes", k.notes.pos if k.notes else None, "kpi"),),
            )
            cells = ((indicator,), (unit,), baseline, target, (notes,))
            rows.append(Row(k.id, cells, pending, traces))
        unit_width, value_width = self.kpi_widths
        columns = ("auto", unit_width, value_width, value_width, "auto")
        return Table(
            "kpi", "", None, (header,), tuple(rows), None, trace, head_traces, columns=columns
        )

    def prose(self, prose: model.Prose, trace: Trace) -> Prose:
        """Markdown: one parse, its tokens read into printed lines: a paragraph, a list
        item (its mark: • or 1., indented by its depth), a table row (cells joined by ｜)."""
        env: dict = {}
        tokens = self.md.parse(prose.raw, env)
        lines: list[tuple[str, Inline]] = []
        lists: list[list[int] | None] = []  # per open list: its next number, or None (bullets)
        mark = ""
        row: list[Inline] | None = None
        for token in tokens:
            kind = token.type
            if kind == "bullet_list_open":
                lists.append(None)
            elif kind == "ordered_list_open":
                lists.append([int(token.attrGet("start") or 1)])
            elif kind in ("bullet_list_close", "ordered_list_close"):
                lists.pop()
            elif kind == "list_item_open":
                top = lists[-1]
                mark = "　" * (len(lists) - 1) + ("•" if top is None else f"{top[0]}.")
                if top is not None:
                    top[0] += 1
            elif kind == "tr_open":
                row = []
            elif kind == "tr_close" and row is not None:
                cells = [x for n, c in enumerate(row) for x in ((("｜", c)) if n else (c,))]
                lines.append(("", join(*cells)))
                row = None
            elif kind in ("code_block", "fence"):
                lines.extend(("", Inline(line)) for line in token.content.splitlines() if line)
            elif kind == "inline":
                printed = self._numbered(_read([token], self.md.options), True)
                if row is not None:
                    row.append(printed)
                else:
                    lines.append((mark, printed))
                    # the next paragraph of the same item stands under its text
                    mark = "　" * len(lists) if lists else ""
        return Prose(tuple(lines), trace, prose_blocks(prose.raw))

    def diagram(self, b: model.Diagram, parent: Any, trace: Trace) -> Diagram:
        number = self.outline.caption_no(b)
        captioned = Trace(trace.id, _join(trace.field, "caption"), b.caption.pos, "caption")
        if b.name == "society":
            boxes, arrows = society_graph(self.plan, b)
            # the column heads: traced to the diagram
            head = Trace(trace.id, trace.field, None, "diagram")
            boxes = tuple(
                dataclasses.replace(x, trace=head) if x.role == "head" else x for x in boxes
            )
            caption = self.text(b.caption)
            stated = bool(b.links)
            return Diagram(b.name, number, caption, boxes, arrows, trace, captioned, stated)
        # the pillars of the section it names, or of the heading that holds it (none in a
        # list's item)
        of = self.plan.index.sections[b.section] if b.section else parent
        found: list[Box] = []
        if of is not None and not isinstance(of, model.ListItem):
            found.append(self.titled("roof", of.id, of.title))
            for p in model.children(of):
                if isinstance(p, model.HEADINGS) and self.outline.printed(p):
                    ph = self.outline.of(p)
                    title, cid, src = self.heading_title(p)
                    found.append(
                        Box(
                            "pillar",
                            ph.anchor,
                            # the number and title side by side, as the figure sets them
                            join(ph.label, self.text(getattr(p, "title", None))),
                            join(ph.label, LINE_BREAK, title),
                            Trace(cid, "title", src.pos if src else None, "diagram"),
                            ph.label,
                            "#" + ph.anchor,
                        )
                    )
        if b.base:
            base = self.plan.index.sections[b.base]
            href = "#" + b.base if self.outline.printed(base) else ""
            found.append(dataclasses.replace(self.titled("base", b.base, base.title), href=href))
        caption = self.text(b.caption)
        return Diagram(b.name, number, caption, tuple(found), (), trace, captioned)

    def titled(self, role: str, key: str, title: model.Text) -> Box:
        """A box that prints a section's title."""
        return Box(
            role, key, self.text(title), inline(title), Trace(key, "title", title.pos, "diagram")
        )

    def heading_title(self, b: Any) -> tuple[Inline, str, model.Text | None]:
        """A heading's title as it reads (a group's vision in ≪≫, a 重点目標の案's goal), its
        calls unnumbered; the content id and the text it comes from."""
        if isinstance(b, model.PackageGroup):
            v = self.plan.vision(b.vision)
            labels = self.plan.labels
            return (
                join(labels["group_open"].plain, inline(v.title), labels["group_close"].plain),
                v.id,
                v.title,
            )
        if isinstance(b, model.GoalOutline):
            g = self.plan.goal(b.goal)
            return inline(g.title), g.id, g.title
        return inline(b.title), b.id, b.title

    # -- the generated lists (generated.html)

    def run(self) -> Document:
        body = self.blocks(self.plan.parts, None, "", "parts")
        meta = self.cover(counted=False)
        footnotes = tuple(
            Footnote(
                fid,
                tuple(self.numbers.get(fid, ())),
                self.text(text, counted=False),
                Trace(fid, "", text.pos),
            )
            for fid, text in self.plan.footnotes.items()
        )
        return Document(body, meta, footnotes, self.draft)


def society_graph(
    plan: model.Plan, diagram: model.Diagram
) -> tuple[tuple[Box, ...], tuple[Arrow, ...]]:
    """図: 基本的な課題認識 → 目指す社会の姿 → 重点目標, as ``figures.society_diagram``
    draws it: the column heads, a box per 課題, per 姿 (in the order of the 重点目標 they
    serve) and per 重点目標; an arrow from a 課題 to a 姿 where ``links:`` states it, and
    from every 姿 to its 重点目標. The texts are plain, as the drawing sets them."""
    index = plan.index
    goal_order = [o.goal for o in index.outlines]
    goal_order += [g.id for g in plan.goals if g.id not in goal_order]
    visions = sorted(
        index.visions.values(),
        key=lambda v: goal_order.index(v.goal) if v.goal in goal_order else len(goal_order),
    )

    def head(block: object | None) -> str:
        parent = index.parents.get(id(block)) if block is not None else None
        title = getattr(parent, "title", None)
        return title.plain if title is not None else ""

    challenges = index.challenges
    heads = (
        head(challenges[0] if challenges else None),
        head(visions[0] if visions else None),
        head(index.outlines[0] if index.outlines else None),
    )

    def box(role: str, key: str, title: model.Text) -> Box:
        return Box(
            role, key, Inline(title.plain), inline(title), Trace(key, "title", title.pos, "diagram")
        )

    boxes = [Box("head", f"head{n}", Inline(t)) for n, t in enumerate(heads, 1)]
    boxes += [box("challenge", c.id, c.title) for c in challenges]
    drawn = [v for g in goal_order for v in visions if v.goal == g]
    boxes += [box("vision", v.id, v.title) for v in drawn]
    boxes += [box("goal", g, plan.goal(g).title) for g in goal_order]
    known = {c.id for c in challenges}
    links: dict[str, list[str]] = {}
    for link in diagram.links:
        links.setdefault(link.vision, []).append(link.challenge)
    arrows = []
    for v in visions:
        if v not in drawn:
            continue
        arrows += [Arrow(cid, v.id) for cid in links.get(v.id, ()) if cid in known]
        arrows.append(Arrow(v.id, v.goal))
    return tuple(boxes), tuple(arrows)


def printed(plan: model.Plan, *, draft: bool = True) -> Document:
    """The plan as the PDF prints it (the draft, or with ``draft`` off the final edition).
    Computed once per plan and edition."""
    cache = plan.index.printed
    if draft not in cache:
        cache[draft] = _Printer(plan, draft).run()
    document: Document = cache[draft]
    return document


def footnote_numbers(plan: model.Plan, *, draft: bool = True) -> dict[str, tuple[int, ...]]:
    """The numbers each footnote is printed with, by id, as the PDF's CSS counter counts
    the calls (a footnote called twice, say in a ＫＰＩ and again in the ＫＰＩ一覧, is
    printed twice)."""
    return printed(plan, draft=draft).footnote_numbers()
