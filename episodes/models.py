"""The podcast archive as data: episodes, the people in them, and their transcripts.

Every model that comes from a file (Episode, Guest) also keeps what it needs to write that file
back faithfully: the text it was last synced with, a fingerprint of its content at that moment,
the order of its keys, and the keys that have no column of their own (see ``archive``).
"""

import datetime
import re
import uuid

from django.db import models
from django.urls import reverse
from django.utils.text import Truncator

from . import lineids
from .images import ImageFile
from .links import TODO, known_youtube_id
from .timecodes import at_noon, time_label


class Synced(models.Model):
    """What an archive file and its row share, and what the row needs to write the file back."""

    source = models.TextField(
        blank=True, editable=False, help_text="The file's text when it was last imported or exported."
    )
    source_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    synced_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Fingerprint of the content at the last import or export; a different one now "
        "means it was edited in the CMS since.",
    )
    layout = models.JSONField(default=dict, blank=True, editable=False)
    extra = models.TextField(
        "other front matter",
        blank=True,
        help_text="Keys of the file that have no field of their own, as YAML.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def changed_at(self):
        """When the row last changed after it was first written (every change to it or its
        children saves or touches the row), or None if it never did: a row as an import first
        wrote it says nothing of when its content changed."""
        if self.updated_at and self.created_at and self.updated_at - self.created_at > datetime.timedelta(seconds=1):
            return self.updated_at
        return None


# Episodes newest first: season, then number, both descending, those without one after the
# others on every database (PostgreSQL and SQLite put NULLs at opposite ends by default); then id.
NEWEST_FIRST = (
    models.F("season").desc(nulls_last=True),
    models.F("number").desc(nulls_last=True),
    models.F("id").desc(),
)
OLDEST_FIRST = (
    models.F("season").asc(nulls_first=True),
    models.F("number").asc(nulls_first=True),
    models.F("id").asc(),
)


def published(path=""):
    """The rule for what visitors may see: a published episode. ``path``: the way to the episode
    from another model (``"appearances__episode__"``)."""
    return models.Q(**{f"{path}is_published": True})


class GuestQuerySet(models.QuerySet):
    def on_air(self):
        """People in at least one published episode (once each)."""
        return self.filter(published("appearances__episode__")).distinct()


class Guest(Synced):
    short = models.SlugField(
        "key", max_length=200, unique=True, help_text="The file name and the address of the profile page."
    )
    title = models.CharField("name", max_length=300)
    picture = models.FileField(
        upload_to="images/authors/",
        max_length=500,
        blank=True,
        validators=[ImageFile("picture")],
        help_text="A JPEG, PNG, GIF or WebP image.",
    )
    bio = models.TextField("biography", blank=True, help_text="Markdown.")
    bio_short = models.TextField("short biography", blank=True)
    linkedin = models.CharField("LinkedIn handle", max_length=300, blank=True)
    twitter = models.CharField("Twitter/X handle", max_length=300, blank=True)
    github = models.CharField("GitHub handle", max_length=300, blank=True)
    web = models.URLField("website", max_length=500, blank=True)

    objects = GuestQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = "person"
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    @property
    def name(self):
        """The name a person is shown by: their file's title, else their key."""
        return self.title or self.short

    def get_absolute_url(self):
        return reverse("episodes:person", args=[self.short])


# What a file row keeps to write itself back; no page shows it, and ``source`` is the whole file.
SYNC_FIELDS = ("source", "source_sha256", "synced_digest", "layout", "extra")
# An episode's audio, as the host's feed gives it and an editor may set it.
AUDIO_FIELDS = ("audio_url", "audio_length", "audio_type", "audio_duration", "released_at")
# What a card of an episode or a person shows.
EPISODE_CARD_FIELDS = (
    "id",
    "slug",
    "title",
    "short_title",
    "season",
    "number",
    "image",
    "is_published",
    "date",
    "date_added",
    "released_at",
)
GUEST_CARD_FIELDS = ("id", "short", "title", "picture")


class EpisodeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published())

    def visible_to(self, user):
        """Drafts are public to no one but staff, who preview them before they are published."""
        return self if user.is_active and user.is_staff else self.published()

    def newest_first(self):
        """The one order of episodes (reversed by ``oldest_first``): by season, then number, the
        ones without either after the others on every database."""
        return self.order_by(*NEWEST_FIRST)

    def oldest_first(self):
        return self.order_by(*OLDEST_FIRST)

    def with_guests(self, *fields):
        """Guests in the file's order, each with what a card shows and ``fields``: one query."""
        appearances = Appearance.objects.select_related("guest").only(
            "id", "episode_id", "position", "guest", *(f"guest__{name}" for name in GUEST_CARD_FIELDS + fields)
        )
        return self.prefetch_related(models.Prefetch("appearances", queryset=appearances))

    def cards(self):
        """Episodes for lists: the few columns a card shows, and the guests."""
        return self.only(*EPISODE_CARD_FIELDS).with_guests()

    def with_transcript(self):
        return self.prefetch_related(
            models.Prefetch("sections", queryset=Section.objects.only("id", "episode_id", "position", "title")),
            models.Prefetch(
                "lines",
                queryset=TranscriptLine.objects.only(
                    "id", "episode_id", "position", "text", "speaker", "sec", "time", "uid"
                ),
            ),
        )

    def for_page(self):
        """Everything an episode page shows, in a fixed number of queries whatever its size."""
        return self.defer(*SYNC_FIELDS).with_guests("bio_short", "bio").with_transcript().prefetch_related("links")

    def with_transcript_facts(self):
        """What decides which transcript renderings an episode offers (see transcripts.Rendering),
        without loading its lines: ``has_lines``, ``has_sections``, ``has_timed_lines`` and
        ``has_timed_section`` (a timed line after the first header: a chapter)."""
        lines = TranscriptLine.objects.filter(episode=models.OuterRef("pk"))
        # Inside the lines' subquery, so "the line's episode".
        first_header = (
            Section.objects.filter(episode=models.OuterRef("episode")).order_by("position").values("position")[:1]
        )
        return self.annotate(
            has_lines=models.Exists(lines),
            has_sections=models.Exists(Section.objects.filter(episode=models.OuterRef("pk"))),
            has_timed_lines=models.Exists(lines.filter(sec__isnull=False)),
            has_timed_section=models.Exists(
                lines.filter(sec__isnull=False, position__gt=models.Subquery(first_header))
            ),
        )

    def neighbours(self, episode):
        """The episodes (older, newer) next to ``episode`` in newest-first order, among this
        queryset's; either is None at an end. Two one-row queries down the (season, number)
        index: reading every row instead would drag each file's whole text along."""
        older = self.filter(_after(episode)).newest_first()
        newer = self.filter(_before(episode)).oldest_first()
        return tuple(queryset.only("id", "slug", "title").first() for queryset in (older, newer))


# Newest-first order is season, then number, both descending with missing ones last, then id
# descending; these say which rows come after or before an episode in it.


def _after(episode):
    def key(field, value, rest):
        missing = models.Q(**{f"{field}__isnull": True})
        if value is None:
            return missing & rest
        return missing | models.Q(**{f"{field}__lt": value}) | (models.Q(**{field: value}) & rest)

    return key("season", episode.season, key("number", episode.number, models.Q(id__lt=episode.id)))


def _before(episode):
    def key(field, value, rest):
        if value is None:
            return models.Q(**{f"{field}__isnull": False}) | (models.Q(**{f"{field}__isnull": True}) & rest)
        return models.Q(**{f"{field}__gt": value}) | (models.Q(**{field: value}) & rest)

    return key("season", episode.season, key("number", episode.number, models.Q(id__gt=episode.id)))


# Episode guids are UUIDs named in this space (version 5), from the episode's most lasting id.
GUID_NAMESPACE = uuid.UUID("8f0c3a52-6d1e-5b4a-9c47-2e9d1f7b6a30")
# The host's own id of an episode: the last word of its address, "...-Jakob-Graff-e1eq73v"
# (maybe followed by "/a-a4hlg3r", an id of the audio file).
ANCHOR_EPISODE_ID = re.compile(r"-(e[0-9a-z]{5,9})(?:/a-[0-9a-z]+)?/?$")


def anchor_episode_id(text):
    """The host's episode id in an id or address as the files and the host's feed write them
    ("AB-Testing---Jakob-Graff-e1eq73v", ".../episodes/AB-Testing---Jakob-Graff-e1eq73v"), or ""."""
    match = ANCHOR_EPISODE_ID.search(text or "")
    return match.group(1) if match else ""


class GuidField(models.CharField):
    """An id that is set once, when the row is first written, and never again: the feed's guid,
    by which podcast apps know an episode they have already seen (also through renames). It is
    made from the episode's YouTube id, else its host's id, else its key, so that importing the
    same archive into an empty database gives every episode the guid it had."""

    def pre_save(self, model_instance, add):
        if not getattr(model_instance, self.attname):
            setattr(model_instance, self.attname, model_instance.make_guid())
        return super().pre_save(model_instance, add)


class Episode(Synced):
    slug = models.SlugField(max_length=200, unique=True, help_text="The file name and the address of the page.")
    title = models.CharField(max_length=500)
    short_title = models.CharField(max_length=300, blank=True)
    season = models.PositiveIntegerField(null=True, blank=True)
    number = models.PositiveIntegerField("episode", null=True, blank=True)
    image = models.FileField(
        "cover image",
        upload_to="images/podcast/",
        max_length=500,
        blank=True,
        validators=[ImageFile("cover image")],
        help_text="A JPEG, PNG, GIF or WebP image.",
    )
    youtube_id = models.CharField("YouTube id", max_length=100, blank=True)
    anchor_id = models.CharField("Anchor id", max_length=300, blank=True)
    description = models.TextField(blank=True)
    intro = models.TextField(blank=True)
    topics = models.JSONField(default=list, blank=True)
    date_added = models.DateField(null=True, blank=True)
    date = models.DateField(null=True, blank=True)
    duration = models.CharField(max_length=40, blank=True, help_text="ISO 8601, e.g. PT00H58M42S.")
    body = models.TextField("show notes", blank=True, help_text="Markdown.")
    is_published = models.BooleanField("published", default=True)
    guid = GuidField(max_length=100, blank=True, editable=False, db_index=True)
    # The audio podcast apps play. The files have no key for it: it lives here, filled in from
    # the host's feed (``import_feed``) or by an editor.
    audio_url = models.URLField("audio URL", max_length=1000, blank=True)
    audio_length = models.BigIntegerField("audio size in bytes", null=True, blank=True)
    audio_type = models.CharField("audio MIME type", max_length=100, blank=True, help_text="e.g. audio/mpeg.")
    audio_duration = models.PositiveIntegerField("audio duration in seconds", null=True, blank=True)
    released_at = models.DateTimeField(
        "audio released", null=True, blank=True, help_text="When the host published the audio."
    )
    AUDIO_FROM_FEED, AUDIO_BY_EDITOR = "feed", "editor"
    audio_set_by = models.CharField(
        max_length=10,
        blank=True,
        editable=False,
        choices=[(AUDIO_FROM_FEED, "the host's feed"), (AUDIO_BY_EDITOR, "an editor")],
    )
    guests = models.ManyToManyField(Guest, through="Appearance", related_name="episodes", blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = OLDEST_FIRST
        indexes = [models.Index(fields=["season", "number"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("episodes:episode", args=[self.slug])

    @property
    def summary(self):
        """What the episode is about, in a few words: its description, else its intro, else its
        short title (pages, the feed and search engines all say this)."""
        return self.description or self.intro or self.short_title

    @property
    def published_on(self):
        """The episode's date: when it aired, else when its host released the audio, else when
        it was added to the archive."""
        if self.date:
            return self.date
        if self.released_at:
            return self.released_at.date()
        return self.date_added

    def content_changed_at(self):
        """When what the page shows last changed: the last change after the episode was first
        written, else the day it came out (noon UTC); None when neither is known."""
        return self.changed_at() or at_noon(self.published_on)

    def make_guid(self):
        seed = (
            f"youtube:{self.youtube_id}"
            if known_youtube_id(self.youtube_id)
            else f"anchor:{anchor_episode_id(self.anchor_id)}"
            if anchor_episode_id(self.anchor_id)
            else f"key:{self.slug}"
        )
        return str(uuid.uuid5(GUID_NAMESPACE, seed))

    @property
    def filename(self):
        return f"{'' if self.is_published else '_'}{self.slug}.md"


class Appearance(models.Model):
    """A guest in an episode, in the order the file lists them."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="appearances")
    guest = models.ForeignKey(Guest, on_delete=models.PROTECT, related_name="appearances")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["episode", "guest"], name="unique_guest_per_episode")]

    def __str__(self):
        return f"{self.guest} in {self.episode}"


class PlatformLink(models.Model):
    """Where the episode can be heard, in the file's order; ``TODO`` marks a link still to find."""

    TODO = TODO
    LABELS = {"youtube": "YouTube", "apple": "Apple Podcasts", "spotify": "Spotify", "anchor": "Anchor"}

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="links")
    platform = models.CharField(max_length=50)
    url = models.CharField(max_length=1000, help_text="An http(s) address, or TODO.")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.label}: {self.url}"

    @property
    def label(self):
        return self.LABELS.get(self.platform, self.platform.replace("_", " ").title())

    @property
    def is_todo(self):
        return self.url == self.TODO


class QuotableClip(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="clips")
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=500)
    start_offset = models.PositiveIntegerField(null=True, blank=True)
    end_offset = models.PositiveIntegerField(null=True, blank=True)
    url = models.CharField(max_length=1000, blank=True)
    keys = models.CharField(max_length=100, blank=True, editable=False, help_text="The file's key order.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class Section(models.Model):
    """A transcript header. Sections and lines share one order: a line belongs to the last
    section before it, and lines before the first one belong to none."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=500)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return self.title


class TranscriptLine(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField()
    text = models.TextField()
    # Text, not a short string: a few real files put a whole sentence in ``who``.
    speaker = models.TextField(blank=True, help_text="As written in the file, e.g. a first name.")
    sec = models.PositiveIntegerField("second", null=True, blank=True)
    time = models.CharField(max_length=20, blank=True, help_text="As written, e.g. 12:34.")
    keys = models.CharField(max_length=40, blank=True, editable=False, help_text="The file's key order.")
    # What the line's link holds; it outlives edits of the line and of the lines around it.
    uid = models.CharField(max_length=12, default=lineids.new_uid, editable=False)

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"{time_label(self.sec, self.time) or '-'} {self.speaker}: {Truncator(self.text).words(10)}"


class ContentVersion(models.Model):
    """One row that changes whenever anything visitors can see changes: public pages are cached
    under it and it is their ETag, so no cache, on one server or many, serves an old page (see
    ``caching``)."""

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = "content version"

    def __str__(self):
        return f"version {self.number} of {self.changed_at:%Y-%m-%d %H:%M:%S}"


# An episode's child tables, by the name the episode reaches each by: each holds a ForeignKey to
# it named ``episode``. What an import replaces, what a version in the history keeps with the
# episode, and what moves the page cache's version all come from here.
EPISODE_CHILDREN = {
    "appearances": Appearance,
    "links": PlatformLink,
    "clips": QuotableClip,
    "sections": Section,
    "lines": TranscriptLine,
}


def lock_rows(model, **lookup):
    """Lock the rows of ``model`` that ``lookup`` selects until the transaction ends, in the order
    every writer of several rows takes them (by id), so that two writers never wait for each
    other in a circle: one waits for the other's change, and then sees it. (SQLite locks the
    whole database for every writing transaction instead; see settings.)"""
    if lookup and all(lookup.values()):
        list(model.objects.select_for_update().filter(**lookup).order_by("pk").values("pk"))


class Moved(models.Model):
    """An address an episode or person had: it answers with a permanent redirect to the page the
    row has now (``new_key``), or 410 Gone when the row was removed (``new_key`` empty). Kept one
    step deep, so that no redirect points to another (see ``addresses``)."""

    EPISODE, PERSON = "episode", "person"

    kind = models.CharField(max_length=10, choices=[(EPISODE, "episode"), (PERSON, "person")])
    old_key = models.CharField(max_length=200)
    new_key = models.CharField(max_length=200, blank=True, help_text="Empty: the row was removed.")
    moved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "old_key"], name="one_move_per_address")]
        indexes = [models.Index(fields=["kind", "new_key"])]
        verbose_name = "moved address"
        verbose_name_plural = "moved addresses"

    def __str__(self):
        return f"{self.kind} {self.old_key} -> {self.new_key or '(gone)'}"
