"""One full build in a fresh process: ``python -m bench.child CONTENT OUT [--no-docx]``.

Prints one JSON line: the build's wall and CPU seconds (imports excluded, the same for
every size),
this process's peak resident set size and the number of pages. Each plan size runs in
its own process so that one size's peak memory cannot hide in another's.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import pypdf

from keikaku.cli import build


def main(argv: list[str]) -> int:
    docx = "--no-docx" not in argv
    content, out = (Path(arg) for arg in argv if arg != "--no-docx")
    started, cpu = time.perf_counter(), time.process_time()
    build(content, out, report=lambda _line: None, warn=lambda _line: None, docx=docx)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    pages = len(pypdf.PdfReader(out / "plan.pdf").pages)
    print(
        json.dumps(
            {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_bytes": peak, "pages": pages}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
