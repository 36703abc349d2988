"""The admin's archive health page is kept under the content version: a second visit scans
nothing, and a committed edit shows on the next visit."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from episodes.models import TranscriptLine

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

HEALTH = reverse("admin:episodes_episode_health")
COUNT_CELL = re.compile(r'<td class="health-count" data-kind="([a-z-]+)">(\d+)</td>')


def visit(client):
    """({kind: count} of the page, the SQL it ran)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(HEALTH)
    assert response.status_code == 200
    counts = {kind: int(count) for kind, count in COUNT_CELL.findall(response.content.decode())}
    return counts, [query["sql"] for query in captured.captured_queries]


def reads_lines(queries):
    return any("episodes_transcriptline" in sql for sql in queries)


@pytest.mark.django_db
def test_the_first_visit_scans_the_transcripts(archive, editor_client):
    _, queries = visit(editor_client)
    assert reads_lines(queries)


@pytest.mark.django_db
def test_a_second_visit_scans_nothing(archive, editor_client):
    visit(editor_client)
    _, queries = visit(editor_client)
    assert not reads_lines(queries)


@pytest.mark.django_db
def test_a_second_visit_shows_the_same_problems(archive, editor_client):
    first, _ = visit(editor_client)
    second, _ = visit(editor_client)
    assert second == first


@pytest.mark.django_db
def test_an_edit_shows_on_the_next_visit(archive, editor_client, django_capture_on_commit_callbacks):
    before, _ = visit(editor_client)
    line = TranscriptLine.objects.get(text="Spark is fast.")
    line.text = ""
    with django_capture_on_commit_callbacks(execute=True):
        line.save()
    after, _ = visit(editor_client)
    assert after["empty-text"] == before["empty-text"] + 1


@pytest.mark.django_db
def test_naming_other_hosts_shows_on_the_next_visit(archive, editor_client, settings):
    before, _ = visit(editor_client)
    settings.PODCAST_HOSTS = ["bob"]  # Alexey, who speaks in both episodes, is no host now
    after, _ = visit(editor_client)
    assert after["unknown-speaker"] > before["unknown-speaker"]
