"""Disclosure control in templates: the label of a suppressed figure and the threshold, for
the legends that explain them."""

from __future__ import annotations

from django import template

from matrica import disclosure

register = template.Library()


@register.simple_tag
def hidden_label() -> str:
    return disclosure.hidden_label()


@register.simple_tag
def disclosure_threshold() -> int:
    return disclosure.threshold()
