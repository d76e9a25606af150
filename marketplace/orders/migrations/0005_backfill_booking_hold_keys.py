"""Give every tourism order line sold before lines kept their booking hold key that key.

Such a line used to be matched, at each cancellation, with the checkout line it was sold
from; doing it once here lets the orders domain stop reading checkout rows. A line is
paired with a checkout line of its order's checkout holding the same booking (variant,
dates, guests); identical bookings pair up in pk order, so each finds its own hold.
Lines whose checkout line is gone keep no key, as they found no hold before.
"""

from django.db import migrations


def _booking(row):
    return (row.variant_id, row.booking_start_date, row.booking_end_date, row.booking_guests)


def backfill_booking_hold_keys(apps, schema_editor=None):
    OrderLine = apps.get_model("orders", "OrderLine")
    CheckoutLine = apps.get_model("checkout", "CheckoutLine")
    taken = set(
        OrderLine.objects.filter(booking_hold_key__isnull=False).values_list(
            "booking_hold_key", flat=True
        )
    )
    unkeyed = (
        OrderLine.objects.filter(booking_start_date__isnull=False, booking_hold_key__isnull=True)
        .exclude(shop_order__order__checkout_token=None)
        .select_related("shop_order__order")
        .order_by("pk")
    )
    by_checkout = {}
    for line in unkeyed:
        by_checkout.setdefault(line.shop_order.order.checkout_token, []).append(line)
    for token, lines in by_checkout.items():
        sources = {}
        for source in CheckoutLine.objects.filter(
            checkout_id=token, booking_start_date__isnull=False
        ).order_by("pk"):
            # The key a checkout line's hold is kept under (CheckoutLine.hold_key).
            sources.setdefault(_booking(source), []).append(f"checkout-line:{source.pk}")
        for line in lines:
            candidates = [key for key in sources.get(_booking(line), []) if key not in taken]
            if candidates:
                key = candidates[0]
                sources[_booking(line)].remove(key)
                taken.add(key)
                OrderLine.objects.filter(pk=line.pk).update(booking_hold_key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_order_line_booking_hold_key"),
        ("checkout", "0003_booking_check_rejects_half_null"),
    ]

    operations = [migrations.RunPython(backfill_booking_hold_keys, migrations.RunPython.noop)]
