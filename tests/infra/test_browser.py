"""The browser harness itself: Debian's Chromium renders a page the project serves."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import keep_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chromium_renders_graphiql_served_by_the_project(
    live_server: Any,
    chromium_page: Any,
) -> None:
    chromium_page.goto(f"{live_server.url}/graphql/", wait_until="load")
    # GraphiQL is a React app: its editor only exists once its scripts have run.
    chromium_page.wait_for_selector(".graphiql-container")
    assert chromium_page.locator(".graphiql-container").count() == 1
    assert keep_screenshot(chromium_page, "graphiql").stat().st_size > 1000
