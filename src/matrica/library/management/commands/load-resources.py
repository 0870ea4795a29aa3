"""`matrica load-resources [--file F]`: the starter catalogue of public references, loaded as
common resources by the system actor. Idempotent: each entry is found again by its code and
brought up to date; a resource withdrawn by the coordinator stays withdrawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from matrica.library.actions import (
    STARTER_CATALOGUE,
    CatalogueError,
    load_catalogue_entry,
    read_catalogue,
)


class Command(BaseCommand):
    help = "Load the resource library's starter catalogue (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, default=STARTER_CATALOGUE)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            entries = read_catalogue(options["file"])
        except CatalogueError as error:
            raise CommandError(str(error)) from error
        outcome = {"added": 0, "updated": 0, "unchanged": 0}
        with transaction.atomic():
            for entry in tqdm(entries, desc="resources", unit="resource",
                              disable=options["verbosity"] == 0):  # fmt: skip
                outcome[load_catalogue_entry(entry)] += 1
        self.stdout.write(
            f"{outcome['added']} added, {outcome['updated']} updated, "
            f"{outcome['unchanged']} unchanged"
        )
