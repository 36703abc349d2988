"""What the public site says about itself; a deployment may name its show in settings."""

from django.conf import settings


def name():
    return getattr(settings, "PODCAST_NAME", "Podcast")


def description():
    return getattr(
        settings, "PODCAST_DESCRIPTION", "Conversations about data science, machine learning and data engineering."
    )


def language():
    return getattr(settings, "PODCAST_LANGUAGE", "en")
