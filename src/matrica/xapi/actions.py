"""Writes of the xAPI app: the sources and their credentials, the statements they send, and the
national administrator's answers to the queue. Each action checks permission, writes, audits and
lets the training actions record or void the evidence, in one transaction."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import record, save_audited, write, write_changes
from matrica.framework.models import Module
from matrica.staff.models import StaffMember
from matrica.tenancy.changes import deferred
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require
from matrica.tenancy.roles import Role
from matrica.text import clean_text
from matrica.training.actions import (
    ModuleCompletions,
    record_completions_of_modules,
    void_completions,
)
from matrica.training.models import Completion
from matrica.xapi.models import ActivityMapping, ActorMapping, Source, Statement
from matrica.xapi.statements import Invalid, Parsed, canonical, parse

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor


# A source's secret is 32 random bytes, stored as its SHA-256. Django's password hashers
# (PBKDF2, Argon2) are slow on purpose, to stop guesses at passwords people chose; this secret
# is chosen by the machine and has 256 bits, so nothing can be guessed, and the platform sends it
# with every batch: a deliberately slow hash would cost a third of a second per batch, more than
# storing the statements. A leaked table still gives no secret back.
SECRET_BYTES = 32


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SourceActor:
    """The actor of what a source's statements do: it records and voids evidence of its own
    administration only, like a training manager of it (the narrowest role that may), and the
    trail names the source ("xAPI: HELP Moodle"). Typed as an `Actor` through `source_actor`."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    role = Role.TRAINING_MANAGER
    pk = None
    institution_id = staff_member_id = None
    institution = staff_member = None

    def __init__(self, source: Source) -> None:
        self.source = source
        self.beneficiary_id = source.beneficiary_id
        self.beneficiary = source.beneficiary

    def get_username(self) -> str:
        return f"xAPI: {self.source.name}"[:150]


def source_actor(source: Source) -> Actor:
    return cast("Actor", SourceActor(source))


# Sources ---------------------------------------------------------------------------------------


@transaction.atomic
def create_source(*, actor: Actor, beneficiary: Beneficiary, name: str) -> tuple[Source, str]:
    """A new platform that may send statements for `beneficiary`. Returns the source and its
    secret, which is shown once and never stored."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=beneficiary.pk)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    source = Source(
        beneficiary=beneficiary, name=clean_text(name), key=f"xapi-{secrets.token_hex(8)}",
        secret_hash=_digest(secret), created_by=actor if actor.pk else None,
    )  # fmt: skip
    write(actor=actor, obj=source, exclude=["created_by"])
    return source, secret


@transaction.atomic
def revoke_source(*, actor: Actor, source: Source) -> Source:
    """The source's key and secret stop working at once; its statements stay."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=source.beneficiary_id)
    if source.revoked_at is None:
        source.revoked_at = timezone.now()
        save_audited(actor=actor, obj=source, message="Credentials revoked")
    return source


def authenticate(key: str, secret: str) -> Source | None:
    """The live source whose key and secret these are, or None."""
    source = (
        Source.objects.select_related("beneficiary")
        .filter(key=key, revoked_at__isnull=True)
        .first()
    )
    if source is None or not hmac.compare_digest(source.secret_hash, _digest(secret)):
        return None
    return source


@transaction.atomic
def set_rules(
    *, actor: Actor, source: Source, account_is_employee_number: bool, mbox_is_email: bool
) -> int:
    """Switch the matching rules of a source, then retry its waiting statements. Returns how
    many became evidence."""
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=source.beneficiary_id)
    write_changes(
        actor=actor, obj=source, allowed=frozenset({"account_is_employee_number", "mbox_is_email"}),
        changes={"account_is_employee_number": account_is_employee_number,
                 "mbox_is_email": mbox_is_email},
        message="Matching rules changed", exclude=["created_by"],
    )  # fmt: skip
    return _retry(source=source, actor=actor, waiting=Statement.objects.filter(source=source))


# Statements ------------------------------------------------------------------------------------


class BatchRefused(Exception):
    """The batch stores nothing: statement `index` is not a valid statement."""

    def __init__(self, index: int | None, invalid: Invalid) -> None:
        super().__init__(str(invalid))
        self.index = index
        self.invalid = invalid


class Conflict(Exception):
    """A statement id already stored (or repeated in the batch) with a different statement."""

    def __init__(self, statement_id: str) -> None:
        super().__init__(statement_id)
        self.statement_id = statement_id


@dataclass
class _Lookups:
    """Who the actors are and which modules the activities are, for one batch: absent from a
    dict means unknown (queued); None means "not one of ours" (kept, never evidence)."""

    people: dict[str, StaffMember | None]
    modules: dict[str, Module | None]


_PERSON_FIELDS = ("id", "beneficiary_id", "given_name", "family_name", "employee_number")


def _lookups(source: Source, actor_keys: set[str], activity_ids: set[str]) -> _Lookups:
    """Every lookup of a batch in a few queries, whatever its size."""
    people: dict[str, StaffMember | None] = {}
    for mapping in (
        ActorMapping.objects.filter(source=source, actor_key__in=actor_keys)
        .select_related("staff_member")
        .only("actor_key", *(f"staff_member__{name}" for name in _PERSON_FIELDS))
    ):
        person = mapping.staff_member
        # A mapping always names someone of the source's administration (resolve_actor).
        people[mapping.actor_key] = (
            person if person is None or person.beneficiary_id == source.beneficiary_id else None
        )
    in_administration = StaffMember.objects.filter(beneficiary_id=source.beneficiary_id).only(
        *_PERSON_FIELDS
    )
    unmapped = actor_keys - set(people)
    if source.account_is_employee_number:
        numbers = {key.rsplit("|", 1)[1]: key for key in unmapped if key.startswith("account:")}
        if numbers:
            for member in in_administration.filter(employee_number__in=numbers):
                people[numbers[member.employee_number]] = member
    if source.mbox_is_email:
        emails = {
            key.removeprefix("mbox:mailto:"): key for key in unmapped if key.startswith("mbox:")
        }
        if emails:
            for member in in_administration.annotate(folded=Lower("email")).filter(
                folded__in=emails
            ):
                people.setdefault(emails[member.email.lower()], member)
    modules: dict[str, Module | None] = {
        mapping.activity_id: mapping.module
        for mapping in ActivityMapping.objects.filter(
            source=source, activity_id__in=activity_ids
        ).select_related("module")
    }
    return _Lookups(people, modules)


def _evaluate(*, source: Source, rows: Sequence[Statement], actor: Actor) -> int:
    """Decide what each completion statement of `rows` is (evidence, waiting, not ours) and
    record the evidence: one `record_module_completions` per (module, date), whatever the number
    of people. Sets the rows' fields; the caller saves them. Returns how many became evidence."""
    rows = [row for row in rows if row.kind == Statement.Kind.EVIDENCE]
    if not rows:
        return 0
    found = _lookups(source, {r.actor_key for r in rows}, {r.activity_id for r in rows})
    today = timezone.localdate()
    groups: dict[tuple[int, datetime.date], list[tuple[Statement, StaffMember]]] = defaultdict(list)
    modules: dict[int, Module] = {}
    for row in rows:
        row.actor_unknown = row.actor_key not in found.people
        row.activity_unknown = row.activity_id not in found.modules
        if row.actor_unknown or row.activity_unknown:
            row.status = Statement.Status.WAITING
            continue
        person, module = found.people[row.actor_key], found.modules[row.activity_id]
        if person is None or module is None:
            row.status = Statement.Status.IGNORED
            continue
        # A platform's clock a little ahead of ours must not refuse the whole batch.
        completed_on = min(timezone.localdate(row.timestamp), today)
        groups[(module.pk, completed_on)].append((row, person))
        modules[module.pk] = module
    if not groups:
        return 0
    # Evidence already held (the same completion sent again by another event) is not doubled.
    held: dict[tuple[int, int, datetime.date], list[int]] = defaultdict(list)
    for pk, staff_id, module_id, completed_on in Completion.objects.filter(
        source=Completion.Source.ELEARNING,
        staff_member_id__in={p.pk for items in groups.values() for _r, p in items},
        module_id__in={module_id for module_id, _d in groups},
        completed_on__in={day for _m, day in groups},
    ).values_list("pk", "staff_member_id", "module_id", "completed_on"):
        held[(staff_id, module_id, completed_on)].append(pk)
    # One write for the whole batch, whatever the number of modules and days in it.
    to_record = []
    for (module_id, completed_on), items in groups.items():
        newcomers = {
            person.pk: person
            for _row, person in items
            if (person.pk, module_id, completed_on) not in held
        }
        if newcomers:
            to_record.append(
                ModuleCompletions(modules[module_id], completed_on, list(newcomers.values()))
            )
    if to_record:
        created = record_completions_of_modules(
            actor=actor, groups=to_record, source=Completion.Source.ELEARNING
        )
        for pk, staff_id, module_id, completed_on in created.values_list(
            "pk", "staff_member_id", "module_id", "completed_on"
        ):
            held[(staff_id, module_id, completed_on)].append(pk)
    recorded = 0
    for (module_id, completed_on), items in groups.items():
        for row, person in items:
            row.status = Statement.Status.RECORDED
            row.completion_ids = sorted(held[(person.pk, module_id, completed_on)])
            recorded += 1
    return recorded


def _withdraw(*, source: Source, row: Statement, actor: Actor) -> None:
    """An `uncompleted` voids the evidence of the earlier completions of the same activity by
    the same actor, and takes waiting ones out of the queue."""
    earlier = Statement.objects.filter(
        source=source, actor_key=row.actor_key, activity_id=row.activity_id,
        kind=Statement.Kind.EVIDENCE,
        status__in=[Statement.Status.RECORDED, Statement.Status.WAITING],
        timestamp__lte=row.timestamp,
    )  # fmt: skip
    completion_ids = [pk for ids in earlier.values_list("completion_ids", flat=True) for pk in ids]
    if not completion_ids and not earlier.exists():
        return
    live = list(Completion.objects.filter(pk__in=completion_ids).values_list("pk", flat=True))
    if live:
        void_completions(
            actor=actor, completion_ids=live,
            reason=f"{source.name}: completion withdrawn (xAPI statement {row.statement_id})",
        )  # fmt: skip
    earlier.update(status=Statement.Status.VOIDED, actor_unknown=False, activity_unknown=False)
    row.status = Statement.Status.APPLIED
    row.save(update_fields=["status"])


def _row(source: Source, parsed: Parsed) -> Statement:
    kind = (
        Statement.Kind.EVIDENCE
        if parsed.evidence
        else Statement.Kind.UNCOMPLETED
        if parsed.uncompleted
        else Statement.Kind.OTHER
    )
    return Statement(
        source=source, statement_id=parsed.statement_id, actor_key=parsed.actor_key,
        actor_name=parsed.actor_name, verb=parsed.verb[:500], activity_id=parsed.activity_id,
        activity_name=parsed.activity_name, timestamp=parsed.timestamp, kind=kind,
        status=Statement.Status.IGNORED, raw=parsed.raw,
    )  # fmt: skip


def receive_statements(*, source: Source, statements: Sequence[Any]) -> list[str]:
    """Store a batch from `source`, all or nothing, and record the evidence it carries.

    Raises `BatchRefused` (nothing stored) when one statement is invalid, `Conflict` when an
    id is already held with a different statement. A statement already held is accepted again
    and not stored twice. Returns the ids of the batch, in its order."""
    now = timezone.now()
    parsed: list[Parsed] = []
    for index, statement in enumerate(statements):
        try:
            parsed.append(parse(statement, source_key=source.key, now=now))
        except Invalid as invalid:
            raise BatchRefused(index, invalid) from None
    unique: dict[Any, Parsed] = {}
    for item in parsed:
        twin = unique.setdefault(item.statement_id, item)
        if twin is not item and canonical(twin.raw) != canonical(item.raw):
            raise Conflict(str(item.statement_id))
    with transaction.atomic():
        held = dict(
            Statement.objects.filter(source=source, statement_id__in=list(unique)).values_list(
                "statement_id", "raw"
            )
        )  # a resend brings the raw statements back once, to compare
        for statement_id, raw in held.items():
            if canonical(raw) != canonical(unique[statement_id].raw):
                raise Conflict(str(statement_id))
        rows = [_row(source, item) for key, item in unique.items() if key not in held]
        if rows:
            _store(source=source, rows=rows)
    return [str(item.statement_id) for item in parsed]


def _store(*, source: Source, rows: list[Statement]) -> None:
    """Record the evidence of new statements, store them, apply their withdrawals; the
    compliance figures of everyone concerned are redone once for the batch."""
    actor = source_actor(source)
    with deferred():
        recorded = _evaluate(source=source, rows=rows, actor=actor)
        Statement.objects.bulk_create(rows)
        for row in rows:
            if row.kind == Statement.Kind.UNCOMPLETED:
                _withdraw(source=source, row=row, actor=actor)
    record(
        actor=actor, action=AuditEvent.Action.BULK, obj=source,
        message=f"{len(rows)} xAPI statements received, {recorded} recorded as evidence",
    )  # fmt: skip


# The queue -------------------------------------------------------------------------------------


def _retry(*, source: Source, actor: Actor, waiting: QuerySet[Statement]) -> int:
    rows = list(waiting.filter(status=Statement.Status.WAITING).order_by("timestamp", "pk"))
    with deferred():
        recorded = _evaluate(source=source, rows=rows, actor=actor)
    Statement.objects.bulk_update(
        rows, ["status", "actor_unknown", "activity_unknown", "completion_ids"]
    )
    return recorded


def _check_source(actor: Actor, source: Source) -> None:
    require(actor, Verb.RECORD_EVIDENCE, beneficiary_id=source.beneficiary_id)
    if not Source.objects.visible_to(actor).filter(pk=source.pk).exists():
        raise Http404


@transaction.atomic
def resolve_actor(
    *, actor: Actor, source: Source, actor_key: str, staff_member: StaffMember | None
) -> int:
    """Say who a queued actor is (`staff_member`), or that they are none of ours (None); then
    record the evidence of every statement that waited for them. Returns how many."""
    _check_source(actor, source)
    if staff_member is not None and staff_member.beneficiary_id != source.beneficiary_id:
        raise Http404
    mapping = ActorMapping.objects.filter(source=source, actor_key=actor_key).first()
    if mapping is None:
        mapping = ActorMapping(source=source, actor_key=actor_key)
    mapping.staff_member = staff_member
    write(actor=actor, obj=mapping, message="xAPI actor matched")
    return _retry(
        source=source,
        actor=actor,
        waiting=Statement.objects.filter(source=source, actor_key=actor_key),
    )


@transaction.atomic
def resolve_activity(
    *, actor: Actor, source: Source, activity_id: str, module: Module | None
) -> int:
    """Say which module a queued activity is, or that it is not training Matrica counts (None);
    then record the evidence of every statement that waited for it. Returns how many."""
    _check_source(actor, source)
    if module is not None and module.beneficiary_id not in (None, source.beneficiary_id):
        raise Http404
    if not activity_id:
        raise ValidationError({"activity_id": _("Choose an activity.")})
    mapping = ActivityMapping.objects.filter(source=source, activity_id=activity_id).first()
    if mapping is None:
        mapping = ActivityMapping(source=source, activity_id=activity_id)
    mapping.module = module
    write(actor=actor, obj=mapping, message="xAPI activity matched")
    return _retry(
        source=source, actor=actor,
        waiting=Statement.objects.filter(source=source, activity_id=activity_id),
    )  # fmt: skip
