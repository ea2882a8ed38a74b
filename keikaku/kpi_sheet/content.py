"""What the import reads of the content: the plan's and its editions' packages and ＫＰＩ
by id, whose each ＫＰＩ is and the ids taken (``Known``); and the YAML content files with
where in them each package's ＫＰＩ are written (``ContentFiles``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..load import EDITIONS_DIR, PLAN_FILE, REGIONAL_KPIS_KEY
from ..model import Kpi, Plan, PolicyPackage, walk
from .columns import NATIONAL
from .export import regional_packages
from .state import slot
from .yamledit import Doc, _first_key, _get, _key


@dataclass
class Known:
    """The packages and ＫＰＩ of the plan and of its editions, by id."""

    plan: Plan
    editions: dict[str, Plan]
    """The regional editions by name: their own ＫＰＩ are the sheet's too."""

    def __post_init__(self) -> None:
        self.packages: dict[str, PolicyPackage] = {p.id: p for _, _, p in self.plan.packages()}
        self.kpis: dict[str, tuple[PolicyPackage, Kpi]] = {
            k.id: (p, k)
            for p in self.packages.values()
            if isinstance(p.kpis, tuple)
            for k in p.kpis
        }
        #: Whose each ＫＰＩ is: 全国, or the edition that gives it (``regional_kpis:``).
        self.owners: dict[str, str] = dict.fromkeys(self.kpis, NATIONAL)
        #: The packages each edition prints, by id: those it may give ＫＰＩ of its own.
        self.printed: dict[str, dict[str, PolicyPackage]] = {
            name: {p.id: p for _, _, p in edition.packages()}
            for name, edition in self.editions.items()
        }
        for name, _g, _grp, p in regional_packages(self.editions):
            for k in p.regional_kpis:
                self.kpis[k.id] = (p, k)
                self.owners[k.id] = name
        self.ids = {getattr(b, "id", None) for b in walk(self.plan.parts)} | set(self.kpis)
        self.ids |= set(self.plan.footnotes)
        for edition in self.editions.values():
            self.ids |= {getattr(b, "id", None) for b in walk(edition.parts)}
            self.ids |= set(edition.footnotes)

    def slot_of(self, kpi_id: str) -> str:
        """The ``slot`` of a ＫＰＩ the content has."""
        return slot(self.owners[kpi_id], self.kpis[kpi_id][0].id)

    def packages_of(self, edition: str) -> dict[str, PolicyPackage]:
        """The packages a ＫＰＩ of ``edition`` may be added to: the national plan's, or
        those the edition prints."""
        return self.packages if edition == NATIONAL else self.printed[edition]


@dataclass
class ContentFiles:
    """The YAML files of the plan and its editions (under ``content_dir``), each a ``Doc``
    the import edits, with each package's node and each edition's ``regional_kpis:``
    entries by slot."""

    content_dir: Path
    plan: Plan
    editions: dict[str, Plan]

    def __post_init__(self) -> None:
        self.docs: dict[str, Doc] = {}
        self.package_nodes: dict[str, tuple[Doc, yaml.Node]] = {}
        #: Each edition's plan.yaml, and its ``regional_kpis:`` entries' ``kpis`` by slot.
        self.edition_docs: dict[str, Doc] = {}
        self.regional_nodes: dict[str, tuple[Doc, yaml.Node, yaml.Node]] = {}
        self._read_docs()

    def _read_docs(self) -> None:
        root = self.content_dir.resolve()
        sources = [*self.plan.sources]
        for edition in self.editions.values():
            sources += [s for s in edition.sources if s not in sources]
        for shown in sources:
            if not shown.lower().endswith((".yaml", ".yml")):
                continue
            file = Path(shown)
            if not file.resolve().is_relative_to(root):
                continue
            doc = Doc(file, shown, file.read_bytes())
            self.docs[shown] = doc
            for node in doc.nodes:
                if _first_key(node) == "package":
                    found = _get(node, "id")
                    if found and isinstance(found[1], yaml.ScalarNode):
                        self.package_nodes.setdefault(found[1].value, (doc, node))
        by_file = {doc.file.resolve(): doc for doc in self.docs.values()}
        for name in self.editions:
            file = (self.content_dir / EDITIONS_DIR / name / PLAN_FILE).resolve()
            if file not in by_file:
                continue
            doc = self.edition_docs[name] = by_file[file]
            found = _get(doc.root, REGIONAL_KPIS_KEY) if doc.root is not None else None
            entries = found[1] if found else None
            for entry in entries.value if isinstance(entries, yaml.SequenceNode) else ():
                package, kpis = _get(entry, "package"), _get(entry, "kpis")
                if package and kpis and isinstance(package[1], yaml.ScalarNode):
                    self.regional_nodes[slot(name, package[1].value)] = (doc, *kpis)

    def kpi_part(self, where: str) -> tuple[Doc, yaml.Node, yaml.Node]:
        """The file, the ``kpis`` key and its value of a package (``where``: its ``slot``):
        its 【ＫＰＩ】 part, or the ``kpis`` of an edition's ``regional_kpis:`` entry."""
        if where in self.regional_nodes:
            return self.regional_nodes[where]
        doc, node = self.package_nodes[where]
        parts = _get(node, "parts")
        for part in parts[1].value if parts and isinstance(parts[1], yaml.SequenceNode) else ():
            if _first_key(part) == "kpis":
                key, value = part.value[0]
                return doc, key, value
        raise KeyError(where)

    def kpi_node(self, where: str, kpi_id: str) -> tuple[Doc, yaml.MappingNode]:
        doc, _key_node, value = self.kpi_part(where)
        for item in value.value if isinstance(value, yaml.SequenceNode) else ():
            found = _get(item, "id")
            if found and _key(found[1]) == kpi_id:
                return doc, item
        raise KeyError(kpi_id)
