from django.http import HttpResponse
from django.shortcuts import render

from matrica.audit.models import AuditEvent
from matrica.audit.selectors import audit_events_visible_to, filtered_events
from matrica.http import AuthenticatedHttpRequest
from matrica.pages import allowed_if, paginate, query_without_page, search_terms
from matrica.tenancy.permissions import may_read_audit


@allowed_if(may_read_audit)
def audit_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    action = request.GET.get("action", "")
    search = search_terms(request, request.GET.get("q", ""))
    events = filtered_events(audit_events_visible_to(request.user), action=action, search=search)
    context = {
        "page": paginate(request, events),
        "query": query_without_page(request),
        "actions": AuditEvent.Action.choices,
        "action": action,
        "search": search,
    }
    return render(request, "audit/audit_list.html", context)
