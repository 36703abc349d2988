"""The public pages for search engines, on Django's sitemaps framework. Drafts are never listed.

A page's ``lastmod`` is when its content last changed: an edit or an import that changed it,
else the day the episode came out (for a person, the newest of their episodes), never the day an
import first wrote it."""

from django.contrib.sitemaps import Sitemap
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from .models import Episode, Guest
from .timecodes import at_noon


class PageSitemap(Sitemap):
    priority = 0.8
    changefreq = "weekly"

    def items(self):
        return ["episodes:home", "episodes:episode_list", "episodes:people"]

    def location(self, item):
        return reverse(item)


class EpisodeSitemap(Sitemap):
    priority = 0.6
    changefreq = "monthly"

    def items(self):
        return (
            Episode.objects.published()
            .newest_first()
            .only("id", "slug", "created_at", "updated_at", "date", "date_added", "released_at")
        )

    def lastmod(self, item):
        return item.content_changed_at()


class PersonSitemap(Sitemap):
    priority = 0.4
    changefreq = "monthly"

    def items(self):
        # A person's page changes with their episodes: the day the newest of them came out.
        newest = (
            Episode.objects.published()
            .filter(appearances__guest=OuterRef("pk"))
            .annotate(day=Coalesce("date", "date_added"))
            .order_by(F("day").desc(nulls_last=True))
            .values("day")[:1]
        )
        return (
            Guest.objects.on_air()
            .only("id", "short", "created_at", "updated_at")
            .annotate(newest_episode=Subquery(newest))
            .order_by("short")
        )

    def lastmod(self, item):
        moments = (item.changed_at(), at_noon(item.newest_episode))
        return max((moment for moment in moments if moment), default=None)


SITEMAPS = {"pages": PageSitemap, "episodes": EpisodeSitemap, "people": PersonSitemap}
