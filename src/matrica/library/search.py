"""Library search: one interface (`search`) over PostgreSQL full-text search in production and
SQLite FTS5 in the embedded default, with the same results on both.

Both index the same text, `Resource.search_document`: every language's title and summary
folded by `matrica.text` (case, diacritics and script: "Радикализација", "radikalizacija" and
"RADIKALIZACIJA" are one word) and cut into words of [a-z0-9]. A query is folded and cut the same
way; every word must begin a word of the document (words AND-ed, prefix match). PostgreSQL
matches the generated column `search_vector = to_tsvector('simple', search_document)` (GIN
index, migration 0002) against
`word:* & word:*`; SQLite matches the FTS5 table `library_resource_fts` (kept in step with
`library_resource` by triggers, migration 0002) against `"word"* "word"*`. `matches` is the
same rule in plain Python: the tests compare both databases with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    BigAutoField,
    BooleanField,
    Count,
    ExpressionWrapper,
    Lookup,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL

from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.library.models import Resource
from matrica.pages import limited_search
from matrica.text import fold, search_variants

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from matrica.tenancy.scoping import Actor

_WORD = re.compile(r"[a-z0-9]+")
FACETS = ("area", "level", "audience", "language", "kind")


def words(text: str) -> list[str]:
    """The words of a query: folded, [a-z0-9] only, in order, each once."""
    limited, _cut = limited_search(text)
    return list(dict.fromkeys(_WORD.findall(fold(limited))))


def document(title: str, summary: str, translations: Mapping[str, Mapping[str, str]]) -> str:
    """The search document of a resource: the folded words of its title and summary in every
    language (both spellings of đ, as the staff search), each word once."""
    texts = [title, summary]
    for fields in (translations or {}).values():
        texts += [str(fields.get("title", "")), str(fields.get("summary", ""))]
    found = _WORD.findall(search_variants(" ".join(texts)))
    return " ".join(dict.fromkeys(found))


def document_of(resource: Resource) -> str:
    return document(resource.title, resource.summary, resource.translations)


def language_index(languages: Iterable[str]) -> str:
    return " " + " ".join(languages) + " " if languages else ""


def matches(search_document: str, query_words: list[str]) -> bool:
    """The rule both databases apply, in plain Python: every query word begins a word of the
    document."""
    tokens = search_document.split()
    return all(any(token.startswith(word) for token in tokens) for word in query_words)


def matching_ids(queryset: QuerySet[Resource], query_words: list[str]) -> list[int]:
    """The ids of the resources whose document holds every word (as a prefix): one query, on
    the full-text index of the database. On SQLite, the ids are of `queryset`; on PostgreSQL,
    of the whole library, read from the GIN index alone (`_without_seqscan`): the caller
    applies `queryset`'s conditions (`text_filter`)."""
    if connections[queryset.db].vendor == "postgresql":
        tsquery = " & ".join(f"{word}:*" for word in query_words)
        condition = RawSQL(
            "library_resource.search_vector @@ to_tsquery('simple'::regconfig, %s)",
            [tsquery],
            output_field=BooleanField(),
        )
        matched = Resource.objects.using(queryset.db).filter(condition)
        return _without_seqscan(matched.order_by().values_list("pk", flat=True))
    fts = " ".join(f'"{word}"*' for word in query_words)
    sql = "SELECT rowid FROM library_resource_fts WHERE library_resource_fts MATCH %s"
    raw = RawSQL(sql, [fts])
    return list(queryset.filter(pk__in=raw).order_by().values_list("pk", flat=True))


def _without_seqscan(ids: QuerySet[Resource, int]) -> list[int]:
    """`ids` read through the GIN index (PostgreSQL), whatever the share of rows matched.

    The planner prices `@@` on a row as one operator call and so scans the table for a common
    word; but the stored vectors are TOASTed, and reading them all costs five times the bitmap
    scan of the index, which needs no recheck for a prefix query without weights (10 000
    resources: 30 ms against 7 ms). The setting is for this one statement: set locally in a
    transaction (a savepoint if one is open) and put back right after."""
    connection = connections[ids.db]
    with transaction.atomic(using=ids.db), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_seqscan', 'off', true)")
        try:
            return list(ids)
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])


class AmongIds(Lookup):
    """`pk__among=[ids]`: the ids passed as one parameter whatever their number, a PostgreSQL
    array (`= ANY`, hashed) or a JSON array on SQLite, instead of one parameter each."""

    lookup_name = "among"
    prepare_rhs = False

    def get_db_prep_lookup(self, value: Any, connection: Any) -> tuple[str, list[Any]]:
        if connection.vendor == "postgresql":
            return "%s", [list(value)]
        return "%s", [json.dumps(list(value))]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]
        return f"{lhs} IN (SELECT value FROM json_each({rhs}))", [*lhs_params, *rhs_params]


BigAutoField.register_lookup(AmongIds)


def text_filter(queryset: QuerySet[Resource], query_words: list[str]) -> QuerySet[Resource]:
    """Resources of `queryset` whose document holds every word (as a prefix).

    The match runs once (`matching_ids`); the facet counts, the total and the page then use its
    ids (`pk__among`) instead of matching the text again in each of those queries."""
    if not query_words:
        return queryset
    ids = matching_ids(queryset, query_words)
    if connections[queryset.db].vendor == "postgresql":
        # The ids are of the whole library: `queryset`'s conditions (visible, not withdrawn)
        # are applied with them, on columns read without the vectors.
        return queryset.filter(pk__among=ids)
    # The ids are already of `queryset`: its other conditions need not be evaluated again.
    return Resource.objects.using(queryset.db).filter(pk__among=ids)


@dataclass
class Filters:
    """The facet values chosen: OR within a facet, AND across facets."""

    area: list[int] = field(default_factory=list)
    level: list[int] = field(default_factory=list)
    audience: list[int] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, params: Any) -> Filters:
        """From a request's GET: unknown or malformed values are ignored."""

        def ids(name: str) -> list[int]:
            return sorted(
                {
                    int(v)
                    for v in params.getlist(name)
                    if v.isascii() and v.isdigit() and len(v) < 10
                }
            )

        languages = {code for code, _name in settings.LANGUAGES}
        return cls(
            area=ids("area"),
            level=ids("level"),
            audience=ids("audience"),
            language=sorted({v for v in params.getlist("language") if v in languages}),
            kind=sorted({v for v in params.getlist("kind") if v in Resource.Kind.values}),
        )


def _facet_condition(name: str, values: list[Any]) -> Q:
    through: dict[str, Any] = {"area": Resource.areas.through, "level": Resource.levels.through,
                               "audience": Resource.audiences.through}  # fmt: skip
    if name in through:
        column = {"area": "competencyarea_id", "level": "level_id",
                  "audience": "staffcategory_id"}[name]  # fmt: skip
        linked = through[name].objects.filter(**{f"{column}__in": values}).values("resource_id")
        return Q(pk__in=linked)
    if name == "language":
        condition = Q()
        for code in values:
            condition |= Q(language_index__contains=f" {code} ")
        return condition
    return Q(kind__in=values)


def _filtered(base: QuerySet[Resource], filters: Filters, *, without: str = "") -> QuerySet:
    for name in FACETS:
        values = getattr(filters, name)
        if values and name != without:
            base = base.filter(_facet_condition(name, values))
    return base


@dataclass
class FacetValue:
    value: Any
    label: str
    count: int
    selected: bool


@dataclass
class SearchResult:
    resources: QuerySet[Resource]
    facets: dict[str, list[FacetValue]]
    words: list[str]
    total: int | None = None  # the number of resources, counted with the facets


_THROUGH: dict[str, tuple[Any, str]] = {
    "area": (Resource.areas.through, "competencyarea_id"),
    "level": (Resource.levels.through, "level_id"),
    "audience": (Resource.audiences.through, "staffcategory_id"),
}


def _counts(base: QuerySet[Resource], filters: Filters) -> tuple[dict[str, dict[Any, int]], int]:
    """The count of every facet value and the total of the results. A facet's counts are of the
    results filtered by the other facets (`_filtered(..., without=name)`)."""
    if connections[base.db].vendor == "postgresql":
        return _counts_in_one_query(base, filters)
    return _counts_in_two_queries(base, filters)


def _counts_in_one_query(
    base: QuerySet[Resource], filters: Filters
) -> tuple[dict[str, dict[Any, int]], int]:
    """Every count in one statement (PostgreSQL): the results are read once into a
    materialized CTE `m` (id, kind, languages and, for each chosen facet, whether the row
    passes it), and every facet is counted from `m`: the linked facets by joining their link
    table, the kinds by grouping, the languages by joining the list of codes, the total by
    counting. The ids of a text search are sent once, not once per link table."""
    chosen = [name for name in FACETS if getattr(filters, name)]
    flags = {
        f"p_{name}": ExpressionWrapper(
            _facet_condition(name, getattr(filters, name)), output_field=BooleanField()
        )
        for name in chosen
    }
    rows = base.order_by().annotate(**flags).values("pk", "kind", "language_index", *flags)
    inner, inner_params = rows.query.sql_with_params()
    columns = ", ".join(["id", "kind", "language_index", *flags])

    def passing(without: str) -> str:
        return " AND ".join(f"m.p_{name}" for name in chosen if name != without) or "TRUE"

    parts: list[str] = []
    params: list[Any] = []
    for name, (through, column) in _THROUGH.items():
        table = connections[base.db].ops.quote_name(through._meta.db_table)
        parts.append(
            f"SELECT %s, l.{column}::text, count(*) FROM m JOIN {table} l "
            f"ON l.resource_id = m.id WHERE {passing(name)} GROUP BY l.{column}"
        )
        params.append(name)
    parts.append(f"SELECT 'kind', m.kind, count(*) FROM m WHERE {passing('kind')} GROUP BY m.kind")
    # The languages: one conditional count per code over `m`, turned into rows.
    codes = [code for code, _name in settings.LANGUAGES]
    tallies = ", ".join(
        f"count(*) FILTER (WHERE strpos(m.language_index, %s) > 0) AS n{index}"
        for index in range(len(codes))
    )
    pairs = ", ".join(f"(%s, n{index})" for index in range(len(codes)))
    parts.append(
        f"SELECT 'language', v.code, v.n FROM (SELECT {tallies} FROM m "
        f"WHERE {passing('language')}) AS s CROSS JOIN LATERAL (VALUES {pairs}) AS v(code, n)"
    )
    params += [f" {code} " for code in codes] + codes
    parts.append(f"SELECT 'total', NULL, count(*) FROM m WHERE {passing('')}")
    sql = f"WITH m ({columns}) AS MATERIALIZED ({inner}) " + " UNION ALL ".join(parts)
    counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
    total = 0
    with connections[base.db].cursor() as cursor:
        cursor.execute(sql, [*inner_params, *params])
        for name, value, n in cursor.fetchall():
            if name == "total":
                total = n
            elif name in _THROUGH:
                counts[name][int(value)] = n
            else:
                counts[name][value] = n
    return counts, total


def _counts_in_two_queries(
    base: QuerySet[Resource], filters: Filters
) -> tuple[dict[str, dict[Any, int]], int]:
    """Every count in two queries (SQLite) however many facets are chosen: one UNION of the
    three linked facets grouped by value, and one aggregate of the kinds, the languages and
    the total."""

    counts: dict[str, dict[Any, int]] = {name: {} for name in FACETS}
    linked = [
        through.objects.filter(resource_id__in=_filtered(base, filters, without=name).values("pk"))
        .values(column)
        .annotate(n=Count("resource_id"))
        .values_list(Value(name), column, "n")
        for name, (through, column) in _THROUGH.items()
    ]
    first, *others = linked
    for name, value, n in first.union(*others, all=True):
        counts[name][value] = n

    # Aggregates sharing one base share one query: the base is the full result unless the
    # facet itself is chosen.
    codes = [code for code, _name in settings.LANGUAGES]
    groups: dict[str, dict[str, Any]] = {}
    for value in Resource.Kind.values:
        key = "kind" if filters.kind else ""
        groups.setdefault(key, {})[f"kind:{value}"] = Count("pk", filter=Q(kind=value))
    for code in codes:
        key = "language" if filters.language else ""
        condition = Q(language_index__contains=f" {code} ")
        groups.setdefault(key, {})[f"language:{code}"] = Count("pk", filter=condition)
    groups.setdefault("", {})["total"] = Count("pk")
    total = 0
    for without, aggregates in groups.items():
        names = {f"a{index}": name for index, name in enumerate(aggregates)}
        row = (
            _filtered(base, filters, without=without)
            .order_by()
            .aggregate(**{alias: aggregates[name] for alias, name in names.items()})
        )
        for alias, name in names.items():
            if name == "total":
                total = row[alias]
            else:
                facet, value = name.split(":", 1)
                counts[facet][value] = row[alias]
    return counts, total


def _labels(name: str) -> list[tuple[Any, str]]:
    if name == "area":
        return [(a.pk, a.local_title) for a in CompetencyArea.objects.all()]
    if name == "level":
        return [(lv.pk, lv.local_title) for lv in Level.objects.all()]
    if name == "audience":
        return [(c.pk, c.local_title) for c in StaffCategory.objects.all()]
    if name == "language":
        return [(code, str(label)) for code, label in settings.LANGUAGES]
    return [(value, str(label)) for value, label in Resource.Kind.choices]


def search(
    user: Actor | AnonymousUser,
    text: str = "",
    filters: Filters | None = None,
    *,
    with_facets: bool = True,
) -> SearchResult:
    """The resources `user` may see and that are not withdrawn, matching `text` and the facet
    values chosen, with the count of every facet value: for a facet, the counts are of the
    results filtered by the other facets, so that each checkbox says what ticking it adds."""
    filters = filters or Filters()
    query_words = words(text)
    base = text_filter(Resource.objects.visible_to(user).current(), query_words)
    facets: dict[str, list[FacetValue]] = {}
    total: int | None = None
    if with_facets:
        counts, total = _counts(base, filters)
        for name in FACETS:
            chosen = set(getattr(filters, name))
            facets[name] = [
                FacetValue(value, label, counts[name].get(value, 0), value in chosen)
                for value, label in _labels(name)
                if counts[name].get(value, 0) or value in chosen
            ]
    resources = _filtered(base, filters).select_related("beneficiary")
    return SearchResult(resources=resources, facets=facets, words=query_words, total=total)
