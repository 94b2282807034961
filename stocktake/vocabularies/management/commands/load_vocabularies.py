from django.core.management.base import BaseCommand, CommandParser

from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.vocabularies.services import vocabularies_load


class Command(BaseCommand):
    help = "Loads the vocabularies (Action Lines, SDGs, countries, IATI codelists...) whose files changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="reload even unchanged vocabularies")
        parser.add_argument("names", nargs="*", help="only these vocabularies (default: all)")

    def handle(self, *args: object, force: bool, names: list[str], **options: object) -> None:
        actor = Actor.system("load_vocabularies", source=ChangeSource.CLI)
        for result in vocabularies_load(actor=actor, force=force, only=names or None):
            state = "loaded" if result.changed else "unchanged"
            self.stdout.write(f"{result.name:20} {state:9} {result.item_count:6} items  ({result.version})")
