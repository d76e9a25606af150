"""A minimal GraphQL-over-HTTP client for the benchmark: one persistent connection, timed.

It uses only the standard library so the measurement includes nothing but the request.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    status: int
    seconds: float
    body: dict[str, Any] | None
    raw: bytes
    queries: int | None

    def problem(self) -> str | None:
        """Why this reply is not a clean success, or None when it is."""
        if self.status != 200:
            return f"HTTP {self.status}: {self.raw[:300].decode(errors='replace')}"
        if self.body is None:
            return f"not JSON: {self.raw[:300].decode(errors='replace')}"
        if self.body.get("errors"):
            return f"GraphQL errors: {json.dumps(self.body['errors'], ensure_ascii=False)[:500]}"
        if self.body.get("data") is None:
            return "no data in the response"
        return None


class GraphQLClient:
    def __init__(self, host: str, port: int, *, path: str = "/graphql/", timeout: float = 60):
        self.host, self.port, self.path, self.timeout = host, port, path, timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def post(self, query: str, variables: dict[str, Any] | None = None) -> Reply:
        payload = json.dumps({"query": query, "variables": variables or {}}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        started = time.perf_counter()
        try:
            status, raw, queries = self._send(payload, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closed an idle keep-alive connection; a query is safe to resend.
            self.close()
            started = time.perf_counter()
            status, raw, queries = self._send(payload, headers)
        seconds = time.perf_counter() - started
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        return Reply(status=status, seconds=seconds, body=body, raw=raw, queries=queries)

    def _send(self, payload: bytes, headers: dict[str, str]) -> tuple[int, bytes, int | None]:
        conn = self._connection()
        conn.request("POST", self.path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        header = response.getheader("X-DB-Queries")
        if response.will_close:
            self.close()
        return response.status, raw, int(header) if header and header.isdigit() else None
