"""content/followup.yaml, the settings of the yearly フォローアップ: read by the report
(``followup.py``), by ``kpi export`` (its 実績値 columns), by ``check`` and by the content
schema. Apart from the report so that those can read it without the report's writers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError, Pos, Problem
from .load import Loader
from .model import Text, meta
from .series import fiscal_year
from .sources import YMap

FOLLOWUP_FILE = "followup.yaml"

#: 順調 by default: the latest 進捗率 at least 90 % of the straight line's for its year.
DEFAULT_ON_TRACK = 90


@dataclass(frozen=True, kw_only=True)
class FollowupConfig:
    """followup.yaml: 年次フォローアップの設定（省略できる。ないときはすべて既定）。"""

    title: Text | None = meta(
        "報告の題名",
        default=None,
        doc="報告の初めに示す題名。省略すると計画の名称と labels の followup_title（年次フォローアップ）",
    )
    first_year: Text | None = meta(
        "計画期間の最初の年度",
        default=None,
        doc="例: 令和８年度。kpi export の年度の列の始め。省略するとＫＰＩの基準値の年度のうち最も早いもの",
    )
    last_year: Text | None = meta(
        "計画期間の最後の年度",
        default=None,
        doc="例: 令和12年度。kpi export の年度の列の終わり。省略するとＫＰＩの目標値の年度のうち最も遅いもの",
    )
    on_track: int = meta(
        "順調とする割合（％）",
        default=DEFAULT_ON_TRACK,
        doc="進捗率が、基準値と目標値を結ぶ直線のその年度の進捗（期待進捗率）のこの割合以上なら「順調」。"
        "1 から 100 まで。既定 90",
    )


def load_followup_config(content_dir: Path) -> FollowupConfig:
    """content/followup.yaml, or the defaults when it is absent. Raises ``BuildError``
    with every problem at its line."""
    if not os.path.lexists(content_dir / FOLLOWUP_FILE):
        return FollowupConfig()
    loader = Loader(content_dir)
    node = loader.read(FOLLOWUP_FILE)
    if node is None:
        loader.problems.raise_if_any()
        return FollowupConfig()
    if not isinstance(node, YMap):
        loader.add(
            getattr(node, "pos", Pos(loader.shown(FOLLOWUP_FILE), 1, 1)),
            "「on_track: 90」のような「項目名: 値」の組で書いてください。 (expected a mapping)",
        )
        loader.problems.raise_if_any()
    config = loader.build(FollowupConfig, node, "年次フォローアップの設定")
    loader.problems.raise_if_any()
    if config is None:
        return FollowupConfig()
    problems = []
    if not 1 <= config.on_track <= 100:
        problems.append(
            Problem(
                node.at("on_track"),
                "on_track: 順調とする割合は 1 から 100 までの整数（％）で書いてください。 (out of range)",
            )
        )
    years = {}
    for key in ("first_year", "last_year"):
        value = getattr(config, key)
        if value is not None:
            years[key] = fiscal_year(value)
            if years[key] is None:
                problems.append(
                    Problem(
                        node.at(key),
                        f"{key}: 年度「{value.plain}」は「令和８年度」のように令和N年度の形で"
                        "書いてください。 (fiscal year not understood)",
                    )
                )
    first, last = years.get("first_year"), years.get("last_year")
    if first is not None and last is not None and first > last:
        problems.append(
            Problem(
                node.at("last_year"),
                "last_year: 計画期間の最後の年度が最初の年度より前です。 (period ends before it starts)",
            )
        )
    if problems:
        raise BuildError(problems)
    return config
