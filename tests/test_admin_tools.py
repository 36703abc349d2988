"""The tools editors use across episodes: find and replace, renaming a speaker, publishing, and
the archive's own .md files downloaded and uploaded."""

import io
import re
import zipfile

import pytest
import yaml

from archive import exporter
from editorial import upload as transfer
from episodes.models import Episode, Section, TranscriptLine
from tests import sites
from tests.admin_pages import FIND, UPLOAD, change_url, form_fields, upload

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def ticked(page):
    return [value for name, value in form_fields(page) if name == "match"]


# --- find and replace ------------------------------------------------------------------------------


def test_find_previews_every_match_in_context(editor_client, archive):
    page = editor_client.get(FIND, {"find": "spark", "replace": "Spark"}).content.decode()
    assert "4 matches in 2 episodes" in page
    assert "<del>spark</del><ins>Spark</ins>" in page
    assert "<del>Spark</del><ins>Spark</ins>" in page
    assert "First episode" in page
    assert "Second episode" in page
    assert "2:00" in page
    assert "Alexey" in page


def test_find_case_sensitive_and_regular_expressions(editor_client, archive):
    page = editor_client.get(FIND, {"find": "spark", "replace": "Spark", "case": "on"}).content.decode()
    assert "1 match in 1 episode" in page
    page = editor_client.get(
        FIND, {"find": r"(\w+) is fast", "replace": r"\1 is quick", "regex": "on"}
    ).content.decode()
    assert "<del>Spark is fast</del><ins>Spark is quick</ins>" in page
    page = editor_client.get(FIND, {"find": "(unclosed", "regex": "on"}).content.decode()
    assert "not a valid regular expression" in page
    page = editor_client.get(FIND, {"find": "(a)", "replace": r"\2", "regex": "on"}).content.decode()
    assert "does not fit the expression" in page


def test_find_in_one_episode_or_the_selected_ones(editor_client, archive):
    first = archive["first"]
    page = editor_client.get(FIND, {"find": "spark", "ids": str(first.pk)}).content.decode()
    assert "2 matches in 1 episode" in page
    assert "this episode: First episode" in page
    response = editor_client.post(
        "/admin/episodes/episode/",
        {"action": "find_and_replace", "_selected_action": [first.pk, archive["second"].pk]},
    )
    assert response.status_code == 302
    assert "ids=" in response["Location"]
    assert "the 2 selected episodes" in editor_client.get(response["Location"]).content.decode()


def test_replace_applies_only_the_ticked_matches_and_records_them(editor_client, archive):
    page = editor_client.get(FIND, {"find": "spark", "replace": "Apache Spark"}).content.decode()
    keys = ticked(page)
    assert len(keys) == 4
    # Leave out the match in the second episode's first line.
    second_line = TranscriptLine.objects.get(text="Hello Bob, tell us about Spark.")
    chosen = [key for key in keys if not key.startswith(f"l{second_line.pk}:")]
    before = Episode.objects.get(slug="second").updated_at
    response = editor_client.post(
        FIND, {"find": "spark", "replace": "Apache Spark", "scope": "all", "match": chosen, "apply": "1"}
    )
    assert response.status_code == 302
    assert (
        TranscriptLine.objects.get(text__startswith="Let us talk").text
        == "Let us talk about Apache Spark and Apache Spark."
    )
    assert TranscriptLine.objects.get(pk=second_line.pk).text == "Hello Bob, tell us about Spark."
    assert TranscriptLine.objects.filter(text="Apache Spark is fast.").exists()
    assert Episode.objects.get(slug="second").updated_at > before
    history = editor_client.get(f"/admin/episodes/episode/{archive['first'].pk}/history/").content.decode()
    assert "Find and replace" in history
    assert "edith" in history


def test_replace_skips_a_line_changed_since_the_preview(editor_client, archive):
    keys = ticked(editor_client.get(FIND, {"find": "physics", "replace": "chemistry"}).content.decode())
    TranscriptLine.objects.filter(text="I started in physics.").update(text="I started in physics, really.")
    editor_client.post(FIND, {"find": "physics", "replace": "chemistry", "match": keys, "apply": "1"})
    assert TranscriptLine.objects.filter(text="I started in physics, really.").exists()


def test_section_titles_are_searched_too(editor_client, archive):
    page = editor_client.get(FIND, {"find": "engineering", "replace": "Engineering", "case": "on"}).content.decode()
    keys = ticked(page)
    assert len(keys) == 1
    assert keys[0].startswith("h")
    editor_client.post(
        FIND, {"find": "engineering", "replace": "Engineering", "case": "on", "match": keys, "apply": "1"}
    )
    assert Section.objects.filter(title="Data Engineering").exists()


# --- rename a speaker, publish ---------------------------------------------------------------------


def test_rename_a_speaker_throughout_an_episode(editor_client, archive):
    episode = archive["first"]
    url = f"/admin/episodes/episode/{episode.pk}/rename-speaker/"
    page = editor_client.get(url).content.decode()
    assert "Ann — 4 lines" in page
    response = editor_client.post(url, {"old": "Ann", "new": "Annie"})
    assert response.status_code == 302
    assert TranscriptLine.objects.filter(episode=episode, speaker="Annie").count() == 4
    assert not TranscriptLine.objects.filter(speaker="Ann").exists()
    assert "Renamed the speaker" in editor_client.get(f"/admin/episodes/episode/{episode.pk}/history/").content.decode()


def test_publish_and_unpublish_actions_and_preview_link(editor_client, archive):
    first = archive["first"]
    editor_client.post("/admin/episodes/episode/", {"action": "unpublish", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert not first.is_published
    page = editor_client.get(change_url(first)).content.decode()
    assert f'href="{first.get_absolute_url()}"' in page
    assert "Preview draft" in page
    editor_client.post("/admin/episodes/episode/", {"action": "publish", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.is_published
    assert "View on site" in editor_client.get(change_url(first)).content.decode()
    history = editor_client.get(f"/admin/episodes/episode/{first.pk}/history/").content.decode()
    assert "Unpublished." in history
    assert "Published." in history


# --- download ----------------------------------------------------------------------------------------


def test_download_one_episode_as_its_file(editor_client, archive):
    episode = archive["first"]
    response = editor_client.post(
        "/admin/episodes/episode/", {"action": "download_md", "_selected_action": [episode.pk]}
    )
    assert response["Content-Disposition"] == 'attachment; filename="first.md"'
    assert response.content.decode() == episode.source  # unchanged: byte for byte
    assert editor_client.get(f"/admin/episodes/episode/{episode.pk}/download/").content == response.content


def test_download_several_episodes_as_a_zip(editor_client, archive):
    TranscriptLine.objects.filter(text="Spark is fast.").update(text="Spark is very fast.")
    ids = [episode.pk for episode in archive.values()]
    response = editor_client.post("/admin/episodes/episode/", {"action": "download_md", "_selected_action": ids})
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive_file:
        assert sorted(archive_file.namelist()) == ["_podcast/first.md", "_podcast/second.md"]
        assert "line: Spark is very fast." in archive_file.read("_podcast/second.md").decode()


# --- upload --------------------------------------------------------------------------------------------


def edited_file(episode, change):
    data, body = exporter.episode_document(episode)
    change(data)
    return sites.text(data, body).encode()


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive_file:
        for name, content in entries.items():
            archive_file.writestr(name, content)
    return buffer.getvalue()


def test_upload_previews_then_imports(editor_client, archive):
    episode = archive["second"]

    def change(data):
        data["title"] = "Second episode, retitled"
        data["transcript"][1]["line"] = "Spark is really fast."

    content = edited_file(episode, change)
    new = sites.text(sites.episode("third", guests=["ann"], title="Third episode")).encode()
    response = upload(editor_client, ("second.md", content), ("third.md", new))
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 created, 1 updated" in page
    # The corrected line with the word it gained marked, and the title's old and new values.
    assert "0:05 Bob: Spark is <ins>really </ins>fast." in page
    assert re.search(
        r"<th scope=\"row\">title</th><td[^>]*>Second episode</td><td[^>]*>Second episode<ins>, retitled</ins>", page
    )
    # Nothing written yet.
    assert not Episode.objects.filter(slug="third").exists()
    assert Episode.objects.get(slug="second").title == "Second episode"
    token = re.search(r'name="token" value="(\w+)"', page).group(1)
    response = editor_client.post(UPLOAD, {"token": token, "confirm": "1"})
    assert response.status_code == 200
    assert Episode.objects.get(slug="second").title == "Second episode, retitled"
    assert TranscriptLine.objects.filter(text="Spark is really fast.").exists()
    assert Episode.objects.filter(slug="third").exists()
    history = editor_client.get(f"/admin/episodes/episode/{episode.pk}/history/").content.decode()
    assert "Imported from an uploaded file (second.md)." in history
    # The token is spent.
    editor_client.post(UPLOAD, {"token": token, "confirm": "1"})
    assert "no longer here" in editor_client.get(UPLOAD).content.decode()


def test_upload_reports_conflicts_and_errors_by_file_and_line(editor_client, archive):
    TranscriptLine.objects.filter(text="Spark is fast.").update(text="Edited in the CMS.")
    conflict = edited_file(archive["second"], lambda data: data.update(title="From the file"))
    broken = b"---\ntitle: Broken\ntranscript:\n- line: [unclosed\n---\n"
    page = upload(editor_client, ("second.md", conflict), ("broken.md", broken)).content.decode()
    assert "conflict" in page
    assert "changed in the CMS since it was last imported" in page
    assert "failed" in page
    assert re.search(r"line \d+: YAML syntax error", page)


def test_upload_of_a_zip_with_people_and_episodes(editor_client, archive):
    person = sites.text(sites.person("cy", title="Cy Young")).encode()
    episode = sites.text(sites.episode("fourth", guests=["cy"], title="Fourth episode")).encode()
    content = zipped({"site/_people/cy.md": person, "site/_podcast/fourth.md": episode, "site/images/x.jpg": b"jpg"})
    page = upload(editor_client, ("site.zip", content)).content.decode()
    assert "People: 1 created" in page
    assert "Episodes: 1 created" in page


def test_upload_refuses_paths_leaving_the_folder_and_too_much(editor_client, archive, monkeypatch):
    content = zipped({"../evil.md": b"---\ntitle: x\n---\n"})
    page = upload(editor_client, ("evil.zip", content)).content.decode()
    assert "leaves its folder" in page
    page = upload(editor_client, ("notes.txt", b"hello")).content.decode()
    assert "only .md files and .zip files" in page
    page = upload(editor_client, ("bad.zip", b"not a zip")).content.decode()
    assert "not a zip file" in page
    monkeypatch.setattr(transfer, "MAX_FILES", 2)
    many = zipped({f"_podcast/e{n}.md": b"---\ntitle: x\n---\n" for n in range(3)})
    assert "at most 2 are accepted" in upload(editor_client, ("many.zip", many)).content.decode()
    monkeypatch.setattr(transfer, "MAX_UPLOAD_BYTES", 10)
    assert (
        "at most 10 are accepted" in upload(editor_client, ("a.md", b"---\ntitle: long enough\n---\n")).content.decode()
    )
    assert not Episode.objects.filter(title="x").exists()


def test_uploaded_file_round_trips_through_the_download(editor_client, archive):
    episode = archive["first"]
    TranscriptLine.objects.filter(episode=episode, text="Mismatched.").update(text="Matched now.")
    downloaded = editor_client.get(f"/admin/episodes/episode/{episode.pk}/download/").content
    assert yaml.safe_load(downloaded.decode().split("---")[1])["title"] == "First episode"
    page = upload(editor_client, ("first.md", downloaded), force="on").content.decode()
    assert "1 updated" in page or "1 unchanged" in page


def test_an_upload_waits_for_the_session_that_previewed_it(editor_client, archive, django_user_model):
    from django.test import Client

    page = upload(
        editor_client, ("third.md", sites.text(sites.episode("third", guests=["ann"])).encode())
    ).content.decode()
    token = re.search(r'name="token" value="(\w+)"', page).group(1)
    someone_else = Client()
    someone_else.force_login(django_user_model.objects.create_superuser("root", "", "pw"))
    someone_else.post(UPLOAD, {"token": token, "confirm": "1"})
    assert not Episode.objects.filter(slug="third").exists()
    # The editor cancels: the files are dropped, and a later confirmation finds nothing.
    response = editor_client.post(UPLOAD, {"token": token, "cancel": "1"}, follow=True)
    assert "Upload cancelled" in response.content.decode()
    editor_client.post(UPLOAD, {"token": token, "confirm": "1"})
    assert not Episode.objects.filter(slug="third").exists()


def test_an_upload_of_the_whole_site_can_remove_what_it_does_not_hold(editor_client, archive, client):
    # Only "first" and its guest are in the upload: "second", and Bob who is only in it, go.
    first = edited_file(archive["first"], lambda data: None)
    ann = sites.text(sites.person("ann", title="Ann Lee")).encode()
    content = zipped({"site/_people/ann.md": ann, "site/_podcast/first.md": first})
    page = upload(editor_client, ("site.zip", content), prune="on").content.decode()
    assert "Episodes: 0 created" in page
    assert "1 removed" in page
    assert "_podcast/second.md" in page  # the file that is gone, named as the site names it
    assert Episode.objects.filter(slug="second").exists()  # a preview removes nothing
    token = re.search(r'name="token" value="(\w+)"', page).group(1)
    editor_client.post(UPLOAD, {"token": token, "confirm": "1", "prune": "on"})
    assert not Episode.objects.filter(slug="second").exists()
    assert client.get("/podcast/second/").status_code == 410
    recover = editor_client.get("/admin/episodes/episode/recover/").content.decode()
    assert "Second episode" in recover  # its last version is in the history
