"""The ＫＰＩ sheet's columns, the limits of what is read, and the prompts the sheet shows
its editors."""

from __future__ import annotations

from datetime import datetime

from ..data import (
    KPI_COLUMNS,
)

# ------------------------------------------------------------------ the sheet's columns

SHEET = "ＫＰＩ"
KPI_ID, PACKAGE_ID = "ＫＰＩのID", "政策パッケージのID"
GOAL, PACKAGE, STATE = "重点目標", "政策パッケージ", "状態"
INDICATOR, UNIT, NOTES = "指標", "単位", "備考"
BASELINE, BASELINE_YEAR, TARGET, TARGET_YEAR = "基準値", "基準年度", "目標値", "目標年度"
#: The columns of kpi.csv (``data.KPI_COLUMNS``), in the same order: one layout for both.
COLUMNS = KPI_COLUMNS
#: Whose ＫＰＩ a row is: 全国 (``NATIONAL``), or the name of the regional edition
#: (``content/editions/NAME/``) whose ``regional_kpis:`` holds it. A column of the sheet
#: only when the content has editions, after the two keys; as 主要事業's 「版」.
EDITION = "版"
NATIONAL = "全国"
#: Columns written for reading: the keys (changed only to add a ＫＰＩ) and the context.
READ_ONLY = (KPI_ID, PACKAGE_ID, EDITION, GOAL, PACKAGE, STATE)
#: A ＫＰＩ's two values: the model's field, its value column and its year column.
VALUES = (("baseline", BASELINE, BASELINE_YEAR), ("target", TARGET, TARGET_YEAR))
#: The fields of a ＫＰＩ in the order the content files write them.
KPI_KEYS = ("id", "indicator", "unit", "baseline", "target", "actuals", "notes")
#: The fields of a 実績値 in that order.
ACTUAL_KEYS = ("year", "value", "unit", "note", "source")
#: Between the segments of 備考: the notes, then 「基準値：理由」, 「目標値：理由」.
SEPARATOR = " / "
PERCENT_UNIT = "％"

# ------------------------------------------------------------------ limits (hostile input)


_EPOCH_1980 = datetime(1980, 1, 1)  # the earliest time a zip member can carry
#: What a workbook too big to read should be cut down to (kpi.xlsx has both sheets).
_SHEETS_ONLY = "書き出したシート（「ＫＰＩ」「主要事業」）の表だけ"


#: Widest a column gets, in characters; longer text wraps.
_WIDTH_CAPS = {GOAL: 30, PACKAGE: 36, INDICATOR: 40, NOTES: 50}

_PROMPTS = {
    "read_only": (
        "変更しないでください",
        "灰色の欄は内容ファイルから書き出したものです。取り込みでは ID で行を"
        "対応させ、重点目標・政策パッケージ・状態の欄は読みません。ＫＰＩが未定の政策パッケージの行"
        "（ＫＰＩのIDが空欄）は、指標と値を書けば、そのＫＰＩの ID は「kpi-政策パッケージのID-1」"
        "の形で付きます（別の ID にするなら、空欄のＫＰＩのIDに書きます）。もう一つ加えるときは、"
        "表の下の行に政策パッケージのIDを書いて加えます。",
    ),
    "new_ids": (
        "新しいＫＰＩ",
        "加える先の政策パッケージのIDと、指標・基準値・目標値を書きます。ＫＰＩのID"
        "（半角の英小文字・数字・ハイフン、計画全体で一つ）は、空欄なら「kpi-政策パッケージのID-1」"
        "の形で付きます。",
    ),
    "value": (
        "数で書きます",
        "例: 32、0.5、1200。％の書式のセル（32%）は 32 として読み、単位の欄が空なら"
        "単位を「％」にします。未定なら空欄にして、備考に「基準値：理由」と書きます。",
    ),
    "year": ("年度", "例: 令和６年度。値を新しく設定するときは、年度も書きます。"),
    "actual": (
        "実績値",
        "その年度の実績値を数で書きます（例: 58、0.5）。空欄なら何も変わりません。"
        "基準値の年度より前、目標値の年度より後の年度には書けません。",
    ),
    "notes": (
        "備考",
        "備考の本文のあとに、未定の値の理由が「 / 基準値：理由」の形で続きます。"
        "値を書き込めば理由は消えます。空欄にしても何も変わりません。",
    ),
}
#: The prompts that differ when the content has regional editions (the column 「版」).
_EDITION_PROMPTS = {
    **_PROMPTS,
    "read_only": (
        "変更しないでください",
        "灰色の欄は内容ファイルから書き出したものです。取り込みでは ID で行を"
        "対応させ、版・重点目標・政策パッケージ・状態の欄は読みません。版が「全国」の行は全国計画の"
        "ＫＰＩ、版の名前（例: kanto）の行はその版の regional_kpis のＫＰＩです。"
        "新しいＫＰＩは表の下の行に、政策パッケージのIDと版を書いて加えます。",
    ),
    "new_ids": (
        "新しいＫＰＩ",
        "加える先の政策パッケージのIDと、指標・基準値・目標値を書きます。版の欄が空欄か"
        "「全国」なら全国計画のＫＰＩ、版の名前（例: kanto）ならその版のＫＰＩ（regional_kpis）に"
        "なります。ＫＰＩのID（半角の英小文字・数字・ハイフン、計画全体で一つ）は、空欄なら"
        "「kpi-政策パッケージのID-1」（版のＫＰＩは「版の名前-kpi-…-1」）の形で付きます。",
    ),
}
