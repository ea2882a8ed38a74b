"""The loader's first layer: the state every part of it shares, how it reports a problem
(``file:line:col`` and the field path), how it reads a content file (YAML with the
position of every value) and resolves a path inside the content folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .. import model
from ..errors import BuildError, Pos, Problems
from ..files import shown_in, shown_path
from ..markup import Markup2Html
from ..model import Pending, Text
from ..sources import YList, YMap, parse_yaml, printable, read_text, refused_characters
from .names import KNOWN_KEYS


def _kind_of(value: Any) -> str:
    if isinstance(value, YMap):
        return "項目の組"
    if isinstance(value, YList):
        return "一覧"
    if value is None:
        return "空"
    return f"「{printable(str(value))}」"


class Reading:
    """The loader's state, its problems, and its reading of files (the base of ``Loader``)."""

    def __init__(self, content_dir: Path, markup: Markup2Html | None = None) -> None:
        self.root = content_dir.resolve()
        self.shown_root = shown_path(content_dir)
        self.md = markup or Markup2Html()
        self.problems = Problems()
        self.ids: dict[str, tuple[str, Pos]] = {}
        self.refs: list[tuple[str, str, Pos, str, str]] = []
        self.pending: list[tuple[str, Pending]] = []
        self._titles: list[str] = []
        self._path: list[str] = []
        self.sources: dict[str, str] = {}
        self.unreadable: list[str] = []
        self.vision_titles: dict[str, str] = {}
        self.labels_raw: dict[str, str] = dict(model.DEFAULT_LABELS)
        self.images: set[str] = set()
        self.included: dict[str, str] = {}
        self.include_stack: list[str] = []
        self.depth = 0  # blocks being built, one inside the other (across includes)
        # Whether the value being converted may be left out (an optional field, an item of
        # a list or of labels): an empty one is then to be written or deleted, otherwise
        # only written.
        self.removable = True
        # An edition (editions.py): the labels it inherits from the national plan, and
        # the national entities its own content may name (visions of national 重点目標).
        self.base_labels: dict[str, Text] = {}
        self.base_visions: dict[str, model.Vision] = {}

    def field_path(self) -> str:
        """Where in the file's structure the current value is: ``groups[0].packages[2].kpis``."""
        return "".join(p if p.startswith("[") else f".{p}" for p in self._path).lstrip(".")

    def add(self, pos: Pos, message: str, path: str | None = None) -> None:
        """Report a problem, prefixed with the field path so the editor finds the value."""
        where = printable(self.field_path() if path is None else path, 300)
        self.problems.add(pos, f"{where}: {message}" if where else message)

    # ------------------------------------------------------------------ files

    def shown(self, rel: str) -> str:
        return shown_in(self.shown_root, rel)

    def read(self, rel: str) -> Any:
        shown = self.shown(rel)
        try:
            text = read_text(self.root / rel, shown, root=self.root)
            self.sources[shown] = text
            return parse_yaml(text, shown, KNOWN_KEYS)
        except BuildError as exc:
            self.problems.items.extend(exc.problems)
            self.unreadable.append(shown)
            return None

    def resolve(self, rel: str, pos: Pos, what: str, suffix: str | tuple[str, ...]) -> Path | None:
        """A path inside the content directory, or ``None`` after reporting why not."""
        if "\n" in rel or any(refused_characters(rel)):
            self.add(
                pos,
                f"{what}「{printable(rel)}」に改行や制御文字があります。ファイル名だけを書いてください。"
                " (control character in a path)",
            )
            return None
        if not rel or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", rel):
            self.add(
                pos,
                f"{what}「{printable(rel)}」は content/ の中の相対パスで書いてください。"
                " (must be a relative path inside the content directory)",
            )
            return None
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root):
            self.add(
                pos,
                f"{what}「{printable(rel)}」は content/ の外を指しています。content/ の中のファイルを指定してください。"
                " (path leaves the content directory)",
            )
            return None
        if not rel.lower().endswith(suffix):
            kinds = "・".join(suffix) if isinstance(suffix, tuple) else suffix
            self.add(
                pos,
                f"{what}「{printable(rel)}」は {kinds} ファイルを指定してください。 (wrong file type)",
            )
            return None
        if not target.is_file():
            self.add(
                pos,
                f"{what}「{printable(rel)}」が見つかりません。ファイル名を確かめるか、ファイルを作成してください。"
                " (file not found)",
            )
            return None
        return target
