"""The Word package: the reference document, its parts, and the finishing of Pandoc's package."""

from __future__ import annotations

import functools
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Set
from datetime import UTC, datetime

from ..docx_fonts import Cutting, font_table
from ..docx_fonts import embed as embed_fonts
from ..model import (
    Plan,
    draft_mark,
)
from ..pandoc import run as run_pandoc
from .builder import _Builder
from .pandoc_ast import (
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    MM,
    PAGE_H,
    PAGE_W,
    PKG_REL,
    R_NS,
    REL,
    W_NS,
    _x,
    _xa,
)
from .styles import _COVER_FRAME, _outside_toc, _Style, _styles_part, heading_widths
from .trace_map import MAP_NAMESPACE, MAP_PART, _map_xml


def _settings_part() -> bytes:
    """Word's settings (the finished package's also ask for its embedded fonts: see
    ``docx_fonts.embed``): Japanese text, punctuation kept full width as in the PDF, changes
    tracked from the start (a reviewer's edits are recorded unless they turn it off),
    moves recorded as deletions and insertions (as the 意見対応表 reads them), and fields
    updated on opening (Word asks, then rebuilds the 目次 from the heading styles and its
    page numbers from its own layout)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        '<w:zoom w:percent="100"/>'
        '<w:proofState w:spelling="clean" w:grammar="clean"/>'
        '<w:trackRevisions/><w:doNotTrackMoves/><w:defaultTabStop w:val="420"/>'
        '<w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:updateFields w:val="true"/>'
        '<w:footnotePr><w:footnote w:id="-1"/><w:footnote w:id="0"/></w:footnotePr>'
        '<w:compat><w:doNotExpandShiftReturn/><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>'
        "</w:compat>"
        '<w:themeFontLang w:val="en-US" w:eastAsia="ja-JP"/><w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>'
        "</w:settings>"
    ).encode()


def _field(code: str, result: str = "") -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {code} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t xml:space="preserve">{_x(result)}</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _header_part(status: str | None, running_head: str | None = None) -> bytes:
    """The page head: the draft mark (``model.draft_mark``: 素案, 作業中) at the left while
    a draft, the part's title at the right. The title is text, one header per part (each
    part is a section): Word and LibreOffice show it alike, with no field to update."""
    runs = ""
    if status:
        runs += (
            f'<w:r><w:rPr><w:rStyle w:val="PlanStatusBox"/></w:rPr><w:t>{_x(status)}</w:t></w:r>'
        )
    if running_head:
        runs += f'<w:r><w:tab/></w:r><w:r><w:t xml:space="preserve">{_x(running_head)}</w:t></w:r>'
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        f'<w:p><w:pPr><w:pStyle w:val="Header"/></w:pPr>{runs}</w:p></w:hdr>'
    ).encode()


def _footer_part() -> bytes:
    """「- n -」 at the foot of the page, n a PAGE field."""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        '<w:p><w:pPr><w:pStyle w:val="Footer"/></w:pPr><w:r><w:t xml:space="preserve">- </w:t></w:r>'
        + _field("PAGE", "1")
        + '<w:r><w:t xml:space="preserve"> -</w:t></w:r></w:p></w:ftr>'
    ).encode("utf-8")


def _sect_pr(refs: str, *, restart: bool, title_page: bool = False) -> str:
    """A section's properties: its page heads and feet (``refs``), A4 with the plan's
    margins, page numbers from 1 if ``restart``, its own head and foot on its first page
    (``w:titlePg``) if ``title_page``."""
    return (
        f"<w:sectPr>{refs}"
        f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_SIDE}" w:bottom="{MARGIN_BOTTOM}" w:left="{MARGIN_SIDE}" '
        f'w:header="{round(15 * MM)}" w:footer="{round(9 * MM)}" w:gutter="0"/>'
        + ('<w:pgNumType w:start="1"/>' if restart else "")
        + ("<w:titlePg/>" if title_page else "")
        + "</w:sectPr>"
    )


def _sections(doc: str, rels: str, builder: _Builder) -> tuple[str, dict[str, tuple[str, bytes]]]:
    """The document's sections completed: the front matter's (the cover without a page
    head: its own box names the stage), then one per part, headed by its title except on
    its opening page. Returns the document and the header parts to add (name → (relation
    id, part))."""
    plan, draft = builder.plan, builder.draft
    status = draft_mark(plan.meta.status, plan.labels) if draft else None
    header1, footer1 = _rels_target(rels, "header1.xml"), _rels_target(rels, "footer1.xml")
    added: dict[str, tuple[str, bytes]] = {}

    def header(name: str, body: bytes) -> str:
        rid = f"rIdKkHead{len(added) + 1}"
        added[f"word/{name}"] = (rid, body)
        return rid

    def ref(kind: str, which: str, rid: str | None) -> str:
        return f'<w:{kind}Reference w:type="{which}" r:id="{rid}"/>' if rid else ""

    blank = header("header-cover.xml", _header_part(None))
    front = ref("header", "default", header1 if draft else blank) + ref("header", "first", blank)
    doc = doc.replace(
        "<w:sectPr><!--keikaku:front--></w:sectPr>", _sect_pr(front, restart=False, title_page=True)
    )
    heads = builder.running_heads
    if not heads:
        return doc, added
    props = []
    for k, title in enumerate(heads, 1):
        rid = header(f"header-part{k}.xml", _header_part(status, title))
        refs = (
            ref("header", "default", rid)
            + ref("header", "first", header1)
            + ref("footer", "default", footer1)
            + ref("footer", "first", footer1)
        )
        props.append(_sect_pr(refs, restart=k == 1, title_page=True))
    for sect in props[:-1]:
        doc = doc.replace("<w:sectPr><!--keikaku:part--></w:sectPr>", sect, 1)
    last = re.compile(r"<w:sectPr\b(?:(?!<w:sectPr\b).)*</w:sectPr>(\s*</w:body>)", re.S)
    doc, n = last.subn(lambda m: props[-1] + m.group(1), doc)
    if n != 1:
        raise AssertionError("plan.docx: the body's last section was not found")
    return doc, added


@functools.cache
def _default_reference() -> bytes:
    """Pandoc's own reference.docx: the parts we do not make ourselves (theme, numbering …)."""
    return run_pandoc(["--print-default-data-file", "reference.docx"], b"")


def _reference(builder: _Builder) -> bytes:
    plan = builder.plan
    status = draft_mark(plan.meta.status, plan.labels) if builder.draft else None
    return reference_docx(
        status, heading_widths(builder.outline.headings), builder.styles.used.values()
    )


def reference_docx(
    status: str | None, widths: Mapping[int, float], used: Iterable[_Style] = ()
) -> bytes:
    """The reference document of a Word edition (plan.docx, followup.docx): the plan's
    styles (``_styles_part``: the heading styles hung after ``widths``, and the styles of
    ``used``), fonts and settings, A4 with the plan's margins, the page head with the
    draft's mark ``status`` in its box (none: no mark) and the foot 「- n -」; the rest
    (theme, numbering …) is Pandoc's own reference.docx."""
    mine = {
        "word/styles.xml": _styles_part(widths, used),
        "word/fontTable.xml": font_table(),
        "word/settings.xml": _settings_part(),
        "word/header1.xml": _header_part(status),
        "word/header2.xml": _header_part(status),
        "word/footer1.xml": _footer_part(),
    }
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_default_reference())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        names = [i.filename for i in src.infolist()]
        for name in names:
            data = mine.pop(name, None) or src.read(name)
            if name == "word/document.xml":
                refs = (
                    '<w:headerReference w:type="default" r:id="rIdKkHeader2"/>'
                    '<w:footerReference w:type="default" r:id="rIdKkFooter1"/>'
                )
                data = (
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}" '
                    f'xmlns:r="{R_NS}"><w:body><w:p/>{_sect_pr(refs, restart=True)}</w:body></w:document>'
                ).encode()
            elif name == "word/_rels/document.xml.rels":
                text = data.decode("utf-8")
                text = re.sub(r'<Relationship [^>]*TargetMode="External"[^>]*/>', "", text)
                extra = "".join(
                    f'<Relationship Type="{REL}/{kind}" Id="{rid}" Target="{target}"/>'
                    for kind, rid, target in (
                        ("header", "rIdKkHeader1", "header1.xml"),
                        ("header", "rIdKkHeader2", "header2.xml"),
                        ("footer", "rIdKkFooter1", "footer1.xml"),
                    )
                )
                data = text.replace("</Relationships>", extra + "</Relationships>").encode("utf-8")
            elif name == "[Content_Types].xml":
                extra = "".join(
                    f'<Override PartName="/word/{p}.xml" ContentType="application/vnd.openxmlformats-'
                    f'officedocument.wordprocessingml.{kind}+xml"/>'
                    for p, kind in (
                        ("header1", "header"),
                        ("header2", "header"),
                        ("footer1", "footer"),
                    )
                )
                data = data.decode("utf-8").replace("</Types>", extra + "</Types>").encode("utf-8")
            dst.writestr(_fixed_info(name, _EPOCH_1980), data)
        for name, data in mine.items():
            dst.writestr(_fixed_info(name, _EPOCH_1980), data)
    return out.getvalue()


# ------------------------------------------------------------------ pandoc


@functools.cache
def _api_version() -> list[int]:
    """The pandoc-types version pandoc's JSON must carry."""
    return json.loads(run_pandoc(["-f", "markdown", "-t", "json"], b""))["pandoc-api-version"]


# ------------------------------------------------------------------ finishing the package

_EPOCH_1980 = datetime(1980, 1, 1, tzinfo=UTC)


def _fixed_info(name: str, when: datetime) -> zipfile.ZipInfo:
    stamp = max(when, _EPOCH_1980).timetuple()[:6]
    info = zipfile.ZipInfo(name, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _rels_target(rels: str, target: str) -> str | None:
    for m in re.finditer(r"<Relationship\b[^>]*/>", rels):
        rel = m.group(0)
        if f'Target="{target}"' in rel:
            found = re.search(r'Id="([^"]+)"', rel)
            return found.group(1) if found else None
    return None


def _core_xml(plan: Plan, date: datetime) -> bytes:
    m = plan.meta
    issuer = m.issuer.plain if m.issuer else ""
    stamp = date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_x(m.title.plain)}{f'（{_x(m.status.plain)}）' if m.status else ''}</dc:title>"
        f"<dc:subject>{_x(m.subject.plain if m.subject else '')}</dc:subject>"
        f"<dc:creator>{_x(issuer)}</dc:creator>"
        f"<cp:keywords>{_x(', '.join(k.plain for k in m.keywords))}</cp:keywords>"
        f"<dc:language>ja-JP</dc:language><cp:lastModifiedBy>{_x(issuer)}</cp:lastModifiedBy>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _custom_xml(props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{_xa(k)}">'
        f"<vt:lpwstr>{_x(v)}</vt:lpwstr></property>"
        for i, (k, v) in enumerate(props.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{items}</Properties>'
    ).encode()


def finish_body(doc: str, heading_ppr: Mapping[str, str], outside: Set[str] = frozenset()) -> str:
    """document.xml as pandoc wrote it, set as the plan sets it: each heading (a Heading n
    paragraph opening with the bookmark ``mark``) with its paragraph properties
    ``heading_ppr[mark]`` (its indent as its numbering style hangs it in the PDF: the
    Heading n styles are per depth), in 「Plan Heading n」 if ``mark`` is in ``outside`` (a
    heading the PDF's 目次 leaves out: the TOC field reads the built-in heading styles
    only); the cover's foot in its frame; table rows that never break across pages."""

    def indent(m: re.Match) -> str:
        ppr = heading_ppr.get(m.group(3), "")
        style = m.group(1)
        if m.group(3) in outside:
            style = style.replace('w:val="Heading', 'w:val="PlanHeading')
        return style + ppr + m.group(2)

    doc = re.sub(
        r'(<w:pPr><w:pStyle w:val="Heading[1-6]" ?/>)(</w:pPr><w:bookmarkStart w:id="[0-9]+" '
        r'w:name="([A-Za-z0-9_]+)" ?/>)',
        indent,
        doc,
    )
    # The cover's foot stands at the bottom of the page, in a frame: set on the paragraphs
    # themselves too, as LibreOffice reads frames only there.
    doc = re.sub(r'(<w:pStyle w:val="PlanCover(?:Date|Issuer)" ?/>)', r"\1" + _COVER_FRAME, doc)
    # A table row never breaks across pages (plan.css: tr { break-inside: avoid }).
    doc = re.sub(r"<w:tr>(?!<w:trPr)", "<w:tr><w:trPr><w:cantSplit/></w:trPr>", doc)
    return re.sub(r"<w:trPr>(?!<w:cantSplit)", "<w:trPr><w:cantSplit/>", doc)


def _finish(
    docx: bytes,
    builder: _Builder,
    *,
    revision: str,
    date: datetime,
    pages: Mapping[str, int] | None = None,
    fonts: Cutting | None = None,
) -> bytes:
    """The package pandoc wrote, completed: the page numbers in their slots (``pages``,
    if the builder left slots), the front matter's section, the trace map, document
    properties, the faces embedded (``fonts``: being cut while the PDF was laid out), and
    every date fixed."""
    plan, draft = builder.plan, builder.draft
    with zipfile.ZipFile(io.BytesIO(docx)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
        order = [i.filename for i in src.infolist()]
    if builder.slots:
        for name in ("word/document.xml", "word/footnotes.xml"):
            if name in parts:
                filled = builder.fill(parts[name].decode("utf-8"), pages or {})
                parts[name] = filled.encode("utf-8")
    for name, body in parts.items():
        if name.startswith("word/media/") and body in builder.figures:
            parts[name] = builder.figures[body]  # the figure in place of its stand-in
    rels = parts["word/_rels/document.xml.rels"].decode("utf-8")
    doc, headers = _sections(parts["word/document.xml"].decode("utf-8"), rels, builder)
    for name, (rid, body) in headers.items():
        parts[name] = body
        order.append(name)
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="{rid}" Type="{REL}/header" Target="{name.removeprefix("word/")}"/>'
            "</Relationships>",
        )
    parts["word/_rels/document.xml.rels"] = rels.encode("utf-8")

    outside = {builder.heading_marks[a] for a in _outside_toc(builder.outline)}
    doc = finish_body(doc, builder.heading_ppr, outside)
    parts["word/document.xml"] = doc.encode("utf-8")

    item_props = (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        f'<ds:datastoreItem ds:itemID="{{{str(uuid.uuid5(uuid.NAMESPACE_URL, MAP_NAMESPACE + revision)).upper()}}}" '
        'xmlns:ds="http://schemas.openxmlformats.org/officeDocument/2006/customXml">'
        f'<ds:schemaRefs><ds:schemaRef ds:uri="{MAP_NAMESPACE}"/></ds:schemaRefs></ds:datastoreItem>'
    ).encode()
    parts[MAP_PART] = _map_xml(
        builder.traces,
        revision=revision,
        tag=builder.tag,
        draft=draft,
        title=plan.meta.title.plain,
        date=date,
    )
    parts["customXml/itemProps1.xml"] = item_props
    parts["customXml/_rels/item1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/customXmlProps" '
        'Target="itemProps1.xml"/></Relationships>'
    ).encode()
    if "../customXml/item1.xml" not in rels:
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdKkMap" Type="{REL}/customXml" '
            'Target="../customXml/item1.xml"/></Relationships>',
        )
    parts["word/_rels/document.xml.rels"] = rels.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    types = types.replace(
        "</Types>",
        "".join(
            f'<Override PartName="/{name}" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
            for name in headers
        )
        + "</Types>",
    )
    if "/customXml/itemProps1.xml" not in types:
        types = types.replace(
            "</Types>",
            '<Override PartName="/customXml/itemProps1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.customXmlProperties+xml"/></Types>',
        )
    if "/docProps/custom.xml" not in types:
        types = types.replace(
            "</Types>",
            '<Override PartName="/docProps/custom.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
        )
    parts["[Content_Types].xml"] = types.encode("utf-8")
    package_rels = parts["_rels/.rels"].decode("utf-8")
    if "docProps/custom.xml" not in package_rels:
        package_rels = package_rels.replace(
            "</Relationships>",
            f'<Relationship Id="rIdKkCustom" Type="{REL}/custom-properties" '
            'Target="docProps/custom.xml"/></Relationships>',
        )
    parts["_rels/.rels"] = package_rels.encode("utf-8")
    # Pandoc builds settings.xml from its own defaults (keeping little of the reference's,
    # and adding embedSystemFonts): ours replaces it.
    parts["word/settings.xml"] = _settings_part()
    # The plan's faces, cut down to the characters the package shows (docx_fonts).
    embed_fonts(parts, order, cutting=fonts)
    parts["docProps/core.xml"] = _core_xml(plan, date)
    parts["docProps/custom.xml"] = _custom_xml(
        {
            "KeikakuDocument": "plan.docx",
            "KeikakuRevision": revision[:255],
            "KeikakuTag": builder.tag,
            "KeikakuEdition": "draft" if draft else "final",
        }
    )
    for name in (
        MAP_PART,
        "customXml/itemProps1.xml",
        "customXml/_rels/item1.xml.rels",
        "docProps/custom.xml",
    ):
        if name not in order:
            order.append(name)
    # [Content_Types].xml first, as Word writes it; then pandoc's order.
    order.sort(key=lambda n: n != "[Content_Types].xml")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in order:
            dst.writestr(_fixed_info(name, date), parts[name])
    return out.getvalue()
