from django.urls import path

from matrica.training import views

app_name = "training"
urlpatterns = [
    path("people/<int:pk>/evidence/new/", views.record_evidence, name="record_evidence"),
    path("evidence/<int:pk>/void/", views.void_evidence, name="void_evidence"),
]
