"""Controlled vocabularies, loaded from the versioned data files in ``data/`` by ``load_vocabularies``.

No title here is typed by hand: each comes from an official file named in ``data/manifest.yaml``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from stocktake.vocabularies.choices import RegionLevel


def _language() -> str:
    return (get_language() or "en").split("-")[0]


class TranslatedMixin:
    """Picks a title in the active language from ``translations`` ({lang: text}), English otherwise."""

    translations: dict
    title: str

    def title_in(self, language: str) -> str:
        return (self.translations or {}).get(language) or self.title

    @property
    def local_title(self) -> str:
        return self.title_in(_language())


class VocabularyVersion(models.Model):
    """Which release of each vocabulary file is loaded, so a changed file is noticed and reloaded."""

    name = models.CharField(max_length=64, unique=True)
    version = models.CharField(max_length=100)
    source = models.CharField(max_length=500)
    licence = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    item_count = models.PositiveIntegerField(default=0)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class ActionLine(TranslatedMixin, models.Model):
    """A WSIS Action Line (C1-C11) or one of C7's sub-lines (C7.1-C7.8, a local code)."""

    code = models.CharField(max_length=8, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    title_2003 = models.CharField(_("title in the 2003 Geneva Plan of Action"), max_length=300, blank=True)
    facilitator = models.CharField(max_length=300, blank=True)
    keywords = models.TextField(blank=True)
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("WSIS Action Line")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def main_code(self) -> str:
        """C7.1 -> C7: the official Action Line a sub-line belongs to."""
        return self.code.split(".")[0]


class SdgGoal(TranslatedMixin, models.Model):
    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=300)
    short_title = models.CharField(max_length=100)
    translations = models.JSONField(default=dict, blank=True)
    short_translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Sustainable Development Goal")

    def __str__(self) -> str:
        return f"{self.number}. {self.short_title}"

    @property
    def code(self) -> str:
        return str(self.number)

    @property
    def local_short_title(self) -> str:
        return (self.short_translations or {}).get(_language()) or self.short_title


class SdgTarget(TranslatedMixin, models.Model):
    code = models.CharField(max_length=8, unique=True)  # "16.6", "9.c"
    goal = models.ForeignKey(SdgGoal, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField()
    title = models.TextField()
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["goal__number", "position"]
        verbose_name = _("SDG target")

    def __str__(self) -> str:
        return f"{self.code} {self.title[:80]}"


class SdgIndicator(TranslatedMixin, models.Model):
    code = models.CharField(max_length=12, unique=True)  # "16.6.1"
    target = models.ForeignKey(SdgTarget, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField()
    title = models.TextField()
    translations = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["target__goal__number", "target__position", "position"]

    def __str__(self) -> str:
        return self.code


class Region(models.Model):
    """A UN M49 region, sub-region or intermediate region."""

    code = models.CharField(max_length=3, unique=True)  # "002" Africa
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")

    def __str__(self) -> str:
        return self.name


class Country(TranslatedMixin, models.Model):
    """A country or territory (ISO 3166-1) in its UN M49 regions, named in the six UN languages."""

    code = models.CharField(max_length=2, primary_key=True)  # ISO 3166-1 alpha-2
    iso3 = models.CharField(max_length=3, unique=True)
    m49 = models.CharField(max_length=3, blank=True)
    title = models.CharField(_("name"), max_length=200)
    translations = models.JSONField(default=dict, blank=True)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sub_region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    intermediate_region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    income_level = models.CharField(_("World Bank income level"), max_length=40, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.title

    @property
    def name(self) -> str:
        return self.local_title

    def region_codes(self) -> list[str]:
        """M49 codes of the world regions the country lies in, widest first."""
        regions = (self.region, self.sub_region, self.intermediate_region)
        return ["001"] + [region.code for region in regions if region is not None]


class CountryGroup(models.Model):
    """A named group of countries: LDC, LLDC, SIDS, developing countries, all UN Member States.

    Membership is dated data (countries graduate from the LDC list), never a constant.
    """

    code = models.SlugField(max_length=32, primary_key=True)
    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=20, blank=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    members = models.ManyToManyField(Country, through="CountryGroupMembership", related_name="groups")

    class Meta:
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class CountryGroupMembership(models.Model):
    group = models.ForeignKey(CountryGroup, on_delete=models.CASCADE, related_name="memberships")
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="group_memberships")
    since = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True, help_text=_("Day the country left the group, if it has"))
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "country"], name="unique_group_member")]

    def __str__(self) -> str:
        return f"{self.country_id} in {self.group_id}"


class StakeholderGroup(models.Model):
    """The stakeholder groups of multi-stakeholder partnerships (government, private sector, ...)."""

    code = models.SlugField(max_length=40, primary_key=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    iati_organisation_types = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.name


class Codelist(models.Model):
    """An IATI codelist (ActivityStatus, Sector, Currency...)."""

    name = models.CharField(max_length=64, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Code(models.Model):
    codelist = models.ForeignKey(Codelist, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=100)
    name = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=40, blank=True)
    active = models.BooleanField(default=True)
    translations = models.JSONField(default=dict, blank=True, help_text="{language: name}")

    class Meta:
        ordering = ["codelist", "code"]
        constraints = [models.UniqueConstraint(fields=["codelist", "code"], name="unique_code_in_list")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
