"""The training plan proposal of one administration (helper E's part of the needs pages)."""

from django.urls import path

from matrica.needs import views_plans

urlpatterns = [
    path("plans/", views_plans.plan_index, name="plan_index"),
    path("plans/<str:code>/", views_plans.plan_page, name="plan"),
    path("plans/<str:code>/accept", views_plans.plan_accept, name="plan_accept"),
]
