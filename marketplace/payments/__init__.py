"""Payments in the style of Saleor's transactions: transaction items and events, the
Alipay adapter (python-alipay-sdk) and its local sandbox, cash at the village counter,
asynchronous notifications, reconciliation and refunds.

Outside services sit behind adapters; the sandbox speaks Alipay's gateway protocol over
HTTP so demos and tests run with no internet, and production points the same adapter at
the real gateway.
"""
