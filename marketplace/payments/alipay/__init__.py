"""Alipay: the adapter (`gateway.py`, wrapping python-alipay-sdk) and the local sandbox
(`sandbox/`) that speaks Alipay's gateway protocol for the demo and the tests.

In: Django settings (ALIPAY_*) or an explicit `AlipayConfig`. Out: pay URLs, QR codes,
trade status, refunds and verified notifications. It must never import the payments models:
it knows Alipay, not orders.
"""
