"""The admin's change page of the largest episode: queries, render time and size, and the time to
save a one-line correction. Median of N runs, in one process, on a scratch database.

usage: python benchmarks/bench_admin.py [SITE_ROOT] [--runs 5] [--database-url URL] [--items N]
       [--html PATH] [--profile]

--items N measures, in place of the largest episode, one made from it by repeating its
transcript until it has N items (20000 is the most an episode may have). --html PATH writes the
change page there, to see what it is made of; --profile prints where the saves spend their time.

SITE_ROOT defaults to ../shared/corpus/2026-06. With no --database-url (nor DATABASE_URL) it uses
a temporary SQLite file; a PostgreSQL URL must name a scratch database: it is migrated and written.
"""

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def largest_episode(site):
    """(path, transcript items, guest keys) of the episode with the most transcript items."""
    from archive import documents

    best = None
    for path in sorted((site / "_podcast").glob("*.md")):
        if path.name.startswith("_"):
            continue
        try:
            data = documents.parse(path.read_bytes()).data
        except documents.DocumentError:
            continue
        items = len(data.get("transcript") or [])
        if best is None or items > best[1]:
            best = (path, items, list(data.get("guests") or []))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path, nargs="?", default=ROOT.parent / "shared" / "corpus" / "2026-06")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--items", type=int, default=0, help="repeat the transcript to this many items")
    parser.add_argument("--html", type=Path, help="write the change page to this file")
    parser.add_argument("--profile", action="store_true", help="print where the last save spent its time")
    args = parser.parse_args()
    if not (args.site / "_podcast").is_dir():
        sys.exit(f"{args.site}: not a site root (no _podcast/)")

    work = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podcast.settings")
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["HTTPS"] = "0"  # plain HTTP, as make serve runs locally: no redirect to https
    # WhiteNoise serves STATIC_ROOT once collectstatic has filled it (make serve); not needed here.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from archive import importer, sources
    from episodes.models import Episode, TranscriptLine

    call_command("migrate", verbosity=0)
    path, items, guests = largest_episode(args.site)
    if args.items:
        from tests.real_episodes import stretched_copy

        path, items = stretched_copy(path, args.items, work / "site"), args.items
    site = path.parent.parent
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    files.append(sources.Source(path, "episode", site))
    report = importer.Importer(force=True).run_sources(files)
    if not report.ok:
        sys.exit(report.summary())
    episode = Episode.objects.get(slug=path.stem)
    user = User.objects.filter(username="bench").first() or User.objects.create_superuser("bench", "", "bench")
    client = Client()
    client.force_login(user)
    url = f"/admin/episodes/episode/{episode.pk}/change/"

    client.get(url)  # templates compiled, caches warm
    renders, queries, size = [], 0, 0
    for _ in range(args.runs):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            renders.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
        queries, size = len(captured), len(response.content)
    if args.html:
        args.html.write_bytes(response.content)
    if args.profile:
        show_profile("the change page", cProfile.Profile(), client.get, url)

    from tests.admin_pages import change_form_data, compact, row_index

    lines = TranscriptLine.objects.filter(episode=episode).order_by("position")
    line = lines[lines.count() // 2]
    saves = {"whole form (no script)": [], "touched row only (the page's script)": []}
    for run in range(args.runs):
        for way, timings in saves.items():
            data = change_form_data(client.get(url))
            index = row_index(data, "line", line.pk)
            data[f"transcript-{index}-text"] = f"{line.text} (corrected {run} {len(timings)})"
            if "script" in way and "no script" not in way:
                data = compact(data, [index])
            profiler = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            response = profiler.runcall(client.post, url, data) if profiler else client.post(url, data)
            timings.append(time.perf_counter() - start)
            assert response.status_code == 302, response.content.decode()[:2000]
            if profiler and run == args.runs - 1:
                print(f"--- where the save ({way}) spent its time")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(
                    r"/(editorial|episodes|archive|podcast|reversion|multipartparser)/?", 30
                )

    print(f"episode: {path.name} ({items} transcript items), database: {connection.vendor}")
    print(
        f"change page: {queries} queries, {statistics.median(renders) * 1000:.0f} ms (median of {args.runs}), {size / 1024:.0f} KiB"
    )
    for way, timings in saves.items():
        print(
            f"save after a one-line correction, {way}: {statistics.median(timings) * 1000:.0f} ms (median of {args.runs})"
        )


def show_profile(what, profiler, call, *args):
    """Where ``call(*args)`` spends its time: the project's functions and the libraries it leans
    on, by cumulative time."""
    profiler.runcall(call, *args)
    print(f"--- where {what} spent its time")
    where = r"/(editorial|episodes|archive|podcast|reversion|multipartparser|template)/"
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(where, 30)


if __name__ == "__main__":
    main()
