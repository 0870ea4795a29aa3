import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from openpyxl import load_workbook

from matrica.compliance.models import PersonStatus, RequirementStatus, Snapshot, TrendPoint
from matrica.testing.factories import CompletionFactory

pytestmark = pytest.mark.django_db


def test_refresh_fills_the_derived_tables_and_the_trend(world):
    CompletionFactory(staff_member=world["RS"].people[0], completed_on=datetime.date(2024, 1, 5))
    call_command("compliance", "refresh", "--as-of", "2024-06-30", verbosity=0)
    snapshot = Snapshot.objects.get()
    assert snapshot.as_of == datetime.date(2024, 6, 30)
    assert PersonStatus.objects.count() == 6
    quarters = set(TrendPoint.objects.values_list("quarter_end", flat=True))
    assert datetime.date(2024, 3, 31) in quarters
    assert datetime.date(2024, 6, 30) in quarters


def test_a_full_refresh_leaves_the_derived_tables_keyed_and_indexed(world):
    """The refresh drops keys and indexes to load in bulk: it must put every one back."""
    call_command("compliance", "refresh", "--as-of", "2024-06-30", verbosity=0)
    requirement, person = RequirementStatus.objects.first(), PersonStatus.objects.first()
    assert requirement is not None
    assert person is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        RequirementStatus.objects.bulk_create([requirement])  # same person, area and category
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonStatus.objects.bulk_create([person])
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, PersonStatus._meta.db_table)
    assert any(
        c["index"] and c["columns"] == ["institution_id", "severity"] for c in constraints.values()
    )


def test_export_writes_the_status_table_of_one_administration(world, tmp_path):
    CompletionFactory(staff_member=world["ME"].people[0], completed_on=datetime.date(2025, 3, 1))
    out = tmp_path / "me.csv"
    call_command(
        "compliance", "export", "--scope", "me", "--as-of", "2025-12-31", "--output", str(out)
    )
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Staff number", "Name", "Institution"]
    assert {row[1] for row in body} == {"Jovana Šćepanović", "Nikola Vučinić", "Ana Čolaković"}
    rad = next(r for r in body if r[1] == "Jovana Šćepanović" and r[3:5] == ["ALL", "RAD"])
    assert rad[5:8] == ["A", "A", "Current"]


def test_xlsx_export_needs_a_file_and_keeps_names(world, tmp_path):
    with pytest.raises(CommandError, match="--output"):
        call_command("compliance", "export", "--scope", "RS", "--format", "xlsx")
    out = tmp_path / "rs.xlsx"
    call_command("compliance", "export", "--scope", "RS", "--format", "xlsx", "--output", str(out))
    names = {row[1] for row in load_workbook(out).active.iter_rows(min_row=2, values_only=True)}
    assert names == {"Ђорђе Ђорђевић", "Milica Đorđević", "Марко Јовановић"}


def test_an_unknown_administration_is_named_in_the_error(world):
    with pytest.raises(CommandError, match=r"no administration 'XX'.*known: ME, RS"):
        call_command("compliance", "export", "--scope", "XX")
