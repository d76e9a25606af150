"""Developer tooling that drives the product from outside: benchmarks and the demo data set.

- `tooling.bench`: `ruralmart bench <scenario>` seeds a separate bench database, serves it
  with gunicorn and measures it over real HTTP.
- `tooling.demo`: the demo counties, shops, households, catalog and logins, loaded
  idempotently through the domain services by `ruralmart demo` and `ruralmart load_demo_data`.

In: the domain's models and services, and the project's CLI. Out: databases, results and
demo rows; never a code path of the product. The arrow points one way: tooling imports the
domain, and nothing in `marketplace`, `storefront_api`, `logistics`, `collective_econ` or
`admin` may import tooling. The only importers are the thin management commands that run it
(`marketplace/management/commands/{bench,demo,load_demo_data}.py`) and the tests;
`tests/infra/test_tooling_boundary.py` fails on any other.
"""
