"""Files as an attacker meets them: the one way content is read, the one way products are written.

Content is untrusted input. Every content file the build reads — plan.yaml, footnotes.yaml,
lint.yaml, included files, Markdown, images, and the no-op check's digest — is read by
``read_bytes``: opened with ``O_NOFOLLOW | O_NONBLOCK``, ``fstat``-ed, and refused unless it
is a regular file inside the content folder (no symbolic link, FIFO, device, socket or
folder; no symbolic link among the folders above it either), and never read past its size
limit (``limits.py``). So a link to ``/etc/passwd`` is never published, ``/dev/zero`` is never
read to the end, and a FIFO never blocks a build. ``check_content_folder`` walks the content
folder once before anything is read: it refuses links and special files anywhere in it,
a folder too large or with too many files (``--content /`` fails at once), and the file
system root itself.

Products are written as a set (``publish``): each to a temporary file created exclusively,
with an unpredictable name, in the output folder (a planted symbolic link is never
followed); then a journal naming the set is put in place; then each temporary is renamed
onto its product; then the journal is removed. A command killed at any moment leaves
either the old set whole, or a journal from which the next command (``recover``: build,
check, watch, diff) completes the new set; temporaries of killed commands are removed. An
exclusive lock (``flock``) on the output folder keeps two commands from publishing at once,
and the live preview reads products under a shared lock, so it never serves half a set.

Standard library only: the no-op check imports this package and must stay cheap.

The modules: ``reading`` reads a content file, ``folder`` checks and walks the content
folder, ``output`` writes and reads the output folder.
"""

from __future__ import annotations

from .folder import Entry, check_content_folder, check_content_root, ignored, walk
from .output import (
    JOURNAL_NAME,
    OutputError,
    check_output_folder,
    in_output,
    is_product_name,
    is_temporary,
    os_error_problem,
    publish,
    read_product,
    read_state,
    recover,
    stage,
    write_file,
)
from .reading import (
    IMAGE_SUFFIXES,
    TEXT_SUFFIXES,
    Refused,
    content_root,
    current_root,
    read_bytes,
    read_content,
    shown_in,
    shown_path,
)

__all__ = [
    "IMAGE_SUFFIXES",
    "JOURNAL_NAME",
    "TEXT_SUFFIXES",
    "Entry",
    "OutputError",
    "Refused",
    "check_content_folder",
    "check_content_root",
    "check_output_folder",
    "content_root",
    "current_root",
    "ignored",
    "in_output",
    "is_product_name",
    "is_temporary",
    "os_error_problem",
    "publish",
    "read_bytes",
    "read_content",
    "read_product",
    "read_state",
    "recover",
    "shown_in",
    "shown_path",
    "stage",
    "walk",
    "write_file",
]
