"""Typst, the fastest peer, on the same text: a reference line of the benchmark, no target.

``python -m bench.typst_ref HTML OUT`` converts ``HTML`` (a plan.html the build wrote) to
Typst markup with the pinned pandoc (pypandoc-binary), mends what pandoc's Typst writer
leaves that Typst 0.14+ refuses (``image.decode``, removed from Typst; links to the
footnote anchors pandoc drops), and typesets it with the ``typst`` package, with the
plan's vendored faces only (styles/fonts) on A4, writing ``OUT``. It prints one line of
JSON: the seconds of the conversion and of the typesetting, and the pages.

It tells users and us how far the layout engine is from the fastest peer on the same
text; it is not the plan's typesetting (no running heads, no 目次 page numbers, its own
line breaking), and nothing is built with it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pypdf

from keikaku import pandoc
from keikaku.paths import STYLES_DIR

#: The page and face around the converted text.
PREAMBLE = """\
#let decoded-image(data, ..args) = image(bytes(data), ..args)
#set text(font: "BIZ UDMincho", lang: "ja")
#set page(paper: "a4")
"""


def mend(markup: str) -> str:
    """Pandoc's Typst as Typst 0.14+ takes it: ``image.decode`` (removed) through a
    function of the preamble, and a link to a label the text does not define as its
    text alone."""
    markup = markup.replace("image.decode(", "decoded-image(")
    defined = set(re.findall(r"<([^<>\s]+)>\s*$", markup, re.M))
    defined |= set(re.findall(r"\]\s*<([^<>\s]+)>", markup))

    def link(m: re.Match[str]) -> str:
        return m.group(0) if m.group(1) in defined else "#["

    return PREAMBLE + re.sub(r"#link\(<([^<>\s]+)>\)\[", link, markup)


def main(argv: list[str]) -> int:
    import typst  # a developers' tool (requirements-dev.lock), not the build's

    html, out = Path(argv[0]), Path(argv[1])
    started = time.perf_counter()
    executable = pandoc.executable()
    if executable is None:
        print("pandoc is missing: run make setup", file=sys.stderr)
        return 1
    markup = subprocess.run(
        [str(executable), "--sandbox", "-f", "html", "-t", "typst", str(html)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    converted = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="keikaku-typst-") as tmp:
        source = Path(tmp) / "plan.typ"
        source.write_text(mend(markup), "utf-8")
        typst.compile(
            str(source),
            output=str(out),
            root=tmp,
            font_paths=[str(STYLES_DIR / "fonts")],
            ignore_system_fonts=True,
        )
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "convert_seconds": converted - started,
                "typeset_seconds": done - converted,
                "pages": len(pypdf.PdfReader(out).pages),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
