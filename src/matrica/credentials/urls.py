from matrica.credentials.views import badges, certificates

app_name = "credentials"
urlpatterns = [
    *certificates.urlpatterns,
    *badges.urlpatterns,
]
