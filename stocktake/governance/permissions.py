"""Who may do what to an initiative. Services call these and refuse with PermissionDenied, so the web,
the API and the command line share one set of rules.

- Editors: approved members of the lead organisation(s), of organisations the lead granted editing
  to, and stewards.
- Reviewers: neutral experts with no tie to any organisation taking part (conflict of interest).
- Stewards: everything, except reviewing where they have a conflict.
"""

from __future__ import annotations

from typing import Any

from stocktake.accounts.permissions import (
    is_active_user,
    is_reviewer,
    is_steward,
    member_organisation_ids,
    tied_organisation_ids,
)
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.models import Funding, Initiative, Participation

# States in which editors change a record: while in review it is frozen, so the reviewer sees what
# they review; a withdrawn record is closed.
EDITABLE_STATES = (PublicationState.DRAFT, PublicationState.CHANGES_REQUESTED, PublicationState.PUBLISHED)
REVIEWABLE_STATES = (PublicationState.SUBMITTED, PublicationState.IN_REVIEW)


def lead_organisation_ids(initiative: Initiative) -> set[int]:
    """The organisations that lead the record: its "lead" partners; failing those, its owning unit;
    failing that, its accountable partners (IATI's nearest role)."""
    by_role: dict[str, set[int]] = {PartnerRole.LEAD: set(), PartnerRole.ACCOUNTABLE: set()}
    for organisation_id, role in Participation.objects.filter(
        initiative=initiative, role__in=list(by_role)
    ).values_list("organisation_id", "role"):
        by_role[role].add(organisation_id)
    if by_role[PartnerRole.LEAD]:
        return by_role[PartnerRole.LEAD]
    if initiative.owning_unit_id:
        return {initiative.owning_unit_id}
    return by_role[PartnerRole.ACCOUNTABLE]


def editor_organisation_ids(initiative: Initiative) -> set[int]:
    granted = set(initiative.editor_grants.values_list("organisation_id", flat=True))
    return lead_organisation_ids(initiative) | granted


def taking_part_organisation_ids(initiative: Initiative) -> set[int]:
    """Every organisation with a stake in the record: partners, owning unit, funders, editors."""
    ids = set(Participation.objects.filter(initiative=initiative).values_list("organisation_id", flat=True))
    if initiative.owning_unit_id:
        ids.add(initiative.owning_unit_id)
    funders = Funding.objects.filter(initiative=initiative, funding_source__organisation__isnull=False)
    ids |= set(funders.values_list("funding_source__organisation_id", flat=True))
    ids |= set(initiative.editor_grants.values_list("organisation_id", flat=True))
    return ids


def is_editor(user: Any, initiative: Initiative) -> bool:
    """Whether ``user`` is among the record's editors, whatever its state."""
    if is_steward(user):
        return True
    return bool(member_organisation_ids(user) & editor_organisation_ids(initiative))


def is_lead_member(user: Any, initiative: Initiative) -> bool:
    return bool(member_organisation_ids(user) & lead_organisation_ids(initiative))


def can_edit(user: Any, initiative: Initiative) -> bool:
    return initiative.state in EDITABLE_STATES and is_editor(user, initiative)


def can_grant_editing(user: Any, initiative: Initiative) -> bool:
    return initiative.state != PublicationState.WITHDRAWN and (
        is_steward(user) or is_lead_member(user, initiative)
    )


def can_view(user: Any, initiative: Initiative) -> bool:
    """Published records are public; the others only to their editors, reviewers and stewards."""
    if initiative.state == PublicationState.PUBLISHED:
        return True
    if not is_active_user(user):
        return False
    if is_editor(user, initiative):
        return True
    return initiative.state in REVIEWABLE_STATES and is_reviewer(user) and not has_conflict(user, initiative)


def has_conflict(user: Any, initiative: Initiative) -> bool:
    """A conflict of interest: ``user`` belongs to, asked to join or declared a tie to a party."""
    return bool(tied_organisation_ids(user) & taking_part_organisation_ids(initiative))


def can_review(user: Any, initiative: Initiative) -> bool:
    """A neutral expert without a conflict. Stewards review only if they are reviewers too."""
    return is_reviewer(user) and not has_conflict(user, initiative)
