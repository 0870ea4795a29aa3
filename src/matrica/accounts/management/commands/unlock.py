"""`matrica unlock --user NAME` or `--address A`: lift a sign-in lock-out from the shell, as the
system (an operator with shell access), audited like the admin's action."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matrica.accounts import actions
from matrica.accounts.models import User
from matrica.tenancy.scoping import SYSTEM


class Command(BaseCommand):
    help = "Lift a sign-in lock-out of an account or an address."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--user", help="the account's user name")
        group.add_argument("--address", help="the IP address")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No account {options['user']!r}.")
            forgotten = actions.unlock_account(actor=SYSTEM, user=user)
        else:
            forgotten = actions.unlock_address(actor=SYSTEM, address=options["address"])
        self.stdout.write(f"Unlocked ({forgotten} failed attempts forgotten).")
