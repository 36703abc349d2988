"""Who speaks in a transcript: the host (set in settings, or the archive's busiest speaker) and
each episode's guests, matched on first name as transcripts write them; and renaming a speaker.

The rules here are shared by the change page, the change list and the tools that rewrite
transcripts, so a speaker is judged the same way wherever an editor meets one.
"""

from collections import Counter, defaultdict

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max

from episodes import site
from episodes.models import Appearance, Episode, Guest, TranscriptLine, lock_rows
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


def archive_state():
    """A key that changes whenever any transcript does: every change the CMS makes to an
    episode's lines saves or touches the episode (see ``touch``), and deleting one changes the
    count. One query on the small episodes table."""
    state = Episode.objects.aggregate(last=Max("updated_at"), count=Count("id"))
    return f"{state['count']}:{state['last'].isoformat() if state['last'] else ''}"


def cached(name, compute, timeout=600):
    """``compute()`` once per archive state, shared by the requests of this process."""
    key = f"episodes-admin:{name}:{archive_state()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def hosts():
    """The host's names: those of the people ``settings.PODCAST_HOSTS`` names (by their files'
    keys, or by name), else the archive's busiest speaker."""
    configured = site.hosts()
    if not configured:
        names = [cached("host", archive_host)]
    else:
        people = dict(Guest.objects.filter(short__in=configured).values_list("short", "title"))
        names = [people.get(key) or key for key in configured]
    return [name for name in names if name]


def first_name(name):
    words = speaker_name(name).split()
    return words[0].casefold() if words else ""


class Speakers:
    """Whom an episode's lines may name: its host(s) and its guests, matched on first name since
    transcripts write "Will" where the guest list says "Will Russell"."""

    def __init__(self, host_names, guest_names):
        self.hosts = [name for name in host_names if name]
        self.guests = [name for name in guest_names if name]
        self._known = {first_name(name) for name in self.hosts + self.guests} - {""}
        self._full = {speaker_name(name).casefold() for name in self.hosts + self.guests}

    def knows(self, speaker):
        name = speaker_name(speaker).casefold()
        return name in self._full or first_name(speaker) in self._known

    def suggestions(self, used=()):
        """Names for the speaker field's suggestions: the host, guests' first names, and whatever
        the episode already uses."""
        names = list(self.hosts)
        names += [speaker_name(name).split()[0] for name in self.guests if speaker_name(name)]
        names += [name for name in used if name]
        return list(dict.fromkeys(names))


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
