"""Every kind of node of the document tree (``keikaku/tree/``) through every writer
that reads it: the HTML of the PDF and the screen (``render.Renderer``, the templates),
the 新旧対照表's flattener (``shinkyu.flatten``) and the Word edition
(``docx.docx_bytes``). The kinds are read off the ``tree.Node`` union, so that a kind
added there is pushed through both writers too; a writer that silently skips a kind, or
prints a node's text nowhere, fails here."""

from __future__ import annotations

import io
import re
import typing
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from test_shinkyu import RICH

from conftest import PROJECT, write_content
from keikaku import shinkyu, tree
from keikaku.docx import docx_bytes
from keikaku.load import load_plan
from keikaku.render import Renderer, node_kind

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
KINDS: tuple[type, ...] = typing.get_args(tree.Node)


def _squash(text: str) -> str:
    """Text without white space and footnote marks: Word sets a call as a reference (a
    number of its own), the comparison as 「※」; a list's marker and its text stand apart
    by a tab in Word and by a field in the comparison."""
    return re.sub(r"[\s※]", "", text)


def _own(inline: tree.Inline | None) -> list[str]:
    return [inline.plain] if inline else []


def printed(node: tree.Node) -> list[str]:
    """What the page prints for ``node`` itself (for a node that only holds others, what
    they print): each writer must print every one of these."""
    match node:
        case tree.Heading():
            return _own(node.title) + _own(node.note)
        case tree.Part():
            return _own(node.label)
        case tree.Paragraph():
            return _own(node.label) + _own(node.text)
        case tree.List():
            return [t for item in node.items for t in printed(item)]
        case tree.ListItem():
            return [node.marker + node.text.plain]
        case tree.Note():
            return [node.mark + node.text.plain]
        case tree.Pending():
            return [node.label.plain + node.reason.plain]
        case tree.Table():
            cells = [c for row in node.header for c in row]
            cells += [line for row in node.rows for cell in row.cells for line in cell]
            return _own(node.caption) + [c.plain for c in cells if c] + _own(node.source)
        case tree.Figure():
            return [*_own(node.caption), node.alt, *_own(node.source)]
        case tree.Diagram():
            return _own(node.caption) + [b.text.plain for b in node.boxes if b.text]
        case tree.Prose():
            return [text.plain for _mark, text in node.lines if text]
        case tree.PageBreak():
            return []  # prints no text: the Word edition's page break is checked below
        case tree.Cover():
            return [line.plain for f in node.fields if f.printed for line in f.lines if line]
        case tree.Toc():
            return _own(node.title) + [e.title for e in node.entries]
        case tree.Generated():
            return _own(node.caption) + [t for child in node.body for t in printed(child)]
        case tree.Footnote():
            return _own(node.text)
        case _:
            typing.assert_never(node)


class _PageText(HTMLParser):
    """The text an HTML page prints in its flow: without the footnotes' bodies at their
    calls and the screen's links to them (the notes are read where the screen lists
    them), the styles and the head; a list item's marker, which the stylesheet prints
    from its ``data-mk``, before its text; an image's text alternative."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skipping: list[str] = []  # the open elements whose text is left out
        self.open: list[str] = []
        self.page_breaks = 0

    def handle_starttag(self, tag, attrs) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "img" and not self.skipping:
            self.out.append(dict(attrs).get("alt") or "")
        if tag in ("br", "img", "col", "meta", "link"):
            return
        self.open.append(tag)
        if "page-break" in classes:
            self.page_breaks += 1
        if self.skipping or {"footnote", "fn-call"} & set(classes) or tag in ("head", "style"):
            self.skipping.append(tag)
        elif marker := dict(attrs).get("data-mk"):
            self.out.append(marker)

    def handle_endtag(self, tag) -> None:
        if tag in ("br", "img", "col", "meta", "link"):
            return
        self.open.pop()
        if self.skipping:
            self.skipping.pop()

    def handle_data(self, data) -> None:
        if not self.skipping:
            self.out.append(data)


@dataclass(frozen=True)
class Written:
    nodes: dict[type, list[tree.Node]]
    html: str
    html_page_breaks: int
    word: str
    word_page_breaks: int
    comparison: str


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Written:
    content = write_content(tmp_path_factory.mktemp("writers"), RICH)
    plan = load_plan(content)
    document = tree.printed(plan)
    nodes: dict[type, list[tree.Node]] = {}
    for node in [*tree.walk(document.body), *document.footnotes]:
        nodes.setdefault(type(node), []).append(node)
    date = datetime(2025, 1, 2, tzinfo=UTC)
    page = _PageText()
    page.feed(Renderer().render(plan, "plan.css", date))
    data = docx_bytes(plan, revision="r", date=date, content=content)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = [ET.fromstring(z.read(n)) for n in ("word/document.xml", "word/footnotes.xml")]
    word = "\n".join(
        "".join(t.text or "" for t in p.iter(W + "t")) for part in parts for p in part.iter(W + "p")
    )
    breaks = sum(1 for br in parts[0].iter(W + "br") if br.get(W + "type") == "page")
    lines: list[str] = []
    for item in shinkyu.flatten(plan, lists=True):
        lines += [item.number, item.title.text]
        for block in item.blocks:
            lines += [block.label, *block.header]
            lines += [line.mark + line.text for line in block.lines]
            lines += [v for row in block.rows or () for cell in row.cells for v in cell]
    html = _squash("".join(page.out))
    return Written(nodes, html, page.page_breaks, _squash(word), breaks, _squash("\n".join(lines)))


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_reaches_every_writer(written, kind):
    nodes = written.nodes.get(kind, [])
    assert nodes, f"the rich plan holds no {kind.__name__}"
    for node in nodes:
        for text in printed(node):
            assert _squash(text) in written.html, (kind.__name__, text, "plan.html")
            assert _squash(text) in written.word, (kind.__name__, text, "plan.docx")
            assert _squash(text) in written.comparison, (kind.__name__, text, "新旧対照表")
    if kind is tree.PageBreak:
        assert written.html_page_breaks >= len(nodes)
        assert written.word_page_breaks >= len(nodes)
    else:
        assert any(printed(node) for node in nodes), f"no {kind.__name__} prints any text"


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.__name__)
def test_every_kind_has_its_macro(written, kind):
    """The HTML writer names a macro for every kind (``render.node_kind``), and blocks.html
    has it: a ListItem, Cover, Toc or Footnote is set by the macro of what holds it."""
    blocks = (PROJECT / "templates" / "blocks.html").read_text(encoding="utf-8")
    for node in written.nodes[kind]:
        name = node_kind(node)
        if name != "inside":
            assert f'"{name}": ' in blocks, (kind.__name__, name)
