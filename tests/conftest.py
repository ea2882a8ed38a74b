"""Test layers: small content sets written into ``tmp_path`` for the loader, and one
session-wide build of the real plan that the end-to-end tests inspect."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

from keikaku.cli import build

PROJECT = Path(__file__).resolve().parent.parent

# A minimal valid plan: one file per required content file, each as small as the model allows.
MINIMAL = {
    "plan.yaml": """\
        title: テスト計画
        status: 素案
        meeting: 第１回部会
        date_line: 令和７年１月１日
        issuer: テスト部会
        subject: テスト用の計画
        keywords: [テスト]
        """,
    "footnotes.yaml": """\
        note-a: 脚注の本文
        """,
    "chapter1.yaml": """\
        title: 状況の変化
        changes_title: 社会経済情勢の変化
        changes:
          - id: change-a
            title: 変化Ａ
            points: [変化Ａの内容]
        current_goals_title: 現行計画の重点目標
        current_goals:
          - id: current-a
            title: 現行目標Ａ
        """,
    "chapter2.yaml": """\
        title: 方向性
        society:
          title: 社会課題と目指す社会の姿
          challenges_title: 基本的な課題認識
          challenges:
            - id: challenge-a
              title: 課題Ａ
              points: [課題Ａの内容]
          visions_title: 目指す社会の姿
          visions:
            - id: vision-a
              title: 姿Ａ
              goal: goal-a
              challenges: [challenge-a]
          goals_title: 重点目標の案
          goals:
            - goal: goal-a
          theme_examples_title: 施策テーマの例
        management:
          title: インフラマネジメントの方針
          current_title: 現行計画の方向性
          current_lead: 現行計画の説明
          soryoku_title: 総力
          soryoku_lead: 総力の説明
          soryoku:
            - id: soryoku-a
              title: 主体の総力
              points: [連携強化]
          keiei_title: インフラ経営
          keiei_lead: インフラ経営の説明
          stock_effects_title: ストック効果
          stock_effects:
            - id: stock-a
              title: 安全・安心効果
              examples: [耐震性の向上]
          policy_title: 方針
          pillars:
            - id: pillar-a
              title: 柱Ａ
              points: [柱Ａの内容]
          spiral_title: スパイラルアップ
          spiral_points: [スパイラルアップの内容]
        outlook:
          title: 中長期の方向性
          body: prose/outlook.md
        """,
    "prose/outlook.md": """\
        中長期の方向性の本文。
        """,
    "chapter3.yaml": """\
        title: 重点目標と政策パッケージ
        goal_files: [goals/a.yaml]
        """,
    "goals/a.yaml": """\
        id: goal-a
        title: 重点目標Ａ
        groups:
          - vision: vision-a
            packages:
              - id: pkg-a
                title: 施策テーマＡ
                directions:
                  - 方向性Ａ[^note-a]
                measures:
                  - 取組Ａ
                kpis:
                  - id: kpi-a
                    indicator: 指標Ａ
                    unit: 件
                    baseline: {value: 10, year: 令和５年度}
                    target:
                      pending: 目標値は次回以降に議論
        """,
    "chapter4.yaml": """\
        title: 実効性を確保する方策
        measures:
          - id: measure-a
            title: 方策Ａ
            body:
              pending: 次回以降に議論
        """,
    "deliberations.yaml": """\
        title: 審議の経過
        meetings:
          - id: meeting-a
            title: 第１回部会
            date: 令和６年１月１日
            items:
              - title: 議題Ａ
        """,
}


# The minimal plan with nothing pending and one form of digits throughout: what a final
# edition accepts.
CLEAN = {
    # Digits full-width throughout, as 公用文 lint wants one form in a document.
    "goals/a.yaml": re.sub(r"target:\n\s+pending: 目標値は次回以降に議論",
                           "target: {value: ２０, year: 令和１２年度}", textwrap.dedent(MINIMAL["goals/a.yaml"])).replace("value: 10", "value: １０"),
    "chapter4.yaml": re.sub(r"body:\n\s+pending: 次回以降に議論", "body: prose/outlook.md",
                            textwrap.dedent(MINIMAL["chapter4.yaml"])),
}


def write_content(root: Path, overrides: dict[str, str | bytes | None] | None = None) -> Path:
    """Write the minimal plan under ``root/content``; ``overrides`` replace or (None) remove files."""
    files: dict[str, str | bytes | None] = {k: textwrap.dedent(v) for k, v in MINIMAL.items()}
    files.update(overrides or {})
    content = root / "content"
    for name, text in files.items():
        if text is None:
            continue
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8")
    return content


@pytest.fixture
def content_dir(tmp_path: Path):
    """A factory: ``content_dir({"plan.yaml": "..."})`` writes a small content set."""
    return lambda overrides=None: write_content(tmp_path, overrides)


@dataclass
class BuiltPlan:
    pdf_path: Path
    html_path: Path
    reader: pypdf.PdfReader
    pages: list[str]
    report: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)


@pytest.fixture(scope="session")
def built_plan(tmp_path_factory) -> BuiltPlan:
    """The real plan, built once for the whole session."""
    out = tmp_path_factory.mktemp("output")
    report: list[str] = []
    build(PROJECT / "content", out, report=report.append, warn=report.append)
    reader = pypdf.PdfReader(out / "plan.pdf")
    pages = [page.extract_text() or "" for page in reader.pages]
    return BuiltPlan(out / "plan.pdf", out / "plan.html", reader, pages, report)


def squash(text: str) -> str:
    """Text with all white space removed, for comparisons that ignore line breaks."""
    return re.sub(r"\s+", "", text)
