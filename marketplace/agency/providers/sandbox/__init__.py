"""A local bill-payment aggregator on 127.0.0.1: signed submits, queries, result callbacks,
statements and tickets for every agency provider. Serves the demo and the tests."""

from marketplace.agency.providers.sandbox.server import AgencySandbox

__all__ = ["AgencySandbox"]
