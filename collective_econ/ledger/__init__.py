"""Posting to the ledger and reading balances: `services` write, `selectors` read."""
