from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path
from django.views.generic import RedirectView

from . import views
from .caching import cached_page
from .feeds import EpisodesFeed, PodcastFeed
from .sitemaps import SITEMAPS


def moved(pattern_name):
    """The old static site's .html addresses, so links out in the world keep working."""
    return RedirectView.as_view(pattern_name=pattern_name, permanent=True, query_string=True)


app_name = "episodes"
# Every public page is cached and revalidated through ``caching``, keyed on the query parameters
# its view reads (``query``) and no others.
# Keys are file names, and some are not slugs ("ella(wati)sahnan", "…-skills.md"): any text
# without a slash is a key here.
urlpatterns = [
    path("", cached_page(views.home, query=()), name="home"),
    path("podcast/", cached_page(views.episode_list, query=["page"]), name="episode_list"),
    path("podcast/feed.xml", cached_page(PodcastFeed(), query=()), name="feed"),
    path("podcast/episodes.xml", cached_page(EpisodesFeed(), query=()), name="episodes_feed"),
    path("podcast/<str:slug>/", cached_page(views.episode, query=()), name="episode"),
    path("podcast/<str:slug>/<str:filename>", cached_page(views.transcript_file, query=()), name="transcript_file"),
    path("people/", cached_page(views.people, query=["page"]), name="people"),
    path("people/<str:short>/", cached_page(views.person, query=["page"]), name="person"),
    path("search/", cached_page(views.search, query=["q", "page", "season", "speaker"]), name="search"),
    path("sitemap.xml", cached_page(sitemap, query=["p"]), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", cached_page(views.robots, query=()), name="robots"),
    path("podcast.html", moved("episodes:episode_list")),
    path("people.html", moved("episodes:people")),
    re_path(r"^podcast/(?P<key>[^/]+)\.html$", views.old_address, {"kind": "episode"}),
    re_path(r"^people/(?P<key>[^/]+)\.html$", views.old_address, {"kind": "person"}),
]
