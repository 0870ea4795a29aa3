"""The needs pages, each part in its own module: the gap analysis of an administration, the
regional comparison, the training plan proposal."""

from matrica.needs import urls_comparison, urls_gaps, urls_plans

app_name = "needs"
urlpatterns = urls_gaps.urlpatterns + urls_comparison.urlpatterns + urls_plans.urlpatterns
