"""The import of the ＫＰＩ sheet's rows (``Importer``): each row read as an existing ＫＰＩ,
a new one, or a 政策パッケージ's pending reason, checked at its cells, and its values
applied to the content files' YAML; the new ＫＰＩ and reasons written by ``finish``.
``ImportResult`` is what an import changed."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import Pos
from ..load import EDITIONS_DIR, REGIONAL_KPIS_KEY
from ..load.names import _ID
from ..model import Kpi, KpiValue, Pending, Plan
from .actuals import Actuals, actual_columns
from .cells import SheetRow, number_text
from .columns import (
    BASELINE,
    BASELINE_YEAR,
    EDITION,
    INDICATOR,
    KPI_ID,
    NATIONAL,
    NOTES,
    PACKAGE_ID,
    PERCENT_UNIT,
    TARGET,
    TARGET_YEAR,
    UNIT,
    VALUES,
)
from .content import ContentFiles, Known
from .edits import (
    Changes,
    NewKpi,
    append_kpis,
    fill_pending,
    regional_entry,
    replace_scalar,
    set_key,
)
from .export import cell_value
from .reading import Report, same, split_notes
from .state import kpi_state, slot
from .yamledit import Doc, _get, _value


@dataclass(frozen=True)
class ImportResult:
    """What an import changed. ``changes`` has one line per value, as
    ``content/goals/a.yaml:24:28: kpi-a 基準値: 10 → 12``."""

    sheet: str
    files: tuple[str, ...] = ()
    """The content files written, as shown in messages."""
    values: int = 0
    """How many values (cells) were written into them."""
    added: tuple[str, ...] = ()
    """The ids of the ＫＰＩ added."""
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """Cells read but not applied (e.g. a cleared 備考: nothing is deleted from the sheet)."""

    @property
    def changed(self) -> bool:
        return bool(self.files)

    def summary(self) -> str:
        if not self.files:
            return f"{self.sheet}: 変更はありません。内容ファイルはそのままです。 (nothing changed)"
        added = f"、ＫＰＩを {len(self.added)} 件追加" if self.added else ""
        return (
            f"{self.sheet}: {len(self.files)} 個のファイルに {self.values} 個の値を書き込みました{added}"
            f"（{', '.join(self.files)}）。 (wrote {self.values} values into {len(self.files)} files)"
        )


def default_kpi_id(package_id: str, taken: set[str | None], prefix: str = "") -> str:
    """The id a new ＫＰＩ of a package gets when the sheet gives none: ``kpi-`` and the
    package's id (without its ``pkg-``), numbered from 1, the first not yet in the plan;
    an edition's ＫＰＩ has its name before (``prefix``: ``kanto-kpi-repair-1``)."""
    stem = package_id.removeprefix("pkg-")
    n = 1
    while f"{prefix}kpi-{stem}-{n}" in taken:
        n += 1
    return f"{prefix}kpi-{stem}-{n}"


@dataclass
class Importer:
    """Reads the sheet's rows (``row``) into edits of the content files; ``finish`` adds
    what a row alone cannot write. Every problem is kept in ``report``."""

    content_dir: Path
    plan: Plan
    editions: dict[str, Plan] = field(default_factory=dict)
    """The regional editions by name: their own ＫＰＩ are the sheet's too."""

    def __post_init__(self) -> None:
        self.report = Report()
        self.changes = Changes()
        self.known = Known(self.plan, self.editions)
        self.files = ContentFiles(self.content_dir, self.plan, self.editions)
        #: What the content holds once written, as ``kpi_state``.
        self.expected = kpi_state(self.plan, self.editions)
        self.actuals = Actuals(self.report, self.changes, self.known, self.files, self.expected)
        self.new: dict[str, list[NewKpi]] = {}
        self.reasons: dict[str, tuple[str, SheetRow]] = {}
        self.seen: dict[str, Pos] = {}
        self.first_rows: dict[str, SheetRow] = {}

    # -- rows

    def row(self, row: SheetRow) -> None:
        editable = (INDICATOR, UNIT, BASELINE, BASELINE_YEAR, TARGET, TARGET_YEAR, NOTES)
        kpi_id = self.report.text(row, KPI_ID)
        pkg_id = self.report.text(row, PACKAGE_ID)
        if not kpi_id and not pkg_id:
            if row.has_content(editable):
                self.report.add(
                    row.cell(KPI_ID) if KPI_ID in row.cells else row.start,
                    f"{KPI_ID}と{PACKAGE_ID}がありません。書き出した行の ID は変えず、新しいＫＰＩには"
                    "両方を書いてください。 (row without ids)",
                )
            return
        edition = self.edition(row)
        if edition is None:
            return
        if not kpi_id:
            self.package_row(row, pkg_id or "", edition)
            return
        if kpi_id in self.seen:
            if (
                kpi_id in self.known.kpis
                and kpi_id in self.first_rows
                and self.actuals.further_year(row, kpi_id, self.first_rows[kpi_id])
            ):
                return  # kpi.csv: one more year of the same ＫＰＩ (long format)
            self.report.add(
                row.cell(KPI_ID),
                f"{KPI_ID}「{kpi_id}」の行が {self.seen[kpi_id]} にもあります。"
                "一つの行にまとめてください。 (duplicate row)",
            )
            return
        self.seen[kpi_id] = row.cell(KPI_ID).pos
        if (
            kpi_id in self.known.kpis
            and self.known.owners[kpi_id] != edition
            and not row.cell(EDITION).empty
        ):
            self.report.add(
                row.cell(EDITION),
                f"ＫＰＩ「{kpi_id}」は{_whose(self.known.owners[kpi_id])}のものです。"
                f"書き出した行の{EDITION}は変えないでください（ＫＰＩを移すときは内容ファイルで）。"
                " (KPI belongs to another edition)",
            )
            return
        if kpi_id in self.known.kpis:
            self.first_rows[kpi_id] = row
            self.existing(row, kpi_id, pkg_id)
            if not pkg_id or pkg_id == self.known.kpis[kpi_id][0].id:
                self.actuals.read_row(row, kpi_id)
        else:
            self.added(row, kpi_id, pkg_id, edition)
            filled = [c for c in actual_columns(row) if not row.cell(c).empty]
            if filled:
                self.report.add(
                    row.cell(filled[0]),
                    f"新しいＫＰＩ「{kpi_id}」の実績値は取り込めません。ＫＰＩを加える取り込みを"
                    "先に済ませてから、実績値を取り込んでください。 (actual values of a new KPI)",
                )

    def edition(self, row: SheetRow) -> str | None:
        """Whose a row's ＫＰＩ is (its 「版」): 全国 when the cell is empty or the sheet has
        no such column, else an edition's name; None if it names none (a problem)."""
        text = self.report.text(row, EDITION) if EDITION in row.cells else None
        if not text or text == NATIONAL:
            return NATIONAL
        if text in self.editions:
            return text
        known = [NATIONAL, *sorted(self.editions)]
        close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
        hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
        self.report.add(
            row.cell(EDITION),
            f"{EDITION}「{text}」がありません。{hint}「{NATIONAL}」か、{EDITIONS_DIR}/ にある版の名前"
            f"（{'、'.join(sorted(self.editions)) or 'なし'}）を書いてください。 (unknown edition)",
        )
        return None

    def unknown_package(self, row: SheetRow, pkg_id: str, edition: str = NATIONAL) -> None:
        packages = self.known.packages_of(edition)
        close = difflib.get_close_matches(pkg_id, sorted(packages), n=1, cutoff=0.75)
        hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
        if edition != NATIONAL and pkg_id in self.known.packages:
            self.report.add(
                row.cell(PACKAGE_ID),
                f"政策パッケージ「{pkg_id}」は版「{edition}」に載っていません。版のＫＰＩは、"
                "その版が parts に載せる政策パッケージに加えます。 (package not printed in this edition)",
            )
            return
        where = "計画" if edition == NATIONAL else f"版「{edition}」"
        self.report.add(
            row.cell(PACKAGE_ID),
            f"{PACKAGE_ID}「{pkg_id}」の政策パッケージが{where}にありません。{hint}"
            " (unknown package id)",
        )

    def package_row(self, row: SheetRow, pkg_id: str, edition: str = NATIONAL) -> None:
        """A row for a package whose ＫＰＩ are pending: its 備考 is the reason. With an
        edition's name in 「版」, values add a ＫＰＩ of that edition to the package."""
        if pkg_id not in self.known.packages_of(edition):
            self.unknown_package(row, pkg_id, edition)
            return
        filled = [c for c in actual_columns(row) if not row.cell(c).empty]
        if filled:
            self.report.add(
                row.cell(filled[0]),
                f"政策パッケージ「{pkg_id}」の行にはＫＰＩがないため、実績値を取り込めません。"
                "実績値はＫＰＩの行に書いてください。 (actual values without a KPI)",
            )
            return
        if row.has_content((INDICATOR, UNIT, BASELINE, BASELINE_YEAR, TARGET, TARGET_YEAR)):
            # The values of a pending package's row are enough: the new ＫＰＩ takes the
            # package's default id, and the editor is told which.
            prefix = "" if edition == NATIONAL else f"{edition}-"
            kpi_id = default_kpi_id(pkg_id, self.known.ids, prefix)
            self.report.warnings.append(
                f"{row.cell(KPI_ID).pos}: {KPI_ID}が空欄のため、新しいＫＰＩの ID を"
                f"「{kpi_id}」としました。別の ID にするなら、この欄に書いてください。"
                f" (new KPI id {kpi_id})"
            )
            self.seen[kpi_id] = row.cell(KPI_ID).pos
            self.added(row, kpi_id, pkg_id, edition)
            return
        if edition != NATIONAL:
            return  # an edition's ＫＰＩ are never pending as a whole
        notes = self.report.text(row, NOTES)
        kpis = self.known.packages[pkg_id].kpis
        if notes and isinstance(kpis, Pending) and notes != kpis.pending.raw:
            self.reasons[pkg_id] = (notes, row)

    def existing(self, row: SheetRow, kpi_id: str, pkg_id: str | None) -> None:
        pkg, k = self.known.kpis[kpi_id]
        if pkg_id and pkg_id != pkg.id:
            self.report.add(
                row.cell(PACKAGE_ID),
                f"ＫＰＩ「{kpi_id}」は政策パッケージ「{pkg.id}」のものです。"
                f"{PACKAGE_ID}は変えないでください（ＫＰＩを移すときは内容ファイルで）。"
                " (KPI belongs to another package)",
            )
            return
        doc, node = self.files.kpi_node(self.known.slot_of(kpi_id), kpi_id)
        state = self.expected[self.known.slot_of(kpi_id)][kpi_id]
        pending = {col for name, col, _ in VALUES if isinstance(getattr(k, name), Pending)}
        notes_text = self.report.text(row, NOTES)
        rest, reasons = split_notes(notes_text or "", pending)
        indicator = self.report.text(row, INDICATOR)
        if indicator and indicator != k.indicator.raw:
            seq = set_key(doc, node, "indicator", indicator)
            self.changes.change(doc, seq, f"{kpi_id} {INDICATOR}", k.indicator.raw, indicator)
            state["indicator"] = indicator
        percent = False
        for name, value_col, year_col in VALUES:
            percent |= self.existing_value(
                row, doc, node, k, name, value_col, year_col, reasons.get(value_col), state
            )
        unit = self.report.text(row, UNIT) or (PERCENT_UNIT if percent else None)
        current_unit = k.unit.raw if k.unit else None
        if unit and unit != current_unit:
            seq = set_key(doc, node, "unit", unit)
            self.changes.change(doc, seq, f"{kpi_id} {UNIT}", current_unit or "（なし）", unit)
            state["unit"] = unit
        current_notes = k.notes.raw if k.notes else None
        if rest and rest != current_notes:
            seq = set_key(doc, node, "notes", rest)
            self.changes.change(doc, seq, f"{kpi_id} {NOTES}", current_notes or "（なし）", rest)
            state["notes"] = rest
        elif notes_text and not rest and current_notes:
            self.report.warnings.append(
                f"{row.cell(NOTES).pos}: ＫＰＩ「{kpi_id}」の備考を消す変更は反映しません。"
                "消すときは内容ファイルで notes を削除してください。 (notes are not deleted from the sheet)"
            )

    def existing_value(
        self,
        row: SheetRow,
        doc: Doc,
        node: yaml.MappingNode,
        k: Kpi,
        name: str,
        value_col: str,
        year_col: str,
        reason: str | None,
        state: dict[str, Any],
    ) -> bool:
        """Apply one value's cells to a ＫＰＩ that exists; True if a cell was a percentage."""
        current = getattr(k, name)
        value = self.report.value(row, value_col)
        year = self.report.text(row, year_col)
        value_node = _value(node, name)
        label = f"{k.id} {value_col}"
        if isinstance(current, KpiValue):
            if value is not None and not same(current.value, value):
                if value.number is None:
                    self.report.bad_number(row, value_col, value)
                else:
                    seq = replace_scalar(doc, _value(value_node, "value"), value.number)
                    self.changes.change(
                        doc, seq, label, cell_value(current.value), number_text(value.number)
                    )
                    state[name] = ("value", value.number, state[name][2])
            if year is not None and year != current.year.raw:
                seq = replace_scalar(doc, _value(value_node, "year"), year)
                self.changes.change(doc, seq, f"{k.id} {year_col}", current.year.raw, year)
                state[name] = (*state[name][:2], year)
            return bool(value and value.percent)
        if value is None and year is None:
            if reason and reason != current.pending.raw:
                seq = replace_scalar(doc, _value(value_node, "pending"), reason)
                self.changes.change(doc, seq, f"{label}（未定の理由）", current.pending.raw, reason)
                state[name] = ("pending", reason)
            return False
        if not self.report.complete_value(row, value, year, value_col, year_col):
            return False
        assert value is not None and value.number is not None and year is not None
        seq = fill_pending(doc, value_node, value.number, year)
        self.changes.change(
            doc, seq, label, None, f"{number_text(value.number)}（{year}）", count=2
        )
        state[name] = ("value", value.number, year)
        return value.percent

    def added(
        self, row: SheetRow, kpi_id: str, pkg_id: str | None, edition: str = NATIONAL
    ) -> None:
        """A row with a ＫＰＩのID the plan does not have: a ＫＰＩ to add to its package
        (with an edition's name in 「版」, to that edition's ＫＰＩ of the package)."""
        ok = True
        packages = self.known.packages_of(edition)
        if not pkg_id:
            close = difflib.get_close_matches(kpi_id, sorted(self.known.kpis), n=1, cutoff=0.75)
            hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
            self.report.add(
                row.cell(KPI_ID),
                f"ＫＰＩ「{kpi_id}」が計画にありません。{hint}新しいＫＰＩなら、"
                f"加える先の{PACKAGE_ID}を書いてください。 (unknown KPI id)",
            )
            return
        if pkg_id not in packages:
            self.unknown_package(row, pkg_id, edition)
            ok = False
        if not _ID.match(kpi_id):
            self.report.add(
                row.cell(KPI_ID),
                f"ＫＰＩのID「{kpi_id}」には半角の英小文字・数字・ハイフンだけを使ってください。"
                " (ids use a-z, 0-9 and '-')",
            )
            ok = False
        elif kpi_id in self.known.ids:
            self.report.add(
                row.cell(KPI_ID),
                f"ID「{kpi_id}」は計画の別の項目で使われています。ID は計画全体で一つだけに"
                "してください。 (duplicate id)",
            )
            ok = False
        indicator = self.report.text(row, INDICATOR)
        if not indicator:
            self.report.add(
                row.cell(INDICATOR),
                f"{INDICATOR}がありません。新しいＫＰＩ「{kpi_id}」には{INDICATOR}を"
                "書いてください。 (missing indicator for a new KPI)",
            )
            ok = False
        pkg = packages.get(pkg_id or "")
        siblings = (pkg.kpis if edition == NATIONAL else pkg.regional_kpis) if pkg else ()
        if indicator and isinstance(siblings, tuple):
            twin = next((k for k in siblings if k.indicator.raw == indicator), None)
            if twin:
                self.report.add(
                    row.cell(KPI_ID),
                    f"同じ{INDICATOR}のＫＰＩ「{twin.id}」がこの政策パッケージにあります。"
                    f"{KPI_ID}を書き換えていませんか（書き出したときの ID に戻してください）。"
                    " (KPI id changed?)",
                )
                ok = False
        fields: dict[str, Any] = {"indicator": indicator}
        percent = False
        missing: list[tuple[str, str]] = []
        for name, value_col, year_col in VALUES:
            value = self.report.value(row, value_col)
            year = self.report.text(row, year_col)
            if value is None and year is None:
                missing.append((name, value_col))
            elif self.report.complete_value(row, value, year, value_col, year_col):
                assert value is not None and value.number is not None
                fields[name] = ("value", value.number, year)
                percent |= value.percent
            else:
                ok = False
        notes = self.report.text(row, NOTES) or ""
        if isinstance(siblings, Pending) and notes == siblings.pending.raw:
            notes = ""  # the package row's reason, left in the row the ＫＰＩ was written into
        rest, reasons = split_notes(notes, {col for _, col in missing})
        for name, value_col in missing:
            if value_col in reasons:
                fields[name] = ("pending", reasons[value_col])
            else:
                self.report.add(
                    row.cell(value_col),
                    f"{value_col}が空欄です。決まっていなければ、備考に「{value_col}：理由」"
                    "と書いてください。 (give the value, or its pending reason in 備考)",
                )
                ok = False
        fields["unit"] = self.report.text(row, UNIT) or (PERCENT_UNIT if percent else None)
        fields["notes"] = rest or None
        if ok and pkg_id:
            self.new.setdefault(slot(edition, pkg_id), []).append(NewKpi(kpi_id, row, fields))
            self.known.ids.add(kpi_id)

    def finish(self) -> None:
        """Add the new ＫＰＩ to their packages and apply the packages' new pending reasons
        and the new 実績値."""
        self.actuals.write()
        for pkg_id, (reason, row) in self.reasons.items():
            if pkg_id in self.new:
                continue  # the ＫＰＩ added replace the pending reason
            doc, _key_node, value = self.files.kpi_part(pkg_id)
            scalar = _get(value, "pending")
            if scalar is None:
                self.report.add(
                    row.cell(NOTES),
                    "未定の理由を表から変えられません。内容ファイルで直してください。",
                )
                continue
            seq = replace_scalar(doc, scalar[1], reason)
            self.changes.change(
                doc, seq, f"{pkg_id} ＫＰＩ（未定の理由）", self.expected[pkg_id][1], reason
            )
            self.expected[pkg_id] = ("pending", reason)
        for where, kpis in self.new.items():
            if "/" not in where or where in self.files.regional_nodes:
                doc, key_node, value = self.files.kpi_part(where)
                seq = append_kpis(doc, key_node, value, kpis)
            else:  # the first ＫＰＩ an edition gives this package
                found = self.new_entry(where, kpis)
                if found is None:
                    continue
                doc, seq = found
            known = self.expected.get(where)
            state = known if isinstance(known, dict) else {}
            for k in kpis:
                count = sum(1 for v in k.fields.values() if v is not None) + sum(
                    1 for name in ("baseline", "target") if k.fields[name][0] == "value"
                )
                self.changes.change(
                    doc, seq, f"{k.id} ＫＰＩを追加", "（なし）", k.fields["indicator"], count=count
                )
                state[k.id] = {
                    **{n: k.fields.get(n) for n in ("indicator", "unit", "notes")},
                    **{n: k.fields[n] for n in ("baseline", "target")},
                    "actuals": [],
                }
            self.expected[where] = state

    def new_entry(self, where: str, kpis: list[NewKpi]) -> tuple[Doc, int] | None:
        """An entry ``- package: ID`` with its ``kpis`` added to an edition's
        ``regional_kpis:`` (``edits.regional_entry``). None, and a problem, if the file
        writes it otherwise."""
        name, pkg_id = where.split("/", 1)
        doc = self.files.edition_docs[name]
        seq = regional_entry(doc, pkg_id, kpis)
        if seq is not None:
            return doc, seq
        self.report.add(
            kpis[0].row.cell(EDITION),
            f"版「{name}」の {doc.shown} の {REGIONAL_KPIS_KEY} には、表から政策パッケージ"
            f"「{pkg_id}」のＫＰＩを加えられません（書き方が一覧（- package: …）ではありません）。"
            f"内容ファイルの {REGIONAL_KPIS_KEY} に書いてください。 (regional_kpis not a block list)",
        )
        return None


def _whose(owner: str) -> str:
    """「全国計画」, or 「版「kanto」」: whose a ＫＰＩ is, in a message."""
    return "全国計画" if owner == NATIONAL else f"版「{owner}」"
