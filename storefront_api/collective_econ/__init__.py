"""Collective-economy API (Ruralmart extensions): statements and the ledger in `schema`;
the distribution mutations live beside them in their own modules."""
