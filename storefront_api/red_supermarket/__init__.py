"""The Red Supermarket counter's API: supermarkets, goods lookup, quick keys, counter sales
and their payments, till shifts, receipts; operator-scoped (township staff read)."""
