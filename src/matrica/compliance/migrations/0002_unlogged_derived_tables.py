"""Derived compliance tables skip PostgreSQL's write-ahead log: they are rebuilt from evidence by
`matrica compliance refresh`, so durability buys nothing and costs most of a refresh. After a
crash PostgreSQL empties them, the snapshot row included, and pages compute on the fly until
the next refresh. SQLite has no such option and needs none."""

from django.db import migrations

TABLES = [
    "compliance_snapshot",
    "compliance_requirementstatus",
    "compliance_personstatus",
    "compliance_cellcount",
    "compliance_groupcount",
    "compliance_trendpoint",
]


def set_logging(apps, schema_editor, logged):
    if schema_editor.connection.vendor != "postgresql":
        return
    state = "LOGGED" if logged else "UNLOGGED"
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} SET {state}")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: set_logging(apps, editor, logged=False),
            lambda apps, editor: set_logging(apps, editor, logged=True),
        )
    ]
