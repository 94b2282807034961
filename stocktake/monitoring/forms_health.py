"""The "rate this round" form of the monitoring area "health"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from stocktake.initiatives.models import Initiative
from stocktake.monitoring.choices import HealthAspect, Rating
from stocktake.monitoring.models import HealthCheck
from stocktake.monitoring.services.health import AspectRating, partner_organisations


def rating_field(aspect: str) -> str:
    return f"rating_{aspect}"


def comment_field(aspect: str) -> str:
    return f"comment_{aspect}"


class HealthCheckForm(forms.Form):
    """One row per aspect: green, amber or red, and a comment; and the partner rated for."""

    def __init__(self, *args: Any, initiative: Initiative, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = partner_organisations(user, initiative)
        self.fields["organisation"] = forms.TypedChoiceField(
            label=_("I rate as a member of"),
            choices=[(organisation.pk, str(organisation)) for organisation in self.partners],
            coerce=int,
            initial=self.partners[0].pk if len(self.partners) == 1 else None,
        )
        for aspect, label in HealthAspect.choices:
            self.fields[rating_field(aspect)] = forms.ChoiceField(
                label=label,
                choices=Rating.choices,
                widget=forms.RadioSelect,
                error_messages={"required": _("Rate “%(aspect)s” green, amber or red.") % {"aspect": label}},
            )
            self.fields[comment_field(aspect)] = forms.CharField(
                label=_("Comment on %(aspect)s") % {"aspect": label},
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def fill_from(self, check: HealthCheck) -> None:
        """Starts from ``check``'s ratings: the person changes what they said this round."""
        self.initial["organisation"] = check.organisation_id
        for rating in check.ratings.all():
            self.initial[rating_field(rating.aspect)] = rating.rating
            self.initial[comment_field(rating.aspect)] = rating.comment

    def rows(self) -> list[tuple[str, Any, Any]]:
        return [
            (aspect, self[rating_field(aspect)], self[comment_field(aspect)])
            for aspect in HealthAspect.values
        ]

    def organisation(self) -> Any:
        chosen = self.cleaned_data["organisation"]
        return next(partner for partner in self.partners if partner.pk == chosen)

    def ratings(self) -> dict[str, AspectRating]:
        return {
            aspect: AspectRating(
                self.cleaned_data[rating_field(aspect)], self.cleaned_data[comment_field(aspect)]
            )
            for aspect in HealthAspect.values
        }
