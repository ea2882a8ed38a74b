"""Test layers: small content sets written into ``tmp_path`` for the loader, and one
session-wide build of the real plan that the end-to-end tests inspect."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import weasyprint

from keikaku import pipeline

PROJECT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]  # test_lanes.py runs a session of its own

# A minimal valid plan in the document-tree format: plan.yaml lists the parts, each chapter
# is a file holding one section, and every typed entity appears once.
MINIMAL = {
    "plan.yaml": """\
        title: テスト計画
        status: 素案
        meeting: 第１回部会
        date_line: 令和７年１月１日
        issuer: テスト部会
        subject: テスト用の計画
        keywords: [テスト]
        parts:
          - generated: cover
          - generated: toc
          - include: chapter1.yaml
          - include: chapter2.yaml
          - include: chapter3.yaml
          - include: chapter4.yaml
          - section: 政策パッケージ一覧
            id: packages-list
            numbering: annex
            body:
              - generated: package-list
          - section: ＫＰＩ一覧
            id: kpi-list
            numbering: annex
            body:
              - generated: kpi-list
          - include: deliberations.yaml
          - section: 未定事項一覧
            id: pending-list
            numbering: annex
            draft_only: true
            body:
              - generated: pending-list
        """,
    "footnotes.yaml": """\
        note-a: 脚注の本文
        """,
    "chapter1.yaml": """\
        section: 状況の変化
        id: ch1
        body:
          - section: 社会経済情勢の変化
            id: ch1-changes
            body:
              - section: 変化Ａ
                id: change-a
                body:
                  - list: [変化Ａの内容]
          - section: 現行計画の重点目標
            id: ch1-current-goals
            body:
              - list: [現行目標Ａ]
                marker: （１）
        """,
    "chapter2.yaml": """\
        section: 方向性
        id: ch2
        body:
          - section: 社会課題と目指す社会の姿
            id: ch2-society
            body:
              - section: 基本的な課題認識
                id: ch2-challenges
                body:
                  - challenge: 課題Ａ
                    id: challenge-a
                    body:
                      - list: [課題Ａの内容]
              - section: 目指す社会の姿
                id: ch2-visions
                body:
                  - vision: 姿Ａ
                    id: vision-a
                    goal: goal-a
                    theme_examples: [施策テーマの例Ａ]
              - section: 重点目標の案
                id: ch2-goals
                body:
                  - goal_outline: goal-a
              - diagram: society
                caption: 課題・姿・重点目標の関係
              - generated: vision-examples
                caption: 施策テーマの例
          - section: インフラマネジメントの方針
            id: ch2-management
            body:
              - section: 方針
                id: ch2-policy
                body:
                  - diagram: pillars
                    caption: 方針の柱
                    base: ch2-spiral
                  - section: 柱Ａ
                    id: pillar-a
                    body:
                      - list: [柱Ａの内容]
                        marker: ○
                      - p: 柱Ａの例
                        label: 例：
              - section: スパイラルアップ
                id: ch2-spiral
                body:
                  - list: [スパイラルアップの内容]
                    marker: ○
          - section: 中長期の方向性
            id: ch2-outlook
            body:
              - prose: prose/outlook.md
        """,
    "prose/outlook.md": """\
        中長期の方向性の本文。
        """,
    "chapter3.yaml": """\
        section: 重点目標と政策パッケージ
        id: ch3
        toc_depth: 3
        body:
          - include: goals/a.yaml
        """,
    "goals/a.yaml": """\
        goal: 重点目標Ａ
        id: goal-a
        body:
          - group: vision-a
            body:
              - package: 施策テーマＡ
                id: pkg-a
                parts:
                  - part: directions
                    body:
                      - list:
                          - 方向性Ａ[^note-a]
                        marker: ■
                  - part: measures
                    body:
                      - list: [取組Ａ]
                  - kpis:
                      - id: kpi-a
                        indicator: 指標Ａ
                        unit: 件
                        baseline: {value: 10, year: 令和５年度}
                        target:
                          pending: 目標値は次回以降に議論
        """,
    "chapter4.yaml": """\
        section: 実効性を確保する方策
        id: ch4
        child_numbering: item
        body:
          - section: 方策Ａ
            id: measure-a
            body:
              - pending: 次回以降に議論
        """,
    "deliberations.yaml": """\
        section: 審議の経過
        id: deliberations
        numbering: annex
        child_numbering: item
        toc_depth: 0
        body:
          - section: 第１回部会
            id: meeting-a
            title_note: （令和６年１月１日）
            body:
              - list: [議題Ａ]
                marker: ○
        """,
}


#: The smallest plan the loader takes: one chapter of one paragraph calling one footnote,
#: laid out in two pages (a sixth of the minimal plan's time). For the tests whose subject
#: is the build around the content (the stamp, the publisher, the output folder), not
#: what the content prints.
TINY = {
    "plan.yaml": """\
        title: テスト計画
        status: 素案
        meeting: 第１回部会
        date_line: 令和７年１月１日
        issuer: テスト部会
        subject: テスト用の計画
        keywords: [テスト]
        parts:
          - include: chapter1.yaml
        """,
    "footnotes.yaml": """\
        note-a: 脚注の本文
        """,
    "chapter1.yaml": """\
        section: 状況の変化
        id: ch1
        body:
          - p: 本文の段落[^note-a]。
        """,
}


# The minimal plan with nothing pending and one form of digits throughout: what a final
# edition accepts.
CLEAN = {
    # Digits full-width throughout, as 公用文 lint wants one form in a document.
    "goals/a.yaml": re.sub(
        r"target:\n\s+pending: 目標値は次回以降に議論",
        "target: {value: ２０, year: 令和１２年度}",
        textwrap.dedent(MINIMAL["goals/a.yaml"]),
    ).replace("value: 10", "value: １０"),
    "chapter4.yaml": textwrap.dedent(MINIMAL["chapter4.yaml"]).replace(
        "- pending: 次回以降に議論", "- p: 方策Ａの本文"
    ),
}


#: A small valid PNG (4×3 pixels, red), for figures.
PNG_SMALL = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x04\x00\x00\x00\x03\x08\x02\x00\x00\x00;\x969\x91"
    b"\x00\x00\x00\x14IDATx\xdac<!'\xc7\x00\x03L\x0cH\x00\x85\x03\x00&\xda\x01\n\x90\xd4\xdc4"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def build(content: Path, out: Path, **kwargs) -> list[Path]:
    """``pipeline.build`` as the small test builds use it: the PDF, the HTML and the data
    files, without the Word edition (through Pandoc, a third of a small build's time) unless
    the test asks for it with ``docx=True``. The Word edition is tested in test_docx.py."""
    kwargs.setdefault("docx", False)
    return pipeline.build(content, out, **kwargs)


def write_content(
    root: Path,
    overrides: dict[str, str | bytes | None] | None = None,
    base: dict[str, str] = MINIMAL,
) -> Path:
    """Write the minimal plan (or ``base``: ``TINY``) under ``root/content``; ``overrides``
    replace or (None) remove files."""
    files: dict[str, str | bytes | None] = {k: textwrap.dedent(v) for k, v in base.items()}
    files.update(overrides or {})
    content = root / "content"
    for name, text in files.items():
        if text is None:
            continue
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return content


def assert_embeds_plan_fonts(docx: bytes) -> None:
    """A Word package embeds the vendored faces as Word embeds fonts (plan.docx and
    followup.docx alike): an obfuscated part each, related from fontTable.xml and named
    there with its key and the family stock Windows has, cut down to the characters its
    text uses; settings.xml asks for them and not for the system's fonts."""
    import io
    import zipfile
    from xml.etree import ElementTree as ET

    from fontTools.ttLib import TTFont

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    r_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        fonts = ET.fromstring(z.read("word/fontTable.xml"))
        rels = z.read("word/_rels/fontTable.xml.rels").decode()
        settings = ET.fromstring(z.read("word/settings.xml"))
        types = z.read("[Content_Types].xml").decode()
        text = "".join(
            t.text or "" for t in ET.fromstring(z.read("word/document.xml")).iter(w + "t")
        )
        alt = {
            f.get(w + "name"): f.find(w + "altName").get(w + "val")
            for f in fonts.iter(w + "font")
            if f.find(w + "altName") is not None
        }
        assert alt == {"BIZ UDMincho": "BIZ UD明朝 Medium", "BIZ UDGothic": "BIZ UDゴシック"}
        embeds = [
            (f.get(w + "name"), e.tag.removeprefix(w), e.get(r_id), e.get(w + "fontKey"))
            for f in fonts.iter(w + "font")
            for e in f
            if e.tag.startswith(w + "embed")
        ]
        assert [(name, kind) for name, kind, _, _ in embeds] == [
            ("BIZ UDMincho", "embedRegular"),
            ("BIZ UDGothic", "embedRegular"),
            ("BIZ UDGothic", "embedBold"),
        ]
        for (name, kind, rid, key), file in zip(
            embeds,
            ("BIZUDMincho-Regular.ttf", "BIZUDGothic-Regular.ttf", "BIZUDGothic-Bold.ttf"),
            strict=True,
        ):
            target = re.search(rf'Id="{rid}" [^>]*Target="([^"]+)"', rels).group(1)
            data = z.read("word/" + target)
            assert target.endswith(".odttf") and data[:4] != b"\x00\x01\x00\x00"  # obfuscated
            # ECMA-376 Part 1, 17.8.1: the first 32 bytes XOR the key's bytes, last first.
            digits = key.strip("{}").replace("-", "")
            mask = bytes.fromhex(digits)[::-1]
            font = TTFont(
                io.BytesIO(bytes(b ^ mask[i % 16] for i, b in enumerate(data[:32])) + data[32:])
            )
            vendored = TTFont(PROJECT / "styles" / "fonts" / file, lazy=True)
            assert font["name"].getName(1, 3, 1, 0x409).toUnicode() == name
            assert font["name"].getName(2, 3, 1, 0x409).toUnicode() == (
                "Bold" if "Bold" in kind else "Regular"
            )
            assert font["name"].getName(13, 3, 1, 0x409) is not None  # the OFL travels with it
            cmap = font.getBestCmap()
            assert {c for c in text if not c.isspace()} <= {chr(u) for u in cmap}
            assert len(cmap) < len(vendored.getBestCmap()) // 10  # a subset
    assert (
        'Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"'
        in types
    )
    assert settings.find(w + "embedTrueTypeFonts") is not None
    assert settings.find(w + "saveSubsetFonts") is not None
    assert settings.find(w + "embedSystemFonts") is None


@pytest.fixture
def content_dir(tmp_path: Path):
    """A factory: ``content_dir({"plan.yaml": "..."})`` writes a small content set (the
    minimal plan, or ``content_dir(base=TINY)`` the tiny one)."""
    return lambda overrides=None, base=MINIMAL: write_content(tmp_path, overrides, base)


@dataclass
class BuiltPlan:
    pdf_path: Path
    html_path: Path
    reader: pypdf.PdfReader
    pages: list[str]
    report: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


@pytest.fixture(scope="session")
def built_plan(tmp_path_factory) -> BuiltPlan:
    """The real plan, built once for the whole session."""
    out = tmp_path_factory.mktemp("output")
    report: list[str] = []
    build(PROJECT / "content", out, report=report.append, warn=report.append, docx=True)
    reader = pypdf.PdfReader(out / "plan.pdf")
    pages = [page.extract_text() or "" for page in reader.pages]
    return BuiltPlan(out / "plan.pdf", out / "plan.html", reader, pages, report)


def squash(text: str) -> str:
    """Text with all white space removed, for comparisons that ignore line breaks."""
    return re.sub(r"\s+", "", text)


# ------------------------------------------------------------------ refused input


@pytest.fixture(scope="session")
def built_once(tmp_path_factory):
    """A factory: ``built_once(overrides, final=...)`` is the output folder of the minimal
    plan with ``overrides`` (as ``write_content``) built with those options, built once
    per session (per pytest-xdist worker) for the tests that only read its products.
    A test that edits the content or writes into the folder builds its own; one that
    wrote into a shared folder fails the session (checked at its end)."""
    made: dict[str, tuple[Path, dict[str, bytes]]] = {}

    def get(
        overrides: dict[str, str | bytes | None] | None = None,
        base: dict[str, str] = MINIMAL,
        **options,
    ) -> Path:
        key = repr(
            (sorted((overrides or {}).items()), sorted(base.items()), sorted(options.items()))
        )
        if key not in made:
            root = tmp_path_factory.mktemp("built-once")
            content = write_content(root, overrides, base)
            build(content, root / "out", report=lambda _: None, warn=lambda _: None, **options)
            made[key] = (root / "out", snapshot(root / "out"))
        return made[key][0]

    yield get
    for out, before in made.values():
        assert snapshot(out) == before, f"a test wrote into the shared build {out}"


@pytest.fixture(scope="session")
def previous_output(built_once) -> Path:
    """A finished build (of the tiny plan: any set will do): each hostile-input case starts
    from a copy of it, so that it can check that a refused build leaves the previous
    output as it was."""
    return built_once(base=TINY)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# ------------------------------------------------------------------ editions and problems


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in ``tmp_path``: paths in messages are shown relative to the folder the command
    runs in (``pytestmark = pytest.mark.usefixtures("in_tmp")``)."""
    monkeypatch.chdir(tmp_path)


def content_with(tmp_path: Path, editions: dict[str, str]) -> Path:
    """The minimal plan with regional editions: ``{name: its plan.yaml}``."""
    return write_content(
        tmp_path, {f"editions/{name}/plan.yaml": text for name, text in editions.items()}
    )


def problems(call) -> list[str]:
    """The problems ``call()`` raises (a ``BuildError``), as the command prints them."""
    from keikaku.errors import BuildError

    with pytest.raises(BuildError) as exc:
        call()
    return [str(p) for p in exc.value.problems]


def at(text: str, needle: str, nth: int = 0) -> str:
    """``line:col`` of the ``nth`` ``needle`` in ``text`` (1-based)."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    before = text[:index]
    return f"{before.count(chr(10)) + 1}:{len(before) - before.rfind(chr(10))}"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


#: The commands of build.py that do not build (the rest, ``build`` and none, do).
NOT_BUILDS = {"check", "diff", "watch", "kpi", "comments", "-h", "--help"}


def run_command(argv: list[str], *, docx: bool = False) -> Outcome:
    """``build.py`` run in process, as the command line does: exit code and what it printed.
    A build leaves out the Word edition (``--no-docx``, as ``build`` above) unless ``docx``."""
    import contextlib
    import io

    from keikaku.cli import main

    if not docx and not (argv and argv[0] in NOT_BUILDS):
        argv = [*argv, "--no-docx"]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return Outcome(code, stdout.getvalue(), stderr.getvalue())


# ------------------------------------------------------------------ the fast lane

#: Fixtures that build the real plan or start a browser: their tests are marked slow and
#: left out of `make test-fast`.
SLOW_FIXTURES = {"built_plan", "layout", "previous_pdf", "preview", "browser"}


#: Whether this session is the fast lane (``-m "not slow"``): set before the test modules
#: are collected, so that ``examples`` can be used in their ``@settings``.
FAST_LANE = False


def pytest_configure(config):
    global FAST_LANE
    FAST_LANE = "not slow" in (config.option.markexpr or "")


def examples(n: int) -> int:
    """How many examples a property test draws: ``n`` in the whole suite (``make test``),
    a tenth of it (at least 20) in the fast lane, which only has to catch a regression
    quickly; the full count still runs before every merge."""
    return max(n // 10, 20) if FAST_LANE else n


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------------------------ what the fast lane lays out

#: The most pages a test of the fast lane may lay out, in all (its fixtures' layouts
#: included): a few builds of ``TINY`` (one page each), a 概要, a short 新旧対照表. A test
#: that lays out more (the minimal plan is eleven pages, a second of layout) is marked
#: ``typeset`` and runs in the whole suite only; one that is not is failed here, in
#: either lane, with the count. Layouts in a child process (the 概要's, or a command
#: run as a subprocess) are not counted.
FAST_LANE_PAGES = 4

_pages_laid_out: dict[str, int] = {}
_running: str | None = None  # the test being run (setup, call and teardown)
_render = weasyprint.HTML.render


def _counted_render(self, *args, **kwargs):
    document = _render(self, *args, **kwargs)
    if _running is not None:
        _pages_laid_out[_running] = _pages_laid_out.get(_running, 0) + len(document.pages)
    return document


weasyprint.HTML.render = _counted_render


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    global _running
    _running = item.nodeid
    yield
    _running = None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.when != "teardown":
        return
    pages = _pages_laid_out.pop(item.nodeid, 0)
    marked = any(item.iter_markers("typeset")) or any(item.iter_markers("slow"))
    if pages > FAST_LANE_PAGES and not marked and report.passed:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} laid out {pages} pages, more than the fast lane's "
            f"{FAST_LANE_PAGES} (FAST_LANE_PAGES in tests/conftest.py): mark it "
            "@pytest.mark.typeset, or build TINY if what it tests is not what the content prints"
        )


@pytest.fixture(scope="session", autouse=True)
def project_content_is_left_alone():
    """No test may write into the project's own content/: its files are the same after
    the session as before it."""

    def digest() -> dict[str, bytes]:
        return snapshot(PROJECT / "content")

    before = digest()
    yield
    assert digest() == before, "a test changed the project's content/"
