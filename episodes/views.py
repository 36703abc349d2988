"""Public pages: thin views over the querysets in ``models``; the shapes come from ``transcripts``,
``search`` and ``links``, the looks from the templates."""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, F
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from . import addresses, links, metadata, speakers
from .models import GUEST_CARD_FIELDS, SYNC_FIELDS, Episode, Guest, Moved, PlatformLink, published
from .search import Filters as SearchFilters
from .search import search as run_search
from .transcripts import BY_FILENAME, FORMATS, Transcript

HOME_EPISODES = 12
# Lists are paged, so no page grows with the archive.
EPISODES_PER_PAGE = 60
PEOPLE_PER_PAGE = 120
PERSON_EPISODES_PER_PAGE = 24


def _page(request, items, per_page):
    """The page ``?page=`` asks for; a page that does not exist is not found."""
    try:
        return Paginator(items, per_page).page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.") from None


def _draft_headers(response, episode):
    """A staff preview of a draft must not be kept by a shared cache nor indexed."""
    if not episode.is_published:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response


def _episode_or_none(request, queryset, slug):
    """The episode at ``slug`` if this visitor may see it. Published episodes are looked up first,
    so a visitor's page never has to find out who they are (two queries); only a draft does."""
    episode = queryset.published().filter(slug=slug).first()
    if episode is None:
        episode = queryset.visible_to(request.user).filter(slug=slug).first()
    return episode


def moved_or_404(request, kind, key, view_name, *rest):
    """For an address that is no page now: a permanent redirect to the page its row has now, 410
    Gone if the row was removed, else 404 (see ``addresses``)."""
    new_key = addresses.moved(kind, key)
    if new_key is None:
        raise Http404("No such page.")
    if not new_key:
        return render(request, "410.html", status=410)
    target = reverse(view_name, args=[new_key, *rest])
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)


@require_safe
def old_address(request, kind, key):
    """The old static site's ``.html`` addresses: straight to the page they stand for now, in one
    redirect whatever happened to the row since."""
    model, view_name = (Episode, "episodes:episode") if kind == Moved.EPISODE else (Guest, "episodes:person")
    field = addresses.KEY_FIELD[model]
    if model.objects.filter(**{field: key}).exists():
        return HttpResponsePermanentRedirect(reverse(view_name, args=[key]))
    return moved_or_404(request, kind, key, view_name)


@require_safe
def home(request):
    episodes = Episode.objects.published().newest_first().cards()[:HOME_EPISODES]
    return render(request, "episodes/home.html", {"episodes": episodes})


@dataclass
class Season:
    number: int | None
    count: int  # published episodes in the whole season
    page: int  # the page its newest episode is on
    episodes: list

    @property
    def anchor(self):
        return "season-other" if self.number is None else f"season-{self.number}"

    @property
    def title(self):
        return "Other episodes" if self.number is None else f"Season {self.number}"


@require_safe
def episode_list(request):
    published = Episode.objects.published()
    page = _page(request, published.newest_first().cards(), EPISODES_PER_PAGE)
    # Every season, for the index above the list, with the page it starts on: one small query.
    seasons, first = [], 0
    counts = published.values_list("season").annotate(n=Count("id")).order_by(F("season").desc(nulls_last=True))
    for number, count in counts:
        seasons.append(Season(number, count, first // EPISODES_PER_PAGE + 1, []))
        first += count
    by_number = {season.number: season for season in seasons}
    for episode in page.object_list:
        by_number[episode.season].episodes.append(episode)
    context = {
        "seasons": seasons,
        "on_page": [season for season in seasons if season.episodes],
        "page_obj": page,
        "episode_count": first,
    }
    return render(request, "episodes/episode_list.html", context)


def _platform_links(episode):
    """The places to listen, known platforms first in a fixed order; TODO placeholders and
    anything that is not an http(s) address are left out."""
    order = list(PlatformLink.LABELS)
    shown = [link for link in episode.links.all() if not link.is_todo and links.external_url(link.url)]
    shown.sort(key=lambda link: order.index(link.platform) if link.platform in order else len(order))
    return [(link.label, links.external_url(link.url)) for link in shown]


def _speaker_names(transcript):
    """Each line's speaker as the page shows it, linked to their profile when they are matched:
    made once per speaker (episodes/_speaker.html), not once per line."""
    made = {}
    for line in transcript.lines:
        if line.speaker not in made:
            url = line.person.url if line.person else ""
            html = render_to_string("episodes/_speaker.html", {"name": line.speaker, "url": url})
            made[line.speaker] = mark_safe(html.strip())  # the template's output, escaped there
        line.speaker_html = made[line.speaker]


@require_safe
def episode(request, slug):
    # The hosts' names come with the episode's own row (speakers.host_annotations).
    episode = _episode_or_none(request, Episode.objects.for_page().annotate(**speakers.host_annotations()), slug)
    if episode is None:
        return moved_or_404(request, Moved.EPISODE, slug, "episodes:episode")
    guests = [appearance.guest for appearance in episode.appearances.all()]
    transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all(), episode.duration)
    cast = speakers.Speakers(speakers.hosts_of(episode), [speakers.guest(guest) for guest in guests])
    statistics = speakers.attribute(transcript, cast)
    _speaker_names(transcript)
    base = episode.get_absolute_url()
    downloads = [(rendering, base + rendering.filename) for rendering in FORMATS if rendering.available(transcript)]
    older, newer = Episode.objects.published().neighbours(episode) if episode.is_published else (None, None)
    image_url = request.build_absolute_uri(episode.image.url) if metadata.stored_file(episode.image) else ""
    context = {
        "episode": episode,
        "guests": guests,
        "platform_links": _platform_links(episode),
        "embed_url": links.player_url(episode.youtube_id, f"{request.scheme}://{request.get_host()}"),
        "transcript": transcript,
        "statistics": statistics,
        "downloads": downloads,
        "older": older,
        "newer": newer,
        "canonical_url": request.build_absolute_uri(base),
        "image_url": image_url,
        "json_ld": metadata.episode_json_ld(request, episode, guests, image_url),
    }
    return _draft_headers(render(request, "episodes/episode.html", context), episode)


@require_safe
def transcript_file(request, slug, filename):
    rendering = BY_FILENAME.get(filename)
    if rendering is None:
        raise Http404("No such transcript format.")
    episode = _episode_or_none(request, Episode.objects.defer(*SYNC_FIELDS).with_transcript(), slug)
    if episode is None:
        return moved_or_404(request, Moved.EPISODE, slug, "episodes:transcript_file", filename)
    transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all(), episode.duration)
    if not rendering.available(transcript):
        raise Http404(f"This episode has no {rendering.name} transcript.")
    response = HttpResponse(rendering.render(episode, transcript), content_type=rendering.content_type)
    for name, value in transcript_file_headers(episode.slug, rendering).items():
        response[name] = value
    return _draft_headers(response, episode)


def transcript_file_headers(key, rendering):
    """The headers of an episode's transcript file besides its type (nginx sends the same ones
    with a published file: ``publishing.nginx``)."""
    saved_as = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{key}-{rendering.filename}")
    return {
        "Content-Disposition": f'inline; filename="{saved_as}"',
        # Podcast players fetch transcripts from their own pages, which the namespace says needs CORS.
        "Access-Control-Allow-Origin": "*",
    }


class _Counted:
    """A queryset whose length is known already, so that paging it asks the database no COUNT."""

    ordered = True

    def __init__(self, queryset, count):
        self.queryset, self._count = queryset, count

    def count(self):
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


@require_safe
def person(request, short):
    guest = Guest.objects.defer(*SYNC_FIELDS).filter(short=short).annotate(**speakers.host_annotations()).first()
    if guest is None:
        return moved_or_404(request, Moved.PERSON, short, "episodes:person")
    on_air = speakers.on_air(guest, speakers.hosts_of(guest))
    episodes = Episode.objects.published().filter(id__in=on_air.episode_ids).newest_first().cards()
    page = _page(request, _Counted(episodes, len(on_air.episode_ids)), PERSON_EPISODES_PER_PAGE)
    context = {
        "guest": guest,
        "on_air": on_air,
        "episodes": page.object_list,
        "page_obj": page,
        "social_links": links.social_links(guest),
        "image_url": request.build_absolute_uri(guest.picture.url) if metadata.stored_file(guest.picture) else "",
    }
    return render(request, "episodes/person.html", context)


@require_safe
def people(request):
    # Everyone who has been on a published episode; the filter before the count makes it count
    # published episodes only.
    guests = (
        Guest.objects.filter(published("appearances__episode__"))
        .annotate(episode_count=Count("appearances", distinct=True))
        .only(*GUEST_CARD_FIELDS)
        .order_by("title", "short")
    )
    page = _page(request, guests, PEOPLE_PER_PAGE)
    return render(request, "episodes/people.html", {"guests": page.object_list, "page_obj": page})


@require_safe
def search(request):
    query = request.GET.get("q", "")
    season = request.GET.get("season", "").strip()
    # A season that is not a number narrows nothing rather than failing the page.
    filters = SearchFilters(
        season=int(season) if season.isdigit() else None,
        speaker=re.sub(r"\s+", " ", request.GET.get("speaker", "")).strip()[:100],
    )
    results = None
    if query.strip():
        try:
            results = run_search(query, filters, request.GET.get("page") or 1)
        except InvalidPage:
            raise Http404("No such page.") from None
    seasons = Episode.objects.published().exclude(season=None).order_by("season").values_list("season", flat=True)
    # The page links keep what was asked; only the page number changes.
    asked = {"q": query, "season": "" if filters.season is None else filters.season, "speaker": filters.speaker}
    context = {
        "query": query,
        "filters": filters,
        "seasons": list(seasons.distinct()),
        "results": results,
        "page_obj": results.page if results else None,
        "page_query": urlencode({key: value for key, value in asked.items() if value}) + "&",
    }
    return render(request, "episodes/search.html", context)


@require_safe
def robots(request):
    sitemap = request.build_absolute_uri(reverse("episodes:sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
