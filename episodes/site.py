"""What the public site says about itself; a deployment names its show in settings."""

import re

from django.conf import settings
from django.core import checks
from django.templatetags.static import static

# A language tag as RSS and HTML take it: "en", "pt-BR", "zh-Hant".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")


def name():
    return getattr(settings, "PODCAST_NAME", "Podcast")


def description():
    return getattr(
        settings, "PODCAST_DESCRIPTION", "Conversations about data science, machine learning and data engineering."
    )


def language():
    return getattr(settings, "PODCAST_LANGUAGE", "en")


def author():
    """Who makes the show, as the feed credits it: the setting, else the show's name."""
    return getattr(settings, "PODCAST_AUTHOR", "") or name()


def owner():
    """(name, email) of who answers for the feed; either may be empty."""
    return getattr(settings, "PODCAST_OWNER_NAME", "") or author(), getattr(settings, "PODCAST_OWNER_EMAIL", "")


def cover():
    """The show's cover: an address as the setting gives it, or a static file's."""
    image = getattr(settings, "PODCAST_IMAGE", "")
    if not image or "://" in image or image.startswith("/"):
        return image
    return static(image)


def hosts():
    """The hosts, as ``PODCAST_HOSTS`` names them: the keys of their person files (an entry that
    names no file is taken as the name transcripts give the host). Empty, no page names a host
    (see ``speakers``)."""
    return list(getattr(settings, "PODCAST_HOSTS", None) or ())


@checks.register(checks.Tags.compatibility)
def check_settings(app_configs=None, **kwargs):
    errors = []
    if not LANGUAGE_TAG.fullmatch(language()):
        errors.append(
            checks.Error(
                f"PODCAST_LANGUAGE is {language()!r}, which is not a language tag such as 'en' or 'pt-BR'.",
                id="episodes.E001",
            )
        )
    return errors
