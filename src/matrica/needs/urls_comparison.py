"""The regional comparison (coordinator) and the drafting of the next framework version."""

from django.urls import path

from matrica.needs import views_comparison as views

urlpatterns = [
    path("comparison/", views.comparison_page, name="comparison"),
    path("comparison/comparison.pdf", views.comparison_pdf, name="comparison_pdf"),
    path("comparison/drafts/", views.draft_create, name="draft_create"),
    path("comparison/drafts/<str:code>/", views.draft_page, name="draft"),
    path("comparison/drafts/<str:code>/remove/", views.draft_remove, name="draft_remove"),
    path("comparison/drafts/<str:code>/publish/", views.draft_publish, name="draft_publish"),
    path("comparison/<str:file_format>/", views.comparison_export, name="comparison_export"),
]
