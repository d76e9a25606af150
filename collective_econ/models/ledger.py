"""The double-entry ledger: accounts, journal transactions, postings, period closes.

Sign convention: a posting's `amount` is positive for a debit and negative for a credit,
so every transaction's postings sum to zero per currency. PostgreSQL checks that at commit
(migration 0011: statement triggers note the journal transactions a database transaction
touched, and one deferred constraint trigger checks them all, set-based, at COMMIT) and
refuses UPDATE or DELETE of postings and journal transactions (migration 0002): a
mistake is corrected by a reversing transaction, never by editing history. Balances are
sums of postings (see `collective_econ.ledger.selectors`), never a stored, editable number.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q


class AccountKind(models.TextChoices):
    # Owed to a household: its consignment sales less commission (a liability).
    HOUSEHOLD = "HOUSEHOLD", "Household payable"
    # What a household owes back: a clawback after it was already paid out (an asset).
    HOUSEHOLD_RECEIVABLE = "HOUSEHOLD_RECEIVABLE", "Household receivable"
    VILLAGE_COLLECTIVE = "VILLAGE_COLLECTIVE", "Village collective income"
    # Received for a shop, not yet settled (a liability): credited when the buyer's payment
    # arrives, debited by each line's settlement and by refunds.
    SHOP = "SHOP", "Shop"
    PLATFORM_FEES = "PLATFORM_FEES", "Platform fees"
    LOGISTICS_PAYABLE = "LOGISTICS_PAYABLE", "Logistics payable"
    ALIPAY_CLEARING = "ALIPAY_CLEARING", "Alipay clearing"
    # The Red Supermarket's till: one per village (the supermarket is the village's).
    CASH_TILL = "CASH_TILL", "Cash till"
    RESERVE_FUND = "RESERVE_FUND", "Reserve fund (公积公益金)"
    WELFARE_FUND = "WELFARE_FUND", "Welfare fund (福利费)"
    # What the collective owes one outside investor (its parts of distributions): one
    # account per Investor of the share register.
    INVESTOR = "INVESTOR", "Investor"
    MEMBER = "MEMBER", "Member"
    # What the village owes bill-payment, top-up and ticket providers for agency orders
    # taken at the counter (代办), until their statement is settled.
    AGENCY_PROVIDER_PAYABLE = "AGENCY_PROVIDER_PAYABLE", "Agency providers payable"
    # Cash handed out for small withdrawals (助农取款), owed back by the card acquirer.
    WITHDRAWAL_RECEIVABLE = "WITHDRAWAL_RECEIVABLE", "Cash withdrawals receivable"
    # Cash over or short when a till shift is counted: the difference has to land somewhere.
    TILL_VARIANCE = "TILL_VARIANCE", "Till over and short"
    # The collective's own cash, kept in its safe (库存现金), an asset: what a till shift's
    # float is lent from and handed back to, so the float never passes through income.
    COLLECTIVE_CASH = "COLLECTIVE_CASH", "Collective cash (库存现金)"


# Which organisation row owns an account of each kind; None: one platform-wide account.
HOUSEHOLD_OWNED_KINDS = (
    AccountKind.HOUSEHOLD,
    AccountKind.HOUSEHOLD_RECEIVABLE,
    AccountKind.MEMBER,
)
VILLAGE_OWNED_KINDS = (
    AccountKind.VILLAGE_COLLECTIVE,
    AccountKind.CASH_TILL,
    AccountKind.RESERVE_FUND,
    AccountKind.WELFARE_FUND,
    AccountKind.TILL_VARIANCE,
    AccountKind.COLLECTIVE_CASH,
)
INVESTOR_OWNED_KINDS = (AccountKind.INVESTOR,)
SHOP_OWNED_KINDS = (AccountKind.SHOP,)
PLATFORM_OWNED_KINDS = (
    AccountKind.PLATFORM_FEES,
    AccountKind.LOGISTICS_PAYABLE,
    AccountKind.ALIPAY_CLEARING,
    AccountKind.AGENCY_PROVIDER_PAYABLE,
    AccountKind.WITHDRAWAL_RECEIVABLE,
)


def _owner_is(household: bool, village: bool, shop: bool, investor: bool = False) -> Q:
    return (
        Q(household__isnull=not household)
        & Q(village__isnull=not village)
        & Q(shop__isnull=not shop)
        & Q(investor__isnull=not investor)
    )


class Account(models.Model):
    """One ledger account. Exactly the owner its kind calls for (a household, village,
    shop or investor, or none) is set (CHECK), and there
    is at most one account per kind and owner (partial UNIQUE indexes, one per owner
    column, since NULLs are distinct in a plain UNIQUE)."""

    kind = models.CharField(max_length=24, choices=AccountKind.choices)
    household = models.ForeignKey(
        "organisations.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    village = models.ForeignKey(
        "divisions.Village",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    shop = models.ForeignKey(
        "organisations.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    investor = models.ForeignKey(
        "collective_econ.Investor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "pk"]
        constraints = [
            models.CheckConstraint(
                name="account_owner_matches_kind",
                condition=(Q(kind__in=HOUSEHOLD_OWNED_KINDS) & _owner_is(True, False, False))
                | (Q(kind__in=VILLAGE_OWNED_KINDS) & _owner_is(False, True, False))
                | (Q(kind__in=SHOP_OWNED_KINDS) & _owner_is(False, False, True))
                | (Q(kind__in=INVESTOR_OWNED_KINDS) & _owner_is(False, False, False, True))
                # The village's one investors' control account of before per-investor
                # accounts: kept for its history, emptied by migration 0021, never
                # created again (the services own INVESTOR accounts by investor).
                | (Q(kind=AccountKind.INVESTOR) & _owner_is(False, True, False))
                | (Q(kind__in=PLATFORM_OWNED_KINDS) & _owner_is(False, False, False)),
            ),
            models.UniqueConstraint(
                fields=["kind", "household"],
                condition=Q(household__isnull=False),
                name="account_once_per_kind_household",
            ),
            models.UniqueConstraint(
                fields=["kind", "village"],
                condition=Q(village__isnull=False),
                name="account_once_per_kind_village",
            ),
            models.UniqueConstraint(
                fields=["kind", "shop"],
                condition=Q(shop__isnull=False),
                name="account_once_per_kind_shop",
            ),
            models.UniqueConstraint(
                fields=["kind", "investor"],
                condition=Q(investor__isnull=False),
                name="account_once_per_kind_investor",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(
                    household__isnull=True,
                    village__isnull=True,
                    shop__isnull=True,
                    investor__isnull=True,
                ),
                name="account_once_per_platform_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = self.household_id or self.village_id or self.shop_id or self.investor_id
        return f"{self.get_kind_display()}" + (f" #{owner}" if owner else "")


class JournalKind(models.TextChoices):
    SETTLEMENT = "SETTLEMENT", "Settlement of a sale"
    CLAWBACK = "CLAWBACK", "Clawback after a refund"
    MANUAL = "MANUAL", "Manual entry"
    REVERSAL = "REVERSAL", "Reversal"
    PAYOUT = "PAYOUT", "Payout to a household or member"
    DISTRIBUTION = "DISTRIBUTION", "Distribution of collective income"
    COUNTER_SALE = "COUNTER_SALE", "Red Supermarket counter sale"
    TILL_CLOSE = "TILL_CLOSE", "Till shift closed"
    AGENCY_SERVICE = "AGENCY_SERVICE", "Agency service (代办)"
    # Money the buyer paid for a shop order, held on the shop's SHOP account until its
    # lines settle (key "payment-received:<TransactionItem pk>").
    PAYMENT_RECEIVED = "PAYMENT_RECEIVED", "Payment received for a shop"
    # A refund handed back out of the payment account, taken from the shop's SHOP account
    # (key "payment-refunded:<Refund pk>").
    PAYMENT_REFUNDED = "PAYMENT_REFUNDED", "Payment refunded for a shop"


class JournalTransaction(models.Model):
    """One balanced journal entry. Rows are written once, posted at insert, and never
    changed (trigger). `idempotency_key` (e.g. "settle:orderline:42") is UNIQUE, so a
    re-run, a retry or a second worker can never post the same business event twice."""

    kind = models.CharField(max_length=24, choices=JournalKind.choices)
    idempotency_key = models.CharField(max_length=128, unique=True)
    memo = models.CharField(max_length=255, blank=True)
    posted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The sold line this entry settles or claws back (traceability for statements).
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_transactions",
    )
    # A reversal names what it reverses; UNIQUE: reversed at most once.
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-posted_at", "-pk"]
        indexes = [models.Index(fields=["order_line", "kind"])]
        constraints = [
            models.CheckConstraint(
                name="journal_reversal_names_original",
                condition=Q(kind="REVERSAL", reverses__isnull=False)
                | (~Q(kind="REVERSAL") & Q(reverses__isnull=True)),
            ),
            models.CheckConstraint(
                name="journal_kind_valid", condition=Q(kind__in=JournalKind.values)
            ),
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class Posting(models.Model):
    """One leg: debit (> 0) or credit (< 0) of one account, in one currency."""

    transaction = models.ForeignKey(
        JournalTransaction, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")

    class Meta:
        ordering = ["transaction_id", "pk"]
        indexes = [models.Index(fields=["account", "transaction"])]
        constraints = [
            models.CheckConstraint(name="posting_amount_non_zero", condition=~Q(amount=0)),
            models.CheckConstraint(name="posting_currency_cny", condition=Q(currency="CNY")),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.amount} {self.currency}"


class PeriodClose(models.Model):
    """A checkpoint at the end of a period (a calendar month): the balance every account
    had from the entries posted before `period_end`, kept in `BalanceSnapshot` per journal
    kind, so a balance or an opening balance reads the latest snapshot at or before its
    date plus the postings from `period_end` on. One close per period (UNIQUE), and the
    database refuses UPDATE and DELETE of closes and snapshots (migration 0040)."""

    period_end = models.DateTimeField(unique=True)
    closed_at = models.DateTimeField(auto_now_add=True)
    # The highest posting id the snapshot holds (0: none yet); for reconciliation only,
    # since a month without postings repeats its predecessor's.
    through_posting_id = models.BigIntegerField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-period_end"]
        constraints = [
            models.CheckConstraint(
                name="period_close_through_non_negative", condition=Q(through_posting_id__gte=0)
            )
        ]

    def __str__(self) -> str:
        return f"close of the period ending {self.period_end:%Y-%m-%d %H:%M}"


class BalanceSnapshot(models.Model):
    """What the entries of one journal kind had moved on one account by a close. Kept
    per kind because reports leave some kinds out (distributions do not lose income);
    an account's balance is the sum over its kinds."""

    period_close = models.ForeignKey(
        PeriodClose, on_delete=models.PROTECT, related_name="snapshots"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="snapshots")
    journal_kind = models.CharField(max_length=24, choices=JournalKind.choices)
    currency = models.CharField(max_length=3, default="CNY")
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["period_close_id", "account_id", "journal_kind"]
        indexes = [models.Index(fields=["account", "period_close"])]
        constraints = [
            models.UniqueConstraint(
                fields=["period_close", "account", "journal_kind", "currency"],
                name="snapshot_once_per_account_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.journal_kind}: {self.balance}"
