"""The teams' pages as CSV or XLSX, through the one export helper (`matrica.exports`): the list
of teams with their readiness, the national overview (institutions without a team, teams not
ready and why) and the coordinator's regional counts (members through disclosure control).

Each download is gated and scoped like its page. Only the national overview names people (the
reasons a team is not ready say whose training lapsed), so only it is on the audit trail."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from matrica import disclosure, exports
from matrica.audit.models import AuditEvent
from matrica.audit.services import record_many
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import roles_required
from matrica.teams import selectors
from matrica.teams.models import Team, TeamKind
from matrica.teams.selectors import Readiness
from matrica.teams.views import NATIONAL_ROLES, teams_page
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.roles import Role

# A team's standing today, by stable code: ready, not ready for want of training, not ready for
# want of a discipline, or closed.
READY, TRAINING, DISCIPLINES, CLOSED = "ready", "training", "disciplines", "closed"
# The sections of the national overview.
WITHOUT_TEAM, NOT_READY = "without_team", "not_ready"


def readiness_code(team: Team, state: Readiness | None) -> str:
    if not team.active or state is None:
        return CLOSED
    if state.ready:
        return READY
    return TRAINING if state.filled else DISCIPLINES


def readiness_labels() -> dict[str, str]:
    """The labels the pages show beside each code, in the request's language."""
    return {
        READY: _("Ready"), TRAINING: _("Not ready: training"),
        DISCIPLINES: _("Not ready: disciplines missing"), CLOSED: _("Closed"),
    }  # fmt: skip


def list_table(teams: list[Team], states: dict[int, Readiness]) -> exports.Table:
    """One line per team, in the page's order (working teams first, by name)."""
    labels = readiness_labels()
    kinds = dict(TeamKind.choices)
    cadences = dict(Team.Cadence.choices)
    rows: list[list[Any]] = []
    for team in teams:
        state = states.get(team.pk) if team.active else None
        code = readiness_code(team, state)
        rows.append([
            team.name, team.beneficiary.code, team.institution.name if team.institution else "",
            str(kinds[team.kind]), team.kind, str(cadences[team.cadence]), team.cadence,
            team.formed_on, team.closed_on, labels[code], code,
            len(state.gaps) if state else None,
        ])  # fmt: skip
    header = [
        _("Team"), _("Administration code"), _("Institution"), _("Kind"), _("Kind code"),
        _("Meets"), _("Meets code"), _("Formed on"), _("Closed on"), _("Readiness"),
        _("Readiness code"), _("Gaps"),
    ]  # fmt: skip
    return exports.Table(header=header, rows=rows, title=_("Multi-disciplinary teams"))


def national_table(figures: selectors.NationalFigures) -> exports.Table:
    """The overview's two lists in one table, told apart by a section label and code: the
    institutions without a working team, then the teams not ready with every reason."""
    labels = readiness_labels()
    sections = {WITHOUT_TEAM: _("Institutions without a team"), NOT_READY: _("Teams not ready")}
    rows: list[list[Any]] = [
        [str(sections[WITHOUT_TEAM]), WITHOUT_TEAM, institution.beneficiary.code,
         institution.name, "", "", "", ""]
        for institution in figures.without_team
    ]  # fmt: skip
    for team, state in figures.not_ready:
        code = readiness_code(team, state)
        rows.append([
            str(sections[NOT_READY]), NOT_READY, team.beneficiary.code,
            team.institution.name if team.institution else "", team.name, labels[code], code,
            "\n".join(state.gaps),
        ])  # fmt: skip
    header = [
        _("Section"), _("Section code"), _("Administration code"), _("Institution"), _("Team"),
        _("Readiness"), _("Readiness code"), _("Why"),
    ]  # fmt: skip
    return exports.Table(header=header, rows=rows, title=_("Teams: national overview"))


def regional_table(
    rows: list[selectors.RegionalRow], overall: selectors.RegionalRow | None
) -> exports.Table:
    """One line per administration and one for them all; a count of members small enough to
    point at someone is the hidden label, as on the page."""
    hidden = disclosure.hidden_label()
    lines = [
        [row.beneficiary.code, row.beneficiary.name, row.institutions, row.with_team, row.teams,
         row.ready, hidden if row.members_hidden else row.members]
        for row in [*rows, *([overall] if overall else [])]
    ]  # fmt: skip
    header = [
        _("Administration code"), _("Administration"), _("Institutions"), _("With a team"),
        _("Teams"), _("Teams ready"), _("Members"),
    ]  # fmt: skip
    return exports.Table(header=header, rows=lines, title=_("Teams across the region"))


def _format(file_format: str) -> str:
    if file_format not in exports.FORMATS:
        raise Http404
    return file_format


@require_GET
@teams_page
def list_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """Every team the list shows, every page of it; counts of gaps, no names."""
    _format(file_format)
    teams = list(selectors.teams_visible_to(request.user).order_by("-active", "name"))
    states = selectors.readiness([team for team in teams if team.active])
    return exports.download(list_table(teams, states), file_format, ["teams", timezone.localdate()])


@require_GET
@roles_required(*NATIONAL_ROLES)
def national_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    _format(file_format)
    figures = selectors.national_figures(request.user)
    covered = Beneficiary.objects.filter(
        pk__in={team.beneficiary_id for team, _state in figures.not_ready}
    ).order_by()
    record_many(
        actor=request.user, action=AuditEvent.Action.EXPORT,
        changes=[(administration, None, None) for administration in covered],
        message=f"Teams' national overview downloaded ({file_format.upper()})",
    )  # fmt: skip
    return exports.download(
        national_table(figures), file_format, ["teams-national", timezone.localdate()]
    )


@require_GET
@roles_required(Role.COORDINATOR)
def regional_export(request: AuthenticatedHttpRequest, file_format: str) -> HttpResponse:
    """Counts only, as the page: not audited."""
    _format(file_format)
    rows, overall = selectors.regional_figures(request.user)
    return exports.download(
        regional_table(rows, overall), file_format, ["teams-regional", timezone.localdate()]
    )
