"""What the editorial admin knows about a transcript beyond the models: who the host is, which
lines look wrong, and how an edit is recorded in the history.

The rules here are shared by the change page (problems shown on each line), the change list
(problem counts and the "has problems" filter) and the tools that rewrite transcripts (find and
replace, renaming a speaker), so a line is judged the same way wherever an editor meets it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

import reversion
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from reversion.models import Version

from episodes.models import Appearance, Episode, TranscriptLine, lock_rows
from episodes.timecodes import format_seconds, parse_time
from episodes.transcripts import speaker_name

# --- who may speak -------------------------------------------------------------------------------


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
    """The host's names: ``settings.PODCAST_HOSTS`` when set, else the archive's busiest speaker."""
    configured = getattr(settings, "PODCAST_HOSTS", None)
    names = list(configured) if configured else [cached("host", archive_host)]
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


# --- what looks wrong ----------------------------------------------------------------------------

BACKWARDS = "backwards"
NO_SPEAKER = "no-speaker"
TIME_MISMATCH = "time-mismatch"
EMPTY_TEXT = "empty-text"
UNKNOWN_SPEAKER = "unknown-speaker"

PROBLEM_LABELS = {
    BACKWARDS: "time goes backwards",
    NO_SPEAKER: "no speaker",
    TIME_MISMATCH: "time and second disagree",
    EMPTY_TEXT: "empty text",
    UNKNOWN_SPEAKER: "speaker is neither the host nor a guest",
}


@dataclass
class Problem:
    code: str
    detail: str = ""

    @property
    def label(self):
        return PROBLEM_LABELS[self.code]

    def __str__(self):
        return f"{self.label} ({self.detail})" if self.detail else self.label


def line_problems(text, speaker, sec, time, previous_sec, speakers):
    """The problems of one line, given the second of the last timed line before it."""
    found = []
    if not (text or "").strip():
        found.append(Problem(EMPTY_TEXT))
    if not (speaker or "").strip():
        found.append(Problem(NO_SPEAKER))
    elif speakers is not None and not speakers.knows(speaker):
        found.append(Problem(UNKNOWN_SPEAKER, speaker_name(speaker)[:60]))
    if time or sec is not None:
        parsed = parse_time(time) if time else None
        if time and parsed is None:
            found.append(Problem(TIME_MISMATCH, f"{time!r} is not a time"))
        elif parsed != sec:
            written = time or "no time"
            second = "no second" if sec is None else f"second {sec} is {format_seconds(sec)}"
            found.append(Problem(TIME_MISMATCH, f"{written}, {second}"))
    if sec is not None and previous_sec is not None and sec < previous_sec:
        found.append(Problem(BACKWARDS, f"{format_seconds(sec)} after {format_seconds(previous_sec)}"))
    return found


def transcript_problems(lines, speakers):
    """Problems of lines given in transcript order as (key, text, speaker, sec, time): {key: [..]}."""
    found = {}
    previous = None
    for key, text, speaker, sec, time in lines:
        problems = line_problems(text, speaker, sec, time, previous, speakers)
        if problems:
            found[key] = problems
        if sec is not None:
            previous = sec
    return found


def archive_problem_counts():
    """``problem_counts`` of the whole archive, kept while the archive does not change: the
    "has problems" filter needs every line of every episode."""
    configured = ",".join(getattr(settings, "PODCAST_HOSTS", None) or ())
    return cached(f"problems:{configured}", problem_counts)


def problem_counts(episode_ids=None):
    """{episode id: (line count, problem count)} for the given episodes (all when None), from
    two queries however many episodes and lines there are."""
    lines = TranscriptLine.objects.order_by("episode_id", "position")
    if episode_ids is not None:
        episode_ids = list(episode_ids)
        lines = lines.filter(episode_id__in=episode_ids)
    else:
        episode_ids = list(Episode.objects.values_list("id", flat=True))
    speakers = episode_speakers(episode_ids)
    by_episode = defaultdict(list)
    for row in lines.values_list("episode_id", "id", "text", "speaker", "sec", "time"):
        by_episode[row[0]].append(row[1:])
    counts = {}
    for episode_id in episode_ids:
        rows = by_episode.get(episode_id, [])
        found = transcript_problems(rows, speakers[episode_id])
        counts[episode_id] = (len(rows), sum(len(p) for p in found.values()))
    return counts


def speaker_counts(episode):
    """The speakers of an episode with their number of lines, most lines first."""
    rows = (
        TranscriptLine.objects.filter(episode=episode)
        .values("speaker")
        .annotate(lines=Count("id"))
        .order_by("-lines", "speaker")
    )
    return Counter({row["speaker"]: row["lines"] for row in rows})


# --- recording an edit -----------------------------------------------------------------------------


def _same_moment(recorded, now):
    # Versions store times to the millisecond (Django's JSON encoder), the database to the
    # microsecond.
    return (
        recorded is not None and now is not None and recorded == now.replace(microsecond=now.microsecond // 1000 * 1000)
    )


def ensure_baseline(episodes, user=None):
    """Record each episode as it is now if its history does not end with this state: an
    imported episode has no history yet, and one re-imported since its last admin change has
    moved on from it. Called before an admin change, so the state it replaces can be restored."""
    episodes = list(episodes)
    if not episodes:
        return
    content_type = ContentType.objects.get_for_model(Episode)
    latest_ids = (
        Version.objects.filter(content_type=content_type, object_id__in=[str(e.pk) for e in episodes])
        .values("object_id")
        .annotate(last=Max("pk"))
        .values_list("last", flat=True)
    )
    recorded = {
        version.object_id: version.field_dict.get("updated_at")
        for version in Version.objects.filter(pk__in=list(latest_ids))
    }
    missing = [e for e in episodes if not _same_moment(recorded.get(str(e.pk)), e.updated_at)]
    if not missing:
        return
    with reversion.create_revision():
        for episode in missing:
            reversion.add_to_revision(episode)
        reversion.set_comment("As it was before this change (imported or changed outside the admin).")
        if user is not None and user.is_authenticated:
            reversion.set_user(user)


def touch(episode_ids):
    """Mark episodes as changed now: the change page's version token is ``updated_at``, and a
    page opened before this must not save over it."""
    Episode.objects.filter(pk__in=list(episode_ids)).update(updated_at=timezone.now())


def record(user, episodes, comment, *, log=True):
    """One history revision for a change made outside the change form, and an admin log entry
    for each episode, so the change shows in the episode's history with who, when and what."""
    episodes = list(episodes)
    if not episodes:
        return
    with reversion.create_revision():
        for episode in episodes:
            reversion.add_to_revision(episode)
        reversion.set_comment(comment)
        reversion.set_user(user)
    if not log:
        return
    content_type = ContentType.objects.get_for_model(Episode)
    LogEntry.objects.bulk_create(
        [
            LogEntry(
                user_id=user.pk,
                content_type=content_type,
                object_id=str(episode.pk),
                object_repr=str(episode)[:200],
                action_flag=CHANGE,
                change_message=comment,
            )
            for episode in episodes
        ]
    )


def rename_speaker(episode, old, new, user):
    """Rename a speaker on every line of one episode, and record it in the history."""
    with transaction.atomic():
        lock_rows(Episode, pk__in=[episode.pk])  # an import waits for this, or this for it
        ensure_baseline([episode], user)
        count = TranscriptLine.objects.filter(episode=episode, speaker=old).update(speaker=new)
        if count:
            touch([episode.pk])
            episode.refresh_from_db()
            record(user, [episode], f"Renamed the speaker {old!r} to {new!r} on {count} line{'s' * (count != 1)}.")
    return count
