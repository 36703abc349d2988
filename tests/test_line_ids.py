"""A transcript line keeps its identity, and so its link (``#line-<uid>``), through corrections of
its text and lines inserted or deleted before it, whether the change comes from the archive's
files or from an editor; links of old (``#line-<position>``) still land on the line there now."""

import shutil

import pytest
import yaml

from archive.importer import Importer
from episodes.models import Episode, TranscriptLine
from tests import hostfeeds
from tests.admin_pages import change_form_data, change_url, row_index
from tests.conftest import corpus_snapshot
from tests.pages import clear_archive, get_page, load_snapshot

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures


def uids(episode):
    return list(TranscriptLine.objects.filter(episode=episode).order_by("position").values_list("uid", "text"))


def largest_file(root):
    return max((root / "_podcast").glob("[!_]*.md"), key=lambda path: path.stat().st_size)


def one_episode_site(tmp_path, source_root, path):
    """A site of one real episode file and its people, copied from the corpus into tmp_path."""
    site = tmp_path / "site"
    (site / "_podcast").mkdir(parents=True)
    (site / "_people").mkdir()
    shutil.copy(path, site / "_podcast" / path.name)
    for key in hostfeeds.front_matter(path).get("guests") or ():
        shutil.copy(source_root / "_people" / f"{key}.md", site / "_people" / f"{key}.md")
    return site


def rewrite_transcript(path, change):
    text = path.read_text(encoding="utf-8")
    head, body = text.removeprefix("---\n").split("\n---", 1)
    data = yaml.safe_load(head)
    change(data["transcript"])
    path.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---" + body, "utf-8")


@pytest.mark.corpus
def test_importing_the_same_archive_into_an_empty_database_gives_every_line_its_uid(tmp_path):
    load_snapshot("2026-06", tmp_path / "a")
    first = dict(TranscriptLine.objects.values_list("id", "uid"))
    by_place = {(e, p): u for e, p, u in TranscriptLine.objects.values_list("episode__slug", "position", "uid")}
    for episode in Episode.objects.all():
        lines = TranscriptLine.objects.filter(episode=episode)
        assert lines.values("uid").distinct().count() == lines.count(), episode.slug
    clear_archive()
    load_snapshot("2026-06", tmp_path / "b")
    again = {(e, p): u for e, p, u in TranscriptLine.objects.values_list("episode__slug", "position", "uid")}
    assert again == by_place
    assert len(first) > 25_000


@pytest.mark.corpus
def test_a_changed_file_keeps_the_uids_of_the_lines_it_kept_and_of_the_line_it_corrected(tmp_path):
    root = corpus_snapshot("2026-06")
    path = largest_file(root)
    site = one_episode_site(tmp_path, root, path)
    assert Importer().run([site]).ok
    episode = Episode.objects.get(slug=path.stem)
    before = uids(episode)
    lines = [i for i, item in enumerate(hostfeeds.front_matter(path)["transcript"]) if "line" in item]
    corrected, deleted = lines[40], lines[10]

    def change(transcript):
        transcript[corrected]["line"] = "A corrected line."
        del transcript[deleted]
        transcript.insert(0, {"line": "A new first line.", "who": "Alexey"})

    rewrite_transcript(site / "_podcast" / path.name, change)
    report = Importer().run([site])
    assert report.ok
    assert report.count("updated", "episode") == 1
    after = uids(episode)
    assert len(after) == len(before)  # one deleted, one inserted
    assert after[0][1] == "A new first line."
    assert after[0][0] not in {uid for uid, _ in before}
    kept = [uid for uid, _ in before if uid != before[lines.index(deleted)][0]]
    assert [uid for uid, _ in after[1:]] == kept
    assert dict(after)[before[lines.index(corrected)][0]] == "A corrected line."


def test_an_editors_correction_and_insert_keep_every_other_lines_uid(admin_client, archive):
    episode = archive["first"]
    before = uids(episode)
    data = change_form_data(admin_client.get(change_url(episode)))
    line = TranscriptLine.objects.filter(episode=episode).order_by("position")[2]
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "Corrected by an editor."
    response = admin_client.post(change_url(episode), data)
    assert response.status_code == 302
    after = dict(uids(episode))
    assert after[line.uid] == "Corrected by an editor."
    assert set(after) == {uid for uid, _ in before}


def test_a_line_is_found_by_its_uid_and_by_its_place(client, archive):
    episode = archive["first"]
    page = get_page(client, episode.get_absolute_url())
    for line in TranscriptLine.objects.filter(episode=episode):
        assert f"line-{line.uid}" in page.ids
        assert f"line-{line.position}" in page.ids
        assert f'href="#line-{line.uid}"' in page.raw
