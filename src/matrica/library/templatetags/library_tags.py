"""Resources where people work, one query each:

    {% load library_tags %}
    {% resources_for_cell area category as resources %}
    {% resources_for_gaps member as resources %}   {# or: member areas=gap_areas #}
    {% resources_for_module module as resources %}
    {% include "library/_resource_links.html" %}

Each gives a list of at most `limit` (5) resources the user may see, not withdrawn."""

from __future__ import annotations

from typing import Any

from django import template

from matrica.library import selectors
from matrica.library.models import Resource

register = template.Library()


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


def _first(queryset: Any, limit: int) -> list[Resource]:
    return list(queryset.order_by("title", "pk")[:limit])


@register.simple_tag(takes_context=True)
def resources_for_cell(
    context: template.Context, area: Any, category: Any, limit: int = selectors.LIMIT
) -> list[Resource]:
    return _first(selectors.for_cell(_user(context), area, category), limit)


@register.simple_tag(takes_context=True)
def resources_for_gaps(
    context: template.Context, member: Any, areas: Any = None, limit: int = selectors.LIMIT
) -> list[Resource]:
    return _first(selectors.for_gaps(_user(context), member, areas), limit)


@register.simple_tag(takes_context=True)
def resources_for_module(
    context: template.Context, module: Any, limit: int = selectors.LIMIT
) -> list[Resource]:
    return _first(selectors.for_module(_user(context), module), limit)
