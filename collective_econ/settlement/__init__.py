"""Settlement of sold order lines into the ledger, and clawbacks after refunds."""
