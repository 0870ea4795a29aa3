from django.urls import path

from matrica.staff import views

# The record itself (`staff:record`, /staff/<pk>/) is composed above the apps: matrica.records.
app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
]
