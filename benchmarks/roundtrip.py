"""Round-trip counts over archive snapshots: import into a scratch database, export, and count
files that come back with the same data (semantic), the same bytes, and, with --reformat, the same
bytes where PyYAML's safe_dump reproduces the file (canonical).

usage: python benchmarks/roundtrip.py [--postgres] [SNAPSHOT ...]
(SQLite by default; --postgres: a scratch database on postgres://postgres@127.0.0.1:5432, or on
the server BENCH_POSTGRES names, where an import of many new episodes uses two connections)
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(args):
    postgres = "--postgres" in args
    paths = [arg for arg in args if arg != "--postgres"] or [
        str(ROOT.parent / "shared/corpus/2023-07"),
        str(ROOT.parent / "shared/corpus/2026-06"),
    ]
    work = Path(tempfile.mkdtemp(prefix="roundtrip-"))
    database = f"sqlite:///{work / 'db.sqlite3'}"
    if postgres:
        from scratch import PostgresServer, unique_name

        server = PostgresServer(os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
        name = unique_name("roundtrip_podcast")
        server.create(name)
        database = server.url(name)
    os.environ.update(DATABASE_URL=database, MEDIA_ROOT=str(work / "media"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "podcast.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from archive import documents
    from archive.exporter import Exporter
    from archive.importer import Importer
    from episodes.models import Episode, Guest

    call_command("migrate", verbosity=0)
    for path in map(Path, paths):
        Episode.objects.all().delete()
        Guest.objects.all().delete()
        report = Importer().run([path])
        files = [p for kind in ("_people", "_podcast") for p in sorted((path / kind).glob("[!_]*.md"))]
        out, canon = work / f"{path.name}-out", work / f"{path.name}-reformat"
        Exporter(out).run()
        Exporter(canon, reformat=True).run()
        semantic = same = reproducible = canonical = reformat_semantic = 0
        for source in files:
            original = documents.parse(source.read_bytes())
            exported = (out / source.parent.name / source.name).read_bytes()
            again = documents.parse(exported)
            semantic += documents.digest(again.data, again.body) == documents.digest(original.data, original.body)
            same += exported == source.read_bytes()
            reformatted = documents.parse((canon / source.parent.name / source.name).read_bytes())
            reformat_semantic += documents.digest(reformatted.data, reformatted.body) == documents.digest(
                original.data, original.body
            )
            front = documents.split(original.text)[1]
            if any(documents.dump(original.data, allow_unicode=a) == front for a in (True, False)):
                reproducible += 1
                canonical += (canon / source.parent.name / source.name).read_bytes() == source.read_bytes()
        print(f"{path} ({'PostgreSQL' if postgres else 'SQLite'}): {len(files)} published files")
        print(f"  import: {report.summary()}")
        print(f"  semantic (same data, types, key order, body): {semantic}/{len(files)}")
        print(f"  bytes identical, unchanged export:            {same}/{len(files)}")
        print(f"  --reformat same data:                         {reformat_semantic}/{len(files)}")
        print(f"  --reformat bytes identical where safe_dump reproduces the file: {canonical}/{reproducible}")
    if postgres:
        from django.db import connection

        connection.close()
        server.drop(name)


if __name__ == "__main__":
    main(sys.argv[1:])
