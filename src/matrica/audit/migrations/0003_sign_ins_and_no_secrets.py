from django.db import migrations, models

SECRETS = ("password", "token", "token_hash", "secret", "api_key")


def scrub_secrets(apps, schema_editor):
    """Earlier edits of accounts wrote password hashes into the trail; take them out. The trail
    is append-only for users, but a secret must not stay in it forever."""
    AuditEvent = apps.get_model("audit", "AuditEvent")
    # Only accounts held secrets; the trail of a large region has millions of other rows.
    accounts = AuditEvent.objects.filter(
        object_type__app_label="accounts", object_type__model="user"
    )
    for event in accounts.iterator():
        changed = False
        for side in ("before", "after"):
            data = getattr(event, side)
            if isinstance(data, dict) and any(key in data for key in SECRETS):
                setattr(event, side, {k: v for k, v in data.items() if k not in SECRETS})
                changed = True
        if changed:
            AuditEvent.objects.filter(pk=event.pk).update(before=event.before, after=event.after)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_references_kept_by_django"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "Created"),
                    ("update", "Changed"),
                    ("delete", "Deleted"),
                    ("bulk", "Bulk operation"),
                    ("login", "Logged in"),
                    ("login_failed", "Failed log-in"),
                    ("logout", "Logged out"),
                    ("password", "Password changed"),
                    ("lockout", "Locked out"),
                    ("unlock", "Unlocked"),
                    ("export", "Exported"),
                ],
                max_length=20,
                verbose_name="action",
            ),
        ),
        migrations.RunPython(scrub_secrets, migrations.RunPython.noop),
    ]
