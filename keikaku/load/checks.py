"""The loader's third layer: checks of a built object that its type alone cannot express
(value rules, tables, images, ＫＰＩ 実績値), and of ids and the references to them.
"""

from __future__ import annotations

import difflib
from typing import Any

from .. import limits, model, tables
from ..errors import Pos
from ..rules import WIDTH, rules_of
from ..sources import YList, YMap, printable
from .names import _ID
from .values import Values


class Checks(Values):
    """Checks of built objects, ids and references (a layer of ``Loader``)."""

    def validate_values(self, obj: Any, node: YMap) -> None:
        """Checks on option values that a type alone cannot express."""

        def bad(key: str, message: str) -> None:
            self.add(node.at(key), message, f"{self.field_path()}.{key}".lstrip("."))

        # The rules of one field each (rules.py, which the JSON Schemas read too) …
        for name, rule in rules_of(obj):
            message = rule.problem(getattr(obj, name))
            if message:
                bad(rule.key or name, message)
        # … and the checks that look at more than one value, or outside the block.
        if isinstance(obj, model.Table):
            self.validate_table(obj, node)
        elif isinstance(obj, model.Figure):
            from ..images import check_image

            target = self.resolve(
                obj.src, node.at("src"), "画像ファイル", (".png", ".jpg", ".jpeg", ".svg")
            )
            if target is not None:
                self.images.add(obj.src)
                for problem in check_image(
                    self.root / obj.src, self.shown(obj.src), node.at("src")
                ):
                    self.problems.items.append(problem)
        elif isinstance(obj, model.PackagePart) and obj.label not in self.labels_raw:
            close = difflib.get_close_matches(obj.label, sorted(self.labels_raw), n=1)
            hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
            bad(
                "part",
                f"見出しの語「{printable(obj.label)}」が plan.yaml の labels にありません。{hint}"
                f"labels に「{printable(obj.label)}: 見出しの語」を加えるか、名前を直してください。 (unknown label)",
            )
        elif isinstance(obj, model.Kpi) and obj.actuals:
            self.validate_actuals(obj, node)
        elif isinstance(obj, model.Projects):
            items = node.get("projects")
            if not obj.projects:
                bad(
                    "projects",
                    "主要事業が一件もありません。事業を「- id: …」で書いてください。 (no projects)",
                )
            elif len(obj.projects) > limits.MAX_TABLE_ROWS and isinstance(items, YList):
                self.add(
                    items.item_pos[limits.MAX_TABLE_ROWS],
                    tables.too_many_rows(len(obj.projects)),
                )
        elif isinstance(obj, model.PolicyPackage):
            kpi_parts = [p for p in obj.parts if isinstance(p, model.KpiPart)]
            if len(kpi_parts) != 1:
                bad(
                    "parts",
                    f"政策パッケージの構成には【ＫＰＩ】（kpis: …）をちょうど一つ書いてください（{len(kpi_parts)}個あります）。"
                    "まだ決まっていなければ「- kpis: {pending: 理由}」と書きます。 (exactly one kpis part)",
                )

    def validate_actuals(self, kpi: model.Kpi, node: YMap) -> None:
        """A ＫＰＩ's 実績値 against its 基準値, 目標値 and unit (series.py)."""
        from ..series import problems

        items = node.get("actuals")
        where = []
        for i in range(len(kpi.actuals)):
            item = items[i] if isinstance(items, YList) and i < len(items) else None
            if isinstance(item, YMap):
                where.append((item.at("year"), item.at("value"), item.at("unit")))
            else:
                where.append((node.at("actuals"),) * 3)
        for pos, path, message in problems(kpi, where):
            self.add(pos, message, f"{self.field_path()}.{path}".lstrip("."))

    def validate_table(self, table: model.Table, node: YMap) -> None:
        rows = node.get("rows")
        widths = len(table.rows[0]) if table.rows else 0
        for i, row in enumerate(table.rows):
            if len(row) != widths:
                where = (
                    rows.item_pos[i]
                    if isinstance(rows, YList) and i < len(rows.item_pos)
                    else node.pos
                )
                self.add(
                    where,
                    f"表の{i + 1}行目のセルが{len(row)}個です。1行目と同じ{widths}個にしてください"
                    '（空のセルは "" と書きます）。 (rows differ in length)',
                    f"{self.field_path()}.table[{i}]".lstrip("."),
                )
        if not table.rows:
            self.add(node.pos, "表に行がありません。 (empty table)")

        def row_pos(i: int) -> Pos:
            return (
                rows.item_pos[i] if isinstance(rows, YList) and i < len(rows.item_pos) else node.pos
            )

        if len(table.rows) > limits.MAX_TABLE_ROWS:
            self.add(row_pos(limits.MAX_TABLE_ROWS), tables.too_many_rows(len(table.rows)))
        total = 0
        for i, row in enumerate(table.rows):
            total += sum(len(cell.raw) for cell in row)
            if total > limits.MAX_TABLE_CHARS:
                self.add(
                    row_pos(i), tables.too_long(sum(len(c.raw) for r in table.rows for c in r))
                )
                break
        if not 0 <= table.header <= len(table.rows):
            self.add(
                node.at("header"), "見出し行の数が表の行数を超えています。 (header out of range)"
            )
        if table.widths:
            if len(table.widths) != widths:
                self.add(
                    node.at("widths"),
                    f"列の幅を列の数（{widths}個）だけ書いてください。 (widths do not match columns)",
                )
            for w in table.widths:
                if not WIDTH.match(w):
                    self.add(
                        node.at("widths"),
                        f"列の幅「{printable(w)}」は 30%、8em、25mm、auto のように書いてください。 (bad width)",
                    )

    def register_id(self, kind: str, value: str, pos: Pos) -> None:
        if not _ID.match(value):
            self.add(
                pos,
                f"ID「{printable(value)}」には半角の英小文字・数字・ハイフンだけを使ってください。"
                " (ids use a-z, 0-9 and '-')",
            )
        if value in self.ids:
            self.add(
                pos,
                f"ID「{printable(value)}」は {self.ids[value][1]} でも使われています。"
                "ID は計画全体で一つだけにしてください。 (duplicate id)",
            )
            return
        self.ids[value] = (kind, pos)

    def check_refs(self) -> None:
        for kind, value, pos, label, path in self.refs:
            found = self.ids.get(value)
            if found and found[0] == kind:
                continue
            candidates = [i for i, (k, _) in self.ids.items() if k == kind]
            close = difflib.get_close_matches(value, candidates, n=1)
            hint = f"「{printable(close[0])}」の誤りではありませんか。" if close else ""
            self.add(
                pos,
                f"{label}「{printable(value)}」が見つかりません。{hint}"
                " (reference to an unknown id)",
                path,
            )
