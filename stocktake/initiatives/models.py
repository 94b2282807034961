"""Initiatives (projects, partnerships, PPPs, programmes, commitments, events) and what hangs off them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from stocktake.core.choices import Basis
from stocktake.core.models import TimeStampedModel
from stocktake.core.partial_dates import DatePrecision, PartialDate, partial_date
from stocktake.core.text import normalise_code
from stocktake.initiatives.choices import (
    ConflictStatus,
    DpgStatus,
    FundingSourceKind,
    Kind,
    Outcome,
    PartnerRole,
    PublicationState,
    RelationType,
    Scope,
    SectionKind,
)
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import (
    ActionLine,
    Country,
    CountryGroup,
    Region,
    SdgGoal,
    SdgTarget,
    StakeholderGroup,
)


def _precision_field() -> models.CharField:
    return models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)


def _partial(name: str) -> property:
    def getter(self: models.Model) -> PartialDate | None:
        return partial_date(getattr(self, name), getattr(self, f"{name}_precision"))

    return property(getter)


class Tag(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FundingSource(models.Model):
    """Where money comes from: a fund (UN Development Account), a modality (XBTC) or a government."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    acronym = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=12, choices=FundingSourceKind.choices)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="funding_sources"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class PublishedInitiatives(models.Manager["Initiative"]):
    """What the public sees: published records only (drafts, records in review and withdrawn ones are
    shown to their editors, reviewers and stewards through ``governance``)."""

    def get_queryset(self) -> models.QuerySet[Initiative]:
        return super().get_queryset().filter(state=PublicationState.PUBLISHED)


class Initiative(TimeStampedModel):
    """A project, partnership, PPP, programme, commitment or event: the registry's main record."""

    objects = models.Manager()
    published = PublishedInitiatives()

    code = models.CharField(_("code"), max_length=200)
    code_normalised = models.CharField(max_length=200, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=500)
    title_translations = models.JSONField(default=dict, blank=True)
    language = models.CharField(_("language of the text"), max_length=8, default="en")
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=2, blank=True, help_text=_("IATI ActivityStatus code"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    scope = models.CharField(_("scope"), max_length=13, choices=Scope.choices, blank=True)

    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_start_precision = _precision_field()
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    planned_end_precision = _precision_field()
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_start_precision = _precision_field()
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    actual_end_precision = _precision_field()
    time_frame_text = models.CharField(_("time frame as stated"), max_length=200, blank=True)
    deadline_text = models.CharField(_("deadline as stated"), max_length=200, blank=True)

    venue = models.CharField(_("venue"), max_length=300, blank=True)
    venue_country = models.ForeignKey(
        Country,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("venue country"),
    )
    owning_unit = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_initiatives",
        verbose_name=_("owning unit"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent initiative"),
    )

    # ICT components
    software = models.JSONField(_("software"), default=list, blank=True)
    software_licence = models.CharField(_("software licence"), max_length=100, blank=True)
    source_repository = models.URLField(_("source repository"), blank=True)
    open_standards = models.JSONField(_("open standards used"), default=list, blank=True)
    dpg_status = models.CharField(
        _("digital public good status"), max_length=16, choices=DpgStatus.choices, blank=True
    )

    countries = models.ManyToManyField(Country, through="InitiativeCountry", related_name="initiatives")
    regions = models.ManyToManyField(Region, through="InitiativeRegion", related_name="initiatives")
    country_groups = models.ManyToManyField(
        CountryGroup, through="InitiativeCountryGroup", related_name="initiatives"
    )
    action_lines = models.ManyToManyField(
        ActionLine, through="InitiativeActionLine", related_name="initiatives"
    )
    sdg_targets = models.ManyToManyField(SdgTarget, through="InitiativeSdgTarget", related_name="initiatives")
    sdg_goals = models.ManyToManyField(SdgGoal, through="InitiativeSdgGoal", related_name="initiatives")
    organisations = models.ManyToManyField(Organisation, through="Participation", related_name="initiatives")
    funding_sources = models.ManyToManyField(FundingSource, through="Funding", related_name="initiatives")
    tags = models.ManyToManyField(Tag, blank=True, related_name="initiatives")
    provenance = models.JSONField(_("sources"), default=list, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    # Review: records registered through the web or the API start as drafts; imports publish at once.
    state = models.CharField(
        _("publication state"),
        max_length=10,
        choices=PublicationState.choices,
        default=PublicationState.PUBLISHED,
        db_index=True,
    )
    reviewed_version = models.PositiveIntegerField(null=True, blank=True, editable=False)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        ordering = ["code_normalised"]
        verbose_name = _("initiative")
        indexes = [models.Index(fields=["kind"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", args=[self.code_normalised])

    def clean(self) -> None:
        # Uniqueness after normalisation is the record's identity, so it holds on every write path.
        self.code_normalised = normalise_code(self.code)
        if not self.code_normalised:
            raise ValidationError({"code": _("A code needs at least one letter or digit.")})
        taken = InitiativeIdentifier.objects.filter(normalised=self.code_normalised).exclude(
            initiative_id=self.pk
        )
        if taken.exists():
            raise ValidationError({"code": _("This code is already another initiative's identifier.")})

    planned_start_date = _partial("planned_start")
    planned_end_date = _partial("planned_end")
    actual_start_date = _partial("actual_start")
    actual_end_date = _partial("actual_end")

    @property
    def is_public(self) -> bool:
        return self.state == PublicationState.PUBLISHED

    @property
    def changed_since_review(self) -> bool:
        """Published, reviewed, and edited since: live, but flagged until a reviewer confirms."""
        return (
            self.state == PublicationState.PUBLISHED
            and self.reviewed_version is not None
            and self.version != self.reviewed_version
        )

    @property
    def start(self) -> PartialDate | None:
        """When it started, or was to start: actual if known, planned otherwise."""
        return self.actual_start_date or self.planned_start_date

    @property
    def end(self) -> PartialDate | None:
        return self.actual_end_date or self.planned_end_date


class InitiativeIdentifier(models.Model):
    """Another code the initiative is known by (a second listing's "INT/13/001")."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="identifiers")
    value = models.CharField(max_length=150)
    normalised = models.CharField(max_length=150, db_index=True, editable=False)
    scheme = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["normalised"], name="unique_other_identifier")]

    def __str__(self) -> str:
        return self.value


class Section(models.Model):
    """A narrative section: expectations, objectives, outputs, accomplishments, lessons, or a named other."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=20, choices=SectionKind.choices)
    heading = models.CharField(max_length=200, blank=True, help_text=_("Required for other sections"))
    text = models.TextField()
    language = models.CharField(max_length=8, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.heading or str(SectionKind(self.kind).label)

    def clean(self) -> None:
        if self.kind == SectionKind.OTHER and not self.heading:
            raise ValidationError({"heading": _("A section of kind 'other' needs a heading.")})


class Participation(models.Model):
    """An organisation's part in an initiative. One organisation may hold several roles."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="participations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(_("role"), max_length=14, choices=PartnerRole.choices)
    contribution_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    contribution_currency = models.CharField(max_length=3, blank=True)
    contribution_text = models.TextField(_("in-kind contribution"), blank=True)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["initiative", "role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "organisation", "role"], name="unique_partner_role")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class StakeholderMention(models.Model):
    """A stakeholder group a record names without naming an organisation ("civil society stakeholders")."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="stakeholder_mentions")
    group = models.ForeignKey(StakeholderGroup, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


class Budget(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="budgets")
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    period_start = models.DateField(null=True, blank=True)
    period_start_precision = _precision_field()
    period_end = models.DateField(null=True, blank=True)
    period_end_precision = _precision_field()
    type = models.CharField(_("type"), max_length=2, default="1", help_text=_("IATI BudgetType code"))
    status = models.CharField(_("status"), max_length=2, default="1", help_text=_("IATI BudgetStatus code"))
    label = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["period_start", "id"]

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"

    period_start_date = _partial("period_start")
    period_end_date = _partial("period_end")


class Funding(models.Model):
    """A funding source of an initiative, with the document that says so."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="fundings")
    funding_source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="fundings")
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "funding_source", "source"], name="unique_funding_claim"
            )
        ]

    def __str__(self) -> str:
        return str(self.funding_source)


class InitiativeCountry(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="country_links")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="initiative_links")
    percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["country__title"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "country"], name="unique_initiative_country")
        ]

    def __str__(self) -> str:
        return str(self.country)


class InitiativeRegion(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="region_links")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="initiative_links")
    percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "region"], name="unique_initiative_region")
        ]

    def __str__(self) -> str:
        return str(self.region)


class InitiativeCountryGroup(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="country_group_links")
    group = models.ForeignKey(CountryGroup, on_delete=models.PROTECT, related_name="initiative_links")
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "group"], name="unique_initiative_group")
        ]

    def __str__(self) -> str:
        return str(self.group)


class InitiativeActionLine(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="action_line_links")
    action_line = models.ForeignKey(ActionLine, on_delete=models.PROTECT, related_name="initiative_links")
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["action_line__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "action_line"], name="unique_initiative_action_line"
            )
        ]

    def __str__(self) -> str:
        return str(self.action_line)


class InitiativeSdgTarget(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sdg_target_links")
    target = models.ForeignKey(SdgTarget, on_delete=models.PROTECT, related_name="initiative_links")
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["target__goal__number", "target__position"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "target"], name="unique_initiative_target")
        ]

    def __str__(self) -> str:
        return str(self.target)


class InitiativeSdgGoal(models.Model):
    """A goal the initiative serves; derived from its targets, or given alone."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sdg_goal_links")
    goal = models.ForeignKey(SdgGoal, on_delete=models.PROTECT, related_name="initiative_links")
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["goal__number"]
        constraints = [models.UniqueConstraint(fields=["initiative", "goal"], name="unique_initiative_goal")]

    def __str__(self) -> str:
        return str(self.goal)


class InitiativeSector(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sectors")
    vocabulary = models.CharField(max_length=3, default="1", help_text=_("IATI SectorVocabulary code"))
    code = models.CharField(max_length=20)
    percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.STATED)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "vocabulary", "code"], name="unique_initiative_sector"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Document(models.Model):
    """A document or link about the initiative, typed with the IATI DocumentCategory."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=1000, blank=True)
    category = models.CharField(max_length=4, blank=True, help_text=_("IATI DocumentCategory code"))
    language = models.CharField(max_length=8, blank=True)
    date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class InitiativeRelation(models.Model):
    """A relation to another initiative other than the programme hierarchy."""

    from_initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="relations")
    to_initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="reverse_relations")
    type = models.CharField(max_length=2, choices=RelationType.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_initiative", "to_initiative", "type"], name="unique_relation"
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_initiative_id} {self.get_type_display()} {self.to_initiative_id}"


class Session(models.Model):
    """A session of an event."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="sessions")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    date = models.DateField(null=True, blank=True)
    date_precision = _precision_field()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    date_value = _partial("date")


class Presentation(models.Model):
    """A presentation given at an event, within a session when the source says which."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="presentations")
    session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="presentations"
    )
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    presenter = models.CharField(max_length=200, blank=True)
    presenter_position = models.CharField(max_length=300, blank=True)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="presentations"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Recommendation(models.Model):
    """A recommendation an event or body adopted, and whom it addresses."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="recommendations")
    number = models.CharField(max_length=10)
    position = models.PositiveSmallIntegerField(default=0)
    text = models.TextField()
    addressee = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="recommendations"
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class Conflict(models.Model):
    """Sources disagree on a field: every value is kept with its source until a steward decides."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="conflicts")
    field = models.CharField(max_length=60)
    values = models.JSONField(help_text=_('[{"value": ..., "source": ...}, ...]'))
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    resolution = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["field", "id"]

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.field}"


class IatiActivity(models.Model):
    """What an imported IATI activity said that the registry's own fields do not hold.

    Kept per initiative so that an export gives back what was imported: the publisher (reporting-org),
    the activity's attributes, policy markers, contact details, tags and related activities the
    registry cannot link, and every element not mapped yet (results, locations, ...) verbatim.
    ``fingerprint`` is a digest of the activity as read, so a re-import of the same activity is
    recognised as unchanged without comparing rows.
    """

    initiative = models.OneToOneField(Initiative, on_delete=models.CASCADE, related_name="iati")
    identifier = models.CharField(_("IATI identifier"), max_length=200, unique=True)
    reporting_org = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="reported_activities"
    )
    reporting_org_ref = models.CharField(max_length=150, blank=True)
    reporting_org_type = models.CharField(max_length=4, blank=True)
    reporting_org_name = models.JSONField(default=dict, blank=True)
    reporting_org_secondary = models.CharField(max_length=5, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    scope_code = models.CharField(max_length=2, blank=True, help_text=_("IATI ActivityScope code"))
    policy_markers = models.JSONField(default=list, blank=True)
    contact_info = models.JSONField(default=list, blank=True)
    # What a participating-org said beyond the partner role: {organisation_id, role, activity_id,
    # crs_channel_code, name (narratives by language)}, for the organisations that said more.
    participants = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)  # tags of vocabularies the registry does not hold
    places = models.JSONField(default=list, blank=True)  # regions of vocabularies other than UN M49
    related = models.JSONField(default=list, blank=True)  # related activities not in the registry
    unmapped_xml = models.JSONField(default=list, blank=True)
    fingerprint = models.CharField(max_length=64)
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("IATI activity data")

    def __str__(self) -> str:
        return self.identifier


class Transaction(models.Model):
    """A financial transaction of an initiative, as its IATI publisher reported it.

    The figures are columns; the rest is ``details`` as published, only the keys the file gave:
    description (narratives by language), provider and receiver ({ref, type, name, activity_id}: kept as
    the file names them, as transactions name thousands of counterparts that do not become registry
    organisations), sectors ([vocabulary, code]), countries ([code]), regions ([code, vocabulary]) and
    unmapped_xml (elements kept verbatim: flow-type, aid-type, ...).
    """

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="transactions")
    position = models.PositiveIntegerField(default=0)
    type = models.CharField(_("type"), max_length=2, help_text=_("IATI TransactionType code"))
    date = models.DateField(_("date"), null=True, blank=True)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    value_date = models.DateField(null=True, blank=True)
    ref = models.CharField(max_length=200, blank=True)
    humanitarian = models.CharField(max_length=5, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.type} {self.currency} {self.value}"
