"""Write stage: lay out the HTML with WeasyPrint and write PDF and HTML atomically.

Each product is written to a temporary file in the output directory and moved into
place with ``os.replace`` only when the whole build has succeeded, so a failed build
leaves the previous ``plan.pdf`` untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import weasyprint

from .render import STYLES_DIR


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_path(out_dir: Path, name: str) -> Path:
    fd, path = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=out_dir)
    # mkstemp creates files readable by the owner only; products are for everyone.
    os.fchmod(fd, 0o666 & ~_umask())
    os.close(fd)
    return Path(path)


#: The options ``layout_pdf`` passes to ``write_pdf``; the benchmark (bench/) imports them
#: so that its plain-WeasyPrint baseline always lays out with exactly the same options.
PDF_OPTIONS: dict[str, object] = {
    "pdf_variant": None,
    "uncompressed_pdf": False,
    "custom_metadata": False,
}


def layout_pdf(html: str, base_url: str) -> bytes:
    """Lay out the document and return the PDF's bytes."""
    document = weasyprint.HTML(string=html, base_url=base_url)
    return document.write_pdf(**PDF_OPTIONS)


def publish(out_dir: Path, products: dict[str, bytes]) -> list[Path]:
    """Write every product to a temporary file, then move them all into place."""
    out_dir.mkdir(parents=True, exist_ok=True)
    temps: dict[str, Path] = {}
    try:
        for name, data in products.items():
            tmp = _temp_path(out_dir, name)
            temps[name] = tmp
            tmp.write_bytes(data)
        written = []
        for name, tmp in temps.items():
            os.replace(tmp, out_dir / name)
            written.append(out_dir / name)
        return written
    finally:
        for tmp in temps.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def stylesheet_href(out_dir: Path) -> str:
    """The stylesheet's URL relative to the output directory (used by PDF and HTML alike)."""
    rel = os.path.relpath(STYLES_DIR / "plan.css", out_dir.resolve())
    return Path(rel).as_posix()
