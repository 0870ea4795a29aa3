from django.urls import path

from matrica.api import views
from matrica.api.api import api

urlpatterns = [
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.revoke, name="api_token_revoke"),
    path("", api.urls),
]
