"""The attendance register of a session as a printable PDF: one A4 page per day (or the one day
asked for), with the session's facts, everyone holding a place in their own script, sorted as
the registry sorts them, and an empty column to sign. It carries names: the caller has checked
that the user may keep the register (`actions.require_register`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import translation

from matrica.delivery.actions import require_register
from matrica.delivery.models import Enrolment, SessionDay, TrainingSession

STYLE = Path(__file__).parent / "templates" / "delivery" / "files" / "register.css"


def participants(user: Any, session: TrainingSession) -> list[Enrolment]:
    """The people taking part (confirmed, or recorded as attending), as `user` may see them."""
    return list(
        Enrolment.objects.visible_to(user)
        .filter(session=session, state__in=Enrolment.PARTICIPATING)
        .select_related("staff_member__institution")
        .order_by("staff_member__sort_name", "staff_member__pk")
    )


def register_document(
    *, user: Any, session: TrainingSession, days: list[SessionDay], language: str
) -> Any:
    """The register laid out (a WeasyPrint document: its pages can be counted), labelled in
    `language`."""
    import weasyprint  # loaded on first use: a large import most requests never need

    with translation.override(language):
        html = render_to_string(
            "delivery/files/register.html",
            {
                "session": session,
                "days": days,
                "trainers": list(session.trainers.order_by("sort_name", "pk")),
                "participants": participants(user, session),
                "language": language,
            },
        )
    # The print styles are a stylesheet of their own: no template holds a <style> element.
    style = weasyprint.CSS(string=STYLE.read_text(encoding="utf-8"))
    return weasyprint.HTML(string=html).render(stylesheets=[style])


def render_register(
    *, user: Any, session: TrainingSession, days: list[SessionDay], language: str
) -> bytes:
    """The register as a PDF."""
    document = register_document(user=user, session=session, days=days, language=language)
    return bytes(document.write_pdf())


def may_keep_register(user: Any, session: TrainingSession) -> bool:
    """Whether `user` may download the register (the check recording attendance makes)."""
    try:
        require_register(user, session)
    except (PermissionDenied, Http404):
        return False
    return True
