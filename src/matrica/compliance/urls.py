from django.urls import path

from matrica.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cell/<str:area>/<str:category>/", views.cell_people, name="cell"),
    path(
        "cell/<str:area>/<str:category>/export.<str:file_format>",
        views.cell_people_export,
        name="cell_export",
    ),
    path("institution/<int:pk>/", views.institution_grid, name="institution"),
    path("expiring/", views.expiring, name="expiring"),
    path("overdue/", views.overdue, name="overdue"),
    path("expiring/export.<str:file_format>", views.expiring_export, name="expiring_export"),
    path("overdue/export.<str:file_format>", views.overdue_export, name="overdue_export"),
    path("export.<str:file_format>", views.export, name="export"),
]
