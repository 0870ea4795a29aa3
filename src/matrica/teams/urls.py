from django.urls import path

from matrica.teams import exports, views

app_name = "teams"
urlpatterns = [
    path("", views.team_list, name="list"),
    path("export.<str:file_format>", exports.list_export, name="export"),
    path("new/", views.create_team, name="create"),
    path("national/", views.national, name="national"),
    path("national/export.<str:file_format>", exports.national_export, name="national_export"),
    path("regional/", views.regional, name="regional"),
    path("regional/export.<str:file_format>", exports.regional_export, name="regional_export"),
    path("disciplines/", views.disciplines, name="disciplines"),
    path("disciplines/new/", views.add_discipline, name="add_discipline"),
    path("disciplines/<int:pk>/edit/", views.change_discipline, name="change_discipline"),
    path("<int:pk>/", views.team_page, name="team"),
    path("<int:pk>/edit/", views.change_team, name="change"),
    path("<int:pk>/close/", views.close_team, name="close"),
    path("<int:pk>/members/add/", views.add_member, name="add_member"),
    path("<int:pk>/members/<int:membership_pk>/end/", views.end_membership, name="end_member"),
    path("<int:pk>/members/<int:membership_pk>/role/", views.change_member, name="change_member"),
]
