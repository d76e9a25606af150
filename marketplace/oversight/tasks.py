"""Celery beat's nightly precompute of the dashboards' figures (thin: one service call)."""

from __future__ import annotations

from celery import shared_task

from marketplace.oversight.refresh import figures_refresh


@shared_task(name="oversight.refresh_figures")
def refresh_figures() -> dict[str, object]:
    result = figures_refresh()
    return {"months": [f"{month:%Y-%m}" for month in result.months], "run": result.run.pk}
