"""Placeholder: filled in by the sessions pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
