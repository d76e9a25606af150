"""The one way to open a file that carries personal data: a data request's letter (公函)
or a certification claim's evidence. The owning domain's selector decides who may read
it; a reader who may not gets the same 404 as a file that does not exist (its existence
is not told), and every read of a letter goes to the audit log under its request.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse, Http404, HttpRequest

from marketplace.audit.models import AuditAction
from marketplace.audit.selectors import data_request_township_ids, data_requests_visible_to
from marketplace.audit.services import audit_record
from marketplace.core.private_files import private_files
from marketplace.supervision.claims import claim_evidence_visible_to


def private_file(request: HttpRequest, name: str) -> FileResponse:
    user = request.user if request.user.is_authenticated else None
    letter_of = data_requests_visible_to(user=user).filter(letter=name).first()
    if letter_of is not None:
        audit_record(
            actor=user,
            action=AuditAction.PERSONAL_DATA_READ,
            target=letter_of,
            request=letter_of,
            township_ids=data_request_township_ids(data_request=letter_of),
            details={"read": "letter"},
        )
        return _attachment(name, letter_of.letter_content_type, f"letter-{letter_of.pk}")
    evidence = claim_evidence_visible_to(user=user).filter(file=name).first()
    if evidence is not None:
        return _attachment(name, evidence.content_type, evidence.original_name)
    raise Http404("No such file.")


def _attachment(name: str, content_type: str, download_name: str) -> FileResponse:
    storage = private_files()
    if not storage.exists(name):
        raise Http404("No such file.")
    suffix = PurePosixPath(name).suffix
    if not PurePosixPath(download_name).suffix:
        download_name += suffix
    response = FileResponse(
        storage.open(name, "rb"),
        as_attachment=True,
        filename=download_name,
        content_type=content_type or mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    # Never rendered in the back office's origin, whatever the bytes claim to be.
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
