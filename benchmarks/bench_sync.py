"""Import/export speed against the parse-only baseline: whole processes, median of N runs.

usage: python benchmarks/bench_sync.py SITE_ROOT [--db sqlite|postgres|both] [--runs 3] [--each]
       [--baseline ../shared/bench/parse_only.py]

Measures, on SQLite and/or PostgreSQL (postgres://postgres@127.0.0.1:5432, a scratch database):
  import into an empty (migrated) database   target: <= 2.0 x parse-only (SQLite), 2.3 x (PostgreSQL)
  re-import of the unchanged archive         target: <= 0.5 x parse-only
  export_podcast --reformat                  target: <= 1.0 x parse-and-dump
Runs are interleaved with the baseline's so that a busy machine slows both alike; --each prints
every run's times too. BENCH_POSTGRES_DB names the scratch database (default bench_podcast), so
that two runs at once each have their own.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import PostgresServer, unique_name

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
# The scratch databases' name (and that name + "_template"), this run's own unless given.
PG_NAME = os.environ.get("BENCH_POSTGRES_DB") or unique_name("bench_podcast")


def timed(cmd, env):
    start = time.perf_counter()
    result = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{result.stdout}\n{result.stderr}")
    return elapsed


class SQLite:
    name = "SQLite"

    def __init__(self, work):
        self.template = work / "template.sqlite3"
        self.live = work / "bench.sqlite3"

    def url(self, path):
        return f"sqlite:///{path}"

    def prepare(self, env):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            env={**env, "DATABASE_URL": self.url(self.template)},
            cwd=ROOT,
            check=True,
        )

    def fresh(self):
        shutil.copyfile(self.template, self.live)
        return self.url(self.live)


class Postgres:
    name = "PostgreSQL"

    def __init__(self, work):
        self.server = PostgresServer(PG_SERVER)
        self.template, self.live = f"{PG_NAME}_template", PG_NAME

    def prepare(self, env):
        self.server.drop(self.live)
        self.server.create(self.template)
        migrate = [sys.executable, "manage.py", "migrate", "-v0"]
        subprocess.run(migrate, env={**env, "DATABASE_URL": self.server.url(self.template)}, cwd=ROOT, check=True)

    def fresh(self):
        self.server.create(self.live, template=self.template)
        return self.server.url(self.live)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--each", action="store_true", help="print every run's times, not only the medians")
    parser.add_argument("--baseline", type=Path, default=ROOT.parent / "shared" / "bench" / "parse_only.py")
    args = parser.parse_args()
    site = args.site.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "benchmark"}
    env.pop("DATABASE_URL", None)
    python = sys.executable
    databases = {"sqlite": [SQLite], "postgres": [Postgres], "both": [SQLite, Postgres]}[args.db]

    print(f"site: {site}; {args.runs} runs each, median; baseline: {args.baseline}")
    for kind in databases:
        db = kind(work)
        db.prepare(env)
        times = {key: [] for key in ("parse", "dump", "import", "reimport", "export")}
        for run in range(args.runs):
            # Folders of its own for each run, all removed at the end: ext4 passes over inodes
            # freed in the last half minute when it makes a file, so removing the last run's
            # thousand files just before writing as many again made the files slower to create
            # than the export is to write (as much as a millisecond each).
            media, out = work / f"{db.name}-media-{run}", work / f"{db.name}-out-{run}"
            run_env = {**env, "DATABASE_URL": db.fresh(), "MEDIA_ROOT": str(media)}
            times["parse"].append(timed([python, args.baseline, site], env))
            times["import"].append(timed([python, "manage.py", "import_podcast", site], run_env))
            times["reimport"].append(timed([python, "manage.py", "import_podcast", site], run_env))
            times["dump"].append(timed([python, args.baseline, site, "--dump"], env))
            times["export"].append(timed([python, "manage.py", "export_podcast", out, "--reformat"], run_env))
        median = {key: statistics.median(values) for key, values in times.items()}
        print(f"\n{db.name}")
        print(f"  parse-only baseline        {median['parse']:6.2f} s")
        print(f"  parse-and-dump baseline    {median['dump']:6.2f} s")
        if args.each:
            for key, values in times.items():
                print(f"    {key:9} " + " ".join(f"{value:5.2f}" for value in values))
        rows = [
            # PostgreSQL builds the transcripts' search index as they go in (most of its time).
            ("import into an empty db", "import", "parse", 2.3 if db.name == "PostgreSQL" else 2.0),
            ("re-import, unchanged", "reimport", "parse", 0.5),
            ("export --reformat", "export", "dump", 1.0),
        ]
        for label, key, base, target in rows:
            ratio = median[key] / median[base]
            verdict = "ok" if ratio <= target else "OVER"
            print(f"  {label:26} {median[key]:6.2f} s  {ratio:5.2f} x {base} (target <= {target}) {verdict}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
