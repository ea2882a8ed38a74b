"""The wording the plan prints unless plan.yaml's ``labels`` says otherwise
(``DEFAULT_LABELS``), the mark behind a draft's pages, and numbers as the page prints them."""

from __future__ import annotations

from decimal import Decimal

from .values import Text


def printed_number(value: int | float | Decimal) -> str:
    """A number as the page prints it: digits as written in the data, the integer part in
    groups of three with 「,」 (公用文作成の考え方: 大きな数は三桁ごとに区切る), so that
    2600 prints 2,600 as the charts' axes do; 1200.0 prints 1,200, 0.5 stays 0.5. The
    ＫＰＩ's values and the 主要事業's 事業費 (a ``Decimal`` total: exact) alike."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (int, Decimal)):
        return f"{value:,}"
    text = repr(value)
    if "e" in text or "inf" in text or "nan" in text:
        return text
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-')):,}.{frac}"


def draft_mark(status: Text | None, labels: dict[str, Text]) -> str:
    """The word a draft build (without ``--final``) prints behind every page.

    A stage that names a draft — its status has 「案」 in it: 素案, 案, 原案, 閣議決定案 —
    is the draft's own name and is printed as it is. Any other stage (閣議決定, 決定,
    none) is what the finished document will be, not what this printout is: a working
    copy of it is marked with the label ``draft_mark`` (「作業中」), and only the cover
    names the stage. A formal build (``--final``) prints no mark at all."""
    if status is not None and "案" in status.plain:
        return status.plain
    return labels["draft_mark"].plain


#: The wording of every label and generated caption, unless plan.yaml's ``labels`` says
#: otherwise. Part labels of a 政策パッケージ are keys here too (``part: measures``).
DEFAULT_LABELS: dict[str, str] = {
    "directions": "今後の社会資本整備の方向性",
    "measures": "当面の取組（例）",
    "key_measures": "重点施策",
    "situation": "現状と課題",
    "kpis": "ＫＰＩ",
    "toc_title": "目　次",
    "cover": "表紙",
    "outline_marker": "○",
    "examples_marker": "○",
    "pending_value": "（今後設定）",
    "pending_text": "（今後記述）",
    "pending_what": "本文",
    "pending_date": "（日付は今後記載）",
    "date_line": "日付欄",
    "plan_period": "計画期間",
    "draft_mark": "作業中",
    "annex": "参考",
    "figure": "図",
    "table": "表",
    "source": "出典：",
    "group_open": "≪",
    "group_close": "≫",
    "kpi_indicator": "指標",
    "kpi_unit": "単位",
    "kpi_baseline": "基準値",
    "kpi_target": "目標値",
    "kpi_notes": "備考",
    "kpi_no_unit": "－",
    "kpi_count": "件",
    "package_list_head": "重点目標・目指す社会の姿・政策パッケージ",
    "package_list_kpi": "ＫＰＩ",
    "package_list_page": "頁",
    "kpi_list_package": "政策パッケージ",
    "vision_examples_vision": "目指す社会の姿",
    "vision_examples_themes": "施策テーマの例",
    "pending_list_note": "今後の議論により定めることとしている事項は、次のとおりである（計{count}件）。",
    "pending_list_count": "（{count}件）",
    "pending_list_marker": "・",
    "relation": "対応する課題",
    "followup_title": "年次フォローアップ",
    "followup_as_of": "（{year}の実績まで）",
    "followup_summary": "重点目標ごとの状況",
    "followup_goal": "重点目標",
    "followup_total": "計",
    "followup_achieved": "達成",
    "followup_on_track": "順調",
    "followup_behind": "遅れ",
    "followup_unset": "未設定",
    "followup_actual": "実績値",
    "followup_latest": "最新値",
    "followup_progress": "進捗率",
    "followup_status": "状況",
    "followup_kind": "区分",
    "followup_year": "年度",
    "followup_value": "値",
    "followup_remark": "注記・出典",
    "followup_no_actuals": "実績値なし",
    "followup_without": "実績値の報告がないＫＰＩ",
    "followup_line": "基準値と目標値を結ぶ直線",
    "followup_formula": "進捗率＝（最新値－基準値）÷（目標値－基準値）。状況は、基準値と目標値を結ぶ直線が最新値の年度に示す進捗率と比べて定める。進捗率が100％以上で「達成」、直線の進捗率の{on_track}％以上で「順調」、それ未満で「遅れ」。実績値がないもの、基準値・目標値が数で定まっていないものは「未設定」。",
    "overview_title": "（概要）",
    "overview_continued": "（続き）",
    "overview_kpi": "主なＫＰＩ",
    "screen_notes": "注",
    "screen_notes_back": "本文へ戻る",
    "regional_kpis": "地方ブロックのＫＰＩ",
    "projects_name": "事業名",
    "projects_place": "箇所",
    "projects_completion": "完成予定時期",
    "projects_cost": "事業費（億円）",
    "projects_notes": "備考",
    "projects_total": "計（{count}件）",
}
