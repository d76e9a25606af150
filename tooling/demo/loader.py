"""Writes the demo data set through the domain services, idempotently.

Every object is looked up by its natural key (division code, slug, SKU, e-mail, ID number,
trace code, certificate number) and created only when missing, so a second run adds
nothing, and a run after a partial deletion recreates only what is gone. A shop left half
way through its workflow is moved on from where it stands. The whole load is one
transaction: it lands completely or not at all.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone

from logistics.models import DeliveryMethod, DeliveryMethodKind, DeliveryRate, ShippingZone
from logistics.tracking_models import ConsolidationBatch, Shipment, ShipmentEvent, VillageStation
from marketplace.accounts.models import Role, RoleAssignment, User
from marketplace.bookings.models import CancellationPolicy
from marketplace.bookings.services import cancellation_policy_set
from marketplace.catalog import services as catalog
from marketplace.catalog.models import (
    AssignedProductAttributeValue,
    Attribute,
    AttributeValue,
    Category,
    Certification,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    OfferingKind,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    TraceBatch,
)
from marketplace.channels.models import Channel
from marketplace.checkout.models import Voucher, VoucherDiscountType
from marketplace.content import services as content
from marketplace.content.models import Menu, MenuItem, Page
from marketplace.divisions.models import County, Township, Village
from marketplace.inventory.models import Stock, Warehouse
from marketplace.orders.models import Order
from marketplace.organisations import services as organisations
from marketplace.organisations.models import (
    Household,
    PartyOrganisation,
    Shop,
    ShopStatus,
    ShopStatusEvent,
)
from tooling.demo import agency, data, logistics, oversight, red_supermarket, supervision
from tooling.demo import collective_econ as demo_collective_econ
from tooling.demo.images import product_image

DEMO_PASSWORD = "ruralmart-demo"
_CENT = Decimal("0.01")
_DIME = Decimal("0.1")

# What the summary counts, in the order it prints them.
_COUNTED: tuple[tuple[str, type[models.Model]], ...] = (
    ("counties", County),
    ("townships", Township),
    ("villages", Village),
    ("party organisations", PartyOrganisation),
    ("shops", Shop),
    ("shop status events", ShopStatusEvent),
    ("households", Household),
    ("users", User),
    ("role assignments", RoleAssignment),
    ("channels", Channel),
    ("categories", Category),
    ("product types", ProductType),
    ("attributes", Attribute),
    ("attribute values", AttributeValue),
    ("assigned attribute values", AssignedProductAttributeValue),
    ("products", Product),
    ("variants", ProductVariant),
    ("product listings", ProductChannelListing),
    ("variant prices", ProductVariantChannelListing),
    ("warehouses", Warehouse),
    ("stock rows", Stock),
    ("certifications", Certification),
    ("trace batches", TraceBatch),
    ("collections", Collection),
    ("collection products", CollectionProduct),
    ("collection listings", CollectionChannelListing),
    ("product images", ProductMedia),
    ("pages", Page),
    ("menus", Menu),
    ("menu items", MenuItem),
    ("shipping zones", ShippingZone),
    ("delivery rates", DeliveryRate),
    ("village stations", VillageStation),
    ("orders", Order),
    ("shipments", Shipment),
    ("shipment events", ShipmentEvent),
    ("consolidation batches", ConsolidationBatch),
)


class Writer(Protocol):
    """Where progress goes: a text stream or a management command's stdout."""

    def write(self, text: str, /) -> object: ...


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str  # Role value
    role_label: str
    scope: str  # what the role is scoped to, for people to read


@dataclass
class DemoSummary:
    counts: dict[str, int]  # rows in each counted table after the load
    added: dict[str, int]  # rows this run added
    logins: list[DemoLogin]
    approved_shops: int
    applied_shops: int
    tourism_offers: int
    seconds: float = 0.0

    @property
    def added_total(self) -> int:
        return sum(self.added.values())

    def format(self) -> str:
        lines = [f"Demo data loaded in {self.seconds:.1f} s."]
        if self.added_total:
            lines.append(f"  Added {self.added_total} rows this run.")
        else:
            lines.append("  Nothing to add: the demo data was already complete.")
        lines.append(
            f"  {self.counts['counties']} counties, {self.counts['townships']} townships, "
            f"{self.counts['villages']} villages; {self.approved_shops} approved shops and "
            f"{self.applied_shops} awaiting review; {self.counts['households']} households."
        )
        lines.append(
            f"  {self.counts['products']} products ({self.tourism_offers} tourism offers), "
            f"{self.counts['variants']} variants, {self.counts['certifications']} "
            f"certifications, {self.counts['trace batches']} trace batches, "
            f"{self.counts['collections']} collections, {self.counts['product images']} images."
        )
        lines.append(
            f"  {self.counts['village stations']} village stations, "
            f"{self.counts['shipping zones']} shipping zones with "
            f"{self.counts['delivery rates']} rates; {self.counts['orders']} orders, "
            f"{self.counts['shipments']} shipments, {self.counts['consolidation batches']} "
            "consolidation batches."
        )
        return "\n".join(lines)


def _row_counts() -> dict[str, int]:
    return {label: model._default_manager.count() for label, model in _COUNTED}


def load_demo_data(*, stdout: Writer | None = None) -> DemoSummary:
    """Create whatever part of the demo data is missing, and report what is there."""
    started = time.monotonic()
    before = _row_counts()
    with transaction.atomic():
        logins = _DemoLoader(stdout=stdout).run()
        after = _row_counts()
    tourism = (OfferingKind.HOMESTAY, OfferingKind.EXPERIENCE)
    return DemoSummary(
        counts=after,
        added={
            label: after[label] - before[label] for label in after if after[label] != before[label]
        },
        logins=logins,
        approved_shops=Shop.objects.filter(status=ShopStatus.APPROVED).count(),
        applied_shops=Shop.objects.filter(status=ShopStatus.APPLIED).count(),
        tourism_offers=Product.objects.filter(offering_kind__in=tourism).count(),
        seconds=time.monotonic() - started,
    )


def _village_price(price: Decimal) -> Decimal:
    # Rounded to the jiao, as counter prices are written on the shelf.
    return (price * data.VILLAGE_COUNTER_FACTOR).quantize(_DIME).quantize(_CENT)


def _value_slug(name: str) -> str:
    """ASCII slug for attribute values such as 2.5千克 → 2-5kg (the units are few)."""
    ascii_name = name.replace("千克", "kg").replace("克", "g").replace("升", "l").replace(".", "-")
    return ascii_name.lower()


class _DemoLoader:
    def __init__(self, *, stdout: Writer | None) -> None:
        self.stdout = stdout
        self._password_hash: str | None = None
        self.admin: User
        self.channels: dict[str, Channel] = {}
        self.counties: dict[str, County] = {}
        self.townships: dict[str, Township] = {}
        self.villages: dict[str, Village] = {}
        self.shops: dict[str, Shop] = {}
        self.warehouses: dict[str, Warehouse] = {}
        self.households: dict[str, Household] = {}
        self.categories: dict[str, Category] = {}
        self.product_types: dict[str, data.ProductTypeSpec] = {}
        self.product_type_rows: dict[str, ProductType] = {}
        self.attributes: dict[str, Attribute] = {}
        self.values: dict[tuple[str, str], AttributeValue] = {}
        self.products: dict[str, Product] = {}
        # Filled by load_products: what exists, and what to bulk-create at the end.
        self.assigned: set[tuple[int, int]] = set()
        self.stocked: set[tuple[int, int]] = set()
        self.new_assignments: list[AssignedProductAttributeValue] = []
        self.new_stock: list[Stock] = []

    def say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message + "\n")

    def run(self) -> list[DemoLogin]:
        self.admin = self.user(data.LOGINS[0])
        self.say("Demo data: channels and divisions…")
        self.load_channels()
        self.load_divisions()
        self.say("Demo data: shops and households…")
        self.load_shops()
        self.load_households()
        logins = self.load_logins()
        self.say("Demo data: catalog…")
        self.load_catalog_structure()
        self.load_products()
        self.load_certifications()
        self.load_trace_batches()
        self.load_collections()
        self.say("Demo data: menus and pages…")
        self.load_content()
        self.say("Demo data: delivery, vouchers and cancellation policies…")
        self.load_selling_terms()
        self.say("Demo data: zone rates, village stations, shipments…")
        self.load_logistics()
        self.say("Demo data: Red Supermarkets and their counters…")
        logins += red_supermarket.load_red_supermarkets(
            self,
            login=DemoLogin,
            password=DEMO_PASSWORD,
            known_emails={s.email for s in data.LOGINS},
        )
        self.say("Demo data: agency services (代办) against the provider sandbox…")
        agency.load_agency(shops=self.shops, person=self.person)
        logins += oversight.load_history(self, login=DemoLogin)
        # Fresh planner statistics before the reports and rankings read the history: loaded
        # inside one transaction (the test fixtures do that) the tables have none, and the
        # planner's guesses turned a 1 ms aggregate into a 17 s nested loop.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.say("Demo data: a settled year, the share register and a paid distribution…")
        demo_collective_econ.load(admin=self.admin)
        self.say("Demo data: supervision roster, claim, reports and red flag…")
        supervision.load_supervision(admin=self.admin, villages=self.villages)
        return logins

    def load_logistics(self) -> None:
        logistics.load_rates(self.shops)
        stations = logistics.load_stations(self.villages, self.person)
        logistics.DemoOrders(
            buyer=User.objects.get(email=data.LOGINS[-1].email),
            admin=self.admin,
            shops=self.shops,
            stations=stations,
            channel=self.channels["urban-retail"],
        ).load()

    # --- people ---------------------------------------------------------------------------

    def person(self, email: str, **fields: Any) -> User:
        """The user with this e-mail, created with the demo password if missing."""
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None, **fields)
            # All demo users share one password: hash it once (a full-strength hash costs
            # about half a second) and store the same hash for each new user.
            if self._password_hash is None:
                self._password_hash = make_password(DEMO_PASSWORD)
            user.password = self._password_hash
            user.save(update_fields=["password"])
        return user

    def user(self, spec: data.LoginSpec) -> User:
        is_admin = spec.role == Role.PLATFORM_ADMIN
        user = self.person(
            spec.email,
            first_name=spec.first_name,
            last_name=spec.last_name,
            is_staff=spec.is_staff or is_admin,
            is_superuser=is_admin,
        )
        if spec.role in (Role.PLATFORM_ADMIN, Role.BUYER, Role.STATION_OPERATOR):
            RoleAssignment.objects.get_or_create(user=user, role=spec.role)
        return user

    def assign(self, user: User, role: str, **scope: Any) -> None:
        RoleAssignment.objects.get_or_create(user=user, role=role, **scope)

    def load_logins(self) -> list[DemoLogin]:
        logins = []
        for spec in data.LOGINS:
            user = self.user(spec)
            if spec.role == Role.SHOP_MANAGER:
                shop = self.shops[spec.scope]
                self.assign(user, spec.role, shop=shop)
                scope = f"{shop.name}（{shop.village.name}）"
            elif spec.role == Role.SUPERMARKET_OPERATOR:
                shop = self.shops[spec.scope]
                self.assign(user, spec.role, shop=shop)
                scope = f"{shop.village.name}红色超市（{shop.name}）"
            elif spec.role == Role.TOWNSHIP_OFFICER:
                township = self.townships[spec.scope]
                self.assign(user, spec.role, township=township)
                scope = f"{township.name}商务部门"
            elif spec.role == Role.HOUSEHOLD_SELLER:
                household = self.households[spec.scope]
                self.assign(user, spec.role, household=household)
                scope = f"{household.village.name} 农户 {household.head_name}"
            elif spec.role == Role.PLATFORM_ADMIN:
                scope = "全平台（县级）"
            elif spec.role == Role.STATION_OPERATOR:
                scope = "村级服务站"
            else:
                scope = "城市买家"
            logins.append(
                DemoLogin(
                    email=spec.email,
                    password=DEMO_PASSWORD,
                    role=spec.role,
                    role_label=Role(spec.role).label,
                    scope=scope,
                )
            )
        return logins

    # --- channels and divisions -----------------------------------------------------------

    def load_channels(self) -> None:
        for slug, name in data.CHANNELS:
            self.channels[slug], _ = Channel.objects.get_or_create(
                slug=slug, defaults={"name": name, "currency_code": "CNY", "default_country": "CN"}
            )

    def load_divisions(self) -> None:
        for c in data.COUNTIES:
            self.counties[c.code], _ = County.objects.get_or_create(
                code=c.code,
                defaults={
                    "name": c.name,
                    "slug": c.slug,
                    "province": c.province,
                    "prefecture": c.prefecture,
                },
            )
        for t in data.TOWNSHIPS:
            township, _ = Township.objects.get_or_create(
                code=t.code,
                defaults={"county": self.counties[t.county], "name": t.name, "slug": t.slug},
            )
            self.townships[t.slug] = self.townships[t.code] = township
        for v in data.VILLAGES:
            self.villages[v.slug], _ = Village.objects.get_or_create(
                code=v.code,
                defaults={"township": self.townships[v.township], "name": v.name, "slug": v.slug},
            )

    # --- shops and households -------------------------------------------------------------

    def township_officer(self, township: Township) -> User:
        user = self.person(
            data.TOWNSHIP_OFFICERS[township.slug],
            first_name=f"{township.name}商务",
            last_name="专干",
            is_staff=True,
        )
        self.assign(user, Role.TOWNSHIP_OFFICER, township=township)
        return user

    def load_shops(self) -> None:
        for spec in data.SHOPS:
            village = self.villages[spec.village]
            manager = self.person(
                spec.manager_email,
                first_name=f"{village.name}网店",
                last_name="店长",
                is_staff=True,
            )
            organisation, _ = PartyOrganisation.objects.get_or_create(
                village=village,
                defaults={
                    "name": f"中共{village.name}支部委员会",
                    "secretary_title": "村党支部书记",
                },
            )
            shop = Shop.objects.filter(slug=spec.slug).first()
            if shop is None:
                shop = organisations.shop_apply(
                    party_organisation=organisation,
                    name=spec.name,
                    slug=spec.slug,
                    applicant=manager,
                    description=spec.description,
                    reason=spec.apply_reason,
                )
            self.assign(manager, Role.SHOP_MANAGER, shop=shop)
            if spec.approve and shop.status == ShopStatus.APPLIED:
                shop = organisations.shop_recommend(
                    shop=shop,
                    officer=self.township_officer(village.township),
                    reason=spec.recommend_reason,
                )
            if spec.approve and shop.status == ShopStatus.RECOMMENDED:
                shop = organisations.shop_approve(
                    shop=shop, admin=self.admin, reason=spec.approve_reason
                )
            self.shops[spec.slug] = shop
            self.warehouses[spec.slug] = self.warehouse(shop)

    def warehouse(self, shop: Shop) -> Warehouse:
        """The shop's one warehouse (the village station where produce is gathered)."""
        existing = Warehouse.objects.filter(shop=shop).order_by("pk").first()
        if existing is not None:
            return existing
        village = shop.village
        county = village.township.county
        address = f"{county.province}{county.prefecture}{county.name}{village.township.name}"
        return Warehouse.objects.create(
            shop=shop,
            slug=f"{shop.slug}-station",
            name=f"{village.name}村级服务站仓",
            street_address=f"{address}{village.name}村委会旁",
        )

    def load_households(self) -> None:
        for spec in data.HOUSEHOLDS:
            village = self.villages[spec.village]
            household = Household.objects.filter(village=village, id_number=spec.id_number).first()
            if household is None:
                household = organisations.household_register(
                    actor=self.admin,
                    village=village,
                    category=spec.category,
                    member_count=spec.member_count,
                    head_name=spec.head_name,
                    id_number=spec.id_number,
                    phone=spec.phone,
                )
            self.households[spec.key] = household

    # --- catalog --------------------------------------------------------------------------

    def load_catalog_structure(self) -> None:
        for slug, name, parent in data.CATEGORIES:
            category = Category.objects.filter(slug=slug).first()
            if category is None:
                category = catalog.category_create(
                    name=name, slug=slug, parent=self.categories[parent] if parent else None
                )
            self.categories[slug] = category
        attributes = self.attributes
        for slug, name in data.ATTRIBUTES:
            attributes[slug], _ = Attribute.objects.get_or_create(
                slug=slug, defaults={"name": name}
            )
        for spec in data.PRODUCT_TYPES:
            product_type, _ = ProductType.objects.get_or_create(
                slug=spec.slug,
                defaults={"name": spec.name, "is_shipping_required": spec.is_shipping_required},
            )
            product_type.product_attributes.add(*(attributes[a] for a in spec.attributes))
            self.product_types[spec.slug] = spec
            self.product_type_rows[spec.slug] = product_type

    def attribute_value(self, attribute: str, name: str, slug: str | None = None) -> AttributeValue:
        key = (attribute, name)
        if key not in self.values:
            self.values[key], _ = AttributeValue.objects.get_or_create(
                attribute=self.attributes[attribute],
                slug=slug or _value_slug(name),
                defaults={"name": name},
            )
        return self.values[key]

    def _root_slug(self, category: Category) -> str:
        while category.parent_id is not None:
            category = next(c for c in self.categories.values() if c.pk == category.parent_id)
        return category.slug

    def _details(
        self, spec: data.ProductSpec, type_spec: data.ProductTypeSpec
    ) -> dict[str, object]:
        details: dict[str, object] = {}
        if type_spec.offering_kind == OfferingKind.PRODUCE:
            details = {
                "shelf_life_days": type_spec.shelf_life_days,
                "storage": type_spec.storage,
                "harvest_season": type_spec.harvest_season,
                "weight_grams": spec.variants[0].grams,
            }
        elif type_spec.offering_kind == OfferingKind.GOODS:
            details = {"weight_grams": spec.variants[0].grams}
        details.update(spec.details)
        return details

    def load_products(self) -> None:
        # What already exists, fetched up front so a re-run costs a handful of queries.
        slugs = [spec.slug for spec in data.PRODUCTS]
        skus = [v.sku for spec in data.PRODUCTS for v in spec.variants]
        products = {p.slug: p for p in Product.objects.filter(slug__in=slugs)}
        variants = {v.sku: v for v in ProductVariant.objects.filter(sku__in=skus)}
        self.assigned = set(
            AssignedProductAttributeValue.objects.filter(product__slug__in=slugs).values_list(
                "product_id", "value_id"
            )
        )
        self.stocked = set(
            Stock.objects.filter(product_variant__sku__in=skus).values_list(
                "warehouse_id", "product_variant_id"
            )
        )
        listed = set(
            ProductChannelListing.objects.filter(product__slug__in=slugs).values_list(
                "product_id", "channel_id"
            )
        )
        pictured = set(
            ProductMedia.objects.filter(product__slug__in=slugs).values_list(
                "product_id", flat=True
            )
        )
        new_ids: list[int] = []
        for index, spec in enumerate(data.PRODUCTS):
            type_spec = self.product_types[spec.product_type]
            category = self.categories[spec.category]
            product = products.get(spec.slug)
            if product is None:
                product = catalog.product_create(
                    actor=self.admin,
                    shop=self.shops[spec.shop],
                    product_type=self.product_type_rows[spec.product_type],
                    name=spec.name,
                    slug=spec.slug,
                    offering_kind=type_spec.offering_kind,
                    category=category,
                    description=spec.description,
                    details=self._details(spec, type_spec),
                    # Fixed, varied ratings (4.3–4.9) so sorting by rating shows something.
                    rating=round(4.3 + (index * 3 % 7) / 10, 1),
                )
                new_ids.append(product.pk)
            self.products[spec.slug] = product
            self.load_product_attributes(product, spec)
            self.load_variants(product, spec, variants)
            for channel in self.channels.values():
                if (product.pk, channel.pk) not in listed:
                    catalog.product_channel_listing_update(
                        actor=self.admin, product=product, channel=channel, is_published=True
                    )
            if product.pk not in pictured:
                picture = product_image(
                    key=spec.slug, palette=self._root_slug(category), motif=spec.product_type
                )
                catalog.product_media_add(
                    actor=self.admin,
                    product=product,
                    image=ContentFile(picture, name=f"{spec.slug}.jpg"),
                    alt=spec.name,
                )
        AssignedProductAttributeValue.objects.bulk_create(self.new_assignments)
        Stock.objects.bulk_create(self.new_stock)
        if new_ids:
            # product_create indexed the names before the attribute values existed.
            catalog.products_refresh_search_document(product_ids=new_ids)

    def load_product_attributes(self, product: Product, spec: data.ProductSpec) -> None:
        county = self.shops[spec.shop].village.township.county
        values = [
            self.attribute_value(
                "origin", f"{county.province}{county.prefecture}{county.name}", county.slug
            )
        ]
        if spec.vintage:
            values.append(self.attribute_value("vintage", spec.vintage))
        if spec.net_weight:
            values.append(self.attribute_value("net-weight", spec.net_weight))
        for sort_order, value in enumerate(values):
            if (product.pk, value.pk) not in self.assigned:
                self.new_assignments.append(
                    AssignedProductAttributeValue(
                        product=product, value=value, sort_order=sort_order
                    )
                )

    def load_variants(
        self, product: Product, spec: data.ProductSpec, existing: dict[str, ProductVariant]
    ) -> None:
        warehouse = self.warehouses[spec.shop]
        for sort_order, v in enumerate(spec.variants):
            variant = existing.get(v.sku)
            if variant is None:
                price = Decimal(v.price)
                variant = catalog.variant_create(
                    actor=self.admin,
                    product=product,
                    sku=v.sku,
                    name=v.name,
                    prices={
                        self.channels["urban-retail"]: price,
                        self.channels["village-counter"]: _village_price(price),
                    },
                    beneficiary_household=self.households[v.household] if v.household else None,
                    weight_grams=v.grams,
                    sort_order=sort_order,
                )
            if variant.track_inventory and (warehouse.pk, variant.pk) not in self.stocked:
                quantity = v.stock if v.stock is not None else _demo_stock(v.sku)
                self.new_stock.append(
                    Stock(warehouse=warehouse, product_variant=variant, quantity=quantity)
                )

    def load_certifications(self) -> None:
        # Valid from last January for three years, so they are current whenever the demo runs.
        valid_from = date(date.today().year - 1, 1, 1)
        valid_until = valid_from + timedelta(days=3 * 365)
        for spec in data.CERTIFICATIONS:
            product = self.products[spec.product]
            if Certification.objects.filter(
                product=product, kind=spec.kind, number=spec.number
            ).exists():
                continue
            catalog.certification_add(
                actor=self.admin,
                product=product,
                kind=spec.kind,
                number=spec.number,
                issuer=spec.issuer,
                valid_from=valid_from,
                valid_until=valid_until,
            )

    def load_trace_batches(self) -> None:
        for spec in data.TRACE_BATCHES:
            if TraceBatch.objects.filter(code=spec.code).exists():
                continue
            harvested = date.fromisoformat(spec.harvest_date)
            tested = (harvested + timedelta(days=4)).isoformat()
            catalog.trace_batch_create(
                actor=self.admin,
                product=self.products[spec.product],
                harvest_date=harvested,
                plot=spec.plot,
                household=self.households[spec.household] if spec.household else None,
                quantity_kg=Decimal(spec.quantity_kg),
                inspection_results=[
                    {
                        "item": item,
                        "result": result,
                        "passed": passed,
                        "agency": spec.agency,
                        "date": tested,
                    }
                    for item, result, passed in spec.inspections
                ],
                code=spec.code,
            )

    def load_collections(self) -> None:
        now = timezone.now()
        for spec in data.COLLECTIONS:
            collection, _ = Collection.objects.get_or_create(
                slug=spec.slug,
                defaults={
                    "name": spec.name,
                    "description": catalog.editorjs_from_text(spec.description),
                },
            )
            for channel in self.channels.values():
                CollectionChannelListing.objects.get_or_create(
                    collection=collection,
                    channel=channel,
                    defaults={"is_published": True, "published_at": now},
                )
            for sort_order, slug in enumerate(spec.products):
                CollectionProduct.objects.get_or_create(
                    collection=collection,
                    product=self.products[slug],
                    defaults={"sort_order": sort_order},
                )

    def load_content(self) -> None:
        """The pages and the `navbar` / `footer` menus Saleor's storefront reads. Each is
        written once: a rerun finds it by slug and leaves it (and staff edits) alone."""
        pages = {}
        for spec in data.PAGES:
            page = Page.objects.filter(slug=spec.slug).first()
            if page is None:
                page = content.page_upsert(
                    slug=spec.slug,
                    title=spec.title,
                    content=catalog.editorjs_from_text("\n".join(spec.paragraphs)),
                    seo_description=spec.seo_description,
                )
            pages[spec.slug] = page
        collections = {c.slug: c for c in Collection.objects.all()}

        def item(spec: data.MenuItemSpec) -> dict[str, Any]:
            entry: dict[str, Any] = {"name": spec.name}
            if spec.category:
                entry["category"] = self.categories[spec.category]
            if spec.collection:
                entry["collection"] = collections[spec.collection]
            if spec.page:
                entry["page"] = pages[spec.page]
            entry["children"] = [item(child) for child in spec.children]
            return entry

        for slug, items in data.MENUS:
            if not Menu.objects.filter(slug=slug).exists():
                content.menu_replace(slug=slug, name=slug, items=[item(i) for i in items])

    def load_selling_terms(self) -> None:
        """What a buyer needs to complete a purchase: each approved shop ships by flat-rate
        express or hands over at its village station, offers a promo code, and its tourism
        offers refund by days before arrival. Looked up by natural key, so reruns add nothing.
        """
        for shop in self.shops.values():
            if shop.status != "APPROVED":
                continue
            # Keyed by name too: the fruit shops also have a cold-chain express method.
            DeliveryMethod.objects.get_or_create(
                shop=shop,
                kind=DeliveryMethodKind.EXPRESS_FLAT,
                name="快递（全国包邮区外按首重计）",
                defaults={
                    "price_amount": Decimal("12.00"),
                    "minimum_delivery_days": 2,
                    "maximum_delivery_days": 5,
                },
            )
            DeliveryMethod.objects.get_or_create(
                shop=shop,
                kind=DeliveryMethodKind.VILLAGE_PICKUP,
                defaults={
                    "name": f"{shop.village.name}村级服务站自提",
                    "pickup_warehouse": self.warehouse(shop),
                },
            )
            Voucher.objects.get_or_create(
                shop=shop,
                code="XIANGCUN10",
                defaults={
                    "name": "乡村振兴满100减10",
                    "discount_type": VoucherDiscountType.FIXED,
                    "discount_value": Decimal("10.00"),
                    "min_spend_amount": Decimal("100.00"),
                    "start_date": timezone.now(),
                },
            )
            has_tourism = shop.products.filter(offering_kind__in=["HOMESTAY", "EXPERIENCE"])
            if has_tourism.exists() and not CancellationPolicy.objects.filter(shop=shop).exists():
                cancellation_policy_set(
                    actor=self.admin, shop=shop, tiers=[(7, 100), (3, 50), (0, 0)]
                )


def _demo_stock(sku: str) -> int:
    """A fixed, varied stock level between 40 and 239 units."""
    return 40 + sum(ord(ch) for ch in sku) % 200
