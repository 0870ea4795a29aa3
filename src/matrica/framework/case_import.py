"""Reading a CASE package (1.1, or 1.0 as OpenSALT writes it) against the matrix: which items
are Matrica's areas, levels, staff categories and requirements, and which are not, with the
reason. Nothing is written here: `framework.actions.import_case_version` writes the draft.

An item is recognised by its identifier (Matrica's own, `case_export`), else by its item type
(title or code: "Competency area", "area", …) and its code (`humanCodingScheme`). A requirement
takes its area, level and category from its associations (`isChildOf`, `hasSkillLevel`,
`ext:appliesTo`), else from Matrica's extensions, and its months from the extensions."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from matrica.framework import case_export as ids
from matrica.framework.models import CompetencyArea, Level, Requirement, StaffCategory


class CasePackageError(ValueError):
    """The file is not a CASE package Matrica can read; the message says why."""


@dataclass(frozen=True)
class Row:
    """One item of the package as the report shows it: its own words, kept exactly."""

    identifier: str
    code: str
    title: str
    item_type: str
    outcome: str  # what it maps to, or why it does not


@dataclass(frozen=True)
class RequirementSpec:
    area: CompetencyArea
    category: StaffCategory
    level: Level
    refresher_months: int
    deadline_months: int

    def requirement(self) -> Requirement:
        return Requirement(
            area=self.area, category=self.category, level=self.level,
            refresher_months=self.refresher_months, deadline_months=self.deadline_months,
        )  # fmt: skip

    @property
    def cell(self) -> str:
        return f"{self.area.code}×{self.category.code}"


@dataclass
class CaseReading:
    case_version: str  # "1.1" or "1.0"
    document_identifier: str
    document_title: str
    version_code: str
    requirements: list[RequirementSpec] = field(default_factory=list)
    mapped: list[Row] = field(default_factory=list)
    not_mapped: list[Row] = field(default_factory=list)
    associations: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "items": len(self.mapped) + len(self.not_mapped),
            "mapped": len(self.mapped),
            "not_mapped": len(self.not_mapped),
            "requirements": len(self.requirements),
            "associations": self.associations,
        }

    def summary(self) -> str:
        return ", ".join(f"{value} {name}" for name, value in self.counts().items())


def parse(content: bytes | str) -> Any:
    """JSON from an uploaded or named file, refused with a clear message when it is not."""
    try:
        return json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CasePackageError(_("This file is not JSON (%(error)s).") % {"error": error}) from None


def case_version(document: dict[str, Any]) -> str:
    """ "1.1" or "1.0". `caseVersion` is new in 1.1; 1.0 packages (OpenSALT's) say so by their
    /ims/case/v1p0/ addresses or the package link 1.1 removed from the document."""
    declared = document.get("caseVersion")
    if declared is not None:
        if declared != "1.1":
            raise CasePackageError(
                _("CASE version %(version)s is not supported: Matrica reads 1.0 and 1.1.")
                % {"version": declared}
            )
        return "1.1"
    if "CFPackageURI" in document or "/v1p0/" in str(document.get("uri", "")):
        return "1.0"
    return "1.1"


def _type_of(item: dict[str, Any], types_by_id: dict[str, dict[str, Any]]) -> str:
    """The Matrica kind an item's type names, or ""."""
    link = item.get("CFItemTypeURI") or {}
    if isinstance(link, dict) and link.get("identifier"):
        for item_type in ids.ITEM_TYPES:
            if link["identifier"] == item_type.identifier:
                return item_type.kind
        defined = types_by_id.get(str(link["identifier"]), {})
        names = {str(defined.get("typeCode", "")).lower(), str(defined.get("title", "")).lower()}
    else:
        names = set()
    names.add(str(item.get("CFItemType", "")).lower())
    for item_type in ids.ITEM_TYPES:
        if {item_type.kind, item_type.title.lower()} & names:
            return item_type.kind
    return ""


class _Reader:
    def __init__(self, data: dict[str, Any]) -> None:
        self.items = [i for i in data.get("CFItems") or [] if isinstance(i, dict)]
        self.associations = [a for a in data.get("CFAssociations") or [] if isinstance(a, dict)]
        definitions = data.get("CFDefinitions") or {}
        self.types = {
            str(t.get("identifier")): t
            for t in (definitions.get("CFItemTypes") or [] if isinstance(definitions, dict) else [])
            if isinstance(t, dict)
        }
        self.areas = {a.code: a for a in CompetencyArea.objects.all()}
        self.levels = {level.code: level for level in Level.objects.all()}
        self.categories = {c.code: c for c in StaffCategory.objects.all()}
        # Matrica's identifiers of what the matrix holds today.
        self.known: dict[str, tuple[str, Any]] = {}
        for code, area in self.areas.items():
            self.known[ids.area_id(code)] = ("area", area)
        for code, level in self.levels.items():
            self.known[ids.level_id(code)] = ("level", level)
        for code, category in self.categories.items():
            self.known[ids.category_id(code)] = ("category", category)
        # Per origin identifier, its links: {"isChildOf": [destination identifier, …], …}.
        self.links: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for association in self.associations:
            origin = (association.get("originNodeURI") or {}).get("identifier")
            destination = (association.get("destinationNodeURI") or {}).get("identifier")
            kind = association.get("associationType")
            if origin and destination and kind:
                self.links[str(origin)][str(kind)].append(str(destination))
        # Items of the package recognised as areas, levels or categories, by their identifier.
        self.resolved: dict[str, tuple[str, Any]] = {}

    def recognise(self, item: dict[str, Any]) -> tuple[str, Any, str]:
        """(kind, matrix record or None, reason when not mapped) for an area, level or
        category; ("", None, "") for anything else."""
        ident = str(item.get("identifier", ""))
        if ident in self.known:
            kind, record = self.known[ident]
            return kind, record, ""
        kind = _type_of(item, self.types)
        code = str(item.get("humanCodingScheme", "")).strip()
        tables: dict[str, dict[str, Any]] = {
            "area": self.areas, "level": self.levels, "category": self.categories,
        }  # fmt: skip
        if kind not in tables:
            return kind, None, ""
        if self.links.get(ident, {}).get("isTranslationOf"):
            return kind, None, ""
        if code in tables[kind]:
            return kind, tables[kind][code], ""
        missing = {
            "area": _("no competency area with the code “%(code)s” in the matrix"),
            "level": _("no level with the code “%(code)s” in the matrix"),
            "category": _("no staff category with the code “%(code)s” in the matrix"),
        }[kind] % {"code": code}
        return kind, None, missing + " " + _("(they come with the framework file)")

    def linked(self, ident: str, association_type: str, kind: str) -> Any:
        for destination in self.links.get(ident, {}).get(association_type, []):
            found = self.resolved.get(destination) or self.known.get(destination)
            if found and found[0] == kind:
                return found[1]
        return None

    def requirement(self, item: dict[str, Any]) -> tuple[RequirementSpec | None, str]:
        ident = str(item.get("identifier", ""))
        extension = (item.get("extensions") or {}).get(ids.EXTENSION) or {}
        code_area, _sep, code_category = str(item.get("humanCodingScheme", "")).partition(".")
        area = self.linked(ident, "isChildOf", "area") or self.areas.get(
            extension.get("area") or code_area
        )
        category = self.linked(ident, ids.APPLIES_TO, "category") or self.categories.get(
            extension.get("category") or code_category
        )
        level = self.linked(ident, "hasSkillLevel", "level") or self.levels.get(
            extension.get("level", "")
        )
        if area is None or category is None or level is None:
            missing = [
                name
                for name, value in ((_("area"), area), (_("staff category"), category),
                                    (_("level"), level))
                if value is None
            ]  # fmt: skip
            return None, _("a requirement without a known %(what)s") % {"what": ", ".join(missing)}
        refresher = extension.get("refresherMonths")
        if not isinstance(refresher, int) or isinstance(refresher, bool) or refresher <= 0:
            return None, _("a requirement without a refresher interval (months above 0)")
        deadline = extension.get("deadlineMonths", level.default_deadline_months)
        if not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 0:
            return None, _("a requirement with an invalid deadline")
        return RequirementSpec(area, category, level, refresher, deadline), ""


def _title(item: dict[str, Any]) -> str:
    return str(item.get("fullStatement") or item.get("abbreviatedStatement") or "")


def read_package(data: Any) -> CaseReading:
    """What the package maps to in the matrix and what it does not, item by item. Raises
    `CasePackageError` when `data` is not a CASE package at all."""
    if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
        raise CasePackageError(
            _("This file is not a CASE package: a CFPackage has a CFDocument, and this has none.")
        )
    document = data["CFDocument"]
    for name in ("CFItems", "CFAssociations"):
        if name in data and not isinstance(data[name], list):
            raise CasePackageError(
                _("This file is not a CASE package: %(name)s is not a list.") % {"name": name}
            )
    extension = (document.get("extensions") or {}).get(ids.EXTENSION) or {}
    reading = CaseReading(
        case_version=case_version(document),
        document_identifier=str(document.get("identifier", "")),
        document_title=str(document.get("title", "")),
        version_code=str(extension.get("versionCode") or document.get("version") or ""),
    )
    reader = _Reader(data)
    reading.associations = len(reader.associations)

    def row(item: dict[str, Any], outcome: str) -> Row:
        return Row(
            identifier=str(item.get("identifier", "")),
            code=str(item.get("humanCodingScheme", "")),
            title=_title(item),
            item_type=str(item.get("CFItemType", "")),
            outcome=outcome,
        )

    names = {"area": _("competency area"), "level": _("level"), "category": _("staff category")}
    pending: list[dict[str, Any]] = []
    for item in reader.items:
        kind, record, reason = reader.recognise(item)
        ident = str(item.get("identifier", ""))
        if record is not None:
            reader.resolved[ident] = (kind, record)
            reading.mapped.append(row(item, f"{names[kind]} {record.code}"))
        elif kind in names and reader.links.get(ident, {}).get("isTranslationOf"):
            reading.mapped.append(
                row(item, _("title of a %(what)s in %(language)s (titles come with the "
                            "framework file)") % {"what": names[kind],
                                                  "language": item.get("language", "?")})
            )  # fmt: skip
        elif reason:
            reading.not_mapped.append(row(item, reason))
        else:
            pending.append(item)
    seen: set[str] = set()
    for item in pending:
        if _type_of(item, reader.types) != "requirement":
            reading.not_mapped.append(
                row(item, _("not a Matrica area, level, staff category or requirement"))
            )
            continue
        spec, reason = reader.requirement(item)
        if spec is None:
            reading.not_mapped.append(row(item, reason))
        elif spec.cell in seen:
            reading.not_mapped.append(
                row(item, _("the cell %(cell)s is given twice") % {"cell": spec.cell})
            )
        else:
            seen.add(spec.cell)
            reading.requirements.append(spec)
            reading.mapped.append(
                row(item, _("requirement %(cell)s: %(level)s, every %(months)s months")
                    % {"cell": spec.cell, "level": spec.level.code,
                       "months": spec.refresher_months})
            )  # fmt: skip
    return reading
