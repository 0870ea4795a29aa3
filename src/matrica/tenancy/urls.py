from django.urls import path

from matrica.tenancy import exports, views

app_name = "tenancy"
urlpatterns = [
    path("administrations/", views.administration_list, name="administration_list"),
    path(
        "administrations/export.<str:file_format>",
        exports.administration_list_export,
        name="administration_list_export",
    ),
    path("administrations/<str:code>/", views.administration_detail, name="administration_detail"),
]
