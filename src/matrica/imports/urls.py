from django.urls import path

from matrica.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("template/<str:kind>.<str:file_format>", views.template, name="template"),
    path("<int:pk>/", views.run_detail, name="run"),
    path("<int:pk>/columns/", views.run_columns, name="columns"),
    path("<int:pk>/import/", views.run_apply, name="apply"),
    path("<int:pk>/problems.<str:file_format>", views.run_problems, name="problems"),
]
