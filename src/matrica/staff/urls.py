from django.urls import path

from matrica.staff import exports, views

# The record itself (`staff:record`, /staff/<pk>/) is composed above the apps: matrica.records.
app_name = "staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("export.<str:file_format>", exports.staff_list_export, name="export"),
    path("new/", views.add_member, name="add"),
    path("<int:pk>/edit/", views.edit_member, name="edit"),
    path("<int:pk>/leaving/", views.record_leaving, name="leaving"),
    path("<int:pk>/reinstate/", views.reinstate_member, name="reinstate"),
    path("<int:pk>/roles/new/", views.add_role, name="add_role"),
    path("<int:pk>/roles/<int:role_pk>/dates/", views.change_role, name="change_role"),
    path("<int:pk>/roles/<int:role_pk>/end/", views.end_role, name="end_role"),
    path("<int:pk>/roles/<int:role_pk>/withdraw/", views.withdraw_role, name="withdraw_role"),
]
