"""Collective-economy API (Ruralmart extensions): statements and the ledger (`schema`), and later the distribution mutations."""
