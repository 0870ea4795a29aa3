"""Forms of Django's sign-in views that write: they hand the write to the accounts' actions."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import SetPasswordForm

from matrica.accounts import actions


class AuditedSetPasswordForm(SetPasswordForm):
    """The new password of a reset by email: set by `actions.set_password`, so that it is
    validated and audited like every other change of a password (the person acts on their own
    account, proven by the link in the mail)."""

    def save(self, commit: bool = True) -> Any:
        password = self.cleaned_data["new_password1"]
        return actions.set_password(actor=self.user, user=self.user, password=password)
