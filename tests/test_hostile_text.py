"""The YAML and text layer as hostile or mistaken content meets it.

One table of inputs — YAML bombs, tags, character references and bidi controls, control
characters and terminal escapes, YAML 1.1's coercions, the typing mistakes of Japanese
keyboards, Markdown errors, footnote cycles, oversized and over-nested content, empty
documents, and the attacks that already hold (raw HTML, Jinja syntax, ``javascript:``
and ``file:`` links, images in text) — each run through ``build`` and ``check`` on the
minimal plan, each with the outcome it must have: refused with one clear line
``content/<file>:<line>:<col>: …`` and exit 1, the previous output byte for byte as it
was; or built, printed as written, with the vendored fonts only. Then a fuzz test that
writes YAML text from a grammar of keys, lists and scalars with the mistakes editors
make, and checks that the loader either loads it or reports positioned problems.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import MINIMAL, examples, run_command, snapshot, squash, write_content
from keikaku.errors import BuildError
from keikaku.limits import (
    MAX_BLOCK_DEPTH,
    MAX_CELL_CHARS,
    MAX_FOOTNOTES,
    MAX_PROBLEMS_PER_FILE,
    MAX_TABLE_CHARS,
    MAX_TABLE_ROWS,
    MAX_TEXT_CHARS,
)
from keikaku.load import load_plan

GOAL = textwrap.dedent(MINIMAL["goals/a.yaml"])
PLAN = textwrap.dedent(MINIMAL["plan.yaml"])
CH4 = textwrap.dedent(MINIMAL["chapter4.yaml"])
CH3 = textwrap.dedent(MINIMAL["chapter3.yaml"])


def goal(old: str, new: str) -> dict[str, str]:
    """goals/a.yaml with ``old`` replaced (it must be there)."""
    assert old in GOAL
    return {"goals/a.yaml": GOAL.replace(old, new)}


def item(text: str) -> dict[str, str]:
    """goals/a.yaml with the list item 取組Ａ (line 16, column 24) written as ``text``."""
    return goal("取組Ａ", text)


def direction(text: str) -> dict[str, str]:
    """goals/a.yaml with the list item 方向性Ａ[^note-a] (line 12, column 21) written as ``text``."""
    return goal("方向性Ａ[^note-a]", text)


def ch4(*lines: str) -> dict[str, str]:
    """chapter4.yaml with blocks appended to its body: the first line is line 9."""
    return {"chapter4.yaml": CH4 + "".join(f"{line}\n" for line in lines)}


def table(rows: int, cells: int = 2, chars: int = 4) -> dict[str, str]:
    """chapter4.yaml with a table of ``rows`` rows of ``cells`` cells of ``chars``
    characters, each row numbered: the table is line 9, row ``i`` (from 0) line 10 + i,
    column 7, its first cell column 8."""
    return ch4(
        "  - table:",
        *(
            "    - [" + ", ".join(f'"{i:0{chars}}"'[: chars + 2] for _ in range(cells)) + "]"
            if chars < 10
            else "    - ["
            + ", ".join(f'"{i}行' + "長" * (chars - len(f"{i}行")) + '"' for _ in range(cells))
            + "]"
            for i in range(rows)
        ),
    )


def markdown_table(rows: int, cells: int = 2, chars: int = 4) -> dict[str, str]:
    """prose/outlook.md as a Markdown table of a header row and ``rows`` rows (row ``i``,
    from 0, on line 3 + i, its first cell at column 3)."""
    head = "| " + " | ".join("見出し" for _ in range(cells)) + " |\n"
    rule = "|" + "---|" * cells + "\n"
    body = "".join(
        "| "
        + " | ".join(f"{i}行" + "長" * max(chars - len(f"{i}行"), 0) for _ in range(cells))
        + " |\n"
        for i in range(rows)
    )
    return {"prose/outlook.md": head + rule + body}


def bomb(levels: int = 9) -> str:
    """A billion laughs: each level nine aliases of the one before."""
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def include_chain(depth: int) -> dict[str, str]:
    """chapter4.yaml's body includes a section that includes a section … ``depth`` deep."""
    files = ch4("  - include: nest/0.yaml")
    for i in range(depth):
        body = f"  - include: nest/{i + 1}.yaml\n" if i + 1 < depth else "  - p: 底\n"
        files[f"nest/{i}.yaml"] = f"section: 入れ子{i}\nid: nest-{i}\nbody:\n{body}"
    return files


@dataclass(frozen=True)
class Ok:
    """Built: each of ``printed`` is in the PDF's text (white space ignored)."""

    printed: tuple[str, ...] = ()


def ok(*printed: str) -> Ok:
    return Ok(printed)


def actuals(*entries: str) -> dict[str, str]:
    """goals/a.yaml with ＫＰＩ kpi-a's 実績値 (baseline 令和５年度, target pending, unit 件):
    ``entries`` are flow mappings, the first on line 23, each at column 19."""
    base = "baseline: {value: 10, year: 令和５年度}"
    lines = "".join(f"\n                  - {e}" for e in entries)
    return goal(base, f"{base}\n                actuals:{lines}")


# (case, files to override in the minimal plan, outcome: Ok, or (file, line, column or
# None, a phrase of the message))
CASES: list[tuple[str, dict, Ok | tuple[str, int, int | None, str]]] = [
    # 0. the surfaces of the 概要 (overview.yaml) and the フォローアップ (実績値)
    (
        "overview-not-a-mapping",
        {"overview.yaml": "[1, 2]\n"},
        ("overview.yaml", 1, 1, "overview.yaml 全体を「項目名: 値」の組で書いてください"),
    ),
    (
        "overview-font-below-the-floor",
        {"overview.yaml": "font_size: 6.5\n"},
        ("overview.yaml", 1, 12, "7 pt 以上 12 pt 以下"),
    ),
    ("overview-three-pages", {"overview.yaml": "pages: 3\n"}, ("overview.yaml", 1, 8, "1 か 2")),
    (
        "overview-unknown-kpi",
        {"overview.yaml": "main_kpis: [kpi-x]\n"},
        ("overview.yaml", 1, 13, "「kpi-x」が見つかりません"),
    ),
    (
        "overview-lead-over-the-limit",
        {"overview.yaml": f"lead: {'あ' * (MAX_TEXT_CHARS + 1)}\n"},
        ("overview.yaml", 1, 7, "リード文が長すぎます"),
    ),
    (
        "overview-anchor",
        {"overview.yaml": "lead: &x 本文\ngoals: [{goal: goal-a, text: *x}]\n"},
        ("overview.yaml", 1, 7, "YAML のアンカー「&x」は使えません"),
    ),
    ("overview-lead-with-markup", {"overview.yaml": 'lead: "{{ 7*7 }}<script>x</script>"\n'}, ok()),
    (
        "actuals-twice-for-one-year",
        actuals("{year: 令和６年度, value: 11}", "{year: 令和６年度, value: 12}"),
        ("goals/a.yaml", 24, 28, "令和６年度の実績値が"),
    ),
    (
        "actuals-before-the-baseline",
        actuals("{year: 令和４年度, value: 11}"),
        ("goals/a.yaml", 23, 28, "基準値の年度（令和５年度）より前です"),
    ),
    (
        "actuals-year-not-a-fiscal-year",
        actuals("{year: 2025, value: 11}"),
        ("goals/a.yaml", 23, 28, "令和N年度の形で書いてください"),
    ),
    (
        "actuals-unit-of-another-kind",
        actuals("{year: 令和６年度, value: 11, unit: 円}"),
        ("goals/a.yaml", 23, 52, "ＫＰＩの単位（「件」）と違います"),
    ),
    (
        "actuals-value-a-list",
        actuals("{year: 令和６年度, value: [1, 2]}"),
        ("goals/a.yaml", 23, None, "値は文字列で書いてください"),
    ),
    ("actuals-note-with-markup", actuals('{year: 令和６年度, value: 11, note: "{{ 7*7 }}"}'), ok()),
    # 1. anchors and aliases, refused before anything expands them
    (
        "alias-bomb",
        {"footnotes.yaml": "note-a: 脚注の本文\n" + bomb()},
        ("footnotes.yaml", 2, 5, "YAML のアンカー「&a0」は使えません"),
    ),
    (
        "alias-bomb-in-text",
        item("*a9") | {"footnotes.yaml": "note-a: 脚注の本文\n" + bomb()},
        ("goals/a.yaml", 16, 24, "別名（エイリアス）「*a9」は使えません"),
    ),
    (
        "anchor",
        goal("- list: [取組Ａ]", "- list: &x [取組Ａ]"),
        ("goals/a.yaml", 16, 23, "アンカー「&x」"),
    ),
    (
        "merge-key",
        ch4("  - p: 本文", "    <<: *base"),
        ("chapter4.yaml", 10, 9, "「*base」は使えません"),
    ),
    # 2. tags, on scalars, lists and mappings
    (
        "tag-python",
        item("!!python/object/apply:os.system [echo]"),
        ("goals/a.yaml", 16, 24, "タグ「!!python/object/apply:os.system」は使えません"),
    ),
    ("tag-str", item("!!str 取組"), ("goals/a.yaml", 16, 24, "タグ「!!str」")),
    ("tag-binary", item("!!binary 5Y+W57WE"), ("goals/a.yaml", 16, 24, "タグ「!!binary」")),
    (
        "tag-on-list",
        goal("- list: [取組Ａ]", "- list: !!seq [取組Ａ]"),
        ("goals/a.yaml", 16, 23, "タグ「!!seq」"),
    ),
    (
        "tag-on-mapping",
        goal("baseline: {value", "baseline: !custom {value"),
        ("goals/a.yaml", 21, 27, "タグ「!custom」"),
    ),
    ("tag-set", ch4("  - list: !!set {a, b}"), ("chapter4.yaml", 9, 11, "タグ「!!set」")),
    ("tag-nonspecific", item("! 取組"), ("goals/a.yaml", 16, 24, "タグ「!」")),
    # 3. character references: refused where they print a character the fonts lack, or a
    # bidi control; printed with the vendored fonts where they do not
    (
        "ref-hex-missing-glyph",
        item("取組&#x20BB7;"),
        ("goals/a.yaml", 16, 26, "文字参照「&#x20BB7;」が表す文字「𠮷」"),
    ),
    ("ref-emoji", item("取組&#x1F600;"), ("goals/a.yaml", 16, 26, "U+1F600")),
    (
        "ref-bidi",
        item("取組&#x202E;Ａ"),
        ("goals/a.yaml", 16, 26, "「&#x202E;」と書かれた文字の表示順を入れ替える"),
    ),
    ("ref-named-bidi", item("取組&rlm;Ａ"), ("goals/a.yaml", 16, 26, "U+200F")),
    ("ref-null", item("取組&#0;"), ("goals/a.yaml", 16, 26, "U+FFFD")),
    (
        "ref-in-prose",
        {"prose/outlook.md": "本文。\n\n次の段落&#x202D;。\n"},
        ("prose/outlook.md", 3, 5, "U+202D"),
    ),
    (
        "ref-in-footnote",
        {"footnotes.yaml": "note-a: 脚注&#x1F600;\n"},
        ("footnotes.yaml", 1, 11, "U+1F600"),
    ),
    ("ref-named-ok", item("取組&copy;&amp;&nbsp;&emsp;Ａ"), ok("取組©&")),
    ("raw-missing-glyph", item("取組𠮷"), ("goals/a.yaml", 16, 26, "U+20BB7")),
    ("raw-bidi", item("取組\u202eＡ"), ("goals/a.yaml", 16, 26, "U+202E")),
    (
        "raw-bidi-in-comment",
        {"plan.yaml": PLAN.replace("parts:", "# \u2067注記\nparts:")},
        ("plan.yaml", 8, 3, "U+2067"),
    ),
    ("escaped-bidi", item('"取組\\u202EＡ"'), ("goals/a.yaml", 16, 27, "「\\u202E」と書かれた")),
    ("ogham-space", item('"取組\\u1680Ａ"'), ("goals/a.yaml", 16, 24, "文字「<U+1680>」(U+1680)")),
    ("em-space-ok", item('"取組\\u2003Ａ"'), ok("取組")),
    (
        "marker-missing-glyph",
        ch4("  - list: [項目]", "    marker: 😀"),
        ("chapter4.yaml", 9, 5, "行頭の記号「😀」"),
    ),
    (
        "note-mark-missing-glyph",
        ch4("  - note: 注記", "    mark: 𠮷"),
        ("chapter4.yaml", 9, 5, "注記の記号「𠮷」"),
    ),
    # 4. control characters, each at its place, and never raw in a message
    ("escape-sequence", item('"\\e[31m赤\\e[0m"'), ("goals/a.yaml", 16, 25, "制御文字 U+001B")),
    (
        "escape-in-key",
        ch4("  - p: 本文", '    "x\\e[2Jy": 1'),
        ("chapter4.yaml", 10, 7, "「\\e」と書かれた制御文字 U+001B"),
    ),
    ("raw-escape", item("取組\x1b[31m"), ("goals/a.yaml", 16, 26, "制御文字 U+001B")),
    ("raw-c1", item("取組\x85Ａ"), ("goals/a.yaml", 16, 26, "U+0085")),
    ("raw-del", item("取組\x7fＡ"), ("goals/a.yaml", 16, 26, "U+007F")),
    ("escaped-nul", item('"取組\\0"'), ("goals/a.yaml", 16, 27, "U+0000")),
    ("line-separator", item("取組\u2028Ａ"), ("goals/a.yaml", 16, 26, "U+2028")),
    ("bom-inside", item("取組\ufeffＡ"), ("goals/a.yaml", 16, 26, "U+FEFF")),
    ("tab-pasted", item("取組\tＡ"), ("goals/a.yaml", 16, 26, "タブ文字があります")),
    ("tab-escaped", item('"取組\\tＡ"'), ("goals/a.yaml", 16, 27, "タブ文字があります")),
    (
        "tab-in-markdown",
        ch4("  - markdown: |", "      本文\tです。"),
        ("chapter4.yaml", 10, 9, "タブ文字"),
    ),
    ("newline-in-text", item('"取組\\nＡ"'), ("goals/a.yaml", 16, 27, "改行を書けません")),
    (
        "newline-in-cell-ok",
        ch4('  - table: [[区分, "道路\\n国道"]]', "    header: 0"),
        ok("道路国道"),
    ),
    (
        "control-in-prose",
        {"prose/outlook.md": "本文。\n\n二つ目\x1b[2Jの段落。\n"},
        ("prose/outlook.md", 3, 4, "U+001B"),
    ),
    ("control-in-path", ch4('  - prose: "prose/\\e[31m.md"'), ("chapter4.yaml", 9, 19, "U+001B")),
    # 5. YAML 1.1's coercions do not change text
    (
        "coercion-as-written",
        item("1.10")
        | {
            "plan.yaml": PLAN.replace("status: 素案", "status: yes").replace(
                "keywords: [テスト]", "keywords: [1_000, no, ~, 2024-01-01]"
            )
        },
        ok("1.10", "yes"),
    ),
    # 6. typing mistakes of Japanese keyboards
    (
        "tab-indent",
        {"plan.yaml": PLAN.replace("  - generated: toc", "\t- generated: toc")},
        ("plan.yaml", 10, 1, "タブ文字は字下げに使えません。半角空白に置き換えてください"),
    ),
    (
        "fullwidth-indent",
        {"plan.yaml": PLAN.replace("  - generated: toc", "　- generated: toc")},
        ("plan.yaml", 10, 1, "全角空白は字下げに使えません"),
    ),
    (
        "fullwidth-indent-key",
        {"chapter4.yaml": CH4.replace("    id: measure-a", "　　id: measure-a")},
        ("chapter4.yaml", 6, 1, "全角空白は字下げに使えません"),
    ),
    (
        "fullwidth-space-in-key",
        {"plan.yaml": PLAN.replace("issuer:", "issuer　:")},
        ("plan.yaml", 5, 7, "項目名「issuer　」に全角空白があります"),
    ),
    (
        "fullwidth-colon",
        {"plan.yaml": PLAN.replace("status: 素案", "status：素案")},
        ("plan.yaml", 2, 7, "後が全角の「：」になっています"),
    ),
    (
        "fullwidth-colon-first-line",
        {"plan.yaml": PLAN.replace("title: テスト計画", "title：テスト計画")},
        ("plan.yaml", 1, 6, "全角の「：」"),
    ),
    (
        "fullwidth-colon-in-list",
        {"chapter4.yaml": CH4.replace("- pending: 次回", "- pending：次回")},
        ("chapter4.yaml", 8, 16, "全角の「：」"),
    ),
    (
        "no-space-first-line",
        {"plan.yaml": PLAN.replace("title: テスト計画", "title:テスト計画")},
        ("plan.yaml", 1, 6, "「:」の後に半角空白がありません"),
    ),
    (
        "no-space",
        {"plan.yaml": PLAN.replace("meeting: 第１回部会", "meeting:第１回部会")},
        ("plan.yaml", 3, 8, "「:」の後に半角空白がありません"),
    ),
    (
        "no-space-in-list",
        {"chapter4.yaml": CH4.replace("- pending: 次回", "- pending:次回")},
        ("chapter4.yaml", 8, 16, "「:」の後に半角空白がありません"),
    ),
    (
        "no-space-in-flow",
        goal("{value: 10", "{value:10"),
        ("goals/a.yaml", 21, 33, "「value:」の「:」の後に"),
    ),
    (
        "list-item-deeper",
        goal(
            "              - list: [取組Ａ]",
            "              - list:\n                  - 取組Ａ\n                   - 取組Ｂ",
        ),
        ("goals/a.yaml", 18, 20, "一覧の項目「- 」の字下げが揃っていません"),
    ),
    (
        "list-item-shallower",
        goal(
            "              - list: [取組Ａ]",
            "              - list:\n                  - 取組Ａ\n                 - 取組Ｂ",
        ),
        ("goals/a.yaml", 18, 18, "一覧の項目「- 」の字下げ"),
    ),
    (
        "key-deeper",
        {"chapter4.yaml": CH4.replace("    id: measure-a", "       id: measure-a")},
        ("chapter4.yaml", 6, 8, "この行の字下げが揃っていません"),
    ),
    (
        "key-shallower",
        {"chapter4.yaml": CH4.replace("    id: measure-a", "   id: measure-a")},
        ("chapter4.yaml", 6, 4, "字下げが揃っていません"),
    ),
    (
        "colon-in-value",
        goal("indicator: 指標Ａ", "indicator: 指標: Ａ"),
        ("goals/a.yaml", 19, 30, "値の中に「: 」"),
    ),
    (
        "unclosed-quote",
        goal("indicator: 指標Ａ", 'indicator: "指標Ａ'),
        ("goals/a.yaml", 19, 28, "引用符が閉じられていません"),
    ),
    (
        "second-document",
        {"chapter4.yaml": CH4 + "---\nsection: x\n"},
        ("chapter4.yaml", 9, 1, "文書が二つ以上"),
    ),
    # 7. Markdown problems at their line and column
    (
        "prose-link",
        {"prose/outlook.md": "一段落目。\n\n二段落目の\n[資料](file:///etc/passwd)を見る。\n"},
        ("prose/outlook.md", 4, 1, "リンク先「file:///etc/passwd」は使えません"),
    ),
    (
        "prose-image",
        {"prose/outlook.md": "一段落目。\n\n- 項目\n- 図は ![図](x.png) です\n"},
        ("prose/outlook.md", 4, 6, "画像「x.png」は文中には置けません"),
    ),
    (
        "prose-footnote",
        {
            "prose/outlook.md": "一段落目。\n\n| 区分 | 件数 |\n| --- | --- |\n| 道路[^none] | 12 |\n"
        },
        ("prose/outlook.md", 5, 5, "脚注「none」が footnotes.yaml にありません"),
    ),
    (
        "prose-heading",
        {"prose/outlook.md": "本文。\n\n  ## 見出し\n"},
        ("prose/outlook.md", 3, 3, "見出し（#）は使えません"),
    ),
    (
        "markdown-block-image",
        ch4("  - markdown: |", "      本文。", "", "      - 項目 ![図](x.png)"),
        ("chapter4.yaml", 12, 12, "画像「x.png」は文中には置けません"),
    ),
    (
        "markdown-block-heading",
        ch4("  - markdown: |", "      本文。", "", "      # 見出し"),
        ("chapter4.yaml", 12, 7, "見出し（#）は使えません"),
    ),
    (
        "markdown-block-link",
        ch4(
            "  - markdown: |", "      一段落目。", "", "      二段落目の[例](javascript:alert(1))。"
        ),
        ("chapter4.yaml", 12, 12, "リンク先「javascript:alert(1)」"),
    ),
    (
        "text-link-javascript",
        direction("方向性[取組](javascript:alert(1))"),
        ("goals/a.yaml", 12, 24, "javascript:alert(1)"),
    ),
    (
        "text-starts-with-link",
        direction("[資料](https://example.com)を参照"),
        ("goals/a.yaml", 12, 21, "値全体を引用符"),
    ),
    (
        "text-after-quotes",
        direction('"資料"を参照'),
        ("goals/a.yaml", 12, 21, '閉じの「"」の後に続きを書けません'),
    ),
    (
        "text-link-file",
        direction("方向性[資料](file:///etc/passwd)"),
        ("goals/a.yaml", 12, 24, "file:///etc/passwd"),
    ),
    (
        "text-link-data",
        direction("方向性[x](data:text/html;base64,PHNjcmlwdD4=)"),
        ("goals/a.yaml", 12, 24, "data:text/html"),
    ),
    (
        "text-link-second",
        direction("方向性[a](https://example.com)と[b](file:///x)"),
        ("goals/a.yaml", 12, 49, "file:///x"),
    ),
    (
        "text-link-quoted",
        item('"取組[資料](file:///etc/passwd)"'),
        ("goals/a.yaml", 16, 27, "file:///etc/passwd"),
    ),
    (
        "text-image",
        direction("方向性![x](http://example.com/a.png)"),
        ("goals/a.yaml", 12, 24, "文中には置けません"),
    ),
    (
        "text-autolink-file",
        direction("方向性<file:///etc/passwd>"),
        ("goals/a.yaml", 12, 24, "file:///etc/passwd"),
    ),
    (
        "text-link-ok",
        direction("方向性[資料](https://example.com/a)と[連絡](mailto:a@example.com)"),
        ok("方向性資料と連絡"),
    ),
    # 8. footnotes calling footnotes
    (
        "footnote-self",
        {"footnotes.yaml": "note-a: 脚注の本文[^note-a]\n"},
        ("footnotes.yaml", 1, 14, "脚注「note-a」が自分自身を呼んでいます（循環）"),
    ),
    (
        "footnote-mutual",
        {"footnotes.yaml": "note-a: 本文Ａ[^note-b]\nnote-b: 本文Ｂ[^note-a]\n"},
        (
            "footnotes.yaml",
            1,
            12,
            "脚注「note-a」と脚注「note-b」が呼び合っています（循環: note-a → note-b → note-a）",
        ),
    ),
    (
        "footnote-nested",
        {"footnotes.yaml": "note-a: 本文Ａ[^note-b]\nnote-b: 本文Ｂ\n"},
        ("footnotes.yaml", 1, 12, "脚注の中では脚注を呼べません"),
    ),
    # 9. limits
    ("text-too-long", item("長" * (MAX_TEXT_CHARS + 1)), ("goals/a.yaml", 16, 24, "長すぎます")),
    ("text-of-megabytes", item("長" * 600_000), ("goals/a.yaml", 16, 24, "長すぎます")),
    (
        "too-many-footnotes",
        {"footnotes.yaml": "".join(f"n{i}: 脚注{i}\n" for i in range(MAX_FOOTNOTES + 1))},
        ("footnotes.yaml", MAX_FOOTNOTES + 1, 1, "脚注が多すぎます"),
    ),
    (
        "too-many-problems",
        {"chapter4.yaml": CH4 + "".join(f"  - list: &a{i} [x]\n" for i in range(500))},
        ("chapter4.yaml", 8 + MAX_PROBLEMS_PER_FILE, 11, "問題が多すぎる"),
    ),
    # 9b. tables: WeasyPrint sizes a column by breaking each cell at every point it may
    # break, which costs the square of the cell's length (limits.py); 10,000 rows took
    # 78 s, 30 cells of 20,000 characters more than 300 s.
    (
        "table-too-many-rows",
        table(MAX_TABLE_ROWS + 1),
        (
            "chapter4.yaml",
            10 + MAX_TABLE_ROWS,
            7,
            "表の行が多すぎます（1,001行。1 つの表は 1,000行まで）",
        ),
    ),
    (
        "table-of-10000-rows",
        table(10_000),
        ("chapter4.yaml", 10 + MAX_TABLE_ROWS, 7, "表をいくつかに分けて"),
    ),
    (
        "table-cell-too-long",
        table(3, chars=MAX_CELL_CHARS + 1),
        (
            "chapter4.yaml",
            10,
            8,
            f"表のセルが長すぎます（{MAX_CELL_CHARS + 1}字。1 つのセルは {MAX_CELL_CHARS}字まで）",
        ),
    ),
    (
        "table-30-cells-of-20000-characters",
        table(15, chars=20_000),
        ("chapter4.yaml", 10, 8, "長い説明は表の外の本文に移し"),
    ),
    (
        "table-too-long",
        table(MAX_TABLE_CHARS // (2 * MAX_CELL_CHARS) + 1, chars=MAX_CELL_CHARS),
        (
            "chapter4.yaml",
            10 + MAX_TABLE_CHARS // (2 * MAX_CELL_CHARS),
            7,
            "表の文字が多すぎます（セルを合わせて"
            f"{(MAX_TABLE_CHARS // (2 * MAX_CELL_CHARS) + 1) * 2 * MAX_CELL_CHARS:,}字。"
            "1 つの表は 20,000字まで）",
        ),
    ),
    (
        "markdown-table-too-many-rows",
        markdown_table(MAX_TABLE_ROWS),
        ("prose/outlook.md", 2 + MAX_TABLE_ROWS, 3, "表の行が多すぎます（1,001行"),
    ),
    (
        "markdown-table-cell-too-long",
        markdown_table(2, chars=MAX_CELL_CHARS + 1),
        ("prose/outlook.md", 3, 3, f"表のセルが長すぎます（{MAX_CELL_CHARS + 1}字"),
    ),
    (
        "markdown-table-too-long",
        markdown_table(MAX_TABLE_CHARS // (2 * MAX_CELL_CHARS) + 1, chars=MAX_CELL_CHARS),
        (
            "prose/outlook.md",
            3 + MAX_TABLE_CHARS // (2 * MAX_CELL_CHARS),
            3,
            "表の文字が多すぎます",
        ),
    ),
    (
        "markdown-table-inline-too-many-rows",
        ch4(
            "  - markdown: |",
            "      | 区分 |",
            "      |---|",
            *(f"      | {i}行 |" for i in range(MAX_TABLE_ROWS)),
        ),
        # (a place in an inline block is found by searching its text: rows alike but for
        # their number may be placed on an earlier row's line)
        ("chapter4.yaml", None, 9, "表の行が多すぎます"),
    ),
    ("table-within-the-limits", table(50, cells=3, chars=100), ok("49行長長")),
    # 10. nesting
    (
        "nested-lists",
        ch4("  - p: " + "[" * 400 + "]" * 400),
        ("chapter4.yaml", 9, 69, "入れ子が深すぎます（64段まで）"),
    ),
    (
        "nested-dashes",
        {"chapter4.yaml": "- " * 400 + "x\n"},
        ("chapter4.yaml", 1, 129, "入れ子が深すぎます"),
    ),
    (
        "nested-mappings",
        {"chapter4.yaml": "{a: " * 400 + "x" + "}" * 400 + "\n"},
        ("chapter4.yaml", 1, 257, "入れ子が深すぎます"),
    ),
    (
        "nested-includes",
        include_chain(MAX_BLOCK_DEPTH + 4),
        (f"nest/{MAX_BLOCK_DEPTH - 1}.yaml", 1, 1, "ブロックの入れ子が深すぎます"),
    ),
    ("nested-includes-at-limit", include_chain(MAX_BLOCK_DEPTH - 2), ok("入れ子29", "底")),
    ("nested-markdown", ch4("  - markdown: |", "      " + "> " * 5000 + "引用"), ok()),
    # 11. empty documents
    ("empty-tilde", {"chapter4.yaml": "~\n"}, ("chapter4.yaml", 1, 1, "ファイルが空です")),
    ("empty-null", {"footnotes.yaml": "null\n"}, ("footnotes.yaml", 1, 1, "ファイルが空です")),
    ("empty-document", {"plan.yaml": "---\n"}, ("plan.yaml", 1, 1, "ファイルが空です")),
    ("empty-comment", {"lint.yaml": "# 何もない\n"}, ("lint.yaml", 1, 1, "ファイルが空です")),
    (
        "empty-prose",
        {"prose/outlook.md": "\n\n"},
        ("prose/outlook.md", 1, 1, "Markdown ファイルが空です"),
    ),
    # attacks that hold: printed as text
    (
        "raw-html",
        item('"<script>alert(1)</script><img src=/etc/passwd>"'),
        ok("<script>alert(1)</script>"),
    ),
    (
        "jinja",
        item("\"{{ 7*7 }}{% include '/etc/passwd' %}\""),
        ok("{{7*7}}{%include'/etc/passwd'%}"),
    ),
    (
        "jinja-in-id",
        goal("id: pkg-a", 'id: "{{ 7*7 }}"'),
        ("goals/a.yaml", 7, 13, "ID「{{ 7*7 }}」には半角の英小文字"),
    ),
    (
        "html-in-prose",
        {"prose/outlook.md": '<iframe src="file:///etc/passwd"></iframe>本文\n'},
        ok('<iframesrc="file:///etc/passwd"></iframe>本文'),
    ),
]

#: Characters no message may print raw (control characters, bidi controls, separators).
RAW_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]"
)
ANY = r"\d+"
VENDORED = ("BIZ-UDMincho", "BIZ-UDGothic", "BIZ-UDGothic-Bold")


def fonts(pdf: Path) -> set[str]:
    """The /BaseFont of every font resource of every page."""
    names = set()
    for page in pypdf.PdfReader(pdf).pages:
        for ref in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


#: Cases that lay out many pages (a table near the limits: 50 rows of 100 characters a
#: cell, seven seconds) or read ten thousand rows to refuse them (three seconds): in the
#: whole suite, not in the fast lane.
SLOW_CASES = {"table-within-the-limits", "table-of-10000-rows"}


def _marks(case: str, outcome) -> tuple:
    """A refused case stops before the layout and runs in the fast lane; an accepted one
    lays the minimal plan out (``typeset``): the fast lane checks it with ``check`` alone
    (``test_accepted_text_passes_check``)."""
    if case in SLOW_CASES:
        return (pytest.mark.slow,)
    return (pytest.mark.typeset,) if isinstance(outcome, Ok) else ()


@pytest.mark.parametrize(
    ("case", "files", "outcome"),
    [pytest.param(*c, id=c[0], marks=_marks(c[0], c[2])) for c in CASES],
)
def test_hostile_text(tmp_path, previous_output, case, files, outcome):
    content = write_content(tmp_path, files)
    out = tmp_path / "out"
    shutil.copytree(previous_output, out)
    before = snapshot(out)
    for argv in (
        ["--content", str(content), "--out", str(out)],
        ["check", "--content", str(content)],
    ):
        result = run_command(argv)
        printed = result.out + result.err
        assert (
            result.code != 2 and "Traceback" not in printed and "internal error" not in printed
        ), printed
        assert not RAW_CONTROL.search(printed), repr(printed)
        if isinstance(outcome, Ok):
            assert result.code == 0, printed
            continue
        where, line, col, phrase = outcome
        assert result.code == 1, printed
        place = f"{ANY if line is None else line}:{ANY if col is None else col}"
        assert re.search(
            rf"content/{re.escape(where)}:{place}: .*{re.escape(phrase)}", result.err
        ), result.err
    if isinstance(outcome, Ok):
        assert all(name.endswith(VENDORED) for name in fonts(out / "plan.pdf")), fonts(
            out / "plan.pdf"
        )
        text = squash(
            "".join(page.extract_text() for page in pypdf.PdfReader(out / "plan.pdf").pages)
        )
        for phrase in outcome.printed:
            assert squash(phrase) in text, phrase
    else:
        assert snapshot(out) == before


@pytest.mark.parametrize(
    ("case", "files"),
    [pytest.param(c, f, id=c) for c, f, outcome in CASES if isinstance(outcome, Ok)],
)
def test_accepted_text_passes_check(tmp_path, case, files):
    """The fast lane's share of the accepted cases above: ``check`` (load, validation, the
    schema) takes each without a word; the whole suite lays each out and reads its PDF."""
    result = run_command(["check", "--content", str(write_content(tmp_path, files))])
    printed = result.out + result.err
    assert result.code == 0 and "Traceback" not in printed, printed
    assert not RAW_CONTROL.search(printed), repr(printed)


# ------------------------------------------------------------------ draft_only, pending, --final

CLEAN_GOAL = re.sub(
    r"target:\n\s+pending: 目標値は次回以降に議論",
    "target: {value: ２０, year: 令和１２年度}",
    GOAL,
).replace("value: 10", "value: １０")
CLEAN_CH4 = CH4.replace("- pending: 次回以降に議論", "- p: 方策Ａの本文")
CH2 = textwrap.dedent(MINIMAL["chapter2.yaml"])


def draft_only(text: str, section_id: str) -> str:
    """``text`` with ``draft_only: true`` under the section whose id is ``section_id``."""
    found = re.search(rf"^( *)id: {section_id}\n", text, re.M)
    assert found, section_id
    return text.replace(found.group(0), f"{found.group(0)}{found.group(1)}draft_only: true\n", 1)


def clean(**files: str) -> dict[str, str]:
    """The minimal plan with nothing pending (what --final accepts), with ``files`` over it."""
    return {"goals/a.yaml": CLEAN_GOAL, "chapter4.yaml": CLEAN_CH4} | {
        k.replace("_", "/", 1) if k.startswith("goals_") else f"{k}.yaml": v
        for k, v in files.items()
    }


@dataclass(frozen=True)
class Left:
    """Built, and each of ``printed`` is in the draft but not in the final edition."""

    printed: tuple[str, ...]


Outcome = Ok | Left | tuple[str, int, int | None, str]

# (case, files, outcome of the draft build, outcome of --final): every combination of a
# draft-only section, a 未定事項 and the formal edition builds or is refused clearly.
FINAL_CASES: list[tuple[str, dict, Outcome, Outcome]] = [
    (
        "draft-only-section",
        clean(chapter4=draft_only(CLEAN_CH4, "measure-a")),
        ok("方策Ａの本文"),
        Left(("方策Ａ",)),
    ),
    (
        "draft-only-chapter",
        clean(chapter4=draft_only(CLEAN_CH4, "ch4")),
        ok("実効性を確保する方策"),
        Left(("実効性を確保する方策",)),
    ),
    (
        # A pillar of the 方針 figure that the final edition leaves out: the figure draws
        # the others (this crashed with KeyError in outline.of).
        "draft-only-pillar",
        clean(chapter2=draft_only(CH2, "pillar-a")),
        ok("柱Ａの例"),
        Left(("柱Ａ",)),
    ),
    (
        "draft-only-pillar-base",
        clean(chapter2=draft_only(CH2, "ch2-spiral")),
        ok("スパイラルアップの内容"),
        Left(("スパイラルアップの内容",)),
    ),
    (
        # 重点目標 are numbered and listed in every edition: refused in both, at the goal.
        "draft-only-goals",
        clean(chapter3=draft_only(CH3, "ch3")),
        ("goals/a.yaml", 1, 1, "最終版に載せない節「ch3」"),
        ("goals/a.yaml", 1, 1, "最終版に載せない節「ch3」"),
    ),
    (
        # A 未定事項 the final edition does not print does not block it.
        "pending-in-draft-only-section",
        {"goals/a.yaml": CLEAN_GOAL, "chapter4.yaml": draft_only(CH4, "measure-a")},
        ok("次回以降に議論"),
        Left(("次回以降に議論",)),
    ),
    (
        "pending-outside-draft-only",
        {
            "goals/a.yaml": CLEAN_GOAL,
            "chapter4.yaml": draft_only(CH4, "ch4"),
            "chapter1.yaml": textwrap.dedent(MINIMAL["chapter1.yaml"]).replace(
                "- list: [変化Ａの内容]", "- pending: 変化Ａは次回以降に議論"
            ),
        },
        ok("変化Ａは次回以降に議論"),
        ("chapter1.yaml", 10, 13, "未定事項が残っています"),
    ),
]


@pytest.mark.parametrize(
    ("case", "files", "draft", "final"),
    [
        # A case whose draft builds lays the minimal plan out: in the whole suite only.
        pytest.param(*c, id=c[0], marks=() if isinstance(c[2], tuple) else pytest.mark.typeset)
        for c in FINAL_CASES
    ],
)
def test_draft_only_pending_and_final(tmp_path, previous_output, case, files, draft, final):
    content = write_content(tmp_path, files)
    for argv, outcome in (
        ([], draft),
        (["--final"], final),
        (["check", "--final"], final),
    ):
        out = tmp_path / ("out-final" if "--final" in argv else "out-draft")
        shutil.copytree(previous_output, out, dirs_exist_ok=True)
        before = snapshot(out)
        args = [*argv, "--content", str(content)] + ([] if "check" in argv else ["--out", str(out)])
        result = run_command(args)
        printed = result.out + result.err
        assert "Traceback" not in printed and "internal error" not in printed, printed
        if isinstance(outcome, tuple):
            where, line, col, phrase = outcome
            assert result.code == 1, printed
            place = f"{line}:{ANY if col is None else col}"
            assert re.search(
                rf"content/{re.escape(where)}:{place}: .*{re.escape(phrase)}", result.err
            ), result.err
            assert snapshot(out) == before
            continue
        assert result.code == 0, printed
        if "check" in argv:
            continue
        text = squash(
            "".join(page.extract_text() for page in pypdf.PdfReader(out / "plan.pdf").pages)
        )
        if isinstance(outcome, Left):
            assert not any(squash(p) in text for p in outcome.printed), text
        else:
            assert all(squash(p) in text for p in outcome.printed), text


# ------------------------------------------------------------------ fuzzing YAML text

KEYS = [
    "p",
    "list",
    "section",
    "id",
    "body",
    "marker",
    "indent",
    "title",
    "pending",
    "note",
    "table",
    "caption",
    "label",
    "value",
    "year",
    "include",
    "x",
]
SCALARS = [
    "本文",
    "取組Ａ",
    "1.10",
    "yes",
    "~",
    "null",
    "1_000",
    "0x1F",
    "2024-01-01",
    "'引用'",
    '"二重"',
    "[^note-a]",
    "&#x202E;",
    "&#x20BB7;",
    "[a](file:///x)",
    "![a](b.png)",
    "{{ 7*7 }}",
    "<b>",
    "",
    "-",
    ":",
    "#注",
    '"\\e[31m"',
    '"\\u202E"',
    "ab\tc",
    "|",
    ">",
    "{",
    "[",
    "]",
    "}",
    ",",
    "?",
    "!!str x",
    "!x y",
    "&a z",
    "*a",
    "@",
    "`",
    "%",
    "\u3000",
    "：",
    "vision-a",
    "goal-a",
    "pending: 理由",
    "- 項目",
]
#: Raw characters no content may hold, typed into a few of the documents only.
RAW = ["\x1b", "\u2028", "\ufeff", "\x85", "\u202e", "\x00", "\x7f"]
INDENTS = ["", " ", "  ", "   ", "    ", "\t", "\u3000", "  \t", "-  "]
SEPARATORS = [": ", ":", "：", ":\t", " : ", ":\u3000", ": &a ", ": !!map ", ": *a"]


@st.composite
def yaml_text(draw) -> str:
    """A YAML document as an editor might type it: lines of keys, list items and
    scalars, with random indentation and the mistakes of Japanese keyboards."""
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        indent = draw(st.sampled_from(INDENTS))
        kind = draw(
            st.sampled_from(["key", "key-value", "item", "item-key", "scalar", "flow", "comment"])
        )
        key, sep = draw(st.sampled_from(KEYS)), draw(st.sampled_from(SEPARATORS))
        value = draw(st.sampled_from(SCALARS))
        if kind == "key":
            lines.append(f"{indent}{key}{sep.rstrip(' ')}")
        elif kind == "key-value":
            lines.append(f"{indent}{key}{sep}{value}")
        elif kind == "item":
            lines.append(f"{indent}- {value}")
        elif kind == "item-key":
            lines.append(f"{indent}- {key}{sep}{value}")
        elif kind == "flow":
            lines.append(f"{indent}{key}{sep}{{{key}{sep}{value}, {key}: [{value}, {value}]}}")
        elif kind == "comment":
            lines.append(f"{indent}# {value}")
        else:
            lines.append(f"{indent}{value}")
    text = "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))
    if draw(st.integers(0, 19)) == 0:
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(RAW)) + text[at:]
    return text


FUZZED = ["chapter4.yaml", "footnotes.yaml", "goals/a.yaml", "plan.yaml", "lint.yaml"]


@settings(max_examples=examples(2000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FUZZED), text=yaml_text(), prefix=st.booleans())
def test_any_yaml_text_loads_or_is_refused_with_positions(name, text, prefix):
    """Whatever YAML text an editor writes into a content file, the loader builds the plan
    or raises BuildError with every problem at a file, line and column; nothing else."""
    if prefix and name in MINIMAL:  # a valid file with the fuzzed lines at its end
        text = textwrap.dedent(MINIMAL[name]) + text
    with tempfile.TemporaryDirectory() as tmp:
        content = write_content(Path(tmp), {name: text})
        try:
            load_plan(content)
        except BuildError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.pos.path.startswith(str(content)) or "content" in problem.pos.path
                if problem.pos.path.endswith(".yaml"):
                    assert problem.pos.line >= 1 and problem.pos.col >= 1, problem
                assert problem.message and not RAW_CONTROL.search(str(problem)), problem
