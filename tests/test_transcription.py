"""Fidelity: every line of the draft reaches the PDF verbatim.

The draft (source/draft-52nd-meeting.txt) is a slide deck flattened to text, its
columns interleaved, so its sentences are broken across lines. Each line of it, with
the slide's list marks taken off, must stand in the PDF's text once page furniture
(running head, page numbers, footnote calls) is removed. The few lines that are slide
furniture, or that the plan records in another form, are listed below with the reason.
"""

from __future__ import annotations

import re

from conftest import PROJECT, squash

DRAFT = PROJECT / "source" / "draft-52nd-meeting.txt"

#: Lines of the draft that are not plan text, each with why.
NOT_PLAN_TEXT = {
    "当面の取組（例）今後の社会資本整備の方向性施策テーマ": "column headers of a slide",
    "施策テーマ今後の社会資本整備の方向性": "column headers of a slide",
    "当面の取組（例）今後の社会資本整備の方向性": "column headers of a slide",
    "施策テーマ": "column header of a slide",
    "当面の取組（例）": "column header (shown as 【当面の取組（例）】)",
    "現行計画の重点目標社会経済情勢の変化": "column headers of a slide",
    "重点目標": "diagram label ≪重点目標≫",
    "現行計画の方向性": "slide label above the current plan's 「総力」 and 「インフラ経営」",
    "新たなインフラマネジメント方針について": "slide title",
    "各重点目標における施策テーマと方向性": "slide title; the agenda item is in 参考",
    "次期社会資本整備重点計画の主な構成（素案）": "slide title; it is the structure of this document",
    "その他": "structure slide: its topics are 第４章",
    "重点施策・ＫＰＩ、計画の実効性を確保するための方策については、次回以降の計画部会で議論予定": "recorded as the pending reasons of each 政策パッケージ's ＫＰＩ and of each 第４章 方策",
    "地域のインフラを支える建設業・運輸業等の": "first diagram's longer wording of the vision 建設業・運輸業等の担い手の確保・育成、DXによる省人化",
    "担い手の確保・育成、DXによる省人化等": "the same longer wording, second line",
    "等": "a lone 等 closing a block; kept at the end of the block's last item",
}

_MARKS = re.compile(r"^(?:[・●○◯■◎◆]|（参考）|[①②③]|－)+")
_TRAILING = re.compile(r"(?:[①②③]|－)+$")


def draft_lines() -> list[str]:
    lines = []
    for raw in DRAFT.read_text(encoding="utf-8").splitlines():
        # ／ joins two slide headings; ※ starts a note (a footnote or pending note here).
        for part in re.split(r"／|\(※\)|※", raw):
            line = squash(part).replace("≪", "").replace("≫", "")
            line = _TRAILING.sub("", _MARKS.sub("", line))
            if line and line not in NOT_PLAN_TEXT:
                lines.append(line)
    return lines


def pdf_text(built_plan) -> str:
    pages = []
    headers = {
        squash(h)
        for h in re.findall(r'data-title="([^"]*)"', built_plan.html_path.read_text("utf-8"))
    }
    for page in built_plan.pages[1:]:
        lines = [squash(line) for line in page.splitlines()]
        # Running head and page number are the last lines pypdf extracts from a page.
        while lines and (re.fullmatch(r"-\d+-", lines[-1]) or lines[-1] in headers):
            lines.pop()
        pages.append("".join(lines))
    text = "".join(pages)
    text = re.sub(r"※\d+", "", text)  # footnote calls and markers
    return text.replace("≪", "").replace("≫", "")


def test_every_line_of_the_draft_is_in_the_pdf(built_plan):
    text = pdf_text(built_plan)
    missing = [line for line in draft_lines() if line not in text]
    assert not missing, "\n".join(missing)


def test_the_draft_is_read_and_not_trivially_matched(built_plan):
    lines = draft_lines()
    assert len(lines) > 400
    assert (
        "今後、小規模都市から中規模都市へと地方都市の人口減少が加速化。それに伴い、地域に必要な生活サービスの維持が困難となり、"
        in lines
    )
