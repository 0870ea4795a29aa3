from django.urls import path

from matrica.framework import views

app_name = "framework"
urlpatterns = [path("", views.matrix, name="matrix")]
