"""公用文 lint: the conventions of 公用文作成の考え方 checked over the whole plan.

Each finding has the file:line:col of the character, the rule's name and a suggested
fix. In a draft build findings are warnings; ``--final`` treats them as errors. Rules
are switched on and off, and tuned, in ``content/lint.yaml``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import Pos
from .model import Plan, Prose, Text, meta, walk_texts
from .sources import locate


@dataclass(frozen=True, kw_only=True)
class LintRule:
    """One rule's settings in content/lint.yaml."""

    enabled: bool = meta("有効", default=True)
    in_draft: bool = meta("素案でも警告する", default=True)
    """False: checked in a final build only (e.g. deliberative phrasing, which a draft is full of)."""
    max: int | None = meta("上限", default=None)
    """For sentence-length: the longest sentence allowed, in characters."""


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


_FULL_DIGITS = re.compile(r"[０-９]+")
_HALF_DIGITS = re.compile(r"[0-9]+")
_FULL_LATIN = re.compile(r"[Ａ-Ｚａ-ｚ]+")
_HALF_LATIN = re.compile(r"[A-Za-z]+")
_HALF_KANA = re.compile(r"[\uff61-\uff9f]+")
_DELIBERATIVE = re.compile(r"(?:ではないか|でないか|てはどうか|ではないでしょうか)。?$")
_PAIRS = {"「": "」", "（": "）", "『": "』", "【": "】", "(": ")"}
_FOOTNOTE_CALL = re.compile(r"\[\^[A-Za-z0-9_-]+\]")


def _to_half(s: str) -> str:
    return unicodedata.normalize("NFKC", s)


def _to_full(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _texts(plan: Plan) -> Iterator[tuple[Text | Prose, str]]:
    """Each content text with its footnote calls blanked out (they are markup, not text)."""
    # The reasons of 未定事項 are not linted: the formal edition never prints them.
    for text in walk_texts(plan, reasons=False):
        yield text, _FOOTNOTE_CALL.sub(lambda m: "\0" * len(m.group(0)), text.raw)


class _Linter:
    def __init__(self, plan: Plan, config: LintConfig, final: bool) -> None:
        self.plan, self.config, self.final = plan, config, final
        self.findings: list[Finding] = []

    def on(self, rule: str) -> bool:
        settings: LintRule = getattr(self.config, rule)
        return settings.enabled and (self.final or settings.in_draft)

    def add(self, text: Text | Prose, index: int, rule: str, message: str) -> None:
        self.findings.append(Finding(locate(self.plan.sources, text.pos, text.raw, index), rule, message))

    def width(self, rule: str, full: re.Pattern, half: re.Pattern, what: str) -> None:
        """Flag the less used of full-width and half-width forms (公用文作成の考え方 Ⅰ-4-エ)."""
        runs = [(t, m, "full") for t, s in _texts(self.plan) for m in full.finditer(s)]
        runs += [(t, m, "half") for t, s in _texts(self.plan) for m in half.finditer(s)]
        counts = Counter(kind for _, _, kind in runs)
        if len(counts) < 2:
            return
        majority = "full" if counts["full"] > counts["half"] else "half"
        for text, match, kind in runs:
            if kind == majority:
                continue
            run = match.group(0)
            fixed = _to_full(run) if majority == "full" else _to_half(run)
            self.add(text, match.start(), rule,
                     f"{what}の全角・半角が文書内で混在しています（全角{counts['full']}か所、半角{counts['half']}か所）。"
                     f"「{run}」→「{fixed}」に統一してください。")

    def punctuation(self) -> None:
        pairs = (("、", "，", "読点"), ("。", "．", "句点"))
        for usual, other, name in pairs:
            hits = [(t, m) for t, s in _texts(self.plan) for m in re.finditer(re.escape(other), s)]
            if hits:
                for text, match in hits:
                    self.add(text, match.start(), "punctuation",
                             f"{name}に「{other}」が使われています。文書内では「{usual}」に統一してください。")

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
                        self.add(text, i, "brackets",
                                 f"閉じ括弧「{ch}」に対応する「{closers[ch]}」がありません。括弧の対応を確かめてください。")
            for ch, i in stack:
                self.add(text, i, "brackets",
                         f"括弧「{ch}」が閉じられていません。「{_PAIRS[ch]}」を補ってください。")

    def halfwidth_katakana(self) -> None:
        for text, s in _texts(self.plan):
            for m in _HALF_KANA.finditer(s):
                self.add(text, m.start(), "halfwidth_katakana",
                         f"半角カタカナ「{m.group(0)}」は使いません。「{_to_half(m.group(0))}」にしてください。")

    def sentences(self) -> Iterator[tuple[Text | Prose, int, str]]:
        for text, s in _texts(self.plan):
            for m in re.finditer(r"[^。\n]+。?", s):
                yield text, m.start(), m.group(0).replace("\0", "")

    def deliberative(self) -> None:
        for text, index, sentence in self.sentences():
            if _DELIBERATIVE.search(sentence.strip()):
                self.add(text, index, "deliberative",
                         "検討段階の表現（「〜ではないか。」など）が残っています。計画本文の表現（「〜する。」など）に改めてください。")

    def sentence_length(self) -> None:
        limit = self.config.sentence_length.max or 150
        for text, index, sentence in self.sentences():
            if len(sentence) > limit:
                self.add(text, index, "sentence_length",
                         f"一文が{len(sentence)}字あります（上限{limit}字）。二つ以上の文に分けることを検討してください。")

    def run(self) -> list[Finding]:
        if self.on("width_digits"):
            self.width("width_digits", _FULL_DIGITS, _HALF_DIGITS, "数字")
        if self.on("width_latin"):
            self.width("width_latin", _FULL_LATIN, _HALF_LATIN, "英字")
        for rule in ("punctuation", "brackets", "halfwidth_katakana", "deliberative", "sentence_length"):
            if self.on(rule):
                getattr(self, rule)()
        return sorted(self.findings, key=lambda f: (f.pos, f.rule))


def lint(plan: Plan, config: LintConfig, *, final: bool) -> list[Finding]:
    """Check the plan against the 公用文 rules switched on in ``config``."""
    return _Linter(plan, config, final).run()
