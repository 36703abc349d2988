from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "episodes"
    verbose_name = "Podcast"

    def ready(self):
        from . import caching  # noqa: F401  (connects the signals that keep cached pages fresh)
