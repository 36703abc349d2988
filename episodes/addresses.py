"""Every address an episode or person ever had keeps working: a renamed row's old address
redirects, permanently, to its page now, and a removed row's answers 410 Gone.

Renames and removals are seen on the models themselves (signals), whichever way they come: an
editor changing the slug in the admin, an import following a renamed file, a prune. The table is
kept one step deep: renaming B to C also points every address that led to B straight at C, and an
address taken again by a new row is a live page again, no longer moved.
"""

from django.db.models.signals import post_delete, post_save, pre_save

from .models import Episode, Guest, Moved

KEY_FIELD = {Episode: "slug", Guest: "short"}
KIND = {Episode: Moved.EPISODE, Guest: Moved.PERSON}


def record_move(kind, old, new):
    if old == new:
        return
    Moved.objects.filter(kind=kind, old_key=new).delete()  # the new address is a live page
    Moved.objects.filter(kind=kind, new_key=old).update(new_key=new)
    Moved.objects.update_or_create(kind=kind, old_key=old, defaults={"new_key": new})


def record_gone(kind, key):
    Moved.objects.filter(kind=kind, new_key=key).update(new_key="")
    Moved.objects.update_or_create(kind=kind, old_key=key, defaults={"new_key": ""})


def taken_again(keys):
    """New rows written without model signals (an import's batch) took these addresses:
    {kind: [key]}; they are live pages, no longer moved."""
    for kind, taken in keys.items():
        if taken:
            Moved.objects.filter(kind=kind, old_key__in=taken).delete()


def moved(kind, key):
    """Where the address ``key`` went: the current key, "" when its row was removed, or None when
    it is no address the site ever had."""
    return Moved.objects.filter(kind=kind, old_key=key).values_list("new_key", flat=True).first()


def _remember_key(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance._key_before = None
        return
    field = KEY_FIELD[sender]
    instance._key_before = sender.objects.filter(pk=instance.pk).values_list(field, flat=True).first()


def _after_save(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    key = getattr(instance, KEY_FIELD[sender])
    before = getattr(instance, "_key_before", None)
    if before and before != key:
        record_move(KIND[sender], before, key)
    elif created:
        Moved.objects.filter(kind=KIND[sender], old_key=key).delete()  # a live page again


def _after_delete(sender, instance, **kwargs):
    record_gone(KIND[sender], getattr(instance, KEY_FIELD[sender]))


for _model in (Episode, Guest):
    pre_save.connect(_remember_key, sender=_model, dispatch_uid=f"addresses-pre-{_model.__name__}")
    post_save.connect(_after_save, sender=_model, dispatch_uid=f"addresses-save-{_model.__name__}")
    post_delete.connect(_after_delete, sender=_model, dispatch_uid=f"addresses-delete-{_model.__name__}")
