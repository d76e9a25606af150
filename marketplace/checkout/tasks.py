"""Background work for checkouts: free what expired reservations and holds still claim.
Thin: each task calls a service; all are safe to run repeatedly and concurrently."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from marketplace.bookings.services import booking_release_expired
from marketplace.checkout.services import reservations_delete_expired


@shared_task(name="checkout.delete_expired_reservations", acks_late=True)
def delete_expired_reservations() -> int:
    """Delete stock reservations past their time (run every few minutes from beat)."""
    return reservations_delete_expired()


@shared_task(name="checkout.release_expired_booking_holds", acks_late=True)
def release_expired_booking_holds() -> int:
    """Give back tourism capacity whose checkout hold has lapsed (run beside the above)."""
    return booking_release_expired(now=timezone.now())
