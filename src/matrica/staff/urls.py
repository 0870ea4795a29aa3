from django.urls import path

from matrica.staff import views

app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("<int:pk>/", views.staff_record, name="record"),
]
