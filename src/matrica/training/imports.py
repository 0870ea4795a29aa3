"""Reading past evidence for import: years of training recorded elsewhere (a spreadsheet of who
completed what, when), every row checked, and the evidence not yet held (`plan_evidence`). The
action `training.actions.import_completions` writes it in one transaction, or nothing and says
which rows are wrong and why.

A row names a person by employee number and either a module (which confers its areas and levels,
valid for the module's validity) or an area and a level (valid until the date given, or for the
longest refresher interval the matrix sets for the area). Evidence that is not from a delivered
module must say why it is accepted. A row already in the registry is left as it is, so a re-run
of the same file changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrica.framework.models import CompetencyArea, Level, Module
from matrica.staff.models import StaffMember
from matrica.tabular import (
    Column,
    Layout,
    Problem,
    RowsRefused,
    Sheet,
    batched,
    layout,
    missing_columns,
    parse_date,
    rows_of,
    text_of,
)
from matrica.tenancy.models import Beneficiary
from matrica.text import fold
from matrica.training.forms import longest_refresher_months
from matrica.training.models import Completion

if TYPE_CHECKING:
    pass

COLUMNS = (
    Column("employee_number", gettext_lazy("Employee number"), (
        "employee no", "employee id", "personnel number", "staff number", "personal number",
        "maticni broj", "mat br", "матични број", "матичен број", "numri", "numri personal",
        "sicil no", "sicil numarasi", "personel no",
    )),
    Column("module", gettext_lazy("Module"), (
        "course", "modul", "модул", "kurs", "курс", "obuka", "обука", "moduli", "kursi",
        "egitim", "egitim modulu",
    ), required=False),
    Column("area", gettext_lazy("Competency area"), (
        "area", "oblast", "област", "podrucje", "fusha", "alan", "yetkinlik alani",
    ), required=False),
    Column("level", gettext_lazy("Level"), (
        "nivo", "ниво", "razina", "niveli", "seviye", "duzey",
    ), required=False),
    Column("completed_on", gettext_lazy("Completed on"), (
        "date", "completion date", "completed", "datum", "датум", "datum zavrsetka",
        "датум завршетка", "data", "data e perfundimit", "tarih", "tamamlanma tarihi",
    )),
    Column("valid_until", gettext_lazy("Valid until"), (
        "valid to", "expires", "expiry date", "vazi do", "важи до", "vrijedi do", "важи до",
        "e vlefshme deri", "gecerlilik tarihi", "gecerli olma tarihi",
    ), required=False),
    Column("source", gettext_lazy("Source"), (
        "kind", "kind of evidence", "izvor", "извор", "vrsta", "врста", "burimi", "lloji",
        "kaynak", "tur",
    )),
    Column("note", gettext_lazy("Why this evidence is accepted"), (
        "note", "reason", "napomena", "напомена", "obrazlozenje", "образложение", "shenim",
        "arsyeja", "aciklama", "not", "gerekce",
    ), required=False),
)  # fmt: skip


@dataclass
class CompletionImport:
    """What an evidence import did, or would do in a dry run."""

    rows: int = 0
    created: int = 0
    unchanged: int = 0
    dry_run: bool = False
    people: set[int] = field(default_factory=set)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created)

    def counts(self) -> dict[str, int]:
        return {"rows": self.rows, "created": self.created, "unchanged": self.unchanged}


def _names(table: dict[str, int | None], pk: int, *names: str) -> None:
    for name in names:
        key = fold(name)
        if key:
            table[key] = pk if table.get(key, pk) == pk else None


class _Lookup:
    def __init__(self, beneficiary: Beneficiary) -> None:
        self.people = dict(
            StaffMember.objects.filter(beneficiary=beneficiary).values_list("employee_number", "pk")
        )
        self.modules: dict[str, int | None] = {}
        self.module_rows: dict[int, Module] = {}
        visible = Module.objects.filter(Q(beneficiary__isnull=True) | Q(beneficiary=beneficiary))
        for module in visible.prefetch_related("conferrals"):
            self.module_rows[module.pk] = module
            titles = [t.get("title", "") for t in module.translations.values()]
            _names(self.modules, module.pk, module.code, module.title, *titles)
        self.areas: dict[str, int | None] = {}
        self.area_rows = {area.pk: area for area in CompetencyArea.objects.all()}
        for area in self.area_rows.values():
            titles = [t.get("title", "") for t in area.translations.values()]
            _names(self.areas, area.pk, area.code, area.title, *titles)
        self.levels: dict[str, int | None] = {}
        for level in Level.objects.all():
            titles = [t.get("title", "") for t in level.translations.values()]
            _names(self.levels, level.pk, level.code, level.title, *titles)
        self.sources: dict[str, str] = {}
        for source in Completion.Source:
            for label in (
                source.value,
                source.label,
                str(source.label),
                source.value.replace("_", " "),
            ):
                self.sources[fold(str(label))] = source.value
        self.refresher_months: dict[int, int | None] = {}
        self.beneficiary = beneficiary

    def months_for(self, area_id: int) -> int | None:
        if area_id not in self.refresher_months:
            self.refresher_months[area_id] = longest_refresher_months(
                beneficiary_id=self.beneficiary.pk, area=self.area_rows[area_id]
            )
        return self.refresher_months[area_id]


def _evidence(
    sheet: Sheet, found_layout: Layout, lookup: _Lookup, today: datetime.date
) -> tuple[list[tuple[int, Completion]], list[Problem]]:
    """Each row read into the completions it stands for, or a problem per wrong cell."""
    found: list[tuple[int, Completion]] = []
    problems: list[Problem] = []
    for row in rows_of(sheet, found_layout, COLUMNS):
        number, problem, cell = row.number, row.problem, row.cell
        person = lookup.people.get(text_of(cell("employee_number")))
        if person is None:
            problem("employee_number", _("No one of this administration has this employee number."))
        dates: dict[str, datetime.date | None] = {"completed_on": None, "valid_until": None}
        for key in dates:
            if key == "valid_until" and not text_of(cell(key)):
                continue
            try:
                dates[key] = parse_date(cell(key))
            except ValueError as error:
                problem(key, str(error))
        completed_on = dates["completed_on"]
        if completed_on and completed_on > today:
            problem("completed_on", _("Evidence cannot be dated in the future."))
        source = lookup.sources.get(fold(text_of(cell("source"))))
        if source is None:
            problem(
                "source", _("Not a kind of evidence (session, e-learning, prior learning, manual).")
            )
        note = text_of(cell("note"))
        if source and source not in Completion.FROM_DELIVERY and not note:
            problem("note", _("Evidence not from a delivered module must say why it is accepted."))
        pairs: list[tuple[int, int, int | None]] = []  # (area, level, months)
        module_id = None
        if text_of(cell("module")):
            module_id = lookup.modules.get(fold(text_of(cell("module"))))
            if module_id is None:
                problem("module", _("No module of the matrix has this code or title."))
            else:
                module = lookup.module_rows[module_id]
                pairs = [
                    (c.area_id, c.level_id, module.validity_months) for c in module.conferrals.all()
                ]
        elif text_of(cell("area")) or text_of(cell("level")):
            area_id = lookup.areas.get(fold(text_of(cell("area"))))
            level_id = lookup.levels.get(fold(text_of(cell("level"))))
            if area_id is None:
                problem("area", _("No competency area has this code or title."))
            if level_id is None:
                problem("level", _("No level has this code or title."))
            if area_id and level_id:
                pairs = [(area_id, level_id, None)]
            if source in Completion.FROM_DELIVERY:
                problem(
                    "module",
                    _("Say which module this evidence from a session or e-learning is for."),
                )
        else:
            problem("module", _("Give a module, or a competency area and a level."))
        if row.problems or person is None or completed_on is None or source is None:
            problems += row.problems
            continue
        for area_id, level_id, months in pairs:
            valid_until = dates["valid_until"]
            if valid_until is None:
                months = months or lookup.months_for(area_id)
                if months is None:
                    problem("valid_until", _("Give the date until which this evidence is valid."))
                    continue
                valid_until = completed_on + relativedelta(months=months)
            if valid_until <= completed_on:
                problem("valid_until", _("Evidence must be valid after the day it was completed."))
                continue
            found.append((number, Completion(
                staff_member_id=person, area_id=area_id, level_id=level_id, module_id=module_id,
                completed_on=completed_on, valid_until=valid_until, source=source, note=note,
            )))  # fmt: skip
        problems += row.problems
    return found, problems


def _key(completion: Completion) -> tuple[Any, ...]:
    return (
        completion.staff_member_id, completion.area_id, completion.level_id,
        completion.completed_on, completion.source,
    )  # fmt: skip


@dataclass
class EvidencePlan:
    """What importing past evidence would do: the completions not yet held; nothing written."""

    outcome: CompletionImport
    new: list[Completion]


def plan_evidence(
    *,
    beneficiary: Beneficiary,
    sheet: Sheet,
    mapping: Mapping[str, str] | None,
    on: datetime.date,
) -> EvidencePlan:
    """Read `sheet` (past evidence read by `matrica.tabular.read_sheet`) against
    `beneficiary`'s registry: every problem (RowsRefused), or the evidence not yet held (same
    person, area, level, date and source). Reads only; `training.actions.import_completions`
    writes."""
    found_layout = layout(sheet, COLUMNS, mapping)
    missing_columns(found_layout, COLUMNS)
    found, problems = _evidence(sheet, found_layout, _Lookup(beneficiary), on)
    first_row: dict[tuple[Any, ...], int] = {}
    for number, completion in found:
        key = _key(completion)
        if key in first_row and first_row[key] != number:
            problems.append(Problem(
                number, str(COLUMNS[0].label), "",
                _("The same evidence is in row %(row)d.") % {"row": first_row[key]},
            ))  # fmt: skip
        first_row.setdefault(key, number)
    if problems:
        raise RowsRefused(problems)
    people = sorted({completion.staff_member_id for _n, completion in found})
    held: set[tuple[Any, ...]] = set()
    for batch in batched(people, 5000):
        held |= set(
            Completion.objects.filter(staff_member_id__in=batch).values_list(
                "staff_member_id", "area_id", "level_id", "completed_on", "source"
            )
        )
    new = [c for _n, c in found if _key(c) not in held]
    outcome = CompletionImport(rows=len(sheet.rows), created=len(new))
    outcome.unchanged = len(found) - len(new)
    return EvidencePlan(outcome, new)
