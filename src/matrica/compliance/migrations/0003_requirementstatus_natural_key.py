"""Derived per-requirement rows are keyed by (person, area, category) instead of a surrogate
id, whose sequence and index cost most of a full refresh's writes. Django cannot change a
primary key in place; the table holds only derived rows, so it is made again (empty: the
next `matrica compliance refresh` fills it, and the snapshot goes so that pages compute on
the fly until then). Rows are read by person (the key's prefix); the index on (institution,
status) served no query and is not made again."""

import django.db.models.deletion
from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE compliance_requirementstatus SET UNLOGGED")


def drop_snapshot(apps, schema_editor):
    apps.get_model("compliance", "Snapshot").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_unlogged_derived_tables")]

    operations = [
        migrations.RunPython(drop_snapshot, migrations.RunPython.noop),
        migrations.DeleteModel(name="RequirementStatus"),
        migrations.CreateModel(
            name="RequirementStatus",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "staff_member",
                        "area",
                        "category",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("required_rank", models.PositiveSmallIntegerField()),
                ("held_rank", models.PositiveSmallIntegerField(null=True)),
                ("deadline", models.DateField()),
                ("valid_until", models.DateField(null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("current", "Current"),
                            ("expiring", "Expiring"),
                            ("expired", "Expired"),
                            ("missing", "Missing"),
                            ("overdue", "Overdue"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "area",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="framework.competencyarea",
                    ),
                ),
                (
                    "beneficiary",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.beneficiary",
                    ),
                ),
                (
                    "category",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="framework.staffcategory",
                    ),
                ),
                (
                    "institution",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.institution",
                    ),
                ),
                (
                    "primary_category",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="framework.staffcategory",
                    ),
                ),
                (
                    "staff_member",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="staff.staffmember",
                    ),
                ),
            ],
        ),
        migrations.RunPython(unlogged, migrations.RunPython.noop),
    ]
