"""Reading a staff roster for import: its columns in the region's languages, every row checked,
and what importing it would change (`plan_roster`). The action `staff.actions.import_staff`
writes it in one transaction, or nothing and says which rows are wrong and why.

People are matched by their employee number: new numbers are added, known ones updated where the
file differs, and a re-run of the same file changes nothing. In full mode (asked for explicitly)
the file is the whole roster: whoever is in post but not in it is recorded as having left on the
import's date, never deleted. Someone recorded as having left who is in the file is back in post.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from matrica.audit.services import snapshot
from matrica.framework.models import StaffCategory
from matrica.staff.models import StaffMember
from matrica.tabular import (
    Column,
    Layout,
    Problem,
    RowsRefused,
    Sheet,
    layout,
    missing_columns,
    parse_date,
    rows_of,
    text_of,
)
from matrica.tenancy.models import Beneficiary, Institution
from matrica.text import fold

if TYPE_CHECKING:
    pass

# The headers each column is known by: English, the region's languages in Latin and Cyrillic,
# and Turkish (compared folded, so "Matični broj", "maticni broj" and "Матични број" are one).
COLUMNS = (
    Column("employee_number", gettext_lazy("Employee number"), (
        "employee no", "employee id", "personnel number", "staff number", "personal number",
        "maticni broj", "mat br", "licni broj", "broj zaposlenog", "evidencijski broj",
        "матични број", "матичен број", "евиденциски број", "numri", "numri personal",
        "numri i punonjesit", "nr personal", "sicil no", "sicil numarasi", "personel no",
        "personel numarasi",
    )),
    Column("given_name", gettext_lazy("Given name"), (
        "first name", "forename", "name", "ime", "име", "emri", "emer", "adi", "ad",
    )),
    Column("family_name", gettext_lazy("Family name"), (
        "surname", "last name", "prezime", "презиме", "mbiemri", "mbiemer", "soyadi", "soyad",
    )),
    Column("institution", gettext_lazy("Institution"), (
        "ustanova", "установа", "zavod", "завод", "institucija", "институција", "institucioni",
        "institucion", "kurum", "kurumu", "birim", "workplace", "organisational unit",
    )),
    Column("category", gettext_lazy("Staff category"), (
        "category", "kategorija", "категорија", "kategoria", "kategori", "radno mjesto",
        "radno mesto", "работно место", "pozicioni", "unvan", "gorev",
    )),
    Column("entry_date", gettext_lazy("Entry into post"), (
        "entry date", "date of entry", "start date", "hire date", "date of employment",
        "datum zaposlenja", "датум запослења", "датум на вработување", "datum prijema",
        "data e punesimit", "ise giris tarihi", "ise baslama tarihi", "baslama tarihi",
    )),
    Column("email", gettext_lazy("Email"), (
        "e-mail", "e mail", "mail", "e-posta", "e posta", "e-posta adresi", "е-пошта",
        "e-posta", "email adresa", "posta elektronike",
    ), required=False),
    Column("language", gettext_lazy("Preferred language"), (
        "language", "jezik", "језик", "јазик", "gjuha", "dil",
    ), required=False),
)  # fmt: skip
OPTIONAL_FIELDS = {"email": "email", "language": "preferred_language"}
COMPARED_FIELDS = (
    "institution_id", "given_name", "family_name", "primary_category_id", "entry_date",
)  # fmt: skip
UPDATED_FIELDS = [
    *COMPARED_FIELDS,
    "email",
    "preferred_language",
    "active",
    "leaving_date",
    "search_text",
    "sort_name",
]
MAX_LENGTHS = {"employee_number": 40, "given_name": 100, "family_name": 100}
BATCH = 2000


@dataclass
class StaffImport:
    """What an import did, or would do in a dry run: counts, and the people concerned."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    reinstated: int = 0
    left: int = 0
    dry_run: bool = False
    people: set[int] = field(default_factory=set)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.updated or self.reinstated or self.left)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "reinstated": self.reinstated, "left": self.left,
        }  # fmt: skip


@dataclass
class _Row:
    number: int
    values: dict[str, Any]


class _Lookup:
    """Institutions and categories found by code or name, whatever the case, the diacritics or
    the script the file writes them in."""

    def __init__(self, beneficiary: Beneficiary) -> None:
        self.institutions: dict[str, int | None] = {}
        for pk, name in Institution.objects.filter(beneficiary=beneficiary).values_list(
            "pk", "name"
        ):
            self._add(self.institutions, str(pk), pk)
            self._add(self.institutions, name, pk)
        self.categories: dict[str, int | None] = {}
        for category in StaffCategory.objects.filter(is_role=False, applies_to_all=False):
            names = [category.code, category.title]
            names += [t.get("title", "") for t in category.translations.values()]
            for name in names:
                self._add(self.categories, name, category.pk)
        self.languages: dict[str, str] = {}
        for code, name in settings.LANGUAGES:
            info = get_language_info(code)
            for label in (code, str(name), info["name"], info["name_local"]):
                self.languages[fold(label)] = code

    @staticmethod
    def _add(table: dict[str, int | None], name: str, pk: int) -> None:
        key = fold(name)
        if key:
            # Two different records folding alike: neither is found by that name.
            table[key] = pk if table.get(key, pk) == pk else None


def _parse(
    sheet: Sheet, found: Layout, lookup: _Lookup, today: datetime.date
) -> tuple[list[_Row], list[Problem]]:
    """Every row read into field values, or a problem per wrong cell."""
    rows, problems = [], []
    # A roster names the same few institutions and categories on every row.
    folded = functools.lru_cache(maxsize=4096)(fold)
    for row in rows_of(sheet, found, COLUMNS):
        values: dict[str, Any] = {}
        for key, limit in MAX_LENGTHS.items():
            text = row.text(key)
            if not text:
                row.problem(key, _("This column must not be empty."))
            elif len(text) > limit:
                row.problem(key, _("Longer than %(limit)d characters.") % {"limit": limit})
            values[key] = text
        values["institution_id"] = lookup.institutions.get(folded(row.text("institution")))
        if values["institution_id"] is None:
            row.problem("institution", _("No institution of this administration has this name."))
        values["primary_category_id"] = lookup.categories.get(folded(row.text("category")))
        if values["primary_category_id"] is None:
            row.problem(
                "category", _("Not a staff category of the matrix (give its code or title).")
            )
        try:
            values["entry_date"] = parse_date(row.cell("entry_date"))
            if values["entry_date"] > today:
                row.problem("entry_date", _("The date is in the future."))
        except ValueError as error:
            row.problem("entry_date", str(error))
        if "email" in found.index:
            values["email"] = row.text("email").lower()
            if values["email"]:
                try:
                    validate_email(values["email"])
                except ValidationError:
                    row.problem("email", _("Not an email address."))
                else:
                    # An address may be 320 characters long; the registry keeps 254.
                    limit = StaffMember._meta.get_field("email").max_length or 254
                    if len(values["email"]) > limit:
                        row.problem(
                            "email", _("Longer than %(limit)d characters.") % {"limit": limit}
                        )
        if "language" in found.index:
            values["preferred_language"] = lookup.languages.get(folded(row.text("language")), "")
            if row.text("language") and not values["preferred_language"]:
                row.problem("language", _("Not a language Matrica speaks."))
        if row.problems:
            problems += row.problems
        else:
            rows.append(_Row(row.number, values))
    return rows, problems


def _duplicates(sheet: Sheet, index: Mapping[str, int]) -> list[Problem]:
    seen: dict[str, int] = {}
    problems = []
    position = index["employee_number"]
    for number, cells in sheet.rows:
        value = text_of(cells[position]) if position < len(cells) else ""
        if not value:
            continue
        if value in seen:
            problems.append(Problem(
                number, sheet.headers[position], value,
                _("The same employee number is in row %(row)d.") % {"row": seen[value]},
            ))  # fmt: skip
        else:
            seen[value] = number
    return problems


@dataclass
class RosterPlan:
    """What importing a roster would do: the people to add, to change (with their state
    before) and who has left; nothing written yet."""

    outcome: StaffImport
    creates: list[StaffMember]
    updates: list[tuple[StaffMember, dict[str, Any]]]
    leavers: list[tuple[StaffMember, dict[str, Any]]]


def plan_roster(
    *,
    beneficiary: Beneficiary,
    sheet: Sheet,
    mapping: Mapping[str, str] | None,
    full: bool,
    on: datetime.date,
) -> RosterPlan:
    """Read `sheet` (a roster read by `matrica.tabular.read_sheet`) against `beneficiary`'s
    registry: every problem (RowsRefused), or what the import would change. Reads only; the
    action `staff.actions.import_staff` writes."""
    found = layout(sheet, COLUMNS, mapping)
    missing_columns(found, COLUMNS)
    rows, problems = _parse(sheet, found, _Lookup(beneficiary), on)
    problems += _duplicates(sheet, found.index)
    existing = {
        member.employee_number: member
        for member in StaffMember.objects.filter(beneficiary=beneficiary)
    }
    outcome = StaffImport(rows=len(sheet.rows))
    creates, updates, reinstated = [], [], []
    default_language = (beneficiary.languages or ["en"])[0]
    for row in rows:
        values = row.values
        member = existing.get(values["employee_number"])
        optional = {
            name: values[key] for key, name in
            (("email", "email"), ("preferred_language", "preferred_language"))
            if values.get(key)
        }  # fmt: skip
        if member is None:
            member = StaffMember(
                beneficiary=beneficiary, employee_number=values["employee_number"], active=True,
                **{name: values[name] for name in COMPARED_FIELDS},
                email=optional.get("email", ""),
                preferred_language=optional.get("preferred_language", default_language),
            )  # fmt: skip
            creates.append(member)
            continue
        before = snapshot(member)
        wanted = {name: values[name] for name in COMPARED_FIELDS} | optional
        changed = {name for name, value in wanted.items() if getattr(member, name) != value}
        for name in changed:
            setattr(member, name, wanted[name])
        if not member.active:
            member.active, member.leaving_date = True, None
            reinstated.append(member.pk)
        if changed or not before["active"]:
            updates.append((member, before))
        else:
            outcome.unchanged += 1
    leavers = []
    if full:
        in_file = {row.values["employee_number"] for row in rows}
        for number, member in existing.items():
            if member.active and number not in in_file:
                if member.entry_date > on:
                    problems.append(Problem(None, str(COLUMNS[0].label), number, _(
                        "Not in the file, but enters into post on %(date)s, after the import: "
                        "add the person to the file or correct the entry date first."
                    ) % {"date": member.entry_date.strftime("%d.%m.%Y")}))  # fmt: skip
                    continue
                leavers.append((member, snapshot(member)))
    if problems:
        raise RowsRefused(problems)
    outcome.created, outcome.updated, outcome.left = len(creates), len(updates), len(leavers)
    outcome.reinstated, outcome.updated = len(reinstated), len(updates) - len(reinstated)
    return RosterPlan(outcome, creates, updates, leavers)
