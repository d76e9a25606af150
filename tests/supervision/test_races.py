"""Concurrency against the real PostgreSQL: two officers deciding one claim at once, and
concurrent logins counted on one activity row."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from marketplace.activity.models import AdministratorActivityDay
from marketplace.activity.services import activity_record_login
from marketplace.supervision.claims import claim_decide
from marketplace.supervision.models import ClaimEvent, ClaimStatus
from tests import factories
from tests.supervision.world import build_town, file_claim

pytestmark = pytest.mark.django_db(transaction=True)


def _race(workers: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = workers[index]()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_officers_deciding_one_claim_at_once_decide_it_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    town = build_town()
    second_officer = factories.user(role="TOWNSHIP_OFFICER", township_obj=town.township)
    claim = file_claim(town.managers[0], factories.product(shop_obj=town.shops[0]))
    results = _race(
        [
            lambda: claim_decide(officer=town.officer, claim=claim, approve=True, reason="同意"),
            lambda: claim_decide(officer=second_officer, claim=claim, approve=False, reason="驳回"),
        ]
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1, results
    claim.refresh_from_db()
    assert claim.status in (ClaimStatus.APPROVED, ClaimStatus.REJECTED)
    assert ClaimEvent.objects.filter(claim=claim).exclude(to_status="PENDING").count() == 1


def test_concurrent_logins_are_all_counted():
    user = factories.user()
    _race([lambda: activity_record_login(user_id=user.pk) for _ in range(6)])
    assert AdministratorActivityDay.objects.get(user=user).logins == 6
