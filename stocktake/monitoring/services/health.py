"""Writing the monitoring area "health": every write validated, in one transaction, with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from stocktake.accounts.permissions import is_active_user, member_organisation_ids
from stocktake.core.history import Actor, save_with_history
from stocktake.initiatives.choices import PublicationState
from stocktake.initiatives.models import Initiative, Participation
from stocktake.monitoring.choices import HealthAspect, Rating
from stocktake.monitoring.health import current_round_start
from stocktake.monitoring.models import HealthCheck, HealthRating
from stocktake.organisations.models import Organisation


@dataclass(frozen=True)
class AspectRating:
    rating: str
    comment: str = ""


def partner_organisations(user: Any, initiative: Initiative) -> list[Organisation]:
    """The partners of ``initiative`` (its partner organisations and its owning unit) whose approved
    member ``user`` is: those they may rate for."""
    if not is_active_user(user):
        return []
    partners = set(
        Participation.objects.filter(initiative=initiative).values_list("organisation_id", flat=True)
    )
    if initiative.owning_unit_id:
        partners.add(initiative.owning_unit_id)  # the unit that runs it takes part too
    ids = member_organisation_ids(user) & partners
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


def can_rate(user: Any, initiative: Initiative) -> bool:
    return initiative.state == PublicationState.PUBLISHED and bool(partner_organisations(user, initiative))


def _clean_ratings(ratings: dict[str, AspectRating]) -> dict[str, AspectRating]:
    errors: dict[str, list[str]] = {}
    unknown = set(ratings) - set(HealthAspect.values)
    if unknown:
        errors["__all__"] = [_("Unknown aspects: %(aspects)s.") % {"aspects": ", ".join(sorted(unknown))}]
    for aspect, label in HealthAspect.choices:
        given = ratings.get(aspect)
        if given is None or not given.rating:
            errors[aspect] = [_("Rate “%(aspect)s” green, amber or red.") % {"aspect": label}]
        elif given.rating not in Rating.values:
            errors[aspect] = [
                _("“%(value)s” is not a rating of “%(aspect)s”: choose green, amber or red.")
                % {"value": given.rating, "aspect": label}
            ]
    if errors:
        raise ValidationError(errors)
    return {
        aspect: AspectRating(ratings[aspect].rating, ratings[aspect].comment.strip()) for aspect in ratings
    }


@transaction.atomic
def health_check_save(
    *,
    actor: Actor,
    initiative: Initiative,
    organisation: Organisation,
    ratings: dict[str, AspectRating],
    today: date | None = None,
) -> HealthCheck:
    """Rates the partnership on every aspect, for ``organisation``, in the current round.

    One check per person and round: a second one in the same round changes the first.
    """
    user = actor.user
    if initiative.state != PublicationState.PUBLISHED:
        raise PermissionDenied(_("Only published records have their partnership health rated."))
    partners = partner_organisations(user, initiative)
    if not partners:
        raise PermissionDenied(_("Only members of the partner organisations rate this partnership's health."))
    if organisation.pk not in {partner.pk for partner in partners}:
        raise PermissionDenied(
            _("You can rate this partnership only for a partner organisation you are a member of.")
        )
    cleaned = _clean_ratings(ratings)
    start = current_round_start(initiative, today)
    check = (
        HealthCheck.objects.select_for_update()
        .filter(initiative=initiative, author=user, round_start=start)
        .first()
    )
    if check is None:
        check = HealthCheck(initiative=initiative, author=user, round_start=start)
    check.organisation = organisation
    save_with_history(check, actor=actor, parent=initiative)
    existing = {rating.aspect: rating for rating in check.ratings.all()}
    for aspect, given in cleaned.items():
        rating = existing.get(aspect) or HealthRating(health_check=check, aspect=aspect)
        if rating.pk is not None and (rating.rating, rating.comment) == (given.rating, given.comment):
            continue
        rating.rating = given.rating
        rating.comment = given.comment
        save_with_history(rating, actor=actor, parent=initiative)
    return check
