"""`matrica case export VERSION [--output F]` and `matrica case import FILE`: the framework as
IMS CASE packages, through the same code as the coordinator's page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from matrica.framework.actions import import_case_version
from matrica.framework.case_export import export_package
from matrica.framework.case_import import CasePackageError, parse
from matrica.framework.models import FrameworkVersion
from matrica.tenancy.scoping import SYSTEM


class Command(BaseCommand):
    help = "Export a framework version as an IMS CASE 1.1 package, or import one as a draft."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="what", required=True)
        export = commands.add_parser("export", help="Write a version as a CASE 1.1 CFPackage.")
        export.add_argument("version", help="the version code, e.g. 2020.1")
        export.add_argument("--output", type=Path, help="a file (default: standard output)")
        imported = commands.add_parser("import", help="Import a CASE package as a draft version.")
        imported.add_argument("file", type=Path)
        imported.add_argument("--code", default="", help="the draft's code")
        imported.add_argument("--title", default="", help="the draft's title")
        imported.add_argument("--as-user", default="", help="the coordinator to audit it under")
        imported.add_argument("--dry-run", action="store_true", help="report only; write nothing")

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        if what == "export":
            self.export(options["version"], options["output"])
        else:
            self.import_(options)

    def export(self, code: str, output: Path | None) -> None:
        version = FrameworkVersion.objects.filter(code=code).first()
        if version is None:
            known = ", ".join(FrameworkVersion.objects.values_list("code", flat=True))
            raise CommandError(f"No framework version {code!r}. Versions: {known or 'none'}.")
        content = json.dumps(export_package(version), ensure_ascii=False, indent=2) + "\n"
        if output is None:
            self.stdout.write(content, ending="")
        else:
            output.write_text(content, encoding="utf-8")
            self.stderr.write(f"Version {code} written to {output}.")

    def import_(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        actor: Any = SYSTEM
        if options["as_user"]:
            actor = get_user_model().objects.filter(username=options["as_user"]).first()
            if actor is None:
                raise CommandError(f"No user {options['as_user']!r}.")
        try:
            result = import_case_version(
                actor=actor, data=parse(path.read_bytes()), code=options["code"],
                title=options["title"], dry_run=options["dry_run"],
            )  # fmt: skip
        except OSError as error:
            raise CommandError(f"{path}: {error}") from error
        except CasePackageError as error:
            raise CommandError(f"Nothing was imported. {path}: {error}") from error
        reading = result.reading
        self.stdout.write(
            f"{path.name}: CASE {reading.case_version} package “{reading.document_title}”: "
            f"{reading.summary()}."
        )
        for row in reading.mapped:
            self.stdout.write(f"  mapped      {row.code or row.identifier}: {row.outcome}")
        for row in reading.not_mapped:
            self.stdout.write(
                f"  not mapped  {row.code or row.identifier} “{row.title}”: {row.outcome}"
            )
        if result.version is not None:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Draft version {result.version.code} created with "
                    f"{len(reading.requirements)} requirements; publish it on the CASE page."
                )
            )
        elif options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.WARNING("No requirement recognised: no draft created."))
