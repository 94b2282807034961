from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.monitoring.services.deliverables import PLAN_FILE, plan_of_action_load


class Command(BaseCommand):
    help = "Loads the targets and deliverables of the plan of action (seed 000); loading twice adds nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(PLAN_FILE), help="targets file (default: the shipped one)")

    def handle(self, *args: object, file: str, **options: object) -> None:
        try:
            result = plan_of_action_load(
                actor=Actor.system("load_targets", source=ChangeSource.CLI), path=Path(file)
            )
        except Exception as error:
            raise CommandError(f"targets not loaded, nothing was written: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.targets_created)} targets created, {len(result.targets_updated)} checked, "
                f"{len(result.deliverables_created)} deliverables created"
                + (
                    f"; commitments not in the registry: {', '.join(result.skipped)}"
                    if result.skipped
                    else ""
                )
            )
        )
