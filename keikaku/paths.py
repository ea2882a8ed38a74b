"""Where the project's own folders are. The layout engine may read files only here
and in the content directory (see ``write.sandboxed_fetcher``)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STYLES_DIR = PROJECT_ROOT / "styles"
