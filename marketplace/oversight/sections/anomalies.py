"""Anomalies: refund rates above a threshold, prices that moved more than a threshold
within the period, and approved shops whose listings went stale or whose goods ran out.

Thresholds are settings (`OVERSIGHT_REFUND_RATE_THRESHOLD` and
`OVERSIGHT_PRICE_CHANGE_THRESHOLD` in percent, `OVERSIGHT_STALE_LISTING_DAYS`). Stale
listings and stock are the state now, not of the period: a bureau chases them today."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, IntegerField, Max, Min, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce

from marketplace.catalog.models import OfferingKind
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Shop, ShopStatus
from marketplace.oversight.models import SkuMonthPrice, VillageMonthFigures
from marketplace.oversight.sections.base import (
    Panel,
    SectionQuery,
    SectionResult,
    money,
    ratio,
)

GOODS_KINDS = (OfferingKind.PRODUCE, OfferingKind.GOODS)


def refund_rates(query: SectionQuery) -> list[list[object]]:
    threshold = Decimal(str(settings.OVERSIGHT_REFUND_RATE_THRESHOLD))
    sums = {
        village_id: (sales, refunds)
        for village_id, sales, refunds in VillageMonthFigures.objects.filter(
            village_id__in=query.scope.village_ids, month__in=query.period.months
        )
        .values("village_id")
        .annotate(sales=Sum("sales_total"), refunds=Sum("refunds_amount"))
        .values_list("village_id", "sales", "refunds")
    }
    rows: list[list[object]] = []
    for village in query.scope.villages:
        sales, refunds = sums.get(village.id, (Decimal(0), Decimal(0)))
        rate = ratio(refunds, sales)
        rows.append(
            [village.name, money(sales), money(refunds), rate, "是" if rate > threshold else ""]
        )
    return rows


def price_changes(query: SectionQuery) -> list[list[object]]:
    threshold = Decimal(str(settings.OVERSIGHT_PRICE_CHANGE_THRESHOLD))
    spreads = (
        SkuMonthPrice.objects.filter(
            village_id__in=query.scope.village_ids, month__in=query.period.months
        )
        .values("shop_id", "product_sku")
        .annotate(
            village=Max("village_id"),
            name=Max("product_name"),
            lowest=Min("lowest_unit_price"),
            highest=Max("highest_unit_price"),
        )
        .filter(highest__gt=F("lowest") * (1 + threshold / 100))
        .order_by("shop_id", "product_sku")
        .values_list("village", "name", "product_sku", "lowest", "highest")
    )
    return [
        [query.scope.village_name(village), name, sku, low, high, ratio(high - low, low)]
        for village, name, sku, low, high in spreads
    ]


def stale_shops(query: SectionQuery) -> list[list[object]]:
    stale_before = query.now - timedelta(days=int(settings.OVERSIGHT_STALE_LISTING_DAYS))
    sellable = (
        Stock.objects.filter(
            product_variant__product__shop=OuterRef("pk"),
            product_variant__product__offering_kind__in=GOODS_KINDS,
        )
        .values("product_variant__product__shop")
        .annotate(left=Sum(F("quantity") - F("quantity_allocated")))
        .values("left")
    )
    shops = (
        Shop.objects.filter(village_id__in=query.scope.village_ids, status=ShopStatus.APPROVED)
        .annotate(
            last_update=Max("products__updated_at"),
            sellable=Coalesce(Subquery(sellable, output_field=IntegerField()), 0),
        )
        .order_by("village__code", "name")
        .values_list("village_id", "name", "last_update", "sellable")
    )
    rows: list[list[object]] = []
    for village_id, name, last_update, left in shops:
        problems = []
        if last_update is None or last_update < stale_before:
            problems.append(f"超过 {settings.OVERSIGHT_STALE_LISTING_DAYS} 天未更新商品")
        if left <= 0:
            problems.append("商品无可售库存")
        if problems:
            updated = f"{last_update:%Y-%m-%d}" if last_update else "从未"
            rows.append(
                [query.scope.village_name(village_id), name, updated, left, "；".join(problems)]
            )
    return rows


def anomalies_section(query: SectionQuery) -> SectionResult:
    refunds = refund_rates(query)
    prices = price_changes(query)
    shops = stale_shops(query)
    flagged_refunds = sum(1 for row in refunds if row[4])
    return SectionResult(
        key="anomalies",
        title="异常情况",
        headline=[
            ("退款率偏高的村", flagged_refunds, "个"),
            ("价格异动商品", len(prices), "个"),
            ("商品或库存未更新店铺", len(shops), "家"),
        ],
        panels=[
            Panel(
                "refund_rates",
                "各村退款率",
                "bar",
                ["村", "销售额（元）", "退款额（元）", "退款率（%）", "超过阈值"],
                refunds,  # type: ignore[arg-type]
                series=[3],
                note=f"阈值：退款率高于 {settings.OVERSIGHT_REFUND_RATE_THRESHOLD}%。",
            ),
            Panel(
                "price_changes",
                "价格异动",
                "table",
                ["村", "商品", "SKU", "期间最低价（元）", "期间最高价（元）", "变动幅度（%）"],
                prices,  # type: ignore[arg-type]
                note="期间内成交单价最高与最低相差超过 "
                f"{settings.OVERSIGHT_PRICE_CHANGE_THRESHOLD}%。",
            ),
            Panel(
                "stale_shops",
                "商品或库存未更新的店铺",
                "table",
                ["村", "店铺", "最近更新商品", "可售库存", "问题"],
                shops,  # type: ignore[arg-type]
            ),
        ],
    )
