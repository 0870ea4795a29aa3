from django.urls import path

from matrica.curricula import views

app_name = "curricula"
urlpatterns = [
    path("", views.course_list, name="list"),
    path("new/", views.course_add, name="add"),
    path("<int:pk>/", views.course_detail, name="detail"),
    path("<int:pk>/change/", views.course_change, name="change"),
    path("<int:pk>/withdraw/", views.course_withdraw, name="withdraw"),
]
