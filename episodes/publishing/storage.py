"""The published pages copied to object storage as well (``PODCAST_PUBLISH_STORAGE`` names a
storage of ``STORAGES``: S3 or a compatible service through django-storages), for a CDN or a
bucket website to serve.

The folder stays the record: the copies follow its writes under its lock, so they are made in
the folder's version order, and a page removed from the folder is deleted from the storage. Each
page rendered is put again, unchanged ones too, so that a put that failed is made by the next
publish. Each object is typed as the app types the page; the gzip copy (``.gz``) says
``Content-Encoding: gzip`` (django-storages takes it from the name)."""

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

logger = logging.getLogger(__name__)


def target():
    """The storage pages are copied to, or None."""
    alias = getattr(settings, "PODCAST_PUBLISH_STORAGE", "")
    return storages[alias] if alias else None


def copy(storage, folder, kept, removed, types):
    """Put the pages ``kept`` (as the folder holds them now) and delete those ``removed``."""
    for name in kept:
        plain, packed = folder.read(name)
        if plain is None:
            continue
        _put(storage, name, plain, types[name])
        if packed is None:
            storage.delete(name + ".gz")
        else:
            _put(storage, name + ".gz", packed, types[name])
    for name in removed:
        storage.delete(name)
        storage.delete(name + ".gz")


def _put(storage, name, content, content_type):
    file = ContentFile(content)
    file.content_type = content_type
    # django-storages' S3 overwrites (file_overwrite); a storage that would pick a new name does not.
    if not (getattr(storage, "file_overwrite", False) or getattr(storage, "_allow_overwrite", False)):
        storage.delete(name)
    saved = storage.save(name, file)
    if saved != name:
        raise OSError(f"the publish storage saved {name} as {saved}: let it overwrite (file_overwrite)")
