"""`ledgerAccounts` and `ledgerTransactions`: who may list which books, and the filters.

A platform admin lists every account; a shop manager those of their village (its
collective, funds, till, shop and households); a bureau officer those of the villages of
their townships (a county officer: the county's). Anyone else is refused before anything
is looked up.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from collective_econ.error_codes import StatementErrorCode
from collective_econ.ledger.selectors import account_list, transaction_list
from collective_econ.models import Account, JournalTransaction
from marketplace.accounts.permissions import can_read_any_books, role_scopes
from marketplace.divisions.models import Village
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_id


def refused(message: str, code: StatementErrorCode, field: str | None = None) -> ApiError:
    return ApiError(message, code=code.name, field=field)


def visible_village_ids(info: Any) -> set[int] | None:
    """The villages whose books the caller reads (None: all, for a platform admin). Also
    kept on the request, where the postings loader hides legs on other books."""
    user = info.context.user
    if not can_read_any_books(user=user):
        raise refused(
            "The ledger is for shop managers, bureau officers and platform admins"
            + (": log in." if not user.is_authenticated else "."),
            StatementErrorCode.PERMISSION_DENIED,
        )
    scopes = role_scopes(user)
    if scopes.is_platform_admin:
        ids = None
    else:
        ids = set(scopes.managed_village_ids) | set(
            Village.objects.filter(township_id__in=scopes.overseen_township_ids).values_list(
                "pk", flat=True
            )
        )
    info.context._ledger_village_ids = ids
    return ids


def _optional_id(raw: Any, *, expected_type: str, field: str) -> int | None:
    return None if raw is None else decode_id(raw, expected_type=expected_type, field=field)


def _value(raw: Any) -> Any:
    return None if raw is None else getattr(raw, "value", raw)


def ledger_account_list(info: Any, *, filter: Any) -> QuerySet[Account]:
    village_ids = visible_village_ids(info)
    filter = filter or {}
    return account_list(
        village_ids=village_ids,
        kind=_value(filter.get("kind")),
        village_id=_optional_id(filter.get("village"), expected_type="Village", field="village"),
        household_id=_optional_id(
            filter.get("household"), expected_type="Household", field="household"
        ),
        shop_id=_optional_id(filter.get("shop"), expected_type="Shop", field="shop"),
    )


def ledger_transaction_list(info: Any, *, filter: Any) -> QuerySet[JournalTransaction]:
    village_ids = visible_village_ids(info)
    filter = filter or {}
    posted_from, posted_to = filter.get("posted_from"), filter.get("posted_to")
    if posted_from is not None and posted_to is not None and posted_from > posted_to:
        raise refused(
            "postedFrom is after postedTo.", StatementErrorCode.INVALID_FILTER, "postedFrom"
        )
    return transaction_list(
        village_ids=village_ids,
        kind=_value(filter.get("kind")),
        account_id=_optional_id(
            filter.get("account"), expected_type="LedgerAccount", field="account"
        ),
        village_id=_optional_id(filter.get("village"), expected_type="Village", field="village"),
        posted_from=posted_from,
        posted_to=posted_to,
        order_line_id=_optional_id(
            filter.get("order_line"), expected_type="OrderLine", field="orderLine"
        ),
    )
