"""Delivery's lists as CSV or XLSX, written by the one export helper (`matrica.exports`): the
sessions the calendar covers, a session's roster, a module's trainer pool and the module
catalogue. Each table is built from the same selector as its page, so a file holds what the page
shows to the same user, every page of it; states and reasons travel as stable codes beside
their translated labels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from matrica import exports
from matrica.delivery.models import Enrolment, TrainingSession
from matrica.delivery.pool_selectors import PoolTrainer
from matrica.framework.models import Module, StaffCategory
from matrica.tenancy.models import Beneficiary, Service

# Why someone is in a module's trainer pool, by stable code.
TRAINED, AUTHORISED = "trained", "authorised"


def sessions_header() -> list[str]:
    return [
        _("Session id"), _("Administration code"), _("Module code"), _("Module"),
        _("First day"), _("Last day"), _("State"), _("State code"), _("Joint"), _("Venue"),
        _("Language code"), _("Places"), _("Places taken"),
    ]  # fmt: skip


def sessions_rows(sessions: QuerySet[TrainingSession]) -> Iterator[list[Any]]:
    """One line per session, first day first; `sessions` comes from `sessions_for_calendar`
    (module, administration and places taken in the same query). Joint is 1 or 0."""
    states = dict(TrainingSession.State.choices)
    for session in sessions.iterator(chunk_size=2000):
        yield [
            session.pk, session.beneficiary.code, session.module.code,
            session.module.local_title, session.starts_on, session.ends_on,
            str(states[session.state]), session.state, int(session.is_joint), session.venue,
            session.language, session.capacity, session.confirmed,  # type: ignore[attr-defined]
        ]  # fmt: skip


def sessions_table(sessions: QuerySet[TrainingSession]) -> exports.Table:
    return exports.Table(
        header=sessions_header(), rows=sessions_rows(sessions), title=_("Training sessions")
    )


def roster_header() -> list[str]:
    return [
        _("Session id"), _("Module code"), _("First day"), _("Staff number"), _("Family name"),
        _("Given name"), _("Administration code"), _("Institution"), _("Service"),
        _("Service code"), _("Category code"), _("State"), _("State code"), _("Nominated on"),
    ]  # fmt: skip


def roster_rows(session: TrainingSession, enrolments: list[Enrolment]) -> Iterator[list[Any]]:
    """One line per enrolment the roster shows, in name order."""
    states = dict(Enrolment.State.choices)
    services = dict(Service.Kind.choices)
    categories = dict(StaffCategory.objects.values_list("pk", "code"))
    for enrolment in enrolments:
        member = enrolment.staff_member
        kind = member.institution.service.kind
        yield [
            session.pk, session.module.code, session.starts_on, member.employee_number,
            member.family_name, member.given_name, session.beneficiary.code,
            member.institution.name, str(services[kind]), kind,
            categories[member.primary_category_id], str(states[enrolment.state]),
            enrolment.state, enrolment.nominated_at.date(),
        ]  # fmt: skip


def roster_table(session: TrainingSession, enrolments: list[Enrolment]) -> exports.Table:
    return exports.Table(
        header=roster_header(), rows=roster_rows(session, enrolments), title=_("People")
    )


def pool_header() -> list[str]:
    return [
        _("Module code"), _("Staff number"), _("Family name"), _("Given name"),
        _("Administration code"), _("Institution"), _("Why"), _("Why code"), _("Granted on"),
        _("Valid until"), _("Reason"),
    ]  # fmt: skip


def pool_rows(module_code: str, trainers: list[PoolTrainer]) -> Iterator[list[Any]]:
    """One line per reason a person is in the pool: their training-of-trainers evidence (valid
    until a date), and each authorisation (granted on, until, and why it was given)."""
    administrations = _administration_codes(trainers)
    labels = {TRAINED: _("Training of trainers"), AUTHORISED: _("Authorisation")}
    for entry in trainers:
        person = entry.person
        who = [
            module_code, person.employee_number, person.family_name, person.given_name,
            administrations[person.beneficiary_id], person.institution.name,
        ]  # fmt: skip
        if entry.trained_until:
            yield [*who, str(labels[TRAINED]), TRAINED, None, entry.trained_until, ""]
        for authorisation in entry.authorisations:
            yield [
                *who, str(labels[AUTHORISED]), AUTHORISED, authorisation.granted_on,
                authorisation.valid_until, authorisation.reason,
            ]  # fmt: skip


def _administration_codes(trainers: list[PoolTrainer]) -> dict[int, str]:
    ids = {entry.person.beneficiary_id for entry in trainers}
    return dict(Beneficiary.objects.filter(pk__in=ids).values_list("pk", "code"))


def pool_table(module_code: str, trainers: list[PoolTrainer]) -> exports.Table:
    return exports.Table(
        header=pool_header(), rows=pool_rows(module_code, trainers), title=_("The pool")
    )


def modules_header() -> list[str]:
    return [
        _("Module code"), _("Module"), _("Administration code"), _("Hours"),
        _("Validity (months)"), _("Confers"), _("Delivery modes"), _("Delivery mode codes"),
        _("Language codes"), _("Joint prison and probation delivery"),
        _("Attendance needed for completion"), _("Prerequisites (any one of)"),
    ]  # fmt: skip


def modules_rows(modules: QuerySet[Module]) -> Iterator[list[Any]]:
    """One line per module, as the catalogue lists them: the common ones (no administration
    code), then each administration's. `modules` comes from `module_details` (conferrals and
    prerequisites prefetched: a fixed number of queries). What a module confers is written as
    the page writes it (`RAD-A`), prerequisites and delivery modes by their codes; joint 1 or
    0; attendance in percent."""
    modes = dict(Module.DeliveryMode.choices)
    for module in modules:
        known = [mode for mode in module.delivery_modes if mode in modes]
        yield [
            module.code, module.local_title,
            module.beneficiary.code if module.beneficiary else "", module.hours,
            module.validity_months,
            " ".join(f"{c.area.code}-{c.level.code}" for c in module.conferrals.all()),
            ", ".join(str(modes[mode]) for mode in known), " ".join(known),
            " ".join(module.languages), int(module.joint_delivery), module.attendance_threshold,
            " ".join(prerequisite.code for prerequisite in module.prerequisites_any_of.all()),
        ]  # fmt: skip


def modules_table(modules: QuerySet[Module]) -> exports.Table:
    return exports.Table(header=modules_header(), rows=modules_rows(modules), title=_("Modules"))
