"""Who speaks in an episode, and for how long.

A transcript names a speaker the way the conversation does: "Alexey", "Will", now and then a
whole name, in older files with a colon ("Alexey:"). Who may speak in an episode is its cast:
the hosts and the episode's guests. A speaker is matched to one of them by the whole name,
else by the first name (transcripts write "Will" where the guest list says "Will Russell"). A
name that fits no one, or fits more than one person of the cast (two guests called Maria, a
guest who shares the host's first name), is matched to no one: the pages show it as written
rather than guess. The admin checks speakers by the same rule (``editorial.speakers``).

The hosts are the people ``settings.PODCAST_HOSTS`` names by the keys of their person files; an
entry that names no file is a host known by that name alone, with no profile to link to. When
the setting is empty the public pages name no host: the admin guesses one (the archive's
busiest speaker) to check speakers, where a wrong guess costs a warning, but a page would state
it as fact, so there a speaker who is none of the episode's guests stays plain text and no
person page lists hosted episodes.

Talk time follows the captions' timeline (``transcripts.timeline``): a line lasts until the next
timed line starts, untimed lines share the time of the timed line before them, and the last ones
run to the episode's end when its duration is known. Words are the words of a line's text.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.db.models import Case, F, IntegerField, Q, Subquery, When, Window
from django.db.models.functions import Lead, Length
from django.urls import reverse

from . import site
from .models import Appearance, Episode, Guest, TranscriptLine
from .timecodes import parse_duration
from .transcripts import speaker_name, talk_spans


def first_name(name):
    """The first word of a speaker's or a person's name, casefolded: what transcripts write."""
    words = speaker_name(name).split()
    return words[0].casefold() if words else ""


@dataclass(frozen=True)
class Person:
    """Someone of an episode's cast: a host or a guest."""

    name: str
    key: str = ""  # the person file's key; "" for a host named only by the setting
    is_host: bool = False

    @property
    def identity(self):
        """Who they are, whichever list names them: a host may be an episode's guest too."""
        return self.key or speaker_name(self.name).casefold()

    @cached_property
    def url(self):
        """Their profile page, or "" when they have none."""
        return reverse("episodes:person", args=[self.key]) if self.key else ""


def person(key, name, is_host=False):
    """A person with a file, by its key and name (the file's title, else its key)."""
    return Person(name or key, key, is_host)


def _as_person(entry, is_host):
    return entry if isinstance(entry, Person) else Person(speaker_name(entry), "", is_host)


class Speakers:
    """An episode's cast, and who of them a transcript's speaker names. ``hosts`` and ``guests``
    are Person objects, or names (the admin's lists)."""

    def __init__(self, hosts, guests):
        self.hosts = [p for p in (_as_person(entry, True) for entry in hosts if entry) if p.name]
        self.guests = [p for p in (_as_person(entry, False) for entry in guests if entry) if p.name]
        self._people = {}
        for someone in self.hosts + self.guests:
            self._people.setdefault(someone.identity, someone)
        self._by_name, self._by_first = defaultdict(set), defaultdict(set)
        for identity, someone in self._people.items():
            self._by_name[speaker_name(someone.name).casefold()].add(identity)
            self._by_first[first_name(someone.name)].add(identity)

    def _candidates(self, speaker):
        """Who ``speaker`` may name: those of that whole name, else those of that first name."""
        return self._by_name.get(speaker_name(speaker).casefold()) or self._by_first.get(first_name(speaker)) or set()

    def match(self, speaker):
        """The one person of the cast ``speaker`` names, or None (no one, or more than one)."""
        found = self._candidates(speaker)
        return self._people[next(iter(found))] if len(found) == 1 else None

    def knows(self, speaker):
        """Whether ``speaker`` names someone of the cast, if maybe not only one."""
        return bool(self._candidates(speaker))

    def suggestions(self, used=()):
        """Names for the speaker field's suggestions: the host, guests' first names, and whatever
        the episode already uses."""
        names = [someone.name for someone in self.hosts]
        names += [someone.name.split()[0] for someone in self.guests]
        names += [name for name in used if name]
        return list(dict.fromkeys(names))


# --- the hosts ------------------------------------------------------------------------------------


def _host(key, title):
    """A host as the setting names them: by their file (``title`` is its title, "" when it has
    none), or, when no file has that key (``title`` is None), by that name alone."""
    return Person(key, "", True) if title is None else person(key, title, is_host=True)


def host_annotations():
    """What the hosts' person files say, as annotations for a page's own query, so that the page
    learns it in the query it makes anyway: ``hosts_of(row)`` reads them."""
    return {
        f"host_title_{number}": Subquery(Guest.objects.filter(short=key).values("title")[:1])
        for number, key in enumerate(site.hosts())
    }


def hosts_of(row):
    """The hosts, from a row of a query annotated with ``host_annotations()``."""
    return [_host(key, getattr(row, f"host_title_{number}", None)) for number, key in enumerate(site.hosts())]


def hosts():
    """The hosts, in the setting's order (one query)."""
    keys = site.hosts()
    titles = dict(Guest.objects.filter(short__in=keys).values_list("short", "title")) if keys else {}
    return [_host(key, titles.get(key)) for key in keys]


def guest(row):
    """A guest of an episode, from their Guest row."""
    return person(row.short, row.name)


# --- an episode's statistics ----------------------------------------------------------------------


@dataclass
class Voice:
    """One speaker of an episode: who (``person``, None when no one of the cast is matched), their
    share of its talk time in whole percent, their time in milliseconds, their words."""

    name: str  # the person's name, else the name the transcript gives ("" for none)
    person: Person | None = None
    talk_ms: int = 0
    words: int = 0
    lines: int = 0
    percent: int | None = None  # None when the transcript has no time at all


@dataclass
class Statistics:
    voices: list = field(default_factory=list)  # most talk time first

    @property
    def talk_ms(self):
        return sum(voice.talk_ms for voice in self.voices)

    @property
    def words(self):
        return sum(voice.words for voice in self.voices)


def percentages(values):
    """Whole percentages of ``values`` that add up to 100 (largest remainders get the rounding);
    None for each when they add up to nothing."""
    total = sum(values)
    if not total:
        return [None] * len(values)
    exact = [value * 100 / total for value in values]
    whole = [int(share) for share in exact]
    by_remainder = sorted(range(len(values)), key=lambda index: whole[index] - exact[index])
    for index in by_remainder[: 100 - sum(whole)]:
        whole[index] += 1
    return whole


def attribute(transcript, cast):
    """Match each line of ``transcript`` to the person of ``cast`` (a Speakers) who speaks it
    (``line.person``, None when no one or not only one), and count each speaker's talk time and
    words: the Statistics of the episode. Lines of a matched person count as theirs whatever name
    they go by; others count by the name they give."""
    lines = list(transcript.lines)
    spans = talk_spans([(line.seconds, len(line.text)) for line in lines], transcript.duration_seconds)
    by_speaker, voices = {}, {}
    for line, (start, end) in zip(lines, spans, strict=True):
        found = by_speaker.get(line.speaker)
        if found is None:
            someone = cast.match(line.speaker) if line.speaker else None
            key = someone.identity if someone else ("", line.speaker)
            if key not in voices:
                voices[key] = Voice(someone.name if someone else line.speaker, someone)
            found = by_speaker[line.speaker] = (someone, voices[key])
        line.person, voice = found
        voice.talk_ms += end - start
        voice.words += len(line.text.split())
        voice.lines += 1
    ranked = sorted(voices.values(), key=lambda voice: (-voice.talk_ms, -voice.words, voice.name))
    for voice, percent in zip(ranked, percentages([voice.talk_ms for voice in ranked]), strict=True):
        voice.percent = percent
    return Statistics(ranked)


# --- a person's time on air -----------------------------------------------------------------------

# The talk time of each speaker of an episode, as the transcript names them, is kept in the cache
# under the episode's ``updated_at``, which every change to its lines or its duration moves (the
# admin's version token relies on it too): a person page reads the figures of every episode they
# are in, and makes again only those of episodes changed since, reading their lines alone. Who a
# name is comes after, from the cast as it is now. A new rule for talk time needs a new number.
TALK_TIMES_KEY = "speaker-talk-ms:1"
TALK_TIMES_SECONDS = 30 * 24 * 3600


@dataclass
class OnAir:
    """A person across the published episodes: those they are in (listed as a guest, or, for a
    host, speaking in it), how many of those they speak in, and their talk time in all."""

    episode_ids: set = field(default_factory=set)
    speaking_in: int = 0
    talk_ms: int = 0
    is_host: bool = False


def on_air(someone, hosts):
    """OnAir for the person of Guest row ``someone``, given the hosts (``hosts_of``): one query for
    their episodes and the guests of each (for a host, every published episode), and one more
    for the lines of those whose talk times the cache does not hold."""
    result = OnAir(is_host=any(host.key == someone.short for host in hosts))
    episodes = Episode.objects.published()
    if not result.is_host:
        episodes = episodes.filter(id__in=Appearance.objects.filter(guest=someone).values("episode_id"))
    rows = episodes.order_by("id", "appearances__position").values_list(
        "id", "updated_at", "duration", "appearances__guest__short", "appearances__guest__title"
    )
    guests, stamps = defaultdict(list), {}
    for episode_id, updated_at, duration, key, title in rows:
        stamps[episode_id] = (updated_at, duration)
        if key is not None:
            guests[episode_id].append(person(key, title))
            if key == someone.short:
                result.episode_ids.add(episode_id)
    for episode_id, times in talk_times(stamps).items():
        cast = Speakers(hosts, guests[episode_id])
        theirs = [ms for speaker, ms in times.items() if _is(cast.match(speaker), someone)]
        if theirs:
            result.episode_ids.add(episode_id)
            result.speaking_in += 1
            result.talk_ms += sum(theirs)
    return result


def _is(matched, someone):
    return matched is not None and matched.key == someone.short


def talk_times(stamps):
    """{episode id: {speaker as written: talk time in ms}} for the episodes of ``stamps`` ({id:
    (updated_at, duration)}), from the cache, the missing ones made from their lines."""
    keys = {episode_id: f"{TALK_TIMES_KEY}:{episode_id}:{at.isoformat()}:{d}" for episode_id, (at, d) in stamps.items()}
    kept = cache.get_many(keys.values()) if keys else {}
    found = {episode_id: kept[key] for episode_id, key in keys.items() if key in kept}
    missing = [episode_id for episode_id in keys if episode_id not in found]
    if missing:
        made = _made_talk_times(missing, {episode_id: stamps[episode_id][1] for episode_id in missing})
        cache.set_many({keys[episode_id]: times for episode_id, times in made.items()}, TALK_TIMES_SECONDS)
        found.update(made)
    return found


def _made_talk_times(episode_ids, durations):
    """{episode id: {speaker: ms}} from the episodes' lines, without reading texts that cannot
    matter: a line's length only divides the time of a timed line among the untimed lines after
    it, so it is read for untimed lines and the lines just before one (or the last)."""
    following = Window(Lead("sec"), partition_by=[F("episode_id")], order_by=F("position").asc())
    length = Case(When(Q(sec=None) | Q(following_sec=None), then=Length("text")), output_field=IntegerField())
    rows = (
        TranscriptLine.objects.filter(episode_id__in=episode_ids)
        .order_by("episode_id", "position")
        .annotate(following_sec=following, length=length)
        .values_list("episode_id", "speaker", "sec", "length")
    )
    lines = defaultdict(list)
    for episode_id, speaker, sec, size in rows:
        lines[episode_id].append((speaker, sec, size or 0))
    made = {}
    for episode_id in episode_ids:
        episode_lines = lines[episode_id]
        spans = talk_spans([(sec, size) for _, sec, size in episode_lines], parse_duration(durations[episode_id]))
        times = made[episode_id] = {}
        for (speaker, _, _), (start, end) in zip(episode_lines, spans, strict=True):
            if speaker_name(speaker):
                times[speaker] = times.get(speaker, 0) + end - start
    return made
