"""Checking an upload by its content: the bytes must be what the file name says (PDF, DOCX,
PPTX or MP4), and the file no larger than MATRICA_UPLOAD_MAX_MB."""

from __future__ import annotations

import zipfile
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".mp4": "video/mp4",
}
# The part every Office Open XML package of that kind holds.
_OOXML_MAIN_PART = {".docx": "word/document.xml", ".pptx": "ppt/presentation.xml"}


def max_bytes() -> int:
    return int(settings.MATRICA_UPLOAD_MAX_MB) * 1024 * 1024


def _is_ooxml(stream: IO[bytes], extension: str) -> bool:
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and _OOXML_MAIN_PART[extension] in names


def content_matches(stream: IO[bytes], extension: str) -> bool:
    stream.seek(0)
    head = stream.read(16)
    stream.seek(0)
    if extension == ".pdf":
        return head.startswith(b"%PDF-")
    if extension == ".mp4":
        return len(head) >= 12 and head[4:8] == b"ftyp"
    if extension in _OOXML_MAIN_PART:
        return head.startswith(b"PK\x03\x04") and _is_ooxml(stream, extension)
    return False


def check_upload(name: str, size: int, stream: IO[bytes]) -> tuple[str, str]:
    """(extension, content type) of an acceptable upload; ValidationError on the `file` field
    otherwise."""
    extension = PurePath(name).suffix.lower()
    if extension not in CONTENT_TYPES:
        raise ValidationError(
            {"file": _("Upload a PDF, DOCX, PPTX or MP4 file.")}, code="file_type"
        )
    if size > max_bytes():
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB.")
                % {"mb": settings.MATRICA_UPLOAD_MAX_MB}
            },
            code="file_size",
        )
    if not content_matches(stream, extension):
        raise ValidationError(
            {"file": _("The file is not the %(type)s file its name says it is.")
             % {"type": extension[1:].upper()}},
            code="file_content",
        )  # fmt: skip
    stream.seek(0)
    return extension, CONTENT_TYPES[extension]
