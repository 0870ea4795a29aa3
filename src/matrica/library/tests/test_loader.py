"""`matrica load-resources`: the starter catalogue, loaded twice, is loaded once."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from matrica.audit.models import AuditEvent
from matrica.library.actions import STARTER_CATALOGUE
from matrica.library.models import Resource

pytestmark = pytest.mark.django_db


def test_the_loader_is_idempotent(framework, capsys):
    entries = json.loads(STARTER_CATALOGUE.read_text(encoding="utf-8"))["resources"]
    call_command("load-resources", verbosity=0)
    assert f"{len(entries)} added" in capsys.readouterr().out
    assert Resource.objects.filter(beneficiary__isnull=True).count() == len(entries)
    events = AuditEvent.objects.count()
    call_command("load-resources", verbosity=0)
    assert f"0 added, 0 updated, {len(entries)} unchanged" in capsys.readouterr().out
    assert Resource.objects.count() == len(entries)
    assert AuditEvent.objects.count() == events

    handbook = Resource.objects.get(code="UNODC-VEP-HANDBOOK-2016")
    assert handbook.year == 2016
    assert handbook.url == ""  # no invented URLs
    assert set(handbook.areas.values_list("code", flat=True)) >= {"RSK", "INT"}
    assert set(handbook.modules.values_list("code", flat=True)) >= {"RA"}


def test_every_entry_is_mapped_to_known_codes(framework):
    call_command("load-resources", verbosity=0)
    entries = json.loads(STARTER_CATALOGUE.read_text(encoding="utf-8"))["resources"]
    for entry in entries:
        resource = Resource.objects.get(code=entry["code"])
        assert resource.areas.count() == len(entry["areas"]), entry["code"]
        assert resource.levels.count() == len(entry["levels"]), entry["code"]
        assert resource.audiences.count() == len(entry["audiences"]), entry["code"]
        assert resource.modules.count() == len(entry["modules"]), entry["code"]
        assert entry.get("url", "") == ""
