"""No-op rebuilds: a second build with nothing changed skips, any change rebuilds."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PROJECT, TINY, build
from keikaku import paths, render, stamp
from keikaku.cli import main
from keikaku.errors import BuildError


def _build(content: Path, out: Path, **kwargs) -> list[str]:
    report: list[str] = []
    build(content, out, report=report.append, **kwargs)
    return report


def _state(path: Path) -> tuple[int, bytes]:
    return path.stat().st_mtime_ns, path.read_bytes()


def _touch(path: Path) -> None:
    """Move a file's mtime a second on, as an editor's save would, without changing it."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _skipped(report: list[str]) -> bool:
    return any("nothing changed" in line for line in report)


@pytest.fixture
def built(content_dir, tmp_path):
    """A small plan built once: (content, out)."""
    content, out = content_dir(base=TINY), tmp_path / "out"
    assert not _skipped(_build(content, out))
    return content, out


def test_second_build_with_nothing_changed_does_nothing(built):
    content, out = built
    before = {name: _state(out / name) for name in ("plan.pdf", "plan.html")}
    report = _build(content, out)
    assert _skipped(report) and len(report) == 1, report
    assert {name: _state(out / name) for name in before} == before
    assert sorted(p.name for p in out.iterdir()) == [
        ".build-stamp",
        "kpi.csv",
        "overview.html",
        "overview.pdf",
        "plan.html",
        "plan.json",
        "plan.pdf",
    ]


def test_command_line_says_nothing_changed(built, capsys):
    content, out = built
    before = _state(out / "plan.pdf")
    assert main(["--no-docx", "--content", str(content), "--out", str(out)]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert _state(out / "plan.pdf") == before


@pytest.mark.parametrize("change", ["touch", "edit", "add", "remove"])
def test_a_changed_content_file_rebuilds(built, change):
    content, out = built
    footnotes = content / "footnotes.yaml"
    if change == "touch":
        _touch(footnotes)
    elif change == "edit":
        footnotes.write_text(
            footnotes.read_text(encoding="utf-8").replace("脚注の本文", "脚注の本文を直した"),
            encoding="utf-8",
        )
    elif change == "add":
        (content / "notes.txt").write_text("編集メモ", encoding="utf-8")
    else:
        (content / "notes.txt").write_text("編集メモ", encoding="utf-8")
        _build(content, out)
        (content / "notes.txt").unlink()
    before = _state(out / "plan.pdf")
    assert not _skipped(_build(content, out))
    assert _state(out / "plan.pdf")[0] != before[0]
    if change == "edit":
        html = (out / "plan.html").read_text(encoding="utf-8")
        assert "脚注の本文を直した" in re.sub(r"<[^>]*>", "", html)  # as read, spans aside
    assert _skipped(_build(content, out))  # and the new stamp holds


def test_a_touched_template_rebuilds(content_dir, tmp_path, monkeypatch):
    # A copy of the templates stands in for templates/, for the renderer and the stamp
    # alike, so the test never changes the project's own files.
    templates = tmp_path / "templates"
    shutil.copytree(render.TEMPLATES_DIR, templates)
    monkeypatch.setattr(render, "TEMPLATES_DIR", templates)
    monkeypatch.setitem(stamp.SOURCE_DIRS, "templates", templates)
    content, out = content_dir(base=TINY), tmp_path / "out"
    _build(content, out)
    assert _skipped(_build(content, out))
    _touch(templates / "blocks.html")
    assert not _skipped(_build(content, out))
    assert _skipped(_build(content, out))


def test_the_stamp_covers_what_the_build_reads():
    roots = {p.resolve() for p in stamp.SOURCE_DIRS.values()}
    assert {
        paths.TEMPLATES_DIR.resolve(),
        paths.STYLES_DIR.resolve(),
        Path(paths.__file__).resolve().parent,
    } <= roots
    assert any(p.suffix == ".ttf" for p in (paths.STYLES_DIR / "fonts").iterdir())


def test_a_missing_or_altered_product_rebuilds(built):
    content, out = built
    (out / "plan.html").unlink()
    assert not _skipped(_build(content, out))
    assert (out / "plan.html").exists()
    (out / "plan.pdf").write_bytes(b"not the plan")
    assert not _skipped(_build(content, out))
    assert (out / "plan.pdf").read_bytes().startswith(b"%PDF")


# The digest check is the same for every product: plan.pdf in the fast lane, the others
# in the whole suite.
@pytest.mark.parametrize(
    "name",
    ["plan.pdf", *(pytest.param(n, marks=pytest.mark.slow) for n in ("overview.pdf", "kpi.csv"))],
)
def test_a_product_swapped_for_one_of_the_same_size_and_mtime_rebuilds(built, name):
    content, out = built
    word = {"docx": name == "plan.docx"}  # the small builds leave out the Word edition
    if word["docx"]:
        assert not _skipped(_build(content, out, **word))
    path = out / name
    st = path.stat()
    original = path.read_bytes()
    forged = bytes(b ^ 0x20 if i == len(original) // 2 else b for i, b in enumerate(original))
    path.write_bytes(forged)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert [path.stat().st_size, path.stat().st_mtime_ns] == [st.st_size, st.st_mtime_ns]
    report = _build(content, out, **word)
    assert not _skipped(report), report
    assert path.read_bytes() == original
    # and the set is current again
    assert _skipped(_build(content, out, **word))


def test_a_stamp_of_the_earlier_format_rebuilds(built):
    # Stamps written before the products' digests were recorded: size and mtime only.
    content, out = built
    path = out / stamp.STAMP_NAME
    recorded = json.loads(path.read_text("utf-8"))
    recorded["products"] = {name: state[:2] for name, state in recorded["products"].items()}
    path.write_text(json.dumps(recorded), "utf-8")
    assert not _skipped(_build(content, out))
    assert _skipped(_build(content, out))


def test_force_rebuilds(built, capsys):
    content, out = built
    before = _state(out / "plan.pdf")
    assert main(["--no-docx", "--content", str(content), "--out", str(out), "--force"]) == 0
    assert "nothing changed" not in capsys.readouterr().out
    assert _state(out / "plan.pdf")[0] != before[0]


def test_a_failed_build_keeps_the_stamp_of_the_products_it_left(built):
    content, out = built
    plan_yaml = content / "plan.yaml"
    good = plan_yaml.read_bytes()
    plan_yaml.write_text("title: [\n", encoding="utf-8")
    with pytest.raises(BuildError):
        _build(content, out)
    plan_yaml.write_bytes(good)
    # Same bytes, new mtime: the products no longer match a stamp, so it rebuilds once.
    assert not _skipped(_build(content, out))
    assert _skipped(_build(content, out))


def test_nothing_changed_does_not_import_the_layout_engine(built):
    # What keeps a no-op rebuild cheap: the stages, WeasyPrint above all, are imported
    # only after the stamp check. Run in a fresh interpreter so earlier imports don't count.
    content, out = built
    code = (
        "import sys; from pathlib import Path; from keikaku.cli import build; "
        f"build(Path({str(content)!r}), Path({str(out)!r}), report=print, docx=False); "
        "print(sorted(m for m in ('weasyprint', 'jinja2', 'markdown_it', 'yaml') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    lines = done.stdout.splitlines()
    assert "nothing changed" in lines[0] and lines[-1] == "[]", done.stdout


def test_editors_own_files_beside_the_content_change_nothing(built):
    """One rule says which names are never content (files.ignored), and every walk keeps
    it: an editor's swap, lock and backup files do not make the next build run again."""
    content, out = built
    for name in (".plan.yaml.swp", "#plan.yaml#", "plan.yaml~", "notes/.a.yaml.swp"):
        (content / name).parent.mkdir(exist_ok=True)
        (content / name).write_text("編集中", "utf-8")
    assert _skipped(_build(content, out))


def test_the_pandoc_is_in_the_stamp_of_a_build_with_the_word_edition(
    content_dir, tmp_path, monkeypatch
):
    """What the end-to-end test below checks by building, on the stamp alone: another
    pandoc binary or another version of its wheel changes the digest of a build with the
    Word edition, and not that of a build without it."""
    from datetime import UTC, datetime

    from keikaku import pandoc
    from keikaku.pipeline import stamp_options

    content, out = content_dir(base=TINY), tmp_path / "out"
    date = datetime(2025, 1, 1, tzinfo=UTC)

    def digests() -> tuple[str, str]:
        return tuple(
            stamp.BuildStamp(
                content,
                out,
                options=stamp_options(final=False, date=date, docx=docx, edition=None),
                reads=stamp.document_scope(None),
            ).digest
            for docx in (True, False)
        )

    word, plain = digests()
    assert word != plain and digests() == (word, plain)
    real = pandoc.executable()
    assert real is not None
    other = tmp_path / "bin" / "pandoc"
    other.parent.mkdir()
    other.write_text(f'#!/bin/sh\nexec "{real}" "$@"\n', encoding="utf-8")
    other.chmod(0o755)
    with monkeypatch.context() as mp:
        mp.setattr(pandoc, "executable", lambda: other)
        swapped = digests()
    assert swapped[0] not in (word, plain) and swapped[1] == plain
    wheel = pandoc.version(pandoc.DISTRIBUTION)
    monkeypatch.setattr(
        pandoc, "version", lambda dist: "99.0" if dist == pandoc.DISTRIBUTION else wheel
    )
    upgraded = digests()
    assert upgraded[0] not in (word, plain, swapped[0]) and upgraded[1] == plain


@pytest.mark.slow
def test_another_pandoc_rebuilds_the_word_edition(content_dir, tmp_path, monkeypatch):
    """The pandoc that writes plan.docx is part of the stamp: another binary in its place,
    or another version of its wheel, rebuilds without --force (and the new stamp holds);
    a build without the Word edition does not depend on it."""
    from keikaku import pandoc

    content, out, plain = content_dir(base=TINY), tmp_path / "out", tmp_path / "no-docx"
    assert not _skipped(_build(content, out, docx=True))
    assert not _skipped(_build(content, plain))
    assert _skipped(_build(content, out, docx=True))
    real = pandoc.executable()
    assert (
        real is not None and real.parent.name == "files" and real.parent.parent.name == "pypandoc"
    )
    other = tmp_path / "bin" / "pandoc"
    other.parent.mkdir()
    other.write_text(f'#!/bin/sh\nexec "{real}" "$@"\n', encoding="utf-8")
    other.chmod(0o755)
    monkeypatch.setattr(pandoc, "executable", lambda: other)
    report = _build(content, out, docx=True)
    assert not _skipped(report), report
    assert _skipped(_build(content, out, docx=True))
    assert _skipped(_build(content, plain))
    wheel = pandoc.version(pandoc.DISTRIBUTION)
    monkeypatch.setattr(
        pandoc, "version", lambda dist: "99.0" if dist == pandoc.DISTRIBUTION else wheel
    )
    assert not _skipped(_build(content, out, docx=True))
    assert _skipped(_build(content, out, docx=True))
    assert _skipped(_build(content, plain))
