"""The collective economy's tables: the ledger (`ledger`), what settlement adds to it
(`settlement`), the share register (`shares`), distributions and payouts. Django finds
models through this package."""

from collective_econ.models.distribution import (
    AllocationKind,
    Distribution,
    DistributionAllocation,
    DistributionEvent,
    DistributionStatus,
)
from collective_econ.models.ledger import (
    HOUSEHOLD_OWNED_KINDS,
    INVESTOR_OWNED_KINDS,
    PLATFORM_OWNED_KINDS,
    SHOP_OWNED_KINDS,
    VILLAGE_OWNED_KINDS,
    Account,
    AccountKind,
    BalanceSnapshot,
    JournalKind,
    JournalTransaction,
    PeriodClose,
    Posting,
)
from collective_econ.models.payouts import Payout, PayoutAccountKind, PayoutMethod, PayoutStatus
from collective_econ.models.settlement import ConsignmentAgreement, PlatformFeeRate
from collective_econ.models.shares import (
    AgreementKind,
    CollectiveMember,
    Investor,
    InvestorAgreement,
    MemberShare,
    ShareRegisterChange,
)
from collective_econ.models.statements import PovertyMonitoringLine

__all__ = [
    "HOUSEHOLD_OWNED_KINDS",
    "INVESTOR_OWNED_KINDS",
    "PLATFORM_OWNED_KINDS",
    "SHOP_OWNED_KINDS",
    "VILLAGE_OWNED_KINDS",
    "Account",
    "AccountKind",
    "AgreementKind",
    "AllocationKind",
    "BalanceSnapshot",
    "CollectiveMember",
    "ConsignmentAgreement",
    "Distribution",
    "DistributionAllocation",
    "DistributionEvent",
    "DistributionStatus",
    "Investor",
    "InvestorAgreement",
    "JournalKind",
    "JournalTransaction",
    "MemberShare",
    "Payout",
    "PayoutAccountKind",
    "PayoutMethod",
    "PayoutStatus",
    "PeriodClose",
    "PlatformFeeRate",
    "Posting",
    "PovertyMonitoringLine",
    "ShareRegisterChange",
]
