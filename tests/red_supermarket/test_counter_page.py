"""The counter page in headless Chromium (Debian's), against the live server and the
Alipay sandbox on 127.0.0.1: log in as an operator, open the till, sell by barcode (typed
fast and ended with Enter, as a keyboard-wedge scanner does) paid with an Alipay payment
code, sell for cash with the change shown, reprint a receipt, close the till with its
variance shown. The first load's transfer size is recorded for the bench, not asserted."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest

from marketplace.red_supermarket.models import Receipt
from tests.browser import artefacts_dir, chromium, chromium_page, keep_screenshot  # noqa: F401
from tests.red_supermarket.counter_world import PASSWORD, counter_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def first_load_bytes(page: Any, url: str) -> int:
    sizes: list[int] = []

    def count(response: Any) -> None:
        # Redirects and aborted requests carry no body.
        with contextlib.suppress(Exception):
            sizes.append(len(response.body()))

    page.on("response", count)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("response", count)
    return sum(sizes)


def test_a_day_at_the_counter(live_server: Any, chromium_page: Any, sandbox: Any) -> None:  # noqa: F811
    world = counter_world(goods=3)
    page = chromium_page
    size = first_load_bytes(page, f"{live_server.url}/counter/")
    (artefacts_dir() / "counter-page-first-load.json").write_text(json.dumps({"bytes": size}))

    page.fill("input[name=email]", world.operator.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#tabs button[data-panel=till]")
    assert world.supermarket.name in page.inner_text("#where")

    page.click("#tabs button[data-panel=till]")
    page.fill("#float-amount", "100.00")
    page.click("#till-open")
    page.wait_for_selector("#till-state")

    # Sale 1: the scanner types into the focused scan box; the buyer's code is scanned too.
    page.click("#tabs button[data-panel=sales]")
    page.keyboard.type(world.goods[0].barcode, delay=8)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#cart-lines tr[data-barcode='{world.goods[0].barcode}']")
    page.keyboard.type(world.goods[0].barcode, delay=8)
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#cart-lines .quantity')?.textContent === '2'")
    assert page.inner_text("#cart-total") == "¥17.00"
    page.click("#auth-code")
    page.keyboard.type(sandbox.face_to_face.new_auth_code(77), delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("#paid")
    assert "收款成功 ¥17.00" in page.inner_text("#sale-outcome")
    keep_screenshot(page, "counter-alipay-code-sale")

    # Sale 2: cash, with the change shown before and after paying.
    page.focus("#scan")
    page.keyboard.type(world.goods[1].barcode, delay=8)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#cart-lines tr[data-barcode='{world.goods[1].barcode}']")
    page.fill("#cash-received", "20")
    assert page.inner_text("#cash-change") == "找零 ¥10.50"
    page.click("#pay-cash")
    page.wait_for_selector("#change-given")
    assert "找零 ¥10.50" in page.inner_text("#change-given")
    cash_receipt = page.inner_text("#receipt-number")
    keep_screenshot(page, "counter-cash-sale")

    # Reprint the cash sale's receipt.
    page.click("#tabs button[data-panel=receipts]")
    row = page.locator(f"#receipt-list tr[data-number='{cash_receipt}']")
    row.wait_for()
    row.locator("button.reprint").click()
    page.wait_for_function(
        f"document.querySelector('#receipt-list tr[data-number=\"{cash_receipt}\"] .reprints')?.textContent === '1'"
    )
    frame = page.frame_locator("#receipt-preview")
    assert cash_receipt in frame.locator(".receipt").inner_text()
    assert Receipt.objects.get(number=cash_receipt).reprint_count == 1
    keep_screenshot(page, "counter-receipt-reprint")

    # Close the till: 100 float + 9.50 cash expected, 109.00 counted: 0.50 short.
    page.click("#tabs button[data-panel=till]")
    page.wait_for_selector("#counted-amount")
    page.fill("#counted-amount", "109.00")
    page.click("#till-close")
    page.wait_for_selector("#till-variance")
    assert "应有现金 ¥109.50" in page.inner_text("#till-summary")
    assert "差额 -0.50（短款）" in page.inner_text("#till-variance")
    keep_screenshot(page, "counter-till-closed")

    # A phone: the same page in one column.
    page.set_viewport_size({"width": 390, "height": 844})
    page.click("#tabs button[data-panel=sales]")
    keep_screenshot(page, "counter-phone")
