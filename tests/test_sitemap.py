"""The sitemap's lastmod says when a page's content last changed, not when it was imported."""

import datetime
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from archive import documents
from episodes.models import Episode, TranscriptLine
from tests.conftest import corpus_snapshot
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
    # Each episode's page is dated by its file: the date it aired, else the day it was added.
    root = corpus_snapshot("2026-06") / "_podcast"
    episodes = list(Episode.objects.published())
    for episode in episodes:
        front = documents.parse((root / episode.filename).read_bytes()).data
        day = front.get("date") or front.get("dateadded")
        assert found[episode.get_absolute_url()] == (str(day) if day else None), episode.slug
    assert sum(found[episode.get_absolute_url()] is None for episode in episodes) == 13  # files with neither
    assert found["/podcast/becoming-data-freelancer/"] == "2025-11-07"  # not the day it was added, 2023-12-09
    assert found["/podcast/data-team-roles/"] == "2021-02-23"  # only added
    assert found["/podcast/s23e03-future-of-ai-agents/"] is None
    # A person's page is dated by the newest of their dated episodes.
    assert found["/people/liorbarak/"] == "2025-08-18"
    assert found["/people/ruslanshchuchkin/"] == "2023-03-11"  # his other episode has no date

    # An editor corrects a line a little later: the episode's page has changed today.
    edited = Episode.objects.get(slug="data-leadership-coaching")
    Episode.objects.filter(pk=edited.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    line = TranscriptLine.objects.filter(episode=edited).first()
    line.text = "Corrected."
    line.save()
    Episode.objects.get(pk=edited.pk).save()
    assert lastmods(client)[edited.get_absolute_url()] == today
