"""The full-text index of the library, on each database its own: on PostgreSQL a GIN index over
a generated column `search_vector = to_tsvector('simple', search_document)` (unknown to the
model: the database fills it); on SQLite an FTS5 table over the same column, kept in
step by triggers. A later migration that rebuilds `library_resource` on SQLite (Django copies
the table to alter it) drops the triggers: it must run `CREATE_SQLITE` again
(test_search.py::test_sqlite_index_in_step fails until it does)."""

from __future__ import annotations

from django.db import migrations

# A stored column rather than an index over the expression: a bitmap scan rechecks the rows it
# finds, and recomputing the vector of thousands of rows per query cost seconds at 10 000.
CREATE_POSTGRESQL = [
    "ALTER TABLE library_resource ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, search_document)) STORED",
    "CREATE INDEX library_resource_search ON library_resource USING GIN (search_vector)",
]
DROP_POSTGRESQL = [
    "DROP INDEX IF EXISTS library_resource_search",
    "ALTER TABLE library_resource DROP COLUMN IF EXISTS search_vector",
]

CREATE_SQLITE = [
    "CREATE VIRTUAL TABLE library_resource_fts USING fts5(search_document, "
    "content='library_resource', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER library_resource_fts_insert AFTER INSERT ON library_resource BEGIN "
    "INSERT INTO library_resource_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER library_resource_fts_delete AFTER DELETE ON library_resource BEGIN "
    "INSERT INTO library_resource_fts(library_resource_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER library_resource_fts_update AFTER UPDATE ON library_resource BEGIN "
    "INSERT INTO library_resource_fts(library_resource_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO library_resource_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "INSERT INTO library_resource_fts(library_resource_fts) VALUES ('rebuild')",
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS library_resource_fts_insert",
    "DROP TRIGGER IF EXISTS library_resource_fts_delete",
    "DROP TRIGGER IF EXISTS library_resource_fts_update",
    "DROP TABLE IF EXISTS library_resource_fts",
]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": CREATE_POSTGRESQL, "sqlite": CREATE_SQLITE}),
            _run({"postgresql": DROP_POSTGRESQL, "sqlite": DROP_SQLITE}),
        ),
    ]
