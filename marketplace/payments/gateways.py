"""Which payment gateways a channel offers, in the shape of Saleor's `PaymentGateway`.

- `ruralmart.payments.alipay` everywhere: desktop (PAGE) and mobile (WAP) cashier, and the
  face-to-face QR code (QR) used at the counter.
- `ruralmart.payments.cash` only in the `village-counter` channel: pay at the Red
  Supermarket counter.
- `saleor.io.dummy-payment-app`, the demo gateway, only where DEMO_PAYMENT_GATEWAY is on:
  Saleor's dummy payment app's flow, so Saleor's unmodified storefront can pay (no money).

Also the one place that builds the Alipay adapter from settings (`alipay_gateway`), so
tests and the demo swap the gateway in one spot.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from marketplace.channels.models import Channel
from marketplace.payments.alipay.gateway import AlipayGateway, gateway_from_settings
from marketplace.payments.models import GatewayId, PaymentMethod

CASH_CHANNEL_SLUG = "village-counter"
CURRENCIES = ("CNY",)
ALIPAY_METHODS = (PaymentMethod.PAGE, PaymentMethod.WAP, PaymentMethod.QR)


@dataclass(frozen=True)
class GatewayConfigLine:
    field: str
    value: str | None


@dataclass(frozen=True)
class PaymentGatewayInfo:
    id: str
    name: str
    config: tuple[GatewayConfigLine, ...]
    currencies: tuple[str, ...] = CURRENCIES

    @property
    def methods(self) -> tuple[str, ...]:
        line = next((c for c in self.config if c.field == "methods"), None)
        return tuple((line.value or "").split(",")) if line else ()


def alipay_gateway() -> AlipayGateway:
    return gateway_from_settings()


def _alipay_info() -> PaymentGatewayInfo:
    return PaymentGatewayInfo(
        id=GatewayId.ALIPAY.value,
        name="支付宝 Alipay",
        config=(
            GatewayConfigLine("methods", ",".join(m.value for m in ALIPAY_METHODS)),
            GatewayConfigLine("sandbox", "true" if alipay_gateway().is_sandbox else "false"),
        ),
    )


def _cash_info() -> PaymentGatewayInfo:
    return PaymentGatewayInfo(
        id=GatewayId.CASH.value,
        name="现金 Cash at the Red Supermarket counter",
        config=(GatewayConfigLine("methods", PaymentMethod.CASH.value),),
    )


def _demo_info() -> PaymentGatewayInfo:
    return PaymentGatewayInfo(
        id=GatewayId.DEMO.value,
        name="Demo payments (no money moves)",
        config=(GatewayConfigLine("methods", PaymentMethod.DEMO.value),),
    )


def demo_gateway_enabled() -> bool:
    return bool(getattr(settings, "DEMO_PAYMENT_GATEWAY", False))


def available_gateways(*, channel: Channel) -> list[PaymentGatewayInfo]:
    """The gateways a buyer in `channel` may pay with, Alipay first."""
    gateways = [_alipay_info()]
    if channel.slug == CASH_CHANNEL_SLUG:
        gateways.append(_cash_info())
    if demo_gateway_enabled():
        gateways.append(_demo_info())
    return gateways


def gateway_for(*, channel: Channel, gateway_id: str) -> PaymentGatewayInfo | None:
    return next((g for g in available_gateways(channel=channel) if g.id == gateway_id), None)
