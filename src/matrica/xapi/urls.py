from django.urls import path

from matrica.xapi import pages, views

app_name = "xapi"
urlpatterns = [
    # The learning record store (xAPI clients: Basic auth, no session).
    path("about", views.about, name="about"),
    path("statements", views.statements, name="statements"),
    # The pages (signed-in national administrators and training managers).
    path("sources/", pages.sources, name="sources"),
    path("sources/<int:pk>/", pages.source, name="source"),
    path("sources/<int:pk>/revoke/", pages.revoke, name="revoke"),
    path("sources/<int:pk>/rules/", pages.rules, name="rules"),
    path("sources/<int:pk>/actors/", pages.resolve_actor, name="resolve_actor"),
    path("sources/<int:pk>/activities/", pages.resolve_activity, name="resolve_activity"),
]
