"""Importing past evidence (issue 19): a module confers its areas and levels, an area and a
level stand alone, prior learning says why, a re-run changes nothing, the figures follow."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from matrica.audit.models import AuditEvent
from matrica.imports.tests.files import csv_bytes, write, xlsx_bytes
from matrica.tabular import read_sheet
from matrica.testing.world import World
from matrica.training.actions import import_completions
from matrica.training.imports import COLUMNS
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db

HEADER = ["Matični broj", "Modul", "Oblast", "Nivo", "Datum", "Važi do", "Izvor", "Napomena"]


def run(world: World, data: bytes, name: str = "evidence.csv", **options):
    return import_completions(
        actor=world["RS"].users["training_manager"], beneficiary=world["RS"].beneficiary,
        sheet=read_sheet(data, name, COLUMNS), source=name, **options,
    )  # fmt: skip


def test_a_module_row_gives_every_area_and_level_the_module_confers(world: World) -> None:
    from matrica.framework.models import Module

    module = Module.objects.get(code="BA")
    rows = [["RS-001", "BA", "", "", "15.03.2024", "", "Training session", ""]]

    outcome = run(world, csv_bytes(HEADER, rows, encoding="cp1250"))

    completions = Completion.objects.filter(staff_member=world["RS"].people[0])
    conferred = {(c.area_id, c.level_id) for c in module.conferrals.all()}
    assert outcome.created == len(conferred) > 0
    assert {(c.area_id, c.level_id) for c in completions} == conferred
    first = completions.first()
    assert first is not None
    assert first.completed_on == datetime.date(2024, 3, 15)
    assert first.module == module
    assert first.source == "session"
    assert AuditEvent.objects.filter(message__contains="evidence.csv").count() == len(conferred)


def test_an_area_and_level_row_of_prior_learning_keeps_its_reason(world: World) -> None:
    rows = [["RS-002", "", "RAD", "P", "1.10.2022.", "1.10.2025.", "prior learning",
             "Kurs OEBS-a, sertifikat proveren"]]  # fmt: skip

    run(world, csv_bytes(HEADER, rows, encoding="cp1250"))

    completion = Completion.objects.get(staff_member=world["RS"].people[1])
    assert (completion.area.code, completion.level.code) == ("RAD", "P")
    assert completion.valid_until == datetime.date(2025, 10, 1)
    assert completion.note == "Kurs OEBS-a, sertifikat proveren"
    assert completion.source == "prior_learning"


def test_running_the_same_evidence_again_changes_nothing(world: World) -> None:
    rows = [
        ["RS-001", "BA", "", "", "15.03.2024", "", "session", ""],
        ["RS-003", "", "IDN", "A", "20.01.2023", "", "manual", "Paper register of 2023"],
    ]
    data = xlsx_bytes(HEADER, rows, title="Obuke 2023–2024")
    run(world, data, "evidence.xlsx")
    before = (Completion.objects.count(), AuditEvent.objects.count())

    again = run(world, data, "evidence.xlsx")

    assert not again.changes_anything
    assert again.unchanged > 0
    assert (Completion.objects.count(), AuditEvent.objects.count()) == before


def test_the_command_imports_evidence(world: World, tmp_path, capsys) -> None:
    rows = [["RS-001", "BA", "", "", "15.03.2024", "", "e-learning", ""]]
    path = write(tmp_path, "help.csv", csv_bytes(HEADER, rows, encoding="utf-8", delimiter=","))
    call_command("import", "completions", str(path), beneficiary="RS", verbosity=0)
    assert "imported" in capsys.readouterr().out
    assert Completion.objects.filter(staff_member=world["RS"].people[0], source="elearning")
