"""Every kind of receipt renders on 58 mm paper (no line wider than 32 columns, a CJK
character counting two) and as a PDF in the built-in CJK font; only the supermarket's
staff open one, and opening it to reprint counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from marketplace.accounts.models import Role
from marketplace.accounts.tokens import create_token
from marketplace.red_supermarket.models import Receipt, ReceiptKind
from marketplace.red_supermarket.receipt_render import (
    WIDTH,
    display_width,
    receipt_lines,
    receipt_pdf,
)
from marketplace.red_supermarket.receipts import receipt_issue
from tests import factories

pytestmark = pytest.mark.django_db


def issue(supermarket, operator, kind: str) -> Receipt:  # type: ignore[no-untyped-def]
    return receipt_issue(
        supermarket=supermarket,
        kind=kind,
        reference=f"render:{kind}",
        lines=[
            {"name": "国网云南电力 电费代缴 户号0530123456789 2026年11月", "quantity": 1,
             "unit_price": "128.60", "amount": "128.60"},
            {"name": "压榨菜籽油 5升", "quantity": 12, "unit_price": "79.00", "amount": "948.00"},
        ],
        total=Decimal("1076.60"),
        payment_method="ALIPAY_CODE",
        payment_details={"alipay_trade_no": "2026120422001234567890123456", "change": "0.00"},
        operator=operator,
    )  # fmt: skip


def test_every_kind_fits_32_columns_and_makes_a_pdf() -> None:
    supermarket = factories.red_supermarket(shop_obj=factories.shop())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
    for kind in ReceiptKind.values:
        receipt = issue(supermarket, operator, kind)
        lines = receipt_lines(receipt)
        assert max(display_width(line) for line in lines) <= WIDTH, (kind, lines)
        assert any(receipt.number in line for line in lines)
        assert any("1076.60" in line for line in lines)
        pdf = receipt_pdf(receipt)
        assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf


def test_a_cash_refund_receipt_says_refund_with_its_number_and_reason() -> None:
    supermarket = factories.red_supermarket(shop_obj=factories.shop())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
    receipt = receipt_issue(
        supermarket=supermarket,
        kind=ReceiptKind.CASH_REFUND,
        reference="order-cash-refund:1",
        lines=[{"name": "退款 订单 #7", "quantity": 1, "unit_price": "5.00", "amount": "5.00"}],
        total=Decimal("5.00"),
        payment_method="CASH",
        payment_details={"refund": "RF20261204AB12", "reason": "少了一件"},
        operator=operator,
    )
    lines = receipt_lines(receipt)
    assert lines[1].strip() == "退款回执"
    assert not any("兑付" in line or "支付方式" in line for line in lines)
    assert any(line.startswith("退款方式") and line.endswith("现金") for line in lines)
    # Printed as typed, not read as yuan amounts.
    assert any(line.startswith("退款原因") and line.endswith("少了一件") for line in lines)
    assert "RF20261204AB12" in "".join(lines)
    headers = {"Authorization": f"Bearer {create_token(user=operator)}"}
    page = Client().get(f"/counter/receipts/{receipt.number}/", headers=headers).content.decode()
    assert f"<title>退款回执 {receipt.number}</title>" in page


def test_only_the_supermarkets_staff_open_a_receipt_and_reprints_count() -> None:
    supermarket = factories.red_supermarket(shop_obj=factories.shop())
    operator = factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=supermarket.shop)
    receipt = issue(supermarket, operator, ReceiptKind.COUNTER_SALE)
    allowed = [
        operator,
        factories.user(role=Role.SHOP_MANAGER, shop_obj=supermarket.shop),
        factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=supermarket.shop.village.township),
        factories.platform_admin(),
    ]
    refused = [
        factories.user(role=Role.BUYER),
        factories.user(role=Role.SUPERMARKET_OPERATOR, shop_obj=factories.shop()),
        factories.user(role=Role.TOWNSHIP_OFFICER, township_obj=factories.township()),
    ]
    client = Client()
    for user in allowed:
        headers = {"Authorization": f"Bearer {create_token(user=user)}"}
        page = client.get(f"/counter/receipts/{receipt.number}/?reprint=1", headers=headers)
        assert page.status_code == 200, user
        assert "size: 58mm auto" in page.content.decode()
        assert (
            client.get(f"/counter/receipts/{receipt.number}.pdf", headers=headers).status_code
            == 200
        )
    for user in [*refused, None]:
        headers = {"Authorization": f"Bearer {create_token(user=user)}"} if user else {}
        assert (
            client.get(f"/counter/receipts/{receipt.number}/", headers=headers).status_code == 404
        )
        assert (
            client.get(f"/counter/receipts/{receipt.number}.pdf", headers=headers).status_code
            == 404
        )
    receipt.refresh_from_db()
    assert receipt.reprint_count == len(allowed)
