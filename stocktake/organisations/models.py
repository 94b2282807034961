"""Organisations: governments, businesses, civil society, international organisations, academia."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stocktake.core.models import TimeStampedModel
from stocktake.core.text import normalise_name
from stocktake.vocabularies.models import Country, StakeholderGroup


class Organisation(TimeStampedModel):
    """An organisation that takes part in initiatives; units (a division) point at their parent."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    name_normalised = models.CharField(max_length=300, db_index=True, editable=False)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    stakeholder_group = models.ForeignKey(
        StakeholderGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("stakeholder group"),
    )
    iati_type = models.CharField(_("IATI organisation type"), max_length=4, blank=True)
    iati_identifier = models.CharField(
        _("IATI organisation identifier"), max_length=150, null=True, blank=True, unique=True
    )
    country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("country"),
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
        verbose_name=_("parent"),
    )
    provenance = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym and self.acronym != self.name else self.name

    def get_absolute_url(self) -> str:
        return reverse("organisations:detail", args=[self.slug])

    def clean(self) -> None:
        self.name_normalised = normalise_name(self.name)


class OrganisationAlias(models.Model):
    """Another name an organisation is known by ("UN DESA", "DESA"), used for matching and search."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=300)
    name_normalised = models.CharField(max_length=300, db_index=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name_normalised"], name="unique_alias_per_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.name_normalised = normalise_name(self.name)
