"""The printed reports (the delivery report, the gap analysis, the regional comparison): one
page layout for all of them (`templates/print/report.css`), each adding its own stylesheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

BASE = Path(__file__).parent / "templates" / "print" / "report.css"


def render_pdf(request: HttpRequest, template: str, context: dict[str, Any], style: Path) -> bytes:
    """`template` rendered with `context` as an A4 landscape PDF, styled by the common sheet
    and then `style`."""
    import weasyprint  # loaded on first use: a large import most requests never need

    html = render_to_string(template, context, request=request)
    sheets = [weasyprint.CSS(string=path.read_text(encoding="utf-8")) for path in (BASE, style)]
    return bytes(weasyprint.HTML(string=html).write_pdf(stylesheets=sheets))
