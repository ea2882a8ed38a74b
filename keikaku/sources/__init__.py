"""Reading content files: YAML with the position of every value, Markdown fragments.

PyYAML's ``safe_load`` forgets where values came from, silently keeps the last of two
equal keys, expands anchors and aliases (a few hundred bytes of nested aliases take
gigabytes), recurses once per level of nesting and turns ``1.10``, ``yes`` or ``1_000``
into numbers and booleans. Here the file is read as a stream of parser events (libyaml's,
where PyYAML was built with it), and the events are turned, without recursion, into
``YMap``/``YList`` containers that remember the line and column of every key and item and
the source text of every scalar that YAML 1.1 would have coerced, so later stages can
point an editor at ``file:line:col`` and print text as it was written. Anchors, aliases
and tags are refused where they stand, before anything could expand them; so are
nesting deeper than ``limits.MAX_DEPTH``, control characters, and the typing mistakes of
Japanese keyboards (tabs and full-width spaces for indentation, a full-width colon or no
space after a key), each with what to type instead.

The modules: ``text`` reads a file as text and turns offsets into lines and columns,
``parser`` reads YAML into the containers of ``nodes``, ``characters`` refuses the
characters content may not hold and shows a text in a message.
"""

from __future__ import annotations

from .characters import BIDI_CONTROLS, character_problem, printable, refused_characters
from .nodes import YList, YMap
from .parser import parse_yaml
from .text import decode_text, locate, offset_to_pos, pos_to_offset, read_text

__all__ = [
    "BIDI_CONTROLS",
    "YList",
    "YMap",
    "character_problem",
    "decode_text",
    "locate",
    "offset_to_pos",
    "parse_yaml",
    "pos_to_offset",
    "printable",
    "read_text",
    "refused_characters",
]
