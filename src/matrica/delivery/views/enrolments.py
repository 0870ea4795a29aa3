"""Placeholder: filled in by the nomination and attendance pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
