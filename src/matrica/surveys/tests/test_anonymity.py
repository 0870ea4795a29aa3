"""An anonymous campaign's answers cannot be joined to a person: no field names them, no time
stamp of any granularity dates them, no key or ordering follows the order they came in, and
no audit row records them. Who answered is known (the receipt), never what."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.http import Http404

from matrica.audit.models import AuditEvent
from matrica.surveys import actions
from matrica.surveys.models import AreaAnswer, Invitation, Response
from matrica.surveys.tests.factories import answer, campaign, ratings, respondent

pytestmark = pytest.mark.django_db

ANSWER_MODELS = (Response, AreaAnswer)
TIME_FIELDS = (models.DateField, models.DateTimeField, models.TimeField, models.DurationField)


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_an_answer_has_no_time_stamp_of_any_kind(model):
    times = [f.name for f in model._meta.concrete_fields if isinstance(f, TIME_FIELDS)]
    assert times == []


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_an_answer_has_a_random_key_not_a_counter(model):
    key = model._meta.pk
    assert isinstance(key, models.UUIDField)
    assert key.default is uuid.uuid4
    assert not any(isinstance(f, models.AutoField) for f in model._meta.concrete_fields)


def test_an_answer_refers_to_nothing_that_names_a_person_but_the_campaign_and_category():
    links = {f.name: f.related_model for f in Response._meta.concrete_fields if f.is_relation}
    # The person is there for named campaigns only; the action leaves it empty otherwise
    # (test below). Nothing points at the invitation, the user or the audit trail.
    assert set(links) == {"campaign", "category", "staff_member"}
    assert {f.name for f in AreaAnswer._meta.concrete_fields if f.is_relation} == {
        "response",
        "area",
    }
    assert not [f for f in Invitation._meta.get_fields() if f.related_model in ANSWER_MODELS]


def _answered(world, count: int = 6):
    rs = world["RS"]
    people = [respondent(rs) for _ in range(count)]
    opened = campaign(rs, categories=("FLO",))
    for number, user in enumerate(people):
        answer(user, opened, confidence=1 + number % 5)
    return rs, people, opened


def _table(model) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {model._meta.db_table}")
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def test_the_stored_rows_hold_the_campaign_the_category_and_the_ratings_only(world):
    _rs, people, opened = _answered(world)
    flo = people[0].staff_member.primary_category_id
    responses = _table(Response)
    assert len(responses) == 6
    for row in responses:
        assert row == {"id": row["id"], "campaign_id": opened.pk, "category_id": flo,
                       "staff_member_id": None}  # fmt: skip
    keys = {str(row["id"]).replace("-", "") for row in responses}
    answers = _table(AreaAnswer)
    assert answers
    for row in answers:
        assert set(row) == {"id", "response_id", "area_id", "confidence", "frequency",
                            "wants_training"}  # fmt: skip
        assert str(row["response_id"]).replace("-", "") in keys
    stored = [value for row in responses + answers for value in row.values()]
    assert not [v for v in stored if isinstance(v, datetime.date | datetime.time)]
    assert not [v for v in stored if isinstance(v, str) and _looks_like_a_date(v)]


def _looks_like_a_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def test_answers_are_listed_in_no_order_that_follows_the_receipts(world):
    *_, opened = _answered(world, count=8)
    # The receipts are in roster order, made when the campaign opened, not as answers came.
    receipts = list(opened.invitations.order_by("pk").values_list("staff_member_id", flat=True))
    assert receipts == sorted(receipts)
    # The answers' only order is their random key: listing them in the order they were given
    # is a chance of 1 in 8! (the confidences were given in the order 1, 2, 3, 4, 5, 1, 2, 3).
    given = [1 + n % 5 for n in range(8)]
    listed = [r.areas.first().confidence for r in Response.objects.filter(campaign=opened)]
    assert sorted(listed) == sorted(given)
    keys = list(Response.objects.filter(campaign=opened).values_list("id", flat=True))
    assert keys == sorted(keys)  # the default order is the random key


def test_the_answer_is_not_on_the_audit_trail_and_the_receipt_is(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",))
    before = AuditEvent.objects.count()
    answer(rs.users["staff"], opened)
    events = list(AuditEvent.objects.order_by("pk")[before:])
    assert [e.object_type.model_class() for e in events] == [Invitation]
    assert events[0].after["answered"] is True
    answer_types = [ContentType.objects.get_for_model(m) for m in ANSWER_MODELS]
    assert not AuditEvent.objects.filter(object_type__in=answer_types).exists()
    text = str([(e.before, e.after, e.message, e.object_repr) for e in events])
    assert str(Response.objects.get().pk) not in text


def test_the_receipt_counts_the_person_and_refuses_a_second_answer(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",))
    answer(rs.users["staff"], opened)
    assert opened.invitations.filter(answered=True).count() == 1
    with pytest.raises(ValidationError, match="already answered"):
        answer(rs.users["staff"], opened)
    assert Response.objects.count() == 1


def test_nobody_answers_for_someone_else(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",))
    invitation = opened.invitations.get(staff_member=rs.users["staff"].staff_member)
    for other in (rs.users["trainer"], rs.users["national_admin"], world["ME"].users["staff"]):
        with pytest.raises(Http404):
            actions.answer_survey(actor=other, invitation=invitation, ratings=ratings())
    assert not Response.objects.exists()


def test_every_area_is_answered(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",))
    invitation = opened.invitations.get(staff_member=rs.users["staff"].staff_member)
    partial = dict(list(ratings().items())[:3])
    with pytest.raises(ValidationError, match="every area"):
        actions.answer_survey(actor=rs.users["staff"], invitation=invitation, ratings=partial)
    invitation.refresh_from_db()
    assert not invitation.answered


def test_a_named_campaign_keeps_the_person_and_audits_the_answer(world):
    rs = world["RS"]
    opened = campaign(rs, categories=("FLO",), anonymous=False)
    answer(rs.users["staff"], opened)
    response = Response.objects.get()
    assert response.staff_member_id == rs.users["staff"].staff_member_id
    assert AuditEvent.objects.filter(
        object_type=ContentType.objects.get_for_model(Response), object_id=str(response.pk)
    ).exists()
