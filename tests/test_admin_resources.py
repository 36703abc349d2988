"""Tabular import and export (django-import-export) of episode and people metadata, with the
preview-and-confirm step."""

import re

import pytest
import tablib

from editorial.resources import EpisodeResource, GuestResource
from episodes.models import Episode, Guest

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def test_export_has_the_metadata_columns(archive):
    dataset = EpisodeResource().export()
    assert dataset.headers[:3] == ["slug", "title", "short_title"]
    row = dict(zip(dataset.headers, dataset[[r[0] for r in dataset].index("first")]))
    assert row["guests"] == "ann"
    assert row["title"] == "First episode"
    assert "source" not in dataset.headers
    assert "transcript" not in dataset.headers
    assert GuestResource().export().headers[:2] == ["short", "title"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "yaml"])
def test_admin_offers_the_tabular_formats(editor_client, archive, fmt):
    for url in ("/admin/episodes/episode/export/", "/admin/episodes/episode/import/", "/admin/episodes/guest/import/"):
        assert f">{fmt}</option>" in editor_client.get(url).content.decode()
    exported = EpisodeResource().export().export(fmt)
    if fmt == "xlsx":
        assert exported[:2] == b"PK"
    else:
        assert "First episode" in exported


def import_through_admin(client, url, dataset, fmt_index=0):
    handle = tablib.Dataset(*dataset[1:], headers=dataset[0]).export("csv").encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        url, {"import_file": SimpleUploadedFile("rows.csv", handle, "text/csv"), "format": fmt_index, "resource": 0}
    )
    return page


def test_import_previews_then_confirms(editor_client, archive):
    exported = EpisodeResource().export()
    rows = [exported.headers] + [list(row) for row in exported]
    slug_at, title_at = rows[0].index("slug"), rows[0].index("title")
    for row in rows[1:]:
        if row[slug_at] == "first":
            row[title_at] = "First episode, better title"
    page = import_through_admin(editor_client, "/admin/episodes/episode/import/", rows)
    text = page.content.decode()
    assert page.status_code == 200, text[:2000]
    # The preview, as a diff.
    assert "better title" in text
    assert "Update" in text
    assert Episode.objects.get(slug="first").title == "First episode"
    confirm = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', text)}
    response = editor_client.post("/admin/episodes/episode/process_import/", confirm)
    assert response.status_code == 302, response.content.decode()[:2000]
    episode = Episode.objects.get(slug="first")
    assert episode.title == "First episode, better title"
    assert Episode.objects.get(slug="second").title == "Second episode"
    assert episode.appearances.count() == 1  # guests are not touched by the spreadsheet
    history = editor_client.get(f"/admin/episodes/episode/{episode.pk}/history/").content.decode()
    assert "Imported from a spreadsheet." in history


def test_people_import(editor_client, archive):
    rows = [
        ["short", "title", "bio_short", "linkedin", "twitter", "github", "web"],
        ["ann", "Ann Lee-Smith", "", "", "", "", ""],
    ]
    text = import_through_admin(editor_client, "/admin/episodes/guest/import/", rows).content.decode()
    confirm = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', text)}
    editor_client.post("/admin/episodes/guest/process_import/", confirm)
    assert Guest.objects.get(short="ann").title == "Ann Lee-Smith"
