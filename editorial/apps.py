from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """The back office: the admin, the transcript editor and the editors' tools. No models of its
    own; the history is django-reversion's."""

    name = "editorial"
    verbose_name = "Editorial"

    def ready(self):
        # Registered with every start, not with the admin's URLs: an import run from the command
        # line records what it removes in the history too.
        from . import history

        history.register()
