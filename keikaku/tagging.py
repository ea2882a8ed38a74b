"""The tagged PDF's structure tree, put right after WeasyPrint has written it (PDF/UA-1).

WeasyPrint tags page by page: each page's boxes become new structure elements, so a
table or list continued over a page break is two tables or lists, with the table's
header row tagged again on every page; a list item's marker is plain text of the item;
the 目次's leader dots are text a screen reader reads out; a diagram laid out as an
HTML table is a data table without headers; a footnote is a group at the page's foot,
apart from the 「※n」 that calls it; and the 新旧対照表's changed runs are untyped, one
element per line. These passes join and retag the elements.

To know which HTML element a structure element was made from, ``_build_box_tree`` (the
function of ``weasyprint.pdf.tags`` that makes one element per box, recursively through
the module's own name) is wrapped once on import: the wrapper notes each element's box
per PDF being written, and changes nothing else. Without those notes (another writer of
the tree) the passes leave the tree as it is.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

import pydyf
import weasyprint.pdf.tags as _tags
from weasyprint.formatting_structure.boxes import FootnoteAreaBox

#: Per PDF being written: id(structure element) → (the element, the box it was made from).
_ORIGINS: weakref.WeakKeyDictionary[Any, dict[int, tuple[Any, Any]]] = weakref.WeakKeyDictionary()

_build_box_tree = _tags._build_box_tree


def _noting_build_box_tree(box, parent, pdf, *args, **kwargs):
    origins = _ORIGINS.setdefault(pdf, {})
    for element in _build_box_tree(box, parent, pdf, *args, **kwargs):
        # The innermost call names the element (html and body pass their children up).
        origins.setdefault(id(element), (element, getattr(box, "_box", box)))
        yield element


if getattr(_tags._build_box_tree, "__name__", "") != _noting_build_box_tree.__name__:
    _tags._build_box_tree = _noting_build_box_tree


class _Tree:
    """The structure tree of one PDF, with each element's box where it was noted."""

    def __init__(self, pdf) -> None:
        self.pdf = pdf
        self.origins = _ORIGINS.get(pdf, {})
        self.pages = {ref: index for index, ref in enumerate(pdf.page_references)}
        root = self.get(pdf.catalog.get("StructTreeRoot"))
        self.root = root
        self.parent_tree = self.get(root.get("ParentTree")) if root else None
        # Header cell IDs of a repeated table head → the IDs of the head they repeat.
        self.renamed_ids: dict[str, Any] = {}

    def get(self, ref) -> Any:
        """The dictionary ``ref`` refers to, or None."""
        obj = self.raw(ref)
        return obj if isinstance(obj, dict) else None

    def raw(self, ref) -> Any:
        if isinstance(ref, bytes | str):
            return self.pdf.objects[int(ref.split()[0])]
        return None

    def box(self, element):
        noted = self.origins.get(id(element))
        return noted[1] if noted and noted[0] is element else None

    def html(self, element):
        """The HTML element (lxml) the structure element was made from, or None."""
        box = self.box(element)
        return getattr(box, "element", None) if box is not None else None

    def kids(self, element) -> list[Any]:
        return [kid for kid in (self.get(k) for k in element.get("K", ())) if kid is not None]

    def descendants(self, element) -> Iterator[Any]:
        for kid in self.kids(element):
            if kid.get("Type") == "/StructElem":
                yield kid
                yield from self.descendants(kid)

    def page_of(self, element) -> int | None:
        return self.pages.get(element.get("Pg"))

    def page_parents(self, page: int):
        """The ParentTree's array for a page's marked content (MCID → element)."""
        nums = self.parent_tree.get("Nums") if self.parent_tree else None
        if nums is None:
            return None
        for key, value in zip(nums[::2], nums[1::2], strict=False):
            if key == page:
                return value if isinstance(value, list) else self.get(value)
        return None

    def repoint(self, page: int, mcid: int, element) -> None:
        parents = self.page_parents(page)
        if parents is not None and 0 <= mcid < len(parents):
            parents[mcid] = element.reference

    def repoint_annotation(self, objr, element) -> None:
        annotation = self.get(objr.get("Obj"))
        index = annotation.get("StructParent") if annotation else None
        nums = self.parent_tree.get("Nums") if self.parent_tree else None
        if index is None or nums is None:
            return
        for position in range(0, len(nums) - 1, 2):
            if nums[position] == index:
                nums[position + 1] = element.reference


# ------------------------------------------------------------------ artifacts


def _streams_of_page(tree: _Tree, page: int) -> list:
    """A page's content stream and the form XObjects it draws, recursively: where its
    marked content is."""
    page_dict = tree.get(tree.pdf.page_references[page])
    contents = tree.raw(page_dict.get("Contents")) if page_dict is not None else None
    if not isinstance(contents, pydyf.Stream):
        return []
    streams: list = []
    pending = [(contents, tree.get(page_dict.get("Resources")))]
    while pending:
        stream, resources = pending.pop()
        if any(stream is seen for seen in streams):
            continue
        streams.append(stream)
        own = getattr(stream, "extra", {}).get("Resources")
        resources = tree.get(own) or own or resources or {}
        xobjects = resources.get("XObject") if isinstance(resources, dict) else None
        xobjects = tree.get(xobjects) or xobjects or {}
        for item in stream.stream:
            if isinstance(item, bytes) and item.startswith(b"/") and item.endswith(b" Do"):
                form = tree.raw(xobjects.get(item[1:-3].decode()))
                if isinstance(form, pydyf.Stream):
                    pending.append((form, resources))
    return streams


def _mark_as_artifacts(tree: _Tree, page: int, mcids: set[int]) -> bool:
    """Turn the marked content of ``mcids`` on ``page`` into artifacts (``/Artifact
    BMC``): decoration a screen reader skips. False if any was not found (then nothing
    is changed)."""
    edits = []
    for stream in _streams_of_page(tree, page):
        items = stream.stream
        for index in range(len(items) - 2):
            props = items[index + 1]
            if (
                isinstance(props, dict)
                and items[index + 2] == b"BDC"
                and props.get("MCID") in mcids
                and len(props) == 1
            ):
                edits.append((items, index, props["MCID"]))
    if {mcid for _, _, mcid in edits} != mcids:
        return False
    for items, index, _ in sorted(edits, key=lambda edit: -edit[1]):
        items[index : index + 3] = ["/Artifact", b"BMC"]
    parents = tree.page_parents(page)
    if parents is not None:
        for mcid in mcids:
            if 0 <= mcid < len(parents):
                parents[mcid] = b"null"
    return True


def _content_of(tree: _Tree, element) -> list[tuple[int, int]]:
    """(page, MCID) of every marked content under ``element``."""
    found = []
    stack = [element]
    while stack:
        current = stack.pop()
        page = tree.page_of(current)
        for kid in current.get("K", ()):
            if isinstance(kid, int) and page is not None:
                found.append((page, kid))
            else:
                obj = tree.get(kid)
                if obj is None:
                    continue
                if obj.get("Type") == "/MCR":
                    mcr_page = tree.pages.get(obj.get("Pg"))
                    if mcr_page is not None:
                        found.append((mcr_page, obj["MCID"]))
                elif obj.get("Type") == "/StructElem":
                    stack.append(obj)
    return found


def _drop(tree: _Tree, element, parent) -> bool:
    """Make ``element``'s content artifacts and take it out of the tree."""
    by_page: dict[int, set[int]] = {}
    for page, mcid in _content_of(tree, element):
        by_page.setdefault(page, set()).add(mcid)
    if not all(_mark_as_artifacts(tree, page, mcids) for page, mcids in by_page.items()):
        return False
    parent["K"] = pydyf.Array(k for k in parent["K"] if k != element.reference)
    # A link's clickable area over the dropped content stays tagged, in its link.
    holder = parent
    while holder.get("S") not in ("/Link", None) and tree.get(holder.get("P")) is not None:
        holder = tree.get(holder["P"])
    holder = holder if holder.get("S") == "/Link" else parent
    for part in [element, *tree.descendants(element)]:
        for kid in part.get("K", ()):
            objr = tree.get(kid)
            if objr is not None and objr.get("Type") == "/OBJR":
                holder["K"].append(kid)
                tree.repoint_annotation(objr, holder)
    for obj in [element, *tree.descendants(element)]:
        obj.clear()
    return True


def _leaders_as_artifacts(tree: _Tree, element) -> None:
    """The 目次's leader dots (CSS ``leader()``) are decoration: artifacts, not text."""
    for kid in tree.kids(element):
        if kid.get("Type") != "/StructElem":
            continue
        box = tree.box(kid)
        if box is not None and getattr(box, "is_leader", False):
            _drop(tree, kid, element)
        else:
            _leaders_as_artifacts(tree, kid)


# ------------------------------------------------------------------ joining pages


def _continues(tree: _Tree, first, second) -> bool:
    """``second`` is ``first`` continued on a later page: the same HTML element, tagged
    alike, on another page."""
    if first.get("Type") != "/StructElem" or second.get("Type") != "/StructElem":
        return False
    if first.get("S") != second.get("S") or first.get("Pg") == second.get("Pg"):
        return False
    html = tree.html(first)
    return html is not None and html is tree.html(second)


def _merge(tree: _Tree, first, second) -> None:
    """Move ``second``'s kids into ``first`` (a repeated table head is dropped)."""
    page = tree.page_of(second)
    kids = list(second.get("K", ()))
    if first.get("S") == "/Table":
        head = next((tree.get(k) for k in kids if (tree.get(k) or {}).get("S") == "/THead"), None)
        kept = next(
            (tree.get(k) for k in first["K"] if (tree.get(k) or {}).get("S") == "/THead"), None
        )
        if head is not None and kept is not None and tree.html(head) is tree.html(kept):
            for repeated, original in zip(
                _cells(tree, head, "/TH"), _cells(tree, kept, "/TH"), strict=False
            ):
                if "ID" in repeated and "ID" in original:
                    tree.renamed_ids[repeated["ID"].string] = original["ID"]
            if _drop(tree, head, second):
                kids = list(second.get("K", ()))
    for kid in kids:
        if isinstance(kid, int):
            mcr = pydyf.Dictionary({"Type": "/MCR", "Pg": second["Pg"], "MCID": kid})
            tree.pdf.add_object(mcr)
            first["K"].append(mcr.reference)
            if page is not None:
                tree.repoint(page, kid, first)
            continue
        obj = tree.get(kid)
        if obj is None:
            continue
        if obj.get("Type") == "/OBJR":
            tree.repoint_annotation(obj, first)
        elif obj.get("Type") == "/MCR":
            mcr_page = tree.pages.get(obj.get("Pg"))
            if mcr_page is not None:
                tree.repoint(mcr_page, obj["MCID"], first)
        else:
            obj["P"] = first.reference
        first["K"].append(kid)
    second.clear()


def _cells(tree: _Tree, element, role: str) -> list:
    return [e for e in tree.descendants(element) if e.get("S") == role]


def _join(tree: _Tree, element) -> None:
    """Join every element split over pages into one, at every depth."""
    kids = element.get("K")
    if not isinstance(kids, list):
        return
    index = 0
    while index < len(element["K"]) - 1:
        first, second = tree.get(element["K"][index]), tree.get(element["K"][index + 1])
        if first is not None and second is not None and _continues(tree, first, second):
            _merge(tree, first, second)
            del element["K"][index + 1]
        else:
            index += 1
    for kid in tree.kids(element):
        if kid.get("Type") == "/StructElem":
            _join(tree, kid)


def _rename_headers(tree: _Tree) -> None:
    """Data cells continued under a repeated (now dropped) head refer to the head kept."""
    if not tree.renamed_ids:
        return
    for obj in tree.pdf.objects:
        attributes: Any = obj.get("A") if isinstance(obj, dict) and obj.get("S") == "/TD" else None
        headers = attributes.get("Headers") if isinstance(attributes, dict) else None
        if headers:
            attributes["Headers"] = pydyf.Array(
                tree.renamed_ids.get(h.string, h) if isinstance(h, pydyf.String) else h
                for h in headers
            )


# ------------------------------------------------------------------ lists and figures


def _list_labels(tree: _Tree) -> None:
    """A list item's marker (■ ・ ○ ① （１） …, drawn by the item's ::before) is its
    label: an Lbl before the item's LBody, not text of the body."""
    objects: list[Any] = list(tree.pdf.objects)
    for obj in objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/LBody"):
            continue
        item = tree.get(obj.get("P"))
        if item is None or item.get("S") != "/LI":
            continue
        for kid in tree.kids(obj):
            box = tree.box(kid)
            if box is not None and getattr(box, "element_tag", "").endswith("::before"):
                kid["S"] = "/Lbl"
                kid["P"] = item.reference
                obj["K"] = pydyf.Array(k for k in obj["K"] if k != kid.reference)
                position = item["K"].index(obj.reference)
                item["K"].insert(position, kid.reference)
            break  # only the item's first box can be its marker


def _figures(tree: _Tree) -> None:
    """An HTML element that gives its PDF description (``data-pdf-alt``, written by the
    templates from the content's own titles) is a Figure with that /Alt: a diagram laid
    out with a table is not a data table. Its parts stay (links, caption) as untyped
    groups under the figure."""
    for noted, box in list(tree.origins.values()):
        html: Any = getattr(box, "element", None)
        if html is None or not hasattr(html, "get") or not noted:
            continue
        alt = html.get("data-pdf-alt")
        if not alt or getattr(box, "element_tag", None) != html.tag:
            continue
        noted["S"] = "/Figure"
        noted["Alt"] = pydyf.String(alt)
        for part in tree.descendants(noted):
            if part.get("S") not in ("/Link", "/Caption", "/Span"):
                part["S"] = "/NonStruct"
                part.pop("A", None)
                part.pop("ID", None)


def _changes(tree: _Tree) -> None:
    """A changed run (``<ins>``, ``<del>``) under an element that says what its changes
    are (``data-pdf-change``: 「改正部分：」, written by the template) is one /Span, however
    many lines or pages it runs over, whose /ActualText is its own text (copy and search
    read it as printed) and whose /Alt is that description and the text, for a screen
    reader to announce. WeasyPrint tags the element as NonStruct, once per line."""
    described: dict[int, tuple[str, str]] = {}
    parents: dict[int, Any] = {}
    for noted, box in list(tree.origins.values()):
        html: Any = getattr(box, "element", None)
        tag = getattr(box, "element_tag", None)
        if html is None or tag not in ("ins", "del") or html.tag != tag or not noted.get("S"):
            continue
        parent = tree.get(noted.get("P"))
        prefix = _described_by(tree, parent)
        if prefix is None or parent is None:
            continue
        described[id(html)] = (prefix, "".join(html.itertext()))
        parents[id(parent)] = parent
    for parent in parents.values():
        kids = parent["K"]
        index = 0
        while index < len(kids):
            first = tree.get(kids[index])
            html = tree.html(first) if first is not None else None
            if html is None or id(html) not in described:
                index += 1
                continue
            while index + 1 < len(kids):  # the same run, continued on the next line
                second = tree.get(kids[index + 1])
                if second is None or tree.html(second) is not html:
                    break
                _merge(tree, first, second)
                del kids[index + 1]
            prefix, text = described[id(html)]
            first["S"] = "/Span"
            first["ActualText"] = pydyf.String(text)
            first["Alt"] = pydyf.String(prefix + text)
            index += 1


def _described_by(tree: _Tree, element) -> str | None:
    """The ``data-pdf-change`` of the nearest element above ``element`` that has one (the
    HTML tree has no parent links: go up the structure tree)."""
    while element is not None:
        html: Any = tree.html(element)
        value = html.get("data-pdf-change") if html is not None and hasattr(html, "get") else None
        if value:
            return value
        element = tree.get(element.get("P"))
    return None


# ------------------------------------------------------------------ footnotes

_HEADINGS = frozenset(f"/H{n}" for n in range(1, 7))


def _footnotes(tree: _Tree) -> None:
    """Each footnote is a Note with an /ID of its own (PDF/UA-1, 7.9), its 「※n」 a Lbl
    in it, and stands in the structure where it is called: right after the call, a
    Reference, in the paragraph (or cell, or caption) that calls it; after the heading,
    when a heading calls it, so the heading reads as its title alone. WeasyPrint puts the
    note in the page's footnote area (an untyped group of the document, which also keeps
    the pages' parts from being joined); the area's group goes when its notes have left
    it. The call and the note are boxes of the same HTML element."""
    calls: dict[int, Any] = {}
    areas = []
    for noted, box in tree.origins.values():
        tag = getattr(box, "element_tag", None) or ""
        if isinstance(box, FootnoteAreaBox):
            areas.append(noted)
        elif tag.endswith("::footnote-call") and box.element is not None:
            calls.setdefault(id(box.element), noted)
    taken = {str(obj["ID"].string) for obj in tree.pdf.objects if _has_id(obj)}
    number = 0
    for area in sorted(areas, key=lambda a: tree.page_of(a) or 0):
        for note in tree.kids(area):
            html = tree.html(note)
            call = calls.get(id(html)) if html is not None else None
            if call is None or tree.box(note) is None or tree.box(note).element_tag != html.tag:
                continue
            holder = tree.get(call.get("P"))
            if holder is None or call.reference not in holder["K"]:
                continue
            number += 1
            while f"note-{number}" in taken:
                number += 1
            call["S"] = "/Reference"
            note["S"] = "/Note"
            note["ID"] = pydyf.String(f"note-{number}")
            for part in tree.kids(note):
                box = tree.box(part)
                if box is not None and box.element_tag.endswith("::footnote-marker"):
                    part["S"] = "/Lbl"
                    break
            after, heading = call, holder
            while heading is not None and heading.get("S") not in _HEADINGS:
                heading = tree.get(heading.get("P"))
            if heading is not None and tree.get(heading.get("P")) is not None:
                after, holder = heading, tree.get(heading["P"])
            elif holder.get("S") == "/Link" and tree.get(holder.get("P")) is not None:
                after, holder = holder, tree.get(holder["P"])  # a link holds only its text
            area["K"] = pydyf.Array(k for k in area["K"] if k != note.reference)
            holder["K"].insert(holder["K"].index(after.reference) + 1, note.reference)
            note["P"] = holder.reference
        if not area.get("K"):
            document = tree.get(area.get("P"))
            if document is not None:
                document["K"] = pydyf.Array(k for k in document["K"] if k != area.reference)
                area.clear()


def _has_id(obj) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("ID"), pydyf.String)


# ------------------------------------------------------------------ running heads and folios


def _reachable(tree: _Tree) -> set[int]:
    """The ids of every structure element in the tree, from its root down."""
    seen: set[int] = set()
    stack = [tree.root] if tree.root is not None else []
    while stack:
        element = stack.pop()
        for kid in element.get("K", ()) if isinstance(element.get("K"), list) else ():
            obj = tree.get(kid)
            if obj is not None and obj.get("Type") == "/StructElem" and id(obj) not in seen:
                seen.add(id(obj))
                stack.append(obj)
    return seen


def _unlinked_as_artifacts(tree: _Tree) -> None:
    """The content of the page's margin boxes (the running head, the folio 「- 24 -」) as
    artifacts. WeasyPrint tags it like the body, but leaves its elements out of the tree
    (PDF 1.7 has no artifact element), so it is marked content that belongs to no element
    of the document: PDF/UA-1 (7.1) wants it either tagged or an artifact, and a running
    head and a page number are pagination artifacts (ISO 32000-1, 14.8.2.2)."""
    reachable = _reachable(tree)
    for page in range(len(tree.pdf.page_references)):
        parents = tree.page_parents(page)
        if parents is None:
            continue
        mcids = set()
        for mcid, ref in enumerate(parents):
            element = tree.get(ref) if ref != b"null" else None
            if element is not None and element.get("S") and id(element) not in reachable:
                mcids.add(mcid)
        if mcids:
            _mark_as_artifacts(tree, page, mcids)


def restructure(pdf) -> None:
    """Every pass, in order: join what pages split, then retag."""
    tree = _Tree(pdf)
    if tree.root is None or not tree.origins:
        return
    _footnotes(tree)
    for document in tree.kids(tree.root):
        _leaders_as_artifacts(tree, document)
        _join(tree, document)
    _rename_headers(tree)
    _list_labels(tree)
    _figures(tree)
    _changes(tree)
    _unlinked_as_artifacts(tree)
