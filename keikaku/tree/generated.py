"""The lists the walk generates where the content puts them (``generated:``): the
cover, the 目次, 参考１–４, the 施策テーマの例."""

from __future__ import annotations

import dataclasses

from .. import model
from ..outline import Heading as Numbering
from ..outline import zen
from .nodes import Cover, Field, Generated, List, ListItem, Node, Row, Table, Toc, TocEntry, Trace
from .printing import COVER_ORDER, METADATA_ONLY, _join, _Printing, _value_pos, content_id
from .text import Inline, join

#: The cover's fields printed after a label of the same name (「計画期間　令和８年度～」).
LED = ("plan_period",)


class _Generated(_Printing):
    def generated(self, b: model.Generated, trace: Trace) -> Generated:
        name = b.name
        if name == "cover":
            cover = Cover(self.cover(counted=True), trace, self.label_plain("cover"))
            return Generated(name, None, (cover,), trace)
        if name == "toc":
            title = self.text(b.caption) if b.caption else self.label("toc_title")
            entries = tuple(self.toc_entry(e) for e in self.outline.toc)
            src = b.caption or self.plan.labels.get("toc_title")
            traced = Trace("", "toc", src.pos if src is not None else None, "toc")
            return Generated(name, title, (Toc(title, entries, traced),), trace)
        if name == "package-list":
            return Generated(name, None, self.package_list(trace), trace)
        if name == "kpi-list":
            return Generated(name, None, self.kpi_list(trace), trace)
        if name == "pending-list":
            return Generated(name, None, (self.pending_list(trace),), trace)
        if name == "vision-examples":
            caption = self.text(b.caption) if b.caption else None
            captioned = (
                Trace(trace.id, _join(trace.field, "caption"), b.caption.pos, "caption")
                if b.caption
                else None
            )
            return Generated(name, caption, (self.vision_examples(trace),), trace, captioned)
        raise ValueError(f"unknown generated list {name!r}")  # the loader accepts none other

    def toc_entry(self, e: Numbering) -> TocEntry:
        node = e.node
        line = e.title
        if isinstance(node, model.PackageGroup):
            line = f"{self.label_plain('group_open')}{line}{self.label_plain('group_close')}"
        title = getattr(node, "title", None)
        at = title.pos if isinstance(title, model.Text) else None
        trace = Trace(content_id(e), "title", at, "toc")
        return TocEntry(e.label, e.title, e.depth, e.anchor, line, trace)

    def cover(self, *, counted: bool) -> tuple[Field, ...]:
        """The cover's fields: those the cover prints in its order, then the others. Read
        generically, so that a field added to ``PlanMeta`` is compared too."""
        meta = self.plan.meta
        fields = {f.name: f for f in dataclasses.fields(model.PlanMeta)}
        order = [n for n in COVER_ORDER if n in fields]
        order += [n for n in fields if n not in order]
        out = []
        for name in order:
            f = fields[name]
            if f.metadata.get("derived"):
                continue
            value = getattr(meta, name, None)
            printed = name not in METADATA_ONLY
            count = counted and printed
            lines: tuple[Inline, ...]
            if value is None:
                lines = ()
            elif isinstance(value, model.Pending):
                lines = (
                    self.label("pending_date")
                    if count
                    else Inline(self.label_plain("pending_date")),
                )
                lines += (self.text(value.pending, counted=False),)
            elif isinstance(value, model.Text):
                lines = (self.text(value, counted=count),)
            elif isinstance(value, tuple):
                lines = tuple(
                    self.text(v, counted=count) for v in value if isinstance(v, model.Text)
                )
            else:
                lines = (Inline(str(value)),)
            at = (
                value.pending.pos
                if isinstance(value, model.Pending)
                else getattr(value, "pos", None)
            )
            traced = Trace("", name, at, "cover") if value is not None else None
            pending = isinstance(value, model.Pending)
            lead = self.label_plain(name) if name in LED else ""
            out.append(
                Field(name, f.metadata.get("ja", name), lines, printed, traced, pending, lead)
            )
        return tuple(out)

    def goal_row(self, goal: model.PriorityGoal, kind: str) -> Row:
        """A 重点目標's row of a generated list: its number and title."""
        title = join(self.outline.of(goal).label, "　", self.text(goal.title))
        return Row(goal.id, ((title,),), traces=((Trace(goal.id, "title", goal.title.pos, kind),),))

    def linked(self, pkg: model.PolicyPackage) -> Inline:
        """A package's title, linked to its heading."""
        return self.text(pkg.title).marked("link", "#" + pkg.id)

    @staticmethod
    def kpis_path(pkg: model.PolicyPackage) -> str:
        n = next((n for n, p in enumerate(pkg.parts) if isinstance(p, model.KpiPart)), 0)
        return f"parts[{n}].kpis"

    def package_list(self, trace: Trace) -> tuple[Node, ...]:
        """参考１: per 重点目標, a table of its groups and packages, each with its number of
        ＫＰＩ (and its page, which the layout adds)."""
        tables: list[Node] = []
        for goal in self.plan.goals:
            keys = ("package_list_head", "package_list_kpi", "package_list_page")
            header = tuple(self.label(k) for k in keys)
            head_traces = (tuple(self.label_trace(k) for k in keys),)
            rows = [self.goal_row(goal, "package-list")]
            for group in model.groups_of(goal):
                vision = self.plan.vision(group.vision)
                title = join(
                    self.outline.of(group).label,
                    "　",
                    self.label("group_open").marked("aside"),
                    self.text(vision.title),
                    self.label("group_close").marked("aside"),
                )
                traced = ((Trace(vision.id, "title", vision.title.pos, "package-list"),),)
                rows.append(Row(self.outline.of(group).anchor, ((title,),), traces=traced))
                for pkg in model.packages_of(group):
                    no = Inline(self.outline.of(pkg).label)
                    title = self.linked(pkg)
                    kpis = pkg.kpis
                    count = (
                        self.label("pending_value")
                        if isinstance(kpis, model.Pending)
                        else join(zen(len(kpis)), self.label("kpi_count"))
                    )
                    at = pkg.title.pos
                    traces = (
                        (Trace(pkg.id, "", at, "number"),),
                        (Trace(pkg.id, "title", at, "package-list"),),
                        (
                            Trace(
                                pkg.id,
                                self.kpis_path(pkg),
                                (pkg.kpi_part or pkg.title).pos,
                                "count",
                            ),
                        ),
                        (Trace(pkg.id, "", at, "page"),),
                    )
                    rows.append(Row(pkg.id, ((no,), (title,), (count,)), traces=traces))
            tables.append(
                Table("package-list", "", None, (header,), tuple(rows), None, trace, head_traces)
            )
        return tuple(tables)

    def kpi_list(self, trace: Trace) -> tuple[Node, ...]:
        """参考２: per 重点目標, every ＫＰＩ of its packages (a package whose ＫＰＩ are not
        set yet: its reason in one cell over the four)."""
        tables: list[Node] = []
        keys = ("kpi_list_package", "kpi_indicator", "kpi_baseline", "kpi_target", "kpi_notes")
        for goal in self.plan.goals:
            header = tuple(self.label(k) for k in keys)
            head_traces = (tuple(self.label_trace(k) for k in keys),)
            rows = [self.goal_row(goal, "kpi-list")]
            for group in model.groups_of(goal):
                for pkg in model.packages_of(group):
                    kpis = pkg.kpis
                    titled = Trace(pkg.id, "title", pkg.title.pos, "kpi-list")
                    listed: list[tuple[model.Kpi, Inline, tuple[Trace, ...]]] = []
                    if isinstance(kpis, model.Pending):
                        title = self.linked(pkg)
                        value = self.label("pending_value").marked("strong")
                        reason = Trace(pkg.id, self.kpis_path(pkg), kpis.pending.pos, "kpi-list")
                        rows.append(
                            Row(
                                pkg.id,
                                ((title,), (value, self.text(kpis.pending))),
                                traces=((titled,), (reason,)),
                            )
                        )
                    else:
                        listed += [
                            (k, self.linked(pkg), (titled,)) if n == 0 else (k, Inline(), ())
                            for n, k in enumerate(kpis)
                        ]
                    # A regional edition's own ＫＰＩ of the package, after the national ones.
                    listed += [
                        (
                            (
                                k,
                                join("（", self.label("regional_kpis"), "）"),
                                (self.label_trace("regional_kpis"),),
                            )
                            if n == 0
                            else (k, Inline(), ())
                        )
                        for n, k in enumerate(pkg.regional_kpis)
                    ]
                    for k, title, first in listed:
                        indicator = self.text(k.indicator)
                        if k.unit:
                            indicator = join(
                                indicator, join("（", self.text(k.unit), "）").marked("small")
                            )
                        baseline = self.kpi_value(k.baseline)
                        target = self.kpi_value(k.target)
                        notes = self.text(k.notes) if k.notes else Inline()
                        traces = (
                            first,
                            (Trace(k.id, "indicator", k.indicator.pos, "kpi-list"),),
                            *(
                                (Trace(k.id, name, _value_pos(getattr(k, name)), "kpi-list"),)
                                for name in ("baseline", "target")
                            ),
                            (Trace(k.id, "notes", k.notes.pos, "kpi-list"),) if k.notes else (),
                        )
                        rows.append(
                            Row(
                                k.id,
                                ((title,), (indicator,), baseline, target, (notes,)),
                                traces=traces,
                            )
                        )
            tables.append(
                Table(
                    "kpi-list",
                    "",
                    None,
                    (header,),
                    tuple(rows),
                    None,
                    trace,
                    head_traces,
                    columns=("auto", "auto", self.kpi_widths[1], self.kpi_widths[1], "auto"),
                )
            )
        return tuple(tables)

    def pending_list(self, trace: Trace) -> List:
        """As printed: the note, then each reason once, numbered, with its count and the
        places it stands for under it (no content path: the page prints none). A reason
        is traced to the first place it stands for, where that is set before the list."""
        labels = self.plan.labels
        note = labels["pending_list_note"].raw.replace("{count}", zen(len(self.plan.pending)))
        marker = labels["pending_list_marker"].plain
        noted = Trace(trace.id, trace.field, labels["pending_list_note"].pos, "pending-list")
        items = [ListItem("", Inline(note), (), noted)]
        for n, (reason, places) in enumerate(self.plan.pending_groups, 1):
            count = (
                labels["pending_list_count"].raw.replace("{count}", zen(len(places)))
                if len(places) > 1
                else ""
            )
            where = tuple(
                ListItem(marker, Inline(place), (), Trace("", place, item.pos))
                for place, item in places
            )
            cid, path = self.origin.get(id(places[0][1]), ("", ""))
            text = join(self.text(reason), count)
            items.append(
                ListItem(
                    zen(n),
                    text,
                    (List(where, trace),),
                    Trace(cid, path, reason.pos, "pending-list"),
                )
            )
        return List(tuple(items), trace)

    def vision_examples(self, trace: Trace) -> Table:
        keys = ("vision_examples_vision", "vision_examples_themes")
        header = tuple(self.label(k) for k in keys)
        head_traces = (tuple(self.label_trace(k) for k in keys),)
        marker = self.label_plain("examples_marker")
        rows = []
        for v in self.plan.index.visions.values():
            if not v.theme_examples:
                continue
            title = self.text(v.title)
            themes = tuple(join(marker, self.text(t)) for t in v.theme_examples)
            traces = (
                (Trace(v.id, "title", v.title.pos, "vision-examples"),),
                tuple(
                    Trace(v.id, f"theme_examples[{n}]", t.pos, "vision-examples")
                    for n, t in enumerate(v.theme_examples)
                ),
            )
            rows.append(Row(v.id, ((title,), themes), traces=traces))
        return Table(
            "vision-examples",
            "",
            None,
            (header,),
            tuple(rows),
            None,
            trace,
            head_traces,
            marker=marker,
        )

    # -- the document
