"""Background work for parcels logged in at stations. Thin: call a service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from logistics.parcels.services import station_parcels_remind_or_return


@shared_task(name="logistics.parcels_remind_or_return", acks_late=True)
def parcels_remind_or_return() -> list[int]:
    return list(station_parcels_remind_or_return(now=timezone.now()))
