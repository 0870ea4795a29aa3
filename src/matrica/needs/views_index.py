"""The needs and strengths pages in one place: what an administration teaches, where its
curriculum falls short, what its staff say they need, what to plan, and (for the coordinator)
the region side by side."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.permissions import Verb, holds
from matrica.tenancy.roles import Role

# (url name, title, what it is for, who sees it: verbs any of which, or the coordinator)
PAGES = (
    ("curricula:list", _("Curriculum inventory"),
     _("The courses the administration runs, and the matrix cells each covers"),
     (Verb.MANAGE_CURRICULUM,)),
    ("needs:gaps", _("Gap analysis"),
     _("The matrix coloured by what the curriculum covers: strengths, gaps, delivery lag"),
     (Verb.MANAGE_CURRICULUM, Verb.PLAN_TRAINING)),
    ("surveys:campaigns", _("Training-needs surveys"),
     _("What staff say they need: campaigns and their results"), (Verb.RUN_SURVEYS,)),
    ("needs:plan_index", _("Training plan"),
     _("The sessions that would close the gaps, joint ones first"), (Verb.PLAN_TRAINING,)),
    ("needs:comparison", _("Regional comparison"),
     _("The administrations side by side, and the next matrix drafted from it"), ()),
)  # fmt: skip


def pages_for(user: object) -> list[dict[str, Any]]:
    coordinator = getattr(user, "is_superuser", False) or getattr(user, "role", "") == (
        Role.COORDINATOR
    )
    shown = []
    for name, title, summary, verbs in PAGES:
        regional_only = not verbs
        if (regional_only and coordinator) or (
            not regional_only and (coordinator or any(holds(user, verb) for verb in verbs))
        ):
            shown.append({"url": reverse(name), "title": title, "summary": summary})
    return shown


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    pages = pages_for(request.user)
    if not pages:
        raise PermissionDenied
    return render(request, "needs/index.html", {"pages": pages})
