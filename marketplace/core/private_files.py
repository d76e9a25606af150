"""Files that carry personal data (data-request letters, certification evidence) live
outside MEDIA_ROOT, so neither the project's /media/ route nor the nginx or CDN in front of
it in production can hand them out. Their URLs point at one checked view
(`admin.private_files.private_file`) that asks the owning domain whether the reader may
see the file, logs the read, and serves it as an attachment.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.urls import reverse


class PrivateFileStorage(FileSystemStorage):
    """A FileSystemStorage rooted at PRIVATE_MEDIA_ROOT, read at every use so that a test's
    override of the setting takes effect (FileSystemStorage caches its location and only
    resets it when MEDIA_ROOT changes)."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        return reverse("private-file", kwargs={"name": name or ""})

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        return ("marketplace.core.private_files.PrivateFileStorage", (), {})


def private_files() -> PrivateFileStorage:
    """The storage of FileFields holding personal data (a callable, so migrations name it
    instead of freezing a path)."""
    return PrivateFileStorage()
