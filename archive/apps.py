from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    """The archive's files in git: reading them into the podcast's rows, writing rows back. No
    models of its own."""

    name = "archive"
    verbose_name = "Archive files"
