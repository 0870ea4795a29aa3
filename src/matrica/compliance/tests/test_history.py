"""The history (issue 21): spans and count changes answer any date exactly as the engine does,
stay in step with every write made through the actions, keep the past when a later version is
published, and are what the pages read for dates other than the snapshot's."""

from __future__ import annotations

import datetime
import sqlite3
from collections import defaultdict
from itertools import pairwise
from typing import Any

import pytest
from django.db import connection, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from matrica.compliance import history
from matrica.compliance.engine import STATUS_COLUMNS, PeopleFilter, status_query
from matrica.compliance.models import CellChange, GroupChange, RequirementStatus, StatusSpan
from matrica.compliance.scope import ComplianceScope
from matrica.compliance.services import refresh_all
from matrica.compliance.sql import CELL_COLUMNS, GROUP_COLUMNS, per_cell, per_group, per_person
from matrica.framework import actions as framework_actions
from matrica.framework.models import CompetencyArea, FrameworkVersion, Level, StaffCategory
from matrica.staff import actions as staff_actions
from matrica.tenancy import changes
from matrica.tenancy.scoping import SYSTEM, SystemUser
from matrica.testing.factories import CompletionFactory, category
from matrica.training import actions as training_actions
from matrica.training.models import Completion, Module

pytestmark = pytest.mark.django_db

date = datetime.date


def _rows(sql: str, params: list[Any]) -> list[tuple[str, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(tuple("" if v is None else str(v)[:10] for v in row) for row in cursor)


def engine_statuses(on: date) -> list[tuple[str, ...]]:
    query = status_query(on, PeopleFilter.everyone())
    if query is None:
        return []
    return _rows(f"SELECT {', '.join(STATUS_COLUMNS)} FROM ({query[0]}) e", query[1])


def history_statuses(on: date) -> list[tuple[str, ...]]:
    sql, params = history.statuses_on(on, "1 = 1", [])
    return _rows(f"SELECT {', '.join(STATUS_COLUMNS)} FROM ({sql}) h", params)


CELLS = "beneficiary_id, institution_id, area_id, category_id, " + ", ".join(CELL_COLUMNS)
GROUPS = "beneficiary_id, institution_id, primary_category_id, " + ", ".join(GROUP_COLUMNS)


def engine_counts(on: date) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    query = status_query(on, PeopleFilter.everyone())
    if query is None:
        return [], []
    sql, params = query
    all_staff = StaffCategory.objects.get(applies_to_all=True).pk
    columns = ("requirements", "satisfied", "aware", "at_level", "expiring", "overdue")
    standing = per_person(f"({sql}) s", all_staff=all_staff, columns=columns)
    return (
        _rows(f"SELECT {CELLS} FROM ({per_cell(f'({sql}) s')}) c", params),
        _rows(f"SELECT {GROUPS} FROM ({per_group(f'({standing}) p')}) g", params),
    )


def history_counts(on: date) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    cells = history.cell_counts_on(on, "1 = 1", [])
    groups = history.group_counts_on(on, "1 = 1", [])
    return (
        _rows(f"SELECT {CELLS} FROM ({cells[0]}) c", cells[1]),
        _rows(f"SELECT {GROUPS} FROM ({groups[0]}) g", groups[1]),
    )


def assert_history_answers_like_the_engine(on: date) -> None:
    assert history_statuses(on) == engine_statuses(on), on
    assert history_counts(on) == engine_counts(on), on


def stored_history() -> tuple[list[tuple[Any, ...]], dict[Any, tuple[int, ...]]]:
    """The spans, and the count changes summed per key without those that add up to nothing
    (a write takes away and adds back; a rebuild writes only what is left)."""
    spans = sorted(StatusSpan.objects.values_list(*(f.attname for f in StatusSpan._meta.fields)))
    sums: dict[Any, list[int]] = defaultdict(lambda: [0] * 6)
    for model, keys, measures in (
        (CellChange, ("institution_id", "grain", "starts", "area_id", "category_id"),
         history.CELL_MEASURES),
        (GroupChange, ("institution_id", "grain", "starts", "primary_category_id"),
         history.GROUP_MEASURES),
    ):  # fmt: skip
        for row in model.objects.values_list(*keys, *measures):
            key = (model.__name__, *row[: len(keys)])
            sums[key] = [a + b for a, b in zip(sums[key], row[len(keys) :], strict=True)]
    return spans, {key: tuple(v) for key, v in sums.items() if any(v)}


DATES = [date(2021, 3, 31), date(2022, 12, 31), date(2024, 2, 29), date(2025, 6, 30),
         date(2026, 1, 1), date(2027, 9, 15)]  # fmt: skip


def test_a_rebuilt_history_answers_every_date_like_the_engine(world):
    CompletionFactory(staff_member=world["RS"].people[0], completed_on=date(2023, 1, 5))
    CompletionFactory(staff_member=world["ME"].people[1], completed_on=date(2021, 6, 1))
    history.rebuild()
    for on in DATES:
        assert_history_answers_like_the_engine(on)


# --- writes through the actions -------------------------------------------------------------------

AREAS = ("RAD", "IDN", "REP", "DYN", "HRL", "MAC")
some_day = st.dates(min_value=date(2020, 6, 1), max_value=date(2027, 6, 30))
writes = st.lists(
    st.one_of(
        st.tuples(st.just("evidence"), st.integers(0, 5), st.sampled_from(AREAS),
                  st.integers(1, 3), some_day, st.sampled_from((12, 24, 36))),
        st.tuples(st.just("void"), st.integers(0, 20)),
        st.tuples(st.just("correct"), st.integers(0, 20), st.sampled_from(AREAS), some_day),
        st.tuples(st.just("session"), st.integers(0, 5), st.sampled_from(("BA", "HR", "MA")),
                  some_day),
        st.tuples(st.just("role"), st.integers(0, 5), st.sampled_from(("MDT", "TRN")), some_day,
                  st.none() | st.integers(30, 900)),
        st.tuples(st.just("end_role"), st.integers(0, 5), some_day),
        st.tuples(st.just("move"), st.integers(0, 5)),
        st.tuples(st.just("category"), st.integers(0, 5), st.sampled_from(("FLO", "TRS", "MGR"))),
        st.tuples(st.just("leave"), st.integers(0, 5), some_day),
        st.tuples(st.just("back"), st.integers(0, 5)),
        st.tuples(st.just("adaptation"), st.sampled_from(AREAS), st.integers(2, 3), some_day),
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


class Rollback(Exception):
    """Undoes one example's rows."""


def apply(write: tuple[Any, ...], world: Any) -> None:
    """One write through its action, as a page would make it; a write the rules refuse (a
    person who already left, a role ending before it starts) is simply not made."""
    from django.core.exceptions import ValidationError

    people = [*world["RS"].people, *world["ME"].people]
    kind, *args = write
    try:
        with transaction.atomic():
            _apply(kind, args, people, world)
    except ValidationError:
        pass


def _apply(kind: str, args: list[Any], people: list[Any], world: Any) -> None:
    def person(index: int) -> Any:
        member = people[index % len(people)]
        member.refresh_from_db()
        return member

    if kind == "evidence":
        index, area, rank, day, months = args
        training_actions.record_evidence(
            actor=SYSTEM, staff_member=person(index), area=CompetencyArea.objects.get(code=area),
            level=Level.objects.get(rank=rank), completed_on=day,
            valid_until=day + datetime.timedelta(days=30 * months),
            source=Completion.Source.MANUAL, note="Transferred from the old register",
        )  # fmt: skip
    elif kind == "void":
        completions = list(Completion.objects.order_by("pk"))
        if completions:
            training_actions.void_evidence(
                actor=SYSTEM, completion=completions[args[0] % len(completions)],
                reason="Entered twice",
            )  # fmt: skip
    elif kind == "correct":
        index, area, day = args
        completions = list(Completion.objects.order_by("pk"))
        if completions:
            training_actions.correct_evidence(
                actor=SYSTEM, completion=completions[index % len(completions)],
                reason="Wrong date and area on the paper form",
                area=CompetencyArea.objects.get(code=area), completed_on=day,
                valid_until=day + datetime.timedelta(days=720),
            )  # fmt: skip
    elif kind == "session":
        index, code, day = args
        training_actions.record_module_completions(
            actor=SYSTEM, module=Module.objects.get(code=code), completed_on=day,
            staff_members=[person(index), person(index + 1)],
        )  # fmt: skip
    elif kind == "role":
        index, code, start, length = args
        end = None if length is None else start + datetime.timedelta(days=length)
        staff_actions.assign_role(
            actor=SYSTEM, staff_member=person(index), category=category(code),
            start_date=start, end_date=end,
        )  # fmt: skip
    elif kind == "end_role":
        role = person(args[0]).roles.filter(end_date__isnull=True).first()
        if role is not None:
            staff_actions.end_role(actor=SYSTEM, role=role, end_date=args[1])
    elif kind == "move":
        member = person(args[0])
        administration = world[member.beneficiary.code]
        other = (
            administration.probation
            if member.institution_id == administration.prison.pk
            else administration.prison
        )
        staff_actions.update_staff_member(actor=SYSTEM, staff_member=member, institution=other)
    elif kind == "category":
        staff_actions.update_staff_member(
            actor=SYSTEM, staff_member=person(args[0]), primary_category=category(args[1])
        )
    elif kind == "leave":
        member = person(args[0])
        leaving = max(args[1], member.entry_date)
        staff_actions.record_leaving(actor=SYSTEM, staff_member=member, leaving_date=leaving)
    elif kind == "back":
        member = person(args[0])
        if not member.active:
            staff_actions.reinstate_staff_member(actor=SYSTEM, staff_member=member)
    elif kind == "adaptation":
        area, rank, day = args
        version = FrameworkVersion.objects.published().order_by("effective_from").first()
        assert version is not None
        adaptation = framework_actions.create_adaptation(
            actor=SYSTEM, beneficiary=world["RS"].beneficiary, version=version,
            effective_from=max(day, version.effective_from), title="National rules",
        )  # fmt: skip
        framework_actions.add_deviation(
            actor=SYSTEM, adaptation=adaptation, area=CompetencyArea.objects.get(code=area),
            category=category("ALL"), level=Level.objects.get(rank=rank), refresher_months=12,
            deadline_months=6, reason="Tightened after the national review",
        )  # fmt: skip


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sequence=writes, on=st.sampled_from(DATES))
def test_the_history_kept_by_writes_equals_a_fresh_rebuild(world, sequence, on):
    try:
        with transaction.atomic():
            history.rebuild()
            for write in sequence:
                apply(write, world)
            # An adaptation leaves its administration stale: the nightly rebuild redoes it.
            history.rebuild(only_stale=True)
            kept = stored_history()
            assert_history_answers_like_the_engine(on)
            history.rebuild(from_scratch=True)
            assert stored_history() == kept
            raise Rollback
    except Rollback:
        pass


def test_evidence_batched_with_a_new_role_redoes_every_requirement_of_that_person(world):
    """Evidence alone redoes only its areas from its day on; batched with a change of role
    (an xAPI batch, say), the person's other requirements follow too."""
    history.rebuild()
    member = world["RS"].people[0]
    with changes.deferred():
        training_actions.record_evidence(
            actor=SYSTEM, staff_member=member, area=CompetencyArea.objects.get(code="RAD"),
            level=Level.objects.get(rank=3), completed_on=date(2024, 3, 1),
            valid_until=date(2027, 3, 1), source=Completion.Source.MANUAL, note="Certificate",
        )  # fmt: skip
        staff_actions.assign_role(
            actor=SYSTEM, staff_member=member, category=category("MDT"),
            start_date=date(2023, 1, 1), end_date=None,
        )  # fmt: skip
    kept = stored_history()
    for on in (date(2023, 6, 30), date(2024, 6, 30), date(2026, 1, 1)):
        assert_history_answers_like_the_engine(on)
    history.rebuild(from_scratch=True)
    assert stored_history() == kept


def test_a_write_redoes_only_its_people_and_every_date_follows(world):
    history.rebuild()
    member = world["RS"].people[0]
    others = StatusSpan.objects.exclude(staff_member=member)
    untouched = sorted(others.values_list("staff_member_id", "area_id", "category_id", "starts"))
    training_actions.record_evidence(
        actor=SYSTEM, staff_member=member, area=CompetencyArea.objects.get(code="RAD"),
        level=Level.objects.get(rank=3), completed_on=date(2022, 3, 1),
        valid_until=date(2025, 3, 1), source=Completion.Source.MANUAL, note="Certificate seen",
    )  # fmt: skip
    assert sorted(others.values_list("staff_member_id", "area_id", "category_id", "starts")) == (
        untouched
    )
    for on in (date(2022, 2, 28), date(2022, 3, 1), date(2024, 12, 15), date(2025, 3, 2)):
        assert_history_answers_like_the_engine(on)


# --- the framework ----------------------------------------------------------------------------


def test_past_figures_stand_when_a_later_version_is_published(world):
    CompletionFactory(staff_member=world["RS"].people[0], completed_on=date(2023, 1, 5))
    history.rebuild()
    before = {on: (history_statuses(on), history_counts(on)) for on in DATES[:4]}
    current = FrameworkVersion.objects.published().order_by("-effective_from").first()
    assert current is not None
    draft = framework_actions.create_draft_version(
        actor=SYSTEM, source=current, code="HF-2", title="Second edition"
    )
    framework_actions.change_draft_requirement(
        actor=SYSTEM, version=draft, area=CompetencyArea.objects.get(code="RAD"),
        category=category("ALL"), level=Level.objects.get(rank=2), refresher_months=12,
        deadline_months=3,
    )  # fmt: skip
    framework_actions.publish_version(actor=SYSTEM, version=draft, effective_from=date(2025, 7, 1))
    # Until the rebuild, pages compute on the fly: the history no longer answers.
    assert not ComplianceScope(SystemUser(), on=DATES[0]).from_history
    history.rebuild(only_stale=True)
    assert ComplianceScope(SystemUser(), on=DATES[0]).from_history
    after = {on: (history_statuses(on), history_counts(on)) for on in DATES[:4]}
    assert after == before
    later = date(2026, 1, 1)
    assert_history_answers_like_the_engine(later)
    required = {
        row[6]
        for row in history_statuses(later)
        if (row[4], row[5]) == (str(CompetencyArea.objects.get(code="RAD").pk),
                                str(category("ALL").pk))
    }  # fmt: skip
    assert required == {"2"}  # the second edition asks for the practitioner level from July
    # Only the changed cell was redone, and what was kept is what a rebuild from scratch makes.
    kept = stored_history()
    history.rebuild(from_scratch=True)
    assert stored_history() == kept


def test_a_version_that_changes_no_rule_leaves_the_history_as_it_was(world):
    """A new edition that keeps every cell (a corrected title, a new effective date for the
    same rules) costs its rebuild nothing: no person's requirements are computed again."""
    from django.test.utils import CaptureQueriesContext

    CompletionFactory(staff_member=world["RS"].people[0], completed_on=date(2023, 1, 5))
    history.rebuild()
    before = stored_history()
    current = FrameworkVersion.objects.published().order_by("-effective_from").first()
    assert current is not None
    draft = framework_actions.create_draft_version(
        actor=SYSTEM, source=current, code="HF-1.1", title="First edition, corrected"
    )
    framework_actions.publish_version(actor=SYSTEM, version=draft, effective_from=date(2025, 7, 1))
    assert not history.ready_administrations()
    with CaptureQueriesContext(connection) as queries:
        history.rebuild(only_stale=True)
    assert not [q for q in queries if Completion._meta.db_table in q["sql"]]
    assert history.ready_administrations() == {
        world["RS"].beneficiary.pk,
        world["ME"].beneficiary.pk,
    }
    assert stored_history() == before
    assert_history_answers_like_the_engine(date(2026, 1, 1))


# --- what the pages read ----------------------------------------------------------------------


def test_a_past_date_is_read_from_the_history_without_running_the_engine(
    client, world, django_assert_max_num_queries
):
    CompletionFactory(staff_member=world["RS"].people[0], completed_on=date(2023, 1, 5))
    refresh_all(on=date(2026, 1, 1))
    history.rebuild()
    client.force_login(world["RS"].users["national_admin"])
    with django_assert_max_num_queries(40) as captured:
        response = client.get(reverse("compliance:dashboard"), {"on": "2024-01-01"})
    assert not [q for q in captured.captured_queries if "WITH rules" in q["sql"]]
    assert response.context["headline"].people.value == 3
    for name in ("compliance:overdue", "compliance:expiring"):
        with django_assert_max_num_queries(25) as captured:
            assert client.get(reverse(name), {"on": "2024-01-01"}).status_code == 200
        assert not [q for q in captured.captured_queries if "WITH rules" in q["sql"]]


def test_the_expiring_and_overdue_lists_of_a_past_date_name_the_same_people_as_the_engine(
    client, world
):
    member = world["RS"].people[0]
    CompletionFactory(
        staff_member=member, completed_on=date(2021, 1, 5), valid_until=date(2024, 2, 1)
    )
    client.force_login(world["RS"].users["national_admin"])
    on = {"on": "2024-01-01"}
    engine = [client.get(reverse(n), on).context["page"].object_list for n in LISTS]
    history.rebuild()
    kept = [client.get(reverse(n), on).context["page"].object_list for n in LISTS]
    assert kept == engine
    assert any(row["staff_member_id"] == member.pk for row in kept[0])


LISTS = ("compliance:expiring", "compliance:overdue")


@pytest.mark.parametrize("who", ["national_admin", "institution_manager", "trainer"])
def test_every_page_of_the_lists_and_of_a_cell_is_the_engines(client, world, settings, who):
    """Read from the history, the lists take their totals from the figures and merge the first
    rows of each institution; a cell's people come from its own index. Every page, and the
    total, is the engine's, on dates on the edges of deadlines and expiries, for a user who
    sees everyone placed in their scope and one who does not (a trainer: 403 or nothing)."""
    settings.MATRICA_PAGE_SIZE = 2
    for index, member in enumerate(world["RS"].people + world["ME"].people):
        CompletionFactory(
            staff_member=member, completed_on=date(2021, 1, 5 + index),
            valid_until=date(2024, 2, 1 + index),
        )  # fmt: skip
    client.force_login(world["RS"].users[who])
    urls = [reverse(name) for name in LISTS] + [reverse("compliance:cell", args=["RAD", "ALL"])]

    def every_page(url: str, on: date) -> list[Any]:
        first = client.get(url, {"on": on.isoformat()})
        if first.status_code != 200:
            return [first.status_code]
        pages = [first.context["page"].paginator.count]
        for number in first.context["page"].paginator.page_range:
            page = client.get(url, {"on": on.isoformat(), "page": number}).context["page"]
            pages.append(list(page.object_list))
        return pages

    dates = [date(2021, 7, 1), date(2024, 1, 5), date(2024, 2, 3), date(2026, 1, 1)]
    engine = {(url, on): every_page(url, on) for url in urls for on in dates}
    history.rebuild()
    assert {(url, on): every_page(url, on) for url in urls for on in dates} == engine
    if who != "trainer":
        assert any(len(pages) > 3 and pages[0] > 2 for pages in engine.values())


# --- writes while a rebuild runs --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("rebuild", ["history from scratch", "history", "snapshot"])
def test_a_write_made_while_a_rebuild_runs_goes_through_and_is_kept(world, monkeypatch, rebuild):
    """A rebuild commits a batch of people at a time and holds no transaction in between, so a
    user's write is never queued behind the whole rebuild (nor refused, on SQLite, for a lock
    held too long). What is written meanwhile, for people whose batch is done and for people
    whose batch is still to come, is in the result."""
    monkeypatch.setattr(history, "BATCH", 2)
    monkeypatch.setattr("matrica.compliance.services.REFRESH_BATCH", 2)
    refresh_all(on=date(2026, 1, 1))
    history.rebuild()
    people = sorted(
        [*world["RS"].people, *world["ME"].people], key=lambda member: member.pk
    )  # fmt: skip
    written: list[int] = []

    def write_between_batches(done: int, total: int) -> None:
        assert not connection.in_atomic_block  # nothing of the rebuild is held open
        early, late = done >= 2 and not written, total - done <= 4 and len(written) == 1
        if done < total and (early or late):
            member = people[0] if early else people[-1]
            training_actions.record_evidence(
                actor=SYSTEM, staff_member=member, area=CompetencyArea.objects.get(code="RAD"),
                level=Level.objects.get(rank=3), completed_on=date(2025, 11, 3),
                valid_until=date(2028, 11, 3), source=Completion.Source.MANUAL,
                note="Certificate seen",
            )  # fmt: skip
            written.append(member.pk)

    if rebuild.startswith("history"):
        history.mark_stale()  # every person to redo, not only the cells whose rules changed
        history.rebuild(
            from_scratch=rebuild == "history from scratch", progress=write_between_batches
        )
    else:
        refresh_all(on=date(2026, 1, 1), progress=write_between_batches)
    assert len(written) == 2
    kept = stored_history()
    history.rebuild(from_scratch=True)
    assert stored_history() == kept
    on = date(2026, 1, 1)
    assert ComplianceScope(SystemUser(), on=on).from_snapshot
    columns = ", ".join(STATUS_COLUMNS)
    snapshot = _rows(f"SELECT {columns} FROM {RequirementStatus._meta.db_table}", [])
    assert snapshot == engine_statuses(on)


def test_on_a_slow_machine_a_rebuild_takes_fewer_people_at_a_time(world, monkeypatch):
    """A transaction of the rebuild holds back users' writes (on SQLite, all of them) while it
    runs: when the machine is slow, the next takes fewer people, so that each keeps to about
    TRANSACTION_S; when it is quick again, more, up to BATCH. Everyone is redone once."""
    monkeypatch.setattr(history, "BATCH", 8)
    monkeypatch.setattr(history, "MIN_BATCH", 1)
    slow = {world["RS"].beneficiary.pk}  # 1 s a person in Serbia, 10 ms in Montenegro
    batches: list[tuple[bool, int]] = []
    redone: list[int] = []
    redo = history._redo_batch

    def timed(beneficiary_id: int, batch: history.Batch, **kwargs: Any) -> float:
        redo(beneficiary_id, batch, **kwargs)
        batches.append((beneficiary_id in slow, len(batch.pks)))
        redone.extend(batch.pks)
        return (1.0 if beneficiary_id in slow else 0.01) * len(batch.pks)

    monkeypatch.setattr(history, "_redo_batch", timed)
    history.rebuild()
    after_slow = [size for (was_slow, _), (_, size) in pairwise(batches) if was_slow]
    assert batches[0][1] == 2  # a quarter of BATCH, to begin with
    assert after_slow
    assert set(after_slow) == {1}
    assert history._next_size(1, 0.01) == 8  # quick again: back to BATCH
    everyone = [m.pk for code in ("RS", "ME") for m in world[code].people]
    assert sorted(redone) == sorted(everyone)
    assert_history_answers_like_the_engine(date(2025, 1, 1))


@pytest.mark.django_db(transaction=True)
def test_writes_from_other_connections_during_a_rebuild_neither_fail_nor_double(world):
    """PostgreSQL runs a rebuild and users' writes side by side (SQLite, one writer at a time,
    is covered above): a write waits at most for the batch in hand, never fails, and what it
    wrote is counted once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one connection write at a time: see the test above")
    import threading

    from django.db import connections

    history.rebuild()
    started, finished = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def rebuild() -> None:
        try:
            history.rebuild(from_scratch=True, progress=lambda done, total: started.set())
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            started.set()
            finished.set()
            connections.close_all()

    original = history.BATCH
    history.BATCH = 1
    worker = threading.Thread(target=rebuild)
    try:
        worker.start()
        started.wait(30)
        people = [*world["RS"].people, *world["ME"].people]
        written = 0
        while not finished.is_set() or written < 3:
            member = people[written % len(people)]
            training_actions.record_evidence(
                actor=SYSTEM, staff_member=member, area=CompetencyArea.objects.get(code="IDN"),
                level=Level.objects.get(rank=1), completed_on=date(2024, 5, 1 + written % 28),
                valid_until=date(2027, 5, 1), source=Completion.Source.MANUAL,
                note="Certificate seen",
            )  # fmt: skip
            written += 1
        worker.join(60)
    finally:
        history.BATCH = original
    assert not failures
    kept = stored_history()
    history.rebuild(from_scratch=True)
    assert stored_history() == kept
    assert_history_answers_like_the_engine(date(2025, 1, 1))


def test_a_write_of_very_many_people_leaves_their_history_to_the_next_refresh(world, monkeypatch):
    """An imported roster of tens of thousands of people: redoing every date of each is a
    rebuild's work (minutes at the region's size), so their administration's history is marked
    stale, its pages of other dates compute on the fly, and the next refresh redoes it."""
    from matrica.compliance import services

    history.rebuild()
    monkeypatch.setattr(services, "PEOPLE_PER_STATEMENT", 2)
    serbians = world["RS"].people[:3]
    for member in serbians:
        CompletionFactory(staff_member=member, completed_on=date(2024, 3, 1))
    services.refresh_people([member.pk for member in serbians])
    assert not ComplianceScope(SystemUser(), on=date(2025, 1, 1)).from_history
    assert history.ready_administrations() == {world["ME"].beneficiary.pk}
    history.rebuild(only_stale=True)
    kept = stored_history()
    history.rebuild(from_scratch=True)
    assert stored_history() == kept
    assert_history_answers_like_the_engine(date(2025, 1, 1))


def _periods(draw: Any) -> set[tuple[Any, ...]]:
    """One cell's rule periods as kept in History.rules: consecutive, from a first day, the
    last maybe open."""
    first = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 1, 20)))
    lengths = draw(st.lists(st.integers(1, 15), min_size=1, max_size=4))
    periods, day = set(), first
    for index, length in enumerate(lengths):
        last = index == len(lengths) - 1
        ends = history.END if last and draw(st.booleans()) else day + datetime.timedelta(length - 1)
        rank = draw(st.integers(1, 2))
        periods.add((day.isoformat(), ends.isoformat(), 1, 1, rank, 36, 6))
        if not last:
            day = ends + datetime.timedelta(days=1)
    return periods


@given(data=st.data())
def test_the_first_day_a_cells_rules_differ_is_found(data):
    before, after = _periods(data.draw), _periods(data.draw)

    def rule_on(periods: set[tuple[Any, ...]], day: date) -> Any:
        return next((p[4:] for p in periods if p[0] <= day.isoformat() <= p[1]), None)

    days = [date(2019, 12, 31) + datetime.timedelta(n) for n in range(120)] + [history.END]
    expected = next((d for d in days if rule_on(before, d) != rule_on(after, d)), None)
    assert history._first_difference(before, after) == expected


@given(
    sizes=st.lists(st.integers(1, 30), max_size=12),
    size=st.integers(1, 25),
)
def test_a_rebuild_takes_small_institutions_together_and_slices_large_ones(sizes, size):
    """Each transaction holds at most `size` people; everyone is taken once, in order; an
    institution is split only when it alone is larger than that."""
    places, next_id = [], 1
    for institution, count in enumerate(sizes, start=100):
        places.append((institution, list(range(next_id, next_id + count))))
        next_id += count
    batches = list(history._batches(places, history.Pace(size)))
    assert [pk for batch in batches for pk in batch.pks] == list(range(1, next_id))
    assert all(0 < len(batch.pks) <= size for batch in batches)
    members = dict(places)
    for batch in batches:
        if batch.sliced:
            (institution,) = batch.institutions
            assert len(members[institution]) > size
        else:
            assert batch.pks == [pk for i in batch.institutions for pk in members[i]]
    # Two neighbouring batches of whole institutions would have fitted in one.
    for a, b in pairwise(batches):
        if not a.sliced and not b.sliced:
            assert len(a.pks) + len(b.pks) > size


@given(cells=st.sets(st.tuples(st.integers(1, 4), st.integers(1, 4)), max_size=16))
def test_the_cells_condition_holds_for_exactly_those_cells(cells):
    """However the cells fall into areas (whole areas, or a few cells of each), the condition
    on a row's area and category is true for those cells only."""
    every = [(area, category) for area in range(1, 6) for category in range(1, 6)]
    rows = " UNION ALL ".join(f"SELECT {a} AS area_id, {c} AS category_id" for a, c in every)
    with sqlite3.connect(":memory:") as db:
        chosen = db.execute(
            f"SELECT area_id, category_id FROM ({rows}) cell "
            f"WHERE {history.cells_condition(cells, 'cell')}"
        ).fetchall()
    assert set(chosen) == cells


def test_a_matrix_too_large_for_a_packed_standing_is_refused_not_miscounted(world, monkeypatch):
    """A person's counts are packed STANDING_BITS bits each: a matrix with as many cells as a
    count could overflow is refused by the rebuild instead of giving wrong figures."""
    cells = len({(p[3], p[4]) for p in history._epochs([world["RS"].beneficiary.pk])})
    assert cells >= 4
    monkeypatch.setattr(history, "STANDING_BITS", 2)  # counts up to 3
    with pytest.raises(ValueError, match="STANDING_BITS"):
        history.rebuild([world["RS"].beneficiary.pk])
