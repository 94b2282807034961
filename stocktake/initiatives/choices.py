from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PROJECT = "project", _("project")
    PARTNERSHIP = "partnership", _("partnership")
    PPP = "ppp", _("public-private partnership")
    PROGRAMME = "programme", _("programme")
    COMMITMENT = "commitment", _("commitment or action")
    EVENT = "event", _("event")


class Outcome(models.TextChoices):
    ONGOING = "ongoing", _("ongoing")
    CONCLUDED = "concluded", _("concluded")
    SUSTAINED = "sustained", _("sustained / institutionalised")
    HANDED_OVER = "handed-over", _("handed over")
    ENDED_EARLY = "ended-early", _("ended early")


class Scope(models.TextChoices):
    INTERNATIONAL = "international", _("international")
    REGIONAL = "regional", _("regional")
    NATIONAL = "national", _("national")
    SUB_NATIONAL = "sub-national", _("sub-national")


class PartnerRole(models.TextChoices):
    """The four IATI organisation roles, then the roles partnerships name that IATI does not."""

    FUNDING = "funding", _("funding")
    ACCOUNTABLE = "accountable", _("accountable")
    EXTENDING = "extending", _("extending")
    IMPLEMENTING = "implementing", _("implementing")
    LEAD = "lead", _("lead")
    SPONSOR = "sponsor", _("sponsor")
    ORGANISER = "organiser", _("organiser")
    PUBLIC_PARTY = "public-party", _("public party")
    PRIVATE_PARTY = "private-party", _("private party")
    PARTNER = "partner", _("cooperation partner")


class SectionKind(models.TextChoices):
    MAIN_EXPECTATIONS = "main_expectations", _("Main expectations")
    OBJECTIVES = "objectives", _("Objectives")
    OUTPUTS = "outputs", _("Outputs delivered")
    ACCOMPLISHMENTS = "accomplishments", _("Key accomplishments")
    CHALLENGES = "challenges", _("Challenges")
    LESSONS_LEARNED = "lessons_learned", _("Lessons learned")
    SUSTAINABILITY = "sustainability", _("Sustainability")
    COMMENT = "comment", _("Comment")
    OTHER = "other", _("Other")


class FundingSourceKind(models.TextChoices):
    FUND = "fund", _("fund")
    GOVERNMENT = "government", _("government")
    ORGANISATION = "organisation", _("organisation")


class DpgStatus(models.TextChoices):
    NOT_ASSESSED = "", _("not assessed")
    NOT_APPLICABLE = "not-applicable", _("not applicable")
    NOMINEE = "nominee", _("nominated")
    REGISTERED = "registered", _("registered digital public good")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("awaiting a steward")
    RESOLVED = "resolved", _("resolved")


class RelationType(models.TextChoices):
    """IATI RelatedActivityType codes."""

    PARENT = "1", _("parent")
    CHILD = "2", _("child")
    SIBLING = "3", _("sibling")
    CO_FUNDED = "4", _("co-funded")
    THIRD_PARTY = "5", _("third party")


# Partner roles in display order (the IATI roles first).
ROLE_ORDER = {role.value: position for position, role in enumerate(PartnerRole)}

# The IATI OrganisationRole code of each partner role that has one.
IATI_ROLE_CODES = {
    PartnerRole.FUNDING: "1",
    PartnerRole.ACCOUNTABLE: "2",
    PartnerRole.EXTENDING: "3",
    PartnerRole.IMPLEMENTING: "4",
}


class PublicationState(models.TextChoices):
    """Where a record stands in review. Only published records are public; imports publish at once."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted for review")
    IN_REVIEW = "in-review", _("in review")
    CHANGES_REQUESTED = "changes", _("changes requested")
    PUBLISHED = "published", _("published")
    WITHDRAWN = "withdrawn", _("withdrawn")
