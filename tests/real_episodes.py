"""Real episodes of the archive imported into the test database, with their guests' files."""

import shutil

from archive import documents, importer, sources
from episodes.models import Episode
from tests.conftest import corpus_snapshot


def import_real(snapshot, *slugs):
    """The episodes ``slugs`` of a corpus snapshot, imported as the command imports them."""
    site = corpus_snapshot(snapshot)
    paths = [site / "_podcast" / f"{slug}.md" for slug in slugs]
    guests = sorted({key for path in paths for key in documents.parse(path.read_bytes()).data.get("guests") or []})
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    report = importer.Importer().run_sources(files + [sources.Source(path, "episode", site) for path in paths])
    assert report.ok, report.summary()
    return [Episode.objects.get(slug=slug) for slug in slugs]


def stretched_copy(path, items, work):
    """A copy of the episode file ``path``, in a site root made under ``work`` with its guests'
    files, whose transcript repeats the original's items until it has ``items`` of them: the
    largest real episode made as long as an episode may be."""
    document = documents.parse(path.read_bytes())
    original = document.data.get("transcript") or []
    document.data["transcript"] = [dict(original[n % len(original)]) for n in range(items)]
    people = work / "_people"
    people.mkdir(parents=True)
    (work / "_podcast").mkdir()
    for key in document.data.get("guests") or []:
        shutil.copy(path.parent.parent / "_people" / f"{key}.md", people / f"{key}.md")
    copy = work / "_podcast" / path.name
    copy.write_text(document.render(), encoding="utf-8")
    return copy
