from django.urls import path

from matrica.framework import views

app_name = "framework"
urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("case/", views.case_page, name="case"),
    path("case/<str:code>.json", views.case_export, name="case_export"),
    path("versions/<str:code>/publish/", views.publish, name="publish"),
]
