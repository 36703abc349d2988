"""How an edit is recorded in the history (django-reversion): every change the admin makes,
outside the change form too (find and replace, renaming a speaker, publishing, an upload, a
spreadsheet import), with who, when and what; and the state it replaced, so it can be restored.
"""

import re
from dataclasses import dataclass

import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone
from reversion.models import Version

from archive.exporter import EpisodeTree, is_edited
from episodes.models import EPISODE_CHILDREN, Appearance, Episode, Guest, PlatformLink, Section, TranscriptLine
from episodes.transcripts import plain_items

from . import diffs

# The folder of the archive episode files are read from, as the history names them.
FOLDER = "_podcast"
IMPORT_COMMENT = "Import of {file}: the episode as the file read."
_IMPORT = re.compile(r"Import of (\S+): the episode as the file read\.")


def register():
    """What the history keeps: every version of an episode holds its children too, so restoring
    one brings all of it back; people are kept on their own."""
    for child in EPISODE_CHILDREN.values():
        if not reversion.is_registered(child):
            reversion.register(child)
    if not reversion.is_registered(Episode):
        reversion.register(Episode, follow=list(EPISODE_CHILDREN))
    if not reversion.is_registered(Guest):
        reversion.register(Guest)


def _same_moment(recorded, now):
    # Versions store times to the millisecond (Django's JSON encoder), the database to the
    # microsecond.
    return (
        recorded is not None and now is not None and recorded == now.replace(microsecond=now.microsecond // 1000 * 1000)
    )


def ensure_baseline(episodes, user=None):
    """Record each episode as it is now if its history does not end with this state: an
    imported episode has no history yet, and one re-imported since its last admin change has
    moved on from it. Called before an admin change, so the state it replaces can be restored;
    ``user``, who makes that change, is not credited with the state before it."""
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
    imported = [episode for episode, data, body in EpisodeTree(missing) if not is_edited(episode, (data, body))]
    # As the import (or export) left it, each credited to the file it read; otherwise changed
    # outside the admin by someone the history cannot name.
    for episode in imported:
        with reversion.create_revision():
            reversion.add_to_revision(episode)
            reversion.set_comment(IMPORT_COMMENT.format(file=f"{FOLDER}/{episode.filename}"))
    others = [episode for episode in missing if episode not in imported]
    if others:
        with reversion.create_revision():
            for episode in others:
                reversion.add_to_revision(episode)
            reversion.set_comment("As it was before this change (changed outside the admin).")


def credit(revision):
    """Who made a revision: the editor, or the import with the file it read."""
    if revision.user is not None:
        user = revision.user
        full = user.get_full_name()
        return f"{user.get_username()} ({full})" if full else user.get_username()
    found = _IMPORT.fullmatch(revision.get_comment() or "")
    return f"import of {found.group(1)}" if found else "—"


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


# --- what a version holds, and what changed between two -------------------------------------------

# What an editor changes; the rest is bookkeeping (the file's text, fingerprints, times).
HIDDEN = {"id", "source", "source_sha256", "synced_digest", "layout", "created_at", "updated_at", "guests"}
CURRENT = "current"


@dataclass
class State:
    """An episode as a version holds it (or as it is now): its fields by label, and its
    transcript as ``diffs`` items in file order."""

    fields: dict
    items: list


def _labelled(values, guest_names, appearances, links):
    fields = {
        str(f.verbose_name): values.get(f.attname)
        for f in Episode._meta.concrete_fields
        if f.name not in HIDDEN and f.attname in values
    }
    fields["guests"] = ", ".join(guest_names.get(guest, str(guest)) for _, guest in sorted(appearances))
    fields["links"] = "\n".join(f"{platform}: {url}" for _, platform, url in sorted(links))
    return fields


def version_state(version):
    """The episode as ``version`` (one of its versions) holds it, children included."""
    episode_id = int(version.object_id)
    children = {model: [] for model in EPISODE_CHILDREN.values()}
    types = {ContentType.objects.get_for_model(model).pk: model for model in children}
    # A revision may hold the whole archive (a find and replace): the database narrows it to this
    # episode's rows by the way they are serialised (the episode is each child's first field),
    # and their own field then decides.
    mine = version.revision.version_set.filter(
        content_type_id__in=list(types), serialized_data__contains=f'"fields": {{"episode": {episode_id},'
    )
    for child in mine:
        values = child.field_dict
        if values.get("episode_id") == episode_id:
            children[types[child.content_type_id]].append(values)
    guests = [values["guest_id"] for values in children[Appearance]]
    names = dict(Guest.objects.filter(pk__in=guests).values_list("pk", "title"))
    fields = _labelled(
        version.field_dict,
        names,
        [(v["position"], v["guest_id"]) for v in children[Appearance]],
        [(v["position"], v["platform"], v["url"]) for v in children[PlatformLink]],
    )
    items = plain_items(
        [(v["position"], v["title"]) for v in children[Section]],
        [(v["position"], v["text"], v["speaker"], v["sec"], v["time"]) for v in children[TranscriptLine]],
    )
    return State(fields, items)


def current_state(episode):
    """The episode as it is now, in the terms of ``version_state``."""
    values = {f.attname: getattr(episode, f.attname) for f in Episode._meta.concrete_fields}
    appearances = list(episode.appearances.values_list("position", "guest_id"))
    names = dict(Guest.objects.filter(pk__in=[guest for _, guest in appearances]).values_list("pk", "title"))
    fields = _labelled(values, names, appearances, episode.links.values_list("position", "platform", "url"))
    items = plain_items(
        episode.sections.values_list("position", "title"),
        episode.lines.values_list("position", "text", "speaker", "sec", "time"),
    )
    return State(fields, items)


@dataclass
class Comparison:
    fields: list  # diffs.FieldChange
    transcript: diffs.TranscriptChanges


def compare(old, new):
    """What changed from one state to another."""
    names = list(dict.fromkeys([*old.fields, *new.fields]))
    return Comparison(
        diffs.field_changes(old.fields, new.fields, names), diffs.transcript_changes(old.items, new.items)
    )


def versions_of(episode):
    """The episode's versions, oldest first (as the history lists them), with their revisions."""
    return Version.objects.get_for_object(episode).select_related("revision", "revision__user").order_by("pk")
