"""Scale: the archive ten times over, on PostgreSQL. Does anything grow with the archive?

usage: python benchmarks/bench_scale.py [--corpus PATH] [--factor 10] [--db URL] [--runs 10]
       [--import-runs 3] [--search-runs 3] [--json PATH] [--keep] [--explain]

Generates, in a temporary folder, an archive FACTOR times the snapshot: the snapshot's published
episodes, plus FACTOR-1 copies of each under a new slug (``<slug>-c3.md``), its season moved past
the snapshot's last one and its title marked ``[c3]``; people and images once, so each guest is
in FACTOR times as many episodes. Then, on scratch PostgreSQL databases of its own, at 1x (the
snapshot itself) and at FACTOR x:

  import into an empty database       seconds per 1,000 transcript items (should stay flat)
  the episode index, first and last   render time, bytes, queries, cards (no page should grow)
  page, and the page of the guest in
  the most episodes
  search: 50 queries drawn from the   median and 99th percentile of the whole page's latency
  snapshot's transcripts

The import runs in this process (``Importer().run``, no interpreter start-up), each run into
a fresh migrated database; the last one is then VACUUM ANALYZEd (untimed, as autovacuum would do
soon after) and measured. Pages go through Django's test client with DEBUG off and the page cache
off, as bench_pages does. Medians throughout, and the scales take turns (import runs, page
renders, each search) so that a busy machine slows them alike.

The server is --db, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432; it must be
PostgreSQL. The database that URL names is never touched: the scratch ones are
``<--db-name>_template``, ``_1x`` and ``_<FACTOR>x``, dropped at the end unless --keep.
"""

import argparse
import itertools
import json
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from scratch import PostgresServer, unique_name

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "2026-06"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
SEED = 20260601


def progress(message):
    print(message, file=sys.stderr, flush=True)


# --- the generated archive -----------------------------------------------------------------------

_SEASON = re.compile(r"^season:[ \t]*(\d+)[ \t]*$", re.MULTILINE)
_TITLE = re.compile(r"^title:", re.MULTILINE)
_TOP_LEVEL = re.compile(r"\n(?=[^\s#])")


def published_episodes(corpus):
    return [p for p in sorted((corpus / "_podcast").glob("*.md")) if not p.name.startswith("_")]


def _title_block(front):
    """(start, end) of the top-level ``title:`` entry in front matter text, or None."""
    match = _TITLE.search(front)
    if match is None:
        return None
    following = _TOP_LEVEL.search(front, match.end())
    end = following.start() + 1 if following else len(front)
    return match.start(), end


def _suffixed_title(block, suffix):
    """The ``title:`` entry with ``suffix`` added to its value, by text: the file keeps its own
    quoting and wrapping. None for a form not handled here (block scalars)."""
    value_end = len(block.rstrip())
    value = block[len("title:") : value_end].strip()
    if not value or value[0] in "|>&*!":
        return None
    if value[0] in "'\"":
        if value[-1] != value[0]:
            return None
        return block[: value_end - 1] + suffix + block[value_end - 1 :]
    return block[:value_end] + suffix + block[value_end:]


class Variants:
    """How one episode file becomes copy N: the edit is checked once, by parsing the edited
    entries, and then repeated for every copy."""

    def __init__(self, text):
        from archive import documents

        self.head, self.front, self.closing, self.body = documents.split(text)
        self.season = _SEASON.search(self.front)
        self.title = _title_block(self.front)
        if self.title is not None:
            start, end = self.title
            block = self.front[start:end]
            edited = _suffixed_title(block, " [c1]")
            try:
                before = documents.load(block)["title"]
                after = documents.load(edited)["title"] if edited else None
            except (documents.DocumentError, TypeError, KeyError):
                after = before = None
            if not isinstance(before, str) or after != before + " [c1]":
                self.title = None

    @property
    def title_changes(self):
        return self.title is not None

    @property
    def season_number(self):
        return int(self.season.group(1)) if self.season else None

    def text(self, copy, season_shift):
        front = self.front
        if self.title is not None:
            start, end = self.title
            front = front[:start] + _suffixed_title(front[start:end], f" [c{copy}]") + front[end:]
        if self.season is not None:
            season = self.season_number + copy * season_shift
            front = _SEASON.sub(f"season: {season}", front, count=1)
        return self.head + front + self.closing + self.body


def make_archive(corpus, out, factor):
    """A site root ``factor`` times the snapshot's episodes, with people and images once."""
    shutil.copytree(corpus / "_people", out / "_people")
    if (corpus / "images").is_dir():
        shutil.copytree(corpus / "images", out / "images")
    (out / "_podcast").mkdir(parents=True)
    files = published_episodes(corpus)
    variants = {path: Variants(path.read_bytes().decode("utf-8")) for path in files}
    # Each copy's seasons come after the previous copy's, so the index has distinct seasons.
    shift = max((v.season_number for v in variants.values() if v.season_number is not None), default=0)
    for path in files:
        shutil.copyfile(path, out / "_podcast" / path.name)
        for copy in range(1, factor):
            text = variants[path].text(copy, shift)
            (out / "_podcast" / f"{path.stem}-c{copy}.md").write_bytes(text.encode("utf-8"))
    return len(files) * factor, sum(not v.title_changes for v in variants.values())


# --- search queries ------------------------------------------------------------------------------

# PostgreSQL's English stop words (a query of them alone finds nothing) and the fillers of spoken
# English, which nobody searches a podcast for.
SKIP = {
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
    "would",
    "could",
    "yeah",
    "really",
    "actually",
    "think",
    "thing",
    "things",
    "something",
    "anything",
    "everything",
    "going",
    "gonna",
    "maybe",
    "right",
    "basically",
    "probably",
    "guess",
    "sorta",
    "kinda",
    "okay",
    "stuff",
    "pretty",
    "quite",
    "always",
    "never",
    "lots",
}
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")


def make_queries(corpus, count=50, seed=SEED):
    """``count`` different queries, the same on every run: words and two-word phrases from random
    transcript lines, topics, and names of guests, drawn from the snapshot."""
    from archive import documents

    rng = random.Random(seed)
    lines, topics, guests = [], set(), set()
    for path in published_episodes(corpus):
        try:
            data = documents.parse(path.read_bytes()).data
        except documents.DocumentError:
            continue
        lines += [
            item["line"]
            for item in data.get("transcript") or []
            if isinstance(item, dict) and isinstance(item.get("line"), str)
        ]
        topics.update(t for t in data.get("topics") or [] if isinstance(t, str))
        guests.update(g for g in data.get("guests") or [] if isinstance(g, str))
    names = []
    for key in sorted(guests):
        try:
            title = documents.parse((corpus / "_people" / f"{key}.md").read_bytes()).data.get("title")
        except (OSError, documents.DocumentError):
            continue
        if isinstance(title, str) and title.strip():
            names.append(title.strip())

    def good(word, shortest):
        return word.isalpha() and len(word) >= shortest and word.lower() not in SKIP

    def word():
        tokens = [w for w in _WORD.findall(rng.choice(lines)) if good(w, 5)]
        return tokens and rng.choice(tokens).lower()

    def pair():
        tokens = _WORD.findall(rng.choice(lines))
        pairs = [(a, b) for a, b in itertools.pairwise(tokens) if good(a, 4) and good(b, 4)]
        return pairs and " ".join(rng.choice(pairs)).lower()

    queries, seen = [], set()

    def take(n, draw, kind):
        added = 0
        for _ in range(n * 200):
            if added == n:
                return
            query = draw()
            if query and query.lower() not in seen:
                seen.add(query.lower())
                queries.append((kind, query))
                added += 1

    share = count // 10
    take(count - 5 * share, word, "word")
    take(2 * share, pair, "two words")
    take(share, lambda: (p := pair()) and f'"{p}"', "phrase")
    take(share, lambda: rng.choice(sorted(topics)) if topics else None, "topic")
    take(share, lambda: rng.choice(names) if names else None, "guest name")
    return queries


# --- the database --------------------------------------------------------------------------------


class Server(PostgresServer):
    """The scratch databases of this run, named ``<prefix>_<label>``, remembered to drop them."""

    def __init__(self, url, prefix):
        super().__init__(url)
        self.prefix = prefix
        self.made = set()

    def name(self, label):
        return f"{self.prefix}_{label}"

    def create(self, name, template=None):
        super().create(name, template)
        self.made.add(name)

    def drop(self, name):
        super().drop(name)
        self.made.discard(name)


def use_database(name):
    """Point Django's connection at another database of the same server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def setup_django(server, media):
    os.environ["DATABASE_URL"] = server.url(server.name("template"))
    os.environ["DEBUG"] = "0"  # measured as served: DEBUG would log every query
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["MEDIA_ROOT"] = str(media)
    # Renders are measured, not a page cache; and never a cache other processes share.
    os.environ["PAGE_CACHE_SECONDS"] = "0"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podcast.settings")
    import django

    django.setup()


# --- measurements --------------------------------------------------------------------------------


@dataclass
class Scale:
    """One size of the archive: its site root and the database it is imported into."""

    label: str
    root: Path
    database: str
    results: dict = field(default_factory=dict)


def import_once(server, template, scale, media):
    """(wall seconds, this process's CPU seconds) of importing the scale into a fresh database."""
    from django.db import connection

    from archive.importer import Importer

    connection.close()  # no session may be on the template while it is copied
    server.create(scale.database, template=template)
    use_database(scale.database)
    shutil.rmtree(media, ignore_errors=True)
    marks = set()

    def report_progress(done, total):
        step = done * 4 // total
        if total >= 1000 and 0 < step < 4 and step not in marks:
            marks.add(step)
            progress(f"    {done:,}/{total:,} files, {time.perf_counter() - started:.0f} s")

    cpu, started = time.process_time(), time.perf_counter()
    report = Importer(progress=report_progress).run([scale.root])
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    failed = [o for o in report.outcomes if o.status in ("failed", "conflict")]
    if failed:
        sys.exit(f"{len(failed)} files failed to import at {scale.label}, e.g. {failed[0].path}: {failed[0].message}")
    return elapsed, cpu, report


def measure_imports(server, template, scales, runs, media):
    """Median import time per scale; runs alternate between scales so that a busy machine slows
    them alike. Each scale's database keeps its last import, vacuumed and analysed."""
    from django.db import connection

    from episodes.models import Episode, Section, TranscriptLine

    times = {scale.label: [] for scale in scales}
    for run in range(1, runs + 1):
        for scale in scales:
            progress(f"  {scale.label} import {run}/{runs}: {scale.root}")
            elapsed, cpu, report = import_once(server, template, scale, media)
            times[scale.label].append((elapsed, cpu))
            progress(f"  {scale.label} import {run}/{runs}: {elapsed:.1f} s, {cpu:.1f} s CPU here ({report.summary()})")
    for scale in scales:
        use_database(scale.database)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        progress(f"  {scale.label}: VACUUM ANALYZE {time.perf_counter() - started:.1f} s (not timed)")
        sections, lines = Section.objects.count(), TranscriptLine.objects.count()
        items = sections + lines
        seconds = statistics.median(t for t, _ in times[scale.label])
        cpu = statistics.median(c for _, c in times[scale.label])
        scale.results["import"] = {
            "episodes": Episode.objects.count(),
            "sections": sections,
            "lines": lines,
            "items": items,
            "runs": [round(t, 3) for t, _ in times[scale.label]],
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu, 3),
            "seconds_per_1000_items": round(seconds / items * 1000, 4),
            "cpu_seconds_per_1000_items": round(cpu / items * 1000, 4),
        }


_PAGE_LINK = re.compile(r"[?&](?:amp;)?page=(\d+)")


def highest_link(html):
    """The highest ``?page=N`` a page links to (1 when it links to none)."""
    return max([int(n) for n in _PAGE_LINK.findall(html)] + [1])


def get(client, url):
    """A GET as a visitor over HTTPS (so a production-style SSL redirect does not answer it),
    never from the page cache: it is the render that is measured."""
    from django.core.cache import cache

    cache.clear()
    response = client.get(url, secure=True)
    if response.status_code != 200:
        sys.exit(f"{url}: status {response.status_code}")
    return response


def with_page(url, number):
    return f"{url}{'&' if '?' in url else '?'}page={number}"


def last_page(client, url):
    """The last page of a paginated list, found by following its highest ``?page=`` link until
    none goes further, whatever links the pagination offers (next only, or every page)."""
    page, html = 1, get(client, url).content.decode("utf-8")
    for _ in range(10_000):
        higher = highest_link(html)
        if higher <= page:
            break
        page = higher
        html = get(client, with_page(url, page)).content.decode("utf-8")
    return page


def measure(client, targets, runs):
    """Each (database, url) target requested ``runs`` times after a warm request, the targets
    taking turns; per target the median latency and SQL time, and the last run's page and SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for database, url in targets:
        use_database(database)
        get(client, url)
    samples = [[] for _ in targets]
    for _ in range(runs):
        for (database, url), sample in zip(targets, samples):
            use_database(database)
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = get(client, url)
                elapsed = time.perf_counter() - started
            sample.append((elapsed, captured.captured_queries, response))
    results = []
    for (database, url), sample in zip(targets, samples):
        _, queries, response = sample[-1]
        slowest = max(queries, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
        html = response.content.decode("utf-8")
        results.append(
            {
                "url": url,
                "ms": round(statistics.median(t for t, _, _ in sample) * 1000, 2),
                "bytes": len(response.content),
                "queries": len(queries),
                "sql_ms": round(statistics.median(sum(float(q["time"]) for q in qs) for _, qs, _ in sample) * 1000, 2),
                "slowest_sql_ms": round(float(slowest["time"]) * 1000, 2),
                "slowest_sql": slowest["sql"],
                "cards": html.count('<li class="card"'),
                "hits": html.count('<li class="hit"'),
            }
        )
    return results


def measure_pages(client, scales, runs):
    """The episode index (first and last page) and the page of the guest in the most episodes."""
    from django.db.models import Count, Q

    from episodes.models import Guest

    def people():
        return Guest.objects.annotate(
            published=Count("appearances", filter=Q(appearances__episode__is_published=True))
        ).order_by("-published", "short")

    use_database(scales[-1].database)
    guest = people().first()
    urls = {}
    for scale in scales:
        use_database(scale.database)
        count = people().get(short=guest.short).published
        scale.results["pages"] = {"guest": guest.short, "guest_episodes": count, "pages": {}}
        for key, url in (("index", "/podcast/"), ("guest", guest.get_absolute_url())):
            last = last_page(client, url)
            urls.setdefault(key, []).append((scale, url, last))
            if last > 1:
                urls.setdefault(f"{key} last", []).append((scale, with_page(url, last), None))
    for key, targets in urls.items():
        measured = measure(client, [(scale.database, url) for scale, url, _ in targets], runs)
        for (scale, _, last), result in zip(targets, measured):
            if last is not None:
                result["pages"] = last
            scale.results["pages"]["pages"][key] = result
            progress(
                f"  {scale.label:4} {key:11} {result['url']}: {result['ms']:.1f} ms, {result['bytes']:,} bytes, {result['queries']} queries"
            )


def percentile(values, pct):
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1] if len(values) > 1 else values[0]


def measure_search(client, scales, queries, runs):
    """Each query's whole page, at every scale in turn; after one warm-up search."""
    for scale in scales:
        use_database(scale.database)
        get(client, "/search/?" + urlencode({"q": "warm up " + queries[0][1]}))
    per_scale = [[] for _ in scales]
    for number, (kind, query) in enumerate(queries, 1):
        url = "/search/?" + urlencode({"q": query})
        for found, collected in zip(measure(client, [(scale.database, url) for scale in scales], runs), per_scale):
            found.update(kind=kind, query=query)
            collected.append(found)
        if number % 10 == 0:
            progress(f"  {number}/{len(queries)} queries")
    for scale, results in zip(scales, per_scale):
        times = [r["ms"] for r in results]
        scale.results["search"] = {
            "median_ms": round(statistics.median(times), 2),
            "p99_ms": round(percentile(times, 99), 2),
            "max_ms": max(times),
            "median_bytes": int(statistics.median(r["bytes"] for r in results)),
            "median_queries": statistics.median(r["queries"] for r in results),
            "per_query": results,
        }
        progress(
            f"  {scale.label} search: median {statistics.median(times):.1f} ms, p99 {percentile(times, 99):.1f} ms"
        )


def matching_lines(query):
    from episodes.models import TranscriptLine
    from episodes.search import PostgresBackend, normalize

    lines = TranscriptLine.objects.filter(episode__is_published=True)
    return PostgresBackend().match_lines(lines, normalize(query)).count()


def explain(sql):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


# --- output --------------------------------------------------------------------------------------


def table(results, args):
    scales = results["scales"]
    labels = list(scales)
    small, big = labels[0], labels[-1]
    out = []
    add = out.append
    add(f"Scale benchmark: {results['corpus']} at {' and '.join(labels)}, PostgreSQL {results['postgres']}")
    add("")
    add(f"Import into an empty database (in-process Importer().run; median of {args.import_runs}, runs alternating)")
    add(
        f"  {'scale':6} {'episodes':>9} {'items':>9} {'seconds':>8} {'s/1k items':>11} {'CPU s here':>11} {'CPU/1k':>7}   runs (s)"
    )
    for label in labels:
        imp = scales[label]["import"]
        runs = ", ".join(f"{t:.1f}" for t in imp["runs"])
        add(
            f"  {label:6} {imp['episodes']:>9,} {imp['items']:>9,} {imp['seconds']:>8.2f} {imp['seconds_per_1000_items']:>11.3f}"
            f" {imp['cpu_seconds']:>11.2f} {imp['cpu_seconds_per_1000_items']:>7.3f}   {runs}"
        )
    a, b = (scales[x]["import"]["seconds_per_1000_items"] for x in (small, big))
    add(f"  seconds per 1,000 items, {big} / {small}: {b / a:.2f} (flat = 1.00)")
    add("")
    add(
        f"Pages (median of {args.runs} renders each, DEBUG off, no page cache); guest {scales[big]['pages']['guest']}: "
        + ", ".join(f"{scales[x]['pages']['guest_episodes']} episodes at {x}" for x in labels)
    )
    add(f"  {'page':11} {'scale':5} {'ms':>7} {'bytes':>9} {'queries':>8} {'sql ms':>7} {'cards':>6} {'pages':>6}  url")
    keys = []
    for label in labels:
        keys += [k for k in scales[label]["pages"]["pages"] if k not in keys]
    for key in keys:
        for label in labels:
            page = scales[label]["pages"]["pages"].get(key)
            if page is None:
                add(f"  {key:11} {label:5}   (one page only)")
                continue
            add(
                f"  {key:11} {label:5} {page['ms']:>7.1f} {page['bytes']:>9,} {page['queries']:>8} {page['sql_ms']:>7.1f}"
                f" {page['cards']:>6} {page.get('pages', ''):>6}  {page['url']}"
            )
    add("")
    add(
        f"Search (/search/?q=..., whole page; {results['query_count']} different queries, median of {args.search_runs} each)"
    )
    add(f"  {'scale':6} {'median ms':>10} {'p99 ms':>10} {'max ms':>10} {'bytes (median)':>15} {'queries':>8}")
    for label in labels:
        s = scales[label]["search"]
        add(
            f"  {label:6} {s['median_ms']:>10.1f} {s['p99_ms']:>10.1f} {s['max_ms']:>10.1f} {s['median_bytes']:>15,} {s['median_queries']:>8}"
        )
    m = [scales[x]["search"] for x in (small, big)]
    add(
        f"  {big} / {small}: median {m[1]['median_ms'] / m[0]['median_ms']:.2f}, p99 {m[1]['p99_ms'] / m[0]['p99_ms']:.2f}"
    )
    add(f"  slowest at {big} (ms at {big} / at {small}; the slowest SQL statement of the page at {big}):")
    at_small = {r["query"]: r for r in scales[small]["search"]["per_query"]}
    for r in results["slowest"]:
        add(
            f"    {r['ms']:>7.1f} / {at_small[r['query']]['ms']:>6.1f} ms  SQL {r['slowest_sql_ms']:>6.1f} ms"
            f"  {r['kind']:10} {r['query']!r}: {r['matching_lines']:,} matching lines"
        )
    return "\n".join(out)


# --- main ----------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the snapshot's site root")
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument(
        "--db", default=os.environ.get("DATABASE_URL") or DEFAULT_SERVER, help="a PostgreSQL server URL"
    )
    parser.add_argument(
        "--db-name", default=None, help="prefix of the scratch databases (default: bench_scale and this run's own tag)"
    )
    parser.add_argument("--runs", type=int, default=10, help="renders per page")
    parser.add_argument("--import-runs", type=int, default=3, help="imports at each scale")
    parser.add_argument("--search-runs", type=int, default=3, help="renders per search query")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the 1x and FACTOR x databases")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest search's slowest SQL")
    args = parser.parse_args()

    if urlsplit(args.db).scheme not in ("postgres", "postgresql", "pgsql"):
        sys.exit(
            f"bench_scale runs on PostgreSQL only: {args.db!r} is not a postgres:// URL (give --db or DATABASE_URL)"
        )
    corpus = args.corpus.resolve()
    if not (corpus / "_podcast").is_dir() or not (corpus / "_people").is_dir():
        sys.exit(f"{corpus}: not a site root (no _podcast/ and _people/)")
    if args.factor < 2:
        sys.exit("--factor must be at least 2")

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    server = Server(args.db, args.db_name or unique_name("bench_scale"))
    try:
        run(args, corpus, work, server)
    finally:
        if "django.db" in sys.modules and server.made:
            from django.db import connection

            connection.close()
        for name in sorted(server.made):
            if args.keep and not name.endswith("_template"):
                progress(f"kept database {server.url(name)}")
            else:
                server.drop(name)
        shutil.rmtree(work, ignore_errors=True)


def run(args, corpus, work, server):
    postgres = server.version()
    progress(f"PostgreSQL {postgres} at {server.server}; scratch databases {server.name('*')}; work folder {work}")
    setup_django(server, work / "media")

    started = time.perf_counter()
    queries = make_queries(corpus, args.queries)
    progress(f"{len(queries)} search queries from {corpus.name} ({time.perf_counter() - started:.1f} s)")
    if len(queries) < args.queries:
        sys.exit(f"could draw only {len(queries)} different queries from {corpus}")

    big = work / f"archive-{args.factor}x"
    started = time.perf_counter()
    files, untitled = make_archive(corpus, big, args.factor)
    progress(
        f"generated {big}: {files:,} episode files ({time.perf_counter() - started:.1f} s"
        + (f"; {untitled} titles kept as they are, not in a form edited here" if untitled else "")
        + ")"
    )

    from django.core.management import call_command
    from django.test import Client

    template = server.name("template")
    server.create(template)
    use_database(template)
    call_command("migrate", verbosity=0)
    progress(f"migrated {template}")

    scales = [Scale("1x", corpus, server.name("1x")), Scale(f"{args.factor}x", big, server.name(f"{args.factor}x"))]
    client = Client()
    progress("imports")
    measure_imports(server, template, scales, args.import_runs, work / "media")
    progress("pages")
    measure_pages(client, scales, args.runs)
    progress(f"{len(queries)} searches")
    measure_search(client, scales, queries, args.search_runs)

    use_database(scales[-1].database)
    slowest = sorted(scales[-1].results["search"]["per_query"], key=lambda r: -r["ms"])[:5]
    for r in slowest:
        r["matching_lines"] = matching_lines(r["query"])
    results = {
        "corpus": str(corpus),
        "factor": args.factor,
        "postgres": postgres,
        "query_count": len(queries),
        "options": {key: str(value) for key, value in vars(args).items()},
        "scales": {scale.label: scale.results for scale in scales},
        "slowest": slowest,
    }
    print(table(results, args))
    if args.explain and slowest:
        print(
            f"\nEXPLAIN ANALYZE at {scales[-1].label} of the slowest SQL of the slowest search ({slowest[0]['query']!r}):"
        )
        print(slowest[0]["slowest_sql"])
        print(explain(slowest[0]["slowest_sql"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
        progress(f"wrote {args.json}")


if __name__ == "__main__":
    main()
