"""One module per group of account mutations; each parses input, calls one service from
`marketplace.accounts.services` and shapes the payload."""
