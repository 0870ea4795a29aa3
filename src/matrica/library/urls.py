from django.urls import path

from matrica.library import exports, views

app_name = "library"
urlpatterns = [
    path("", views.library, name="list"),
    path("export.<str:file_format>", exports.library_export, name="export"),
    path("new/", views.add, name="add"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/file", views.download, name="download"),
    path("<int:pk>/change/", views.change, name="change"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
