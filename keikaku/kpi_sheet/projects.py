"""主要事業 in the ＫＰＩ spreadsheet, and back: the sheet 「主要事業」 of ``kpi.xlsx``.

Bureaus send their lists of main projects as spreadsheets, as they send ＫＰＩ. When the
content holds any 主要事業 block (``projects:``, model.Projects) — in the national plan
or in a regional edition (``content/editions/NAME/``) — ``kpi export`` writes a second
sheet beside 「ＫＰＩ」: a row per project, keyed by its id (unique across the repository),
with its 版 (全国 or the edition's name) and 表 for reading, and its 事業名, 箇所,
完成予定時期, 事業費（億円）and 備考.

``kpi import`` reads that sheet too, with the ＫＰＩ sheet's guarantees (``kpi_sheet``): a
non-empty cell that differs sets the project's field, changing only that value's bytes
in the YAML (a field the project lacks is added after the field before it); an empty
cell changes nothing; a 完成予定時期 not written 令和N年度, a 事業費 that is not a number
or is less than 0, an id the content does not have, a row twice: each a problem at its
cell (``FILE.xlsx:主要事業!F3: …``), and nothing is written unless every row of both
sheets is valid. After writing, the plan and every edition are loaded again and compared
with what the sheet asked for; the files are restored if they differ. New projects are
added in the content files, not from the sheet.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from ..errors import Pos
from ..model import Plan, Projects, Text, walk
from ..series import fiscal_year
from .cells import _read_file, _xlsx_table, keyed_rows, number_text
from .content import ContentFiles
from .edits import Changes, set_key
from .reading import Report
from .state import _without_kpis
from .yamledit import Doc, _get

SHEET = "主要事業"
PROJECT_ID, EDITION, TABLE = "事業のID", "版", "表"
NAME, PLACE, COMPLETION, COST, NOTES = "事業名", "箇所", "完成予定時期", "事業費（億円）", "備考"
COLUMNS = (PROJECT_ID, EDITION, TABLE, NAME, PLACE, COMPLETION, COST, NOTES)
#: Written for reading: the key and the context, never read back.
READ_ONLY = (PROJECT_ID, EDITION, TABLE)
#: The editable columns and the model's fields they set.
FIELDS = {NAME: "name", PLACE: "place", COMPLETION: "completion", COST: "cost", NOTES: "notes"}
#: The fields of a project in the order the content files write them.
KEYS = ("id", "name", "place", "completion", "cost", "notes")
#: The 版 of the national plan's projects.
NATIONAL = "全国"

_PROMPTS = {
    "read_only": (
        "変更しないでください",
        "灰色の欄は内容ファイルから書き出したものです。取り込みでは事業のIDで行を対応させ、"
        "版・表の欄は読みません。新しい事業は内容ファイルに書きます。",
    ),
    "cost": ("事業費（億円）", "億円を単位とする数で書きます（例: 1250、320.5）。0 以上。"),
    "completion": ("完成予定時期", "例: 令和10年度。"),
}


# ------------------------------------------------------------------ the projects


@dataclass(frozen=True)
class Found:
    """A project as the sheet lists it: the edition it is printed in (全国 for the
    national plan), the table's name, and the project."""

    edition: str
    table: str
    project: Any


def projects_of(plans: list[tuple[str, Plan]]) -> list[Found]:
    """Every project of the national plan and the editions, each once (a national table
    that an edition prints by reference is listed under 全国), in document order."""
    found: list[Found] = []
    seen: set[str] = set()
    for edition, plan in plans:
        for block in walk(plan.parts):
            if not isinstance(block, Projects):
                continue
            parent = plan.index.parents.get(id(block))
            heading = plan.outline().of(parent).line if parent is not None else ""
            table = block.caption.raw if block.caption else heading
            for p in block.projects:
                if p.id not in seen:
                    seen.add(p.id)
                    found.append(Found(edition, table, p))
    return found


def all_plans(content_dir: Path, national: Plan) -> list[tuple[str, Plan]]:
    """The national plan and every edition, loaded and checked."""
    from ..editions import check_editions

    return [(NATIONAL, national), *check_editions(Path(content_dir)).items()]


def _cell(value: Any) -> Any:
    if isinstance(value, Text):
        return value.raw
    return value


def sheet_rows(found: list[Found]) -> list[dict[str, Any]]:
    """The sheet's rows by column name; numbers stay numbers, empty cells are None."""
    return [
        {
            PROJECT_ID: f.project.id,
            EDITION: f.edition,
            TABLE: f.table,
            **{column: _cell(getattr(f.project, name)) for column, name in FIELDS.items()},
        }
        for f in found
    ]


def add_sheet(wb: Any, rows: list[dict[str, Any]]) -> None:
    """The sheet 「主要事業」 in the workbook ``wb`` (openpyxl), styled as 「ＫＰＩ」 is."""
    from .style import fill_sheet, letters, prompter

    ws = wb.create_sheet(SHEET)
    wrap = (TABLE, NAME, PLACE, NOTES)
    last = fill_sheet(
        ws,
        COLUMNS,
        rows,
        read_only=READ_ONLY,
        wrap=lambda column: column in wrap,
        cap=lambda _column: 40,
        freeze="D2",
    )
    letter = letters(COLUMNS)
    prompt = prompter(ws, _PROMPTS)
    read_only = prompt("read_only")
    for column in READ_ONLY:
        read_only.add(f"{letter(column)}2:{letter(column)}{last}")
    prompt(
        "cost",
        type="decimal",
        operator="between",
        formula1="0",
        formula2="1E+15",
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="数ではありません",
        error="事業費（億円）は 0 以上の数で書きます（例: 1250、320.5）。",
    ).add(f"{letter(COST)}2:{letter(COST)}{last}")
    prompt("completion").add(f"{letter(COMPLETION)}2:{letter(COMPLETION)}{last}")


# ------------------------------------------------------------------ reading the sheet


def _choose(names: list[str], shown: str) -> str | None:
    return SHEET if SHEET in names else None


def read_rows(path: Path, shown: str) -> list[Any]:
    """The data rows of the workbook's sheet 「主要事業」 (``kpi_sheet.SheetRow``), or []
    when it has none (a CSV, or a workbook of ＫＰＩ only)."""
    if Path(path).suffix.lower() == ".csv":
        return []
    table = _xlsx_table(_read_file(Path(path), shown), shown, _choose)
    if not table:
        return []
    return keyed_rows(
        table,
        names=COLUMNS,
        keys=(PROJECT_ID,),
        where=Pos(f"{shown}:{SHEET}"),
        missing=f"シート「{SHEET}」に見出しの行（「{PROJECT_ID}」…）が見つかりません。書き出した表の"
        " 1 行目の見出しを消したり変えたりしていないか確かめてください。 (header row not found)",
    )


# ------------------------------------------------------------------ the import


def project_state(plans: list[tuple[str, Plan]]) -> dict[str, dict[str, Any]]:
    """Every project's fields, as comparable data (texts raw, 事業費 as Decimal)."""
    return {
        f.project.id: {
            name: (
                None
                if (value := getattr(f.project, name)) is None
                else Decimal(repr(value))
                if name == "cost"
                else value.raw
            )
            for name in FIELDS.values()
        }
        for f in projects_of(plans)
    }


@dataclass
class ProjectImporter:
    """Applies the rows of 「主要事業」 through the ＫＰＩ import's report, changes and files
    (``importer.Importer``'s): one set of files, problems and changes for both sheets."""

    report: Report
    changes: Changes
    files: ContentFiles
    plans: list[tuple[str, Plan]]
    found: dict[str, Found] = field(default_factory=dict)
    seen: dict[str, Pos] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.found = {f.project.id: f for f in projects_of(self.plans)}
        self.expected = project_state(self.plans)
        docs = self.files.docs
        root = self.files.content_dir.resolve()
        for _edition, plan in self.plans:
            for shown in plan.sources:
                if shown in docs or not shown.lower().endswith((".yaml", ".yml")):
                    continue
                file = Path(shown)
                if file.resolve().is_relative_to(root):
                    docs[shown] = Doc(file, shown, file.read_bytes())
        # Each project's mapping, by id, in the file that holds it.
        self.nodes: dict[str, tuple[Any, yaml.MappingNode]] = {}
        for doc in docs.values():
            for node in doc.nodes:
                if isinstance(node, yaml.MappingNode) and _first_key_is(node, "projects"):
                    items = node.value[0][1]
                    for item in items.value if isinstance(items, yaml.SequenceNode) else ():
                        found = _get(item, "id")
                        if found and isinstance(found[1], yaml.ScalarNode):
                            self.nodes.setdefault(found[1].value, (doc, item))

    def row(self, row: Any) -> None:
        report = self.report
        pid = report.text(row, PROJECT_ID)
        editable = tuple(FIELDS)
        if not pid:
            if row.has_content(editable):
                report.add(
                    row.cell(PROJECT_ID) if PROJECT_ID in row.cells else row.start,
                    f"{PROJECT_ID}がありません。書き出した行の ID は変えないでください。新しい事業は"
                    "内容ファイルの projects: に書きます。 (row without an id)",
                )
            return
        if pid in self.seen:
            report.add(
                row.cell(PROJECT_ID),
                f"{PROJECT_ID}「{pid}」の行が {self.seen[pid]} にもあります。"
                "一つの行にまとめてください。 (duplicate row)",
            )
            return
        self.seen[pid] = row.cell(PROJECT_ID).pos
        if pid not in self.found or pid not in self.nodes:
            close = difflib.get_close_matches(pid, sorted(self.found), n=1, cutoff=0.75)
            hint = f"「{close[0]}」の誤りではありませんか。" if close else ""
            report.add(
                row.cell(PROJECT_ID),
                f"事業「{pid}」が内容ファイルにありません。{hint}書き出した行の ID は"
                "変えないでください。新しい事業は内容ファイルの projects: に書きます。"
                " (unknown project)",
            )
            return
        project = self.found[pid].project
        doc, node = self.nodes[pid]
        state = self.expected[pid]
        for column, name in FIELDS.items():
            current = getattr(project, name)
            if name == "cost":
                value = report.value(row, column)
                if value is None:
                    continue
                if value.number is None or value.percent:
                    report.add(
                        row.cell(column),
                        f"{column}「{value.text}」を数として読めません。億円を単位とする数で"
                        "書いてください（例: 1250、320.5。「億円」は書きません）。 (not a number)",
                    )
                    continue
                if value.number < 0:
                    report.add(
                        row.cell(column),
                        f"{column}「{value.text}」が 0 より小さくなっています。0 以上の数で"
                        "書いてください。 (negative cost)",
                    )
                    continue
                if current is not None and Decimal(repr(current)) == value.number:
                    continue
                seq = set_key(doc, node, name, value.number, keys=KEYS)
                shown = "（なし）" if current is None else number_text(current)
                self.changes.change(doc, seq, f"{pid} {column}", shown, number_text(value.number))
                state[name] = value.number
                continue
            text = report.text(row, column)
            if text is None:
                continue
            if name == "completion" and fiscal_year(text) is None:
                report.add(
                    row.cell(column),
                    f"{column}「{text}」は「令和10年度」のように令和N年度の形で書いてください。"
                    " (fiscal year not understood)",
                )
                continue
            if current is not None and text == current.raw:
                continue
            seq = set_key(doc, node, name, text, keys=KEYS)
            self.changes.change(
                doc, seq, f"{pid} {column}", "（なし）" if current is None else current.raw, text
            )
            state[name] = text


def _first_key_is(node: yaml.MappingNode, key: str) -> bool:
    return bool(node.value) and getattr(node.value[0][0], "value", None) == key


def without_projects(data: Any) -> Any:
    """plan.json's data with the 主要事業's rows left out."""
    if isinstance(data, dict):
        return {
            k: (None if k == "projects" and data.get("kind") == "projects" else without_projects(v))
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [without_projects(v) for v in data]
    return data


def as_expected(
    before: list[tuple[str, Plan]], after: list[tuple[str, Plan]], expected: dict[str, Any]
) -> bool:
    """The plans as loaded again hold exactly the projects the sheet asked for; every
    edition is otherwise as it was (its ＫＰＩ are the ＫＰＩ sheet's to check)."""
    if project_state(after) != expected:
        return False
    return [name for name, _ in before] == [name for name, _ in after] and rest_unchanged(
        before, after
    )


def rest_unchanged(before: list[tuple[str, Plan]], after: list[tuple[str, Plan]]) -> bool:
    """Each plan (``all_plans``) as it was, its ＫＰＩ and 主要事業 left out: what neither
    sheet may change."""
    from ..data import plan_data

    return all(
        without_projects(_without_kpis(plan_data(a)))
        == without_projects(_without_kpis(plan_data(b)))
        for (_n, a), (_m, b) in zip(before, after, strict=True)
    )


__all__ = [
    "COLUMNS",
    "SHEET",
    "ProjectImporter",
    "add_sheet",
    "all_plans",
    "as_expected",
    "project_state",
    "projects_of",
    "read_rows",
    "rest_unchanged",
    "sheet_rows",
]
