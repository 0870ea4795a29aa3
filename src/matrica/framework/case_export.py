"""The framework as an IMS CASE 1.1 package (CFPackage): a CFDocument per version; areas,
levels, staff categories and requirements as CFItems of four CFItemTypes; their tree and links
as CFAssociations. Identifiers are UUIDs derived from codes (uuid5 in Matrica's namespace), so a
version exports the same identifiers, and the same bytes, every time. docs/case.md describes
the mapping."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from matrica.framework.models import (
    CompetencyArea,
    FrameworkVersion,
    Level,
    Requirement,
    StaffCategory,
)

# Never change it: every identifier Matrica has ever exported is derived from it.
NAMESPACE = uuid.UUID("f3b1c27b-1c22-404b-87bb-5a1fdc2702fc")
CREATOR = "Matrica"
# Matrica's own fields (codes, ranks, months) in each record's `extensions`.
EXTENSION = "matrica"
APPLIES_TO = "ext:appliesTo"


def identifier(kind: str, *codes: str) -> str:
    """The stable identifier of a record: the same codes give the same UUID everywhere."""
    return str(uuid.uuid5(NAMESPACE, "/".join((kind, *codes))))


def uri(identifier_: str) -> str:
    # A URN rather than an address on one server: the same package read from a copy, a test or
    # another deployment names its records identically.
    return f"urn:uuid:{identifier_}"


@dataclass(frozen=True)
class ItemType:
    kind: str  # Matrica's word, also the CFItemType typeCode
    title: str  # the CFItemType title, what other CASE tools show
    hierarchy: str

    @property
    def identifier(self) -> str:
        return identifier("item-type", self.kind)

    def link(self) -> dict[str, str]:
        return {"title": self.title, "identifier": self.identifier, "uri": uri(self.identifier)}


AREA = ItemType("area", "Competency area", "1")
LEVEL = ItemType("level", "Level", "2")
CATEGORY = ItemType("category", "Staff category", "3")
REQUIREMENT = ItemType("requirement", "Requirement", "4")
ITEM_TYPES = (AREA, LEVEL, CATEGORY, REQUIREMENT)


def area_id(code: str) -> str:
    return identifier("area", code)


def level_id(code: str) -> str:
    return identifier("level", code)


def category_id(code: str) -> str:
    return identifier("category", code)


def requirement_id(version_code: str, area: str, category: str) -> str:
    # Per version: the same cell may ask for another level in another version.
    return identifier("requirement", version_code, area, category)


def document_id(version_code: str) -> str:
    return identifier("document", version_code)


def bcp47(language: str) -> str:
    """Django's language code as CASE (BCP 47) writes it: sr-latn → sr-Latn."""
    first, *rest = language.split("-")
    return "-".join([first.lower(), *(part.title() if len(part) == 4 else part for part in rest)])


def package_url(version: FrameworkVersion) -> str:
    return settings.MATRICA_BASE_URL.rstrip("/") + reverse(
        "framework:case_export", args=[version.code]
    )


class _Builder:
    def __init__(self, version: FrameworkVersion) -> None:
        self.version = version
        # No record keeps a change time: the version's effective date stands for all of them,
        # which keeps two exports of one version identical.
        self.changed = f"{version.effective_from.isoformat()}T00:00:00+00:00"
        self.items: list[dict[str, Any]] = []
        self.associations: list[dict[str, Any]] = []
        self.titles: dict[str, str] = {}
        self.document = document_id(version.code)
        self.titles[self.document] = version.title

    def link(self, identifier_: str) -> dict[str, str]:
        title = self.titles[identifier_]
        return {"title": title, "identifier": identifier_, "uri": uri(identifier_)}

    def item(
        self,
        identifier_: str,
        item_type: ItemType,
        statement: str,
        *,
        code: str = "",
        notes: str = "",
        language: str = "en",
        extensions: dict[str, Any] | None = None,
    ) -> None:
        item: dict[str, Any] = {
            "identifier": identifier_,
            "uri": uri(identifier_),
            "fullStatement": statement,
            "CFItemType": item_type.title,
            "CFItemTypeURI": item_type.link(),
            "language": language,
            "lastChangeDateTime": self.changed,
        }
        if code:
            item["humanCodingScheme"] = code
        if notes:
            item["notes"] = notes
        if extensions:
            item["extensions"] = {EXTENSION: extensions}
        self.items.append(item)
        self.titles[identifier_] = statement

    def associate(
        self, origin: str, association_type: str, destination: str, sequence: int | None = None
    ) -> None:
        ident = identifier("association", association_type, origin, destination)
        association: dict[str, Any] = {
            "identifier": ident,
            "uri": uri(ident),
            "associationType": association_type,
            "originNodeURI": self.link(origin),
            "destinationNodeURI": self.link(destination),
            "lastChangeDateTime": self.changed,
        }
        if sequence is not None:
            association["sequenceNumber"] = sequence
        self.associations.append(association)

    def translations(self, original: str, item_type: ItemType, record: Any, code: str) -> None:
        """A CFItem per language the record has a title in, `isTranslationOf` the English one:
        CASE gives each item one language."""
        for language, texts in sorted(record.translations.items()):
            if texts.get("title"):
                ident = identifier(item_type.kind, code, language)
                self.item(
                    ident, item_type, texts["title"], code=code, language=bcp47(language),
                    notes=texts.get("description", ""),
                    extensions={"translationOf": code, "language": language},
                )  # fmt: skip
                self.associate(ident, "isTranslationOf", original)


def export_package(version: FrameworkVersion) -> dict[str, Any]:
    """The version as a CFPackage that validates against the official CASE 1.1 schema. Five
    queries whatever the size of the matrix."""
    build = _Builder(version)
    areas = list(CompetencyArea.objects.all())
    levels = list(Level.objects.all())
    categories = list(StaffCategory.objects.all())
    requirements = list(
        Requirement.objects.filter(version=version).select_related("area", "category", "level")
    )
    for sequence, area in enumerate(areas, start=1):
        ident = area_id(area.code)
        build.item(ident, AREA, area.title, code=area.code, notes=area.description,
                   extensions={"kind": AREA.kind, "code": area.code,
                               "order": area.order})  # fmt: skip
        build.associate(ident, "isChildOf", build.document, sequence)
        build.translations(ident, AREA, area, area.code)
    previous = None
    for sequence, level in enumerate(levels, start=1):
        ident = level_id(level.code)
        build.item(ident, LEVEL, level.title, code=level.code, notes=level.description,
                   extensions={"kind": LEVEL.kind, "code": level.code, "rank": level.rank,
                               "defaultDeadlineMonths": level.default_deadline_months})  # fmt: skip
        build.associate(ident, "isChildOf", build.document, len(areas) + sequence)
        if previous is not None:
            # A higher level satisfies a lower requirement: awareness precedes practitioner.
            build.associate(previous, "precedes", ident)
        previous = ident
        build.translations(ident, LEVEL, level, level.code)
    for sequence, category in enumerate(categories, start=1):
        ident = category_id(category.code)
        build.item(ident, CATEGORY, category.title, code=category.code,
                   notes=category.description,
                   extensions={"kind": CATEGORY.kind, "code": category.code,
                               "order": category.order, "isRole": category.is_role,
                               "appliesToAll": category.applies_to_all})  # fmt: skip
        build.associate(ident, "isChildOf", build.document, len(areas) + len(levels) + sequence)
        build.translations(ident, CATEGORY, category, category.code)
    for sequence, requirement in enumerate(requirements, start=1):
        area, category, level = requirement.area, requirement.category, requirement.level
        ident = requirement_id(version.code, area.code, category.code)
        statement = (
            f"{category.title}: {level.title} in “{area.title}”, refreshed every "
            f"{requirement.refresher_months} months, first held within "
            f"{requirement.deadline_months} months of entry into post."
        )
        build.item(ident, REQUIREMENT, statement, code=f"{area.code}.{category.code}",
                   extensions={"kind": REQUIREMENT.kind, "area": area.code,
                               "category": category.code, "level": level.code,
                               "refresherMonths": requirement.refresher_months,
                               "deadlineMonths": requirement.deadline_months})  # fmt: skip
        build.associate(ident, "isChildOf", area_id(area.code), sequence)
        build.associate(ident, "hasSkillLevel", level_id(level.code))
        build.associate(ident, APPLIES_TO, category_id(category.code))
    document: dict[str, Any] = {
        "identifier": build.document,
        "uri": uri(build.document),
        "caseVersion": "1.1",
        "creator": CREATOR,
        "title": version.title,
        "lastChangeDateTime": build.changed,
        "officialSourceURL": package_url(version),
        "language": "en",
        "version": version.code,
        "adoptionStatus": "Adopted" if version.published else "Draft",
        "statusStartDate": version.effective_from.isoformat(),
        "extensions": {
            EXTENSION: {
                "versionCode": version.code,
                "effectiveFrom": version.effective_from.isoformat(),
                "published": version.published,
            }
        },
    }
    if version.notes:
        document["notes"] = version.notes
    return {
        "CFDocument": document,
        "CFItems": build.items,
        "CFAssociations": build.associations,
        "CFDefinitions": {
            "CFItemTypes": [
                {
                    "identifier": item_type.identifier,
                    "uri": uri(item_type.identifier),
                    "title": item_type.title,
                    "description": f"Matrica {item_type.kind}",
                    "hierarchyCode": item_type.hierarchy,
                    "typeCode": item_type.kind,
                    "lastChangeDateTime": build.changed,
                }
                for item_type in ITEM_TYPES
            ],
            "CFConcepts": [],
            "CFSubjects": [],
            "CFLicenses": [],
            "CFAssociationGroupings": [],
        },
    }
