"""Headless Chromium for the tests of pages people use.

Debian's `chromium` package drives the pages (`make browser` installs it); Playwright only
talks to it, so no browser is ever downloaded. A test asks for `chromium_page` together
with pytest-django's `live_server`, opens `live_server.url + "/..."`, and reads what the
page shows. `keep_screenshot(page, name)` stores a PNG as a test artefact under
`$RURALMART_ARTEFACTS_DIR` (default `test-artefacts/` in the checkout).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    # Failing, not skipping: a browser test that silently did not run proves nothing.
    raise RuntimeError(
        "Chromium is not installed. Run `make browser` (apt-get install chromium), or set "
        "CHROMIUM_PATH to a Chromium executable."
    )


def artefacts_dir() -> Path:
    root = Path(os.environ.get("RURALMART_ARTEFACTS_DIR", "test-artefacts"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def keep_screenshot(page: Any, name: str) -> Path:
    path = artefacts_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # (building fixtures, checking rows) are still synchronous and safe here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page(chromium: Any) -> Iterator[Any]:
    """A fresh page (own cookies and storage) sized like a 10-inch tablet, zh-Hans."""
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()
