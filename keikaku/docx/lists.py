"""The Word edition's generated lists: the cover, the 目次, 参考１–４, the 施策テーマの例."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..model import (
    Generated,
    KpiPart,
    PackageGroup,
    Pending,
    PolicyPackage,
    Text,
)
from ..outline import zen
from .core import _SLOT, _content_id, _Core, _Ctx, _join, _page_ref, _toc_page
from .pandoc_ast import (
    LINE_BREAK,
    TAB,
    Raw,
    RawBlock,
    Span,
    Str,
    TableBlock,
    _cell,
    _fractions,
    _marker_width,
    _width,
    _x,
    marked,
)
from .styles import toc_levels
from .trace_map import Trace


class _Lists(_Core):
    """The generated lists: the cover, the 目次, 参考１–４ and the 施策テーマの例."""

    # -------------------------------------------------------------- generated lists

    def generated(self, b: Generated, ctx: _Ctx, path: str) -> None:
        name = b.name
        if name == "cover":
            self.cover()
        elif name == "toc":
            self.toc(b)
        elif name == "package-list":
            self.package_list(ctx)
        elif name == "kpi-list":
            self.kpi_list(ctx)
        elif name == "pending-list":
            self.pending_list(ctx, path)
        elif name == "vision-examples":
            self.vision_examples(b, ctx, path)

    def cover(self) -> None:
        m, L = self.plan.meta, self.L
        where = (L["cover"].plain,)

        def line(style: str, inlines: list, field_name: str, src: Any) -> None:
            self.add(self.para(style, inlines, self.trace("", field_name, "cover", where, src)))

        # Every line but the title is optional, as on the PDF's cover.
        if m.status:
            line(
                "Plan Cover Status",
                [Span(self.text(m.status), style="Plan Status Box")],
                "status",
                m.status,
            )
        line("Title", self.text(m.title), "title", m.title)
        if m.meeting:
            line(
                "Plan Cover Meeting",
                [Str("（"), *self.text(m.meeting), Str("）")],
                "meeting",
                m.meeting,
            )
        if m.plan_period:
            line(
                "Plan Cover Meeting",
                [Str(L["plan_period"].plain + "　"), *self.text(m.plan_period)],
                "plan_period",
                m.plan_period,
            )
        if m.notice:
            line("Plan Cover Notice", self.text(m.notice), "notice", m.notice)
        if isinstance(m.date_line, Pending):
            line(
                "Plan Cover Date", [Str(L["pending_date"].plain)], "date_line", m.date_line.pending
            )
        elif m.date_line:
            line("Plan Cover Date", self.text(m.date_line), "date_line", m.date_line)
        if m.issuer:
            line("Plan Cover Issuer", self.text(m.issuer), "issuer", m.issuer)
        # An empty paragraph after the frame: LibreOffice anchors a frame to the paragraph
        # that follows it, which must stand on the cover's page.
        self.styles.get("Page Break")
        self.add(RawBlock('<w:p><w:pPr><w:pStyle w:val="PlanPageBreak"/></w:pPr></w:p>'))

    def toc(self, b: Generated) -> None:
        """目次: a TOC field over the heading styles (Heading 1 to the deepest level the
        PDF's 目次 lists), filled in as the PDF's 目次 reads: each entry the heading's number,
        a tab and its title, as the heading itself reads, so that an update by Word gives
        the same entries (``_outside_toc`` keeps out the headings the PDF's 目次 leaves out)."""
        title = b.caption or self.L["toc_title"]
        trace = self.trace("", "toc", "toc", (title.plain,), title)
        self.add(self.para("TOC Heading", self.text(title), trace))
        entries = self.outline.toc
        if not entries:
            return
        xml = [
            '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/>'
            "</w:docPartObj></w:sdtPr><w:sdtContent>"
        ]
        for i, e in enumerate(entries):
            mark = self.heading_marks[e.anchor]
            t = self.trace(
                _content_id(e), "title", "toc", (title.plain,), getattr(e.node, "title", "")
            )
            runs = [
                f'<w:bookmarkStart w:id="{90000 + i}" w:name="{t.name}"/><w:bookmarkEnd w:id="{90000 + i}"/>'
            ]
            if i == 0:
                runs.append(
                    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                    f'<w:r><w:instrText xml:space="preserve"> TOC \\o "1-{toc_levels(self.outline)}" \\h \\z </w:instrText></w:r>'
                    '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                )
            link = [f'<w:hyperlink w:anchor="{mark}" w:history="1">']
            # The entry as the heading reads (a group's vision in ≪≫), as Word's update has it.
            text = e.title
            if isinstance(e.node, PackageGroup):
                text = f"{self.L['group_open'].plain}{text}{self.L['group_close'].plain}"
            link.append(
                f'<w:r><w:t xml:space="preserve">{_x(e.label)}</w:t></w:r><w:r><w:tab/></w:r>'
                f'<w:r><w:t xml:space="preserve">{_x(text)}</w:t></w:r>'
            )
            if self.pages is None:
                link.append(self.slot("toc", e.anchor))
            else:
                link.append(_toc_page(mark, self.pages.get(e.anchor)))
            link.append("</w:hyperlink>")
            runs += link
            if i == len(entries) - 1:
                runs.append('<w:r><w:fldChar w:fldCharType="end"/></w:r>')
            depth = min(e.depth, 6)
            xml.append(f'<w:p><w:pPr><w:pStyle w:val="TOC{depth}"/></w:pPr>{"".join(runs)}</w:p>')
            self.traces[t.order] = Trace(
                t.name, t.id, t.path, t.kind, t.where, t.src, t.order, f"{e.label}\t{text}"
            )
        xml.append("</w:sdtContent></w:sdt>")
        self.add(RawBlock("".join(xml)))

    def page_ref(self, anchor: str) -> dict:
        """The page of a heading: a PAGEREF field to its bookmark, showing the PDF's page
        number (``pages``) until Word updates it."""
        if self.pages is None:
            return Raw(self.slot("ref", anchor))
        return Raw(_page_ref(self.heading_marks[anchor], self.pages.get(anchor)))

    def slot(self, kind: str, anchor: str) -> str:
        """A place for a page number not known yet: an XML comment, which Pandoc copies
        from raw OpenXML as it is (content text never makes one: it is escaped)."""
        mark = f"<!--keikaku:page:{len(self.slots)}-->"
        self.slots[mark] = (kind, anchor)
        return mark

    def fill(self, xml: str, pages: Mapping[str, int]) -> str:
        """``xml`` with every slot replaced by what the builder writes when given
        ``pages`` from the start: the same bytes either way."""

        def filled(m: re.Match) -> str:
            kind, anchor = self.slots[m.group(0)]
            mark, page = self.heading_marks[anchor], pages.get(anchor)
            return _toc_page(mark, page) if kind == "toc" else _page_ref(mark, page)

        return _SLOT.sub(filled, xml) if self.slots else xml

    def package_list(self, ctx: _Ctx) -> None:
        L = self.L
        cell, head, group = (
            self.styles.get("Cell"),
            self.styles.get("Cell Head"),
            self.styles.get("Cell Group"),
        )
        for goal in self.plan.goals:
            gh = self.outline.of(goal)
            header = [
                _cell(
                    [
                        self.para(
                            head,
                            [Str(L["package_list_head"].plain)],
                            self.label_trace("package_list_head", ctx),
                        )
                    ],
                    cols=2,
                ),
                _cell(
                    [
                        self.para(
                            head,
                            [Str(L["package_list_kpi"].plain)],
                            self.label_trace("package_list_kpi", ctx),
                        )
                    ],
                    align="AlignCenter",
                ),
                _cell(
                    [
                        self.para(
                            head,
                            [Str(L["package_list_page"].plain)],
                            self.label_trace("package_list_page", ctx),
                        )
                    ],
                    align="AlignCenter",
                ),
            ]
            rows = [
                [
                    _cell(
                        [
                            self.para(
                                group,
                                [Str(f"{gh.label}　"), *self.text(goal.title)],
                                self.trace(goal.id, "title", "package-list", ctx.where, goal.title),
                            )
                        ],
                        cols=4,
                    )
                ]
            ]
            for grp in (g for g in goal.body if isinstance(g, PackageGroup)):
                v = self.plan.vision(grp.vision)
                rows.append(
                    [
                        _cell(
                            [
                                self.para(
                                    group,
                                    [
                                        Str(
                                            f"{self.outline.of(grp).label}　{L['group_open'].plain}"
                                        ),
                                        *self.text(v.title),
                                        Str(L["group_close"].plain),
                                    ],
                                    self.trace(v.id, "title", "package-list", ctx.where, v.title),
                                )
                            ],
                            cols=4,
                        )
                    ]
                )
                for pkg in (p for p in grp.body if isinstance(p, PolicyPackage)):
                    count = (
                        L["pending_value"].plain
                        if isinstance(pkg.kpis, Pending)
                        else f"{zen(len(pkg.kpis))}{L['kpi_count'].plain}"
                    )
                    rows.append(
                        [
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [Str(self.outline.of(pkg).label)],
                                        self.trace(pkg.id, "", "number", ctx.where, pkg.title),
                                    )
                                ]
                            ),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [self.link("#" + pkg.id, self.text(pkg.title))],
                                        self.trace(
                                            pkg.id, "title", "package-list", ctx.where, pkg.title
                                        ),
                                    )
                                ]
                            ),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [Str(count)],
                                        self.trace(
                                            pkg.id,
                                            self.kpis_path(pkg),
                                            "count",
                                            ctx.where,
                                            pkg.kpi_part or pkg.title,
                                        ),
                                    )
                                ],
                                align="AlignCenter",
                            ),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        [self.page_ref(self.outline.of(pkg).anchor)],
                                        self.trace(pkg.id, "", "page", ctx.where, pkg.title),
                                    )
                                ],
                                align="AlignCenter",
                            ),
                        ]
                    )
            # The PDF's widths (plan.css: 3.5em + 2em for the number, 6em for ＫＰＩ, 3em for
            # the page). The page is a PAGEREF field to the package's heading: Word counts
            # its own pages when the fields are updated; until then it shows the PDF's.
            self.add(
                TableBlock(
                    [0.12, 0.64, 0.16, 0.08],
                    [header],
                    rows,
                    ["AlignDefault", "AlignDefault", "AlignCenter", "AlignCenter"],
                )
            )

    def kpi_list(self, ctx: _Ctx) -> None:
        from ..render import kpi_columns, kpi_value

        L = self.L
        value = float(kpi_columns(self.plan)["value"].removesuffix("em")) * 9.5 / 10.5 / 45
        cell, head, group = (
            self.styles.get("Cell"),
            self.styles.get("Cell Head"),
            self.styles.get("Cell Group"),
        )
        for goal in self.plan.goals:
            header = [
                _cell([self.para(head, [Str(L[k].plain)], self.label_trace(k, ctx))])
                for k in (
                    "kpi_list_package",
                    "kpi_indicator",
                    "kpi_baseline",
                    "kpi_target",
                    "kpi_notes",
                )
            ]
            rows = [
                [
                    _cell(
                        [
                            self.para(
                                group,
                                [Str(f"{self.outline.of(goal).label}　"), *self.text(goal.title)],
                                self.trace(goal.id, "title", "kpi-list", ctx.where, goal.title),
                            )
                        ],
                        cols=5,
                    )
                ]
            ]
            for grp in (g for g in goal.body if isinstance(g, PackageGroup)):
                for pkg in (p for p in grp.body if isinstance(p, PolicyPackage)):
                    title = [self.link("#" + pkg.id, self.text(pkg.title))]
                    if isinstance(pkg.kpis, Pending):
                        rows.append(
                            [
                                _cell(
                                    [
                                        self.para(
                                            cell,
                                            title,
                                            self.trace(
                                                pkg.id, "title", "kpi-list", ctx.where, pkg.title
                                            ),
                                        )
                                    ]
                                ),
                                _cell(
                                    [
                                        self.para(
                                            cell,
                                            [
                                                Span(
                                                    [Str(L["pending_value"].plain)],
                                                    style="Plan Strong",
                                                ),
                                                *self.text(pkg.kpis.pending),
                                            ],
                                            self.trace(
                                                pkg.id,
                                                self.kpis_path(pkg),
                                                "kpi-list",
                                                ctx.where,
                                                pkg.kpis.pending,
                                            ),
                                        )
                                    ],
                                    cols=4,
                                ),
                            ]
                        )
                    listed: list[tuple[Any, str]] = []
                    if not isinstance(pkg.kpis, Pending):
                        listed += [(k, "" if i else "national") for i, k in enumerate(pkg.kpis)]
                    # A regional edition's own ＫＰＩ of the package, after the national ones.
                    listed += [
                        (k, "" if i else "regional") for i, k in enumerate(pkg.regional_kpis)
                    ]
                    for k, lead in listed:
                        if lead == "national":
                            first = self.para(
                                cell,
                                title,
                                self.trace(pkg.id, "title", "kpi-list", ctx.where, pkg.title),
                            )
                        elif lead == "regional":
                            first = self.para(
                                cell,
                                [Str(f"（{L['regional_kpis'].plain}）")],
                                self.label_trace("regional_kpis", ctx),
                            )
                        else:
                            first = self.para(cell, [], None)
                        indicator = [*self.text(k.indicator)]
                        if k.unit:
                            indicator.append(
                                Span([Str("（"), *self.text(k.unit), Str("）")], style="Plan Year")
                            )
                        row = [
                            _cell([first]),
                            _cell(
                                [
                                    self.para(
                                        cell,
                                        indicator,
                                        self.trace(
                                            k.id, "indicator", "kpi-list", ctx.where, k.indicator
                                        ),
                                    )
                                ]
                            ),
                        ]
                        for name in ("baseline", "target"):
                            v = getattr(k, name)
                            if isinstance(v, Pending):
                                inl = [Span([Str(L["pending_value"].plain)], style="Plan Strong")]
                            else:
                                shown = v.value if isinstance(v.value, Text) else None
                                inl = [
                                    *(
                                        self.text(shown)
                                        if shown is not None
                                        else [Str(str(kpi_value(v.value)))]
                                    ),
                                    LINE_BREAK,
                                    Span(
                                        [Str("（"), *self.text(v.year), Str("）")],
                                        style="Plan Year",
                                    ),
                                ]
                            row.append(
                                _cell(
                                    [
                                        self.para(
                                            cell,
                                            inl,
                                            self.trace(
                                                k.id,
                                                name,
                                                "kpi-list",
                                                ctx.where,
                                                v.pending if isinstance(v, Pending) else v.year,
                                            ),
                                        )
                                    ]
                                )
                            )
                        notes = (
                            self.para(
                                cell,
                                self.text(k.notes),
                                self.trace(k.id, "notes", "kpi-list", ctx.where, k.notes),
                            )
                            if k.notes
                            else self.para(cell, [], None)
                        )
                        row.append(_cell([notes]))
                        rows.append(row)
            self.add(TableBlock(_fractions([0.24, None, value, value, 0.2]), [header], rows))

    def kpis_path(self, pkg: PolicyPackage) -> str:
        i = next((i for i, p in enumerate(pkg.parts) if isinstance(p, KpiPart)), 0)
        return f"parts[{i}].kpis"

    def pending_list(self, ctx: _Ctx, path: str) -> None:
        """The 未定事項一覧 as the PDF prints it: each reason once, numbered, with the places
        it stands for under it."""
        L = self.L
        self.add(
            self.para(
                self.styles.get("Appendix Note"),
                [Str(L["pending_list_note"].raw.replace("{count}", zen(len(self.plan.pending))))],
                self.trace(ctx.id, path, "pending-list", ctx.where, L["pending_list_note"]),
            )
        )
        style = self.styles.get("Pending Item", hang=2)
        marker = L["pending_list_marker"].plain
        for n, (reason, places) in enumerate(self.plan.pending_groups, start=1):
            cid, ipath = self.origin.get(id(places[0][1]), ("", ""))
            count = (
                [Str(L["pending_list_count"].raw.replace("{count}", zen(len(places))))]
                if len(places) > 1
                else []
            )
            inlines = [
                Span([Str(zen(n))], style="Plan Gothic"),
                *([TAB] if _width(zen(n)) < 2 else []),
                Span([*self.text(reason), *count], style="Plan Gothic"),
            ]
            for where, _ in places:
                inlines += [LINE_BREAK, Str(marker + where)]
            self.add(
                self.para(style, inlines, self.trace(cid, ipath, "pending-list", ctx.where, reason))
            )

    def vision_examples(self, b: Generated, ctx: _Ctx, path: str) -> None:
        L = self.L
        if b.caption:
            self.add(
                self.para(
                    self.styles.get("Block Title", left=ctx.left),
                    self.text(b.caption),
                    self.trace(ctx.id, _join(path, "caption"), "caption", ctx.where, b.caption),
                )
            )
        cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        marker = L["examples_marker"].plain
        point = self.styles.get("Cell Point", hang=_marker_width(marker))
        header = [
            _cell([self.para(head, [Str(L[k].plain)], self.label_trace(k, ctx))])
            for k in ("vision_examples_vision", "vision_examples_themes")
        ]
        rows = []
        for v in self.plan.index.visions.values():
            if not v.theme_examples:
                continue
            themes = [
                self.para(
                    point,
                    [*marked(marker, _marker_width(marker)), *self.text(t)],
                    self.trace(v.id, f"theme_examples[{i}]", "vision-examples", ctx.where, t),
                )
                for i, t in enumerate(v.theme_examples)
            ]
            rows.append(
                [
                    _cell(
                        [
                            self.para(
                                cell,
                                self.text(v.title),
                                self.trace(v.id, "title", "vision-examples", ctx.where, v.title),
                            )
                        ]
                    ),
                    _cell(themes),
                ]
            )
        self.add(TableBlock([0.4, 0.6], [header], rows))
