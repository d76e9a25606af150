"""Village stations, shipments, consolidation batches and the parcels logged in and out at
the counter in the back office.

Who sees what: the platform admin sees and edits stations and sees every shipment and
batch; a station's operator and its village's shop manager view that station; a shop
manager views their own shop's parcels with their tracking events; an operator views the
parcels waiting at their station and the batches they consolidate there.

Stations are added through `logistics.stations.services.station_create` (it checks the
operator's role); what stays editable afterwards is the station's own row, guarded by its
CHECK constraints. Shipments, their events and batches are written only by the tracking and
consolidation services (carrier pushes, hand-overs, scans), so they are read-only here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Model
from django.http import HttpRequest

from admin.scoping import (
    Access,
    CreatesThroughServiceMixin,
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedModelAdmin,
)
from logistics.consolidation.models import ConsolidationBatch, ConsolidationItem
from logistics.parcels.models import ParcelDispatch, StationParcel
from logistics.shipments.models import Shipment, ShipmentEvent
from logistics.stations.models import VillageStation
from logistics.stations.services import is_station_operator, station_create
from marketplace.accounts.models import Role

STATION_SCOPE = Scope(
    village_path="village",
    manager=Access.VIEW,
    officer=Access.VIEW,
    operator_path="operator",
    operator=Access.VIEW,
)
# A consignment has no shop order: only platform admins see it among shipments.
SHIPMENT_SCOPE = Scope(
    shop_path="shop_order__shop",
    manager=Access.VIEW,
    operator_path="station__operator",
    operator=Access.VIEW,
)
SHIPMENT_EVENT_SCOPE = Scope(
    shop_path="shipment__shop_order__shop",
    manager=Access.VIEW,
    operator_path="shipment__station__operator",
    operator=Access.VIEW,
)
BATCH_SCOPE = Scope(operator_path="station__operator", operator=Access.VIEW)
BATCH_ITEM_SCOPE = Scope(operator_path="batch__station__operator", operator=Access.VIEW)

STATION_FIELDS = (
    "village",
    "name",
    "address",
    "opening_hours",
    "capacity",
    "operator",
    "red_supermarket_name",
    "is_active",
)


class VillageStationForm(forms.ModelForm):
    class Meta:
        model = VillageStation
        fields = STATION_FIELDS

    def clean_address(self) -> str:
        address: str = self.cleaned_data["address"].strip()
        if not address:
            raise forms.ValidationError("A station needs an address.")
        return address

    def clean_operator(self) -> Any:
        # The service checks this on create; a change saves the row, so the form checks it.
        operator = self.cleaned_data.get("operator")
        if operator is not None and not is_station_operator(operator):
            raise forms.ValidationError(f"{operator} does not hold the station-operator role.")
        return operator


@admin.register(VillageStation)
class VillageStationAdmin(CreatesThroughServiceMixin, ScopedModelAdmin):
    scope = STATION_SCOPE
    form = VillageStationForm
    list_display = ("name", "village", "operator", "capacity", "opening_hours", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "village__name", "address")
    list_select_related = ("village", "operator")
    autocomplete_fields = ("village",)
    readonly_fields = ("created_at",)

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return station_create(
            village=data["village"],
            name=data["name"],
            address=data["address"],
            opening_hours=data["opening_hours"],
            capacity=data["capacity"],
            operator=data.get("operator"),
            red_supermarket_name=data.get("red_supermarket_name", ""),
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "operator":
            kwargs["queryset"] = (
                db_field.remote_field.model._default_manager.filter(
                    role_assignments__role=Role.STATION_OPERATOR
                )
                .distinct()
                .order_by("email")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # One station per village: moving it would leave its parcels and batches behind.
        return ("village", "created_at") if obj is not None else ("created_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Retired with is_active: shipments and batches keep pointing at it.
        return False


class ShipmentEventInline(ReadOnlyInline):
    model = ShipmentEvent
    scope = SHIPMENT_EVENT_SCOPE
    fields = ("occurred_at", "status", "description", "location", "source", "carrier_state")


SHIPMENT_FIELDS = (
    "kind",
    "carrier",
    "tracking_number",
    "status",
    "shop_order",
    "station",
    "pickup_failed_attempts",
    "pickup_locked",
    "arrived_at_station_at",
    "pickup_reminders_sent",
    "subscribed_at",
    "created_at",
    "updated_at",
)


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = SHIPMENT_SCOPE
    # The pickup code's hash never leaves the database.
    fields = SHIPMENT_FIELDS
    readonly_fields = SHIPMENT_FIELDS
    list_display = (
        "tracking_number",
        "carrier",
        "kind",
        "status",
        "shop_name",
        "station",
        "pickup_locked",
        "created_at",
    )
    list_filter = ("status", "kind", "carrier", "pickup_locked")
    search_fields = ("tracking_number",)
    list_select_related = ("shop_order__shop", "station")
    inlines = (ShipmentEventInline,)

    @admin.display(description="shop", ordering="shop_order__shop__name")
    def shop_name(self, obj: Shipment) -> str:
        return obj.shop_order.shop.name if obj.shop_order is not None else "—"


class ConsolidationItemInline(ReadOnlyInline):
    model = ConsolidationItem
    scope = BATCH_ITEM_SCOPE
    fields = ("shipment", "scanned_at", "batch_is_open")
    related = ("shipment",)


@admin.register(ConsolidationBatch)
class ConsolidationBatchAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = BATCH_SCOPE
    fields = (
        "station",
        "status",
        "opened_by",
        "opened_at",
        "total_weight_grams",
        "consignment",
        "closed_at",
    )
    readonly_fields = fields
    list_display = (
        "pk",
        "station",
        "status",
        "parcel_count",
        "total_weight_grams",
        "consignment",
        "opened_at",
        "closed_at",
    )
    list_filter = ("status",)
    list_select_related = ("station", "consignment")
    inlines = (ConsolidationItemInline,)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(parcels=Count("items"))

    @admin.display(description="parcels", ordering="parcels")
    def parcel_count(self, obj: Any) -> int:
        return int(obj.parcels)


# --- parcels logged in and out at the counter ---------------------------------------------

# Recipients' phones are personal data: the station's operator and platform admins only.
STATION_PARCEL_SCOPE = Scope(operator_path="station__operator", operator=Access.VIEW)
STATION_PARCEL_FIELDS = (
    "station",
    "carrier",
    "waybill",
    "status",
    "recipient_phone",
    "recipient_name",
    "shelf_slot",
    "arrived_at",
    "pickup_failed_attempts",
    "pickup_locked",
    "reminders_sent",
    "last_reminded_at",
    "logged_in_by",
    "handed_over_at",
    "handed_over_by",
    "returned_at",
)


@admin.register(StationParcel)
class StationParcelAdmin(ReadOnlyMixin, ScopedModelAdmin):
    """Parcels logged in at a station's counter. Written only by the parcel services (log
    in, hand over, unlock, the reminder task); the code's hash never leaves the database."""

    scope = STATION_PARCEL_SCOPE
    fields = STATION_PARCEL_FIELDS
    readonly_fields = STATION_PARCEL_FIELDS
    list_display = (
        "waybill",
        "carrier",
        "station",
        "status",
        "shelf_slot",
        "arrived_at",
        "pickup_locked",
        "reminders_sent",
    )
    list_filter = ("status", "carrier", "pickup_locked")
    search_fields = ("waybill", "recipient_phone")
    list_select_related = ("station",)
    date_hierarchy = "arrived_at"


@admin.register(ParcelDispatch)
class ParcelDispatchAdmin(ReadOnlyMixin, ScopedModelAdmin):
    scope = STATION_PARCEL_SCOPE
    fields = (
        "station",
        "carrier",
        "waybill",
        "sender_phone",
        "weight_grams",
        "destination",
        "fee_amount",
        "request_id",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    list_display = ("waybill", "carrier", "station", "weight_grams", "fee_amount", "created_at")
    list_filter = ("carrier",)
    search_fields = ("waybill",)
    list_select_related = ("station",)
