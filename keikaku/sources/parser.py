"""YAML read as a stream of parser events, without recursion, into ``YMap``/``YList``
(``nodes``) with the position of every value; anchors, aliases, tags, deep nesting and
the typing mistakes of Japanese keyboards refused where they stand (``parse_yaml``)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, TypeAlias

import yaml

from ..errors import Pos, Problem, Problems
from ..limits import MAX_DEPTH, MAX_PROBLEMS_PER_FILE
from .characters import _REFUSED, character_problem, printable, refused_characters
from .nodes import YList, YMap

if TYPE_CHECKING:
    from yaml._yaml import Mark as _CMark

    #: A parser event's mark: libyaml's parser gives its own ``Mark`` class.
    _Mark: TypeAlias = yaml.Mark | _CMark


def _pos(path: str, mark: _Mark) -> Pos:
    return Pos(path, mark.line + 1, mark.column + 1)


def _start(event: yaml.Event) -> _Mark:
    """Where ``event`` starts. The parser marks every event it gives (the stubs allow
    ``None``, for events made by hand)."""
    assert event.start_mark is not None
    return event.start_mark


def _end(event: yaml.Event) -> _Mark:
    """Where ``event`` ends (see ``_start``)."""
    assert event.end_mark is not None
    return event.end_mark


class _Lines:
    """Line starts of a text, to turn line and column into offsets and back."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def offset(self, line0: int, col0: int) -> int:
        if line0 >= len(self.starts):
            return len(self.text)
        return min(self.starts[line0] + col0, len(self.text))

    def pos(self, path: str, offset: int) -> Pos:
        line0 = bisect.bisect_right(self.starts, offset) - 1
        return Pos(path, line0 + 1, offset - self.starts[line0] + 1)

    def line(self, line0: int) -> str:
        if not 0 <= line0 < len(self.starts):
            return ""
        end = self.starts[line0 + 1] - 1 if line0 + 1 < len(self.starts) else len(self.text)
        return self.text[self.starts[line0] : end]


# ------------------------------------------------------------------ YAML

# libyaml's parser, where PyYAML was built with it, gives the same events with the same
# line and column marks as the pure-Python one, about ten times faster: parsing was most
# of the load stage's time. Only the wording of syntax errors differs (both are known below).
_Parser = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
#: The types YAML 1.1 turns a plain scalar into; anything else stays text.
_COERCED = {f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")}

_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
_INDENT = re.compile(r"^[ ]*(?:-[ ]+)*")
#: What a line of YAML structure starts with (after its indentation): a list item or a key.
_STRUCTURE = re.compile(r"^(?:-(?:[ \t\u3000]|$)|[^\s:：#\-][^:：]*[:：](?:[ \t\u3000]|$))")
#: Where the value of a line starts: after its indentation, list dashes and ``key: ``.
_VALUE_START = re.compile(r"^[ ]*(?:-[ ]+)*(?:[^\s:#\[{\"'][^:]*:[ ]+)?")
_FULLWIDTH_COLON = re.compile(rf"^({_KEY})[ \u3000]*：")
_NO_SPACE = re.compile(rf"^({_KEY}):(?=[^\s/:])")

_TAB_INDENT = (
    "タブ文字は字下げに使えません。半角空白に置き換えてください。 (tab used for indentation)"
)
_FULLWIDTH_INDENT = (
    "全角空白は字下げに使えません。半角空白に置き換えてください。"
    " (full-width space used for indentation)"
)


def _fullwidth_colon(key: str) -> str:
    return (
        f"項目名「{printable(key)}」の後が全角の「：」になっています。半角の「:」と半角空白にしてください"
        f"（例: {printable(key)}: 値）。 (full-width colon after a key)"
    )


def _no_space(key: str) -> str:
    return (
        f"「{printable(key)}:」の「:」の後に半角空白がありません。「{printable(key)}: 値」のように"
        "「:」の後に半角空白を入れてください。 (no space after ':')"
    )


_LIST_INDENT = (
    "一覧の項目「- 」の字下げが揃っていません。同じ一覧の項目は「- 」の位置を前の項目と揃えてください"
    "（下の段の一覧なら、親の項目名より深く字下げします）。 (list item indented wrongly)"
)
_KEY_INDENT = (
    "この行の字下げが揃っていません。同じ組の項目は前の項目と同じ位置から書いてください"
    "（「- 」の項目の中なら「- 」の後の文字の位置）。 (key indented wrongly)"
)


def _shown_tag(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:") :] if tag.startswith("tag:yaml.org,2002:") else tag


#: Escapes of double-quoted YAML (YAML 1.1, 5.7), to find where a character was written.
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", re.S)
_ESCAPES = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}


class _Stop(Exception):
    """The file cannot be read further; its problems are in ``_Reader.problems``."""


class _Frame:
    __slots__ = ("container", "key", "key_pos", "mark")

    def __init__(self, container: YMap | YList, mark: _Mark) -> None:
        self.container = container
        self.mark = mark
        self.key: Any = _EXPECT_KEY
        self.key_pos: Pos | None = None


_EXPECT_KEY = object()  # the next value of a mapping is a key
_SKIP = object()  # the next value of a mapping belongs to a refused key: dropped


class _Reader:
    """Turns the parser events of one YAML file into ``YMap``/``YList``/scalars."""

    def __init__(self, text: str, path: str, keys: Collection[str]) -> None:
        self.text, self.path, self.keys = text, path, keys
        self.lines = _Lines(text)
        self.problems = Problems()

    # -------------------------------------------------------------- reporting

    def at(self, mark: _Mark) -> Pos:
        return _pos(self.path, mark)

    def add(self, pos: Pos, message: str) -> None:
        if Problem(pos, message) in self.problems.items:
            return  # seen as a scalar, then again in the parser's complaint
        self.problems.add(pos, message)
        if len(self.problems.items) >= MAX_PROBLEMS_PER_FILE:
            self.problems.add(
                pos,
                f"このファイルには問題が多すぎるため（{MAX_PROBLEMS_PER_FILE}件）、ここで確認を"
                "やめました。上の問題を直してから、もう一度確かめてください。 (too many problems)",
            )
            raise _Stop

    def fail(self, pos: Pos, message: str) -> None:
        if Problem(pos, message) not in self.problems.items:
            self.problems.add(pos, message)
        raise _Stop

    # -------------------------------------------------------------- characters

    def prescan(self) -> None:
        """Refused characters anywhere in the file (comments too), each at its place.
        Before parsing: YAML would count U+2028 or U+0085 as line ends, and report the
        others without their place or not at all."""
        seen: dict[str, int] = {}
        for match in _REFUSED.finditer(self.text):
            ch = match.group(0)
            seen[ch] = seen.get(ch, 0) + 1
            if seen[ch] <= 3:  # the first few of each kind: enough to find them all
                self.add(self.lines.pos(self.path, match.start()), character_problem(ch))
        if self.problems:
            raise _Stop

    def char_pos(self, event: yaml.ScalarEvent, ch: str) -> tuple[Pos, str]:
        """Where character ``ch`` of a scalar was written, and how (if by an escape)."""
        start_mark, end_mark = _start(event), _end(event)
        start = self.lines.offset(start_mark.line, start_mark.column)
        end = self.lines.offset(end_mark.line, end_mark.column)
        found = self.text.find(ch, start, end)
        if found >= 0:
            return self.lines.pos(self.path, found), ""
        if event.style == '"':
            for m in _ESCAPE.finditer(self.text, start, end):
                code = m.group(1)
                decoded = (
                    _ESCAPES.get(code) if len(code) == 1 else chr(min(int(code[1:], 16), 0x10FFFF))
                )
                if decoded == ch:
                    return self.lines.pos(self.path, m.start()), m.group(0)
        return self.at(start_mark), ""

    # -------------------------------------------------------------- typing mistakes

    def mistake_in_line(self, line0: int, generic: bool = True) -> tuple[Pos, str] | None:
        """A typing mistake of a Japanese keyboard at the start of line ``line0``: a tab or
        a full-width space in the indentation, a full-width colon or no space after a key.
        ``generic``: any key-like word counts, not only the model's field names."""
        line = self.lines.line(line0)
        lead = re.match(r"^[ \t\u3000]*(?:-[ \t\u3000]+)*", line)
        indent = lead.group(0) if lead else ""
        structure = _STRUCTURE.match(line[len(indent) :])
        for ch, message in (("\t", _TAB_INDENT), ("\u3000", _FULLWIDTH_INDENT)):
            if ch in indent and structure:
                return Pos(self.path, line0 + 1, indent.index(ch) + 1), message
        rest = line[len(indent) :]
        for pattern, explain in ((_FULLWIDTH_COLON, _fullwidth_colon), (_NO_SPACE, _no_space)):
            m = pattern.match(rest)
            if m and (generic or m.group(1) in self.keys):
                colon = rest.index("：" if pattern is _FULLWIDTH_COLON else ":")
                return Pos(self.path, line0 + 1, len(indent) + colon + 1), explain(m.group(1))
        return None

    def previous_content_line(self, line0: int) -> int:
        """The nearest line above ``line0`` with something on it other than a comment."""
        for ln in range(line0 - 1, -1, -1):
            stripped = self.lines.line(ln).strip(" \t")
            if stripped and not stripped.startswith("#"):
                return ln
        return line0

    def syntax_problem(self, exc: yaml.MarkedYAMLError) -> tuple[Pos, str]:
        """The YAML parser's complaint, turned into where the editor's mistake is and what
        to type instead. The parser often notices a mistake a line late, or only as a
        consequence: the lines from the one it was reading back to the error are examined."""
        mark = exc.problem_mark or exc.context_mark
        if mark is None:
            return Pos(
                self.path, 1, 1
            ), f"YAML の書き方に誤りがあります。 (YAML syntax error: {printable(str(exc))})"
        problem = exc.problem or exc.context or ""
        context = exc.context_mark
        line0 = mark.line
        first = self.previous_content_line(line0)
        if context is not None and "simple key" in (exc.context or ""):
            first = min(first, context.line)
        for ln in range(first, line0 + 1):
            found = self.mistake_in_line(ln)
            if found:
                return found
        line = self.lines.line(line0)
        here = self.at(mark)
        ch = line[mark.column] if mark.column < len(line) else ""
        indentation = _INDENT.match(line)
        lead = len(indentation.group(0)) if indentation else 0
        first_char = Pos(self.path, line0 + 1, len(line) - len(line.lstrip(" ")) + 1)
        english = f" (YAML syntax error: {printable(problem)})"
        if "tab character" in problem or (ch == "\t" and "cannot start any token" in problem):
            return here, "タブ文字は使えません。半角空白に置き換えてください。 (tab character)"
        if "cannot start any token" in problem or "cannot start a plain scalar" in problem:
            return here, (
                f'「{printable(ch)}」で始まる値は、値全体を引用符 "…" で囲んでください。'
                f" (a value may not start with {printable(ch)!r})"
            )
        if problem.startswith("mapping values are not allowed"):
            if ":" in line[lead : mark.column].replace("://", ""):
                return here, (
                    '値の中に「: 」（コロンと空白）があります。値全体を引用符 "…" で囲むか、'
                    "全角の「：」にしてください。 (': ' inside a value)"
                )
            previous = self.previous_content_line(line0)
            if previous != line0 and ":" not in self.lines.line(previous).replace("://", ""):
                prev = self.lines.line(previous)
                return (
                    Pos(self.path, previous + 1, len(prev) - len(prev.lstrip(" ")) + 1),
                    "この行に「項目名: 値」の「:」がありません。項目名の後に半角の「:」と半角空白を書いてください。"
                    " (missing ':' after a key)",
                )
            return first_char, _KEY_INDENT
        before = line[mark.column - 1] if 0 < mark.column <= len(line) else ""
        if before in "]}\"'" and before and line[: mark.column].strip(" "):
            # Text after a closed flow collection or quotes: a value that starts with
            # 「[」 (a Markdown link), 「{」 or a quote, and goes on after it.
            value = _VALUE_START.match(line)
            start = value.end() if value and value.end() < mark.column else mark.column - 1
            example = (
                "引用符の中の引用符は「」にしてください"
                if before in "\"'"
                else '例: "[資料](https://…)を参照"'
            )
            return Pos(self.path, line0 + 1, start + 1), (
                f"「{printable(line[start])}」で始まる値は、閉じの「{printable(before)}」の後に続きを書けません"
                f'（YAML の一覧・組・引用として読まれます）。値全体を引用符 "…" で囲んでください（{example}）。'
                " (text after a closed bracket or quote)"
            )
        if problem.startswith("block sequence entries are not allowed"):
            return here, (
                "「- 」で始まる一覧は、項目名と同じ行には書けません。「:」の後で改行し、字下げしてから"
                "「- 」を書いてください。 (a list on the line of its key)"
            )
        if (
            problem in ("did not find expected key", "did not find expected '-' indicator")
            or problem.startswith("expected <block end>")
        ) and _STRUCTURE.match(line.lstrip(" ")):
            if line.lstrip(" ").startswith("-"):
                return first_char, _LIST_INDENT
            return first_char, _KEY_INDENT
        if problem.startswith("could not find expected ':'") and context is not None:
            return self.at(context), (
                "この行に「項目名: 値」の「:」がありません。項目名の後に半角の「:」と半角空白を"
                "書くか、前の行の続きなら字下げを前の行の値に揃えてください。 (missing ':')"
            )
        if (
            (
                "end of stream" in problem
                or "document indicator" in problem
                or "document separator" in problem
            )
            and "quoted scalar" in (exc.context or "")
            and context is not None
        ):
            return self.at(context), (
                "引用符が閉じられていません。この引用符に対応する閉じの引用符を書いてください。"
                " (unclosed quotes)"
            )
        if problem.startswith("did not find expected ','") and context is not None:
            opening = "[" if "]" in problem else "{"
            closing = "]" if "]" in problem else "}"
            return here, (
                f"YAML の書き方に誤りがあります: {context.line + 1}行{context.column + 1}列の「{opening}」に"
                f"対応する「{closing}」がないか、項目の間の「,」が抜けています。{english}"
            )
        if "escape" in problem:
            return here, (
                '引用符 "…" の中の「\\」の使い方に誤りがあります。「\\」そのものは「\\\\」と書くか、'
                "値を引用符 '…' で囲んでください。 (unknown escape in double quotes)"
            )
        if "tag" in problem or (exc.context or "").endswith("tag"):
            return (
                here,
                "YAML のタグ（「!」で始まる語）は使えません。削除してください。 (YAML tags are not allowed)",
            )
        if "anchor" in (exc.context or "") or "alias" in (exc.context or ""):
            return here, _anchor_message("&" if "anchor" in (exc.context or "") else "*", "")
        if "but found another document" in problem or "single document" in (exc.context or ""):
            return here, _SECOND_DOCUMENT
        return here, (
            "YAML の書き方に誤りがあります。字下げ、「:」の後の空白、引用符の対応を確認してください。"
            f"{english}"
        )

    # -------------------------------------------------------------- building

    def read(self) -> Any:
        self.prescan()
        parser = None
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        aliases: set[tuple[str, int]] = set()
        try:
            while True:
                try:
                    if parser is None:
                        parser = _Parser(self.text)
                    event = parser.get_event()
                except yaml.MarkedYAMLError as exc:
                    self.fail(*self.syntax_problem(exc))
                except yaml.reader.ReaderError as exc:
                    where = self.lines.pos(self.path, exc.position)
                    self.problems.add(
                        where,
                        f"使えない文字 U+{exc.character:04X} があります。削除してください。"
                        " (character not allowed in YAML)",
                    )
                    raise _Stop from None
                if isinstance(event, yaml.StreamEndEvent):
                    break
                if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                    continue
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        self.fail(self.at(_start(event)), _SECOND_DOCUMENT)
                    continue
                if isinstance(event, yaml.AliasEvent):
                    anchor = event.anchor or ""  # an alias always names its anchor
                    start = _start(event)
                    if (anchor, start.line) not in aliases:  # once per line
                        aliases.add((anchor, start.line))
                        self.add(self.at(start), _anchor_message("*", anchor))
                    root = self.attach(stack, None, event, None, root)
                    continue
                if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                    frame = stack.pop()
                    root = self.attach(stack, frame.container, None, None, root, frame.mark)
                    continue
                if event.anchor is not None:
                    self.add(self.at(_start(event)), _anchor_message("&", event.anchor))
                if event.tag is not None:
                    self.add(
                        self.at(_start(event)),
                        f"YAML のタグ「{printable(_shown_tag(event.tag))}」は使えません。タグを削除して値だけを"
                        '書いてください（数字などを文字として扱わせるなら引用符 "…" で囲みます）。'
                        " (YAML tags are not allowed)",
                    )
                if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                    if len(stack) >= MAX_DEPTH:
                        self.fail(
                            self.at(_start(event)),
                            f"入れ子が深すぎます（{MAX_DEPTH}段まで）。字下げや括弧の対応を確かめ、構造を浅くしてください。"
                            " (nesting too deep)",
                        )
                    container: YMap | YList
                    if isinstance(event, yaml.MappingStartEvent):
                        container = YMap()
                        container.key_pos, container.value_pos, container.source = {}, {}, {}
                    else:
                        container = YList()
                        container.item_pos, container.item_source = [], []
                    container.pos = self.at(_start(event))
                    stack.append(_Frame(container, _start(event)))
                    continue
                value, source = self.scalar(event, stack)
                root = self.attach(stack, value, event, source, root)
        finally:
            if parser is not None:
                parser.dispose()
        if root is None:
            self.fail(
                Pos(self.path, 1, 1),
                "ファイルが空です（値がありません）。内容を書くか、ファイルを削除してください。"
                " (empty file)",
            )
        return root

    def scalar(self, event: yaml.ScalarEvent, stack: list[_Frame]) -> tuple[Any, str | None]:
        """A scalar's value, and its text as written where YAML 1.1 would coerce it."""
        text = event.value
        for _index, ch in refused_characters(text):
            where, written = self.char_pos(event, ch)
            self.add(where, character_problem(ch, written))
        start = _start(event)
        top = stack[-1] if stack else None
        is_key = top is not None and isinstance(top.container, YMap) and top.key is _EXPECT_KEY
        plain = not event.style
        if is_key:
            self.check_key(event, text)
        elif (
            plain
            and (top is None or isinstance(top.container, YList))
            and (":" in text or "：" in text)
        ):
            # A list item (or a whole file) written as "key：value" or "key:value": YAML
            # reads a text where the editor meant a key and its value.
            found = self.mistake_in_line(start.line, generic=top is None)
            if found and found[0].col - 1 > start.column:
                self.add(*found)
        if plain and _end(event).line > start.line:
            self.check_continuation(event)
        if not plain or event.tag is not None:
            return text, None
        tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
        if tag not in _COERCED:
            return text, None
        try:
            # The stubs of ``ScalarNode`` know only the pure-Python ``Mark``; libyaml's
            # composer gives its nodes its own ``Mark`` too, as here.
            node = yaml.ScalarNode(tag, text, start, _end(event))  # type: ignore[arg-type]
            value = _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError):
            return text, None  # e.g. an impossible date, or an integer of 5,000 digits
        return value, text

    def check_key(self, event: yaml.ScalarEvent, key: str) -> None:
        start = _start(event)
        if "\u3000" in key:
            offset = key.index("\u3000")
            where = (
                Pos(self.path, start.line + 1, start.column + 1 + offset)
                if not event.style
                else self.at(start)
            )
            if key.startswith("\u3000"):
                self.add(where, _FULLWIDTH_INDENT)
            else:
                self.add(
                    where,
                    f"項目名「{printable(key)}」に全角空白があります。全角空白を削除するか、"
                    "半角空白にしてください。 (full-width space in a key)",
                )
            return
        m = (_FULLWIDTH_COLON.match(key) or _NO_SPACE.match(key)) if not event.style else None
        if m and m.group(1) in self.keys:
            colon = key.index("：" if "：" in m.group(0) else ":")
            where = Pos(self.path, start.line + 1, start.column + 1 + colon)
            self.add(where, (_fullwidth_colon if "：" in m.group(0) else _no_space)(m.group(1)))

    def check_continuation(self, event: yaml.ScalarEvent) -> None:
        """A plain scalar over several lines whose next line starts with "- ": a list item
        indented so that YAML reads it as more words of the value above."""
        for line0 in range(_start(event).line + 1, _end(event).line + 1):
            line = self.lines.line(line0)
            stripped = line.lstrip(" ")
            if stripped.startswith("- ") or stripped == "-":
                self.add(Pos(self.path, line0 + 1, len(line) - len(stripped) + 1), _LIST_INDENT)
                return

    def attach(
        self,
        stack: list[_Frame],
        value: Any,
        event: yaml.Event | None,
        source: str | None,
        root: Any,
        mark: _Mark | None = None,
    ) -> Any:
        """Put a finished value into the container being read; returns the file's root.
        Where it stands is ``event``'s start, or ``mark`` (a container's) without one."""
        mark = mark if event is None else _start(event)
        assert mark is not None
        if not stack:
            return value
        frame = stack[-1]
        container = frame.container
        pos = self.at(mark)
        if isinstance(container, YList):
            container.append(value)
            container.item_pos.append(pos)
            container.item_source.append(source)
            return root
        if frame.key is _EXPECT_KEY:
            if not isinstance(event, yaml.ScalarEvent):
                self.add(
                    pos, "項目名には文字列を書いてください。 (mapping keys must be plain text)"
                )
                frame.key = _SKIP
                return root
            key = event.value
            if key in container:
                self.add(
                    pos,
                    f"項目「{printable(key)}」が {container.key_pos[key].line} 行目と重複しています。"
                    "どちらか一方を削除してください。 (duplicate key)",
                )
                frame.key = _SKIP
                return root
            frame.key, frame.key_pos = key, pos
            return root
        key, frame.key = frame.key, _EXPECT_KEY
        if key is _SKIP:
            return root
        assert frame.key_pos is not None  # set with the key
        container[key] = value
        container.key_pos[key] = frame.key_pos
        container.value_pos[key] = pos
        if source is not None:
            assert isinstance(container.source, dict)  # every mapping read gets its own
            container.source[key] = source
        return root


_SECOND_DOCUMENT = (
    "一つのファイルに文書が二つ以上あります（「---」の行で区切られています）。"
    "「---」の行を削除して一つにしてください。 (more than one YAML document)"
)


def _anchor_message(sign: str, name: str) -> str:
    what = "アンカー" if sign == "&" else "別名（エイリアス）"
    english = "anchors" if sign == "&" else "aliases"
    return (
        f"YAML の{what}「{sign}{printable(name)}」は使えません。同じ内容が必要なら、その場所にもう一度"
        f"書いてください。 (YAML {english} are not allowed)"
    )


def parse_yaml(text: str, path: str, keys: Collection[str] = ()) -> Any:
    """Parse YAML text into ``YMap``/``YList``/scalars, or raise ``BuildError`` with every
    problem of the file (up to ``limits.MAX_PROBLEMS_PER_FILE``).

    Anchors, aliases and tags are refused where they are written, before anything could
    expand them; nesting deeper than ``limits.MAX_DEPTH`` is refused where it goes too deep.
    ``keys`` are the field names the file may use: a list item or key that reads
    ``name:value`` or ``name：value`` with one of them is reported as the typing mistake
    it is (YAML would silently read it as text).
    """
    reader = _Reader(text, path, keys)
    try:
        value = reader.read()
    except _Stop:
        value = None
    reader.problems.raise_if_any()
    return value
