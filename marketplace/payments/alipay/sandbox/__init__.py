"""The local Alipay sandbox: a real HTTP service speaking Alipay's gateway protocol.

`AlipaySandbox` (server.py) serves it; `trades.py` keeps the trades and Alipay's rules;
`notifier.py` delivers async notifications; `pages.py` draws the cashier. Nothing here
imports Django except `from_settings.py`, which builds the sandbox the demo runs.
"""

from marketplace.payments.alipay.sandbox.server import (
    AlipaySandbox,
    ReceivedRequest,
    SandboxRejected,
)
from marketplace.payments.alipay.sandbox.trades import BizError, SandboxRefund, SandboxTrade

__all__ = [
    "AlipaySandbox",
    "BizError",
    "ReceivedRequest",
    "SandboxRefund",
    "SandboxRejected",
    "SandboxTrade",
]
