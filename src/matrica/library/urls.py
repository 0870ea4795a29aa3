from django.urls import path

from matrica.library import views

app_name = "library"
urlpatterns = [
    path("", views.library, name="list"),
    path("new/", views.add, name="add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/file", views.download, name="download"),
    path("<int:pk>/change/", views.change, name="change"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
