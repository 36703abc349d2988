"""The sitemap's lastmod says when a page's content last changed, not when it was imported."""

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from episodes.models import Episode, Guest, TranscriptLine
from tests.pages import load_snapshot
from tests.renderings import SITEMAP_NS

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def lastmods(client):
    root = ET.fromstring(client.get("/sitemap.xml").content)
    return {
        urlsplit(url.findtext(f"{SITEMAP_NS}loc")).path: url.findtext(f"{SITEMAP_NS}lastmod")
        for url in root.iter(f"{SITEMAP_NS}url")
    }


def test_a_fresh_import_dates_each_page_by_its_episode_and_an_edit_by_the_edit(client, tmp_path):
    load_snapshot("2026-06", tmp_path)
    today = timezone.now().date().isoformat()
    found = lastmods(client)
    episodes = list(Episode.objects.published())
    for episode in episodes:
        day = episode.published_on
        assert found[episode.get_absolute_url()] == (f"{day.isoformat()}" if day else None), episode.slug
    assert today not in {found[episode.get_absolute_url()] for episode in episodes}
    dated = [episode for episode in episodes if episode.published_on]
    person = Guest.objects.filter(appearances__episode=dated[0]).first()
    newest = max(a.episode.published_on for a in person.appearances.select_related("episode") if a.episode.published_on)
    assert found[person.get_absolute_url()] == newest.isoformat()

    # An editor corrects a line a little later: the episode's page has changed today.
    Episode.objects.filter(pk=dated[0].pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    line = TranscriptLine.objects.filter(episode=dated[0]).first()
    line.text = "Corrected."
    line.save()
    Episode.objects.get(pk=dated[0].pk).save()
    assert lastmods(client)[dated[0].get_absolute_url()] == today
