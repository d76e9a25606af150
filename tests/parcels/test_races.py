"""Two people at the counter hand over the same parcel at the same moment: the row lock
decides, one hand-over is recorded, and the other call finds it done. Wrong codes typed at
once never add up past the limit."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection

from logistics.parcels.models import StationParcel
from logistics.parcels.services import station_parcel_hand_over, station_parcel_log_in
from tests.parcels.conftest import counter_setup, last_code

pytestmark = pytest.mark.django_db(transaction=True)


def _together(calls) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = calls[i]()
        except (ValidationError, Exception) as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    return results


def _logged(counter):
    return station_parcel_log_in(
        station=counter.station,
        operator=counter.operator,
        carrier="zhongtong",
        waybill="ZT7800112233",
        recipient_phone="13800138000",
    )


def test_two_operators_hand_over_one_parcel_at_once(sms):
    counter = counter_setup()
    parcel = _logged(counter)
    code = last_code(sms)
    people = [counter.operator, counter.supermarket_operator]
    results = _together(
        [
            lambda who=who: station_parcel_hand_over(parcel=parcel, operator=who, code=code)
            for who in people
        ]
    )
    assert all(isinstance(r, StationParcel) for r in results), results
    parcel.refresh_from_db()
    assert parcel.status == "COLLECTED_BY_BUYER"
    # One of them did it; the other found it done (same time, same person on both answers).
    assert parcel.handed_over_by in people
    assert {r.handed_over_at for r in results} == {parcel.handed_over_at}
    assert {r.handed_over_by_id for r in results} == {parcel.handed_over_by_id}


def test_wrong_codes_at_once_stop_at_the_limit(sms, settings):
    settings.PICKUP_CODE_MAX_ATTEMPTS = 3
    counter = counter_setup()
    parcel = _logged(counter)
    wrong = "999999" if last_code(sms) != "999999" else "888888"
    results = _together(
        [lambda: station_parcel_hand_over(parcel=parcel, operator=counter.operator, code=wrong)] * 6
    )
    codes = sorted(r.error_dict["code"][0].code for r in results)  # type: ignore[union-attr]
    assert codes == ["invalid_pickup_code"] * 2 + ["pickup_locked"] * 4
    parcel.refresh_from_db()
    assert (parcel.pickup_failed_attempts, parcel.pickup_locked) == (3, True)
