from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.library import actions
from matrica.library.models import Resource
from matrica.tenancy.scoping import SYSTEM


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.MATRICA_UPLOAD_DIR = tmp_path / "uploads"
    return settings.MATRICA_UPLOAD_DIR


# Minimal files of each kind, built here: their first bytes are what a real one starts with.
def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def ooxml_bytes(main_part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main_part, "<document/>")
    return buffer.getvalue()


def mp4_bytes() -> bytes:
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 16


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def add(actor: Any = SYSTEM, beneficiary: Any = None, **fields: Any) -> Resource:
    fields.setdefault("kind", Resource.Kind.HANDBOOK)
    fields.setdefault("title", "A resource")
    return actions.add_resource(actor=actor, beneficiary=beneficiary, **fields)


def area(code: str) -> CompetencyArea:
    return CompetencyArea.objects.get(code=code)


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def category(code: str) -> StaffCategory:
    return StaffCategory.objects.get(code=code)
