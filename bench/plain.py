"""Plain WeasyPrint in a process of its own, with the build's ingredients one at a time:
``python -m bench.plain HTML OUT [--string] [--fetcher CONTENT] [--attach DIR] [--pipeline CONTENT]``.

Without options it is what the ``weasyprint`` command does with the build's PDF options
(``write.PDF_OPTIONS``): read ``HTML`` (a plan.html the build wrote) and write the PDF to
``OUT``. Each option adds one thing the build does and plain WeasyPrint does not:

- ``--string``: hand the HTML over as a string, as the build does, not as a file name;
- ``--fetcher CONTENT``: fetch through ``write.SandboxedFetcher`` (templates/, styles/,
  ``CONTENT``), which reads every file through ``files.read_bytes``;
- ``--attach DIR``: embed ``DIR``'s plan.json and kpi.csv as associated files;
- ``--roomy``: lay out on the build's roomy frame stack (``write.on_roomy_stack``: no
  frame-stack chunk mapped and unmapped over and over, python/cpython#142183);
- ``--pipeline CONTENT``: before the layout, import the pipeline's stages and load,
  validate and render ``CONTENT`` as a build does (cold, in this fresh process).

The benchmark times these processes from outside (wall and CPU, children included).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import weasyprint

from keikaku.write import PDF_OPTIONS, on_roomy_stack


def _pipeline(content: Path, out: Path) -> None:
    """What a build does before the layout: load, validate and render (results unused)."""
    from keikaku import files
    from keikaku.data import data_files
    from keikaku.dates import document_date
    from keikaku.load import load_plan
    from keikaku.pipeline import validate
    from keikaku.render import Renderer
    from keikaku.write import content_href, stylesheet_href

    with files.content_root(content):
        plan = load_plan(content)
        validate(plan, content, final=False, report=lambda _line: None, verbose=False)
    data_files(plan)
    Renderer().render(
        plan,
        stylesheet_href(out),
        document_date(content),
        draft=True,
        content_href=content_href(out, content),
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.plain")
    parser.add_argument("html", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--string", action="store_true")
    parser.add_argument("--fetcher", type=Path, metavar="CONTENT")
    parser.add_argument("--attach", type=Path, metavar="DIR")
    parser.add_argument("--roomy", action="store_true")
    parser.add_argument("--pipeline", type=Path, metavar="CONTENT")
    args = parser.parse_args(argv)

    folder = args.html.resolve().parent
    if args.pipeline:
        _pipeline(args.pipeline, folder)
    source: dict[str, object] = (
        {"string": args.html.read_text("utf-8")} if args.string else {"filename": args.html}
    )
    if args.fetcher:
        from keikaku.paths import STYLES_DIR, TEMPLATES_DIR
        from keikaku.write import SandboxedFetcher

        source["url_fetcher"] = SandboxedFetcher([TEMPLATES_DIR, STYLES_DIR, args.fetcher])
    attachments = None
    if args.attach:
        attachments = [
            weasyprint.Attachment(
                string=(args.attach / name).read_bytes(), name=name, relationship="Data"
            )
            for name in ("plan.json", "kpi.csv")
        ]
    document = weasyprint.HTML(base_url=folder.as_uri() + "/", **source)

    def write() -> None:
        document.write_pdf(args.out, attachments=attachments, **PDF_OPTIONS)

    if args.roomy:
        on_roomy_stack(write)
    else:
        write()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
