"""Periodic work for data requests (see CELERY_BEAT_SCHEDULE): thin, and safe to repeat."""

from __future__ import annotations

from celery import shared_task

from marketplace.audit.services import data_requests_expire


@shared_task(name="audit.expire_data_requests", acks_late=True)
def expire_data_requests() -> int:
    return data_requests_expire()
