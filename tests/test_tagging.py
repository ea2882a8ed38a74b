"""The tagged PDF as a screen reader reads it (PDF/UA-1): the structure tree of a built
plan, read with pypdf, and the text each element marks, read off the page content. Each
test reads the minimal plan (with blocks of its own) as ``built_once`` builds it, once for
the tests that read the same content, or the real plan built once."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pdfua
import pypdf
import pytest
from pypdf.generic import ArrayObject, DictionaryObject

from conftest import MINIMAL


class Tagged:
    """A built PDF's structure tree, and the text of its marked content."""

    def __init__(self, path: Path) -> None:
        self.reader = pypdf.PdfReader(path)
        self.pages = {p.indirect_reference.idnum: i for i, p in enumerate(self.reader.pages)}
        self.marked: dict[tuple[int, int], str] = {}
        self.artifacts: dict[int, str] = {}
        for index, page in enumerate(self.reader.pages):
            self._read(index, page)
        root = self.reader.trailer["/Root"]["/StructTreeRoot"]
        self.document = self.kids(root)[0]

    def _read(self, index: int, page) -> None:
        stack: list[object] = []
        artifacts: list[str] = []

        def before(op, args, cm, tm) -> None:
            if op == b"BDC":
                props = args[1] if len(args) > 1 else None
                stack.append(props.get("/MCID") if isinstance(props, dict) else None)
            elif op == b"BMC":
                stack.append("artifact" if args and args[0] == "/Artifact" else None)
            elif op == b"EMC":
                stack.pop()

        def text(t: str, *_) -> None:
            where = next((s for s in reversed(stack) if s is not None), None)
            if where == "artifact":
                artifacts.append(t)
            elif isinstance(where, int):
                key = (index, where)
                self.marked[key] = self.marked.get(key, "") + t

        page.extract_text(visitor_operand_before=before, visitor_text=text)
        self.artifacts[index] = "".join(artifacts)

    @staticmethod
    def kids(element) -> list:
        kids = element.get("/K")
        if kids is None:
            return []
        kids = kids.get_object()
        items = list(kids) if isinstance(kids, ArrayObject) else [kids]
        found = []
        for kid in items:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, DictionaryObject) and kid.get("/Type") == "/StructElem":
                found.append(kid)
        return found

    def walk(self, element=None) -> Iterator[DictionaryObject]:
        element = self.document if element is None else element
        yield element
        for kid in self.kids(element):
            yield from self.walk(kid)

    def page(self, element) -> int | None:
        ref = element.raw_get("/Pg") if "/Pg" in element else None
        return self.pages.get(ref.idnum) if ref is not None else None

    def role(self, element) -> str:
        return str(element.get("/S")).lstrip("/")

    def content(self, element) -> Iterator[tuple[int, int]]:
        """(page, MCID) of the content ``element`` marks, in order, its kids' too."""
        page = self.page(element)
        kids = element.get("/K")
        kids = kids.get_object() if kids is not None else []
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int) and page is not None:
                yield page, kid
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                yield self.page(kid), int(kid["/MCID"])
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/StructElem":
                yield from self.content(kid)

    def text(self, element) -> str:
        return "".join(self.marked.get(key, "") for key in self.content(element)).strip()

    def all(self, role: str) -> list[DictionaryObject]:
        return [e for e in self.walk() if self.role(e) == role]


def tagged(built_once, files: dict[str, str | bytes | None] | None = None) -> Tagged:
    """The structure tree of the minimal plan with ``files``, built once for the tests
    that read it (conftest's ``built_once``)."""
    return Tagged(built_once(files) / "plan.pdf")


def with_blocks(blocks: str) -> dict[str, str | bytes | None]:
    """The minimal plan with ``blocks`` (YAML, a block a line) at the end of 第４章."""
    chapter = textwrap.dedent(MINIMAL["chapter4.yaml"])
    return {"chapter4.yaml": chapter + textwrap.indent(textwrap.dedent(blocks), "  ")}


@pytest.mark.typeset
def test_the_toc_leaders_are_artifacts_and_its_entries_text(built_once):
    """The 目次's leader dots are decoration a screen reader skips; each entry still reads
    its number, title and page number."""
    tree = tagged(built_once)
    toc = tree.all("L")[0]
    entries = [tree.text(item) for item in tree.kids(toc)]
    assert entries[:2] == ["第１章 状況の変化 1", "第１節 社会経済情勢の変化 1"], entries
    assert all("．" not in e for e in entries), entries
    toc_page = next(iter(tree.content(toc)))[0]
    assert set(tree.artifacts[toc_page].replace(" ", "")) == {"．"}
    # No marked content anywhere is a leader's.
    assert not [t for t in tree.marked.values() if "．．" in t]


@pytest.mark.typeset
def test_the_pillars_diagram_is_a_figure_described_by_its_titles(built_once):
    """図２ is laid out with an HTML table but is a diagram: one Figure, described (/Alt)
    by the titles it prints, and no data table without headers."""
    tree = tagged(built_once)
    figures = [f for f in tree.all("Figure") if "/Alt" in f]
    pillars = [f for f in figures if str(f["/Alt"]).startswith("方針。")]
    assert len(pillars) == 1, [str(f["/Alt"]) for f in figures]
    assert str(pillars[0]["/Alt"]) == "方針。（１）\u3000柱Ａ。スパイラルアップ"
    inside = {tree.role(e) for e in tree.walk(pillars[0])}
    assert not inside & {"Table", "TR", "TD", "TH"}, inside
    assert "Caption" in inside


@pytest.mark.typeset
def test_a_table_over_pages_is_one_table(built_once):
    """A table continued over page breaks is one Table: one THead (the head repeated on
    each page is an artifact), its rows in order in one TBody, each data cell's header
    one of the kept head's."""
    rows = "\n".join(f'    - ["施設{n:03d}", "{n}"]' for n in range(1, 121))
    tree = tagged(built_once, with_blocks(f"- table:\n    - [区分, 件数]\n{rows}\n"))
    tables = tree.all("Table")
    long = [t for t in tables if "施設001" in tree.text(t)]
    assert len(long) == 1, [tree.text(t)[:20] for t in tables]
    table = long[0]
    pages = {page for page, _ in tree.content(table)}
    assert len(pages) >= 3, pages  # the case: the table runs over page breaks
    assert [tree.role(k) for k in tree.kids(table)] == ["THead", "TBody"]
    head, body = tree.kids(table)
    assert tree.text(head).replace(" ", "") == "区分件数"
    cells = [[tree.text(c) for c in tree.kids(r)] for r in tree.kids(body)]
    assert cells == [[f"施設{n:03d}", str(n)] for n in range(1, 121)]
    ids = {str(th["/ID"]) for th in tree.all("TH") if "/ID" in th}
    for td in (c for r in tree.kids(body) for c in tree.kids(r)):
        headers = td["/A"].get_object().get("/Headers") or []
        assert headers and {str(h) for h in headers} <= ids
    for page in pages - {min(pages)}:  # the repeated head is not read again
        assert "区分件数" in tree.artifacts[page].replace(" ", "")


@pytest.mark.typeset
def test_a_list_over_pages_is_one_list_with_labels(built_once):
    """A list continued over page breaks is one L; each item's marker is its Lbl, before
    the LBody, and is not part of the item's text."""
    items = "\n".join(f"      - 項目{n:03d}の内容" for n in range(1, 101))
    tree = tagged(built_once, with_blocks(f"- list:\n{items}\n  marker: ■\n"))
    lists = [lst for lst in tree.all("L") if "項目001" in tree.text(lst)]
    assert len(lists) == 1, len(lists)
    pages = {page for page, _ in tree.content(lists[0])}
    assert len(pages) >= 2, pages
    entries = tree.kids(lists[0])
    assert len(entries) == 100
    for n, item in enumerate(entries, start=1):
        assert [tree.role(k) for k in tree.kids(item)] == ["Lbl", "LBody"]
        label, body = tree.kids(item)
        assert tree.text(label) == "■"
        assert tree.text(body) == f"項目{n:03d}の内容"


MARKERS = [("①", "①"), ("（１）", "（１）"), ("・", "・")]
#: One list a marker, in one build that each marker's test reads.
MARKED_LISTS = with_blocks(
    "".join(
        f"- list: [{n}の一つ目, {n}の二つ目]\n  marker: {m}\n" for n, (m, _) in enumerate(MARKERS)
    )
)


@pytest.mark.typeset
@pytest.mark.parametrize(("n", "marker", "first"), [(n, *m) for n, m in enumerate(MARKERS)])
def test_each_marker_is_a_label(built_once, n, marker, first):
    tree = tagged(built_once, MARKED_LISTS)
    (item,) = [i for i in tree.all("LI") if tree.text(i).endswith(f"{n}の一つ目")]
    label, body = tree.kids(item)
    assert (tree.role(label), tree.text(label), tree.text(body)) == ("Lbl", first, f"{n}の一つ目")


@pytest.mark.typeset
def test_the_tree_is_consistent(built_once):
    """After joining and retagging, every element's /P is its parent, and the parent tree
    maps each marked content to the element that holds it."""
    rows = "\n".join(f'    - ["施設{n:03d}", "{n}"]' for n in range(1, 121))
    tree = tagged(built_once, with_blocks(f"- table:\n    - [区分, 件数]\n{rows}\n"))
    holder: dict[tuple[int, int], int] = {}
    for element in tree.walk():
        for kid in tree.kids(element):
            assert kid.raw_get("/P").idnum == element.indirect_reference.idnum
        page = tree.page(element)
        kids = element.get("/K")
        kids = kids.get_object() if kids is not None else []
        for kid in kids if isinstance(kids, ArrayObject) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int) and page is not None:
                holder[(page, kid)] = element.indirect_reference.idnum
            elif isinstance(kid, DictionaryObject) and kid.get("/Type") == "/MCR":
                holder[(tree.page(kid), int(kid["/MCID"]))] = element.indirect_reference.idnum
    nums = tree.reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    mapped = 0
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        value = value.get_object()
        if isinstance(value, ArrayObject) and key < len(tree.reader.pages):
            for mcid, ref in enumerate(value):
                if (key, mcid) in holder:
                    assert ref.idnum == holder[(key, mcid)], (key, mcid)
                    mapped += 1
    assert mapped == len(holder)


def _pdfua_errors(path: Path) -> list[str]:
    report = pdfua.validate(str(path))
    return [
        f"{f.rule_id} {f.location}: {f.message}"
        for f in report.findings
        if f.severity >= pdfua.Severity.ERROR
    ]


@pytest.mark.typeset
def test_pdfua_finds_no_error_in_a_built_plan(built_once):
    out = built_once()
    assert _pdfua_errors(out / "plan.pdf") == []
    assert _pdfua_errors(out / "overview.pdf") == []


def test_pdfua_finds_no_error_in_the_real_plan(built_plan):
    assert _pdfua_errors(built_plan.pdf_path) == []
    # pdfua 0.1.3 cannot run its empty-heading rule (UA-14-001) on these files: every
    # heading is checked here instead.
    tree = Tagged(built_plan.pdf_path)
    headings = [e for e in tree.walk() if re.fullmatch(r"H[1-6]", tree.role(e))]
    assert len(headings) > 100
    assert [tree.text(h) for h in headings if not tree.text(h)] == []
    # The 目次's 1,000 leader dots are not read out; its entries are.
    assert not [t for t in tree.marked.values() if "．．" in t]
    assert tree.text(tree.all("L")[0]).startswith("第１章")
    # Every footnote printed at a page's foot (「※n 」 opening a line) is a Note with its
    # own /ID, right after its call.
    printed = [
        line.split()[0]
        for page in tree.reader.pages
        for line in page.extract_text().splitlines()
        if re.match(r"※\d+ ", line)
    ]
    notes = tree.all("Note")
    assert printed and [tree.text(n).split()[0] for n in notes] == printed
    assert len({str(n["/ID"]) for n in notes}) == len(notes)
    # The running heads and folios are artifacts, and no marked content is left out of the
    # tree (WeasyPrint leaves the margin boxes' elements unlinked).
    held = {key for element in tree.walk() for key in tree.content(element)}
    assert not {key: t for key, t in tree.marked.items() if key not in held and t.strip()}
    head = "計画期間内における「重点目標」と「政策パッケージ」（重点施策）"
    assert sum(head in text for text in tree.artifacts.values()) >= 5
    assert not [t for t in tree.marked.values() if head in t and "第３章" not in t]


@pytest.mark.typeset
def test_each_footnote_is_a_note_after_its_call(built_once):
    """A footnote is a Note with an /ID of its own (PDF/UA-1, 7.9), its 「※n」 a Lbl, and
    stands right after its call, a Reference, in the paragraph or cell that calls it, or
    right after the heading that calls it (the heading reads as its title alone); no
    footnote is left in an untyped group at the page's foot, where it also split the
    document's part in two."""
    files = with_blocks(
        "- p: 本文Ｂ[^note-b]の後、本文Ｃ[^note-c]の後。\n"
        "- table:\n    - [区分, 件数]\n    - ['施設[^note-b]', '1']\n"
        "- section: 見出しＤ[^note-c]の節\n  id: sec-d\n  body:\n    - p: 本文Ｄ\n"
    )
    files["footnotes.yaml"] = "note-a: 脚注の本文\nnote-b: 脚注Ｂの本文\nnote-c: 脚注Ｃの本文\n"
    tree = tagged(built_once, files)
    notes = tree.all("Note")
    assert [tree.text(n) for n in notes] == [
        "※1 脚注の本文",
        "※2 脚注Ｂの本文",
        "※3 脚注Ｃの本文",
        "※4 脚注Ｂの本文",
        "※5 脚注Ｃの本文",
    ], [tree.text(n) for n in notes]
    ids = [str(n["/ID"]) for n in notes]
    all_ids = [str(e["/ID"]) for e in tree.walk() if "/ID" in e]
    assert len(set(ids)) == 5 and all(all_ids.count(i) == 1 for i in ids), all_ids
    before = []
    for number, note in enumerate(notes, start=1):
        label = tree.kids(note)[0]
        assert (tree.role(label), tree.text(label)) == ("Lbl", f"※{number}")
        holder = note.raw_get("/P").get_object()
        kids = tree.kids(holder)
        position = [k.indirect_reference.idnum for k in kids].index(note.indirect_reference.idnum)
        before.append((tree.role(holder), tree.role(kids[position - 1])))
        if tree.role(kids[position - 1]) == "Reference":
            assert tree.text(kids[position - 1]) == f"※{number}"
    assert before == [
        ("LBody", "Reference"),
        ("P", "Reference"),
        ("P", "Reference"),
        ("TD", "Reference"),
        ("Sect", "H2"),
    ], before
    paragraph = notes[1].raw_get("/P").get_object()
    assert tree.text(paragraph).replace("\n", "") == (
        "本文Ｂ※2※2 脚注Ｂの本文の後、本文Ｃ※3※3 脚注Ｃの本文の後。"
    ), tree.text(paragraph)
    heading = [h for h in tree.all("H2") if "見出しＤ" in tree.text(h)]
    assert [tree.text(h) for h in heading] == ["２ 見出しＤ※5の節"]
    reference = [k for k in tree.walk(heading[0]) if tree.role(k) == "Reference"]
    assert [tree.text(r) for r in reference] == ["※5"]
    assert [tree.role(k) for k in tree.kids(tree.document)] == ["Part"]


@pytest.mark.typeset
def test_running_heads_and_folios_are_artifacts(built_once):
    """What the page's margin boxes print (the running head, the folio 「- 1 -」) is a
    pagination artifact: WeasyPrint tags it as text but leaves its elements out of the
    tree, so it was marked content that belonged to no element of the document."""
    tree = tagged(built_once, with_blocks("- page_break: true\n- p: 次の頁の本文\n"))
    held = {key for element in tree.walk() for key in tree.content(element)}
    loose = {key: text for key, text in tree.marked.items() if key not in held and text.strip()}
    assert not loose, loose
    folios = [page for page, text in tree.artifacts.items() if re.search(r"-\s*1\s*-", text)]
    assert folios, tree.artifacts
