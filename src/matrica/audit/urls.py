from django.urls import path

from matrica.audit import exports, views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list, name="list"),
    path("export.<str:file_format>", exports.audit_export, name="export"),
]
