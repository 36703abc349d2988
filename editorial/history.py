"""How an edit is recorded in the history (django-reversion): every change the admin makes,
outside the change form too (find and replace, renaming a speaker, publishing, an upload, a
spreadsheet import), with who, when and what; and the state it replaced, so it can be restored.
"""

import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.utils import timezone
from reversion.models import Version

from episodes.models import EPISODE_CHILDREN, Episode, Guest


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
