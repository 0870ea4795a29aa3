"""Search: folded across case, diacritics and script, words AND-ed as prefixes, with facets;
the database (PostgreSQL full-text or SQLite FTS5, whichever the suite runs on) gives exactly
what the plain-Python rule `matches` gives."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import QueryDict

from matrica.library import actions
from matrica.library.models import Resource
from matrica.library.search import Filters, document_of, matches, search, words
from matrica.tenancy.scoping import SYSTEM

from .conftest import add, area, category, level

pytestmark = pytest.mark.django_db

CORPUS = [
    # (title, summary, translations, kind, languages, areas, levels, audiences)
    ("Radicalisation in prison", "Signs and indicators of radicalisation.",
     {"sr": {"title": "Радикализација у затвору", "summary": "Знаци и показатељи."},
      "sr-latn": {"title": "Radikalizacija u zatvoru"}},
     "handbook", ["en", "sr", "sr-latn"], ["RAD", "IDN"], ["A"], ["ALL"]),
    ("Đorđe's probation casebook", "Working with offenders after release.",
     {"hr": {"title": "Zbirka slučajeva probacije", "summary": "Rad s počiniteljima."}},
     "case_study", ["en", "hr"], ["REI"], ["P"], ["PRO"]),
    ("Risk assessment toolkit", "Structured assessment of violent extremist offenders.",
     {"tr": {"title": "İstanbul risk değerlendirmesi", "summary": "Şiddet içeren aşırıcılık."}},
     "toolkit", ["en", "tr"], ["RSK"], ["S"], ["TRS", "PRO"]),
    ("Dynamic security video", "Professional relationships on the wing.",
     {"mk": {"title": "Динамичка безбедност", "summary": "Професионални односи."},
      "sq": {"title": "Siguria dinamike", "summary": "Marrëdhëniet profesionale."}},
     "video", ["en", "mk", "sq"], ["DYN", "COM"], ["A", "P"], ["FLO"]),
    ("IŞIK resilience course", "Manipulation and boundaries; Işık's e-learning.",
     {}, "elearning", ["tr"], ["RES"], ["A"], ["ALL", "FLO"]),
    ("Naïve café guideline", "Crème brûlée of human rights 2016.",
     {}, "guideline", ["en"], ["HRL"], ["A"], []),
]  # fmt: skip

QUERIES = [
    "radikalizacija", "РАДИКАЛИЗАЦИЈА", "Радикал", "radical", "RADICALISATION PRISON",
    "zatvor", "djordje", "dorde", "Ђорђе", "probacij", "istanbul", "İSTANBUL", "ıstanbul",
    "degerlendirme", "değerlendirmesi", "isik", "IŞIK", "ışık", "dinamic", "dinamicka",
    "Динамичка", "siguria", "marredheniet", "naive cafe", "creme brulee", "2016", "rights 20",
    "risk toolkit", "risk video", "r", "xyz", "", "   ", "à la", "'; DROP TABLE x; --",
    'quote" OR "', "and or not", "NEAR(a b)", "a*b", "e-learning", "počinitelj",
]  # fmt: skip


@pytest.fixture
def corpus(framework) -> list[Resource]:
    resources = []
    for title, summary, translations, kind, languages, areas, levels, audiences in CORPUS:
        resources.append(
            add(
                title=title, summary=summary, translations=translations, kind=kind,
                languages=languages, areas=[area(c) for c in areas],
                levels=[level(c) for c in levels], audiences=[category(c) for c in audiences],
            )
        )  # fmt: skip
    return resources


def reference(resources: list[Resource], text: str) -> set[int]:
    query = words(text)
    return {r.pk for r in resources if matches(document_of(r), query)}


@pytest.mark.parametrize("text", QUERIES)
def test_database_gives_the_reference_results(corpus, text):
    found = {r.pk for r in search(SYSTEM, text, with_facets=False).resources}
    assert found == reference(corpus, text)


def test_folding_across_script_diacritics_and_case(corpus):
    def titles(text: str) -> set[str]:
        return {r.title for r in search(SYSTEM, text, with_facets=False).resources}

    radicalisation = {"Radicalisation in prison"}
    assert titles("radikalizacija") == titles("РАДИКАЛИЗАЦИЈА") == radicalisation
    assert titles("Ђорђе") == titles("djordje") == titles("dorde") == {"Đorđe's probation casebook"}
    assert (
        titles("İSTANBUL")
        == titles("istanbul")
        == titles("ıstanbul")
        == {"Risk assessment toolkit"}
    )
    assert titles("ışık") == titles("ISIK") == {"IŞIK resilience course"}
    assert titles("creme brulee") == {"Naïve café guideline"}
    assert titles("risk video") == set()  # every word must match
    assert len(titles("")) == len(CORPUS)


def test_facets_count_each_value_and_filter(corpus):
    result = search(SYSTEM, "")
    kinds = {f.value: f.count for f in result.facets["kind"]}
    assert kinds == {"handbook": 1, "case_study": 1, "toolkit": 1, "video": 1, "elearning": 1,
                     "guideline": 1}  # fmt: skip
    languages = {f.value: f.count for f in result.facets["language"]}
    assert languages["en"] == 5
    assert languages["tr"] == 2
    assert languages["sr"] == 1
    levels = {f.label: f.count for f in result.facets["level"]}
    assert levels == {level("A").local_title: 4, level("P").local_title: 2,
                      level("S").local_title: 1}  # fmt: skip
    audiences = {f.value: f.count for f in result.facets["audience"]}
    assert audiences[category("ALL").pk] == 2
    assert audiences[category("PRO").pk] == 2

    # Within a facet, values are OR-ed; across facets AND-ed; a facet's counts ignore its own
    # choice (what ticking another box would add), but follow the other facets.
    chosen = QueryDict(mutable=True)
    chosen.setlist("language", ["tr", "hr"])
    chosen.setlist("level", [str(level("A").pk)])
    filtered = search(SYSTEM, "", Filters.from_query(chosen))
    assert {r.title for r in filtered.resources} == {"IŞIK resilience course"}
    language_counts = {f.value: f.count for f in filtered.facets["language"]}
    assert language_counts["en"] == 3
    assert language_counts["tr"] == 1
    assert all(f.selected for f in filtered.facets["language"] if f.value in ("tr", "hr"))
    level_counts = {f.value: f.count for f in filtered.facets["level"]}
    assert level_counts == {level("A").pk: 1, level("P").pk: 1, level("S").pk: 1}

    # Text and facets together: the counts are of the text's results.
    risk = search(SYSTEM, "risk")
    assert {f.value: f.count for f in risk.facets["kind"]} == {"toolkit": 1}


def test_malformed_filters_are_ignored(corpus):
    params = QueryDict("area=x&area=99999999999&kind=nope&language=xx&level=")
    assert search(SYSTEM, "", Filters.from_query(params)).resources.count() == len(CORPUS)


def test_index_follows_changes_and_withdrawals(corpus):
    resource = corpus[0]
    actions.change_resource(actor=SYSTEM, resource=resource, title="Prison library",
                            translations={})  # fmt: skip
    assert not search(SYSTEM, "radikalizacija", with_facets=False).resources.exists()
    assert list(search(SYSTEM, "library", with_facets=False).resources) == [resource]
    actions.withdraw_resource(actor=SYSTEM, resource=resource, reason="Outdated")
    assert not search(SYSTEM, "library", with_facets=False).resources.exists()


def test_the_index_of_this_database_is_in_place(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'library_resource_fts%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {
                "library_resource_fts",
                "library_resource_fts_insert",
                "library_resource_fts_update",
                "library_resource_fts_delete",
            } <= names
        else:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'library_resource_search'")
            assert cursor.fetchone()
