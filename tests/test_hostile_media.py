"""Files built to run as the site: an upload into a cover or a picture must be an image by its
content, and media is served so that nothing in it can act as a page of the site."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from episodes.models import Episode, Guest
from tests.admin_pages import change_form_data, change_url

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db

# The first bytes of each kind accepted, with some body after them.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)
GIF = b"GIF89a\x01\x00\x01\x00" + bytes(64)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)

SCRIPT = b"<script>alert(document.cookie)</script>"
HOSTILE = {
    "page.html": b"<!doctype html><html><body>" + SCRIPT,
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">' + SCRIPT + b"</svg>",
    "cover.jpg": b"<html>" + SCRIPT,  # an image's name, a page's content
    "cover.png": b"  \n<svg xmlns='http://www.w3.org/2000/svg'>" + SCRIPT,
    "cover.gif": b"GIF8" + SCRIPT,  # half a signature
    "archive.jpg": b"PK\x03\x04" + bytes(64),
}


def zipped_html():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", SCRIPT)
    return buffer.getvalue()


def upload_cover(client, episode, name, content):
    data = change_form_data(client.get(change_url(episode)))
    data["image"] = SimpleUploadedFile(name, content, "image/jpeg")
    return client.post(change_url(episode), data)


def upload_picture(client, guest, name, content):
    url = reverse("admin:episodes_guest_change", args=[guest.pk])
    data = change_form_data(client.get(url), form_id="guest_form")
    data["picture"] = SimpleUploadedFile(name, content, "image/jpeg")
    return client.post(url, data)


# --- uploads -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_a_cover_that_is_not_an_image_is_refused_with_a_sentence(editor_client, archive, media_root, name):
    episode = archive["first"]
    before = Episode.objects.get(pk=episode.pk).image.name
    response = upload_cover(editor_client, episode, name, HOSTILE[name])
    assert response.status_code == 200  # the form again, with the error
    assert f"The cover image must be a JPEG, PNG, GIF or WebP image; “{name}” is not one." in response.content.decode()
    assert Episode.objects.get(pk=episode.pk).image.name == before
    assert not list(media_root.rglob(name))


def test_a_zip_named_like_an_image_is_refused(editor_client, archive):
    response = upload_cover(editor_client, archive["first"], "cover.jpg", zipped_html())
    assert "is not one." in response.content.decode()


@pytest.mark.parametrize(
    "name, content, kind, wanted",
    [
        ("cover.png", JPEG, "JPEG", ".jpg or .jpeg"),
        ("cover.jpg", PNG, "PNG", ".png"),
        ("cover.gif", WEBP, "WebP", ".webp"),
    ],
)
def test_an_image_under_another_kinds_name_is_refused(editor_client, archive, name, content, kind, wanted):
    text = upload_cover(editor_client, archive["first"], name, content).content.decode()
    assert f"The cover image “{name}” is a {kind} image; give it a name ending in {wanted}." in text


@pytest.mark.parametrize(
    "name, content", [("new.jpg", JPEG), ("new.JPEG", JPEG), ("new.png", PNG), ("new.gif", GIF), ("new.webp", WEBP)]
)
def test_an_image_of_each_kind_is_accepted(editor_client, archive, media_root, name, content):
    response = upload_cover(editor_client, archive["first"], name, content)
    assert response.status_code == 302, response.content.decode()[-3000:]
    stored = Episode.objects.get(pk=archive["first"].pk).image
    assert stored.name.startswith("images/podcast/new")
    assert (media_root / stored.name).read_bytes() == content


def test_a_person_picture_that_is_not_an_image_is_refused(editor_client, archive):
    guest = Guest.objects.get(short="ann")
    response = upload_picture(editor_client, guest, "me.svg", HOSTILE["drawing.svg"])
    assert "The picture must be a JPEG, PNG, GIF or WebP image; “me.svg” is not one." in response.content.decode()
    assert Guest.objects.get(pk=guest.pk).picture.name == "images/authors/ann.jpg"


def test_a_person_picture_that_is_an_image_is_accepted(editor_client, archive):
    guest = Guest.objects.get(short="ann")
    assert upload_picture(editor_client, guest, "me.png", PNG).status_code == 302
    assert Guest.objects.get(pk=guest.pk).picture.name.startswith("images/authors/me")


def test_saving_an_episode_does_not_read_its_stored_cover(editor_client, archive, media_root):
    # The archive's covers are checked by nobody; a missing or odd one never blocks a save.
    (media_root / archive["first"].image.name).write_bytes(b"not an image at all")
    data = change_form_data(editor_client.get(change_url(archive["first"])))
    data["title"] = "First episode, retitled"
    assert editor_client.post(change_url(archive["first"]), data).status_code == 302


# --- serving -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["page.html", "drawing.svg", "notes.txt", "data.json", "no-extension"])
def test_media_that_is_not_an_image_is_downloaded_never_shown(media_client, media_root, name):
    (media_root / name).write_bytes(b"<html>" + SCRIPT)
    response = media_client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    "name, content, content_type",
    [
        ("a.jpg", JPEG, "image/jpeg"),
        ("a.png", PNG, "image/png"),
        ("a.gif", GIF, "image/gif"),
        ("a.webp", WEBP, "image/webp"),
    ],
)
def test_an_image_is_shown_with_a_policy_that_runs_nothing(media_client, media_root, name, content, content_type):
    (media_root / name).write_bytes(content)
    response = media_client.get(f"/media/{name}")
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'inline; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_revalidated_image_keeps_being_shown(media_client, media_root):
    (media_root / "a.jpg").write_bytes(JPEG)
    first = media_client.get("/media/a.jpg")
    again = media_client.get("/media/a.jpg", headers={"if-modified-since": first["Last-Modified"]})
    assert again.status_code == 304
    assert "Content-Disposition" not in again  # a 304's headers replace the cached ones
