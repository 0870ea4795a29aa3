from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from matrica.http import AuthenticatedHttpRequest
from matrica.pages import as_of, paginate, query_without_page
from matrica.staff.filters import StaffFilter
from matrica.staff.selectors import categories_held, requirements_for, staff_visible_to
from matrica.training.selectors import evidence_of


@login_required
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = staff_visible_to(request.user).select_related(
        "institution", "primary_category", "beneficiary"
    )
    staff_filter = StaffFilter(request.GET, queryset=queryset, user=request.user)
    context = {
        "filter": staff_filter,
        "page": paginate(request, staff_filter.qs),
        "query": query_without_page(request),
    }
    template = "staff/_staff_table.html" if request.htmx else "staff/staff_list.html"
    return render(request, template, context)


@login_required
def staff_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(
        staff_visible_to(request.user).select_related(
            "institution__service", "primary_category", "beneficiary"
        ),
        pk=pk,
    )
    on = as_of(request)
    context = {
        "member": member,
        "on": on,
        "categories": categories_held(member, on),
        "roles": member.roles.select_related("category"),
        "requirements": requirements_for(member, on),
        "evidence": evidence_of(member),
    }
    return render(request, "staff/staff_record.html", context)
