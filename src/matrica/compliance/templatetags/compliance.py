from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    """Look a key up in a dict: `{{ line.by_area|get:area.pk }}`."""
    return mapping.get(key)
