"""Demo people, so that a new instance can be tried as each role: a steward, a neutral expert
reviewer, and an administrator and a member of a demo organisation, with one record awaiting review.

Development only (``stocktake serve`` on a fresh database). Passwords are random, written once to
``<data dir>/demo-accounts.txt`` (readable by its owner only) and printed by ``serve``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from stocktake.accounts.choices import MembershipRole
from stocktake.accounts.services import account_provision
from stocktake.core.history import Actor
from stocktake.governance.services import initiative_register, initiative_submit
from stocktake.initiatives.choices import Kind, Scope
from stocktake.organisations.models import Organisation

DEMO_ORGANISATION = "dpidg"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    password: str
    role: str


@transaction.atomic
def demo_people_load(*, actor: Actor) -> list[DemoPerson]:
    organisation = Organisation.objects.get(slug=DEMO_ORGANISATION)
    plan: list[tuple[str, str, dict[str, bool], list[tuple[Organisation, str]], str]] = [
        ("steward@example.org", "Sam Steward", {"steward": True}, [], "steward"),
        ("reviewer@example.org", "Rita Reviewer", {"reviewer": True}, [], "neutral expert reviewer"),
        (
            "admin@example.org",
            "Ade Admin",
            {},
            [(organisation, MembershipRole.ADMIN)],
            f"administrator of {organisation.acronym or organisation.name}",
        ),
        (
            "member@example.org",
            "Mia Member",
            {},
            [(organisation, MembershipRole.MEMBER)],
            f"member of {organisation.acronym or organisation.name}",
        ),
    ]
    people = []
    users = {}
    for email, name, roles, memberships, label in plan:
        result = account_provision(
            actor=actor,
            email=email,
            display_name=name,
            memberships=memberships,
            steward=roles.get("steward"),
            reviewer=roles.get("reviewer"),
        )
        users[email] = result.user
        people.append(DemoPerson(email, result.password, label))
    member = Actor(source="cli", user=users["member@example.org"])
    record = initiative_register(
        actor=member,
        organisation=organisation,
        code="DEMO/2026/001",
        kind=Kind.PROJECT,
        title="Digital government self-assessment for small island developing States",
        summary=(
            "A toolkit and peer-review process that helps small island developing States assess their "
            "digital government readiness against the UN E-Government Survey indicators."
        ),
        scope=Scope.REGIONAL,
    )
    initiative_submit(actor=member, initiative=record, note="Ready for review.")
    return people


def demo_people_write(people: list[DemoPerson]) -> Path:
    path = Path(settings.DATA_DIR) / "demo-accounts.txt"
    path.write_text("".join(f"{p.email}\t{p.password}\t{p.role}\n" for p in people))
    path.chmod(0o600)
    return path
