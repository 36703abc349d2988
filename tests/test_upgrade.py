"""The archive as it really changes, checked on the real data: import 2023-07, correct a line of
one episode in the CMS, import 2026-06 with --prune. The edited episode is a conflict and keeps
the edit; with --force as well, the database holds what a fresh import of 2026-06 holds, and
every 2023-07 episode address answers 301 to its 2026-06 page, or 410 for one that is gone."""

import pytest

from archive.exporter import Exporter
from archive.importer import Importer
from episodes.models import Episode, Moved, TranscriptLine
from tests.conftest import corpus_snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


def files(root):
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*.md"))}


def edit_a_line():
    line = TranscriptLine.objects.filter(episode__slug__startswith="s14e08").order_by("position").first()
    line.text = "Corrected in the CMS."
    line.save()
    return line


def test_a_pruned_upgrade_keeps_an_edit_as_a_conflict(settings):
    old, new = corpus_snapshot("2023-07"), corpus_snapshot("2026-06")
    assert Importer().run([old]).ok
    line = edit_a_line()
    report = Importer(prune=True).run([new])
    # Its file has a new name; the episode it is the file of was edited, so it is neither renamed
    # nor removed: one conflict, named by the new file.
    conflicts = [(o.key, o.code) for o in report.outcomes if o.status == "conflict"]
    assert conflicts == [("building-production-ml-platform-and-mlops-team", "edited")]
    line.refresh_from_db()
    assert line.text == "Corrected in the CMS."


def test_a_forced_pruned_upgrade_is_a_fresh_import_and_every_old_address_answers(client, tmp_path, settings):
    old, new = corpus_snapshot("2023-07"), corpus_snapshot("2026-06")
    assert Importer().run([old]).ok
    list(Episode.objects.published().values_list("slug", flat=True))
    edit_a_line()
    report = Importer(prune=True, force=True).run([new])
    assert report.ok, [(o.path, o.code, o.detail) for o in report.outcomes if o.status in ("failed", "conflict")]
    assert report.count("renamed", "episode") >= 120
    assert report.count("removed", "episode") >= 1
    Exporter(tmp_path / "upgraded").run()

    Episode.objects.all().delete()
    from episodes.models import Guest

    Guest.objects.all().delete()
    assert Importer().run([new]).ok
    Exporter(tmp_path / "fresh").run()
    assert files(tmp_path / "upgraded") == files(tmp_path / "fresh")


def test_every_old_episode_address_redirects_once_or_is_gone(client, settings):
    old, new = corpus_snapshot("2023-07"), corpus_snapshot("2026-06")
    assert Importer().run([old]).ok
    old_slugs = list(Episode.objects.published().values_list("slug", flat=True))
    assert Importer(prune=True, force=True).run([new]).ok
    live = set(Episode.objects.published().values_list("slug", flat=True))
    answers = {"301": 0, "410": 0}
    targets = set()
    for slug in old_slugs:
        for address in (f"/podcast/{slug}/", f"/podcast/{slug}.html"):
            response = client.get(address)
            if response.status_code == 301:
                target = response["Location"]
                # The page of an episode there is now: never a redirect to a redirect.
                assert target.startswith("/podcast/")
                assert target.strip("/").split("/")[1] in live
                assert target == f"/podcast/{target.strip('/').split('/')[1]}/"
                targets.add(target)
                answers["301"] += 1
            else:
                assert response.status_code == 410, (address, response.status_code)
                answers["410"] += 1
    assert answers["301"] >= 2 * 120
    assert answers["410"] >= 2
    for target in sorted(targets)[:: len(targets) // 5]:  # and such a page answers, a few of them seen
        assert client.get(target).status_code == 200
    moved = set(Moved.objects.filter(kind="episode").values_list("old_key", flat=True))
    assert moved >= set(old_slugs) - live


def test_a_renamed_episode_keeps_its_guid_and_a_fresh_import_gives_the_same(settings):
    old, new = corpus_snapshot("2023-07"), corpus_snapshot("2026-06")
    assert Importer().run([old]).ok
    before = dict(Episode.objects.values_list("pk", "guid"))
    report = Importer(prune=True, force=True).run([new])
    assert report.count("renamed", "episode") >= 120
    upgraded = dict(Episode.objects.values_list("slug", "guid"))
    kept = Episode.objects.filter(pk__in=before)
    assert kept.count() >= 120
    for episode in kept:
        assert episode.guid == before[episode.pk], episode.slug

    from episodes.models import Guest

    Episode.objects.all().delete()
    Guest.objects.all().delete()
    assert Importer().run([new]).ok
    fresh = dict(Episode.objects.values_list("slug", "guid"))
    assert fresh.keys() == upgraded.keys()
    # The same guid for every episode that has a YouTube id, whichever way the database was made.
    same = [slug for slug in fresh if fresh[slug] == upgraded[slug]]
    with_youtube = set(Episode.objects.exclude(youtube_id__in=("", "TODO")).values_list("slug", flat=True))
    assert set(same) >= with_youtube
    assert len(set(fresh.values())) == len(fresh)
