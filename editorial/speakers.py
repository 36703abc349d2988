"""Who speaks in a transcript, for editors: the host (set in settings, or the archive's busiest
speaker) and each episode's guests, matched by the public pages' rule (``episodes.speakers``:
the whole name, else the first name, as transcripts write them); and renaming a speaker.

The rules here are shared by the change page, the change list and the tools that rewrite
transcripts, so a speaker is judged the same way wherever an editor meets one.
"""

from collections import Counter, defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count

from episodes import site
from episodes import speakers as cast
from episodes.caching import current_version
from episodes.models import Appearance, Episode, TranscriptLine, lock_rows
from episodes.speakers import Speakers, first_name
from episodes.transcripts import speaker_name

from . import history


def archive_host():
    """The speaker with the most lines across the archive in episodes where they are not a
    guest: the host, who speaks in every episode and is never in its guest list."""
    guests = defaultdict(set)
    for episode_id, title in Appearance.objects.values_list("episode_id", "guest__title"):
        guests[episode_id].add(first_name(title))
    lines = Counter()
    rows = (
        TranscriptLine.objects.exclude(speaker="")
        .order_by()
        .values_list("episode_id", "speaker")
        .annotate(total=Count("id"))
    )
    for episode_id, speaker, total in rows:
        if first_name(speaker) not in guests[episode_id]:
            lines[speaker_name(speaker)] += total
    ranked = sorted(lines.items(), key=lambda item: (-item[1], item[0]))
    return ranked[0][0] if ranked else ""


def cached(name, compute, timeout=600):
    """``compute()`` once per content version (every committed change moves it), shared by
    every process."""
    key = f"episodes-admin:{name}:{current_version()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def hosts():
    """The host's names: those of the people ``settings.PODCAST_HOSTS`` names (by their files'
    keys, or by name), else the archive's busiest speaker. Only the admin guesses: a guess costs
    an editor a warning at worst, while a page would state it as fact (see ``episodes.speakers``)."""
    if not site.hosts():
        return [name for name in [cached("host", archive_host)] if name]
    return [host.name for host in cast.hosts()]


def episode_speakers(episode_ids, host_names=None):
    """{episode id: Speakers} in one query for the guests of all the given episodes."""
    host_names = hosts() if host_names is None else host_names
    guests = defaultdict(list)
    rows = Appearance.objects.filter(episode_id__in=episode_ids).order_by("episode_id", "position", "id")
    for episode_id, title in rows.values_list("episode_id", "guest__title"):
        guests[episode_id].append(title)
    return {episode_id: Speakers(host_names, guests[episode_id]) for episode_id in episode_ids}


def speaker_counts(episode):
    """The speakers of an episode with their number of lines, most lines first."""
    rows = (
        TranscriptLine.objects.filter(episode=episode)
        .values("speaker")
        .annotate(lines=Count("id"))
        .order_by("-lines", "speaker")
    )
    return Counter({row["speaker"]: row["lines"] for row in rows})


def rename_speaker(episode, old, new, user):
    """Rename a speaker on every line of one episode, and record it in the history."""
    with transaction.atomic():
        lock_rows(Episode, pk__in=[episode.pk])  # an import waits for this, or this for it
        history.ensure_baseline([episode], user)
        count = TranscriptLine.objects.filter(episode=episode, speaker=old).update(speaker=new)
        if count:
            history.touch([episode.pk])
            episode.refresh_from_db()
            history.record(
                user, [episode], f"Renamed the speaker {old!r} to {new!r} on {count} line{'s' * (count != 1)}."
            )
    return count
