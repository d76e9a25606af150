"""Settling a sold line into the ledger, and clawing it back after a refund.

A line's settlement is one journal transaction (key "settle:orderline:<pk>"):

    Dr  SHOP                           what the buyer paid for the line (received for the
                                       shop when it was paid; ALIPAY_CLEARING or CASH_TILL
                                       for a payment charged before receipts were posted)
    Cr  LOGISTICS_PAYABLE              the shop order's shipping (carried by its first line)
    Cr  PLATFORM_FEES                  the channel's fee rate × the line's price
    Cr  HOUSEHOLD                      consignment: price − fee − the agreed commission
    Cr  VILLAGE_COLLECTIVE             the commission, or (collective line) price − fee

"The line's price" is its total less its share of the shop order's discount (shares by
largest remainder, so the lines of a shop order add up to what the buyer paid to the fen).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from collective_econ.error_codes import SettlementErrorCode
from collective_econ.ledger.selectors import account_balance
from collective_econ.ledger.services import (
    Leg,
    account_get_or_create,
    journal_post,
    parse_amount,
    split_by_weight,
)
from collective_econ.models import (
    Account,
    AccountKind,
    ConsignmentAgreement,
    JournalKind,
    JournalTransaction,
    PlatformFeeRate,
    Posting,
)
from collective_econ.settlement.selectors import line_is_due
from marketplace.accounts.permissions import role_scopes
from marketplace.audit.models import AuditAction
from marketplace.audit.services import audit_record
from marketplace.channels.models import Channel
from marketplace.core.errors import refuse
from marketplace.orders.models import OrderLine, ShopOrder
from marketplace.payments.ledger import payment_received_key
from marketplace.payments.models import (
    GatewayId,
    Refund,
    RefundStatus,
    TransactionItem,
    TransactionStatus,
)

if TYPE_CHECKING:
    from marketplace.accounts.models import User

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def _rate(raw: object, *, what: str) -> Decimal:
    try:
        rate = Decimal(str(raw))
    except ArithmeticError:
        rate = Decimal("-1")
    if not rate.is_finite() or not (0 <= rate <= 1):
        raise refuse(
            "rate",
            f"{what} {raw!r} is not a fraction between 0 and 1.",
            SettlementErrorCode.INVALID_RATE,
        )
    return rate


def default_platform_fee_rate(*, channel_slug: str) -> Decimal:
    """The environment's rate: the schedule's default while a channel has no row."""
    raw = settings.PLATFORM_FEE_RATES.get(channel_slug, settings.PLATFORM_FEE_DEFAULT_RATE)
    return _rate(raw, what=f"The platform fee of channel {channel_slug}")


def platform_fee_rate(*, channel_slug: str, on: date | None = None) -> Decimal:
    """The rate in force on `on` (the day the order was placed; default today)."""
    scheduled = (
        PlatformFeeRate.objects.filter(
            channel__slug=channel_slug, effective_from__lte=on or timezone.localdate()
        )
        .order_by("-effective_from")
        .values_list("rate", flat=True)
        .first()
    )
    if scheduled is not None:
        return scheduled
    return default_platform_fee_rate(channel_slug=channel_slug)


@transaction.atomic
def platform_fee_rate_set(
    *, actor: User | None, channel_slug: Any, rate: Any, effective_from: date
) -> PlatformFeeRate:
    """A platform admin sets `channel`'s fee from `effective_from` (today or later: a line
    already settled keeps the rate it settled at). Audited."""
    if actor is None or not role_scopes(actor).is_platform_admin:
        raise refuse(
            "channel",
            "Only platform admins set the fee schedule.",
            SettlementErrorCode.NOT_PERMITTED,
        )
    channel = Channel.objects.filter(slug=str(channel_slug)).first()
    if channel is None:
        raise refuse(
            "channel", f"There is no channel {channel_slug!r}.", SettlementErrorCode.NOT_FOUND
        )
    parsed = _rate(rate, what="The platform fee")
    if effective_from < timezone.localdate():
        raise refuse(
            "effective_from",
            "A fee takes effect today or later: lines already settled keep their rate.",
            SettlementErrorCode.INVALID_PERIOD,
        )
    if PlatformFeeRate.objects.filter(channel=channel, effective_from=effective_from).exists():
        raise refuse(
            "effective_from",
            f"Channel {channel.slug} already has a fee from {effective_from}.",
            SettlementErrorCode.ALREADY_EXISTS,
        )
    row = PlatformFeeRate.objects.create(
        channel=channel, rate=parsed, effective_from=effective_from, created_by=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.PLATFORM_FEE_SET,
        target=row,
        details={
            "channel": channel.slug,
            "rate": str(parsed),
            "effective_from": effective_from.isoformat(),
        },
    )
    return row


def consignment_commission_rate(*, shop_id: int, household_id: int, on: datetime) -> Decimal:
    agreement = (
        ConsignmentAgreement.objects.filter(
            shop_id=shop_id, household_id=household_id, effective_from__lte=on.date()
        )
        .order_by("-effective_from")
        .values_list("commission_rate", flat=True)
        .first()
    )
    if agreement is not None:
        return agreement
    return default_commission_rate()


def default_commission_rate() -> Decimal:
    return _rate(settings.CONSIGNMENT_DEFAULT_COMMISSION_RATE, what="The default commission")


def _payment_account(*, shop_order: ShopOrder) -> Account:
    """The account a line's settlement takes the buyer's money from. The order's largest
    charged payment decides (as ever): when it was posted as received for the shops
    (`marketplace.payments.ledger`), the money already sits on the shop's SHOP account;
    a payment charged before that posting existed still sits where it came in: the
    village's cash till for cash at the counter, Alipay clearing otherwise (the demo
    gateway, which moves no money, stands in for Alipay)."""
    of_order = Q(order_id=shop_order.order_id)
    if shop_order.order.checkout_token is not None:
        # Paid before checkoutComplete, an attempt names only its checkout.
        of_order |= Q(checkout_id=shop_order.order.checkout_token)
    charged = (
        TransactionItem.objects.filter(of_order, status=TransactionStatus.CHARGED)
        .order_by("-charged_amount", "pk")
        .values_list("pk", "gateway_id")
        .first()
    )
    if charged is None:
        raise refuse("line", "The order has no charged payment.", SettlementErrorCode.NOT_DUE)
    transaction_id, gateway = charged
    if JournalTransaction.objects.filter(
        idempotency_key=payment_received_key(transaction_id)
    ).exists():
        return account_get_or_create(kind=AccountKind.SHOP, owner=shop_order.shop)
    if gateway == GatewayId.CASH:
        return account_get_or_create(kind=AccountKind.CASH_TILL, owner=shop_order.shop.village)
    return account_get_or_create(kind=AccountKind.ALIPAY_CLEARING)


@dataclass(frozen=True)
class LineSplit:
    """Where one line's money goes (all >= 0; `household` is None for a collective line).
    The one place the split is computed, for the single-line and the batch settlers."""

    payment: Decimal
    shipping: Decimal
    fee: Decimal
    household: Decimal | None
    collective: Decimal


def line_split(
    *,
    price: Decimal,
    shipping: Decimal,
    fee_rate: Decimal,
    commission_rate: Decimal | None,
) -> LineSplit:
    """`price` is the line's total less its discount share; `commission_rate` is None for
    a collective line."""
    fee = (price * fee_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    net = price - fee
    if commission_rate is None:
        return LineSplit(price + shipping, shipping, fee, None, net)
    commission = min(net, (price * commission_rate).quantize(CENT, rounding=ROUND_HALF_UP))
    return LineSplit(price + shipping, shipping, fee, net - commission, commission)


def split_legs(
    split: LineSplit,
    *,
    payment: Account,
    logistics: Account,
    fees: Account,
    collective: Account,
    household: Account | None,
) -> list[Leg]:
    """The legs of a split in posting order (zero legs are dropped by `check_legs`)."""
    legs = [Leg(payment, split.payment), Leg(logistics, -split.shipping), Leg(fees, -split.fee)]
    if split.household is not None:
        assert household is not None
        legs.append(Leg(household, -split.household))
    legs.append(Leg(collective, -split.collective))
    return legs


def settlement_legs(*, line: OrderLine) -> list[Leg]:
    shop_order = line.shop_order
    siblings = list(
        OrderLine.objects.filter(shop_order_id=shop_order.pk)
        .order_by("pk")
        .values_list("pk", "total_price_amount")
    )
    discounts = split_by_weight(shop_order.discount_amount, [total for _, total in siblings])
    index = [pk for pk, _ in siblings].index(line.pk)
    commission_rate = None
    household = None
    if line.beneficiary_household_id is not None:
        commission_rate = consignment_commission_rate(
            shop_id=shop_order.shop_id,
            household_id=line.beneficiary_household_id,
            on=shop_order.order.created_at,
        )
        household = account_get_or_create(
            kind=AccountKind.HOUSEHOLD, owner=line.beneficiary_household
        )
    split = line_split(
        price=line.total_price_amount - discounts[index],
        shipping=shop_order.shipping_amount if index == 0 else ZERO,
        fee_rate=platform_fee_rate(
            channel_slug=shop_order.order.channel.slug,
            on=timezone.localdate(shop_order.order.created_at),
        ),
        commission_rate=commission_rate,
    )
    return split_legs(
        split,
        payment=_payment_account(shop_order=shop_order),
        logistics=account_get_or_create(kind=AccountKind.LOGISTICS_PAYABLE),
        fees=account_get_or_create(kind=AccountKind.PLATFORM_FEES),
        collective=account_get_or_create(
            kind=AccountKind.VILLAGE_COLLECTIVE, owner=shop_order.shop.village
        ),
        household=household,
    )


def settlement_key(line_id: int) -> str:
    return f"settle:orderline:{line_id}"


@transaction.atomic
def order_line_settle(
    *, line: OrderLine, now: datetime | None = None
) -> tuple[JournalTransaction, bool]:
    """Settle one line: post its settlement once (created=True), or return the one already
    posted (created=False) and post nothing. Refused with NOT_DUE unless the line is paid,
    delivered (or its stay over) and past the refund window.

    Locks the order line row first: two settlers of one line queue on it, and the second
    finds the first one's transaction. The idempotency key's UNIQUE index backs that up.
    """
    locked = (
        OrderLine.objects.select_for_update(of=("self",))
        .select_related(
            "shop_order__order__channel", "shop_order__shop__village", "beneficiary_household"
        )
        .get(pk=line.pk)
    )
    existing = JournalTransaction.objects.filter(idempotency_key=settlement_key(locked.pk)).first()
    if existing is not None:
        return existing, False
    if not line_is_due(line_id=locked.pk, now=now or timezone.now()):
        raise refuse(
            "line", f"Line {locked.pk} is not due for settlement.", SettlementErrorCode.NOT_DUE
        )
    return journal_post(
        kind=JournalKind.SETTLEMENT,
        idempotency_key=settlement_key(locked.pk),
        legs=settlement_legs(line=locked),
        memo=f"Settlement of {locked}",
        order_line_id=locked.pk,
    )


def _clawed_back(*, line_id: int, payment_account_id: int) -> Decimal:
    total = Posting.objects.filter(
        transaction__order_line_id=line_id,
        transaction__kind=JournalKind.CLAWBACK,
        account_id=payment_account_id,
    ).aggregate(t=Sum("amount"))["t"]
    return -(total or ZERO)


@transaction.atomic
def order_line_clawback(
    *, line: OrderLine, amount: object, key: str
) -> tuple[JournalTransaction, bool]:
    """Take back `amount` of a settled line (a refund paid to the buyer) from the same
    accounts, in proportion to how it was settled. Idempotent per `key`.

    A household is never taken below zero: when what the ledger still owes it is less than
    its share (it was paid out meanwhile), the rest is debited to its HOUSEHOLD_RECEIVABLE
    account, which flags the money it owes back. Locks the line, then the household's
    payable account, so a concurrent clawback or payout cannot both see the same balance.
    """
    value = parse_amount(amount, positive=True)
    full_key = f"clawback:{key}"
    locked = OrderLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
    existing = JournalTransaction.objects.filter(idempotency_key=full_key).first()
    if existing is not None:
        return existing, False
    settlement = JournalTransaction.objects.filter(
        idempotency_key=settlement_key(locked.pk)
    ).first()
    if settlement is None:
        raise refuse(
            "line", f"Line {locked.pk} is not settled yet.", SettlementErrorCode.NOT_SETTLED
        )
    postings = list(settlement.postings.select_related("account").order_by("pk"))
    payment = next(p for p in postings if p.amount > 0)
    remaining = payment.amount - _clawed_back(
        line_id=locked.pk, payment_account_id=payment.account_id
    )
    if value > remaining:
        raise refuse(
            "amount",
            f"Only ¥{remaining} of line {locked.pk} is left to claw back.",
            SettlementErrorCode.EXCEEDS_SETTLED,
        )
    credits = [p for p in postings if p.amount < 0]
    shares = split_by_weight(value, [-p.amount for p in credits])
    legs = [Leg(payment.account, -value)]
    for posting, share in zip(credits, shares, strict=True):
        if posting.account.kind != AccountKind.HOUSEHOLD:
            legs.append(Leg(posting.account, share))
            continue
        Account.objects.select_for_update().get(pk=posting.account_id)
        owed = max(ZERO, -account_balance(account=posting.account))
        from_payable = min(owed, share)
        legs.append(Leg(posting.account, from_payable))
        if share > from_payable:
            receivable = account_get_or_create(
                kind=AccountKind.HOUSEHOLD_RECEIVABLE, owner=posting.account.household
            )
            legs.append(Leg(receivable, share - from_payable))
    return journal_post(
        kind=JournalKind.CLAWBACK,
        idempotency_key=full_key,
        legs=legs,
        memo=f"Clawback of {locked}",
        order_line_id=locked.pk,
    )


@transaction.atomic
def refund_clawback(*, refund: Refund) -> list[JournalTransaction]:
    """Claw a successful refund back from its shop order's settled lines, split by what
    each line brought in. All of a refund's clawbacks commit together."""
    if refund.status != RefundStatus.SUCCESS:
        raise refuse(
            "refund", "Only a completed refund is clawed back.", SettlementErrorCode.NOT_SETTLED
        )
    settled = list(
        JournalTransaction.objects.filter(
            order_line__shop_order_id=refund.shop_order_id, kind=JournalKind.SETTLEMENT
        )
        .order_by("order_line_id")
        .prefetch_related("postings")
    )
    if not settled:
        raise refuse(
            "refund", "None of the refunded lines is settled yet.", SettlementErrorCode.NOT_SETTLED
        )
    gross = [sum((p.amount for p in t.postings.all() if p.amount > 0), ZERO) for t in settled]
    amount = min(refund.amount, sum(gross, ZERO))
    entries = []
    for entry, share in zip(settled, split_by_weight(amount, gross), strict=True):
        if share <= 0:
            continue
        assert entry.order_line_id is not None
        line = OrderLine(pk=entry.order_line_id)
        try:
            posted, _ = order_line_clawback(
                line=line, amount=share, key=f"refund:{refund.pk}:line:{entry.order_line_id}"
            )
        except ValidationError:
            # This line was already clawed back in full by an earlier refund.
            continue
        entries.append(posted)
    return entries
