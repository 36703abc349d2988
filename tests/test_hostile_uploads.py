"""The folder where .md uploads wait between preview and confirmation, against another local user:
it is private or refused, and files changed in it after the preview are never imported."""

import json
import os
import re
import time

import pytest

from editorial import upload as transfer
from episodes.models import Episode
from tests import sites
from tests.admin_pages import UPLOAD, upload

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def new_episode(slug="third", title="Third episode"):
    return (f"{slug}.md", sites.text(sites.episode(slug, guests=["ann"], title=title)).encode())


def preview(client, *files):
    page = upload(client, *(files or [new_episode()])).content.decode()
    match = re.search(r'name="token" value="(\w+)"', page)
    assert match, page[-3000:]
    return match.group(1)


def confirm(client, token):
    return client.post(UPLOAD, {"token": token, "confirm": "1"}, follow=True).content.decode()


def staged_folder(upload_dir):
    (folder,) = [entry for entry in upload_dir.iterdir() if entry.is_dir()]
    return folder


# --- the folder ----------------------------------------------------------------------------------------


def test_the_upload_folder_is_made_private(editor_client, archive, upload_dir):
    preview(editor_client)
    assert upload_dir.stat().st_mode & 0o777 == 0o700
    assert staged_folder(upload_dir).stat().st_mode & 0o777 == 0o700
    assert all(path.stat().st_mode & 0o777 == 0o600 for path in staged_folder(upload_dir).iterdir())


def test_a_world_writable_upload_folder_of_ours_is_made_private(editor_client, archive, upload_dir):
    upload_dir.mkdir()
    upload_dir.chmod(0o777)
    preview(editor_client)
    assert upload_dir.stat().st_mode & 0o777 == 0o700


def test_an_upload_folder_of_another_user_is_refused_on_the_form(editor_client, archive, upload_dir, monkeypatch):
    upload_dir.mkdir()
    upload_dir.chmod(0o777)
    owner = upload_dir.stat().st_uid
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # the app runs as someone else
    response = upload(editor_client, new_episode())
    assert response.status_code == 200
    text = response.content.decode()
    assert f"The upload folder {upload_dir} belongs to another user, so it is not used" in text
    assert "ADMIN_UPLOAD_DIR" in text
    assert upload_dir.stat().st_mode & 0o777 == 0o777  # not ours to change
    assert list(upload_dir.iterdir()) == []


def test_an_upload_folder_that_is_a_file_is_refused(editor_client, archive, upload_dir):
    upload_dir.write_text("not a folder")
    text = upload(editor_client, new_episode()).content.decode()
    assert f"The upload folder {upload_dir} cannot be used" in text


def test_old_entries_that_are_not_uploads_are_left_alone(editor_client, archive, upload_dir):
    upload_dir.mkdir(mode=0o700)
    other = upload_dir / "someone-elses-notes.txt"
    other.write_text("keep me")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(other, (two_days_ago, two_days_ago))
    preview(editor_client)
    assert other.read_text() == "keep me"


# --- the files -----------------------------------------------------------------------------------------


def test_a_file_swapped_after_the_preview_is_not_imported(editor_client, archive, upload_dir):
    token = preview(editor_client)
    swapped = new_episode(title="Swapped in")[1]
    (staged_folder(upload_dir) / "0.md").write_bytes(swapped)
    text = confirm(editor_client, token)
    assert "The files of that upload were changed after the preview, so nothing was imported" in text
    assert not Episode.objects.filter(slug="third").exists()
    # And the changed files are gone: confirming again finds nothing.
    assert "no longer here" in confirm(editor_client, token)


def test_a_swapped_file_with_a_manifest_to_match_is_not_imported(editor_client, archive, upload_dir):
    token = preview(editor_client)
    folder = staged_folder(upload_dir)
    swapped = new_episode(title="Swapped in")[1]
    (folder / "0.md").write_bytes(swapped)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest[0]["sha256"] = transfer._digest(swapped)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert "changed after the preview" in confirm(editor_client, token)
    assert not Episode.objects.filter(slug="third").exists()


def test_a_file_added_to_the_manifest_is_not_imported(editor_client, archive, upload_dir):
    token = preview(editor_client)
    folder = staged_folder(upload_dir)
    manifest = json.loads((folder / "manifest.json").read_text())
    extra = new_episode("fourth")[1]
    (folder / "1.md").write_bytes(extra)
    manifest.append({"name": "fourth.md", "kind": "episode", "sha256": transfer._digest(extra)})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert "changed after the preview" in confirm(editor_client, token)
    assert not Episode.objects.filter(slug__in=["third", "fourth"]).exists()


def test_the_files_previewed_are_the_files_imported(editor_client, archive, upload_dir):
    token = preview(editor_client, new_episode(), new_episode("fourth", title="Fourth episode"))
    confirm(editor_client, token)
    assert set(Episode.objects.filter(slug__in=["third", "fourth"]).values_list("title", flat=True)) == {
        "Third episode",
        "Fourth episode",
    }
