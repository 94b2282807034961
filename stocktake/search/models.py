"""What people keep of their searches. User data, not registry records: no history is written for it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedSearch(models.Model):
    """A search a signed-in person named to run again or follow as an Atom feed.

    ``query`` is the list's canonical query string without the page (``country=KE&wsis=C7``), so the
    saved search opens the list exactly as it was and its feed reads the same filters.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=200)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_seen_at = models.DateTimeField(_("last opened"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["user", "-created"], name="search_saved_user_created")]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The list with this search's filters (``saved_search_open`` notes the visit on the way)."""
        return reverse("search:saved_open", args=[self.pk])

    @property
    def list_url(self) -> str:
        return reverse("initiatives:list") + (f"?{self.query}" if self.query else "")

    @property
    def feed_url(self) -> str:
        return reverse("search:feed") + (f"?{self.query}" if self.query else "")
