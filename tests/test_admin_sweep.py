"""The admin site under tenancy, swept.

For every model registered in the admin site, every relation it holds to a record of an
administration, and every admin-site role outside that administration, the test asks the admin
for everything it can show about a record of Serbia: the changelist (with its filters and
search), the record's change, history and delete pages, the add form prefilled from the query
string, the changelist filtered by the record, the raw-ID look-up pop-up and the autocomplete
look-up. None of them may show the record: its name, its people's names or a link to it.

Nothing is hard-coded: a model registered tomorrow is swept tomorrow, and
`test_the_sweep_has_a_record_of_serbia_for_every_scoped_model` fails until the world below
holds one record of it.

The findings of issue #13 follow the sweep, each as its own test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matrica.audit.models import AuditEvent
from matrica.audit.services import record
from matrica.compliance import services as compliance_services
from matrica.compliance.models import CellCount, ExpiryNotice, Snapshot
from matrica.framework.models import (
    CompetencyArea,
    Deviation,
    FrameworkVersion,
    Level,
    Module,
    NationalAdaptation,
    Requirement,
)
from matrica.testing.factories import CompletionFactory, StaffRoleFactory, category
from matrica.testing.world import World
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db

# Admin-site roles that are not Serbia's. The coordinator sees the organisation of every
# administration (names of services and institutions, adaptations), never a person.
OUTSIDERS = ["admin-me", "training-me", "coordinator"]


def is_scoped(model: Any) -> bool:
    """A model holding an administration's records declares how they are scoped."""
    return isinstance(model, type) and hasattr(model, "tenancy")


def registered_models() -> list[type[models.Model]]:
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def scoped_relations() -> list[tuple[type[models.Model], str]]:
    """(model, field) for every foreign key and one-to-one field of a registered model whose
    target holds an administration's records. Relations to the common matrix (levels, areas,
    categories, versions) or to content types point at nothing that belongs to anyone."""
    return [
        (model, model_field.name)
        for model in registered_models()
        for model_field in model._meta.concrete_fields
        if (model_field.many_to_one or model_field.one_to_one)
        and is_scoped(model_field.related_model)
    ]


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# The test client's responses carry `json()` and `request` besides an HttpResponse's.
Response = Any


def text_of(response: Response) -> str:
    """The body as a reader sees it: JSON (the autocomplete) with its escapes undone."""
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(response.json(), ensure_ascii=False)
    return response.content.decode()


@dataclass
class Serbia:
    """One record of Serbia of every model the admin shows, named so that no page of another
    administration could show the name by chance."""

    records: dict[type[models.Model], models.Model] = field(default_factory=dict)
    # What would give each record away: its name, and a link to its change page.
    markers: dict[type[models.Model], list[str]] = field(default_factory=dict)
    people: list[str] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)
    # Known to the coordinator, who manages national administrators and sees every
    # administration's organisation; hidden from the other administration's roles.
    administrators: list[str] = field(default_factory=list)
    organisation: list[str] = field(default_factory=list)

    def add(self, obj: models.Model, *names: str) -> None:
        model = type(obj)
        self.records[model] = obj
        link = [url(model, "change", obj.pk)] if model in admin.site._registry else []
        self.markers[model] = [*names, *link]

    def hidden_from(self, username: str) -> list[str]:
        """What `username` must never see. Another administration's roles: anything of
        Serbia's. The coordinator: anything personal (people, their evidence, roles, notices,
        accounts and trail); the organisation is regional knowledge."""
        personal = [
            marker
            for model, markers in self.markers.items()
            if model.tenancy.personal  # type: ignore[attr-defined]
            for marker in markers
        ]
        if username == "coordinator":
            return sorted({*personal, *self.people, *self.accounts})
        every = [marker for markers in self.markers.values() for marker in markers]
        return sorted(
            {*every, *self.people, *self.accounts, *self.administrators, *self.organisation}
        )


def build_serbia(world: World) -> Serbia:
    rs = world["RS"]
    serbia = Serbia()

    rs.beneficiary.name = "Ђердапска управа"
    rs.beneficiary.save()
    names = {rs.prison: "КПЗ Ђердап-Кладово", rs.probation: "Повереништво Ђердап-Зајечар"}
    for institution, name in names.items():
        institution.name = name
        institution.save()
        institution.service.name = f"Служба {name}"
        institution.service.save()
    serbia.organisation = [
        rs.beneficiary.name,
        *names.values(),
        *(f"Служба {name}" for name in names.values()),
    ]
    serbia.people = [
        text for person in rs.people for text in (person.full_name, person.employee_number)
    ]
    serbia.accounts = [user.username for key, user in rs.users.items() if key != "national_admin"]
    serbia.administrators = [rs.users["national_admin"].username]

    person = rs.people[0]
    serbia.add(rs.beneficiary, rs.beneficiary.name)
    serbia.add(rs.prison.service, rs.prison.service.name)
    serbia.add(rs.prison, rs.prison.name)
    serbia.add(person, person.full_name)
    role = StaffRoleFactory.create(staff_member=person, category=category("TRN"))
    serbia.add(role, str(role))  # shown inline on the person's page
    completion = CompletionFactory.create(staff_member=person)
    serbia.add(completion, str(completion))
    module = Module.objects.create(
        beneficiary=rs.beneficiary, code="RS-ĐRD", title="Ђердапски национални модул", hours=4,
        validity_months=24,
    )  # fmt: skip
    serbia.add(module, module.title)
    version = FrameworkVersion.objects.get()
    adaptation = NationalAdaptation.objects.create(
        beneficiary=rs.beneficiary, version=version, effective_from=version.effective_from,
        title="Ђердапска адаптација",
    )  # fmt: skip
    serbia.add(adaptation, adaptation.title)
    base = Requirement.objects.get(version=version, area__code="RAD", category__code="FLO")
    deviation = Deviation.objects.create(
        adaptation=adaptation, area=base.area, category=base.category, level=base.level,
        refresher_months=base.refresher_months - 12, deadline_months=base.deadline_months,
        reason="Ђердапски разлог за краћи рок",
    )  # fmt: skip
    serbia.add(deviation, deviation.reason)
    serbia.add(rs.users["trainer"], rs.users["trainer"].username)
    notice = ExpiryNotice.objects.create(
        staff_member=person, area=completion.area, valid_until=completion.valid_until
    )
    serbia.add(notice)
    event = record(
        actor=rs.users["training_manager"], action=AuditEvent.Action.UPDATE, obj=person,
        message="Ђердапска исправка",
    )  # fmt: skip
    serbia.add(event, event.message, event.object_repr)
    return serbia


@pytest.fixture
def serbia(world: World) -> Serbia:
    return build_serbia(world)


def user_named(world: World, username: str) -> Any:
    if username == "coordinator":
        return world.coordinator
    code = username.rsplit("-", 1)[1].upper()
    return next(u for u in world[code].users.values() if u.username == username)


@pytest.fixture
def outsider(role: str, world: World, client: Client) -> str:
    """Log in as the test's `role` (a user name) and return it. A page that fails answers 500
    to the sweep instead of raising, so that every page is still looked at."""
    client.force_login(user_named(world, role))
    client.raise_request_exception = False
    return role


# Searches that would find Serbia's records (none of them is itself a name looked for, since
# the search box shows what was typed): a name without diacritics, a place, an employee
# number, an account.
SEARCH_TERMS = ["djordjevic", "Ђердап", "RS-00", "trainer-r"]
MISSING_ID = 987654


class Sweep:
    """Collects everything wrong across the pages of one test, so that one failure names
    every page that showed something, not only the first."""

    def __init__(self, client: Client, serbia: Serbia, username: str) -> None:
        self.client, self.serbia, self.username = client, serbia, username
        self.problems: list[str] = []

    def look(self, what: str, address: str, allowed: set[int]) -> Response:
        response = self.client.get(address, follow=True)
        self.check(what, response, allowed)
        return response

    def check(self, what: str, response: Response, allowed: set[int]) -> None:
        if response.status_code not in allowed:
            self.problems.append(f"{what} ({response.request['PATH_INFO']}): "
                                 f"{response.status_code}")  # fmt: skip
        body = text_of(response)
        shown = [marker for marker in self.serbia.hidden_from(self.username) if marker in body]
        if shown:
            self.problems.append(f"{what} shows {shown}")

    def verdict(self) -> None:
        assert not self.problems, f"as {self.username}:\n" + "\n".join(self.problems)


# The sweep ---------------------------------------------------------------------------------


def test_the_sweep_has_a_record_of_serbia_for_every_scoped_model(serbia):
    held = {model._meta.label for model in serbia.records}
    missing = [m._meta.label for m in registered_models() if is_scoped(m)]
    missing = [label for label in missing if label not in held]
    assert not missing, f"add a record of Serbia of {missing} to build_serbia"


def test_the_sweep_covers_the_relations_the_issue_names():
    relations = {f"{m._meta.label_lower}.{name}" for m, name in scoped_relations()}
    assert {"training.completion.staff_member", "staff.staffmember.institution"} <= relations


MODELS = [(model, role) for model in registered_models() for role in OUTSIDERS]


@pytest.mark.parametrize(
    ("model", "role"),
    MODELS,
    ids=[f"{m._meta.label_lower}-{r}" for m, r in MODELS],
)
def test_no_page_of_a_model_shows_serbia_to_an_outsider(client, serbia, outsider, model, role):
    sweep = Sweep(client, serbia, outsider)
    sweep.look("the admin index", reverse("admin:index"), {200})
    sweep.look("the changelist", url(model, "changelist"), {200, 403})
    sweep.look("the add form", url(model, "add"), {200, 403})
    for term in SEARCH_TERMS:
        changelist = url(model, "changelist")
        sweep.look(f"the changelist searched for {term!r}", f"{changelist}?q={term}", {200, 403})
        sweep.look(
            f"the look-up pop-up searched for {term!r}",
            f"{changelist}?_popup=1&_to_field=id&q={term}",
            {200, 403},
        )
    sweep.verdict()


def record_views(model: type[models.Model]) -> dict[str, Callable[[Any], str]]:
    """The admin pages of one record, by name, as functions of its id."""

    def view_of(view: str) -> Callable[[Any], str]:
        return lambda pk: url(model, view, pk)

    views = {view: view_of(view) for view in ("change", "history", "delete")}
    if model._meta.label == "accounts.User":  # Django names it after its own auth app
        views["password"] = lambda pk: reverse("admin:auth_user_password_change", args=[pk])
    return views


SCOPED_MODELS = [
    (model, role)
    for model in registered_models()
    if is_scoped(model)
    for role in OUTSIDERS
    # The coordinator sees every administration's organisation and adaptations by design.
    if role != "coordinator" or model.tenancy.personal  # type: ignore[attr-defined]
]


@pytest.mark.parametrize(
    ("model", "role"), SCOPED_MODELS, ids=[f"{m._meta.label_lower}-{r}" for m, r in SCOPED_MODELS]
)
def test_a_record_of_serbia_looks_like_one_that_does_not_exist(
    client, serbia, outsider, model, role
):
    """Its change, history, delete (and password) pages answer exactly as for an id that
    exists nowhere: Django's admin redirects to its index with "… doesn't exist", or 404, or
    403 where the page is closed to the role whatever the id; and they show nothing of it."""
    obj = serbia.records[model]
    before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
    sweep = Sweep(client, serbia, outsider)
    for view, address_of in record_views(model).items():
        for method in ("get", "post"):
            answer = getattr(client, method)(address_of(obj.pk))
            absent = getattr(client, method)(address_of(MISSING_ID))
            if (answer.status_code, answer.get("Location")) != (
                absent.status_code,
                absent.get("Location"),
            ):
                sweep.problems.append(
                    f"{method.upper()} {view}: {answer.status_code} {answer.get('Location')}, "
                    f"where a missing id gets {absent.status_code} {absent.get('Location')}"
                )
            if answer.status_code == 302 and answer["Location"] != reverse("admin:index"):
                sweep.problems.append(f"{method.upper()} {view} redirects to {answer['Location']}")
            followed = getattr(client, method)(address_of(obj.pk), follow=True)
            sweep.check(f"{method.upper()} {view}", followed, {200, 403, 404})
    sweep.verdict()
    obj.refresh_from_db()
    assert {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} == before


RELATIONS = [(model, name, role) for model, name in scoped_relations() for role in OUTSIDERS]


@pytest.mark.parametrize(
    ("model", "field_name", "role"),
    RELATIONS,
    ids=[f"{m._meta.label_lower}.{n}-{r}" for m, n, r in RELATIONS],
)
def test_no_relation_shows_a_record_of_serbia_to_an_outsider(
    client, serbia, outsider, model, field_name, role
):
    related = model._meta.get_field(field_name).related_model
    foreign = serbia.records[related]
    sweep = Sweep(client, serbia, outsider)
    add, changelist = url(model, "add"), url(model, "changelist")
    sweep.look(f"the add form with ?{field_name}=", f"{add}?{field_name}={foreign.pk}", {200, 403})
    for lookup in (f"{field_name}__id__exact", field_name):
        sweep.look(
            f"the changelist filtered by ?{lookup}=",
            f"{changelist}?{lookup}={foreign.pk}",
            {200, 400, 403},  # 400: a look-up the admin does not allow
        )
    if related in admin.site._registry:
        # The raw-ID widget's look-up opens the related changelist as a pop-up.
        sweep.look(
            f"the raw-ID look-up of {field_name}",
            f"{url(related, 'changelist')}?_popup=1&_to_field=id",
            {200, 403},
        )
    if field_name in admin.site._registry[model].autocomplete_fields:
        for term in ["", *SEARCH_TERMS, str(foreign)[:5]]:
            query = (
                f"app_label={model._meta.app_label}&model_name={model._meta.model_name}"
                f"&field_name={field_name}&term={term}"
            )
            sweep.look(
                f"the autocomplete of {field_name} for {term!r}",
                f"{reverse('admin:autocomplete')}?{query}",
                {200, 403},
            )
    sweep.verdict()


OWNED_RELATIONS = scoped_relations()


@pytest.mark.parametrize(
    ("model", "field_name"),
    OWNED_RELATIONS,
    ids=[f"{m._meta.label_lower}.{name}" for m, name in OWNED_RELATIONS],
)
def test_the_add_form_prefill_shows_the_owner_the_name_the_sweep_looks_for(
    client, world, serbia, model, field_name
):
    """The probe can fail: where the add form has the field, a superuser sees the record the
    outsiders are asked about."""
    related = model._meta.get_field(field_name).related_model
    foreign = serbia.records[related]
    client.force_login(world.superuser)
    response = client.get(f"{url(model, 'add')}?{field_name}={foreign.pk}")
    if response.status_code == 403:
        pytest.skip(f"{model._meta.label} is read-only in the admin")
    assert response.status_code == 200
    if field_name not in response.context["adminform"].form.fields:
        pytest.skip(f"the add form of {model._meta.label} has no {field_name}")
    assert str(foreign) in text_of(response)


OWNED_MODELS = [m for m in registered_models() if is_scoped(m)]


@pytest.mark.parametrize(
    "model",
    OWNED_MODELS,
    ids=[m._meta.label_lower for m in OWNED_MODELS],
)  # fmt: skip
def test_serbias_national_administrator_sees_the_record_the_sweep_looks_for(
    client, world, serbia, model
):
    """The same probe from the other side: the record's own administration finds it."""
    client.force_login(world["RS"].users["national_admin"])
    response = client.get(url(model, "change", serbia.records[model].pk))
    assert response.status_code == 200
    names = serbia.markers[model][:-1]  # the link is the page itself
    assert all(name in text_of(response) for name in names)


# The findings of issue #13 -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_the_evidence_form_prefilled_with_someone_of_another_administration_shows_no_name(
    client, world, role
):
    foreign = world["ME"].people[0]
    own = world["RS"].people[0]
    client.force_login(world["RS"].users[role])
    add = reverse("admin:training_completion_add")
    response = client.get(add, {"staff_member": foreign.pk})
    assert response.status_code == 200
    assert foreign.family_name not in response.content.decode()
    # The prefill itself works, for someone of one's own administration.
    assert own.family_name in client.get(add, {"staff_member": own.pk}).content.decode()


def test_the_staff_form_prefilled_with_another_administrations_institution_shows_no_name(
    client, world
):
    foreign = world["ME"].prison
    foreign.name = "ZIKS Spuž"
    foreign.save()
    client.force_login(world["RS"].users["national_admin"])
    add = reverse("admin:staff_staffmember_add")
    response = client.get(add, {"institution": foreign.pk})
    assert response.status_code == 200
    assert "ZIKS Spuž" not in response.content.decode()
    own = client.get(add, {"institution": world["RS"].prison.pk}).content.decode()
    assert world["RS"].prison.name in own


def test_a_training_manager_reads_the_trail_neither_in_the_admin_nor_on_the_audit_page(
    client, world
):
    person = world["RS"].people[0]
    event = record(
        actor=world["RS"].users["national_admin"], action=AuditEvent.Action.UPDATE, obj=person
    )
    client.force_login(world["RS"].users["training_manager"])
    assert client.get(reverse("audit:list")).status_code == 403
    for address in (
        reverse("admin:audit_auditevent_changelist"),
        reverse("admin:audit_auditevent_change", args=[event.pk]),
    ):
        response = client.get(address)
        assert response.status_code in (302, 403), address
        if response.status_code == 302:
            assert not response["Location"].startswith(address)
        assert person.full_name not in client.get(address, follow=True).content.decode()
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:audit_auditevent_changelist") not in index


def administration_form(beneficiary: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "code": beneficiary.code, "name": beneficiary.name, "authority": beneficiary.authority,
        "languages": json.dumps(beneficiary.languages), "footnote": beneficiary.footnote,
    }  # fmt: skip
    data.update(changes)
    return data


@pytest.mark.parametrize("role", ["national_admin", "training_manager"])
def test_national_roles_cannot_change_their_administration(client, world, role):
    beneficiary = world["RS"].beneficiary
    change = reverse("admin:tenancy_beneficiary_change", args=[beneficiary.pk])
    client.force_login(world["RS"].users[role])
    page = client.get(change).content.decode()
    assert 'name="code"' not in page
    assert 'name="is_demo"' not in page
    response = client.post(
        change, administration_form(beneficiary, code="RX", name="Renamed", is_demo="on")
    )
    assert response.status_code == 403
    beneficiary.refresh_from_db()
    assert (beneficiary.code, beneficiary.name, beneficiary.is_demo) == ("RS", "Serbia", False)


def test_a_code_that_cannot_stand_in_an_address_is_refused_with_its_reason(client, world):
    beneficiary = world["RS"].beneficiary
    client.force_login(world.superuser)
    response = client.post(
        reverse("admin:tenancy_beneficiary_change", args=[beneficiary.pk]),
        administration_form(beneficiary, code="R/S"),
    )
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    beneficiary.refresh_from_db()
    assert beneficiary.code == "RS"
    assert client.get(reverse("tenancy:administration_list")).status_code == 200
    client.force_login(world["RS"].users["staff"])
    assert client.get(reverse("tenancy:administration_list")).status_code == 200


@pytest.fixture
def serbian_adaptation(world: World) -> NationalAdaptation:
    version = FrameworkVersion.objects.get()
    return NationalAdaptation.objects.create(
        beneficiary=world["RS"].beneficiary, version=version,
        effective_from=version.effective_from, title="Национална адаптација",
    )  # fmt: skip


def deviation_form(
    adaptation: NationalAdaptation, level: str, refresher_months: int, **extra: Any
) -> dict[str, Any]:
    base = Requirement.objects.get(
        version=adaptation.version, area__code="HRL", category__code="FLO"
    )
    return {
        "adaptation": adaptation.pk, "area": base.area_id, "category": base.category_id,
        "level": Level.objects.get(code=level).pk, "refresher_months": refresher_months,
        "deadline_months": base.deadline_months, "reason": "Ужа национална правила", **extra,
    }  # fmt: skip


def test_a_deviation_that_loosens_the_common_rule_is_refused_in_the_admin(
    client, world, serbian_adaptation
):
    base = Requirement.objects.get(
        version=serbian_adaptation.version, area__code="HRL", category__code="FLO"
    )
    assert (base.level.code, base.refresher_months) == ("P", 36)
    client.force_login(world["RS"].users["national_admin"])
    events = AuditEvent.objects.count()  # after the log-in, which is on the trail
    response = client.post(
        reverse("admin:framework_deviation_add"), deviation_form(serbian_adaptation, "A", 240)
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert {"level", "refresher_months"} <= set(errors)
    assert not Deviation.objects.exists()
    assert AuditEvent.objects.count() == events


def test_evidence_dated_in_the_future_is_refused_in_the_admin(client, world):
    client.force_login(world["RS"].users["training_manager"])
    completions, events = Completion.objects.count(), AuditEvent.objects.count()
    future = timezone.localdate() + relativedelta(years=4)
    response = client.post(
        reverse("admin:training_completion_add"),
        {
            "staff_member": world["RS"].people[0].pk,
            "area": CompetencyArea.objects.get(code="RAD").pk,
            "level": Level.objects.get(code="P").pk,
            "completed_on": future.isoformat(),
            "valid_until": (future + relativedelta(years=3)).isoformat(),
            "source": Completion.Source.MANUAL,
            "note": "Сертификат из иностранства",
        },
    )
    assert response.status_code == 200
    assert "completed_on" in response.context["adminform"].form.errors
    assert Completion.objects.count() == completions
    assert AuditEvent.objects.count() == events


def cell_counts(beneficiary: Any) -> list[tuple[Any, ...]]:
    fields = [f.attname for f in CellCount._meta.concrete_fields if f.name != "id"]
    return sorted(CellCount.objects.filter(beneficiary=beneficiary).values_list(*fields))


def test_a_deviation_added_in_the_admin_redoes_its_administration_and_no_other(
    client, world, serbian_adaptation
):

    rs, me = world["RS"], world["ME"]
    person = rs.people[0]  # front-line, in the prison: the HRL × FLO cell asks for P
    hrl = CompetencyArea.objects.get(code="HRL")
    gained = timezone.localdate() - relativedelta(months=6)
    CompletionFactory.create(
        staff_member=person, area=hrl, level=Level.objects.get(code="P"), completed_on=gained,
        valid_until=gained + relativedelta(months=36),
    )  # fmt: skip
    compliance_services.refresh_all()
    snapshot = Snapshot.objects.get()
    montenegro = cell_counts(me.beneficiary)
    assert montenegro

    def current_in_the_cell() -> int:
        count = CellCount.objects.get(institution=rs.prison, area=hrl, category=category("FLO"))
        return count.current

    assert current_in_the_cell() == 1

    client.force_login(rs.users["national_admin"])
    response = client.post(
        reverse("admin:framework_deviation_add"),
        deviation_form(serbian_adaptation, "S", 36, reason="Специјалисти у сваком затвору"),
    )
    assert response.status_code == 302
    deviation = Deviation.objects.get()
    assert AuditEvent.objects.filter(
        object_type__model="deviation", object_id=str(deviation.pk), user=rs.users["national_admin"]
    ).exists()
    # Serbia's figures follow at once: the officer holds P where Serbia now asks for S.
    assert current_in_the_cell() == 0
    # Montenegro's figures and the region's snapshot stay as they were.
    assert Snapshot.objects.filter(pk=snapshot.pk, as_of=snapshot.as_of).exists()
    assert cell_counts(me.beneficiary) == montenegro
