"""What looks wrong in a transcript: times going backwards, no speaker, a time that disagrees
with its second, empty text, a speaker who is neither the host nor a guest. The change page marks
them on each line, the change list counts them and filters by them. The rules for a line are
``episodes.problems``', shared with the archive's health checks (``archive.health``).
"""

from collections import defaultdict

from django.conf import settings

from episodes.models import Episode, TranscriptLine
from episodes.problems import (  # noqa: F401 - the admin's names for the shared rules
    BACKWARDS,
    EMPTY_TEXT,
    NO_SPEAKER,
    PROBLEM_LABELS,
    TIME_MISMATCH,
    UNKNOWN_SPEAKER,
    Problem,
    line_problems,
    transcript_problems,
)

from .speakers import cached, episode_speakers


def archive_problem_counts():
    """``problem_counts`` of the whole archive, kept while the archive does not change: the
    "has problems" filter needs every line of every episode."""
    configured = ",".join(getattr(settings, "PODCAST_HOSTS", None) or ())
    return cached(f"problems:{configured}", problem_counts)


def problem_counts(episode_ids=None):
    """{episode id: (line count, problem count)} for the given episodes (all when None), from
    two queries however many episodes and lines there are."""
    lines = TranscriptLine.objects.order_by("episode_id", "position")
    if episode_ids is not None:
        episode_ids = list(episode_ids)
        lines = lines.filter(episode_id__in=episode_ids)
    else:
        episode_ids = list(Episode.objects.values_list("id", flat=True))
    speakers = episode_speakers(episode_ids)
    by_episode = defaultdict(list)
    for row in lines.values_list("episode_id", "id", "text", "speaker", "sec", "time"):
        by_episode[row[0]].append(row[1:])
    counts = {}
    for episode_id in episode_ids:
        rows = by_episode.get(episode_id, [])
        found = transcript_problems(rows, speakers[episode_id])
        counts[episode_id] = (len(rows), sum(len(p) for p in found.values()))
    return counts
