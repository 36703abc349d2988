"""The public pages for search engines, on Django's sitemaps framework. Drafts are never listed."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Episode, Guest


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
        return Episode.objects.published().newest_first().only("id", "slug", "updated_at")

    def lastmod(self, item):
        return item.updated_at


class PersonSitemap(Sitemap):
    priority = 0.4
    changefreq = "monthly"

    def items(self):
        return Guest.objects.on_air().only("id", "short", "updated_at").order_by("short")

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {"pages": PageSitemap, "episodes": EpisodeSitemap, "people": PersonSitemap}
