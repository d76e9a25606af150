"""The production entry point loads the app before the first request and freezes it."""

from __future__ import annotations

import os
import subprocess
import sys


def test_wsgi_loads_the_urlconf_and_hides_it_from_the_garbage_collector():
    probe = (
        "import gc, sys, marketplace.wsgi\n"
        "print(gc.get_freeze_count(), 'storefront_api.schema' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgresql://x@127.0.0.1:1/x",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    frozen, schema_loaded = done.stdout.split()
    # The whole application (models, schema, admin) is tens of thousands of objects.
    assert int(frozen) > 20_000
    assert schema_loaded == "True"
