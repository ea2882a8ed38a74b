"""公用文 lint: the conventions of 公用文作成の考え方 checked over the whole plan.

Each finding has the file:line:col of the character, the rule's name and a suggested
fix. In a draft build findings are warnings; ``--final`` treats them as errors. Rules
are switched on and off, and tuned, in ``content/lint.yaml``.

The width of digits and Latin letters follows one of two styles (``style:``):
``consistent`` (the default) flags the less used of full-width and half-width forms in
the document; ``mixed-by-length`` follows the common ministry style — digits up to
``max_full`` of them (default 1) full-width and longer numbers half-width (第３章, 令和６年,
2050年); capital abbreviations up to ``max_full`` letters (default 3) full-width and
other Latin text half-width (ＫＰＩ, ＤＸ; Society, i-Construction).

The formal edition's gate (``gate``) groups what blocks it — the 未定事項 and every
finding — by kind, for ``--final`` and ``check``.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import BuildError, Pos, Problem
from .model import Plan, Prose, Text, draft_only_blocks, meta, walk_texts
from .outline import zen
from .sources import locate, printable


@dataclass(frozen=True, kw_only=True)
class LintRule:
    """One rule's settings in content/lint.yaml."""

    enabled: bool = meta("有効", default=True)
    in_draft: bool = meta("素案でも警告する", default=True)
    """False: checked in a final build only (e.g. deliberative phrasing, which a draft is full of)."""
    max: int | None = meta("上限", default=None)
    """For sentence-length: the longest sentence allowed, in characters."""
    style: str = meta(
        "書き方",
        default="consistent",
        doc="width-digits と width-latin だけ: consistent（文書内で多い方に揃える、既定）"
        "または mixed-by-length（数字は max_full 桁まで全角・それより長いものは半角、"
        "英字は max_full 字までの大文字の略語を全角・それ以外は半角）",
    )
    max_full: int | None = meta(
        "全角で書く長さの上限",
        default=None,
        doc="style: mixed-by-length のとき: 全角で書く数字の桁数（既定 1）、"
        "全角で書く略語の字数（既定 3）",
    )


@dataclass(frozen=True, kw_only=True)
class LintConfig:
    """content/lint.yaml: which 公用文 rules run."""

    width_digits: LintRule = meta("数字の全角・半角", default=LintRule())
    width_latin: LintRule = meta("英字の全角・半角", default=LintRule())
    punctuation: LintRule = meta("句読点", default=LintRule())
    brackets: LintRule = meta("括弧の対応", default=LintRule())
    halfwidth_katakana: LintRule = meta("半角カタカナ", default=LintRule())
    deliberative: LintRule = meta("検討段階の文末表現", default=LintRule(in_draft=False))
    sentence_length: LintRule = meta("文の長さ", default=LintRule(max=150))


@dataclass(frozen=True)
class Finding:
    """A place where the content departs from 公用文 conventions."""

    pos: Pos
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.pos}: [{self.rule.replace('_', '-')}] {self.message}"


#: The styles of width-digits and width-latin, and the default max_full of mixed-by-length.
WIDTH_STYLES = ("consistent", "mixed-by-length")
_MAX_FULL = {"width_digits": 1, "width_latin": 3}

_FULL_DIGITS = re.compile(r"[０-９]+")
_HALF_DIGITS = re.compile(r"[0-9]+")
_FULL_LATIN = re.compile(r"[Ａ-Ｚａ-ｚ]+")
_HALF_LATIN = re.compile(r"[A-Za-z]+")
_HALF_KANA = re.compile(r"[\uff61-\uff9f]+")
_DELIBERATIVE = re.compile(r"(?:ではないか|でないか|てはどうか|ではないでしょうか)。?$")
# mixed-by-length: a number with its thousands commas and decimals is one (1,200; 2.0), a
# Latin word with its hyphens (TEC-FORCE, i-Construction) and the digits in it (G7) one.
_FULL_NUMBER = re.compile(r"[０-９]+(?:[，,][０-９]{3})*(?:[．.][０-９]+)?")
_HALF_NUMBER = re.compile(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")
_FULL_WORD = re.compile(
    r"[Ａ-Ｚａ-ｚ０-９]*[Ａ-Ｚａ-ｚ][Ａ-Ｚａ-ｚ０-９]*(?:[－‐-][Ａ-Ｚａ-ｚ０-９]+)*"
)
_HALF_WORD = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_HALF_LETTER = re.compile(r"[A-Za-z]")
_PAIRS = {"「": "」", "（": "）", "『": "』", "【": "】", "(": ")"}
_FOOTNOTE_CALL = re.compile(r"\[\^[A-Za-z0-9_-]+\]")
_LINK_DESTINATION = re.compile(r"\]\((?:[^()\s]|\([^()\s]*\))*\)")


def _to_half(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _to_full(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _texts(plan: Plan) -> Iterator[tuple[Text | Prose, str]]:
    """Each content text with its footnote calls and link destinations blanked out (they
    are markup, not text: the digits of a URL are not the document's digits)."""
    # The reasons of 未定事項 are not linted: the formal edition never prints them.
    for text in walk_texts(plan, reasons=False):
        raw = _FOOTNOTE_CALL.sub(lambda m: "\0" * len(m.group(0)), text.raw)
        yield text, _LINK_DESTINATION.sub(lambda m: "]" + "\0" * (len(m.group(0)) - 1), raw)


class _Linter:
    def __init__(self, plan: Plan, config: LintConfig, final: bool) -> None:
        self.plan, self.config, self.final = plan, config, final
        self.findings: list[Finding] = []

    def on(self, rule: str) -> bool:
        settings: LintRule = getattr(self.config, rule)
        return settings.enabled and (self.final or settings.in_draft)

    def add(self, text: Text | Prose, index: int, rule: str, message: str) -> None:
        self.findings.append(
            Finding(locate(self.plan.sources, text.pos, text.raw, index), rule, message)
        )

    def printed_forms(self, full: re.Pattern, half: re.Pattern) -> dict[str, tuple[str, str, str]]:
        """The words the plan's labels print (【ＫＰＩ】, defaults included), by their
        half-width form: (``full`` or ``half``, the label's key, the word as printed).
        The printed document writes them so on every page they head: the content is
        judged against them, never the other way round."""
        forms: dict[str, tuple[str, str, str]] = {}
        for key, label in self.plan.labels.items():
            raw = re.sub(r"\{[a-z_]+\}", "", label.raw)  # placeholders ({count}) are not text
            for pattern, kind in ((full, "full"), (half, "half")):
                for m in pattern.finditer(raw):
                    forms.setdefault(_to_half(m.group(0)), (kind, key, m.group(0)))
        return forms

    def width(self, rule: str, full: re.Pattern, half: re.Pattern, what: str) -> None:
        """Flag the less used of full-width and half-width forms (公用文作成の考え方 Ⅰ-4-エ),
        judging the document as printed: a word the plan's labels print (ＫＰＩ) takes the
        labels' form, and the other words the more used form among them."""
        printed = self.printed_forms(full, half)
        runs = [(t, m, "full") for t, s in _texts(self.plan) for m in full.finditer(s)]
        runs += [(t, m, "half") for t, s in _texts(self.plan) for m in half.finditer(s)]
        free = [(t, m, kind) for t, m, kind in runs if _to_half(m.group(0)) not in printed]
        counts = Counter(kind for _, _, kind in free)
        majority = "full" if counts["full"] > counts["half"] else "half"
        for text, match, kind in runs:
            run = match.group(0)
            label = printed.get(_to_half(run))
            if label is not None:
                form, key, shown = label
                if kind != form:
                    self.add(
                        text,
                        match.start(),
                        rule,
                        f"{what}「{run}」は、計画の見出しの語（labels の {key}）が「{shown}」と"
                        f"印刷している語です。「{run}」→「{shown}」に統一してください。",
                    )
                continue
            if kind == majority or len(counts) < 2:
                continue
            fixed = _to_full(run) if majority == "full" else _to_half(run)
            self.add(
                text,
                match.start(),
                rule,
                f"{what}の全角・半角が文書内で混在しています（全角{counts['full']}か所、半角{counts['half']}か所）。"
                f"「{run}」→「{fixed}」に統一してください。",
            )

    def digits_by_length(self) -> None:
        """mixed-by-length: numbers of up to ``max_full`` digits full-width (第３章, 令和６年),
        longer ones half-width (2050年, 1,200). A digit inside a Latin name (5G, G7) is
        part of the name, and left as written."""
        limit = self.max_full("width_digits")
        why = (
            f"数字は{zen(limit)}桁までを全角、{zen(limit + 1)}桁以上を半角で書きます"
            "（lint.yaml の width-digits: style: mixed-by-length）。"
        )
        for text, s in _texts(self.plan):
            for m in _FULL_NUMBER.finditer(s):
                run = m.group(0)
                if sum(c.isdigit() for c in run) > limit:
                    self.add(
                        text,
                        m.start(),
                        "width_digits",
                        f"{why}「{run}」→「{_to_half(run)}」にしてください。",
                    )
            for m in _HALF_NUMBER.finditer(s):
                run = m.group(0)
                before, after = s[m.start() - 1 : m.start()], s[m.end() : m.end() + 1]
                if _HALF_LETTER.match(before) or _HALF_LETTER.match(after):
                    continue
                if sum(c.isdigit() for c in run) <= limit:
                    self.add(
                        text,
                        m.start(),
                        "width_digits",
                        f"{why}「{run}」→「{_to_full(run)}」にしてください。",
                    )

    def latin_by_length(self) -> None:
        """mixed-by-length: capital abbreviations of up to ``max_full`` letters full-width
        (ＫＰＩ, ＤＸ), other Latin words half-width (Society, i-Construction, TEC-FORCE)."""
        limit = self.max_full("width_latin")
        why = (
            f"英字は{zen(limit)}字までの大文字の略語（ＫＰＩ、ＤＸ など）を全角、それ以外を半角で書きます"
            "（lint.yaml の width-latin: style: mixed-by-length）。"
        )

        def abbreviation(run: str) -> bool:
            plain = _to_half(run)
            return plain.isascii() and plain.isalpha() and plain.isupper() and len(plain) <= limit

        for text, s in _texts(self.plan):
            for m in _FULL_WORD.finditer(s):
                if not abbreviation(m.group(0)):
                    self.add(
                        text,
                        m.start(),
                        "width_latin",
                        f"{why}「{m.group(0)}」→「{_to_half(m.group(0))}」にしてください。",
                    )
            for m in _HALF_WORD.finditer(s):
                if abbreviation(m.group(0)):
                    self.add(
                        text,
                        m.start(),
                        "width_latin",
                        f"{why}「{m.group(0)}」→「{_to_full(m.group(0))}」にしてください。",
                    )

    def max_full(self, rule: str) -> int:
        settings: LintRule = getattr(self.config, rule)
        return _MAX_FULL[rule] if settings.max_full is None else settings.max_full

    def punctuation(self) -> None:
        pairs = (("、", "，", "読点"), ("。", "．", "句点"))
        for usual, other, name in pairs:
            hits = [(t, m) for t, s in _texts(self.plan) for m in re.finditer(re.escape(other), s)]
            if hits:
                for text, match in hits:
                    self.add(
                        text,
                        match.start(),
                        "punctuation",
                        f"{name}に「{other}」が使われています。文書内では「{usual}」に統一してください。",
                    )

    def brackets(self) -> None:
        closers = {v: k for k, v in _PAIRS.items()}
        for text, s in _texts(self.plan):
            stack: list[tuple[str, int]] = []
            for i, ch in enumerate(s):
                if ch in _PAIRS:
                    stack.append((ch, i))
                elif ch in closers:
                    if stack and stack[-1][0] == closers[ch]:
                        stack.pop()
                    else:
                        self.add(
                            text,
                            i,
                            "brackets",
                            f"閉じ括弧「{ch}」に対応する「{closers[ch]}」がありません。括弧の対応を確かめてください。",
                        )
            for ch, i in stack:
                self.add(
                    text,
                    i,
                    "brackets",
                    f"括弧「{ch}」が閉じられていません。「{_PAIRS[ch]}」を補ってください。",
                )

    def halfwidth_katakana(self) -> None:
        for text, s in _texts(self.plan):
            for m in _HALF_KANA.finditer(s):
                self.add(
                    text,
                    m.start(),
                    "halfwidth_katakana",
                    f"半角カタカナ「{m.group(0)}」は使いません。「{_to_half(m.group(0))}」にしてください。",
                )

    def sentences(self) -> Iterator[tuple[Text | Prose, int, str]]:
        for text, s in _texts(self.plan):
            for m in re.finditer(r"[^。\n]+。?", s):
                yield text, m.start(), m.group(0).replace("\0", "")

    def deliberative(self) -> None:
        for text, index, sentence in self.sentences():
            if _DELIBERATIVE.search(sentence.strip()):
                self.add(
                    text,
                    index,
                    "deliberative",
                    "検討段階の表現（「〜ではないか。」など）が残っています。計画本文の表現（「〜する。」など）に改めてください。",
                )

    def sentence_length(self) -> None:
        limit = self.config.sentence_length.max or 150
        for text, index, sentence in self.sentences():
            if len(sentence) > limit:
                self.add(
                    text,
                    index,
                    "sentence_length",
                    f"一文が{len(sentence)}字あります（上限{limit}字）。二つ以上の文に分けることを検討してください。",
                )

    def run(self) -> list[Finding]:
        if self.on("width_digits"):
            if self.config.width_digits.style == "mixed-by-length":
                self.digits_by_length()
            else:
                self.width("width_digits", _FULL_DIGITS, _HALF_DIGITS, "数字")
        if self.on("width_latin"):
            if self.config.width_latin.style == "mixed-by-length":
                self.latin_by_length()
            else:
                self.width("width_latin", _FULL_LATIN, _HALF_LATIN, "英字")
        for rule in (
            "punctuation",
            "brackets",
            "halfwidth_katakana",
            "deliberative",
            "sentence_length",
        ):
            if self.on(rule):
                getattr(self, rule)()
        return sorted(self.findings, key=lambda f: (f.pos, f.rule))


def lint(plan: Plan, config: LintConfig, *, final: bool) -> list[Finding]:
    """Check the plan against the 公用文 rules switched on in ``config``."""
    for name in ("width_digits", "width_latin"):
        if getattr(config, name).style not in WIDTH_STYLES:
            raise ValueError(
                f"unknown style for {name}: {getattr(config, name).style!r} (see config_errors)"
            )
    return _Linter(plan, config, final).run()


def in_draft(findings: list[Finding], config: LintConfig) -> list[Finding]:
    """The findings of a final lint that a draft reports too (its rules' ``in_draft``)."""
    return [f for f in findings if getattr(config, f.rule).in_draft]


def config_errors(config: LintConfig) -> list[tuple[str, str, str]]:
    """What the types of content/lint.yaml cannot say: a ``style`` width-digits and
    width-latin know, ``style`` and ``max_full`` only on those two, ``max_full`` at least 1.
    Each as (rule, key, message); ``load.load_lint_config`` reports them at their line."""
    wrong: list[tuple[str, str, str]] = []
    for field in dataclasses.fields(config):
        name, rule = field.name, getattr(config, field.name)
        width = name in _MAX_FULL
        if width and rule.style not in WIDTH_STYLES:
            close = difflib.get_close_matches(rule.style, WIDTH_STYLES, n=1)
            hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
            wrong.append(
                (
                    name,
                    "style",
                    f"書き方「{printable(rule.style)}」は使えません。{hint}"
                    f"使えるもの: {', '.join(WIDTH_STYLES)} (unknown style)",
                )
            )
        elif not width and rule.style != "consistent":
            wrong.append(
                (
                    name,
                    "style",
                    "style は width-digits と width-latin にだけ書けます。 (style not used here)",
                )
            )
        if not width and rule.max_full is not None:
            wrong.append(
                (
                    name,
                    "max_full",
                    "max_full は width-digits と width-latin にだけ書けます。"
                    " (max_full not used here)",
                )
            )
        elif rule.max_full is not None and rule.max_full < 1:
            wrong.append(
                (name, "max_full", "max_full は 1 以上の整数で書いてください。 (out of range)")
            )
    return wrong


# ------------------------------------------------------------------ the formal edition's gate

#: What blocks the formal edition, by kind, in the order the gate lists them:
#: (kind, name, English gloss). A lint rule's kind is its name, but for the two widths.
GATE_KINDS = (
    ("pending", "未定事項", "pending items"),
    ("deliberative", "検討段階の表現", "deliberative phrasing: 〜ではないか。"),
    ("width", "表記の揺れ（全角・半角）", "full-width and half-width forms"),
    ("punctuation", "句読点", "punctuation"),
    ("brackets", "括弧", "unbalanced brackets"),
    ("halfwidth_katakana", "半角カタカナ", "half-width katakana"),
    ("sentence_length", "長すぎる文", "long sentences"),
)
_KIND_OF_RULE = {"width_digits": "width", "width_latin": "width"}


@dataclass(frozen=True)
class GateGroup:
    """The blockers of one kind, in the order of their places."""

    kind: str
    name: str
    gloss: str
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Gate:
    """What stands between the content and its formal edition, grouped by kind (only the
    kinds that have any, in the order of ``GATE_KINDS``)."""

    groups: tuple[GateGroup, ...]

    def __bool__(self) -> bool:
        return bool(self.groups)

    @property
    def problems(self) -> list[Problem]:
        return [p for g in self.groups for p in g.problems]

    def counts(self) -> str:
        """「未定事項 41件、検討段階の表現 48件」: one line for a report."""
        return "、".join(f"{g.name} {len(g.problems)}件" for g in self.groups)

    def report(self) -> list[str]:
        """What ``--final`` prints when it refuses: the count of each kind first, then the
        problems, one line each (``file:line:col: …``), under the name of their kind."""
        width = max(_columns(g.name) for g in self.groups)
        lines = [f"正式版を妨げているもの: {len(self.problems)}件 (what blocks the final edition)"]
        lines += [
            f"  {g.name}{' ' * (width - _columns(g.name))}  {len(g.problems):>5}件 ({g.gloss})"
            for g in self.groups
        ]
        for g in self.groups:
            lines.append(f"【{g.name}】{len(g.problems)}件 ({g.gloss})")
            lines.extend(str(p) for p in g.problems)
        return lines


def _columns(text: str) -> int:
    """The width of a text on a terminal: full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def gate(plan: Plan, findings: list[Finding]) -> Gate:
    """Every 未定事項 and every finding (of a final lint), grouped by kind. A 未定事項 in a
    draft-only section does not block: the formal edition does not print it."""
    by_kind: dict[str, list[Problem]] = {kind: [] for kind, _, _ in GATE_KINDS}
    unprinted = draft_only_blocks(plan.parts)
    by_kind["pending"] = [
        Problem(
            p.pos,
            f"未定事項が残っています（{where}）: {p.pending.raw}。"
            "内容が決まってから最終版を作成してください。 (pending item)",
        )
        for where, p in plan.pending
        if id(p) not in unprinted
    ]
    for f in findings:
        by_kind[_KIND_OF_RULE.get(f.rule, f.rule)].append(
            Problem(f.pos, f"[{f.rule.replace('_', '-')}] {f.message}")
        )
    return Gate(
        tuple(
            GateGroup(
                kind, name, gloss, tuple(sorted(by_kind[kind], key=lambda p: (p.pos, p.message)))
            )
            for kind, name, gloss in GATE_KINDS
            if by_kind[kind]
        )
    )


class FinalBlocked(BuildError):
    """``--final`` refused: the problems of the gate, grouped by kind."""

    def __init__(self, blocked: Gate) -> None:
        super().__init__(blocked.problems)
        self.gate = blocked
