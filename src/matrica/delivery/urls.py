from matrica.delivery.views import enrolments, files, pool, sessions

app_name = "delivery"
urlpatterns = [
    *sessions.urlpatterns,
    *enrolments.urlpatterns,
    *files.urlpatterns,
    *pool.urlpatterns,
]
