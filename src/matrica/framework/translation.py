"""Translations of data the coordinator edits (area, category, level and module titles).

Code strings go through gettext; data strings are stored with their row as
{"sq": {"title": "…"}, "sr-latn": {…}} so that editing a title in the app needs no release.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Where a language has no text of its own, the nearest one that readers understand.
FALLBACKS: dict[str, tuple[str, ...]] = {
    "cnr": ("sr-latn", "bs", "hr"),
    "bs": ("sr-latn", "hr"),
    "hr": ("bs", "sr-latn"),
    "sr-latn": ("bs", "hr"),
}


class TranslatedFields(models.Model):
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        abstract = True

    def localized(self, field: str, language: str | None = None) -> str:
        language = (language or get_language() or "en").lower()
        for code in (language, *FALLBACKS.get(language, ())):
            text = self.translations.get(code, {}).get(field)
            if text:
                return str(text)
        return str(getattr(self, field))

    @property
    def local_title(self) -> str:
        return self.localized("title")

    @property
    def local_description(self) -> str:
        return self.localized("description")
