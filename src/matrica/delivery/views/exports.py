"""Downloads beside delivery's pages: the calendar's sessions (`export.<format>`), a session's
roster (`<pk>/roster.<format>`), a module's trainer pool (`modules/<pk>/trainers/
export.<format>`) and the module catalogue (`modules/export.<format>`). Each fetches through
the page's own scope and permission (404 or 403 like the page) and takes the page's filters;
files that name people are on the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET

from matrica import exports
from matrica.audit.models import AuditEvent
from matrica.audit.services import record, record_many
from matrica.delivery import exports as tables
from matrica.delivery import selectors
from matrica.delivery.forms import CalendarFilterForm
from matrica.delivery.models import Enrolment
from matrica.delivery.pool_selectors import pool_with_reasons
from matrica.delivery.views.pool import _planned_module
from matrica.delivery.views.sessions import _visible_sessions, calendar_span, shows_names
from matrica.framework.selectors import module_details
from matrica.http import AuthenticatedHttpRequest
from matrica.tenancy.models import Beneficiary


def _format(file_format: str) -> str:
    if file_format not in exports.FORMATS:
        raise Http404
    return file_format


@require_GET
@login_required
def calendar_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """The sessions the calendar covers (the month's weeks, the list's months, or one day), with
    its filters, every one of them: no names, so not audited."""
    _format(file_format)
    user = request.user
    form = CalendarFilterForm(request.GET, user=user, shows_names=shows_names(user))
    start, end = calendar_span(request)
    sessions = selectors.sessions_for_calendar(user, start, end, **form.chosen())
    return exports.download(tables.sessions_table(sessions), file_format, ["sessions", start, end])


@require_GET
@login_required
def roster_export(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The roster as the session's page shows it to this user (institution managers: their
    own people; the coordinator: nobody), on the audit trail against the session."""
    _format(file_format)
    session = get_object_or_404(_visible_sessions(request.user), pk=pk)
    enrolments = list(
        selectors.roster(session).filter(
            pk__in=Enrolment.objects.visible_to(request.user).values("pk")
        )
    )
    response = exports.download(
        tables.roster_table(session, enrolments), file_format,
        ["roster", session.module.code, session.starts_on],
    )  # fmt: skip
    if enrolments:  # a file without a name (the coordinator's) is no copy of personal data
        record(
            actor=request.user, action=AuditEvent.Action.EXPORT, obj=session,
            message=f"Roster downloaded ({file_format.upper()})",
        )  # fmt: skip
    return response


@require_GET
@login_required
def pool_export(request: AuthenticatedHttpRequest, pk: int, file_format: str) -> HttpResponse:
    """The whole pool the page shows a page at a time, with every reason: one row on the audit
    trail per administration whose people it names."""
    _format(file_format)
    module = _planned_module(request, pk)
    today = timezone.localdate()
    trainers = pool_with_reasons(module, today, request.user)
    covered = Beneficiary.objects.filter(
        pk__in={entry.person.beneficiary_id for entry in trainers}
    ).order_by()
    record_many(
        actor=request.user, action=AuditEvent.Action.EXPORT,
        changes=[(administration, None, None) for administration in covered],
        message=f"Trainer pool of {module.code} downloaded ({file_format.upper()})",
    )  # fmt: skip
    return exports.download(
        tables.pool_table(module.code, trainers), file_format, ["trainers", module.code, today]
    )


@require_GET
@login_required
def modules_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """Every module the catalogue lists to this user, common ones first, then each
    administration's national modules: no names, so not audited."""
    _format(file_format)
    modules = module_details(request.user).order_by(
        F("beneficiary__code").asc(nulls_first=True), "code"
    )
    return exports.download(
        tables.modules_table(modules), file_format, ["modules", timezone.localdate()]
    )


urlpatterns: list[URLPattern] = [
    path("export.<str:file_format>", calendar_export, name="calendar_export"),
    path("<int:pk>/roster.<str:file_format>", roster_export, name="roster_export"),
    path("modules/<int:pk>/trainers/export.<str:file_format>", pool_export, name="pool_export"),
    path("modules/export.<str:file_format>", modules_export, name="modules_export"),
]
