from django.urls import path

from matrica.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cell/<str:area>/<str:category>/", views.cell_people, name="cell"),
    path("institution/<int:pk>/", views.institution_grid, name="institution"),
    path("expiring/", views.expiring, name="expiring"),
    path("overdue/", views.overdue, name="overdue"),
    path("export.<str:file_format>", views.export, name="export"),
]
