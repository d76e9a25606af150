"""The catalog in the back office.

Reference data (attributes, product types, categories) is kept by platform admins and read
by managers and officers. Collections are platform-only. Everything else belongs to a shop:
its manager edits it, township officers read the products of their township.

Why the product pages save through the admin's forms rather than one service per row: a
product page edits the product and its variants, listings, media, certificates and
attributes in one form and one transaction. The catalog services are per row and each would
re-check permissions and refresh the search document again. So the forms enforce the same
rules (scoped choices, the offering kind's fields, consignment only for households of the
shop's village, the database's CHECK constraints through `full_clean`) and, once everything
is saved, `save_related` refreshes the derived data (search document and price range)
through the services. Where one admin form maps onto one service (a certificate, a trace
batch, a picture added on its own page), the service does the write.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone

from admin.scoping import (
    PLATFORM_ONLY,
    Access,
    CreatesThroughServiceMixin,
    ReadOnlyInline,
    Scope,
    ScopedModelAdmin,
    ScopedTabularInline,
    acting_user,
    adopt,
)
from marketplace.accounts.permissions import role_scopes
from marketplace.activity.services import activity_record_update
from marketplace.catalog import services
from marketplace.catalog.models import (
    AssignedProductAttributeValue,
    AssignedVariantAttributeValue,
    Attribute,
    AttributeValue,
    BeneficiaryKind,
    Category,
    Certification,
    Collection,
    CollectionChannelListing,
    CollectionProduct,
    Product,
    ProductChannelListing,
    ProductMedia,
    ProductType,
    ProductVariant,
    ProductVariantChannelListing,
    Thumbnail,
    TraceBatch,
)
from marketplace.inventory.models import Stock
from marketplace.organisations.models import Household

REFERENCE = Scope(reference=True)
PRODUCT_SCOPE = Scope(shop_path="shop", manager=Access.EDIT, officer=Access.VIEW)
PRODUCT_CHILD_SCOPE = Scope(shop_path="product__shop", manager=Access.EDIT)
VARIANT_CHILD_SCOPE = Scope(shop_path="variant__product__shop", manager=Access.EDIT)
KIND_FIELDS = (
    "weight_grams",
    "shelf_life_days",
    "storage",
    "harvest_season",
    "rooms",
    "nightly_capacity",
    "seats_per_date",
)


def refresh_products(product_ids: Iterable[int | None]) -> None:
    """Bring the search documents and cached price ranges of these products up to date."""
    ids = sorted({pk for pk in product_ids if pk is not None})
    if ids:
        services.products_refresh_search_document(product_ids=ids)
        services.products_update_price_range(product_ids=ids)


def consignment_error(*, product: Product | None, household: Household | None) -> str | None:
    """The rule `variant_create` enforces: a shop consigns only for its own village."""
    if product is None or household is None or product.shop_id is None:
        return None
    if household.village_id != product.shop.village_id:
        return (
            f"Household {household.reference} is not in {product.shop.village.name}; a shop "
            "consigns goods only for households of its own village."
        )
    return None


class RefreshesProductMixin:
    """For admins of rows that feed a product's search document or price range."""

    product_path: ClassVar[str] = "product_id"

    def _product_id(self, obj: Model) -> int | None:
        value: Any = obj
        for part in self.product_path.split("."):
            value = getattr(value, part, None)
        return value

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        refresh_products([self._product_id(form.instance)])
        # Variants, their prices and stock are edited here, not through a service.
        activity_record_update(user_id=request.user.pk)

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        product_id = self._product_id(obj)
        super().delete_model(request, obj)  # type: ignore[misc]
        refresh_products([product_id])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids = list(queryset.values_list(self.product_path.replace(".", "__"), flat=True))
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        refresh_products(ids)


def _schedule_thumbnails(media: ProductMedia, *, replaced: bool) -> None:
    from marketplace.catalog.tasks import generate_thumbnails

    if replaced:
        media.thumbnails.all().delete()
    media_id = media.pk
    transaction.on_commit(lambda: generate_thumbnails.delay(media_id))


# --- reference data ---------------------------------------------------------------------


class AttributeValueInline(ScopedTabularInline):
    model = AttributeValue
    scope = REFERENCE
    extra = 0
    fields = ("name", "slug", "sort_order")


@admin.register(Attribute)
class AttributeAdmin(ScopedModelAdmin):
    scope = REFERENCE
    list_display = (
        "name",
        "slug",
        "input_type",
        "unit",
        "visible_in_storefront",
        "filterable_in_storefront",
    )
    list_filter = ("input_type", "visible_in_storefront", "filterable_in_storefront")
    search_fields = ("name", "slug")
    inlines = (AttributeValueInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change and any(formset.has_changed() for formset in formsets):
            # Value names are labels in the products' search documents.
            services.products_mark_search_dirty(attribute_values__value__attribute=form.instance)


@admin.register(AttributeValue)
class AttributeValueAdmin(ScopedModelAdmin):
    scope = REFERENCE
    list_display = ("name", "slug", "attribute", "sort_order")
    list_filter = (("attribute", RelatedOnlyFieldListFilter),)
    search_fields = ("name", "slug", "attribute__name")
    list_select_related = ("attribute",)
    autocomplete_fields = ("attribute",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.products_mark_search_dirty(attribute_values__value=obj)


@admin.register(ProductType)
class ProductTypeAdmin(ScopedModelAdmin):
    scope = REFERENCE
    list_display = ("name", "slug", "has_variants", "is_shipping_required")
    list_filter = ("has_variants", "is_shipping_required")
    search_fields = ("name", "slug")
    filter_horizontal = ("product_attributes", "variant_attributes")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.products_mark_search_dirty(product_type=obj)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = (
            "parent",
            "name",
            "slug",
            "description",
            "background_image",
            "background_image_alt",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "parent" in self.fields:  # the parent is fixed once the category exists
            parent = cleaned.get("parent")
            # What `category_create` does: the tree depth is kept on the row.
            self.instance.level = 0 if parent is None else parent.level + 1
        return cleaned


@admin.register(Category)
class CategoryAdmin(ScopedModelAdmin):
    scope = REFERENCE
    form = CategoryForm
    list_display = ("name", "slug", "parent", "level", "updated_at")
    list_filter = ("level",)
    search_fields = ("name", "slug")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Moving a category would leave its descendants' levels stale; the tree is
        # rebuilt by creating categories, not by dragging them around.
        return ("level", "parent") if obj is not None else ("level",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            services.products_mark_search_dirty(category=obj)


# --- collections (platform) -------------------------------------------------------------


class CollectionProductInline(ScopedTabularInline):
    model = CollectionProduct
    scope = PLATFORM_ONLY
    extra = 0
    fields = ("product", "sort_order")
    autocomplete_fields = ("product",)


class CollectionChannelListingInline(ScopedTabularInline):
    model = CollectionChannelListing
    scope = PLATFORM_ONLY
    extra = 0
    fields = ("channel", "is_published", "published_at")


@admin.register(Collection)
class CollectionAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("name", "slug", "product_count")
    search_fields = ("name", "slug")
    inlines = (CollectionChannelListingInline, CollectionProductInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(_product_count=Count("products"))

    @admin.display(description="Products", ordering="_product_count")
    def product_count(self, obj: Any) -> int:
        return obj._product_count


@admin.register(CollectionChannelListing)
class CollectionChannelListingAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("collection", "channel", "is_published", "published_at")
    list_filter = ("is_published", ("channel", RelatedOnlyFieldListFilter))
    search_fields = ("collection__name",)
    list_select_related = ("collection", "channel")
    autocomplete_fields = ("collection",)


@admin.register(CollectionProduct)
class CollectionProductAdmin(ScopedModelAdmin):
    scope = PLATFORM_ONLY
    list_display = ("collection", "product", "sort_order")
    list_filter = (("collection", RelatedOnlyFieldListFilter),)
    search_fields = ("collection__name", "product__name")
    list_select_related = ("collection", "product")
    autocomplete_fields = ("collection", "product")


# --- forms shared by inlines and standalone pages ---------------------------------------


class VariantForm(forms.ModelForm):
    """A variant; whether it is a consignment follows from the household chosen."""

    class Meta:
        model = ProductVariant
        fields = (
            "product",
            "sku",
            "name",
            "sort_order",
            "weight_grams",
            "track_inventory",
            "quantity_limit_per_customer",
            "beneficiary_household",
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        household = cleaned.get("beneficiary_household")
        self.instance.beneficiary_kind = (
            BeneficiaryKind.HOUSEHOLD if household else BeneficiaryKind.COLLECTIVE
        )
        if "product" in self.fields:  # standalone page; inline rows are checked by the formset
            product = cleaned.get("product") or getattr(self.instance, "product", None)
            error = consignment_error(product=product, household=household)
            if error:
                self.add_error("beneficiary_household", error)
        return cleaned


class VariantInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            error = consignment_error(
                product=self.instance, household=form.cleaned_data.get("beneficiary_household")
            )
            if error:
                form.add_error("beneficiary_household", error)


class ProductListingForm(forms.ModelForm):
    class Meta:
        model = ProductChannelListing
        fields = (
            "product",
            "channel",
            "is_published",
            "visible_in_listings",
            "available_for_purchase_at",
        )

    def save(self, commit: bool = True) -> ProductChannelListing:
        # As `product_channel_listing_update`: publishing stamps the time once.
        listing = super().save(commit=False)
        if listing.is_published and listing.published_at is None:
            listing.published_at = timezone.now()
        if listing.is_published and listing.available_for_purchase_at is None:
            listing.available_for_purchase_at = listing.published_at
        if commit:
            listing.save()
        return listing


class VariantPriceForm(forms.ModelForm):
    class Meta:
        model = ProductVariantChannelListing
        fields = ("variant", "channel", "price_amount", "cost_price_amount")

    def save(self, commit: bool = True) -> ProductVariantChannelListing:
        listing = super().save(commit=False)
        listing.currency = listing.channel.currency_code
        if commit:
            listing.save()
        return listing


class StockForm(forms.ModelForm):
    class Meta:
        model = Stock
        fields = ("warehouse", "product_variant", "quantity")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        quantity = cleaned.get("quantity")
        # Allocations belong to checkout and are not edited here; the stock cannot drop
        # below them (the CHECK constraint would otherwise fail on save).
        if quantity is not None and quantity < self.instance.quantity_allocated:
            self.add_error(
                "quantity",
                f"{self.instance.quantity_allocated} are allocated to orders; the quantity "
                "cannot be lower.",
            )
        warehouse = cleaned.get("warehouse")
        variant = cleaned.get("product_variant")
        if warehouse is not None and variant is not None:
            stock_shop_error(self, warehouse.shop_id, variant.product.shop_id)
        return cleaned


def stock_shop_error(form: forms.ModelForm, warehouse_shop_id: int, product_shop_id: int) -> None:
    if warehouse_shop_id != product_shop_id:
        form.add_error("warehouse", "Stock is kept in a warehouse of the product's own shop.")


class StockInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        product = getattr(self.instance, "product", None)
        if product is None:
            return
        for form in self.forms:
            warehouse = getattr(form, "cleaned_data", {}).get("warehouse")
            if warehouse is not None and not form.cleaned_data.get("DELETE"):
                stock_shop_error(form, warehouse.shop_id, product.shop_id)


# --- product page -----------------------------------------------------------------------


class VariantInline(ScopedTabularInline):
    model = ProductVariant
    scope = PRODUCT_CHILD_SCOPE
    form = VariantForm
    formset = VariantInlineFormSet
    extra = 0
    fields = (
        "sku",
        "name",
        "sort_order",
        "weight_grams",
        "track_inventory",
        "quantity_limit_per_customer",
        "beneficiary_household",
    )
    autocomplete_fields = ("beneficiary_household",)
    show_change_link = True  # prices and stock are edited on the variant's own page


class ProductListingInline(ScopedTabularInline):
    model = ProductChannelListing
    scope = PRODUCT_CHILD_SCOPE
    form = ProductListingForm
    extra = 0
    fields = (
        "channel",
        "is_published",
        "visible_in_listings",
        "available_for_purchase_at",
        "published_at",
        "min_price_amount",
        "max_price_amount",
    )
    readonly_fields = ("published_at", "min_price_amount", "max_price_amount")


class ProductMediaInline(ScopedTabularInline):
    model = ProductMedia
    scope = PRODUCT_CHILD_SCOPE
    extra = 0
    fields = ("image", "alt", "sort_order")


class CertificationInline(ScopedTabularInline):
    model = Certification
    scope = PRODUCT_CHILD_SCOPE
    extra = 0
    fields = ("kind", "number", "issuer", "valid_from", "valid_until")


class ProductAttributeInline(ScopedTabularInline):
    model = AssignedProductAttributeValue
    scope = PRODUCT_CHILD_SCOPE
    extra = 0
    fields = ("value", "sort_order")
    autocomplete_fields = ("value",)


class ProductForm(forms.ModelForm):
    description_text = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="One paragraph per line; stored as EditorJS blocks for Saleor clients.",
    )

    class Meta:
        model = Product
        fields = (
            "shop",
            "product_type",
            "category",
            "name",
            "slug",
            "offering_kind",
            "seo_title",
            "seo_description",
            *KIND_FIELDS,
            "rating",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["description_text"].initial = self.instance.description_plaintext

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("offering_kind") or self.instance.offering_kind
        if kind:
            details = {
                field: cleaned.get(field) if field in self.fields else getattr(self.instance, field)
                for field in KIND_FIELDS
            }
            try:
                # The same check product_create/product_update make; see the report about
                # making it public.
                services.product_check_kind_fields(kind, details)
            except ValidationError as error:
                self.add_error(None, error)
        if "name" in cleaned and not cleaned["name"].strip():
            self.add_error("name", "A product needs a name.")
        return cleaned


@admin.register(Product)
class ProductAdmin(ScopedModelAdmin):
    scope = PRODUCT_SCOPE
    form = ProductForm
    list_display = (
        "name",
        "shop",
        "village",
        "offering_kind",
        "category",
        "product_type",
        "variant_count",
        "lowest_price",
        "updated_at",
    )
    list_filter = (
        "offering_kind",
        "channel_listings__is_published",
        ("shop", RelatedOnlyFieldListFilter),
        ("category", RelatedOnlyFieldListFilter),
        ("shop__village__township", RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "slug", "shop__name", "variants__sku")
    list_select_related = ("shop__village", "category", "product_type")
    autocomplete_fields = ("shop", "category", "product_type")
    inlines = (
        VariantInline,
        ProductListingInline,
        ProductMediaInline,
        CertificationInline,
        ProductAttributeInline,
    )
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "shop",
                    "product_type",
                    "category",
                    "name",
                    "slug",
                    "offering_kind",
                    "description_text",
                )
            },
        ),
        (
            "Produce and goods",
            {"fields": ("weight_grams", "shelf_life_days", "storage", "harvest_season")},
        ),
        ("Tourism", {"fields": ("rooms", "nightly_capacity", "seats_per_date")}),
        ("Search and rating", {"fields": ("seo_title", "seo_description", "rating")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                _variant_count=Count("variants", distinct=True),
                _lowest_price=Min("channel_listings__min_price_amount"),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # What product_update may not change: moving a product between shops would orphan
        # its consignments, and its kind decides which details it has.
        return ("shop", "product_type", "offering_kind") if obj is not None else ()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        managed = role_scopes(acting_user(request)).managed_shop_ids
        if len(managed) == 1 and "shop" not in initial:
            initial["shop"] = next(iter(managed))
        return initial

    @admin.display(description="Village", ordering="shop__village__code")
    def village(self, obj: Product) -> str:
        return obj.shop.village.name

    @admin.display(description="Variants", ordering="_variant_count")
    def variant_count(self, obj: Any) -> int:
        return obj._variant_count

    @admin.display(description="From (CNY)", ordering="_lowest_price")
    def lowest_price(self, obj: Any) -> Any:
        return obj._lowest_price

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        if "description_text" in form.changed_data or not change:
            obj.description = services.editorjs_from_text(form.cleaned_data["description_text"])
            obj.description_plaintext = services.editorjs_to_text(obj.description)
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is ProductMedia:
            for media in formset.new_objects:
                _schedule_thumbnails(media, replaced=False)
            for media, changed_fields in formset.changed_objects:
                if "image" in changed_fields:
                    _schedule_thumbnails(media, replaced=True)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        refresh_products([form.instance.pk])
        activity_record_update(user_id=request.user.pk)


# --- variants and their prices, stock and attributes ------------------------------------


class VariantPriceInline(ScopedTabularInline):
    model = ProductVariantChannelListing
    scope = VARIANT_CHILD_SCOPE
    form = VariantPriceForm
    extra = 0
    fields = ("channel", "price_amount", "cost_price_amount", "currency")
    readonly_fields = ("currency",)


class StockInline(ScopedTabularInline):
    model = Stock
    scope = Scope(shop_path="product_variant__product__shop", manager=Access.EDIT)
    form = StockForm
    formset = StockInlineFormSet
    extra = 0
    fields = ("warehouse", "quantity", "quantity_allocated")
    readonly_fields = ("quantity_allocated",)


class VariantAttributeInline(ScopedTabularInline):
    model = AssignedVariantAttributeValue
    scope = VARIANT_CHILD_SCOPE
    extra = 0
    fields = ("value", "sort_order")
    autocomplete_fields = ("value",)


@admin.register(ProductVariant)
class ProductVariantAdmin(RefreshesProductMixin, ScopedModelAdmin):
    scope = PRODUCT_CHILD_SCOPE
    form = VariantForm
    list_display = (
        "sku",
        "name",
        "product",
        "shop",
        "beneficiary_kind",
        "beneficiary_household",
        "track_inventory",
    )
    list_filter = (
        "beneficiary_kind",
        "track_inventory",
        ("product__shop", RelatedOnlyFieldListFilter),
    )
    search_fields = ("sku", "name", "product__name")
    list_select_related = ("product__shop", "beneficiary_household")
    autocomplete_fields = ("product", "beneficiary_household")
    inlines = (VariantPriceInline, StockInline, VariantAttributeInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("product", "beneficiary_kind") if obj is not None else ("beneficiary_kind",)

    @admin.display(description="Shop", ordering="product__shop__name")
    def shop(self, obj: ProductVariant) -> str:
        return obj.product.shop.name


@admin.register(ProductVariantChannelListing)
class ProductVariantChannelListingAdmin(RefreshesProductMixin, ScopedModelAdmin):
    scope = VARIANT_CHILD_SCOPE
    form = VariantPriceForm
    product_path = "variant.product_id"
    list_display = ("variant", "channel", "price_amount", "cost_price_amount", "currency")
    list_filter = (("channel", RelatedOnlyFieldListFilter),)
    search_fields = ("variant__sku", "variant__product__name")
    list_select_related = ("variant__product", "channel")
    autocomplete_fields = ("variant",)


@admin.register(ProductChannelListing)
class ProductChannelListingAdmin(RefreshesProductMixin, ScopedModelAdmin):
    scope = PRODUCT_CHILD_SCOPE
    form = ProductListingForm
    list_display = (
        "product",
        "channel",
        "is_published",
        "published_at",
        "min_price_amount",
        "max_price_amount",
    )
    list_filter = ("is_published", ("channel", RelatedOnlyFieldListFilter))
    search_fields = ("product__name", "product__slug")
    list_select_related = ("product", "channel")
    autocomplete_fields = ("product",)
    readonly_fields = ("published_at", "min_price_amount", "max_price_amount")


@admin.register(AssignedProductAttributeValue)
class AssignedProductAttributeValueAdmin(RefreshesProductMixin, ScopedModelAdmin):
    scope = PRODUCT_CHILD_SCOPE
    list_display = ("product", "attribute", "value", "sort_order")
    search_fields = ("product__name", "value__name")
    list_select_related = ("product", "value__attribute")
    autocomplete_fields = ("product", "value")

    @admin.display(description="Attribute")
    def attribute(self, obj: AssignedProductAttributeValue) -> str:
        return obj.value.attribute.name


@admin.register(AssignedVariantAttributeValue)
class AssignedVariantAttributeValueAdmin(ScopedModelAdmin):
    scope = VARIANT_CHILD_SCOPE
    list_display = ("variant", "value", "sort_order")
    search_fields = ("variant__sku", "value__name")
    list_select_related = ("variant__product", "value")
    autocomplete_fields = ("variant", "value")


# --- media, certificates, trace batches --------------------------------------------------


class ThumbnailInline(ReadOnlyInline):
    model = Thumbnail
    scope = Scope(shop_path="media__product__shop", manager=Access.VIEW)
    fields = ("size", "image")


@admin.register(ProductMedia)
class ProductMediaAdmin(ScopedModelAdmin):
    scope = PRODUCT_CHILD_SCOPE
    list_display = ("__str__", "product", "alt", "sort_order", "image")
    search_fields = ("product__name", "alt")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)
    inlines = (ThumbnailInline,)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return (
            ("product", "image", "alt")
            if obj is None
            else ("product", "image", "alt", "sort_order")
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("product",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: ProductMedia, form: Any, change: bool) -> None:
        if not change:
            adopt(
                obj,
                services.product_media_add(
                    actor=acting_user(request),
                    product=form.cleaned_data["product"],
                    image=form.cleaned_data["image"],
                    alt=form.cleaned_data.get("alt", ""),
                ),
            )
            return
        super().save_model(request, obj, form, change)
        if "image" in form.changed_data:
            _schedule_thumbnails(obj, replaced=True)


@admin.register(Thumbnail)
class ThumbnailAdmin(ScopedModelAdmin):
    """Thumbnails are made by `generate_thumbnails`; here they can be looked at or dropped."""

    scope = Scope(shop_path="media__product__shop", manager=Access.EDIT)
    list_display = ("media", "size", "image")
    list_filter = ("size",)
    search_fields = ("media__product__name",)
    list_select_related = ("media",)
    raw_id_fields = ("media",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.may_edit(request, obj)


@admin.register(Certification)
class CertificationAdmin(CreatesThroughServiceMixin, RefreshesProductMixin, ScopedModelAdmin):
    scope = PRODUCT_CHILD_SCOPE
    list_display = ("number", "kind", "product", "issuer", "valid_from", "valid_until")
    list_filter = ("kind", ("product__shop", RelatedOnlyFieldListFilter))
    search_fields = ("number", "issuer", "product__name")
    list_select_related = ("product",)
    autocomplete_fields = ("product",)

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Certification:
        return services.certification_add(
            actor=acting_user(request),
            product=data["product"],
            kind=data["kind"],
            number=data["number"],
            issuer=data["issuer"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
        )


class TraceBatchForm(forms.ModelForm):
    class Meta:
        model = TraceBatch
        fields = (
            "product",
            "code",
            "harvest_date",
            "plot",
            "household",
            "quantity_kg",
            "inspection_results",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "code" in self.fields:
            self.fields["code"].required = False
            self.fields["code"].help_text = "Leave empty to generate one."

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        product = cleaned.get("product") or getattr(self.instance, "product", None)
        household = cleaned.get("household")
        if (
            product is not None
            and household is not None
            and household.village_id != product.shop.village_id
        ):
            self.add_error("household", "The household must belong to the shop's village.")
        if "plot" in cleaned and not cleaned["plot"].strip():
            self.add_error("plot", "A trace batch names its plot.")
        return cleaned


@admin.register(TraceBatch)
class TraceBatchAdmin(CreatesThroughServiceMixin, ScopedModelAdmin):
    scope = PRODUCT_CHILD_SCOPE
    form = TraceBatchForm
    list_display = (
        "code",
        "product",
        "village",
        "household",
        "harvest_date",
        "plot",
        "quantity_kg",
    )
    list_filter = (("village", RelatedOnlyFieldListFilter), "harvest_date")
    search_fields = ("code", "plot", "product__name", "household__reference")
    list_select_related = ("product", "village", "household")
    autocomplete_fields = ("product", "household")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The code is printed on packs and the village follows the product's shop.
        return ("product", "code", "village") if obj is not None else ("village",)

    def create(self, request: HttpRequest, data: dict[str, Any]) -> TraceBatch:
        return services.trace_batch_create(
            actor=acting_user(request),
            product=data["product"],
            harvest_date=data["harvest_date"],
            plot=data["plot"],
            household=data.get("household"),
            quantity_kg=data.get("quantity_kg"),
            inspection_results=data.get("inspection_results") or [],
            code=data.get("code") or None,
        )
