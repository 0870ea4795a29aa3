"""The files `matrica demo` writes to try the import page with: the roster imports cleanly (its
newcomers added, everyone else unchanged), the one with mistakes is refused row by row, and the
past training comes in."""

import datetime

import pytest
from django.core.management import CommandError, call_command

from matrica.demo.sample_files import write_sample_files
from matrica.staff.models import StaffMember
from matrica.training.models import Completion

pytestmark = pytest.mark.django_db


def test_the_demo_files_show_an_import_working_and_refusing(world, tmp_path, capsys):
    roster, with_errors, evidence = write_sample_files(tmp_path, datetime.date.today())
    assert roster.read_bytes().decode("cp1250").startswith("Matični broj;Ime")

    call_command("import", "staff", str(roster), beneficiary="ME", verbosity=0)
    assert "3 created" in capsys.readouterr().out
    assert StaffMember.objects.get(employee_number="ME-NEW-1").full_name == "Đurđica Šćekić"

    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import", "staff", str(with_errors), beneficiary="ME", verbosity=0)
    with pytest.raises(CommandError, match="rows 2, 3"):
        call_command(
            "import", "staff", str(with_errors), beneficiary="ME",
            map=["Radnik br.=employee_number"], verbosity=0,
        )  # fmt: skip

    call_command("import", "completions", str(evidence), beneficiary="ME", verbosity=0)
    assert Completion.objects.filter(staff_member__beneficiary__code="ME", source="prior_learning")


def test_no_files_without_the_montenegrin_administration(db, tmp_path):
    assert write_sample_files(tmp_path, datetime.date.today()) == []
