"""Placeholder: filled in by the files pages."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
