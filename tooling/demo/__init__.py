"""The demo data set and its loader.

`data` holds the content as plain Python (two real counties, fictional shops, households,
products and people); `images` paints a small picture per product; `loader` writes it all
through the domain services, idempotently, in one transaction. Used by the `demo` and
`load_demo_data` commands and by the tests; nothing in the product imports it.
"""

from tooling.demo.loader import DEMO_PASSWORD, DemoLogin, DemoSummary, load_demo_data

__all__ = ["DEMO_PASSWORD", "DemoLogin", "DemoSummary", "load_demo_data"]
