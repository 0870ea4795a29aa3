"""IMS CASE: the matrix exported as a CASE 1.1 package, and CASE packages (1.1, and 1.0 as
OpenSALT writes them) imported as draft versions with a report of what maps.

The official schema and OpenSALT's packages are read in place from ../shared/data (never
copied here); the tests needing them skip, saying why, where they are absent."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.urls import reverse
from jsonschema import Draft201909Validator

from matrica.audit.models import AuditEvent
from matrica.framework.actions import create_draft_version, import_case_version
from matrica.framework.case_export import export_package, requirement_id
from matrica.framework.case_import import CasePackageError, parse, read_package
from matrica.framework.models import FrameworkVersion, Level, Requirement

pytestmark = pytest.mark.django_db

REPOSITORY = Path(__file__).resolve().parents[4]
CASE = REPOSITORY.parent / "shared" / "data" / "third-party" / "case"
SCHEMA = CASE / "OpenCASE/apps/opencase/schemas/official/case-v1p1-cfpackage.json"
OPENSALT = CASE / "opensalt/core/tests/_data"


def third_party(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"third-party CASE file absent ({path}); it lives in ../shared")
    return path


def validator() -> Draft201909Validator:
    schema = json.loads(third_party(SCHEMA).read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/draft/2019-09/")
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def opensalt(name: str) -> Any:
    return json.loads(third_party(OPENSALT / name).read_text(encoding="utf-8"))


def cells(version: FrameworkVersion) -> set[tuple[str, str, str, int, int]]:
    return {
        (r.area.code, r.category.code, r.level.code, r.refresher_months, r.deadline_months)
        for r in version.requirements.select_related("area", "category", "level")
    }


# --- export ------------------------------------------------------------------------------------


def test_the_export_validates_against_the_official_case_1_1_schema(framework):
    errors = [
        f"{list(error.absolute_path)}: {error.message}"
        for error in validator().iter_errors(export_package(framework))
    ]
    assert errors == []


def test_the_export_holds_every_requirement_with_its_item_types(framework):
    package = export_package(framework)
    types = {t["title"] for t in package["CFDefinitions"]["CFItemTypes"]}
    assert types == {"Competency area", "Level", "Staff category", "Requirement"}
    requirements = [i for i in package["CFItems"] if i["CFItemType"] == "Requirement"]
    assert len(requirements) == framework.requirements.count()
    kinds = {a["associationType"] for a in package["CFAssociations"]}
    assert {"isChildOf", "precedes", "hasSkillLevel", "ext:appliesTo", "isTranslationOf"} <= kinds
    assert package["CFDocument"]["caseVersion"] == "1.1"


def test_titles_come_in_the_languages_of_the_matrix(framework):
    package = export_package(framework)
    awareness = {
        i["language"]: i["fullStatement"]
        for i in package["CFItems"]
        if i["CFItemType"] == "Level" and i["humanCodingScheme"] == "A"
    }
    assert awareness["en"] == "Awareness"
    assert awareness["sr-Latn"] == "Osnovna upoznatost"
    assert awareness["mk"] == "Основна запознаеност"


def test_areas_keep_their_identifiers_across_versions_and_requirements_do_not(world, framework):
    draft = create_draft_version(actor=world.coordinator, source=framework, code="d", title="D")

    def identifiers(version: FrameworkVersion, item_type: str) -> set[str]:
        items = export_package(version)["CFItems"]
        return {i["identifier"] for i in items if i["CFItemType"] == item_type}

    assert identifiers(draft, "Competency area") == identifiers(framework, "Competency area")
    assert not identifiers(draft, "Requirement") & identifiers(framework, "Requirement")


def test_identifiers_are_stable_and_derived_from_codes(framework):
    first, second = export_package(framework), export_package(framework)
    assert first == second
    identifiers = [i["identifier"] for i in first["CFItems"]]
    assert len(identifiers) == len(set(identifiers))
    rad_all = next(i for i in first["CFItems"] if i.get("humanCodingScheme") == "RAD.ALL")
    assert rad_all["identifier"] == requirement_id(framework.code, "RAD", "ALL")


def test_the_export_url_serves_the_package_to_readers_of_the_matrix(client, world, framework):
    client.force_login(world["ME"].users["staff"])
    response = client.get(reverse("framework:case_export", args=[framework.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == export_package(framework)
    assert "matrica-framework-2020-1-case.json" in response["Content-Disposition"]


def test_the_export_url_needs_a_sign_in(client, framework):
    response = client.get(reverse("framework:case_export", args=[framework.code]))
    assert response.status_code == 302


def test_a_draft_is_exported_to_the_coordinator_only(client, world, framework):
    draft = create_draft_version(actor=world.coordinator, source=framework, code="d1", title="D")
    url = reverse("framework:case_export", args=[draft.code])
    client.force_login(world["RS"].users["national_admin"])
    assert client.get(url).status_code == 404
    client.force_login(world.coordinator)
    response = client.get(url)
    assert response.status_code == 200
    assert json.loads(response.content)["CFDocument"]["adoptionStatus"] == "Draft"


def test_the_export_command_writes_a_file(framework, tmp_path):
    target = tmp_path / "matrix.json"
    call_command("case", "export", framework.code, "--output", str(target))
    assert json.loads(target.read_text(encoding="utf-8")) == export_package(framework)


# --- import ------------------------------------------------------------------------------------


def test_a_round_trip_gives_an_equal_framework(world, framework):
    package = json.loads(json.dumps(export_package(framework)))
    result = import_case_version(actor=world.coordinator, data=package)
    draft = result.version
    assert draft is not None
    assert not draft.published
    assert cells(draft) == cells(framework)
    assert result.reading.case_version == "1.1"
    assert result.reading.not_mapped == []
    assert draft.code == "2020.1-draft"


def test_an_import_reads_changed_requirements_from_the_package(world, framework):
    package = export_package(framework)
    rad_all = next(i for i in package["CFItems"] if i.get("humanCodingScheme") == "RAD.ALL")
    rad_all["extensions"]["matrica"]["refresherMonths"] = 12
    draft = import_case_version(actor=world.coordinator, data=package, code="next").version
    assert draft is not None
    assert ("RAD", "ALL", "A", 12, 6) in cells(draft)
    assert ("RAD", "ALL", "A", 36, 6) in cells(framework)


def test_items_the_matrix_does_not_know_are_reported_with_a_reason(world, framework):
    package = export_package(framework)
    area = next(i for i in package["CFItems"] if i.get("humanCodingScheme") == "RAD")
    unknown = copy.deepcopy(area)
    unknown.update(identifier="11111111-1111-4111-8111-111111111111", humanCodingScheme="ZZZ")
    no_months = next(i for i in package["CFItems"] if i.get("humanCodingScheme") == "MGT.MGR")
    del no_months["extensions"]["matrica"]["refresherMonths"]
    package["CFItems"].append(unknown)
    reading = import_case_version(actor=world.coordinator, data=package).reading
    reasons = {row.code: row.outcome for row in reading.not_mapped}
    assert "no competency area with the code “ZZZ”" in reasons["ZZZ"]
    assert "refresher interval" in reasons["MGT.MGR"]
    assert len(reading.requirements) == framework.requirements.count() - 1


def test_a_requirement_is_recognised_by_its_codes_without_matrica_identifiers(world, framework):
    """A tool that rewrote every identifier still maps by item type and coding scheme."""
    package = json.loads(json.dumps(export_package(framework)).replace("urn:uuid:", "x:"))
    for number, item in enumerate(package["CFItems"]):
        item["identifier"] = f"00000000-0000-4000-8000-{number:012d}"
        item.pop("CFItemTypeURI")
    package["CFAssociations"] = []
    draft = import_case_version(actor=world.coordinator, data=package).version
    assert draft is not None
    assert cells(draft) == cells(framework)


@pytest.mark.parametrize(
    ("name", "items", "associations"),
    [("Ordering.json", 28, 28), ("ItemTypeTestFramework.json", 1, 1),
     ("Utf8TestFramework.json", 1, 1)],
)  # fmt: skip
def test_opensalt_packages_import_with_a_report(world, framework, name, items, associations):
    result = import_case_version(actor=world.coordinator, data=opensalt(name))
    reading = result.reading
    assert reading.case_version == "1.0"
    assert reading.counts() == {
        "items": items, "mapped": 0, "not_mapped": items, "requirements": 0,
        "associations": associations,
    }  # fmt: skip
    assert all("not a Matrica" in row.outcome for row in reading.not_mapped)
    # Nothing of the matrix in it: no empty draft is left behind.
    assert result.version is None
    assert FrameworkVersion.objects.count() == 1


def test_non_bmp_text_is_kept_in_the_report(world, framework):
    content = third_party(OPENSALT / "Utf8TestFramework.json").read_bytes()
    reading = import_case_version(actor=world.coordinator, data=parse(content)).reading
    assert reading.document_title == "UTF8 \U0001d451 Test"
    assert [row.title for row in reading.not_mapped] == ["Item \U0001d451 1"]


def test_non_bmp_titles_round_trip(world, framework):
    Level.objects.filter(code="A").update(title="Awareness \U0001d451")
    framework.title = "Matrix \U0001d451"
    framework.save()
    package = parse(json.dumps(export_package(framework), ensure_ascii=False).encode("utf-8"))
    result = import_case_version(actor=world.coordinator, data=package)
    assert result.version is not None
    assert result.version.title == "Matrix \U0001d451"
    assert any(row.title == "Awareness \U0001d451" for row in result.reading.mapped)
    result.version.refresh_from_db()
    assert result.version.title == "Matrix \U0001d451"


def test_a_1_0_package_is_recognised_as_1_0_and_a_1_1_one_as_1_1(framework):
    assert read_package(opensalt("Ordering.json")).case_version == "1.0"
    assert read_package(export_package(framework)).case_version == "1.1"


@pytest.mark.parametrize(
    "data",
    [{"openapi": "3.1.0"}, [], "CFDocument", {"CFDocument": {}, "CFItems": {}}],
)
def test_json_that_is_not_case_is_refused_with_a_clear_message(framework, data):
    with pytest.raises(CasePackageError, match="not a CASE package"):
        read_package(data)


def test_a_file_that_is_not_json_is_refused():
    with pytest.raises(CasePackageError, match="not JSON"):
        parse(b"\x89PNG\r\n")


def test_an_import_is_audited(world, framework):
    draft = import_case_version(actor=world.coordinator, data=export_package(framework)).version
    assert draft is not None
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.BULK, object_repr__startswith=draft.code
    )
    assert "Imported from CASE 1.1" in event.message
    assert event.user == world.coordinator


@pytest.mark.parametrize("who", ["national_admin", "training_manager", "staff"])
def test_only_the_coordinator_imports(world, framework, who):
    with pytest.raises(PermissionDenied):
        import_case_version(actor=world["RS"].users[who], data=export_package(framework))
    assert FrameworkVersion.objects.count() == 1


def test_the_import_command_creates_a_draft_and_prints_the_report(framework, tmp_path):
    source = tmp_path / "package.json"
    call_command("case", "export", framework.code, "--output", str(source))
    out = io.StringIO()
    call_command("case", "import", str(source), "--code", "cmd", stdout=out)
    assert "Draft version cmd created" in out.getvalue()
    draft = FrameworkVersion.objects.get(code="cmd")
    assert not draft.published
    assert Requirement.objects.filter(version=draft).count() == framework.requirements.count()


def test_the_import_command_refuses_a_file_that_is_not_case(framework, tmp_path):
    source = tmp_path / "other.json"
    source.write_text('{"hello": "world"}', encoding="utf-8")
    with pytest.raises(CommandError, match="not a CASE package"):
        call_command("case", "import", str(source))
    assert FrameworkVersion.objects.count() == 1


# --- the coordinator's page --------------------------------------------------------------------


def upload(client: Any, content: bytes, name: str = "package.json") -> Any:
    file = io.BytesIO(content)
    file.name = name
    return client.post(reverse("framework:case"), {"file": file, "code": "", "title": ""})


def test_the_page_imports_a_package_and_shows_the_report(client, world, framework):
    client.force_login(world.coordinator)
    response = upload(client, json.dumps(export_package(framework)).encode())
    assert response.status_code == 200
    text = response.content.decode()
    assert "Draft version 2020.1-draft created" in text
    assert FrameworkVersion.objects.drafts().get().code == "2020.1-draft"


def test_the_page_shows_what_did_not_map_in_an_opensalt_package(client, world, framework):
    client.force_login(world.coordinator)
    response = upload(client, third_party(OPENSALT / "Utf8TestFramework.json").read_bytes())
    text = response.content.decode()
    assert "Item \U0001d451 1" in text
    assert "no draft was created" in text


def test_the_page_refuses_a_file_that_is_not_case(client, world, framework):
    client.force_login(world.coordinator)
    response = upload(client, b'{"type": "FeatureCollection"}')
    assert response.status_code == 400
    assert "not a CASE package" in response.content.decode()
    assert FrameworkVersion.objects.count() == 1


@pytest.mark.parametrize("who", ["RS:national_admin", "ME:training_manager", "RS:staff"])
def test_the_page_is_forbidden_to_everyone_but_the_coordinator(client, world, framework, who):
    code, role = who.split(":")
    client.force_login(world[code].users[role])
    assert client.get(reverse("framework:case")).status_code == 403
    response = upload(client, json.dumps(export_package(framework)).encode())
    assert response.status_code == 403
    assert FrameworkVersion.objects.count() == 1


def test_the_page_lists_versions_in_bounded_queries(
    client, world, framework, django_assert_max_num_queries
):
    for number in range(3):
        create_draft_version(
            actor=world.coordinator, source=framework, code=f"d{number}", title="D"
        )
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("framework:case"))
    assert response.status_code == 200
    assert response.content.decode().count("Publish</button>") == 3
