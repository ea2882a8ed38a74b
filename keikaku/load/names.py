"""The names the loader and its readers share: the content folder's fixed files and
the editions' folder, the pattern of an id, and every key a content file may use.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from .. import model
from ..lint import LintConfig, LintRule
from ..model import fields_of
from ..overview import OverviewFile, OverviewGoal

FOOTNOTES_FILE = "footnotes.yaml"

PLAN_FILE = "plan.yaml"

LINT_FILE = "lint.yaml"

#: The folder of the regional editions (editions.py): each is a content set of its own.
EDITIONS_DIR = "editions"

#: Files of the content folder that the build reads without being referred to.
FIXED_FILES = ("plan.yaml", FOOTNOTES_FILE, "lint.yaml", "followup.yaml")

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _known_keys() -> frozenset[str]:
    """Every field name and block kind a content file may use: a list item or key that
    reads ``name:value`` or ``name：value`` with one of them is a typing mistake."""
    names: set[str] = set()
    seen: set[type] = set()
    todo: list[Any] = [
        *model.BLOCK_KINDS,
        model.PlanFile,
        model.Kpi,
        model.KpiValue,
        model.KpiActual,
        model.Project,
        model.RegionalKpis,
        model.DiagramLink,
        model.PackagePart,
        model.KpiPart,
        model.ListItem,
        OverviewFile,
        OverviewGoal,
        LintConfig,
        LintRule,
    ]
    while todo:
        cls = todo.pop()
        if cls in seen or not isinstance(cls, type) or not dataclasses.is_dataclass(cls):
            continue
        seen.add(cls)
        if hasattr(cls, "KIND"):
            names.add(cls.KIND)
        for f, _tp in fields_of(cls):
            names.add(f.name)
            names.add(f.name.replace("_", "-"))
    return frozenset(names)


#: The key of an edition's plan.yaml under which its own ＫＰＩ stand (editions.py).
REGIONAL_KPIS_KEY = "regional_kpis"

KNOWN_KEYS = _known_keys() | {REGIONAL_KPIS_KEY}
