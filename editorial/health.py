"""The archive's health over the rows: ``archive.health``'s checks run over every episode and
person in the database, read in a handful of queries, each problem with the address of the
place an editor fixes it (a transcript's line or section is its row in the transcript editor).

Speakers are judged by the admin's rule (``speakers.episode_speakers``): the hosts
``settings.PODCAST_HOSTS`` names, else the archive's busiest speaker, which ``check_archive``
does not guess (it leaves speakers unjudged then).

The scan reads every line of the archive (seconds over the real one): its result is kept under
the content version (``episodes.caching``), which every committed change moves, so the page is
made again only once the archive has changed. An image removed from the media storage by hand,
which changes no row, shows once anything else changes.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from archive import health
from episodes.metadata import stored_file
from episodes.models import Episode, Guest, PlatformLink, Section, TranscriptLine
from episodes.transcripts import plain_items

from .speakers import cached, episode_speakers


@dataclass(frozen=True)
class Entry:
    """One problem as the health page lists it."""

    finding: health.Finding
    name: str  # the episode's or the person's
    url: str

    @property
    def where(self):
        return "" if self.finding.position is None else f"transcript item {self.finding.position + 1}"


def transcripts(episode_ids):
    """{episode id: items} as ``archive.health`` reads them, in the transcript editor's order
    (``episodes.transcripts.in_transcript_order``), so an item's place is its row."""
    sections, lines = defaultdict(list), defaultdict(list)
    for episode_id, *section in Section.objects.filter(episode_id__in=episode_ids).values_list(
        "episode_id", "position", "title"
    ):
        sections[episode_id].append(section)
    for episode_id, *line in TranscriptLine.objects.filter(episode_id__in=episode_ids).values_list(
        "episode_id", "position", "text", "speaker", "sec", "time"
    ):
        lines[episode_id].append(line)
    return {episode_id: plain_items(sections[episode_id], lines[episode_id]) for episode_id in {*sections, *lines}}


def _present(field_file):
    return (field_file.name, bool(stored_file(field_file))) if field_file else ("", True)


def person_entries():
    entries = []
    for guest in Guest.objects.only("pk", "short", "title", "picture").order_by("short"):
        url = reverse("admin:episodes_guest_change", args=[guest.pk])
        found = health.check(health.Subject(images=[_present(guest.picture)]))
        entries += [Entry(finding, guest.title or guest.short, url) for finding in found]
    return entries


def episode_entries():
    episodes = list(Episode.objects.only("pk", "slug", "title", "image").order_by("slug"))
    ids = [episode.pk for episode in episodes]
    items = transcripts(ids)
    links = defaultdict(list)
    for episode_id, platform, url in (
        PlatformLink.objects.filter(episode_id__in=ids)
        .order_by("position")
        .values_list("episode_id", "platform", "url")
    ):
        links[episode_id].append((platform, url))
    speakers = episode_speakers(ids)
    entries = []
    for episode in episodes:
        subject = health.Subject(items.get(episode.pk, []), links[episode.pk], [_present(episode.image)])
        subject.speakers = speakers[episode.pk]
        url = reverse("admin:episodes_episode_change", args=[episode.pk])
        for finding in health.check(subject):
            anchor = "" if finding.position is None else f"#t-row-{finding.position}"
            entries.append(Entry(finding, episode.title, url + anchor))
    return entries


@dataclass
class Kind:
    code: str
    label: str
    entries: list


# A day: a result is only ever read under its own version, so an old one is never served.
KEPT_SECONDS = 24 * 60 * 60


def archive_health():
    """``scan_archive()``, kept while the content version and the hosts named stay the same."""
    hosts = ",".join(getattr(settings, "PODCAST_HOSTS", None) or ())
    return cached(f"archive-health:{hosts}", scan_archive, KEPT_SECONDS)


def scan_archive():
    """The archive's problems by kind, every kind listed in ``archive.health.KINDS``' order
    (people's first, then episodes', each in order of their file names)."""
    by_kind = defaultdict(list)
    for entry in person_entries() + episode_entries():
        by_kind[entry.finding.kind].append(entry)
    return [Kind(code, label, by_kind[code]) for code, label in health.KINDS.items() if code != health.UNREADABLE]
