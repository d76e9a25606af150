"""Write the live GraphQL schema as SDL to storefront_api/schema.graphql (the committed
snapshot a test compares against), so every API change is deliberate and reviewed."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

SNAPSHOT = Path(__file__).resolve().parents[3] / "storefront_api" / "schema.graphql"


def live_sdl() -> str:
    # The domain package never loads the API at import time; only this command needs it.
    from graphql import print_schema

    from storefront_api.schema import schema

    return print_schema(schema.graphql_schema) + "\n"


class Command(BaseCommand):
    help = "Rewrite the committed schema snapshot from the live schema."

    def handle(self, *args: Any, **options: Any) -> None:
        SNAPSHOT.write_text(live_sdl())
        self.stdout.write(f"Wrote {SNAPSHOT}")
