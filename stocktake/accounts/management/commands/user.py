"""``stocktake user EMAIL``: create or update an account from the server's shell, for the first steward
of a new instance, or to name reviewers and organisation members in bulk."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stocktake.accounts.choices import MembershipRole
from stocktake.accounts.services import account_provision
from stocktake.core.choices import ChangeSource
from stocktake.core.history import Actor
from stocktake.organisations.models import Organisation


class Command(BaseCommand):
    help = "Creates or updates an account (verified address): roles, memberships, password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="the name shown to others")
        parser.add_argument(
            "--steward",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="make a steward (--no-steward: no longer)",
        )
        parser.add_argument(
            "--reviewer",
            action=argparse.BooleanOptionalAction,
            default=None,
            help="make a reviewer (--no-reviewer: no longer)",
        )
        parser.add_argument(
            "--member",
            action="append",
            default=[],
            metavar="ORGANISATION[:admin]",
            help="an organisation's slug, approved at once; ':admin' makes them its administrator",
        )
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, email: str, name: str, member: list[str], **options: Any) -> None:
        memberships = []
        for item in member:
            slug, _, role = item.partition(":")
            role = role or MembershipRole.MEMBER
            if role not in MembershipRole.values:
                raise CommandError(f"--member {item}: the role must be member or admin")
            organisation = Organisation.objects.filter(slug=slug).first()
            if organisation is None:
                raise CommandError(f"--member {item}: no organisation has the slug {slug!r}")
            memberships.append((organisation, role))
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else ""
        try:
            result = account_provision(
                actor=Actor.system("stocktake user", source=ChangeSource.CLI),
                email=email,
                password=password,
                steward=options.get("steward"),
                reviewer=options.get("reviewer"),
                display_name=name,
                memberships=memberships,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        user = result.user
        self.stdout.write(f"{'created' if result.created else 'updated'} {user.username}")
        if result.password:
            self.stdout.write(f"password (shown once): {result.password}")
