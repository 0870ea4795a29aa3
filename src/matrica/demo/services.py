"""Building the demo region: seven administrations, their institutions and staff, five years of
training history with gaps and lapsed refreshers, and one log-in per role.

Deterministic for a given seed and reference date. Everything it creates is marked as demo data,
so it can be wiped and rebuilt, and it refuses to touch a database that holds real data.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import operator
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.db import transaction

from matrica.accounts.models import User
from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.demo import delivery
from matrica.demo.bulk import insert_rows
from matrica.demo.curricula import build_curricula, wipe_curricula
from matrica.demo.dates import date_text, months_after, session_days
from matrica.demo.delivery import wipe_delivery
from matrica.demo.evaluation import build_evaluation, wipe_evaluation
from matrica.demo.surveys import build_surveys, wipe_surveys
from matrica.framework.actions import load_framework
from matrica.framework.models import FrameworkVersion, Module, StaffCategory
from matrica.staff.demo_region import (
    ADMINISTRATIONS,
    NAME_POOLS,
    AdministrationSpec,
    InstitutionSpec,
    feminine_family_name,
)
from matrica.staff.models import StaffMember, StaffRole
from matrica.tenancy.models import Beneficiary, Institution, Service
from matrica.tenancy.roles import Role
from matrica.tenancy.scoping import SYSTEM
from matrica.training.models import Completion

SCALES = ("small", "medium", "large")
KOSOVO_FOOTNOTE = (
    "*This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244/1999 and the ICJ Opinion on the Kosovo declaration of independence."
)
BATCH = 5000


class DemoRefused(Exception):
    """The database holds data that is not demo data."""


@dataclass(frozen=True)
class DemoSummary:
    administrations: int
    institutions: int
    staff: int
    completions: int
    users: list[tuple[str, str]]
    sessions: int = 0


def staff_count(spec: AdministrationSpec, scale: str) -> int:
    if scale == "small":
        return spec.small_staff
    if scale == "medium":
        return max(spec.small_staff, spec.large_staff // 5)
    return spec.large_staff


def refuse_if_real_data() -> None:
    real = list(Beneficiary.objects.filter(is_demo=False).values_list("code", flat=True))
    if real:
        raise DemoRefused(
            "This database holds administrations that are not demo data ("
            + ", ".join(real)
            + "); matrica demo only runs on an empty database or one it built itself."
        )


def wipe_demo() -> None:
    """Remove everything an earlier demo built, children first."""
    demo = Beneficiary.objects.filter(is_demo=True)
    User.objects.filter(is_demo=True).delete()
    wipe_evaluation(demo)
    wipe_surveys(demo)
    wipe_curricula(demo)
    wipe_delivery(demo)
    Completion.objects.filter(staff_member__beneficiary__in=demo).delete()
    StaffRole.objects.filter(staff_member__beneficiary__in=demo).delete()
    StaffMember.objects.filter(beneficiary__in=demo).delete()
    Institution.objects.filter(beneficiary__in=demo).delete()
    Service.objects.filter(beneficiary__in=demo).delete()
    demo.delete()


# Who works where: the mix of primary categories by kind of institution.
CATEGORY_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "prison": (("FLO", 0.68), ("TRS", 0.14), ("SIL", 0.07), ("MGR", 0.07), ("PRO", 0.0)),
    "remand": (("FLO", 0.72), ("TRS", 0.12), ("SIL", 0.08), ("MGR", 0.08)),
    "juvenile": (("FLO", 0.55), ("TRS", 0.33), ("SIL", 0.04), ("MGR", 0.08)),
    "hospital": (("FLO", 0.45), ("TRS", 0.45), ("MGR", 0.10)),
    "probation_office": (("PRO", 0.82), ("TRS", 0.08), ("MGR", 0.10)),
    "training_centre": (("TRS", 0.55), ("MGR", 0.25), ("FLO", 0.20)),
    "headquarters": (("MGR", 0.45), ("SIL", 0.30), ("TRS", 0.25)),
}
# Relative size of an institution of each kind, for spreading staff.
SIZE_WEIGHT = {
    "prison": 10.0, "remand": 6.0, "juvenile": 3.0, "hospital": 3.0,
    "probation_office": 2.5, "training_centre": 1.0, "headquarters": 2.0,
}  # fmt: skip


@functools.cache
def _cumulative(
    weighted: tuple[tuple[str, float], ...],
) -> tuple[tuple[str, ...], tuple[float, ...]]:
    keys, weights = zip(*weighted, strict=True)
    return keys, tuple(itertools.accumulate(weights))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    # Cumulative weights summed once per mix: `choices` would sum them on every call, and
    # draws the same from either.
    keys, cumulative = _cumulative(weighted)
    return rng.choices(keys, cum_weights=cumulative)[0]


def _spread(rng: random.Random, total: int, institutions: list[Institution]) -> list[Institution]:
    weights = [SIZE_WEIGHT[i.kind] * rng.uniform(0.6, 1.4) for i in institutions]
    # Everyone in a list, in institution order, so that employee numbers follow workplaces.
    placed = rng.choices(institutions, weights=weights, k=total)
    return sorted(placed, key=lambda i: i.pk)


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def pathways(version: FrameworkVersion) -> dict[str, list[str]]:
    """For each category, the modules that together satisfy its column of the matrix, picked
    greedily (most unmet requirements first, shorter modules on ties), basic awareness first."""
    conferred = {
        module.code: {(c.area_id, c.level.rank) for c in module.conferrals.all()}
        for module in Module.objects.prefetch_related("conferrals__level")
    }
    hours = dict(Module.objects.values_list("code", "hours"))
    # (area, required rank) pairs each module satisfies: its own level and every lower one.
    satisfied = {
        code: {(area, need) for area, rank in pairs for need in range(1, rank + 1)}
        for code, pairs in conferred.items()
    }
    result: dict[str, list[str]] = {}
    for category in StaffCategory.objects.all():
        unmet = {
            (r.area_id, r.level.rank)
            for r in version.requirements.select_related("level").filter(category=category)
        }
        chosen: list[str] = []

        while unmet:
            best = max(conferred, key=lambda code: (len(unmet & satisfied[code]), -hours[code]))
            if not unmet & satisfied[best]:
                break
            chosen.append(best)
            unmet -= satisfied[best]
        result[category.code] = [code for code in chosen if code != "BA"]
    return result


# A completion as the history writes it: staff member, area, level (ids), completed on, valid
# until (ISO text, `date_text`), source, module (id), note.
EvidenceRow = tuple[int, int, int, str, str, str, int | None, str]
EVIDENCE_FIELDS = (
    "staff_member", "area", "level", "completed_on", "valid_until", "source", "module", "note",
)  # fmt: skip
SESSION = Completion.Source.SESSION.value
ELEARNING = Completion.Source.ELEARNING.value
PRIOR_LEARNING = Completion.Source.PRIOR_LEARNING.value
PRIOR_LEARNING_NOTE = "Human rights law course at university, certificate checked"


@dataclass(frozen=True)
class Taking:
    """What the history needs of a module, read once: its id, how many months its evidence
    stays valid, and the (area, level) ids it confers."""

    module_id: int
    validity_months: int
    conferred: tuple[tuple[int, int], ...]


class HistoryWriter:
    """Five years of training for one person: basic awareness for most, the pathway of their
    category for many, refreshers taken by some and missed by others. Rows, not model
    instances: the large demo writes millions."""

    def __init__(
        self,
        rng: random.Random,
        today: datetime.date,
        modules: dict[str, Module],
        pathways: dict[str, list[str]],
    ):
        self.rng = rng
        self.pathways = pathways
        self.today = today
        self.history_start = today - relativedelta(years=5)
        self.modules = modules
        self.module_order = {code: index for index, code in enumerate(sorted(modules))}
        self.conferrals = {
            code: [(c.area_id, c.level_id) for c in module.conferrals.all()]
            for code, module in modules.items()
        }
        self.taking = {
            code: Taking(module.pk, module.validity_months, tuple(self.conferrals[code]))
            for code, module in modules.items()
        }

    def _take(
        self,
        member_id: int,
        code: str,
        first: datetime.date,
        diligence: float,
        floor: datetime.date,
    ) -> Iterator[EvidenceRow]:
        """A module taken once, then refreshed while the person keeps it up; sessions no earlier
        than `floor`."""
        taking = self.taking[code]
        taken = first
        while taken <= self.today:
            source = ELEARNING if code == "BA" and self.rng.random() < 0.3 else SESSION
            if source == SESSION:
                taken = self._session_date(code, taken, floor)
            valid_until = months_after(taken, taking.validity_months)
            completed_on, valid_until_text = date_text(taken), date_text(valid_until)
            for area_id, level_id in taking.conferred:
                yield (member_id, area_id, level_id, completed_on, valid_until_text, source,
                       taking.module_id, "")  # fmt: skip
            if self.rng.random() > diligence:  # this person lets the next refresher lapse
                return
            lateness = self.rng.randint(-150, 60)
            taken = valid_until + datetime.timedelta(days=lateness)

    def _session_date(self, code: str, taken: datetime.date, floor: datetime.date) -> datetime.date:
        """The day of the module's session nearest to `taken`, between `floor` and today: a
        module runs twice a year (each module in its own months), so that people trained
        together share a date and the demo's sessions (demo/delivery.py) have several
        participants. `taken` itself when no session day fits."""
        days = [
            day
            for day in session_days(self.module_order[code], taken)
            if floor <= day <= self.today
        ]
        return min(days, key=lambda day: abs((day - taken).days)) if days else taken

    def completions(self, member: StaffMember, roles: list[str]) -> Iterator[EvidenceRow]:
        """The person's evidence; `member` has been written (its id is known)."""
        start = max(member.entry_date, self.history_start)
        # How reliably this person keeps their training up: most well, some poorly.
        diligence = self.rng.betavariate(5, 1.6)
        if self.rng.random() < 0.06:
            return  # never trained: the awareness gap the working group worried about
        first = _random_date(self.rng, start, min(self.today, months_after(start, 5)))
        yield from self._take(member.pk, "BA", first, diligence, start)
        pathway = [*self.pathways.get(member.primary_category.code, ())]
        for role in roles:
            pathway += [code for code in self.pathways.get(role, ()) if code not in pathway]
        after = first
        for code in pathway:
            if self.rng.random() > diligence + 0.1:
                continue
            after = _random_date(self.rng, after, min(self.today, months_after(after, 6)))
            if after >= self.today:
                break
            yield from self._take(member.pk, code, after, diligence, start)
        if self.rng.random() < 0.02:
            area_id, level_id = self.conferrals["HR"][0]
            taken = _random_date(self.rng, self.history_start, self.today)
            yield (member.pk, area_id, level_id, date_text(taken),
                   date_text(months_after(taken, 36)), PRIOR_LEARNING, None,
                   PRIOR_LEARNING_NOTE)  # fmt: skip


def _create_structure(spec: AdministrationSpec) -> tuple[Beneficiary, list[Institution]]:
    beneficiary = Beneficiary.objects.create(
        code=spec.code, name=spec.name, authority=spec.authority, languages=list(spec.languages),
        footnote=KOSOVO_FOOTNOTE if spec.code == "XK" else "", is_demo=True,
    )  # fmt: skip
    services: dict[str, Service] = {
        Service.Kind.PRISON: Service.objects.create(
            beneficiary=beneficiary, kind=Service.Kind.PRISON, name=spec.prison_service
        ),
        Service.Kind.PROBATION: Service.objects.create(
            beneficiary=beneficiary, kind=Service.Kind.PROBATION, name=spec.probation_service
        ),
    }

    def build(item: InstitutionSpec) -> Institution:
        return Institution(
            service=services[item.service], beneficiary=beneficiary, name=item.name,
            kind=item.kind, city=item.city,
        )  # fmt: skip

    institutions = Institution.objects.bulk_create(build(item) for item in spec.institutions)
    return beneficiary, institutions


def _new_person(
    rng: random.Random,
    spec: AdministrationSpec,
    number: int,
    institution: Institution,
    categories: dict[str, StaffCategory],
    today: datetime.date,
) -> StaffMember:
    pool_key = _pick(rng, spec.name_pools)
    pool = NAME_POOLS[pool_key]
    female = rng.random() < 0.35
    given = rng.choice(pool.given_female if female else pool.given_male)
    family = rng.choice(pool.family)
    if female:
        family = feminine_family_name(pool_key, family)
    category = _pick(rng, CATEGORY_MIX[institution.kind])
    # A tenth joined within the last year, so deadlines are still running for them.
    if rng.random() < 0.1:
        entry = today - datetime.timedelta(days=rng.randint(0, 365))
    else:
        entry = _random_date(rng, datetime.date(1992, 1, 1), months_after(today, -12))
    language = spec.languages[0] if pool_key != "sr-cyrl" else "sr"
    member = StaffMember(
        beneficiary_id=institution.beneficiary_id, institution=institution,
        employee_number=f"{spec.code}-{number:06d}", given_name=given, family_name=family,
        primary_category=categories[category], entry_date=entry, active=rng.random() > 0.03,
        preferred_language=language if pool_key != "sr-latn" else "sr-latn",
        # .invalid is reserved: demo notices can never reach a real mailbox.
        email=f"{spec.code.lower()}-{number:06d}@demo.invalid",
    )  # fmt: skip
    member.refresh_search_fields()
    return member


def _roles_for(
    rng: random.Random, member: StaffMember, today: datetime.date
) -> list[tuple[str, datetime.date]]:
    roles = []
    chance = {"TRS": 0.25, "MGR": 0.15, "SIL": 0.15, "PRO": 0.12, "FLO": 0.04}
    if rng.random() < chance.get(member.primary_category.code, 0.0):
        roles.append(("MDT", _random_date(rng, member.entry_date, today)))
    if rng.random() < 0.04:
        roles.append(("TRN", _random_date(rng, member.entry_date, today)))
    return roles


# A new person's columns, by attribute name: the row is read off the unsaved instance.
STAFF_FIELDS = (
    "beneficiary_id", "institution_id", "employee_number", "given_name", "family_name",
    "primary_category_id", "entry_date", "active", "preferred_language", "email", "search_text",
    "sort_name",
)  # fmt: skip
_staff_row = operator.attrgetter(*STAFF_FIELDS)


def _write_people(beneficiary: Beneficiary, members: list[StaffMember]) -> None:
    """Write `members` (new people of `beneficiary`) and give each the id the database gave."""
    insert_rows(StaffMember, STAFF_FIELDS, [_staff_row(member) for member in members])
    # Employee numbers are unique in an administration, and `members` hold a run of them
    # (zero-padded: their text sorts as their numbers do).
    ids = dict(
        StaffMember.objects.filter(
            beneficiary=beneficiary,
            employee_number__range=(members[0].employee_number, members[-1].employee_number),
        ).values_list("employee_number", "pk")
    )
    for member in members:
        member.pk = ids[member.employee_number]


def demo_password() -> str:
    return os.environ.get("MATRICA_DEMO_PASSWORD", "demo")


@dataclass(frozen=True)
class Showcase:
    """The history of a person behind a personal log-in (staff-xx, trainer-xx), shaped so that
    their record teaches a newcomer something whatever the seed: most requirements current, one
    area expiring soon, one overdue. Modules and how many months ago they were taken; the
    `expiring` module was taken one refresher ago, less `EXPIRING_IN`; the modules of the
    category's pathway left out make the overdue area."""

    primary_category: str
    roles: tuple[str, ...]
    taken: dict[str, int]
    expiring: str


EXPIRING_IN = datetime.timedelta(days=45)
# Front-line officer: FL, MA and basic awareness are current; HR (human rights, practitioner)
# expires within the window; PR is never taken, so "working with interventions" is overdue.
STAFF_SHOWCASE = Showcase("FLO", (), {"BA": 8, "FL": 10, "MA": 12}, expiring="HR")
# Treatment specialist who trains: everything current except training delivery (TT, expiring)
# and human rights at practitioner level (HR never taken: overdue for both columns).
TRAINER_SHOWCASE = Showcase(
    "TRS", ("TRN",), {"BA": 6, "SI": 9, "MA": 11, "IN": 7, "RE": 5, "PR": 10, "RA": 4},
    expiring="TT",
)  # fmt: skip
# In post, and in their roles, long enough for every deadline to have passed.
SHOWCASE_SERVICE = relativedelta(years=3)


def _shape(
    member: StaffMember,
    showcase: Showcase,
    *,
    today: datetime.date,
    history: HistoryWriter,
    categories: dict[str, StaffCategory],
) -> StaffMember:
    """Give `member` the showcase's category, roles and evidence in place of the generated ones:
    a few statements for one person, never a loop over the region."""
    since = today - SHOWCASE_SERVICE
    member.active, member.leaving_date = True, None
    member.primary_category = categories[showcase.primary_category]
    member.entry_date = min(member.entry_date, since)
    StaffMember.objects.filter(pk=member.pk).update(
        active=True, leaving_date=None, primary_category=member.primary_category,
        entry_date=member.entry_date,
    )  # fmt: skip
    StaffRole.objects.filter(staff_member=member).delete()
    StaffRole.objects.bulk_create(
        StaffRole(staff_member=member, category=categories[code], start_date=since)
        for code in showcase.roles
    )
    Completion.objects.filter(staff_member=member).delete()
    expiring = history.modules[showcase.expiring]
    taken = {code: today - relativedelta(months=months) for code, months in showcase.taken.items()}
    taken[expiring.code] = today + EXPIRING_IN - relativedelta(months=expiring.validity_months)
    Completion.objects.bulk_create(
        Completion(
            staff_member=member, area_id=area_id, level_id=level_id, completed_on=on,
            valid_until=on + relativedelta(months=history.modules[code].validity_months),
            source=Completion.Source.SESSION, module=history.modules[code],
        )
        for code, on in taken.items()
        for area_id, level_id in history.conferrals[code]
    )  # fmt: skip
    return member


def _showcase_people(
    beneficiary: Beneficiary,
    managed: Institution,
    *,
    today: datetime.date,
    history: HistoryWriter,
    categories: dict[str, StaffCategory],
) -> tuple[StaffMember, StaffMember]:
    """The trainer and the staff member behind an administration's personal log-ins: a person
    who already fits the showcase if there is one (active, in post long enough, of its category),
    anyone of the managed prison otherwise; then shaped."""
    settled = StaffMember.objects.filter(active=True, entry_date__lte=today - SHOWCASE_SERVICE)
    staff = (
        settled.filter(institution=managed, primary_category__code="FLO", roles__isnull=True)
        .order_by("pk")
        .first()
    ) or StaffMember.objects.filter(institution=managed).order_by("pk").first()
    assert staff is not None, f"{managed} has no staff"
    trainer = (
        settled.filter(beneficiary=beneficiary, primary_category__code="TRS")
        .filter(roles__category__code="TRN")
        .exclude(pk=staff.pk)
        .order_by("pk")
        .first()
    ) or StaffMember.objects.filter(institution=managed).exclude(pk=staff.pk).order_by("pk").first()
    assert trainer is not None, f"{managed} has one person only"
    return (
        _shape(trainer, TRAINER_SHOWCASE, today=today, history=history, categories=categories),
        _shape(staff, STAFF_SHOWCASE, today=today, history=history, categories=categories),
    )


def _create_users(
    beneficiaries: dict[str, tuple[Beneficiary, list[Institution]]],
    password: str,
    *,
    today: datetime.date,
    history: HistoryWriter,
    categories: dict[str, StaffCategory],
) -> tuple[list[tuple[str, str]], dict[int, delivery.Showcase]]:
    """The log-ins, and for each administration the people behind its personal ones."""
    hashed = make_password(password)  # one hash for all demo users: the password is the same
    users = [
        User(username="coordinator", first_name="Regional", last_name="Coordinator",
             role=Role.COORDINATOR, is_staff=True, is_demo=True, password=hashed)
    ]  # fmt: skip
    described = [("coordinator", str(Role.COORDINATOR.label))]
    showcases: dict[int, delivery.Showcase] = {}
    for code, (beneficiary, institutions) in beneficiaries.items():
        lower = code.lower()
        prisons = [i for i in institutions if i.kind == Institution.Kind.PRISON]
        managed = max(prisons, key=lambda i: (i.staff.count(), -i.pk))
        trainer, staff = _showcase_people(
            beneficiary, managed, today=today, history=history, categories=categories
        )
        showcases[beneficiary.pk] = delivery.Showcase(trainer=trainer, staff=staff, managed=managed)
        plan = [
            (f"admin-{lower}", Role.NATIONAL_ADMIN, None, None, True),
            (f"training-{lower}", Role.TRAINING_MANAGER, None, None, True),
            (f"manager-{lower}", Role.INSTITUTION_MANAGER, managed, None, False),
            (f"trainer-{lower}", Role.TRAINER, None, trainer, False),
            (f"staff-{lower}", Role.STAFF, None, staff, False),
        ]
        for username, role, institution, member, is_staff in plan:
            if member is not None:
                institution = member.institution
            users.append(
                User(
                    username=username, role=role, beneficiary=beneficiary,
                    institution=institution, staff_member=member, is_staff=is_staff,
                    is_demo=True, password=hashed, email=f"{username}@demo.invalid",
                    first_name=member.given_name if member else str(role.label),
                    last_name=member.family_name if member else code,
                )
            )  # fmt: skip
            described.append((username, f"{role.label} ({beneficiary.name})"))
    User.objects.bulk_create(users)
    return described, showcases


def build_demo(
    *,
    scale: str = "small",
    seed: int = 2020,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoSummary:
    """Rebuild the demo region from scratch in one transaction. `progress(done, total)` is
    called as staff are written."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    today = today or datetime.date.today()
    rng = random.Random(seed)
    with transaction.atomic():
        refuse_if_real_data()
        wipe_demo()
        load_framework()
        categories = {c.code: c for c in StaffCategory.objects.all()}
        modules = {m.code: m for m in Module.objects.prefetch_related("conferrals")}
        version = FrameworkVersion.objects.published().order_by("effective_from").first()
        assert version is not None  # load_framework just made sure of it
        history = HistoryWriter(rng, today, modules, pathways(version))
        total = sum(staff_count(spec, scale) for spec in ADMINISTRATIONS)
        done = 0
        structures: dict[str, tuple[Beneficiary, list[Institution]]] = {}
        for spec in ADMINISTRATIONS:
            beneficiary, institutions = _create_structure(spec)
            structures[spec.code] = (beneficiary, institutions)
            placed = _spread(rng, staff_count(spec, scale), institutions)
            for start in range(0, len(placed), BATCH):
                chunk = placed[start : start + BATCH]
                members = [
                    _new_person(rng, spec, start + offset + 1, institution, categories, today)
                    for offset, institution in enumerate(chunk)
                ]
                _write_people(beneficiary, members)
                roles: list[tuple[int, int, datetime.date]] = []
                evidence: list[EvidenceRow] = []
                for member in members:
                    held = _roles_for(rng, member, today)
                    roles += [(member.pk, categories[code].pk, since) for code, since in held]
                    evidence += history.completions(member, [code for code, _ in held])
                insert_rows(StaffRole, ("staff_member", "category", "start_date"), roles)
                insert_rows(Completion, EVIDENCE_FIELDS, evidence)
                done += len(chunk)
                if progress:
                    progress(done, total)
        users, showcases = _create_users(
            structures, demo_password(), today=today, history=history, categories=categories
        )
        # The sessions behind the evidence, and the coming weeks' (after the log-ins: the
        # people behind them were given a history of their own).
        sessions = delivery.build_delivery(showcases, scale=scale, rng=rng, today=today)
        certificates = build_evaluation(rng=rng, today=today)
        build_curricula(Beneficiary.objects.filter(is_demo=True))
        build_surveys(rng=rng, today=today)
        summary = DemoSummary(
            administrations=len(structures),
            institutions=sum(len(i) for _, i in structures.values()),
            staff=total,
            # Counted again: the people behind the personal log-ins were given a history of
            # their own.
            completions=Completion.objects.filter(staff_member__beneficiary__is_demo=True).count(),
            users=users,
            sessions=sessions,
        )
        first = next(iter(structures.values()))[0]
        record(
            actor=SYSTEM,
            action=AuditEvent.Action.BULK,
            obj=first,
            message=(
                f"Demo region built: scale {scale}, seed {seed}, {summary.staff} staff, "
                f"{summary.completions} completions, {summary.sessions} training sessions, "
                f"{certificates} certificates"
            ),
        )
    return summary
