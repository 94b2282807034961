from django.db import models
from django.utils.translation import gettext_lazy as _


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    ADMIN = "admin", _("administrator")


class MembershipStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("declined")


class TokenScope(models.TextChoices):
    READ = "read", _("read")
    WRITE = "write", _("read and write")
