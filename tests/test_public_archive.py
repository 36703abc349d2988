"""Every public page, file and feed over both snapshots of the real archive.

Each snapshot is imported once for the module (a few seconds) and only read by its tests.
"""

import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from episodes import views
from episodes.models import Episode, Guest
from episodes.transcripts import FORMATS, Transcript
from tests.pages import (
    MAX_EPISODE_QUERIES,
    Page,
    get_all_pages,
    get_page,
    largest_episode,
)
from tests.renderings import PODCAST_NS, SITEMAP_NS, check_rendering, check_vtt

pytest_plugins = ["tests.snapshot_fixtures"]  # the snapshot imported once for this module


@pytest.fixture(autouse=True)
def media_root(snapshot_media):
    return snapshot_media


@pytest.mark.corpus
@pytest.mark.django_db
def test_every_published_episode_page_is_complete(imported_snapshot, client):
    episodes = Episode.objects.published().with_transcript().prefetch_related("appearances__guest", "links")
    assert episodes.exists()
    for episode in episodes:
        url = f"/podcast/{episode.slug}/"
        page = get_page(client, url)
        assert episode.title in page.text, url
        if episode.season is not None and episode.number is not None:
            assert f"Season {episode.season}, episode {episode.number}" in page.text, url

        # Every id is unique, and every in-page link leads to one of them (but for the links a
        # body's author wrote to anchors their site once had).
        assert len(page.ids) == len(set(page.ids)), url
        for href in page.hrefs():
            if href.startswith("#") and f"]({href})" not in episode.body:
                assert unquote(href[1:]) in page.ids, (url, href)

        # Every line has its anchor, its speaker and its text; timed lines link into the video.
        lines = list(episode.lines.all())
        line_divs = page.find("div", class_="line")
        assert len(line_divs) == len(lines), url
        ids = set(page.ids)
        times = set()
        for a in page.find("a", class_="time"):
            query = parse_qs(urlsplit(a["href"]).query)
            times.add((query["v"][0], int(query["t"][0])))
        for line in lines:
            assert f"line-{line.position}" in ids
            if line.sec is not None and episode.youtube_id:
                assert (episode.youtube_id, line.sec) in times, (url, line.position)
        # Contents: one entry per section, each to a heading with that title.
        sections = list(episode.sections.all())
        toc = [a["href"] for name, a in page.elements if name == "a" and a.get("href", "").startswith("#")]
        headings = page.find("h3", class_="chapter__title")
        assert len(headings) == len(sections), url
        for heading in headings:
            assert "#" + heading["id"] in toc, url

        # Guests with a portrait and a link to their profile.
        for appearance in episode.appearances.all():
            assert appearance.guest.get_absolute_url() in page.hrefs(), url
        # Platform links by name, never a TODO placeholder.
        hrefs = page.hrefs()
        for link in episode.links.all():
            if link.is_todo:
                continue
            assert any(h.rstrip("/") == link.url.rstrip("/") or h == "https://" + link.url for h in hrefs), (
                url,
                link.url,
            )
        assert "TODO" not in [a.get("href") for a in page.find("a")]


@pytest.mark.corpus
@pytest.mark.django_db
def test_old_addresses_answer(imported_snapshot, client):
    response = client.get("/podcast.html")
    assert response.status_code == 301
    assert response["Location"] == "/podcast/"
    # Where each redirect leads is a page the test above opens; here it must lead there.
    for episode in Episode.objects.published().only("slug"):
        response = client.get(f"/podcast/{episode.slug}.html")
        assert response.status_code == 301, episode.slug
        assert response["Location"] == episode.get_absolute_url()
    for guest in Guest.objects.only("short"):
        response = client.get(f"/people/{guest.short}.html")
        assert response.status_code == 301, guest.short
        assert response["Location"] == guest.get_absolute_url()


@pytest.mark.corpus
@pytest.mark.django_db
def test_episode_list_groups_every_published_episode_by_season(imported_snapshot, client):
    pages = get_all_pages(client, "/podcast/")
    published = list(Episode.objects.published().values_list("slug", "title", "season"))
    assert len(pages) == -(-len(published) // views.EPISODES_PER_PAGE)
    links = [href for page in pages for href in page.hrefs()]
    assert sum(len(page.find("li", class_="card")) for page in pages) == len(published)
    for slug, title, _season in published:
        assert Episode(slug=slug).get_absolute_url() in links, slug
        assert any(title in page.text for page in pages)
    seasons = sorted({season for _, _, season in published if season is not None}, reverse=True)
    headings = [a["id"] for page in pages for a in page.find("h2") if a.get("id", "").startswith("season-")]
    # A season split across two pages is headed on both.
    assert list(dict.fromkeys(headings))[: len(seasons)] == [f"season-{s}" for s in seasons]
    # The season index on every page leads to the page where each season starts.
    for page in pages:
        for season in seasons:
            target = next(a["href"] for a in page.find("a") if a.get("href", "").endswith(f"#season-{season}"))
            number = int(target.split("page=")[1].split("#")[0]) if "page=" in target else pages.index(page) + 1
            assert f"season-{season}" in pages[number - 1].ids
    assert sum(len(page.find("img")) for page in pages) >= len(published) - 1
    drafts = Episode.objects.filter(is_published=False).values_list("slug", flat=True)
    for slug in drafts:
        assert Episode(slug=slug).get_absolute_url() not in links


@pytest.mark.corpus
@pytest.mark.django_db
def test_people_lists_everyone_who_appeared_with_their_episode_count(imported_snapshot, client):
    pages = get_all_pages(client, "/people/")
    counts = dict(
        Guest.objects.annotate(n=Count("appearances", filter=Q(appearances__episode__is_published=True)))
        .filter(n__gt=0)
        .values_list("short", "n")
    )
    cards = [card for page in pages for card in page.find("a", class_="person-card")]
    assert len(cards) == len(counts)
    assert all(len(page.find("a", class_="person-card")) <= views.PEOPLE_PER_PAGE for page in pages)
    text = " ".join(page.text for page in pages)
    for short, n in list(counts.items())[:50]:
        guest = Guest.objects.get(short=short)
        assert any(card["href"] == guest.get_absolute_url() for card in cards)
        assert f"{guest.title} {n} episode" in text


@pytest.mark.corpus
@pytest.mark.django_db
def test_person_pages_show_profile_and_episodes(imported_snapshot, client):
    for guest in Guest.objects.annotate(n=Count("appearances")).filter(n__gt=0)[:80]:
        page = get_page(client, guest.get_absolute_url())
        assert guest.title in page.text
        for episode in Episode.objects.published().filter(appearances__guest=guest):
            assert episode.get_absolute_url() in page.hrefs()
        hrefs = page.hrefs()
        if guest.linkedin and "://" not in guest.linkedin:
            assert any(h.startswith("https://www.linkedin.com/in/") for h in hrefs)
        if guest.github and "://" not in guest.github:
            assert any(h.startswith("https://github.com/") for h in hrefs)
        if guest.web:
            assert any(
                h.startswith(("http://", "https://")) and guest.web.split("://")[-1].rstrip("/") in h for h in hrefs
            )


@pytest.mark.corpus
@pytest.mark.django_db
def test_largest_episode_page_takes_a_fixed_number_of_queries(imported_snapshot, client, django_assert_max_num_queries):
    big = largest_episode()
    small = Episode.objects.published().annotate(n=Count("lines")).order_by("n", "id").first()
    counts = []
    for episode in (big, small):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(episode.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], "the query count must not grow with the transcript"
    with django_assert_max_num_queries(MAX_EPISODE_QUERIES):
        client.get(big.get_absolute_url())


@pytest.mark.corpus
@pytest.mark.django_db
def test_drafts_are_private_but_staff_preview_them(imported_snapshot, client, django_user_model):
    drafts = list(Episode.objects.filter(is_published=False))
    if not drafts:
        pytest.skip(f"{imported_snapshot} has no draft that imports")
    for draft in drafts:
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert client.get(draft.get_absolute_url() + "transcript.txt").status_code == 404
    staff = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    client.force_login(staff)
    for draft in drafts:
        response = client.get(draft.get_absolute_url())
        assert response.status_code == 200
        assert "noindex" in response["X-Robots-Tag"]
        assert Page(response.content.decode()).meta("robots") == "noindex"


@pytest.mark.corpus
@pytest.mark.django_db
def test_home_shows_the_latest_episodes(imported_snapshot, client):
    page = get_page(client, "/")
    latest = Episode.objects.published().newest_first().first()
    assert latest.get_absolute_url() in page.hrefs()
    assert "/podcast/" in page.hrefs()


@pytest.mark.corpus
@pytest.mark.django_db
def test_every_transcript_rendering_of_every_episode_validates(imported_snapshot):
    episodes = Episode.objects.published().defer("source").with_transcript()
    offered = {rendering.filename: 0 for rendering in FORMATS}
    for episode in episodes:
        transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all(), episode.duration)
        for rendering in FORMATS:
            if rendering.available(transcript):
                offered[rendering.filename] += 1
                try:
                    check_rendering(rendering, episode, transcript)
                except AssertionError as exc:
                    raise AssertionError(f"{episode.slug}/{rendering.filename}: {exc}") from exc
    # The archive's transcripts are timed and sectioned: every format is offered for most.
    assert min(offered.values()) > episodes.count() // 2, offered


@pytest.mark.corpus
@pytest.mark.django_db
def test_largest_episode_files_over_http(imported_snapshot, client):
    episode = largest_episode()
    base = episode.get_absolute_url()
    page = get_page(client, base)
    downloads = [a["href"] for a in page.find("a") if "download" in a]
    assert downloads == [base + rendering.filename for rendering in FORMATS]
    vtt = client.get(base + "transcript.vtt")
    cues = check_vtt(vtt.content.decode())
    # Each cue is named after the line it shows, and that line is on the page.
    ids = set(page.ids)
    blocks = vtt.content.decode().split("\n\n")[1:]
    assert len(blocks) == len(cues)
    for block in blocks:
        assert block.split("\n")[0] in ids
    chapters = json.loads(client.get(base + "chapters.json").content)["chapters"]
    transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all())
    assert [c["title"] for c in chapters] == [s.title for s in transcript.sections if s.seconds is not None]


@pytest.mark.corpus
@pytest.mark.django_db
def test_feed_lists_every_published_episode(imported_snapshot, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get("/podcast/episodes.xml")
    root = ET.fromstring(response.content)
    items = {item.findtext("link"): item for item in root.iter("item")}
    published = Episode.objects.published().cards()
    assert len(items) == published.count()
    for episode in published:
        item = items[f"http://testserver{episode.get_absolute_url()}"]
        people = [p.text for p in item.findall(f"{{{PODCAST_NS}}}person")]
        assert people == [a.guest.title for a in episode.appearances.all()]
        assert all(p.get("role") == "guest" for p in item.findall(f"{{{PODCAST_NS}}}person"))
    transcripts = [t for item in items.values() for t in item.findall(f"{{{PODCAST_NS}}}transcript")]
    assert {t.get("type") for t in transcripts} == {
        "text/vtt",
        "application/x-subrip",
        "application/json",
        "text/plain",
    }
    # What the feed announces is there.
    for tag in (
        transcripts[:40] + [c for item in items.values() for c in item.findall(f"{{{PODCAST_NS}}}chapters")][:20]
    ):
        assert client.get(tag.get("url").removeprefix("http://testserver")).status_code == 200


@pytest.mark.corpus
@pytest.mark.django_db
def test_sitemap_lists_every_published_episode(imported_snapshot, client):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    locations = {loc.text for loc in root.iter(f"{SITEMAP_NS}loc")}
    for episode in Episode.objects.only("slug", "is_published"):
        assert (f"http://testserver{episode.get_absolute_url()}" in locations) == episode.is_published


@pytest.mark.corpus
@pytest.mark.django_db
def test_search_finds_a_real_line_and_links_to_it(imported_snapshot, client):
    episode = largest_episode()
    line = max(episode.lines.exclude(sec=None), key=lambda line: len(set(line.text.split())))
    words = sorted((w.strip(".,?!\"'’“”()") for w in line.text.split()), key=len, reverse=True)[:3]
    page = get_page(client, "/search/?" + urlencode({"q": " ".join(words)}))
    target = f"{episode.get_absolute_url()}#line-{line.uid}"
    assert target in page.hrefs(), words
    assert page.find("mark") or "<mark>" in page.raw
    episode_page = get_page(client, episode.get_absolute_url())
    assert f"line-{line.uid}" in episode_page.ids
