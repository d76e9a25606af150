"""`ruralmart bench <scenario>`: benchmarks against a seeded bench database and gunicorn.

Thin: parses the scenario and its options, runs it from `tooling.bench.scenarios`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tooling.bench.scenarios import SCENARIOS, ScenarioFailed, TargetsMissed


class Command(BaseCommand):
    help = "Run a benchmark scenario (browse) against a separate, seeded bench database."
    # The bench database is migrated in a child process; checks of the main one are moot.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        subparsers = parser.add_subparsers(dest="scenario", metavar="<scenario>", required=True)
        for scenario in SCENARIOS.values():
            if scenario.hidden:
                sub = subparsers.add_parser(scenario.name, description=scenario.help)
            else:
                sub = subparsers.add_parser(
                    scenario.name, description=scenario.help, help=scenario.help
                )
            scenario.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        scenario = SCENARIOS[options["scenario"]]

        def say(message: str) -> None:
            self.stdout.write(message)
            self.stdout.flush()

        try:
            scenario.run(options, say)
        except (ScenarioFailed, TargetsMissed) as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            raise CommandError("Interrupted; the bench server has been stopped.") from None
