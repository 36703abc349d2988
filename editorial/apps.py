from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """The back office: the admin, the transcript editor and the editors' tools. No models of its
    own; the history is django-reversion's."""

    name = "editorial"
    verbose_name = "Editorial"
