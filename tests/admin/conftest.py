"""A small county for the back-office tests: two townships, three villages with shops,
households, a product per shop, and one row of every catalog model."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from marketplace.accounts.models import Role, User
from marketplace.catalog import services as catalog
from marketplace.catalog.models import (
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Attribute,
    AttributeValue,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Product,
    ProductMedia,
    Thumbnail,
)
from marketplace.divisions.models import Township
from marketplace.organisations.models import Household, Shop, ShopStatus, ShopStatusEvent
from marketplace.red_supermarket.models import ReceiptKind
from marketplace.red_supermarket.receipts import receipt_issue
from tests import factories


@dataclass
class World:
    township_1: Township
    township_2: Township
    shop_a: Shop
    shop_b: Shop
    shop_c: Shop
    household_a: Household
    household_b: Household
    product_a: Product
    product_b: Product
    product_c: Product
    platform_admin: User
    manager_a: User
    officer_1: User
    buyer: User
    buying: Any = None


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The factories give every user a password; the default hasher makes that ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def notify_in_world(user: User) -> None:
    """One delivered notice: an outbox row and the inbox message it made."""
    from marketplace.notifications.delivery import outbox_deliver
    from marketplace.notifications.models import Channel
    from marketplace.notifications.services import notification_send

    (row,) = notification_send(
        event_key="world:hello",
        template="account_already_exists",
        context={},
        recipient=user,
        channels=[Channel.INBOX],
    )
    outbox_deliver(message_id=row.pk)


def staff(**kw: Any) -> User:
    return factories.user(is_staff=True, **kw)


@pytest.fixture
def world(db: Any) -> World:
    channel = factories.channel("urban-retail")
    county = factories.county()
    township_1 = factories.township(county_obj=county)
    township_2 = factories.township(county_obj=county)
    shop_a = factories.shop(village_obj=factories.village(township_obj=township_1))
    shop_b = factories.shop(village_obj=factories.village(township_obj=township_1))
    shop_c = factories.shop(village_obj=factories.village(township_obj=township_2))
    household_a = factories.household(village_obj=shop_a.village, head_name="李小梅")
    household_b = factories.household(village_obj=shop_b.village, head_name="王大山")
    product_a = factories.product(
        shop_obj=shop_a,
        channel_obj=channel,
        name="冰岛古树普洱",
        beneficiary=household_a,
        category_obj=factories.category(name="普洱茶"),
    )
    product_b = factories.product(shop_obj=shop_b, channel_obj=channel, name="昔归春茶")
    product_c = factories.product(shop_obj=shop_c, channel_obj=channel, name="临沧坚果")

    admin = factories.platform_admin()
    attribute = Attribute.objects.create(name="产地海拔", slug="altitude")
    value = AttributeValue.objects.create(attribute=attribute, name="1800米", slug="1800m")
    AssignedProductAttributeValue.objects.create(product=product_a, value=value)
    AssignedVariantAttributeValue.objects.create(
        variant=factories.first_variant(product_a), value=value
    )
    collection = Collection.objects.create(name="春茶上新", slug="spring-tea")
    CollectionChannelListing.objects.create(collection=collection, channel=channel)
    CollectionProduct.objects.create(collection=collection, product=product_a)
    media = ProductMedia.objects.create(product=product_a, image="products/tea.jpg", alt="茶园")
    Thumbnail.objects.create(media=media, size=256, image="thumbnails/tea-256.webp")
    catalog.certification_add(
        actor=admin,
        product=product_a,
        kind="GREEN",
        number="LB-2026-001",
        issuer="中国绿色食品发展中心",
        valid_from=datetime.date(2026, 1, 1),
        valid_until=datetime.date(2028, 12, 31),
    )
    catalog.trace_batch_create(
        actor=admin,
        product=product_a,
        harvest_date=datetime.date(2026, 4, 1),
        plot="冰岛老寨 3号地",
        household=household_a,
    )
    ShopStatusEvent.objects.create(
        shop=shop_a, from_status="", to_status=ShopStatus.APPROVED, actor=admin, reason="资料齐全"
    )
    from marketplace.catalog.services import editorjs_from_text
    from marketplace.content import services as content

    about = content.page_upsert(
        slug="about", title="关于我们", content=editorjs_from_text("村货直供。")
    )
    content.menu_replace(
        slug="navbar",
        name="navbar",
        items=[
            {
                "name": "春茶",
                "collection": collection,
                "children": [{"name": "关于", "page": about}],
            }
        ],
    )
    supermarket = factories.red_supermarket(shop_obj=shop_a)
    receipt_issue(
        supermarket=supermarket,
        kind=ReceiptKind.COUNTER_SALE,
        reference="counter-sale:world",
        lines=[{"name": "酱油", "quantity": 1, "unit_price": "8.50", "amount": "8.50"}],
        total=Decimal("8.50"),
        payment_method="CASH",
        operator=admin,
    )
    notify_in_world(admin)
    built = World(
        township_1=township_1,
        township_2=township_2,
        shop_a=shop_a,
        shop_b=shop_b,
        shop_c=shop_c,
        household_a=household_a,
        household_b=household_b,
        product_a=product_a,
        product_b=product_b,
        product_c=product_c,
        platform_admin=admin,
        manager_a=staff(role=Role.SHOP_MANAGER, shop_obj=shop_a),
        officer_1=staff(role=Role.TOWNSHIP_OFFICER, township_obj=township_1),
        buyer=staff(role=Role.BUYER),
    )
    from tests.admin.buying import add_buying

    built.buying = add_buying(built)
    from tests.audit.world import add_audit

    add_audit(built)
    from tests.supervision.world import add_supervision

    add_supervision(built)
    from tests.oversight.world import add_oversight

    add_oversight(built)
    from tests.agency.world import add_agency

    add_agency(built)
    from tests.red_supermarket.counter_world import add_counter

    add_counter(built)
    return built
