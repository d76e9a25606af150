"""Looking up checkouts for a caller: which argument names the checkout, and who may see it.

Ownership: a checkout with a user answers only that user; anyone else gets the same
NOT_FOUND as for a checkout that does not exist (nothing tells them it is there). An
anonymous checkout answers whoever holds its token.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError

from marketplace.checkout import selectors as checkout_selectors
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout
from storefront_api.core.errors import ApiError
from storefront_api.core.ids import decode_uuid_id


def not_found(field: str = "id") -> ValidationError:
    return ValidationError(
        {
            field: ValidationError(
                "Couldn't find a checkout with this id.", code=CheckoutErrorCode.NOT_FOUND.value
            )
        }
    )


def _caller_may_use(info: Any, checkout: Checkout) -> bool:
    user = info.context.user
    return checkout.user_id is None or (user.is_authenticated and checkout.user_id == user.pk)


def _one_checkout_argument(**given: Any) -> str | None:
    """The message refusing more than one way of naming the checkout, as Saleor refuses it
    (one of them would otherwise be ignored unchecked), or None."""
    named = [name for name, value in given.items() if value is not None]
    if len(named) > 1:
        return f"Argument '{named[0]}' cannot be combined with '{named[1]}'."
    return None


def checkout_token_of(
    *, id: str | None = None, token: UUID | str | None = None, checkout_id: str | None = None
) -> UUID:
    """The token an `id` / `checkoutId` (global ID) or `token` argument names; refuses with
    a CheckoutError (never a failed request) when none is given, more than one is, or it is
    malformed."""
    combined = _one_checkout_argument(id=id, checkoutId=checkout_id, token=token)
    if combined:
        raise ValidationError(
            {"id": ValidationError(combined, code=CheckoutErrorCode.GRAPHQL_ERROR.value)}
        )
    global_id = id or checkout_id
    if global_id:
        found = decode_uuid_id(global_id, expected_type="Checkout")
        if found is None:
            raise ValidationError(
                {
                    "id": ValidationError(
                        f"Couldn't resolve to a node: {global_id}",
                        code=CheckoutErrorCode.GRAPHQL_ERROR.value,
                    )
                }
            )
        return found
    if token:
        try:
            return token if isinstance(token, UUID) else UUID(str(token))
        except ValueError:
            raise not_found("token") from None
    raise ValidationError(
        {
            "id": ValidationError(
                "Give the checkout's `id`.", code=CheckoutErrorCode.GRAPHQL_ERROR.value
            )
        }
    )


def checkout_for_mutation(info: Any, *, include_completed: bool = False, **ids: Any) -> Checkout:
    """The caller's checkout for a mutation, or a NOT_FOUND refusal. Completed checkouts are
    found only for `checkoutComplete`, which answers them with their order."""
    token = checkout_token_of(**ids)
    if include_completed:
        checkout = Checkout.objects.filter(pk=token).first()
    else:
        checkout = checkout_selectors.checkout_get(token=token)
    if checkout is None or not _caller_may_use(info, checkout):
        raise not_found()
    return checkout


def checkout_for_query(info: Any, *, id: str | None, token: UUID | None) -> Checkout | None:
    """`checkout(id)`: the caller's open checkout, or null (missing, completed, or not theirs)."""
    combined = _one_checkout_argument(id=id, token=token)
    if combined:
        raise ApiError(combined, code="GRAPHQL_ERROR", field="id")
    if id:
        found = decode_uuid_id(id, expected_type="Checkout")
        if found is None:
            raise ApiError(f"Couldn't resolve to a node: {id}", code="GRAPHQL_ERROR", field="id")
        token = found
    if token is None:
        raise ApiError("Give the checkout's `id`.", code="GRAPHQL_ERROR", field="id")
    checkout = checkout_selectors.checkout_get(token=token)
    if checkout is None or not _caller_may_use(info, checkout):
        return None
    return checkout
