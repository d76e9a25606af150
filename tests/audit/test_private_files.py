"""Letters (公函) and certification evidence carry personal data: they are stored outside
MEDIA_ROOT, so /media/ never serves them, and the one download view hands a file only to
readers its owning domain allows, logging every letter read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from marketplace.accounts.models import User
from marketplace.audit.models import AuditAction, AuditEntry
from tests import factories
from tests.audit.conftest import PDF, Place, file_request
from tests.supervision.world import build_town, file_claim

pytestmark = pytest.mark.django_db


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        client.force_login(user)
    return client


def _download(user: User | None, url: str) -> Any:
    return _client(user).get(url)


def test_a_letter_is_kept_outside_media_and_not_served_there(place: Place) -> None:
    letter = file_request(requester=place.requester, households=[place.hx]).letter
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / letter.name
    assert stored.read_bytes() == PDF
    assert not (Path(settings.MEDIA_ROOT) / letter.name).exists()
    assert Client().get(f"/media/{letter.name}").status_code == 404
    # The name says nothing a reader could guess from the request's number alone.
    assert Path(letter.name).name != f"request-{letter.instance.pk}.pdf"
    assert letter.url == f"/admin/private-files/{letter.name}"


def test_the_requester_and_the_townships_officer_read_it_and_the_read_is_logged(
    place: Place,
) -> None:
    data_request = file_request(requester=place.requester, households=[place.hx])
    url = data_request.letter.url
    for reader in (place.requester, place.officer_own, place.platform_admin):
        response = _download(reader, url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
    reads = AuditEntry.objects.filter(
        action=AuditAction.PERSONAL_DATA_READ, request_id=data_request.pk
    )
    assert sorted(reads.values_list("actor_id", flat=True)) == sorted(
        [place.requester.pk, place.officer_own.pk, place.platform_admin.pk]
    )


@pytest.mark.parametrize(
    "role", ["officer_other", "manager_own", "buyer", "county_other", "station_operator"]
)
def test_anyone_else_gets_not_found_and_nothing_is_logged(place: Place, role: str) -> None:
    data_request = file_request(requester=place.requester, households=[place.hx])
    before = AuditEntry.objects.count()
    assert _download(getattr(place, role), data_request.letter.url).status_code == 404
    assert AuditEntry.objects.count() == before


def test_an_anonymous_reader_is_sent_to_the_login_page(place: Place) -> None:
    data_request = file_request(requester=place.requester, households=[place.hx])
    response = Client().get(data_request.letter.url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_claim_evidence_goes_to_its_shop_and_its_townships_officers_only(
    settings: Any, tmp_path: Path
) -> None:
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    town = build_town()
    product = factories.product(shop_obj=town.shops[0])
    claim = file_claim(town.managers[0], product)
    evidence = claim.evidence.get()
    assert Client().get(f"/media/{evidence.file.name}").status_code == 404
    for reader in (town.managers[0], town.officer, town.county_officer, town.admin):
        response = _download(reader, evidence.file.url)
        assert response.status_code == 200, reader
        assert response["Content-Disposition"].startswith("attachment")
    for outsider in (town.managers[1], town.other_officer, town.buyer, town.operator):
        assert _download(outsider, evidence.file.url).status_code == 404, outsider


def test_a_name_that_belongs_to_no_file_is_not_found(place: Place) -> None:
    response = _download(place.platform_admin, "/admin/private-files/audit/letters/none.pdf")
    assert response.status_code == 404
