"""Import then export of the real archive, both snapshots: faithful data, faithful bytes."""

import difflib

import pytest

from archive import documents, workers
from archive.exporter import Exporter
from archive.importer import Importer
from episodes.models import Episode, TranscriptLine

from .conftest import SNAPSHOTS, corpus_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def published(root):
    return [
        p for kind in ("_people", "_podcast") for p in sorted((root / kind).glob("*.md")) if not p.name.startswith("_")
    ]


def pyyaml_reproduces(path):
    """The allow_unicode setting with which safe_dump writes this file's front matter, or None."""
    doc = documents.parse(path.read_bytes())
    front = documents.split(doc.text)[1]
    for allow_unicode in (True, False):
        if documents.dump(doc.data, allow_unicode=allow_unicode) == front:
            return allow_unicode
    return None


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_the_parse_worker_gives_what_parsing_alone_gives(snapshot):
    raws = [path.read_bytes() for path in published(corpus_snapshot(snapshot))]
    for raw, doc in zip(raws, workers.parse_many(raws), strict=True):
        alone = documents.parse(raw)
        assert (doc.data, doc.body, doc.head, doc.closing, doc.text) == (
            alone.data,
            alone.body,
            alone.head,
            alone.closing,
            alone.text,
        )
        assert doc.known_digest == documents.digest(alone.data, alone.body)


def import_and_export_unchanged(root, out):
    """Import a snapshot into the empty database, export it: every file comes back byte for byte."""
    report = Importer().run([root])
    assert report.ok, [(o.path, o.detail) for o in report.outcomes if o.status in ("failed", "conflict")]
    files = published(root)
    assert report.count("created") == len(files)
    Exporter(out).run()
    for path in files:
        exported = out / path.parent.name / path.name
        assert exported.read_bytes() == path.read_bytes(), path
    assert sorted(p.name for p in (out / "_podcast").glob("*.md")) == sorted(
        p.name for p in files if p.parent.name == "_podcast"
    )
    return files


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_round_trip_over_the_corpus(snapshot, tmp_path):
    root = corpus_snapshot(snapshot)
    files = import_and_export_unchanged(root, tmp_path / "out")

    # Reformatted: always the same data. Its bytes are test_reformat's, which compares every
    # file with what PyYAML's own safe_dump writes.
    Exporter(tmp_path / "re", reformat=True).run()
    for path in files:
        original = documents.parse(path.read_bytes())
        again = documents.parse((tmp_path / "re" / path.parent.name / path.name).read_bytes())
        assert documents.digest(again.data, again.body) == documents.digest(original.data, original.body), path


@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_one_corrected_line_is_a_one_item_diff(snapshot, tmp_path):
    root = corpus_snapshot(snapshot)
    episodes = sorted((root / "_podcast").glob("[!_]*.md"))
    pyyaml_style = next(p for p in episodes if pyyaml_reproduces(p) and "transcript:" in p.read_text())
    hand_style = next(p for p in episodes if pyyaml_reproduces(p) is None and "transcript:" in p.read_text())
    Importer().run([root])
    Exporter(tmp_path / "before").run()

    positions = {}
    for path in (pyyaml_style, hand_style):
        line = TranscriptLine.objects.filter(episode__slug=path.stem).order_by("position")[7]
        line.text = line.text.replace(" ", "  ", 1) + " (corrected)"
        line.save()
        positions[path] = line.position
    Exporter(tmp_path / "after").run()

    changed = [
        p.name
        for p in (tmp_path / "after/_podcast").glob("*.md")
        if p.read_bytes() != (tmp_path / "before/_podcast" / p.name).read_bytes()
    ]
    assert sorted(changed) == sorted([pyyaml_style.name, hand_style.name])
    people = [p for p in (tmp_path / "after/_people").glob("*.md")]
    assert all(p.read_bytes() == (tmp_path / "before/_people" / p.name).read_bytes() for p in people)

    for path in (pyyaml_style, hand_style):
        before = documents.parse((tmp_path / "before/_podcast" / path.name).read_bytes())
        after = documents.parse((tmp_path / "after/_podcast" / path.name).read_bytes())
        item = positions[path]
        assert after.data["transcript"][item]["line"].endswith(" (corrected)")
        after.data["transcript"][item]["line"] = before.data["transcript"][item]["line"]
        assert after.data == before.data
        assert after.body == before.body

    # In PyYAML's own style, the diff is only that item's lines.
    before = documents.parse((tmp_path / "before/_podcast" / pyyaml_style.name).read_bytes())
    after = documents.parse((tmp_path / "after/_podcast" / pyyaml_style.name).read_bytes())
    item = positions[pyyaml_style]
    allow_unicode = pyyaml_reproduces(pyyaml_style)
    old_block = documents.dump([before.data["transcript"][item]], allow_unicode=allow_unicode)
    new_block = documents.dump([after.data["transcript"][item]], allow_unicode=allow_unicode)
    start = before.text.index("\n" + old_block) + 1
    first = before.text[:start].count("\n") + 1
    span = range(first, first + old_block.count("\n"))
    assert after.text == before.text[:start] + new_block + before.text[start + len(old_block) :]
    hunks = [d for d in difflib.unified_diff(before.text.splitlines(), after.text.splitlines(), lineterm="", n=0)]
    old_ranges = [h.split()[1] for h in hunks if h.startswith("@@")]
    assert old_ranges
    for old_range in old_ranges:
        at, _, count = old_range[1:].partition(",")
        assert int(at) in span and int(at) + max(int(count or 1), 1) - 1 in span, (old_range, span)


def test_the_newer_snapshot_follows_the_older_ones_renamed_files():
    # Every episode of 2023-07 has a new file name in 2026-06; those whose YouTube id (or season,
    # number and title) is the same are the same episodes, renamed, not second copies.
    old, new = corpus_snapshot("2023-07"), corpus_snapshot("2026-06")
    assert Importer().run([old]).ok
    before = dict(Episode.objects.values_list("youtube_id", "pk"))
    report = Importer().run([new])
    assert report.ok, [(o.path, o.code, o.detail) for o in report.outcomes if o.status in ("failed", "conflict")]
    renamed = [o for o in report.outcomes if o.status == "renamed"]
    assert len(renamed) >= 120
    for outcome in renamed:
        episode = Episode.objects.get(slug=outcome.key)
        assert before[episode.youtube_id] == episode.pk  # the same row, its history and guests with it
        assert episode.source == (new / "_podcast" / f"{outcome.key}.md").read_text()
    slugs = {p.stem for p in (new / "_podcast").glob("[!_]*.md")}
    stale = set(Episode.objects.values_list("slug", flat=True)) - slugs
    assert len(stale) == 126 - len(renamed)  # only what has no file of its own now: --prune removes it


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_round_trip_over_the_corpus_committed_as_the_command_runs(snapshot, tmp_path):
    # Outside a test's transaction, as the command runs: the import's own transaction, its
    # batch of new rows (PostgreSQL) and the lock it holds, committed; the archive comes back.
    import_and_export_unchanged(corpus_snapshot(snapshot), tmp_path / "out")
