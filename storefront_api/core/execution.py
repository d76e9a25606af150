"""The execution context: deferred (DataLoader) execution that our loaders can reach."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql_sync_dataloaders import DeferredExecutionContext


class RequestExecutionContext(DeferredExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deferred_callbacks: list[Callable[[], None]] = []
        if self.context_value is not None:
            self.context_value._graphql_execution = self

    def defer(self, callback: Callable[[], None]) -> None:
        self._deferred_callbacks.append(callback)

    def execute_operation(self, operation: Any, root_value: Any) -> Any:
        # The parent resets the callback list at the start; loads made before that (none
        # today) would be lost, so keep whatever is queued.
        queued = list(self._deferred_callbacks)
        result = super().execute_operation(operation, root_value)
        for callback in queued:
            callback()
        return result

    def handle_field_error(self, error: Any, return_type: Any, path: Any = None) -> None:
        # graphql-sync-dataloaders was written before graphql-core 3.2.4 added `path`
        # here and calls it with two arguments; keep both call styles working.
        from graphql import is_non_null_type

        if is_non_null_type(return_type):
            raise error
        self.collected_errors.add(error, path)
