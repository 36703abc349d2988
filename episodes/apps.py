from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "episodes"
    verbose_name = "Podcast"

    def ready(self):
        # Both connect signals: the cache's version moves with every change, and every address a
        # renamed or removed row had is kept.
        from . import addresses, caching  # noqa: F401
