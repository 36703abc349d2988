"""A section stored at the same position as a line comes before it, wherever a transcript is
shown: on the public page, in the transcript editor, and in the archive's health."""

import re

import pytest
from django.urls import reverse

from episodes.models import Section, TranscriptLine
from episodes.transcripts import Transcript
from tests.admin_pages import change_url

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

EMPTY_SECTIONS = re.compile(r'<td class="health-count" data-kind="empty-section">(\d+)</td>')


@pytest.fixture
def shared_position(archive):
    """The first episode with a section "Opening" at the position of "Tell us about yourself.",
    the line right after the section "Background"."""
    episode = archive["first"]
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    Section.objects.create(episode=episode, position=line.position, title="Opening")
    return episode


@pytest.mark.django_db
def test_the_public_transcript_puts_the_line_under_the_section(shared_position):
    episode = shared_position
    transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all())
    opening = next(section for section in transcript.sections if section.title == "Opening")
    assert [line.text for line in opening.lines][:1] == ["Tell us about yourself."]


@pytest.mark.django_db
def test_the_editor_shows_the_section_first(shared_position, editor_client):
    page = editor_client.get(change_url(shared_position)).content.decode()
    rows = re.findall(r'<div id="t-row-(\d+)" class="t-row t-(header|line)', page)
    assert rows[1:4] == [("1", "header"), ("2", "header"), ("3", "line")]


@pytest.mark.django_db
def test_the_health_page_finds_the_section_it_leaves_empty(archive, editor_client, django_capture_on_commit_callbacks):
    health = reverse("admin:episodes_episode_health")
    before = int(EMPTY_SECTIONS.search(editor_client.get(health).content.decode()).group(1))
    line = TranscriptLine.objects.get(episode=archive["first"], text="Tell us about yourself.")
    with django_capture_on_commit_callbacks(execute=True):
        Section.objects.create(episode=archive["first"], position=line.position, title="Opening")
    after = int(EMPTY_SECTIONS.search(editor_client.get(health).content.decode()).group(1))
    assert after == before + 1  # "Background", right before "Opening"
