"""Where uploads live: MATRICA_UPLOAD_DIR, outside the web root, never given a URL."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A file system storage that reads its place from the settings on every use (tests
    move it) and has no URL: files go out only through the library's download view."""

    @property
    def base_location(self) -> str:
        return str(settings.MATRICA_UPLOAD_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Uploads have no URL: use the library's download view.")


def private_storage() -> PrivateStorage:
    return PrivateStorage()
