"""Manual review: how staff settle an agency order or a cash withdrawal that the queries
could not (status MANUAL_REVIEW).

Township officers of the supermarket's township and platform admins may resolve; the
operator who took the order may not resolve their own, whatever other role they hold, so
the person who handled the cash is never the one who decides it was refunded. The provider
is asked once more first: a settled answer that contradicts staff's decision is refused
(PROVIDER_DISAGREES) rather than overridden, since the provider holds the money. The
resolution then settles the row the same way a provider answer would (SUCCESS posts
nothing more, FAILED reverses the payment and prints the refund) and writes a
`ManualReviewResolution`, one-to-one with its subject: resolving twice is a coded error
(ALREADY_RESOLVED), never a second refund.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.accounts.permissions import role_scopes
from marketplace.agency import orders, withdrawals
from marketplace.agency.error_codes import AgencyErrorCode
from marketplace.agency.models import (
    AgencyOrder,
    CashWithdrawal,
    ManualReviewResolution,
    OrderStatus,
    ReviewOutcome,
    WithdrawalStatus,
)
from marketplace.agency.outcomes import Outcome, query_outcome
from marketplace.agency.providers.base import ProviderAdapter
from marketplace.core.errors import PermissionRefused, refuse
from marketplace.red_supermarket.models import RedSupermarket

ReviewSubject = AgencyOrder | CashWithdrawal


def can_resolve_manual_review(*, user: User | None, subject: ReviewSubject) -> bool:
    """Township staff of the subject's township, or a platform admin; never its operator."""
    if user is None or subject.operator_id == user.pk:
        return False
    scopes = role_scopes(user)
    supermarket: RedSupermarket = subject.supermarket
    return scopes.is_platform_admin or supermarket.shop.village.township_id in scopes.township_ids


@dataclass(frozen=True)
class _Kind:
    """What differs between orders and withdrawals; everything else is shared."""

    model: type[AgencyOrder] | type[CashWithdrawal]
    review_status: str
    subject_field: str
    adapter_for: Callable[[Any], ProviderAdapter]
    settle: Callable[..., Any]


def _kind(subject: ReviewSubject) -> _Kind:
    if isinstance(subject, AgencyOrder):
        return _Kind(
            model=AgencyOrder,
            review_status=OrderStatus.MANUAL_REVIEW,
            subject_field="order",
            adapter_for=lambda order: orders.provider_adapter(order, None),
            settle=lambda pk, **kw: orders.agency_order_resolve(order_pk=pk, **kw),
        )
    return _Kind(
        model=CashWithdrawal,
        review_status=WithdrawalStatus.MANUAL_REVIEW,
        subject_field="withdrawal",
        adapter_for=lambda _: withdrawals.provider_adapter(None),
        settle=lambda pk, **kw: withdrawals.cash_withdrawal_resolve(withdrawal_pk=pk, **kw),
    )


def _refuse_settled(subject: ReviewSubject) -> Exception:
    if ManualReviewResolution.objects.filter(**{_kind(subject).subject_field: subject}).exists():
        return refuse("id", "This review was already resolved.", AgencyErrorCode.ALREADY_RESOLVED)
    return refuse(
        "id",
        f"Only a row in manual review can be resolved; this one is {subject.status}.",
        AgencyErrorCode.NOT_IN_REVIEW,
    )


def check_manual_review_resolve(
    *, subject: ReviewSubject, user: User, outcome: str, reason: str
) -> tuple[str, str]:
    """Validate a resolution; returns the outcome and the cleaned reason."""
    if not can_resolve_manual_review(user=user, subject=subject):
        if subject.operator_id == user.pk:
            raise PermissionRefused("The operator who took the order may not resolve it.")
        raise PermissionRefused("Only township staff or a platform admin resolve reviews.")
    if outcome not in ReviewOutcome.values:
        raise refuse("outcome", f"{outcome!r}: SUCCESS or FAILED.", AgencyErrorCode.INVALID)
    cleaned = (reason or "").strip()
    if not cleaned:
        raise refuse("reason", "Say why it is resolved this way.", AgencyErrorCode.REQUIRED)
    if len(cleaned) > 255:
        raise refuse("reason", "At most 255 characters.", AgencyErrorCode.INVALID_FIELD)
    if subject.status != _kind(subject).review_status:
        raise _refuse_settled(subject)
    return outcome, cleaned


def manual_review_resolve(
    *,
    subject: ReviewSubject,
    user: User,
    outcome: str,
    reason: str,
    adapter: ProviderAdapter | None = None,
) -> ManualReviewResolution:
    """Resolve `subject` (in MANUAL_REVIEW) to `outcome` after asking the provider again."""
    outcome, cleaned = check_manual_review_resolve(
        subject=subject, user=user, outcome=outcome, reason=reason
    )
    kind = _kind(subject)
    seen = query_outcome(adapter or kind.adapter_for(subject), request_id=subject.request_id)
    if seen.settled and seen.status != outcome:
        raise refuse(
            "outcome",
            f"The provider reports {seen.status} ({seen.reason or 'no reason given'}): "
            "resolve it that way or take it up with the provider.",
            AgencyErrorCode.PROVIDER_DISAGREES,
        )
    return do_manual_review_resolve(
        subject=subject, user=user, outcome=outcome, reason=cleaned, seen=seen
    )


@transaction.atomic
def do_manual_review_resolve(
    *, subject: ReviewSubject, user: User, outcome: str, reason: str, seen: Outcome
) -> ManualReviewResolution:
    """Holds the subject's row lock from the status check to the settlement, so of two
    resolvers at once the second finds the first's resolution and is refused."""
    kind = _kind(subject)
    locked = kind.model.objects.select_for_update().get(pk=subject.pk)
    if locked.status != kind.review_status:
        raise _refuse_settled(locked)
    resolution = ManualReviewResolution.objects.create(
        **{kind.subject_field: locked},
        outcome=outcome,
        reason=reason,
        provider_status=seen.status[:16],
        resolved_by=user,
    )
    kind.settle(
        locked.pk,
        status=outcome,
        provider_order_no=seen.provider_order_no,
        reason=f"人工复核 / manual review: {reason}",
        actor=user,
    )
    return resolution
