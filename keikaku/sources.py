"""Reading content files: YAML with the position of every value, Markdown fragments.

PyYAML's ``safe_load`` forgets where values came from and silently keeps the last of
two equal keys. Here the file is composed into nodes with the safe loader, and the
nodes are turned into ``YMap``/``YList`` containers that remember the line and column
of every key and item, so later stages can point an editor at ``file:line:col``.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml

from .errors import BuildError, Pos, Problem, Problems


class YMap(dict):
    """A YAML mapping that knows where it and each of its keys and values stand."""

    pos: Pos
    key_pos: dict[str, Pos]
    value_pos: dict[str, Pos]

    def at(self, key: str) -> Pos:
        """Where the value of ``key`` stands, or the mapping itself if the key is absent."""
        return self.value_pos.get(key, self.pos)

    def renamed(self, old: str, new: str) -> YMap:
        """A copy with key ``old`` called ``new``, in the same place and order."""
        out = YMap({(new if k == old else k): v for k, v in self.items()})
        out.pos = self.pos
        out.key_pos = {(new if k == old else k): p for k, p in self.key_pos.items()}
        out.value_pos = {(new if k == old else k): p for k, p in self.value_pos.items()}
        return out

    def without(self, *keys: str) -> YMap:
        """A copy without ``keys``."""
        out = YMap({k: v for k, v in self.items() if k not in keys})
        out.pos = self.pos
        out.key_pos = {k: p for k, p in self.key_pos.items() if k not in keys}
        out.value_pos = {k: p for k, p in self.value_pos.items() if k not in keys}
        return out


class YList(list):
    """A YAML sequence that knows where it and each of its items stand."""

    pos: Pos
    item_pos: list[Pos]


def _pos(path: str, mark: yaml.Mark) -> Pos:
    return Pos(path, mark.line + 1, mark.column + 1)


def decode_text(data: bytes, path: str) -> str:
    """Decode a content file as UTF-8 (a BOM is allowed) and normalise line ends."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BuildError(Problem(
            Pos(path, line, col),
            f"UTF-8 として読めないバイト 0x{data[exc.start]:02X} があります。"
            "ファイルを UTF-8 で保存し直してください。"
            " (file is not UTF-8; save it as UTF-8)",
        )) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# libyaml's parser, where PyYAML was built with it, composes the same nodes with the same
# line and column marks as the pure-Python one, about ten times faster: parsing was most of
# the load stage's time. Only the wording of syntax errors differs.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Constructor(_SafeLoader):
    """Safe loader: composes the nodes, and turns scalar nodes into Python values."""


def _construct(node: yaml.Node, path: str, loader: _Constructor, problems: Problems) -> Any:
    if isinstance(node, yaml.MappingNode):
        result = YMap()
        result.pos = _pos(path, node.start_mark)
        result.key_pos, result.value_pos = {}, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                problems.add(_pos(path, key_node.start_mark),
                             "項目名には文字列を書いてください。 (mapping keys must be plain text)")
                continue
            key = str(key_node.value)
            kpos = _pos(path, key_node.start_mark)
            if key in result:
                problems.add(kpos, f"項目「{key}」が {result.key_pos[key].line} 行目と重複しています。"
                             "どちらか一方を削除してください。 (duplicate key)")
                continue
            result[key] = _construct(value_node, path, loader, problems)
            result.key_pos[key] = kpos
            result.value_pos[key] = _pos(path, value_node.start_mark)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = YList(_construct(n, path, loader, problems) for n in node.value)
        items.pos = _pos(path, node.start_mark)
        items.item_pos = [_pos(path, n.start_mark) for n in node.value]
        return items
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problems.add(_pos(path, node.start_mark), f"値を読み取れません: {exc}")
        return None


def parse_yaml(text: str, path: str) -> Any:
    """Parse YAML text into ``YMap``/``YList``/scalars, or raise ``BuildError``.

    Anchors, aliases and tags beyond the safe set are refused by the safe loader;
    an alias simply yields a copy of its anchor's value.
    """
    problems = Problems()
    loader = None
    try:
        loader = _Constructor(text)  # the reader refuses control characters right here
        node = loader.get_single_node()
        if node is None:
            raise BuildError(Problem(Pos(path, 1, 1),
                                     "ファイルが空です。内容を書くか、ファイルを削除してください。 (empty file)"))
        value = _construct(node, path, loader, problems)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _pos(path, mark) if mark else Pos(path, 1, 1)
        what = exc.problem or exc.context or "構文エラー"
        raise BuildError(Problem(
            where,
            f"YAML の書き方に誤りがあります（{what}）。字下げ、「:」の後の空白、引用符の対応を確認してください。"
            " (YAML syntax error)",
        )) from None
    except yaml.reader.ReaderError as exc:
        where = offset_to_pos(text, path, exc.position)
        raise BuildError(Problem(
            where, f"使えない制御文字 U+{exc.character:04X} があります。削除してください。"
            " (control character not allowed in YAML)")) from None
    except yaml.YAMLError as exc:
        raise BuildError(Problem(Pos(path, 1, 1), f"YAML を読み取れません: {exc}")) from None
    finally:
        if loader is not None:
            loader.dispose()
    problems.raise_if_any()
    return value


def read_text(file: Path, shown_as: str) -> str:
    """Read one content file as text; ``shown_as`` is its path in messages."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise BuildError(Problem(Pos(shown_as), "ファイルがありません。作成するか、--content の指定を確かめてください。"
                                 " (file not found)")) from None
    except OSError as exc:
        raise BuildError(Problem(Pos(shown_as), f"ファイルを読めません: {exc.strerror}")) from None
    return decode_text(data, shown_as)


def offset_to_pos(text: str, path: str, offset: int) -> Pos:
    """The line and column of a character offset in ``text``."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Pos(path, line, col)


def pos_to_offset(text: str, pos: Pos) -> int:
    """The character offset of a line and column in ``text`` (0 if out of range)."""
    lines = text.split("\n")
    if not 1 <= pos.line <= len(lines):
        return 0
    return sum(len(line) + 1 for line in lines[: pos.line - 1]) + max(pos.col - 1, 0)


def locate(sources: dict[str, str], start: Pos, raw: str, index: int) -> Pos:
    """Where character ``index`` of the value ``raw`` (which starts at ``start``) stands.

    A scalar may be quoted or folded over several lines, so the character is found by
    searching the source for it with a few characters of context, from the value's start.
    """
    text = sources.get(start.path)
    if text is None:
        return start
    begin = pos_to_offset(text, start)
    for width in (6, 3, 1):
        needle = raw[max(0, index - width + 1): index + 1]
        found = text.find(needle, begin)
        if found >= 0:
            return offset_to_pos(text, start.path, found + len(needle) - 1)
    return start
