from django.apps import AppConfig


class EpisodesConfig(AppConfig):
    name = "episodes"
    verbose_name = "Podcast"

    def ready(self):
        # addresses and caching connect signals: the cache's version moves with every change,
        # and every address a renamed or removed row had is kept; publishing writes the pages
        # again after each change. site checks the show's settings.
        from . import addresses, caching, site  # noqa: F401
        from .publishing import hooks  # noqa: F401
