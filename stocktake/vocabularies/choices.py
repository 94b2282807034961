from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    WORLD = "world", _("world")
    REGION = "region", _("region")
    SUB_REGION = "sub-region", _("sub-region")
    INTERMEDIATE = "intermediate", _("intermediate region")
