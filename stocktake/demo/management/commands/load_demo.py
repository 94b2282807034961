from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.demo.services import DEMO_FILE, demo_load
from stocktake.vocabularies.models import VocabularyVersion
from stocktake.vocabularies.services import vocabularies_load


class Command(BaseCommand):
    help = "Loads the demo data made from the source documents (skips records already present)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file", default=str(DEMO_FILE), help="demo data file (default: the shipped one)"
        )

    def handle(self, *args: object, file: str, **options: object) -> None:
        actor = Actor.system("load_demo", source=ChangeSource.CLI)
        if not VocabularyVersion.objects.exists():
            vocabularies_load(actor=actor)
        try:
            result = demo_load(
                actor=actor, path=Path(file), progress=lambda code: self.stdout.write(f"  {code}")
            )
        except Exception as error:
            raise CommandError(f"demo data not loaded, nothing was written: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data v{result.version}: {len(result.created)} initiatives created, "
                f"{len(result.skipped)} already present, {result.organisations_created} organisations created"
            )
        )
