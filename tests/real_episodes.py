"""Real episodes of the archive imported into the test database, with their guests' files."""

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
