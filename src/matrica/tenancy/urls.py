from django.urls import path

from matrica.tenancy import views

app_name = "tenancy"
urlpatterns = [
    path("administrations/", views.administration_list, name="administration_list"),
    path("administrations/<str:code>/", views.administration_detail, name="administration_detail"),
]
