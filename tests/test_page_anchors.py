"""A transcript section's anchor never takes an id the episode page uses for itself."""

import re

import pytest

from episodes.models import Episode, Section, TranscriptLine
from episodes.transcripts import PAGE_ANCHORS


@pytest.mark.django_db
def test_every_fixed_id_of_the_episode_page_is_kept_from_section_anchors(client):
    episode = Episode.objects.create(slug="ep", title="Ep", youtube_id="abcdefghijk")
    TranscriptLine.objects.create(episode=episode, position=0, text="Hello.", speaker="Ann", sec=1, time="0:01")
    page = client.get("/podcast/ep/").content.decode()
    fixed = set(re.findall(r'\sid="([^"]+)"', page)) - {f"line-{line.uid}" for line in episode.lines.all()} - {"line-0"}
    assert fixed <= PAGE_ANCHORS, fixed - PAGE_ANCHORS


@pytest.mark.django_db
def test_a_section_named_like_a_tool_gets_an_anchor_of_its_own(client):
    episode = Episode.objects.create(slug="ep", title="Ep", youtube_id="abcdefghijk")
    for position, title in enumerate(["Tools", "Share", "Find"]):
        Section.objects.create(episode=episode, position=position * 2, title=title)
        TranscriptLine.objects.create(episode=episode, position=position * 2 + 1, text="Hi.", sec=position)
    ids = re.findall(r'\sid="([^"]+)"', client.get("/podcast/ep/").content.decode())
    assert len(ids) == len(set(ids))
