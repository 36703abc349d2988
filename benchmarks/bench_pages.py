"""Episode page speed: the largest episode's page, rendered uncached through Django's test client.

    python benchmarks/bench_pages.py                      # the database DATABASE_URL names, as imported
    python benchmarks/bench_pages.py ../shared/corpus/2026-06   # a site root, imported into a scratch SQLite

Prints the median render time of the largest published episode (most transcript lines), its
page size (and in gzip, as browsers are sent it) and its query count, and the same for the
smallest as the baseline: the ratio shows how the page's cost grows with its transcript while
its query count stays the same.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(site_root):
    sys.path.insert(0, str(ROOT))
    # Measured as served: DEBUG off (it would log every query), no page cache anywhere.
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "benchmark")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["HTTPS"] = "0"  # plain HTTP, as make serve runs locally: no redirect to https
    # WhiteNoise serves STATIC_ROOT once collectstatic has filled it (make serve); not needed here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    os.environ["PAGE_CACHE_SECONDS"] = "0"  # every request renders (caching.cached_page)
    scratch = None
    if site_root:
        scratch = tempfile.TemporaryDirectory(prefix="bench-pages-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"
        os.environ["MEDIA_ROOT"] = f"{scratch.name}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podcast.settings")
    import django

    django.setup()
    if site_root:
        from django.core.management import call_command

        from archive.importer import Importer

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        report = Importer().run([site_root])
        print(f"imported {site_root}: {report.summary()} ({time.perf_counter() - started:.1f} s)")
    return scratch


def measure(client, url, runs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm: templates compiled, connection open
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    count = len(queries)  # before the next request, which empties the query log
    # What a browser is sent (it asks for gzip); the times above are for a client that does not.
    packed = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert packed.get("Content-Encoding") == "gzip", (url, packed.get("Content-Encoding"))
    return statistics.median(times), len(response.content), len(packed.content), count


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site_root", nargs="?", help="a site root to import first, into a scratch database")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    scratch = setup(args.site_root)
    try:
        from django.db.models import Count
        from django.test import Client

        from episodes.models import Episode

        ranked = Episode.objects.published().annotate(lines_count=Count("lines")).order_by("-lines_count", "id")
        largest, smallest = ranked.first(), ranked.last()
        if largest is None:
            sys.exit("no published episode: import a site first, or give a site root")
        client = Client()
        results = {}
        for name, episode in (("largest", largest), ("smallest", smallest)):
            median, size, packed, queries = measure(client, episode.get_absolute_url(), args.runs)
            results[name] = median
            print(
                f"{name:8} {episode.slug} ({episode.lines_count} lines): "
                f"median {median * 1000:.1f} ms over {args.runs} runs, {size:,} bytes ({packed:,} in gzip), {queries} queries"
            )
        print(f"ratio largest/smallest: {results['largest'] / results['smallest']:.2f}")
    finally:
        if scratch:
            scratch.cleanup()


if __name__ == "__main__":
    main()
