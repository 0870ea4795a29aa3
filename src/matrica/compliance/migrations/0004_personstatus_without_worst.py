"""A person's worst status was written by every refresh and read by nothing: pages order people
by `severity`, which says the same as a number. The column goes; the rows keep their other
columns, which stay correct, so the snapshot stays too."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_requirementstatus_natural_key")]

    operations = [migrations.RemoveField(model_name="personstatus", name="worst")]
