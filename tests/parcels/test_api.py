"""The counter's parcels through GraphQL: who may, coded bad input, masking, query counts."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from logistics.parcels.services import station_parcel_log_in
from marketplace.accounts.models import Role
from tests import factories
from tests.api_logistics.conftest import count_queries, denied, gid
from tests.parcels.conftest import last_code

pytestmark = pytest.mark.django_db

LOG_IN = """
mutation($station: ID!, $carrier: String!, $waybill: String!, $phone: String!) {
  stationParcelLogIn(stationId: $station, carrier: $carrier, waybill: $waybill,
                     recipientPhone: $phone, recipientName: "王五", shelfSlot: "B-2") {
    loggedParcel { id waybill status recipientPhone recipientName shelfSlot }
    errors { field code message }
  }
}"""
HAND_OVER = """
mutation($id: ID!, $code: String!) {
  stationParcelHandOver(id: $id, pickupCode: $code) {
    loggedParcel { status pickupFailedAttempts } parcel { status } errors { field code }
  }
}"""
LIST = """
query($station: ID!, $first: Int) {
  stationLoggedParcels(stationId: $station, first: $first) {
    totalCount
    edges { node { id waybill status recipientPhone recipientName arrivedAt
                   station { name village { name } } } }
  }
}"""
DISPATCH = """
mutation($station: ID!, $request: UUID!, $fee: Decimal!, $waybill: String!,
         $destination: String) {
  stationParcelDispatch(stationId: $station, requestId: $request, carrier: "zhongtong",
                        waybill: $waybill, senderPhone: "13900139000", weightGrams: 800,
                        fee: $fee, destination: $destination) {
    dispatch { id waybill destination fee { amount currency } weight { value } }
    errors { field code }
  }
}"""


def open_till(counter) -> None:
    """Dispatch fees are cash into the hosting supermarket's till: open a shift for them."""
    from marketplace.red_supermarket.counter.services import till_shift_open

    till_shift_open(
        supermarket=counter.station.red_supermarket,
        operator=counter.supermarket_operator,
        float_amount="0.00",
    )


def _vars(counter, **kw):
    return {
        "station": gid("VillageStation", counter.station.pk),
        "carrier": "zhongtong",
        "waybill": kw.pop("waybill", "ZT7800112233"),
        "phone": kw.pop("phone", "13800138000"),
    }


def test_operator_logs_in_and_hands_over(gql, counter, sms, django_capture_on_commit_callbacks):
    gql.login(counter.operator)
    with django_capture_on_commit_callbacks(execute=True):
        body = gql.data(LOG_IN, _vars(counter))["stationParcelLogIn"]
    assert body["errors"] == []
    parcel = body["loggedParcel"]
    assert (parcel["status"], parcel["recipientPhone"], parcel["recipientName"]) == (
        "AT_STATION",
        "13800138000",
        "王五",
    )
    wrong = gql.data(HAND_OVER, {"id": parcel["id"], "code": "x"})["stationParcelHandOver"]
    assert wrong["errors"] == [{"field": "code", "code": "INVALID_PICKUP_CODE"}]
    right = gql.data(HAND_OVER, {"id": parcel["id"], "code": last_code(sms)})[
        "stationParcelHandOver"
    ]
    assert right["errors"] == [] and right["loggedParcel"]["status"] == "COLLECTED_BY_BUYER"
    assert right["parcel"] is None


def test_bad_input_gets_coded_errors(gql, counter, sms, django_capture_on_commit_callbacks):
    gql.login(counter.supermarket_operator)
    cases = [
        (dict(phone="12345"), "INVALID_PHONE", "recipientPhone"),
        (dict(waybill="ZT-1"), "INVALID_WAYBILL", "waybill"),
    ]
    for change, code, field in cases:
        body = gql.data(LOG_IN, _vars(counter, **change))["stationParcelLogIn"]
        assert body["errors"][0]["code"] == code and body["errors"][0]["field"] == field
        assert body["loggedParcel"] is None
    with django_capture_on_commit_callbacks(execute=True):
        assert gql.data(LOG_IN, _vars(counter))["stationParcelLogIn"]["errors"] == []
    again = gql.data(LOG_IN, _vars(counter))["stationParcelLogIn"]
    assert again["errors"][0]["code"] == "DUPLICATE_WAYBILL"
    bad_station = gql.data(LOG_IN, {**_vars(counter), "station": "junk"})["stationParcelLogIn"]
    assert bad_station["errors"][0]["code"] == "INVALID"
    open_till(counter)
    request = str(uuid.uuid4())
    variables = {
        "station": gid("VillageStation", counter.station.pk),
        "request": request,
        "waybill": "ZT5500000001",
    }
    bad_fee = gql.data(DISPATCH, {**variables, "fee": "-3"})["stationParcelDispatch"]
    assert bad_fee["errors"][0]["code"] == "INVALID_FEE"
    too_long = {**variables, "fee": "8.00", "destination": "村" * 129}
    assert gql.data(DISPATCH, too_long)["stationParcelDispatch"]["errors"] == [
        {"field": "destination", "code": "INVALID_DESTINATION"}
    ]
    sent = gql.data(DISPATCH, {**variables, "fee": "8.00", "destination": "昆明市五华区"})[
        "stationParcelDispatch"
    ]
    assert sent["errors"] == [] and sent["dispatch"]["fee"] == {"amount": 8.0, "currency": "CNY"}
    assert sent["dispatch"]["destination"] == "昆明市五华区"
    retried = gql.data(DISPATCH, {**variables, "fee": "8.00"})["stationParcelDispatch"]
    assert retried["dispatch"]["id"] == sent["dispatch"]["id"]


def test_others_are_refused(gql, counter, sms, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        parcel = station_parcel_log_in(
            station=counter.station,
            operator=counter.operator,
            carrier="zhongtong",
            waybill="ZT7800112233",
            recipient_phone="13800138000",
        )
    parcel_id = gid("LoggedParcel", parcel.pk)
    station_id = gid("VillageStation", counter.station.pk)
    buyer = factories.user()
    for caller in (None, buyer, counter.other_station.operator):
        gql.headers.clear()
        if caller is not None:
            gql.login(caller)
        assert denied(gql(LOG_IN, _vars(counter, waybill="ZT0000000009")))
        assert denied(gql(HAND_OVER, {"id": parcel_id, "code": last_code(sms)}))
        assert denied(gql(LIST, {"station": station_id, "first": 5}))
    parcel.refresh_from_db()
    assert parcel.status == "AT_STATION" and parcel.pickup_failed_attempts == 0


def test_list_masks_for_officers_and_costs_the_same_for_1_and_many(gql, counter):
    for i in range(6):
        station_parcel_log_in(
            station=counter.station,
            operator=counter.operator,
            carrier="zhongtong",
            waybill=f"ZT78000000{i:02d}",
            recipient_phone="13800138000",
            recipient_name="李小红",
        )
    station_id = gid("VillageStation", counter.station.pk)
    gql.login(counter.operator)
    few, one = count_queries(gql, LIST, {"station": station_id, "first": 1})
    many, all_ = count_queries(gql, LIST, {"station": station_id, "first": 100})
    assert len(one["stationLoggedParcels"]["edges"]) == 1
    assert len(all_["stationLoggedParcels"]["edges"]) == 6
    assert few == many
    assert all_["stationLoggedParcels"]["edges"][0]["node"]["recipientPhone"] == "13800138000"

    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.station.village.township
    )
    gql.login(officer)
    node = gql.data(LIST, {"station": station_id, "first": 1})["stationLoggedParcels"]["edges"][0][
        "node"
    ]
    assert (node["recipientPhone"], node["recipientName"]) == ("138****8000", "李**")


def test_a_dispatch_fee_goes_into_the_till_once_with_a_receipt(gql, counter):
    from collective_econ.ledger.selectors import account_balance
    from collective_econ.ledger.services import account_get_or_create
    from collective_econ.models import AccountKind, JournalTransaction
    from marketplace.red_supermarket.models import Receipt

    open_till(counter)
    gql.login(counter.supermarket_operator)
    village = counter.station.red_supermarket.shop.village
    till = account_get_or_create(kind=AccountKind.CASH_TILL, owner=village)
    variables = {
        "station": gid("VillageStation", counter.station.pk),
        "request": str(uuid.uuid4()),
        "waybill": "ZT5500000002",
        "fee": "12.50",
    }
    for _ in range(2):  # the counter's retried submit repeats neither cash nor receipt
        body = gql.data(DISPATCH, variables)["stationParcelDispatch"]
        assert body["errors"] == []
    assert account_balance(account=till) == Decimal("12.50")
    assert JournalTransaction.objects.filter(kind="AGENCY_SERVICE").count() == 1
    (receipt,) = Receipt.objects.filter(reference__startswith="parcel-dispatch:")
    assert receipt.total == Decimal("12.50") and receipt.payment_method == "CASH"
    # A refused dispatch takes no money.
    refused = gql.data(DISPATCH, {**variables, "request": str(uuid.uuid4()), "fee": "-1"})
    assert refused["stationParcelDispatch"]["errors"][0]["code"] == "INVALID_FEE"
    assert account_balance(account=till) == Decimal("12.50")


DISPATCH_WITH_RECEIPT = """
mutation($station: ID!, $request: UUID!, $fee: Decimal!, $waybill: String!, $phone: String!) {
  stationParcelDispatch(stationId: $station, requestId: $request, carrier: "zhongtong",
                        waybill: $waybill, senderPhone: $phone, weightGrams: 800, fee: $fee) {
    dispatch { id waybill fee { amount } } receipt { number total { amount } printUrl }
    errors { field code }
  }
}"""


def _dispatch_vars(counter, **kw):
    return {
        "station": gid("VillageStation", counter.station.pk),
        "request": kw.pop("request", str(uuid.uuid4())),
        "waybill": kw.pop("waybill", "ZT5500000009"),
        "phone": kw.pop("phone", "13900139000"),
        "fee": kw.pop("fee", "8.00"),
    }


def test_the_dispatch_answers_its_receipt_and_a_retry_the_same_one(gql, counter):
    from marketplace.red_supermarket.models import Receipt

    open_till(counter)
    gql.login(counter.supermarket_operator)
    variables = _dispatch_vars(counter)
    first = gql.data(DISPATCH_WITH_RECEIPT, variables)["stationParcelDispatch"]
    again = gql.data(DISPATCH_WITH_RECEIPT, variables)["stationParcelDispatch"]
    assert first["errors"] == [] and again == first
    assert first["receipt"]["total"]["amount"] == 8.0
    assert first["receipt"]["number"] == Receipt.objects.get().number
    # Free dispatches print nothing.
    free = gql.data(DISPATCH_WITH_RECEIPT, _dispatch_vars(counter, waybill="ZT5500000010", fee="0"))
    assert free["stationParcelDispatch"]["errors"] == []
    assert free["stationParcelDispatch"]["receipt"] is None
    assert Receipt.objects.count() == 1


def test_a_dispatch_is_refused_to_other_stations_and_township_staff(gql, counter):
    from logistics.parcels.models import ParcelDispatch

    elsewhere = factories.shop()
    factories.red_supermarket(shop_obj=elsewhere)
    other_operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=elsewhere)
    officer = factories.user(
        role=Role.TOWNSHIP_OFFICER, township_obj=counter.station.village.township
    )
    for user in (None, officer, other_operator, counter.other_station.operator):
        gql.headers.clear()
        if user is not None:
            gql.login(user)
        assert denied(gql(DISPATCH_WITH_RECEIPT, _dispatch_vars(counter))), user
    assert not ParcelDispatch.objects.exists()


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"waybill": "12"}, "waybill", "INVALID_WAYBILL"),
        ({"phone": "12345"}, "senderPhone", "INVALID_PHONE"),
        ({"fee": "1.005"}, "fee", "INVALID_FEE"),
    ],
)
def test_bad_dispatch_input_is_a_coded_error_with_nothing_taken(gql, counter, change, field, code):
    from marketplace.red_supermarket.models import Receipt

    open_till(counter)
    gql.login(counter.supermarket_operator)
    body = gql.data(DISPATCH_WITH_RECEIPT, _dispatch_vars(counter, **change))
    answer = body["stationParcelDispatch"]
    assert answer["dispatch"] is None and answer["receipt"] is None
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [(field, code)]
    assert not Receipt.objects.exists()


def test_a_fee_needs_the_till_open_and_a_retry_after_it_closed_takes_nothing(gql, counter):
    from logistics.parcels.models import ParcelDispatch
    from marketplace.red_supermarket.counter.services import till_shift_close
    from marketplace.red_supermarket.models import Receipt, TillShift

    gql.login(counter.supermarket_operator)
    closed = gql.data(DISPATCH_WITH_RECEIPT, _dispatch_vars(counter))["stationParcelDispatch"]
    assert [(e["field"], e["code"]) for e in closed["errors"]] == [("fee", "NO_OPEN_SHIFT")]
    assert not ParcelDispatch.objects.exists() and not Receipt.objects.exists()
    # A free dispatch takes no cash and needs no till.
    free = _dispatch_vars(counter, waybill="ZT5500000020", fee="0")
    assert gql.data(DISPATCH_WITH_RECEIPT, free)["stationParcelDispatch"]["errors"] == []

    open_till(counter)
    variables = _dispatch_vars(counter, waybill="ZT5500000021")
    sent = gql.data(DISPATCH_WITH_RECEIPT, variables)["stationParcelDispatch"]
    assert sent["errors"] == [] and sent["receipt"] is not None
    shift = TillShift.objects.get(status="OPEN")
    closed_shift = till_shift_close(
        shift=shift, operator=counter.supermarket_operator, counted_amount="8.00"
    )
    assert closed_shift.expected_amount == Decimal("8.00")  # the shift counted the fee
    # The answer was lost and the page retries after the till closed: the same dispatch.
    retried = gql.data(DISPATCH_WITH_RECEIPT, variables)["stationParcelDispatch"]
    assert retried == sent
    assert Receipt.objects.filter(reference__startswith="parcel-dispatch:").count() == 1
