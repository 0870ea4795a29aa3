from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from matrica.http import AuthenticatedHttpRequest
from matrica.pages import paginate, query_without_page
from matrica.staff.filters import StaffFilter
from matrica.staff.selectors import staff_visible_to


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
