"""The collective economy's tables: the ledger (`ledger`) and what settlement adds to it
(`settlement`). Django finds models through this package."""

from collective_econ.models.ledger import (
    HOUSEHOLD_OWNED_KINDS,
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
from collective_econ.models.settlement import ConsignmentAgreement
from collective_econ.models.statements import PovertyMonitoringLine

__all__ = [
    "HOUSEHOLD_OWNED_KINDS",
    "PLATFORM_OWNED_KINDS",
    "SHOP_OWNED_KINDS",
    "VILLAGE_OWNED_KINDS",
    "Account",
    "AccountKind",
    "BalanceSnapshot",
    "ConsignmentAgreement",
    "JournalKind",
    "JournalTransaction",
    "PeriodClose",
    "Posting",
    "PovertyMonitoringLine",
]
