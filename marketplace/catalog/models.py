"""Catalog models. Rules that one row can state are CHECK constraints; rules spanning
models (a consigned household lives in the shop's village) are in `services.py`."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q

from marketplace.channels.models import Channel
from marketplace.organisations.models import Household, Shop


class OfferingKind(models.TextChoices):
    PRODUCE = "PRODUCE", "Specialty produce"
    GOODS = "GOODS", "Goods"
    HOMESTAY = "HOMESTAY", "Homestay"
    EXPERIENCE = "EXPERIENCE", "Experience"


class Storage(models.TextChoices):
    AMBIENT = "AMBIENT", "Ambient"
    CHILLED = "CHILLED", "Chilled"
    FROZEN = "FROZEN", "Frozen"


class BeneficiaryKind(models.TextChoices):
    COLLECTIVE = "COLLECTIVE", "Village collective"
    HOUSEHOLD = "HOUSEHOLD", "Household (consignment)"


class AttributeInputType(models.TextChoices):
    DROPDOWN = "DROPDOWN", "Dropdown"
    MULTISELECT = "MULTISELECT", "Multi-select"
    PLAIN_TEXT = "PLAIN_TEXT", "Plain text"
    NUMERIC = "NUMERIC", "Numeric"
    BOOLEAN = "BOOLEAN", "Boolean"


class Attribute(models.Model):
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=128, unique=True)
    input_type = models.CharField(
        max_length=16, choices=AttributeInputType.choices, default=AttributeInputType.DROPDOWN
    )
    unit = models.CharField(max_length=16, blank=True)
    visible_in_storefront = models.BooleanField(default=True)
    filterable_in_storefront = models.BooleanField(default=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["attribute_id", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["attribute", "slug"], name="attribute_value_slug_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductType(models.Model):
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=128, unique=True)
    has_variants = models.BooleanField(default=True)
    is_shipping_required = models.BooleanField(default=True)
    product_attributes = models.ManyToManyField(Attribute, blank=True, related_name="product_types")
    variant_attributes = models.ManyToManyField(
        Attribute, blank=True, related_name="variant_product_types"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the category tree. `level` is kept by `category_create`."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    name = models.CharField(max_length=128)
    slug = models.SlugField(max_length=128, unique=True)
    description = models.JSONField(blank=True, null=True)
    level = models.PositiveSmallIntegerField(default=0)
    background_image = models.ImageField(upload_to="category-backgrounds", blank=True)
    background_image_alt = models.CharField(max_length=128, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["level", "slug"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(level=0))
                | (Q(parent__isnull=False) & Q(level__gt=0)),
                name="category_level_matches_parent",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="products")
    product_type = models.ForeignKey(ProductType, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.JSONField(blank=True, null=True, help_text="EditorJS JSON, as Saleor.")
    description_plaintext = models.TextField(blank=True)
    seo_title = models.CharField(max_length=128, blank=True)
    seo_description = models.CharField(max_length=300, blank=True)
    offering_kind = models.CharField(max_length=16, choices=OfferingKind.choices)
    # Produce
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    shelf_life_days = models.PositiveIntegerField(null=True, blank=True)
    storage = models.CharField(max_length=8, choices=Storage.choices, blank=True)
    harvest_season = models.CharField(max_length=64, blank=True, help_text="e.g. 3月–5月 (春茶)")
    # Homestay
    rooms = models.PositiveSmallIntegerField(null=True, blank=True)
    nightly_capacity = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Guests the homestay can sleep per night."
    )
    # Experience
    seats_per_date = models.PositiveSmallIntegerField(null=True, blank=True)
    rating = models.FloatField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)
    search_index_dirty = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["slug"]
        indexes = [
            GinIndex(fields=["search_vector"], name="product_search_gin"),
            models.Index(fields=["shop", "offering_kind"]),
            models.Index(fields=["name", "id"]),
        ]
        constraints = [
            # Target of the (product, shop) foreign key from channel listings.
            models.UniqueConstraint(fields=["id", "shop"], name="product_id_shop_unique"),
            models.CheckConstraint(
                name="produce_has_shelf_life_and_storage",
                condition=~Q(offering_kind="PRODUCE")
                | (Q(shelf_life_days__isnull=False) & ~Q(storage="")),
            ),
            models.CheckConstraint(
                name="homestay_has_rooms_and_capacity",
                # SQL CHECK passes on NULL, so "not null" is spelled out.
                condition=~Q(offering_kind="HOMESTAY")
                | Q(
                    rooms__isnull=False,
                    rooms__gte=1,
                    nightly_capacity__isnull=False,
                    nightly_capacity__gte=1,
                ),
            ),
            models.CheckConstraint(
                name="experience_has_seats",
                condition=~Q(offering_kind="EXPERIENCE")
                | Q(seats_per_date__isnull=False, seats_per_date__gte=1),
            ),
            models.CheckConstraint(
                name="rating_in_range",
                condition=Q(rating__isnull=True) | (Q(rating__gte=0) & Q(rating__lte=5)),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_tourism(self) -> bool:
        return self.offering_kind in (OfferingKind.HOMESTAY, OfferingKind.EXPERIENCE)


class AssignedProductAttributeValue(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="attribute_values")
    value = models.ForeignKey(AttributeValue, on_delete=models.CASCADE, related_name="+")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "value"], name="product_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.value_id}"


VARIANT_MAX_WEIGHT_GRAMS = 50_000
VARIANT_MAX_SIDE_CM = 150


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=255, blank=True)
    sort_order = models.IntegerField(default=0)
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    # Packed size in centimetres, for volumetric delivery weight; all three or none.
    length_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    track_inventory = models.BooleanField(default=True)
    # EAN-13 printed on the pack, scanned at the Red Supermarket's counter. The check digit
    # is the counter services' business (`marketplace.red_supermarket.barcodes`).
    barcode = models.CharField(max_length=13, null=True, blank=True, unique=True)
    quantity_limit_per_customer = models.PositiveIntegerField(null=True, blank=True)
    # Who the sale benefits: settlement later pays this party, so it is fixed per variant.
    beneficiary_kind = models.CharField(
        max_length=12, choices=BeneficiaryKind.choices, default=BeneficiaryKind.COLLECTIVE
    )
    beneficiary_household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consigned_variants",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.CheckConstraint(
                name="household_beneficiary_iff_consigned",
                condition=(Q(beneficiary_kind="HOUSEHOLD") & Q(beneficiary_household__isnull=False))
                | (Q(beneficiary_kind="COLLECTIVE") & Q(beneficiary_household__isnull=True)),
            ),
            # Bounds are what an express parcel can be (carriers stop near 50 kg and 1.5 m a
            # side); anything beyond is a typo, refused before it prices a delivery.
            models.CheckConstraint(
                name="variant_weight_sane",
                condition=Q(weight_grams__isnull=True)
                | Q(weight_grams__gt=0, weight_grams__lte=VARIANT_MAX_WEIGHT_GRAMS),
            ),
            models.CheckConstraint(
                name="variant_barcode_ean13_digits",
                condition=Q(barcode__isnull=True) | Q(barcode__regex=r"^[0-9]{13}$"),
            ),
            models.CheckConstraint(
                name="variant_size_all_or_none_and_sane",
                condition=Q(length_cm__isnull=True, width_cm__isnull=True, height_cm__isnull=True)
                # Spelled out: a NULL side would make the comparisons NULL, which passes.
                | Q(
                    length_cm__isnull=False,
                    width_cm__isnull=False,
                    height_cm__isnull=False,
                    length_cm__gt=0,
                    width_cm__gt=0,
                    height_cm__gt=0,
                    length_cm__lte=VARIANT_MAX_SIDE_CM,
                    width_cm__lte=VARIANT_MAX_SIDE_CM,
                    height_cm__lte=VARIANT_MAX_SIDE_CM,
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} / {self.name or self.sku}"


class AssignedVariantAttributeValue(models.Model):
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="attribute_values"
    )
    value = models.ForeignKey(AttributeValue, on_delete=models.CASCADE, related_name="+")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "value"], name="variant_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}: {self.value_id}"


class ProductChannelListing(models.Model):
    """Publication of a product in a channel, plus its cached price range there.

    `min_price_amount`/`max_price_amount` are derived from the variant listings by
    `product_update_price_range` so that price sorting and filtering use an index instead
    of aggregating variant prices on every page.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="channel_listings")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="product_listings")
    # The product's shop, copied here so counting a channel's visible products reads only
    # this narrow table and the shops. The database fills it on every write (trigger) and a
    # composite foreign key to (product, shop) keeps it equal to the product's shop, so it
    # can never drift; see migration 0003. Null only in Python before the first save.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, null=True, editable=False, related_name="+"
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    visible_in_listings = models.BooleanField(default=True)
    available_for_purchase_at = models.DateTimeField(null=True, blank=True)
    min_price_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_price_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["channel", "is_published", "min_price_amount"]),
            models.Index(fields=["channel", "shop", "is_published"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="product_listing_unique"),
            models.CheckConstraint(
                name="product_listing_price_range_ordered",
                # Both ends or neither; NULL is spelled out because CHECK passes on NULL.
                condition=Q(min_price_amount__isnull=True, max_price_amount__isnull=True)
                | Q(
                    min_price_amount__isnull=False,
                    max_price_amount__isnull=False,
                    min_price_amount__lte=F("max_price_amount"),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.channel_id}"


class ProductVariantChannelListing(models.Model):
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.CASCADE, related_name="channel_listings"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="variant_listings")
    currency = models.CharField(max_length=3, default="CNY")
    price_amount = models.DecimalField(max_digits=12, decimal_places=2)
    cost_price_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "channel"], name="variant_listing_unique"),
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="variant_price_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} in {self.channel_id}: {self.price_amount}"


class Collection(models.Model):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=255, unique=True)
    description = models.JSONField(blank=True, null=True)
    background_image = models.ImageField(upload_to="collection-backgrounds", blank=True)
    background_image_alt = models.CharField(max_length=128, blank=True)
    products: models.ManyToManyField[Product, CollectionProduct] = models.ManyToManyField(
        Product, blank=True, related_name="collections", through="CollectionProduct"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class CollectionProduct(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "product"], name="collection_product_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection_id} ∋ {self.product_id}"


class CollectionChannelListing(models.Model):
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="channel_listings"
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "channel"], name="collection_listing_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.collection_id} in {self.channel_id}"


class ProductMedia(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="media")
    image = models.ImageField(upload_to="products")
    alt = models.CharField(max_length=250, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name_plural = "product media"

    def __str__(self) -> str:
        return self.alt or self.image.name


class Thumbnail(models.Model):
    """A resized copy of an image, made in the background by `generate_thumbnails`."""

    media = models.ForeignKey(ProductMedia, on_delete=models.CASCADE, related_name="thumbnails")
    size = models.PositiveSmallIntegerField()
    image = models.ImageField(upload_to="thumbnails")

    class Meta:
        ordering = ["size"]
        constraints = [
            models.UniqueConstraint(fields=["media", "size"], name="one_thumbnail_per_size")
        ]

    def __str__(self) -> str:
        return f"{self.media_id}@{self.size}"


class CertificationKind(models.TextChoices):
    POVERTY_RELIEF = "POVERTY_RELIEF", "Certified poverty-relief product (消费帮扶产品认定)"
    GREEN = "GREEN", "Green food (绿色食品)"
    ORGANIC = "ORGANIC", "Organic (有机产品)"
    GEOGRAPHIC_INDICATION = "GEOGRAPHIC_INDICATION", "Geographic indication (地理标志)"


class Certification(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="certifications")
    kind = models.CharField(max_length=24, choices=CertificationKind.choices)
    number = models.CharField(max_length=64)
    issuer = models.CharField(max_length=128)
    valid_from = models.DateField()
    valid_until = models.DateField()

    class Meta:
        ordering = ["kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "number", "product"], name="certificate_unique"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="certificate_validity_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class TraceBatch(models.Model):
    """A harvest batch: batch → plot → household → village. `code` is printed on the pack."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="trace_batches")
    code = models.CharField(max_length=32, unique=True)
    harvest_date = models.DateField()
    plot = models.CharField(max_length=128, help_text="Plot name or number, e.g. 冰岛老寨 3号地")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="trace_batches"
    )
    village = models.ForeignKey(
        "divisions.Village", on_delete=models.PROTECT, related_name="trace_batches"
    )
    quantity_kg = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    inspection_results = models.JSONField(
        default=list,
        blank=True,
        help_text='A list of {"item", "result", "passed", "agency", "date"} entries.',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-harvest_date", "code"]
        verbose_name_plural = "trace batches"
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z0-9-]{6,32}$"), name="trace_code_format"
            )
        ]

    def __str__(self) -> str:
        return self.code
