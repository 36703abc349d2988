"""Full-text search over published episodes: titles, show notes and transcript lines.

Two backends give the same result shape. On PostgreSQL, the database's own full-text search
(stemming, ``websearch`` syntax, ranking) over the search vectors stored beside each line and
episode, with their GIN indexes (migration 0006). Elsewhere (SQLite in development and tests), a
plain case-insensitive match of every word.

A result is an episode with its best matching lines, each with a highlighted excerpt. Every
matching episode is ranked, so the count is the true one, but only the page asked for is built
(its episodes, their excerpts): a page costs the same however many episodes match. Highlights
travel as two control characters that no archive text contains, and become ``<mark>`` only after
the text around them is escaped, so a line's own markup is never trusted. (PostgreSQL's
excerpts leave out words that look like tags, ``<an hourly amount>``; the line itself, on the
episode page, has them.)
"""

import re
from dataclasses import dataclass, field
from html import escape

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, F, Q, Sum, Value, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber
from django.utils.safestring import mark_safe

from .models import Episode, TranscriptLine, published
from .timecodes import time_label
from .transcripts import line_anchor, speaker_name

CONFIG = "english"
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
EPISODES_PER_PAGE = 30
LINES_PER_EPISODE = 3
EXCERPT_WORDS = 30
START, STOP = "\x02", "\x03"


@dataclass
class LineHit:
    anchor: str
    speaker: str
    time: str
    excerpt: str  # safe HTML


@dataclass
class EpisodeHit:
    episode: Episode
    score: float = 0.0
    title: str = ""  # safe HTML, highlighted
    line_count: int = 0
    lines: list = field(default_factory=list)


@dataclass
class Filters:
    """What narrows a search: an episode's season, and who said a line. With a speaker, only
    their lines count: an episode's title and notes are nobody's words."""

    season: int | None = None
    speaker: str = ""

    def lines(self, lines):
        if self.season is not None:
            lines = lines.filter(episode__season=self.season)
        if self.speaker:
            # Older files write the speaker with a colon ("Alexey:"); both spellings are the same person.
            lines = lines.filter(Q(speaker__iexact=self.speaker) | Q(speaker__iexact=f"{self.speaker}:"))
        return lines

    def episodes(self, episodes):
        if self.speaker:
            return episodes.none()
        if self.season is not None:
            episodes = episodes.filter(season=self.season)
        return episodes


@dataclass
class Results:
    query: str
    hits: list  # the episodes of this page
    page: object = None  # Django's Page over every matching episode, or None for no matches

    @property
    def count(self):
        """How many episodes match in all, not just on this page."""
        return self.page.paginator.count if self.page is not None else 0


def highlighted(text):
    """Text carrying START/STOP marks -> safe HTML with <mark>; everything else is escaped."""
    html = escape(text.replace(START, "\0s").replace(STOP, "\0e"), quote=False)
    return mark_safe(html.replace("\0s", "<mark>").replace("\0e", "</mark>"))


def normalize(query):
    return re.sub(r"\s+", " ", query or "").strip()[:MAX_QUERY_LENGTH]


class Backend:
    """What both backends share: which lines per episode, which episodes, in which order."""

    def search(self, query, filters=None, page=1):
        """Raises Django's InvalidPage for a page past the last one."""
        query = normalize(query)
        filters = filters or Filters()
        if not self.usable(query):
            return Results(query, [])
        episodes = filters.episodes(Episode.objects.published())
        lines = filters.lines(TranscriptLine.objects.filter(published("episode__")))
        line_matches = self.match_lines(lines, query)
        # Per episode: how many lines match, their summed rank, and the best few of them, in
        # one query whatever the number of matches.
        ranked = (
            line_matches.annotate(
                place=Window(RowNumber(), partition_by=[F("episode_id")], order_by=[F("rank").desc(), F("position")]),
                matches=Window(Count("id"), partition_by=[F("episode_id")]),
                total=Window(Sum("rank"), partition_by=[F("episode_id")]),
            )
            .filter(place__lte=LINES_PER_EPISODE)
            .values("id", "episode_id", "matches", "total")
        )
        best = list(ranked)
        scores = {}
        for row in best:
            scores[row["episode_id"]] = [row["matches"], row["total"]]
        for pk, rank in self.match_episodes(episodes, query).order_by().values_list("pk", "rank"):
            scores.setdefault(pk, [0, 0.0])[1] += rank * self.episode_weight
        ranking = sorted(scores, key=lambda pk: (-scores[pk][1], -scores[pk][0], -pk))
        if not ranking:
            return Results(query, [])
        this_page = Paginator(ranking, EPISODES_PER_PAGE).page(page)
        order = list(this_page.object_list)

        kept = set(order)
        shown = [row["id"] for row in best if row["episode_id"] in kept]
        by_episode = {}
        for line in self.excerpts(TranscriptLine.objects.filter(pk__in=shown), query):
            by_episode.setdefault(line.episode_id, []).append(line)
        found = Episode.objects.filter(pk__in=order).cards().in_bulk()
        hits = []
        for pk in order:
            episode = found[pk]
            lines = sorted(by_episode.get(pk, []), key=lambda line: (-line.rank, line.position))
            hits.append(
                EpisodeHit(
                    episode=episode,
                    score=scores[pk][1],
                    title=self.highlight_title(episode.title, query),
                    line_count=scores[pk][0],
                    lines=[_line_hit(line) for line in lines],
                )
            )
        return Results(query, hits, this_page)

    episode_weight = 1.0

    def usable(self, query):
        return bool(query)


def _line_hit(line):
    return LineHit(
        anchor=line_anchor(line.uid),
        speaker=speaker_name(line.speaker),
        time=time_label(line.sec, line.time),
        excerpt=highlighted(line.excerpt),
    )


class PostgresBackend(Backend):
    # An episode's own text weighs as much as a few good lines.
    episode_weight = 3.0

    def _query(self, query):
        from django.contrib.postgres.search import SearchQuery

        return SearchQuery(query, config=CONFIG, search_type="websearch")

    def match_lines(self, lines, query):
        return self._match(lines, query)

    def match_episodes(self, episodes, query):
        return self._match(episodes, query)

    def _match(self, rows, query):
        from django.contrib.postgres.search import SearchRank

        document = stored_vector(rows.model)
        return (
            rows.annotate(document=document)
            .filter(document=self._query(query))
            .annotate(rank=SearchRank(document, self._query(query)))
        )

    def excerpts(self, lines, query):
        from django.contrib.postgres.search import SearchHeadline

        return lines.annotate(
            rank=Value(0.0),
            excerpt=SearchHeadline(
                "text",
                self._query(query),
                config=CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=EXCERPT_WORDS,
                min_words=EXCERPT_WORDS // 2,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        ).only("id", "episode_id", "position", "speaker", "sec", "time", "uid")

    def highlight_title(self, title, query):
        # Titles are short: the plain marker shows the words as typed, which is enough there.
        return highlighted(_mark_terms(title, terms(query)))


def stored_vector(model):
    """The ``search_vector`` column migration 0006 adds to lines and episodes on PostgreSQL: a
    line's text; an episode's title (weight A), summary (B) and show notes (C)."""
    from django.contrib.postgres.search import SearchVectorField

    table = connection.ops.quote_name(model._meta.db_table)
    return RawSQL(f"{table}.search_vector", [], output_field=SearchVectorField())


class SimpleBackend(Backend):
    """Every word must occur, in any case; quoted words must occur together."""

    episode_weight = 3.0

    def usable(self, query):
        return bool(terms(query))

    def match_lines(self, lines, query):
        condition = Q()
        for term in terms(query):
            condition &= Q(text__icontains=term)
        return lines.filter(condition).annotate(rank=Value(1.0))

    def match_episodes(self, episodes, query):
        condition = Q()
        for term in terms(query):
            condition &= (
                Q(title__icontains=term)
                | Q(description__icontains=term)
                | Q(intro__icontains=term)
                | Q(body__icontains=term)
            )
        return episodes.filter(condition).annotate(rank=Value(1.0))

    def excerpts(self, lines, query):
        found = list(
            lines.annotate(rank=Value(1.0)).only(
                "id", "episode_id", "position", "text", "speaker", "sec", "time", "uid"
            )
        )
        words = terms(query)
        for line in found:
            line.excerpt = _excerpt(line.text, words)
        return found

    def highlight_title(self, title, query):
        return highlighted(_mark_terms(title, terms(query)))


def terms(query):
    """The words and "quoted phrases" of a query, without duplicates, at most MAX_TERMS."""
    found = []
    for phrase, word in re.findall(r'"([^"]+)"|(\S+)', query or ""):
        term = normalize(phrase or word).strip('"')
        if term and term.lower() not in (t.lower() for t in found):
            found.append(term)
    return found[:MAX_TERMS]


def _pattern(words):
    return re.compile("|".join(re.escape(word) for word in sorted(words, key=len, reverse=True)), re.IGNORECASE)


def _mark_terms(text, words):
    if not words:
        return text
    return _pattern(words).sub(lambda m: f"{START}{m.group(0)}{STOP}", text)


def _excerpt(text, words):
    """About EXCERPT_WORDS words around the first match, with every match marked."""
    text = re.sub(r"\s+", " ", text).strip()
    match = _pattern(words).search(text) if words else None
    tokens = text.split(" ")
    if match is None or len(tokens) <= EXCERPT_WORDS:
        start, end = 0, min(len(tokens), EXCERPT_WORDS)
    else:
        at = text[: match.start()].count(" ")
        start = max(0, at - EXCERPT_WORDS // 3)
        end = min(len(tokens), start + EXCERPT_WORDS)
        start = max(0, end - EXCERPT_WORDS)
    excerpt = " ".join(tokens[start:end])
    return ("… " if start else "") + _mark_terms(excerpt, words) + (" …" if end < len(tokens) else "")


def backend():
    return PostgresBackend() if connection.vendor == "postgresql" else SimpleBackend()


def search(query, filters=None, page=1):
    return backend().search(query, filters, page)
