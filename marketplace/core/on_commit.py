"""Background work scheduled once the writing transaction commits, the one way the domain
starts side effects (mail, follow-up tasks): nothing is sent for a write that rolls back."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction


def delay_on_commit(task: Any, *args: Any, logger: logging.Logger, failure: str) -> None:
    """Queue the Celery `task` with `args` after commit. A broker that cannot be reached is
    logged (`failure`) and never raised: what was committed stays so, and each such task
    has a periodic sweep or an idempotent retry behind it."""

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            logger.exception(failure)

    transaction.on_commit(send)
