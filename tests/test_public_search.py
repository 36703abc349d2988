"""Search over hand-made episodes, on whichever database the suite runs (SQLite or PostgreSQL);
the PostgreSQL backend's own tests run when the database is PostgreSQL."""

import pytest
from django.db import connection

from episodes import search
from episodes.models import Appearance, Episode, Guest, TranscriptLine
from tests.pages import get_page

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")


@pytest.fixture
def episodes(db):
    kafka = Episode.objects.create(slug="streams", title="Streaming with Kafka", season=1, number=1, youtube_id="vid1")
    Appearance.objects.create(episode=kafka, guest=Guest.objects.create(short="kim", title="Kim"), position=0)
    lines = [
        ("Welcome to the show about data.", "Alexey:", 5, "0:05"),
        ("We use Kafka clusters for event streaming in production.", "Kim", 65, "1:05"),
        ("Kafka <script>alert(1)</script> consumers are tricky.", "Kim", None, ""),
        ("Unrelated talk about gardening.", "Alexey", 3608, "60:08"),
    ]
    for position, (text, who, sec, time) in enumerate(lines):
        TranscriptLine.objects.create(episode=kafka, position=position, text=text, speaker=who, sec=sec, time=time)
    notes = Episode.objects.create(
        slug="notes", title="Data contracts", season=1, number=2, body="We mention Kafka only in the notes."
    )
    draft = Episode.objects.create(slug="draft", title="Secret Kafka draft", is_published=False)
    TranscriptLine.objects.create(episode=draft, position=0, text="Kafka secrets.", sec=1)
    return {"kafka": kafka, "notes": notes, "draft": draft}


def test_results_show_episodes_and_matching_lines_with_highlights(episodes, client):
    page = get_page(client, "/search/?q=kafka+streaming")
    hrefs = page.hrefs()
    line = TranscriptLine.objects.get(episode=episodes["kafka"], position=1)
    assert f"/podcast/streams/#line-{line.uid}" in hrefs
    assert "<mark>" in page.raw
    assert "1:05" in page.text
    assert "Kim" in page.text
    assert "/podcast/draft/" not in " ".join(hrefs)


def test_lines_link_to_their_anchor_and_show_their_time(episodes, client):
    results = search.search("gardening")
    (hit,) = results.hits
    assert hit.episode.slug == "streams"
    (line,) = hit.lines
    uid = TranscriptLine.objects.get(episode=hit.episode, position=3).uid
    assert line.anchor == f"line-{uid}"
    assert line.time == "60:08"
    assert line.speaker == "Alexey"
    assert "<mark>" in line.excerpt
    assert "gardening" in line.excerpt.lower()
    page = get_page(client, "/podcast/streams/")
    assert {f"line-{uid}", "line-3"} <= set(page.ids)  # its link, and its place for links of old


def test_show_notes_and_titles_are_searched(episodes):
    slugs = [hit.episode.slug for hit in search.search("kafka").hits]
    assert set(slugs) == {"streams", "notes"}
    assert slugs[0] == "streams"
    notes = next(hit for hit in search.search("kafka").hits if hit.episode.slug == "notes")
    assert notes.lines == []


def test_markup_in_lines_is_text_in_results(episodes, client):
    response = client.get("/search/?q=consumers")
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<mark>consumers</mark>" in html
    if connection.vendor != "postgresql":
        # PostgreSQL's excerpts leave tag-like words out; the simple backend shows them as text.
        assert "&lt;script&gt;" in html


def test_query_is_text_too(episodes, client):
    response = client.get("/search/?q=<img src=x onerror=alert(1)>")
    assert response.status_code == 200
    assert b"<img src=x" not in response.content


def test_empty_and_missing_queries(episodes, client):
    assert client.get("/search/").status_code == 200
    assert client.get("/search/?q=").status_code == 200
    assert search.search("   ").hits == []
    page = get_page(client, "/search/?q=zzzyyyxxx")
    assert "Nothing found" in page.text


def test_search_page_query_count_is_fixed(episodes, client, django_assert_max_num_queries):
    for n in range(20):
        episode = Episode.objects.create(slug=f"more-{n}", title=f"More {n}")
        TranscriptLine.objects.bulk_create(
            TranscriptLine(episode=episode, position=p, text=f"kafka line {p}", sec=p) for p in range(30)
        )
    with django_assert_max_num_queries(8):
        page = get_page(client, "/search/?q=kafka")
    assert page.raw.count('class="hit"') == 22
    # At most a few lines per episode, but the count of all of them.
    assert page.raw.count('class="hit__line"') <= 22 * search.LINES_PER_EPISODE
    assert "30 matching lines" in page.text


def test_simple_backend_terms_and_excerpts():
    assert search.terms('kafka "event streaming"  Kafka') == ["kafka", "event streaming"]
    text = " ".join(f"w{n}" for n in range(100)) + " kafka " + " ".join(f"v{n}" for n in range(100))
    excerpt = search._excerpt(text, ["kafka"])
    assert excerpt.startswith("… ")
    assert excerpt.endswith(" …")
    assert f"{search.START}kafka{search.STOP}" in excerpt
    assert str(search.highlighted(f"<b>{search.START}x{search.STOP}</b>")) == "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_sqlite_uses_the_simple_backend(db):
    assert isinstance(search.backend(), search.SimpleBackend)


@on_postgres
def test_postgres_uses_full_text_search_with_stemming(episodes):
    assert isinstance(search.backend(), search.PostgresBackend)
    # "streams" finds "streaming": stemming, which the simple fallback does not do.
    (hit,) = [hit for hit in search.search("streams").hits if hit.lines]
    assert hit.episode.slug == "streams"
    assert "<mark>streaming</mark>" in hit.lines[0].excerpt
    # websearch syntax: a minus excludes.
    assert [h.episode.slug for h in search.search("kafka -production").hits if h.lines] == ["streams"]
    assert all("production" not in h.lines[0].excerpt for h in search.search("kafka -production").hits if h.lines)


@on_postgres
def test_postgres_search_uses_the_gin_indexes(episodes):
    line = TranscriptLine.objects.filter(text__icontains="kafka").first()
    with connection.cursor() as cursor:
        # The stored vector is the line's text as PostgreSQL's English configuration reads it.
        cursor.execute(
            "SELECT search_vector = to_tsvector('english', text) FROM episodes_transcriptline WHERE id = %s", [line.pk]
        )
        assert cursor.fetchone() == (True,)
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'episodes_%%_text_search'")
        assert {row[0] for row in cursor.fetchall()} == {"episodes_line_text_search", "episodes_episode_text_search"}
        # Small tables would be scanned anyway; the point is that the index matches the query's
        # expression, so PostgreSQL can use it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        backend = search.PostgresBackend()
        lines = backend.match_lines(TranscriptLine.objects.order_by(), "kafka")
        assert "episodes_line_text_search" in lines.explain()
        found = backend.match_episodes(Episode.objects.order_by(), "kafka")
        assert "episodes_episode_text_search" in found.explain()
