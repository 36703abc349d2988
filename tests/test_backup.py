"""Backups: the whole database exported to the archive and imported into an empty database (and an
empty media folder) is the same content, CMS edits and drafts included; and a backup of the
restored database is the same bytes as the first."""

import datetime
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models

from archive import documents
from archive.exporter import EpisodeTree, Exporter
from archive.fields import build_person
from archive.importer import Importer
from archive.report import image_warnings
from episodes.models import Appearance, Episode, Guest, PlatformLink, QuotableClip, Section, TranscriptLine

from .conftest import SNAPSHOTS, corpus_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

CONTENT_MODELS = (Guest, Episode, Appearance, PlatformLink, QuotableClip, Section, TranscriptLine)
# What the database keeps about a row, or a row keeps to recognise its file: not content.
NOT_CONTENT = {"id", "created_at", "updated_at", "source", "source_sha256", "synced_digest"}
# What the files have no key for, which the database's own backup keeps: the audio from the
# host's feed, and a line's uid (made from its content again on a restore from files, so only a
# line edited in the CMS gets a new one). An episode's guid is made again as it was made first.
NOT_IN_FILES = {"uid", "audio_url", "audio_length", "audio_type", "audio_duration", "released_at", "audio_set_by"}
# Compared otherwise: the parent by nesting, the position by the order of the list, and the key
# order a row records for its file (layout's "keys" and "ids", a line's or a clip's "keys") by the
# order of the file that export writes from it: a row made in the CMS has recorded none yet, and
# the restored row records the one its file was written in.
ELSEWHERE = {"episode", "position", "keys"}
ORDER_IN_LAYOUT = ("keys", "ids")


def content_fields(model):
    """Every column but ids, timestamps and sync bookkeeping: a column added later is compared
    without this test having to know about it."""
    return [field for field in model._meta.concrete_fields if field.name not in NOT_CONTENT | ELSEWHERE | NOT_IN_FILES]


def plain(field, value):
    if isinstance(field, models.FileField):
        name = getattr(value, "name", value)
        return name, stored_file_digest(name)
    if field.name == "layout":
        return {key: item for key, item in value.items() if key not in ORDER_IN_LAYOUT}
    if field.name == "extra":
        return documents.load(value) if value else None  # the text is the editor's; the data is the content
    return value


def stored_file_digest(name):
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def columns(obj):
    return {field.name: plain(field, getattr(obj, field.name)) for field in content_fields(type(obj))}


def children(model):
    """Rows of ``model`` by episode id, in their order: (position, dict of its columns). Plain
    values, not instances, sorted here, not by the database: this reads the whole archive's
    transcript lines, and SQLite takes seconds to sort them."""
    fields = content_fields(model)
    # A foreign key other than the episode is to a person (Appearance.guest): by their key.
    lookups = [f"{field.name}__short" if field.is_relation else field.name for field in fields]
    rows = {}
    for episode_id, position, pk, *values in model.objects.order_by().values_list(
        "episode_id", "position", "id", *lookups
    ):
        columns = {field.name: plain(field, value) for field, value in zip(fields, values)}
        rows.setdefault(episode_id, []).append((position, pk, columns))
    return {episode_id: [(row[0], row[2]) for row in sorted(items)] for episode_id, items in rows.items()}


def content():
    """The whole database as plain data: people by key, episodes by slug, each episode's guests,
    links, clips and transcript as lists in their order; images as (name, digest of the stored file)."""
    people = {}
    for guest in Guest.objects.all():
        data, _ = build_person(guest)
        people[guest.short] = {**columns(guest), "file keys": list(data)}

    appearances, links, clips = children(Appearance), children(PlatformLink), children(QuotableClip)
    sections, lines = children(Section), children(TranscriptLine)
    episodes = {}
    for episode, data, _ in EpisodeTree(Episode.objects.all()):
        pk = episode.pk
        # Sections and lines share one order; a header comes before a line at its position.
        items = [(position, 0, {"header": row}) for position, row in sections.get(pk, [])]
        items += [(position, 1, {"line": row}) for position, row in lines.get(pk, [])]
        episodes[episode.slug] = {
            **columns(episode),
            "guests": [row for _, row in appearances.get(pk, [])],
            "links": [row for _, row in links.get(pk, [])],
            "clips": [row for _, row in clips.get(pk, [])],
            "transcript": [item for _, _, item in sorted(items, key=lambda item: item[:2])],
            "file keys": {
                "front matter": list(data),
                "ids": list(data.get("ids") or {}),
                "clips": [list(clip) for clip in data.get("quotableClips") or []],
                "transcript": [list(item) for item in data.get("transcript") or []],
            },
        }
    return {"people": people, "episodes": episodes}


def edit_like_an_editor():
    """Changes made in the CMS, so the backup has to carry the database's content, not its files."""
    candidates = Episode.objects.filter(is_published=True).exclude(layout__has_key="null").order_by("slug")
    with_lines = [e for e in candidates.annotate(n=models.Count("lines")).filter(n__gte=12)[:3]]
    corrected, retitled, unpublished = with_lines

    # A transcript corrected: a line's text (with characters YAML has to quote), a line's time,
    # a line deleted (which leaves a gap in the positions), a section started there, a line added
    # at the end with no recorded key order.
    lines = list(corrected.lines.order_by("position"))
    lines[7].text = 'He said: "it\'s 50% done" # not a comment — ça va?'
    lines[7].save()
    lines[8].sec, lines[8].time = 4321, "1:12:01"
    lines[8].save()
    gap = lines[10].position
    lines[10].delete()
    Section.objects.create(episode=corrected, position=gap, title="Added in the CMS")
    TranscriptLine.objects.create(
        episode=corrected, position=lines[-1].position + 1, text="A line typed in the CMS.", speaker="Editor"
    )

    # Metadata: a new title, a description and topics (keys the older files do not have), a
    # guest added, a link added, a clip added or changed.
    retitled.title = "Retitled: a colon, 'quotes' and ünïcode"
    retitled.description = "Described in the CMS.\nOn two lines."
    retitled.topics = ["backups", "restores"]
    retitled.date = datetime.date(2024, 2, 29)
    retitled.save()
    newcomer = Guest.objects.exclude(appearances__episode=retitled).order_by("short").first()
    Appearance.objects.create(episode=retitled, guest=newcomer, position=retitled.appearances.count() + 10)
    PlatformLink.objects.create(episode=retitled, platform="pocketcasts", url="https://pca.st/backup", position=99)
    clip = retitled.clips.first()
    if clip is None:
        QuotableClip.objects.create(
            episode=retitled, name="A clip", start_offset=60, end_offset=90, url="https://youtu.be/x"
        )
    else:
        clip.end_offset = (clip.end_offset or 0) + 5
        clip.save()

    # Unpublished: written back as a draft (_slug.md).
    unpublished.is_published = False
    unpublished.save()

    # A draft published, where the archive has one that parses.
    draft = Episode.objects.filter(is_published=False).exclude(pk=unpublished.pk).order_by("slug").first()
    if draft is not None:
        draft.is_published = True
        draft.save()

    # Other front matter edited by hand: a value changed where there is some, a key added.
    with_extra = Episode.objects.exclude(extra="").exclude(pk__in=[corrected.pk, retitled.pk]).order_by("slug").first()
    target = with_extra or candidates.exclude(pk__in=[corrected.pk, retitled.pk, unpublished.pk]).first()
    target.extra = (target.extra or "") + "backup_note: added in the CMS\n"
    target.save()

    # A person: a new biography, a handle removed, a new portrait uploaded.
    person = Guest.objects.exclude(twitter="").exclude(layout__has_key="null").order_by("short").first()
    person.bio = 'A new biography.\n\n[Site](https://example.com){:target="_blank"}\n'
    person.twitter = ""
    person.picture.save("backup-portrait.jpg", ContentFile(b"\xff\xd8\xff a new portrait"), save=False)
    person.save()

    # Made in the CMS from nothing, with no image: a person, and a draft episode with them in it.
    made = Guest.objects.create(
        short="made-in-the-cms", title="Made In The CMS", bio="Never in a file.\n", web="https://made.example"
    )
    episode = Episode.objects.create(
        slug="made-in-the-cms",
        title="An episode made in the CMS",
        season=99,
        number=1,
        date_added=datetime.date(2026, 1, 2),
        duration="PT00H01M00S",
        body="Show notes.\n",
        is_published=False,
    )
    Appearance.objects.create(episode=episode, guest=made, position=0)
    PlatformLink.objects.create(episode=episode, platform="youtube", url="TODO", position=0)
    Section.objects.create(episode=episode, position=1, title="Start")
    TranscriptLine.objects.create(episode=episode, position=0, text="Hello.", speaker="Host", sec=0, time="0:00")
    TranscriptLine.objects.create(episode=episode, position=2, text="Hi.", speaker="Made")
    return {"unpublished": unpublished.slug, "published": draft and draft.slug}


def files(root):
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def problems(report):
    return [
        (o.path, o.status, o.code, o.detail) for o in report.outcomes if o.status in ("failed", "conflict", "skipped")
    ]


def warnings(report):
    return {(o.key, warning) for o in report.outcomes for warning in image_warnings(o)}


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_a_backup_restores_the_same_content(snapshot, tmp_path, settings):
    """The archive with its drafts, edited in the CMS, exported, restored into an empty database
    and media folder: the same content, and a second export the same bytes."""
    root = corpus_snapshot(snapshot)
    imported = Importer(include_drafts=True).run([root])
    assert imported.ok, problems(imported)
    edited = edit_like_an_editor()
    before = content()
    assert before["episodes"]["made-in-the-cms"]["transcript"]  # the snapshot sees what it must

    backup = tmp_path / "backup"
    Exporter(backup).run()
    assert (backup / "_podcast" / f"_{edited['unpublished']}.md").is_file()
    assert not (backup / "_podcast" / f"{edited['unpublished']}.md").exists()
    if edited["published"]:
        assert (backup / "_podcast" / f"{edited['published']}.md").is_file()

    # An empty database and an empty media folder: everything must come from the backup.
    Episode.objects.all().delete()
    Guest.objects.all().delete()
    assert not any(model.objects.exists() for model in CONTENT_MODELS)
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    restored = Importer(include_drafts=True).run([backup])
    assert problems(restored) == []
    assert restored.count("created") == len(list(backup.glob("_p*/*.md")))
    # An image the archive lacked is still missing (its path is kept), and no other.
    assert warnings(restored) <= warnings(imported)

    after = content()
    assert after.keys() == before.keys()
    for kind in before:
        assert sorted(after[kind]) == sorted(before[kind]), kind
        for key, value in before[kind].items():
            assert after[kind][key] == value, (kind, key)

    again = tmp_path / "again"
    Exporter(again).run()
    first, second = files(backup), files(again)
    assert sorted(second) == sorted(first)
    assert [name for name in first if first[name] != second[name]] == []
