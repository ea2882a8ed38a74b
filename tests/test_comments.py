"""The 意見対応表 (keikaku/iken/) from reviewed copies of plan.docx.

Reviewed copies are made here as Word would save them: document.xml edited to hold
``w:ins``/``w:del`` runs and comment ranges, comments.xml with the comments, by two
reviewers. Reading them back must give exactly the expected rows, in plan order; files
that are not reviewed copies of plan.docx, or are hostile, get one clear line each.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pypdf
import pytest

from conftest import write_content
from keikaku.docx import docx_bytes
from keikaku.errors import BuildError
from keikaku.iken import collect_comments, write_iken_pdf, write_iken_xlsx
from keikaku.limits import MAX_DOCX_BYTES, MAX_IKEN_TEXT_CHARS
from keikaku.load import load_plan

DATE = datetime(2025, 1, 2, tzinfo=UTC)
ROAD, ENV = "国交省道路局", "環境省"
T1, T2, T3 = "2025-01-10T10:00:00Z", "2025-01-11T09:00:00Z", "2025-01-12T15:30:00Z"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


@pytest.fixture(scope="module")
def plan_docx(tmp_path_factory) -> bytes:
    content = write_content(tmp_path_factory.mktemp("plan"))
    return docx_bytes(load_plan(content), revision="0123456789abcdef", date=DATE, content=content)


# ------------------------------------------------------------------ making reviewed copies


def run(text: str) -> str:
    """A run of Japanese text as Pandoc 3 writes it in plan.docx (and Word keeps it): its
    characters marked as East Asian, so Word sets them in the East Asian font."""
    return (
        '<w:r><w:rPr><w:rFonts w:hint="eastAsia" /></w:rPr>'
        f'<w:t xml:space="preserve">{text}</w:t></w:r>'
    )


_IDS = iter(range(1000, 100000))


def ins(text: str, who: str, when: str) -> str:
    return f'<w:ins w:id="{next(_IDS)}" w:author="{who}" w:date="{when}">{run(text)}</w:ins>'


def dele(text: str, who: str, when: str) -> str:
    return (
        f'<w:del w:id="{next(_IDS)}" w:author="{who}" w:date="{when}"><w:r>'
        f'<w:delText xml:space="preserve">{text}</w:delText></w:r></w:del>'
    )


def commented(cid: int, inner: str) -> str:
    return (
        f'<w:commentRangeStart w:id="{cid}"/>{inner}<w:commentRangeEnd w:id="{cid}"/>'
        f'<w:r><w:commentReference w:id="{cid}"/></w:r>'
    )


def comments_xml(*comments: tuple[int, str, str, str]) -> str:
    body = "".join(
        f'<w:comment w:id="{cid}" w:author="{who}" w:date="{when}" w:initials="X">'
        + "".join(f"<w:p>{run(line)}</w:p>" for line in text.split("\n"))
        + "</w:comment>"
        for cid, who, when, text in comments
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:comments xmlns:w="{W_NS}">{body}</w:comments>'


def reviewed(
    docx: bytes,
    replace: list[tuple[str, str]] = (),
    *,
    footnotes: list[tuple[str, str]] = (),
    comments: str | None = None,
    drop: tuple[str, ...] = (),
    document=None,
) -> bytes:
    """A copy of ``docx`` as a reviewer saved it: each (old, new) replaced once in
    document.xml (and footnotes.xml), comments.xml replaced, parts dropped."""
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    doc = parts["word/document.xml"].decode()
    for old, new in replace:
        assert doc.count(old) == 1, old
        doc = doc.replace(old, new)
    if document is not None:
        doc = document(doc)
    parts["word/document.xml"] = doc.encode()
    notes = parts["word/footnotes.xml"].decode()
    for old, new in footnotes:
        assert notes.count(old) == 1, old
        notes = notes.replace(old, new)
    parts["word/footnotes.xml"] = notes.encode()
    if comments is not None:
        parts["word/comments.xml"] = comments.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if not any(name.startswith(d) for d in drop):
                z.writestr(name, data)
    return out.getvalue()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _row(r) -> tuple:
    return (
        r.number,
        r.where[-1] if r.where else "",
        r.note,
        r.item_id,
        r.item_path,
        r.file,
        r.author,
        r.date,
        r.kind,
        r.original,
        r.proposed,
        r.comments,
        r.located,
    )


# ------------------------------------------------------------------ rows


def test_a_reviewed_copy_gives_the_expected_rows(plan_docx, tmp_path):
    copy = reviewed(
        plan_docx,
        [
            # Two reviewers in one paragraph: 道路局 replaces Ａ by Ｂ; 環境省 adds words and
            # comments on 「の内容」.
            (
                run("・変化Ａの内容"),
                run("・変化")
                + dele("Ａ", ROAD, T1)
                + ins("Ｂ", ROAD, T1)
                + commented(1, run("の内容"))
                + ins("を追記", ENV, T2),
            ),
            # 環境省 adds a paragraph after （１）現行目標Ａ.
            (
                run("（１）現行目標Ａ") + "</w:p>",
                run("（１）現行目標Ａ")
                + '</w:p><w:p><w:pPr><w:rPr><w:ins w:id="900" w:author="環境省" '
                f'w:date="{T2}"/></w:rPr></w:pPr>' + ins("（２）新しい目標", ENV, T2) + "</w:p>",
            ),
            # 道路局 deletes a whole list item, and comments on a ＫＰＩ.
            (run("・取組Ａ"), dele("・取組Ａ", ROAD, T3)),
            (run("指標Ａ") + "</w:p></w:tc>", commented(2, run("指標Ａ")) + "</w:p></w:tc>"),
        ],
        footnotes=[(run("脚注の本文"), run("脚注の本文") + ins("（例示）", ENV, T2))],
        comments=comments_xml(
            (1, ENV, T2, "具体的に書くべき。\n二段落目。"), (2, ROAD, T3, "単位を確認したい。")
        ),
    )
    rows = collect_comments([_write(tmp_path, "道路局・環境省.docx", copy)])
    f = "道路局・環境省.docx"
    assert [_row(r) for r in rows] == [
        (
            1,
            "１\u3000変化Ａ",
            "",
            "change-a",
            "body[0].list[0]",
            f,
            ROAD,
            T1,
            "修正",
            "・変化Ａの内容",
            "・変化Ｂの内容",
            (),
            True,
        ),
        (
            2,
            "１\u3000変化Ａ",
            "",
            "change-a",
            "body[0].list[0]",
            f,
            ENV,
            T2,
            "修正・コメント",
            "・変化Ａの内容",
            "・変化Ａの内容を追記",
            ("「の内容」について：具体的に書くべき。\n二段落目。",),
            True,
        ),
        (
            3,
            "第２節\u3000現行計画の重点目標",
            "（「（１）現行目標Ａ」の後に追加された段落）",
            "ch1-current-goals",
            "body[0].list[0]",
            f,
            ENV,
            T2,
            "修正",
            "",
            "（２）新しい目標",
            (),
            True,
        ),
        (
            4,
            "（１）施策テーマＡ",
            "（脚注）",
            "note-a",
            "",
            f,
            ENV,
            T2,
            "修正",
            "脚注の本文",
            "脚注の本文（例示）",
            (),
            True,
        ),
        (
            5,
            "（１）施策テーマＡ",
            "",
            "pkg-a",
            "parts[1].body[0].list[0]",
            f,
            ROAD,
            T3,
            "修正",
            "・取組Ａ",
            "（削除）",
            (),
            True,
        ),
        (
            6,
            "（１）施策テーマＡ",
            "",
            "kpi-a",
            "indicator",
            f,
            ROAD,
            T3,
            "コメント",
            "指標Ａ",
            "",
            ("「指標Ａ」について：単位を確認したい。",),
            True,
        ),
    ]
    first = rows[0]
    assert first.where == (
        "第１章\u3000状況の変化",
        "第１節\u3000社会経済情勢の変化",
        "１\u3000変化Ａ",
    )
    assert first.source.endswith("chapter1.yaml:10:20")
    assert first.original_marked == (("・変化", False), ("Ａ", True), ("の内容", False))
    assert first.proposed_marked == (("・変化", False), ("Ｂ", True), ("の内容", False))
    assert rows[1].proposed_marked == (("・変化Ａの内容", False), ("を追記", True))
    assert all(r.response == "" for r in rows)


def test_rows_from_several_files_come_in_plan_order(plan_docx, tmp_path):
    late = reviewed(plan_docx, [(run("・取組Ａ"), run("・取組Ａ") + ins("の推進", ROAD, T1))])
    early = reviewed(
        plan_docx, [(run("・変化Ａの内容"), run("・変化Ａの内容") + ins("等", ENV, T3))]
    )
    both = reviewed(
        plan_docx, [(run("・取組Ａ"), run("・取組") + dele("Ａ", ENV, T2) + ins("Ｂ", ENV, T2))]
    )
    rows = collect_comments(
        [
            _write(tmp_path, "a.docx", late),
            _write(tmp_path, "b.docx", early),
            _write(tmp_path, "c.docx", both),
        ]
    )
    assert [(r.number, r.file, r.author, r.proposed) for r in rows] == [
        (1, "b.docx", ENV, "・変化Ａの内容等"),
        (2, "a.docx", ROAD, "・取組Ａの推進"),
        (3, "c.docx", ENV, "・取組Ｂ"),
    ]


def test_marks_that_cannot_be_placed_are_listed_separately(plan_docx, tmp_path):
    def lose(doc: str) -> str:
        # A paragraph's bookmark renamed (copied in from another document), and the
        # bookmarks of the cover's first two paragraphs deleted; each paragraph then edited.
        doc = re.sub(r'w:name="(kk_0123456_)26"', r'w:name="\g<1>99999"', doc, count=1)
        return re.sub(r'<w:bookmarkStart w:id="\d+" w:name="kk_0123456_[01]" ?/>', "", doc)

    copy = reviewed(
        plan_docx,
        [
            (run("・変化Ａの内容"), run("・変化Ａの内容") + ins("等", ROAD, T1)),
            (run("テスト計画"), run("テスト計画") + ins("（改）", ENV, T2)),
            (run("・取組Ａ"), run("・取組Ａ") + ins("の推進", ROAD, T1)),
        ],
        document=lose,
    )
    rows = collect_comments([_write(tmp_path, "r.docx", copy)])
    assert [(r.number, r.located, r.original, r.proposed, r.note) for r in rows] == [
        (1, True, "・取組Ａ", "・取組Ａの推進", ""),
        (2, False, "・変化Ａの内容", "・変化Ａの内容等", "（しおりが元の計画の対応表にない段落）"),
        (3, False, "テスト計画", "テスト計画（改）", "（しおりが見つからない段落）"),
    ]


def test_a_copy_that_lost_the_trace_map_needs_the_original(plan_docx, tmp_path):
    copy = reviewed(
        plan_docx,
        [(run("・取組Ａ"), run("・取組Ａ") + ins("の推進", ROAD, T1))],
        drop=("customXml/",),
    )
    path = _write(tmp_path, "r.docx", copy)
    with pytest.raises(BuildError) as info:
        collect_comments([path])
    assert len(info.value.problems) == 1
    assert "r.docx" in str(info.value) and "plan.docx も指定してください" in str(info.value)
    original = _write(tmp_path, "plan.docx", plan_docx)
    rows = collect_comments([path], original)
    assert [(r.item_id, r.item_path, r.proposed) for r in rows] == [
        ("pkg-a", "parts[1].body[0].list[0]", "・取組Ａの推進")
    ]
    assert collect_comments([path], plan_docx)[0].where == rows[0].where


# ------------------------------------------------------------------ files that are not reviewed plans


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def _patch_central(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    """Every central directory entry of a zip with one field set (sizes, flags)."""
    out = bytearray(data)
    for m in re.finditer(rb"PK\x01\x02", data):
        struct.pack_into(fmt, out, m.start() + offset, value)
    return bytes(out)


def _cases(plan_docx: bytes) -> dict[str, tuple[bytes | None, str]]:
    with zipfile.ZipFile(io.BytesIO(plan_docx)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    foreign = dict(parts)
    foreign["word/document.xml"] = re.sub(
        rb"<w:bookmark(Start|End)[^>]*/>", b"", parts["word/document.xml"]
    )
    foreign = {k: v for k, v in foreign.items() if not k.startswith("customXml/")}
    doctype = dict(parts)
    doctype["word/document.xml"] = parts["word/document.xml"].replace(
        b"?>", b'?><!DOCTYPE w:document [<!ENTITY lol "lol">]>', 1
    )
    many = {f"word/m{i}.xml": b"<a/>" for i in range(2001)}
    xxe = b'?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    external = dict(
        parts, **{"word/document.xml": parts["word/document.xml"].replace(b"?>", xxe, 1)}
    )
    in_comments = dict(
        parts,
        **{
            "word/comments.xml": comments_xml((3, ENV, T2, "意見"))
            .replace("?>", '?><!DOCTYPE w:comments [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', 1)
            .encode()
        },
    )
    long_comment = reviewed(
        plan_docx,
        [(run("・取組Ａ"), commented(3, run("・取組Ａ")))],
        comments=comments_xml((3, ENV, T2, "意" * (MAX_IKEN_TEXT_CHARS + 1))),
    )
    long_insertion = reviewed(
        plan_docx,
        [(run("・取組Ａ"), run("・取組Ａ") + ins("追" * (MAX_IKEN_TEXT_CHARS + 1), ROAD, T1))],
    )
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as member:
            for _ in range(201):
                member.write(bytes(1024 * 1024))
    return {
        "xxe-document.docx": (_zip(external), "DOCTYPE または ENTITY"),
        "xxe-comments.docx": (_zip(in_comments), "「word/comments.xml」が DOCTYPE または ENTITY"),
        "10k-members.docx": (
            _zip(
                {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>"}
                | {f"m/{i}": b"" for i in range(10_000)}
            ),
            "10002 個あり、上限の 2000 個",
        ),
        "deflate-bomb.docx": (bomb.getvalue(), "201 MB になり、上限の 200 MB"),
        "huge-comment.docx": (long_comment, "文が長すぎます（10,0"),
        "huge-insertion.docx": (long_insertion, "文が長すぎます（10,0"),
        "text.docx": (b"This is not a Word document.\n", "Word 文書（.docx）ではありません"),
        "old.docx": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "Word 97-2003 形式"),
        "book.docx": (
            _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
            "Word 文書（.docx）ではありません",
        ),
        "other.docx": (_zip(foreign), "plan.docx から作った文書ではありません"),
        "entities.docx": (_zip(doctype), "DOCTYPE または ENTITY"),
        "many.docx": (
            _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>", **many}),
            "上限の 2000 個",
        ),
        "bomb.docx": (
            _patch_central(
                _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<d/>"}),
                24,
                "<I",
                0x7FFFFFFF,
            ),
            "上限の 200 MB",
        ),
        "locked.docx": (_patch_central(plan_docx, 8, "<H", 0x0001), "暗号化"),
        "broken.docx": (plan_docx[: len(plan_docx) // 2], "zip として読めません"),
        "missing.docx": (None, "見つかりません"),
    }


@pytest.fixture(scope="module")
def not_reviewed(plan_docx) -> dict[str, tuple[bytes | None, str]]:
    """The files of the cases below, made once for the module (the 10,000 members, the
    201 MB of zeros deflated and the two reviewed copies are a second each)."""
    return _cases(plan_docx)


@pytest.mark.parametrize(
    "name",
    [
        "text.docx",
        "old.docx",
        "book.docx",
        "other.docx",
        "entities.docx",
        "many.docx",
        "bomb.docx",
        "locked.docx",
        "broken.docx",
        "missing.docx",
        "xxe-document.docx",
        "xxe-comments.docx",
        "10k-members.docx",
        "deflate-bomb.docx",
        "huge-comment.docx",
        "huge-insertion.docx",
    ],
)
def test_files_that_are_not_reviewed_plans_get_one_clear_line(not_reviewed, tmp_path, name):
    data, expected = not_reviewed[name]
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)
    with pytest.raises(BuildError) as info:
        collect_comments([path])
    assert len(info.value.problems) == 1
    line = str(info.value.problems[0])
    assert name in line and expected in line, line
    assert "\n" not in line and "Traceback" not in line


def test_large_files_and_folders_are_refused_unread(tmp_path):
    big = tmp_path / "big.docx"
    with big.open("wb") as f:
        f.truncate(MAX_DOCX_BYTES + 1)  # sparse: nothing is written, nothing should be read
    folder = tmp_path / "folder.docx"
    folder.mkdir()
    with pytest.raises(BuildError) as info:
        collect_comments([big, folder])
    lines = [str(p) for p in info.value.problems]
    assert len(lines) == 2
    assert "big.docx" in lines[0] and "20 MB" in lines[0]
    assert "folder.docx" in lines[1]


def test_every_bad_file_is_reported_and_no_rows_are_returned(plan_docx, tmp_path):
    good = _write(
        tmp_path,
        "good.docx",
        reviewed(plan_docx, [(run("・取組Ａ"), run("・取組Ａ") + ins("等", ROAD, T1))]),
    )
    bad = _write(tmp_path, "bad.docx", b"nonsense")
    with pytest.raises(BuildError) as info:
        collect_comments([good, bad, tmp_path / "gone.docx"])
    assert [str(p).split(":")[0].rsplit("/", 1)[-1] for p in info.value.problems] == [
        "bad.docx",
        "gone.docx",
    ]


# ------------------------------------------------------------------ writers


@pytest.fixture
def rows(plan_docx, tmp_path):
    copy = reviewed(
        plan_docx,
        [
            (
                run("・変化Ａの内容"),
                run("・変化") + dele("Ａ", ROAD, T1) + ins("Ｂ", ROAD, T1) + run("の内容"),
            ),
            (run("・取組Ａ"), commented(3, run("・取組Ａ"))),
        ],
        comments=comments_xml((3, ENV, T2, "例を増やしてほしい。")),
        document=lambda d: re.sub(r'w:name="(kk_0123456_)26"', r'w:name="\g<1>99999"', d, count=1),
    )
    extra = reviewed(
        plan_docx, [(run("（１）現行目標Ａ"), run("（１）現行目標Ａ") + ins("の継承", ENV, T3))]
    )
    return collect_comments([_write(tmp_path, "a.docx", copy), _write(tmp_path, "b.docx", extra)])


def test_workbook_has_the_rows_with_their_ids_and_an_empty_response(rows, tmp_path):
    path = write_iken_xlsx(rows, tmp_path / "iken.xlsx")
    book = openpyxl.load_workbook(path, rich_text=True)
    assert book.sheetnames == ["意見対応表", "位置不明"]
    sheet = book["意見対応表"]
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0] == [
        "番号",
        "箇所",
        "項目ID",
        "項目内の位置",
        "内容ファイル",
        "しおり",
        "提出ファイル",
        "意見提出者",
        "日付",
        "種別",
        "原文",
        "修正案",
        "コメント",
        "対応",
    ]
    assert [(v[0], v[2], v[3], v[6], v[7], v[9], v[13]) for v in values[1:]] == [
        (1, "ch1-current-goals", "body[0].list[0]", "b.docx", ENV, "修正", None),
        (2, "pkg-a", "parts[1].body[0].list[0]", "a.docx", ENV, "コメント", None),
    ]
    assert all(re.fullmatch(r"kk_0123456_[0-9]+", v[5]) for v in values[1:])
    assert str(values[1][11]) == "（１）現行目標Ａの継承"
    assert values[2][12] == "「・取組Ａ」について：例を増やしてほしい。"
    lost = [[c.value for c in r] for r in book["位置不明"].iter_rows()]
    assert [
        (v[0], v[2], v[5], str(v[10]), str(v[11])) for v in lost[1:]
    ] == [  # the renamed bookmark
        (3, None, "kk_0123456_99999", "・変化Ａの内容", "・変化Ｂの内容")
    ]
    underlined = [b.text for b in lost[1][11] if not isinstance(b, str) and b.font.u == "single"]
    assert underlined == ["Ｂ"]  # the inserted text, underlined
    again = write_iken_xlsx(rows, tmp_path / "again.xlsx")
    assert again.read_bytes() == path.read_bytes()


@pytest.mark.typeset
def test_pdf_is_landscape_without_internal_ids_and_repeats_its_header(rows, tmp_path):
    many = rows * 15  # enough rows for several pages
    path = write_iken_pdf(many, tmp_path / "iken.pdf")
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        box = page.mediabox
        assert float(box.width) > float(box.height)  # A4 landscape
        text = page.extract_text()
        assert (
            "番号" in text and "原文" in text and "修正案" in text and "対応" in text
        )  # header on every page
    text = "".join(p.extract_text() for p in reader.pages)
    assert "テスト計画" in text and "意見対応表" in text
    assert "位置を特定できなかった意見" in text
    for internal in ("pkg-a", "ch1-current-goals", "kk_", "parts[", "body[", "chapter1.yaml"):
        assert internal not in text
    one = write_iken_pdf(rows, tmp_path / "one.pdf")
    assert one.read_bytes() == write_iken_pdf(rows, tmp_path / "two.pdf").read_bytes()


def test_the_command_line_writes_both_tables(plan_docx, tmp_path):
    from conftest import run_command

    copy = reviewed(plan_docx, [(run("・取組Ａ"), dele("・取組Ａ", ROAD, T3))])
    path = _write(tmp_path, "道路局.docx", copy)
    outcome = run_command(["comments", str(path), "--out", str(tmp_path / "out")])
    assert outcome.code == 0, outcome
    assert (tmp_path / "out" / "iken.xlsx").is_file() and (tmp_path / "out" / "iken.pdf").is_file()
    assert "1 件" in outcome.out
    refused = run_command(["comments", str(tmp_path), "--out", str(tmp_path / "out2")])
    assert refused.code == 1 and "comments failed" in refused.err and "Traceback" not in refused.err
    assert run_command(["comments"]).code == 2


def test_external_relationships_are_never_followed(plan_docx, tmp_path):
    """A reviewed copy whose relationships point outside it — an image linked from
    ``file://`` and ``http://``, hyperlinks, an attached template — gives its rows, and
    nothing is read or fetched: the secret file never shows, the server gets no request."""
    import http.server
    import threading

    secret = tmp_path / "secret.txt"
    secret.write_text("外部の秘密の文言", encoding="utf-8")
    requests: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write("外部の秘密の文言".encode())

        def log_message(self, *_args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/x.png"
    try:
        rels = (
            f'<Relationship Id="rX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{secret.as_uri()}" TargetMode="External"/>'
            f'<Relationship Id="rX2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="{url}" TargetMode="External"/>'
            f'<Relationship Id="rX3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="{url}" TargetMode="External"/>'
            f'<Relationship Id="rX4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="{secret.as_uri()}" TargetMode="External"/>'
        )
        linked = (
            '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            '<wp:extent cx="100" cy="100"/><wp:docPr id="90" name="x"/>'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:nvPicPr><pic:cNvPr id="0" name="x"/><pic:cNvPicPr/></pic:nvPicPr>'
            '<pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:link="{}"/></pic:blipFill>'
            "<pic:spPr/></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
        )
        copy = reviewed(
            plan_docx,
            [
                (
                    run("・取組Ａ"),
                    commented(3, run("・取組Ａ"))
                    + linked.format("rX1")
                    + linked.format("rX2")
                    + f'<w:hyperlink xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rX3">{run("リンク")}</w:hyperlink>',
                )
            ],
            comments=comments_xml((3, ENV, T2, "外部の画像を参照しています。")),
        )
        with zipfile.ZipFile(io.BytesIO(copy)) as z:
            parts = {i.filename: z.read(i) for i in z.infolist()}
        parts["word/_rels/document.xml.rels"] = (
            parts["word/_rels/document.xml.rels"]
            .decode()
            .replace("</Relationships>", rels + "</Relationships>")
            .encode()
        )
        path = _write(tmp_path, "linked.docx", _zip(parts))
        rows = collect_comments([path])
        assert any("外部の画像を参照しています。" in c for r in rows for c in r.comments)
        written = [
            write_iken_xlsx(rows, tmp_path / "iken.xlsx"),
            write_iken_pdf(rows, tmp_path / "iken.pdf"),
        ]
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []
    for r in rows:
        assert "外部の秘密の文言" not in repr(r)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(written[1]).pages)
    assert "外部の秘密の文言" not in text
