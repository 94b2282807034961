"""The ``stocktake`` console script: every management command, with the settings preset."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocktake.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["stocktake", *sys.argv[1:]])


if __name__ == "__main__":
    main()
