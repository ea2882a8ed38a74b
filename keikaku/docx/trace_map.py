"""The trace map of plan.docx: each bookmark's content id, field path and place."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime

from .pandoc_ast import _x, _xa

#: The two families and their Windows names (w:altName) are docx_fonts' (MINCHO, GOTHIC,
#: FONT_ALT), as followup.docx names and embeds the same.

#: The custom XML part that maps every bookmark to the content it traces (``Trace``).
MAP_NAMESPACE = "urn:keikaku:plan-docx:1"
MAP_PART = "customXml/item1.xml"
#: Bookmarks Word accepts: a letter first, then letters, digits or underscores, ≤ 40.
BOOKMARK = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
TRACE_PREFIX = "kk_"


def revision_tag(revision: str) -> str:
    """Seven letters or digits that name ``revision`` in bookmark names: a commit's
    abbreviated hash, or a digest of any other revision string."""
    compact = revision.strip().lower()
    if re.fullmatch(r"[0-9a-f]{7,64}", compact):
        return compact[:7]
    return hashlib.sha1(revision.encode("utf-8")).hexdigest()[:7]


# ------------------------------------------------------------------ the trace map


@dataclass(frozen=True)
class Trace:
    """Where one paragraph of the Word document comes from: its bookmark's record.

    ``id`` is the nearest content id (a section, a typed entity, a ＫＰＩ; "" for the
    cover and the 目次's title), ``path`` the field path of the text under it as the
    content files write it (``body[2].list[1]``, ``parts[0].body[3]``, ``title``), ``src``
    the file, line and column of the text, ``where`` the headings above the paragraph in
    the document (「第１章　…」, 「１　…」) and ``order`` its place in the document.
    """

    name: str
    id: str
    path: str
    kind: str
    where: tuple[str, ...]
    src: str
    order: int
    text: str = ""
    """The paragraph's text as built (for messages; the reviewed copy has its own)."""


def _map_xml(
    traces: list[Trace], *, revision: str, tag: str, draft: bool, title: str, date: datetime
) -> bytes:
    """The trace map as a custom XML part. Heading paths are written once, as a table."""
    paths: dict[tuple[str, ...], int] = {}
    for t in traces:
        paths.setdefault(t.where, len(paths))
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<keikaku xmlns="{MAP_NAMESPACE}" revision="{_xa(revision)}" tag="{tag}" '
        f'edition="{"draft" if draft else "final"}" title="{_xa(title)}" '
        f'date="{date.strftime("%Y-%m-%dT%H:%M:%SZ")}">\n',
    ]
    for where, i in paths.items():
        out.append(f'<w i="{i}">' + "".join(f"<h>{_x(h)}</h>" for h in where) + "</w>\n")
    for t in traces:
        out.append(
            f'<b n="{t.name}" o="{t.order}" id="{_xa(t.id)}" p="{_xa(t.path)}" '
            f'k="{t.kind}" w="{paths[t.where]}" s="{_xa(t.src)}">{_x(t.text)}</b>\n'
        )
    out.append("</keikaku>\n")
    return "".join(out).encode("utf-8")


@dataclass(frozen=True)
class TraceMap:
    """The trace map of one plan.docx, read back (``read_trace_map``)."""

    revision: str
    tag: str
    edition: str
    title: str
    date: str
    traces: dict[str, Trace]


def parse_trace_map(data: bytes) -> TraceMap | None:
    """The trace map from the bytes of its custom XML part, or None if they are not one.
    The caller has checked the bytes declare no DOCTYPE (no entities can be expanded)."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return None
    ns = f"{{{MAP_NAMESPACE}}}"
    if root.tag != f"{ns}keikaku":
        return None
    wheres: dict[str, tuple[str, ...]] = {}
    for w in root.iter(f"{ns}w"):
        wheres[w.get("i", "")] = tuple(h.text or "" for h in w.iter(f"{ns}h"))
    traces: dict[str, Trace] = {}
    for b in root.iter(f"{ns}b"):
        name = b.get("n", "")
        try:
            order = int(b.get("o", "0"))
        except ValueError:
            order = 0
        traces[name] = Trace(
            name,
            b.get("id", ""),
            b.get("p", ""),
            b.get("k", ""),
            wheres.get(b.get("w", ""), ()),
            b.get("s", ""),
            order,
            b.text or "",
        )
    return TraceMap(
        root.get("revision", ""),
        root.get("tag", ""),
        root.get("edition", ""),
        root.get("title", ""),
        root.get("date", ""),
        traces,
    )


def read_trace_map(docx: bytes) -> TraceMap | None:
    """The trace map inside a plan.docx (or a reviewed copy that kept it), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as z:
            for info in z.infolist():
                if (
                    info.filename.startswith("customXml/item")
                    and info.filename.endswith(".xml")
                    and "Props" not in info.filename
                    and info.file_size < 50 * 1024 * 1024
                ):
                    data = z.read(info)
                    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                        continue
                    found = parse_trace_map(data)
                    if found is not None:
                        return found
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None
