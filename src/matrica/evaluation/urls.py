from matrica.evaluation.views import feedback, follow_up, report, tests

app_name = "evaluation"
urlpatterns = [
    *tests.urlpatterns,
    *feedback.urlpatterns,
    *follow_up.urlpatterns,
    *report.urlpatterns,
]
