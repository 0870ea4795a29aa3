from django.urls import path

from matrica.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.my_surveys, name="mine"),
    path("<int:pk>/answer/", views.answer, name="answer"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.launch, name="launch"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/open/", views.open_campaign, name="open"),
    path("campaigns/<int:pk>/close/", views.close_campaign, name="close"),
    path("campaigns/<int:pk>/results.<str:file_format>", views.results_export, name="export"),
]
