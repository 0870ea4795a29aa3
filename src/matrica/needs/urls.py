"""The needs pages, each part in its own module: the gap analysis of an administration, the
regional comparison, the training plan proposal."""

from django.urls import path

from matrica.needs import urls_comparison, urls_gaps, urls_plans, views_index

app_name = "needs"
urlpatterns = [
    path("", views_index.index, name="index"),
    *urls_gaps.urlpatterns,
    *urls_comparison.urlpatterns,
    *urls_plans.urlpatterns,
]
