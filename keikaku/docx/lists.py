"""The Word edition's generated lists: the cover, the 目次, 参考１–４, the 施策テーマの例."""

from __future__ import annotations

import re
from collections.abc import Mapping

from .. import tree
from .core import _SLOT, _Core, _Ctx, _page_ref, _toc_page
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
from .tables import _kpi_share
from .trace_map import Trace

#: The cover's lines: the style of each field it prints.
_COVER = {
    "status": "Plan Cover Status",
    "title": "Title",
    "meeting": "Plan Cover Meeting",
    "plan_period": "Plan Cover Meeting",
    "notice": "Plan Cover Notice",
    "date_line": "Plan Cover Date",
    "issuer": "Plan Cover Issuer",
}


class _Lists(_Core):
    """The generated lists: the cover, the 目次, 参考１–４ and the 施策テーマの例."""

    # -------------------------------------------------------------- generated lists

    def cover(self, node: tree.Cover) -> None:
        """The cover: each field it prints, in its order, in the style of its line (a
        date not set yet prints its label; its reason goes to the 未定事項一覧)."""
        where = (node.label,)
        for f in node.fields:
            style = _COVER.get(f.name)
            if style is None or not f.printed or f.trace is None:
                continue
            if not f.lines[0] and f.name != "title":
                continue  # every line but the title is optional, as on the PDF's cover
            text = self.inline(f.lines[0])
            if f.name == "status":
                text = [Span(text, style="Plan Status Box")]
            elif f.name == "meeting":
                text = [Str("（"), *text, Str("）")]
            elif f.name == "plan_period":
                text = [Str(f.lead + "　"), *text]
            self.add(self.para(style, text, self.trace("", f.name, "cover", where, f.trace.pos)))
        # An empty paragraph after the frame: LibreOffice anchors a frame to the paragraph
        # that follows it, which must stand on the cover's page.
        self.styles.get("Page Break")
        self.add(RawBlock('<w:p><w:pPr><w:pStyle w:val="PlanPageBreak"/></w:pPr></w:p>'))

    def toc(self, node: tree.Toc) -> None:
        """目次: a TOC field over the heading styles (Heading 1 to the deepest level the
        PDF's 目次 lists), filled in as the PDF's 目次 reads: each entry the heading's number,
        a tab and its title, as the heading itself reads, so that an update by Word gives
        the same entries (``_outside_toc`` keeps out the headings the PDF's 目次 leaves out)."""
        where = (node.title.plain,)
        trace = self.traced(node.trace, where)  # before the title's footnotes, if any
        self.add(self.para("TOC Heading", self.inline(node.title), trace))
        entries = node.entries
        if not entries:
            return
        xml = [
            '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/><w:docPartUnique/>'
            "</w:docPartObj></w:sdtPr><w:sdtContent>"
        ]
        for i, e in enumerate(entries):
            mark = self.heading_marks[e.anchor]
            assert e.trace is not None
            t = self.traced(e.trace, where)
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
            link.append(
                f'<w:r><w:t xml:space="preserve">{_x(e.number)}</w:t></w:r><w:r><w:tab/></w:r>'
                f'<w:r><w:t xml:space="preserve">{_x(e.line)}</w:t></w:r>'
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
                t.name, t.id, t.path, t.kind, t.where, t.src, t.order, f"{e.number}\t{e.line}"
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

    # -------------------------------------------------------------- 参考１–４ from the tree

    def listed(self, node: tree.Generated, ctx: _Ctx) -> None:
        """A generated list the tree holds as tables (参考１, ２, the 施策テーマの例) or as a
        list (参考３: the 未定事項一覧)."""
        if node.caption is not None and node.caption_trace is not None:
            self.add(
                self.para(
                    self.styles.get("Block Title", left=ctx.left),
                    self.inline(node.caption),
                    self.traced(node.caption_trace, ctx.where),
                )
            )
        if node.name in ("package-list", "kpi-list", "vision-examples"):
            cell, head = self.styles.get("Cell"), self.styles.get("Cell Head")
        if node.name in ("package-list", "kpi-list"):
            group = self.styles.get("Cell Group")
        for part in node.body:
            match part:
                case tree.Table(role="package-list"):
                    self.package_list(part, ctx, cell, head, group)
                case tree.Table(role="kpi-list"):
                    self.kpi_list(part, ctx, cell, head, group)
                case tree.Table(role="vision-examples"):
                    self.vision_examples(part, ctx, cell, head)
                case tree.List():
                    self.pending_list(part, ctx)
                case tree.Cover():
                    self.cover(part)
                case tree.Toc():
                    self.toc(part)
                case _:
                    raise ValueError(f"{node.name}: {type(part).__name__}")

    def package_list(self, table: tree.Table, ctx: _Ctx, cell: str, head: str, group: str) -> None:
        center = "AlignCenter"
        header = self.header(
            table, head, ctx, {0: (2, "AlignDefault"), 1: (1, center), 2: (1, center)}
        )
        rows = []
        for row in table.rows:
            if len(row.cells) == 1:  # a 重点目標, a group
                rows.append([_cell([self.cell_para(group, row, 0, ctx, sep=[])], cols=4)])
                continue
            no, title, count = (self.cell_para(cell, row, n, ctx, sep=[]) for n in range(3))
            page = self.para(
                cell, [self.page_ref(row.key)], self.traced(row.traces[3][0], ctx.where)
            )
            rows.append(
                [
                    _cell([no]),
                    _cell([title]),
                    _cell([count], align=center),
                    _cell([page], align=center),
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
                ["AlignDefault", "AlignDefault", center, center],
            )
        )

    def kpi_list(self, table: tree.Table, ctx: _Ctx, cell: str, head: str, group: str) -> None:
        value = _kpi_share(table.columns[2])
        header = self.header(table, head, ctx, {})
        rows = []
        for row in table.rows:
            if len(row.cells) == 1:  # a 重点目標
                rows.append([_cell([self.cell_para(group, row, 0, ctx, sep=[])], cols=5)])
            elif len(row.cells) == 2:  # a package whose ＫＰＩ are not set: the reason
                title, reason = (self.cell_para(cell, row, n, ctx, sep=[]) for n in range(2))
                rows.append([_cell([title]), _cell([reason], cols=4)])
            else:
                paras = [self.cell_para(cell, row, n, ctx, sep=[LINE_BREAK]) for n in range(5)]
                rows.append([_cell([p]) for p in paras])
        self.add(TableBlock(_fractions([0.24, None, value, value, 0.2]), [header], rows))

    def pending_list(self, node: tree.List, ctx: _Ctx) -> None:
        """The 未定事項一覧 as the PDF prints it: each reason once, numbered, with the places
        it stands for under it."""
        note, *reasons = node.items
        self.add(
            self.para(
                self.styles.get("Appendix Note"),
                self.inline(note.text),
                self.traced(note.trace, ctx.where),
            )
        )
        style = self.styles.get("Pending Item", hang=2)
        for item in reasons:
            inlines = [
                Span([Str(item.marker)], style="Plan Gothic"),
                *([TAB] if _width(item.marker) < 2 else []),
                Span(self.inline(item.text), style="Plan Gothic"),
            ]
            for places in item.body:
                for place in tree.walk((places,)):
                    if isinstance(place, tree.ListItem):
                        inlines += [LINE_BREAK, Str(place.marker), *self.inline(place.text)]
            self.add(self.para(style, inlines, self.traced(item.trace, ctx.where)))

    def vision_examples(self, table: tree.Table, ctx: _Ctx, cell: str, head: str) -> None:
        marker = table.marker
        point = self.styles.get("Cell Point", hang=_marker_width(marker))
        header = self.header(table, head, ctx, {})
        rows = []
        for row in table.rows:
            themes = [
                self.para(
                    point,
                    [*marked(marker, _marker_width(marker)), *self.inline(line.after(len(marker)))],
                    self.traced(t, ctx.where),
                )
                for line, t in zip(row.cells[1], row.traces[1], strict=True)
            ]
            title = self.cell_para(cell, row, 0, ctx, sep=[])  # traced after its themes
            rows.append([_cell([title]), _cell(themes)])
        self.add(TableBlock([0.4, 0.6], [header], rows))
