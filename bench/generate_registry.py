"""Adds generated initiatives to the configured database, through the services (history included).

.venv/bin/python bench/generate_registry.py ROWS
"""

from __future__ import annotations

import os
import random
import sys
from decimal import Decimal

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stocktake.settings")
django.setup()

from stocktake.core.history import Actor  # noqa: E402
from stocktake.core.partial_dates import PartialDate  # noqa: E402
from stocktake.initiatives import services  # noqa: E402
from stocktake.organisations.services import organisation_create  # noqa: E402
from stocktake.vocabularies.models import ActionLine, Country, SdgTarget  # noqa: E402


def generate(rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    actor = Actor.system("bench", source="cli")
    countries = list(Country.objects.all())
    lines = list(ActionLine.objects.all())
    targets = list(SdgTarget.objects.all())
    partners = [organisation_create(actor=actor, name=f"Bench partner {n}") for n in range(200)]
    for n in range(rows):
        initiative = services.initiative_create(
            actor=actor,
            code=f"BENCH-{n:06d}",
            kind=rng.choice(["project", "partnership", "ppp"]),
            title=f"{rng.choice(lines).title} in {rng.choice(countries).title}: initiative {n}",
            status=rng.choice("1234"),
            summary="A generated initiative for the page benchmark. " * 3,
            planned_start=PartialDate.parse(f"{rng.randint(2000, 2024)}-{rng.randint(1, 12):02d}"),
        )
        for country in rng.sample(countries, 2):
            services.country_add(actor=actor, initiative=initiative, country=country)
        services.action_line_add(
            actor=actor, initiative=initiative, action_line=rng.choice(lines), basis="editorial"
        )
        services.sdg_target_add(
            actor=actor, initiative=initiative, target=rng.choice(targets), basis="editorial"
        )
        services.participation_add(
            actor=actor, initiative=initiative, organisation=rng.choice(partners), role="implementing"
        )
        services.budget_add(
            actor=actor, initiative=initiative, amount=Decimal(rng.randint(10_000, 5_000_000)), currency="USD"
        )


if __name__ == "__main__":
    generate(int(sys.argv[1]))
