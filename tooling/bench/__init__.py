"""Benchmarks run the production way: a seeded database of their own, gunicorn, real HTTP.

`ruralmart bench <scenario>` picks a scenario from `scenarios.SCENARIOS` (`browse` and
`checkout`; `seed` only prepares the bench database, which `dataset` does for them all).
What comes in: the server named by DATABASE_URL, on which a separate bench database is
created. What goes out: a table on the terminal and a JSON record under
`$RURALMART_DATA_DIR/bench/`. It never writes to the demo or test databases, and nothing in
the product imports this package.
"""
