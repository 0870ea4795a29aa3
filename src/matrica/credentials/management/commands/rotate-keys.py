"""`matrica rotate-keys --beneficiary RS`: retire an administration's signing key and make a new
one, as the system. Credentials signed with the old key still verify: the key set keeps it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matrica.credentials.key_actions import rotate_issuer_key
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import SYSTEM


class Command(BaseCommand):
    help = "Retire an administration's Open Badges signing key and make a new one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--beneficiary", required=True, help="the administration's code, e.g. RS"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["beneficiary"].strip().upper()
        beneficiary = Beneficiary.objects.filter(code=code).first()
        if beneficiary is None:
            raise CommandError(f"No administration {code!r}.")
        key = rotate_issuer_key(actor=SYSTEM, beneficiary=beneficiary)
        self.stdout.write(f"{beneficiary.code}: signing with {key.key_id} from now on.")
