from matrica.delivery.views import enrolments, exports, files, pool, sessions

app_name = "delivery"
urlpatterns = [
    *sessions.urlpatterns,
    *enrolments.urlpatterns,
    *files.urlpatterns,
    *pool.urlpatterns,
    *exports.urlpatterns,
]
