"""The gap analysis of one administration (helper C's part of the needs pages)."""

from django.urls import path

from matrica.needs import views_gaps

urlpatterns = [
    path("gaps/", views_gaps.gaps_page, name="gaps"),
    path("gaps/report.pdf", views_gaps.gaps_pdf, name="gaps_pdf"),
    path("gaps/<str:file_format>/", views_gaps.gaps_export, name="gaps_export"),
]
