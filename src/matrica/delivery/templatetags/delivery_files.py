"""`{% session_files session user as files %}`: the files of a session the user may take, for
`delivery/files/_session_links.html` (included by the session page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from matrica.delivery.models import TrainingSession
from matrica.delivery.register import may_keep_register

register = template.Library()


@register.simple_tag
def session_files(session: TrainingSession, user: Any) -> dict[str, Any]:
    ics = reverse("delivery:session_ics", args=[session.pk])
    files: dict[str, Any] = {"ics": ics, "register": None, "days": []}
    if may_keep_register(user, session):
        pdf = reverse("delivery:register_pdf", args=[session.pk])
        files["register"] = pdf
        files["days"] = [
            {"day": day, "register": f"{pdf}?day={day.date:%Y-%m-%d}"} for day in session.days.all()
        ]
    return files
