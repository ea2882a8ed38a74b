"""Write stage: lay out the HTML with WeasyPrint, and publish the products as one set.

The products are published by ``files.publish`` only when the whole build has succeeded:
each is written to a temporary file in the output folder (created exclusively, with an
unpredictable name, never through a link), then the set is renamed into place under a
journal, so a failed build leaves the previous products untouched and a killed one is
completed by the next command.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import pydyf
import weasyprint
import weasyprint.urls

from . import files, rowstart, tagging  # noqa: F401 (rowstart: installed on import)
from .errors import Pos, Problem
from .justify import justified
from .limits import MAX_IMAGE_BYTES
from .paths import STYLES_DIR, TEMPLATES_DIR
from .sources import offset_to_pos, printable

T = TypeVar("T")

#: The archival standard the plan is written to: PDF/A-3, level a (tagged), which also
#: allows the plan's data to travel inside it as associated files.
PDF_VARIANT = "pdf/a-3a"

# PDF/UA-1 identification. PDF/A-3 accepts an XMP property outside its predefined
# schemas only with an extension schema that declares it, so both go in together.
_PDFUA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"><pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource"><pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema><pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI><pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource"><pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType><pdfaProperty:category>internal</pdfaProperty:category><pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description></rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
"""


def _identify_pdf_ua(document, pdf) -> None:
    """WeasyPrint writes one variant's identification; add PDF/UA-1's to the PDF/A XMP.

    The tagging PDF/UA needs (structure tree, /Lang, DisplayDocTitle, MarkInfo) is
    already there: PDF/A-3a is the tagged level.
    """
    reference = pdf.catalog["Metadata"]  # b"N 0 R"
    stream = pdf.objects[int(reference.split()[0])]
    xmp = b"".join(stream.stream)
    stream.stream = [xmp.replace(b"</rdf:RDF>", _PDFUA_XMP + b"</rdf:RDF>", 1)]


def _label_pages(document, pdf) -> None:
    """PDF page labels from the folios as printed, so that a viewer's page box reads 24
    where the page prints 「- 24 -」; pages without a folio (cover, 目次) are labelled
    i, ii … as front matter. A document that prints no folio (the 新旧対照表 prints its own
    scheme, or none) keeps the viewer's own numbering."""
    ranges: list[object] = []
    numbered = False
    previous: tuple[str, int] | None = None
    for index, page in enumerate(document.pages):
        folio = next(
            (
                "".join(getattr(box, "text", "") for box in _descendants(margin))
                for margin in page._page_box.children
                if getattr(margin, "at_keyword", None) == "@bottom-center"
            ),
            "",
        )
        digits = re.search(r"\d+", folio)
        style, number = ("/D", int(digits.group())) if digits else ("/r", 0)
        numbered = numbered or bool(digits)
        if (
            previous is None
            or previous[0] != style
            or (style == "/D" and number != previous[1] + 1)
        ):
            label = pydyf.Dictionary({"S": style})
            if style == "/D" and number != 1:
                label["St"] = number
            ranges += [index, label]
        previous = (style, number)
    if numbered:
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(ranges)})


def _descendants(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def _finish(document, pdf) -> None:
    _identify_pdf_ua(document, pdf)
    _label_pages(document, pdf)
    tagging.restructure(pdf)
    _scope_headers(pdf)


def _scope_headers(pdf) -> None:
    """PDF/UA (ISO 14289-1, 7.5): every table header cell says what it heads. WeasyPrint
    writes each TH's attributes without /Scope; the templates head columns in a table's
    <thead> (scope="col", "colgroup") and rows elsewhere (scope="row"), so a TH under a
    THead heads its column, any other its row."""
    objects = {obj.number: obj for obj in pdf.objects if getattr(obj, "number", None)}

    def parent(element):
        ref = element.get("P") if isinstance(element, dict) else None
        if isinstance(ref, bytes | str):
            number = int(ref.split()[0])
            return objects.get(number)
        return None

    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("S") == "/TH":
            group = parent(parent(obj))
            heads_column = isinstance(group, dict) and group.get("S") == "/THead"
            attributes = obj.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
            attributes["Scope"] = "/Column" if heads_column else "/Row"


#: The options ``layout_pdf`` passes to ``write_pdf``; the benchmark (bench/) imports them
#: so that its plain-WeasyPrint baseline always lays out with exactly the same options.
PDF_OPTIONS: dict[str, object] = {
    "pdf_variant": PDF_VARIANT,
    "finisher": _finish,
    "uncompressed_pdf": False,
    "custom_metadata": False,
}


class EngineLog(logging.Handler):
    """Keeps WeasyPrint's warnings (CSS it ignored, fonts it could not load) for the report."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def refused_problem(url: str, sources: dict[str, str]) -> Problem:
    """A refused fetch, pointed at the content file that asked for it where one did."""
    shown_url = printable(url, 120)
    needle = unquote(url.split("://", 1)[-1]).lstrip("/") or url
    for path, text in sources.items():
        found = text.find(needle)
        if found >= 0:
            return Problem(
                offset_to_pos(text, path, found),
                f"「{shown_url}」は読み込めません。内容から読み込めるのは content/ の中のファイルだけです。"
                " (fetch refused: outside the project or over the network)",
            )
    return Problem(
        Pos("templates/"),
        f"「{shown_url}」の読み込みを拒否しました（テンプレートまたはスタイルの指定）。"
        " (fetch refused: outside the project or over the network)",
    )


class RefusedFetch(weasyprint.urls.FatalURLFetchingError):
    """The layout engine was asked for something outside the sandbox; the build stops."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class SandboxedFetcher(weasyprint.URLFetcher):
    """Lets the layout engine read only the project's templates/ and styles/ and the
    content directory, and inline ``data:`` URLs the build itself makes (the draft
    watermark). Anything else — another file, a ``..`` escape, a symbolic link, a FIFO,
    the network — is refused by raising an error WeasyPrint does not swallow. Files are
    read with ``files.read_bytes``: regular files only, never through a link, at most
    ``MAX_IMAGE_BYTES`` (the largest file an image or font may be)."""

    def __init__(self, roots: list[Path]) -> None:
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = [root.resolve() for root in roots]

    def fetch(self, url: str, headers=None):
        parsed = urlsplit(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
            # Lexically normalised, not resolved: a link on the way is refused below, not followed.
            path = Path(os.path.abspath(url2pathname(unquote(parsed.path))))
            root = next((r for r in self.roots if path.is_relative_to(r)), None)
            if root is not None:
                try:
                    data = files.read_bytes(path, root=root, limit=MAX_IMAGE_BYTES)
                except files.Refused as exc:
                    if exc.kind == "missing":  # as before: the engine warns and goes on
                        raise FileNotFoundError(url) from None
                    raise RefusedFetch(url) from None
                kind = mimetypes.guess_type(path.name)[0] or "text/plain"
                if kind in ("image/png", "image/jpeg"):
                    from .images import printed

                    data = printed(data)  # a figure at no more than its printed size
                return weasyprint.urls.URLFetcherResponse(
                    path.as_uri(), data, {"Content-Type": kind, "Content-Length": str(len(data))}
                )
        raise RefusedFetch(url)


def layout_pdf(
    html: str,
    base_url: str,
    attachments: list[weasyprint.Attachment] | None = None,
    allowed: list[Path] | None = None,
) -> bytes:
    """Lay out the document and return the PDF's bytes (PDF/A-3a, tagged, PDF/UA-1).

    ``attachments`` become PDF/A-3 associated files of the document. The engine may
    fetch only files under ``allowed`` (default: templates/ and styles/).
    """
    return layout(html, base_url, attachments, allowed)[0]


def _describe_links(pdf, titles: Mapping[str, str]) -> None:
    """PDF/UA (7.18.5): a link's description (/Contents) is what it leads to. WeasyPrint
    writes the target's id (「ch1」, 「pkg-carbon-neutral」), which a screen reader would
    read out; a link to a heading gets that heading's number and title instead."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Subtype") == "/Link":
            contents = obj.get("Contents")
            title = titles.get(contents.string) if isinstance(contents, pydyf.String) else None
            if title:
                obj["Contents"] = pydyf.String(title)


def layout(
    html: str,
    base_url: str,
    attachments: list[weasyprint.Attachment] | None = None,
    allowed: list[Path] | None = None,
    titles: Mapping[str, str] | None = None,
) -> tuple[bytes, dict[str, int]]:
    """``layout_pdf``, and the page (counted from 0) that each element id (anchor) of the
    document lands on, read off the layout itself: the Word edition's 目次 and 頁 get
    the PDF's page numbers without the PDF being parsed again (a second, on the real plan).
    ``titles`` (anchor → its heading as printed) describe the links to those anchors."""
    fetcher = SandboxedFetcher(allowed or [TEMPLATES_DIR, STYLES_DIR])
    source = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    options = dict(PDF_OPTIONS)
    options.pop("finisher")

    def finisher(document, pdf) -> None:
        _finish(document, pdf)
        if titles:
            _describe_links(pdf, titles)

    def run() -> tuple[bytes, dict[str, int]]:
        # What HTML.write_pdf does, in its two steps, with the same options for both.
        with justified():
            document = source.render(attachments=attachments, **options)
        pages: dict[str, int] = {}
        for number, page in enumerate(document.pages):
            for anchor in page.anchors:
                pages.setdefault(anchor, number)
        pdf = document.write_pdf(None, 1, finisher, attachments=attachments, **options)
        return pdf, pages

    return on_roomy_stack(run)


#: Frame-stack slots ``on_roomy_stack`` reserves: its frame opens a chunk of 1 MiB (chunks
#: are 16 KiB doubled until the frame and 1,000 more slots fit), leaving about half a
#: mebibyte above it, several times the layout's deepest recursion.
_ROOMY_SLOTS = 65_536


def on_roomy_stack(call: Callable[[], T]) -> T:
    """``call()``, with room above it on the interpreter's frame stack.

    CPython 3.11 to 3.13 keep Python frames in chunks of 16 KiB and free a chunk as soon
    as the call that opened it returns (python/cpython#142183). WeasyPrint's layout
    recurses deeply, and where a chunk's edge falls in its busiest depths every call
    across it maps a new chunk and unmaps it on return: 20,000 to 50,000 ``mmap`` and
    ``munmap`` pairs and page faults for the real plan, about a tenth of the layout's
    CPU time, and kernel work that costs more on a busy machine. How many depends on how
    deep the caller is (the build's layout ran deeper than plain WeasyPrint's and paid
    twice as many). This function's frame is made large enough (``_ROOMY_SLOTS``) to
    open a chunk of its own with room for the whole layout above it: no edge is crossed.
    """
    return call()


# A larger evaluation stack than the function needs is always safe (not CPython: no effect).
with contextlib.suppress(AttributeError, TypeError, ValueError):
    on_roomy_stack.__code__ = on_roomy_stack.__code__.replace(co_stacksize=_ROOMY_SLOTS)


def publish(
    out_dir: Path,
    products: dict[str, bytes],
    record: Callable[[dict[str, os.stat_result]], dict[str, bytes]] | None = None,
) -> list[Path]:
    """Write the products (name → bytes) into ``out_dir`` as one set (``files.publish``);
    ``record`` adds files computed from the products' states (the build stamp)."""
    return files.publish(out_dir, products, record)


def stylesheet_href(out_dir: Path, name: str = "plan.css") -> str:
    """The stylesheet's URL relative to the output directory (used by PDF and HTML alike)."""
    rel = os.path.relpath(STYLES_DIR / name, out_dir.resolve())
    return Path(rel).as_posix()


def content_href(out_dir: Path, content_dir: Path) -> str:
    """The content folder's URL relative to the output directory (figures' image files)."""
    return Path(os.path.relpath(content_dir.resolve(), out_dir.resolve())).as_posix()
