"""Public pages published as files for nginx: the bytes the app serves, rewritten after each
change for the pages it touches, never older than what is there, and nothing left behind."""

import errno
import gzip
import logging
import re

import pytest
from django.core.management import call_command
from django.test import Client

from archive.importer import Importer
from episodes import publishing, views
from episodes.caching import current_version
from episodes.models import Episode, Guest
from episodes.publishing.folder import Folder, UnsafeAddress, file_for
from episodes.publishing.hooks import check_origin
from episodes.publishing.pages import Snapshot, plan_all
from episodes.publishing.render import Renderer
from tests import sites
from tests.admin_pages import change_form_data, change_url
from tests.publishing import (
    assert_all_published_as_served,
    assert_published_as_served,
    files,
    rewritten,
)

pytest_plugins = ["tests.admin_fixtures", "tests.publish_fixtures"]
pytestmark = pytest.mark.django_db

SHARED = {
    "index.html",
    "podcast/index.html",
    "podcast/feed.xml",
    "podcast/episodes.xml",
    "people/index.html",
    "sitemap.xml",
}
# The shared pages that show an episode's title.
SHOW_TITLES = SHARED - {"people/index.html", "sitemap.xml"}


def pages(names):
    return {name for name in names if not name.endswith(".gz")}


def test_every_public_page_is_published_as_the_app_serves_it(published, publish_root):
    names = pages(files(publish_root))
    assert "podcast/first/index.html" in names and "podcast/first/transcript.vtt" in names
    assert "people/ann/index.html" in names and SHARED <= names
    assert_all_published_as_served(publish_root)


def test_an_admin_save_rewrites_the_episode_its_neighbour_lists_and_people(
    published, publish_root, editor_client, django_capture_on_commit_callbacks
):
    episode = published["first"]
    before = files(publish_root)
    data = change_form_data(editor_client.get(change_url(episode)))
    data["title"] = "The very first episode"
    with django_capture_on_commit_callbacks(execute=True):
        assert editor_client.post(change_url(episode), data).status_code == 302
    changed = pages(rewritten(before, files(publish_root)))
    # Every page that names the episode: its own, its neighbour's, its guest's, the lists, the feeds.
    assert {"podcast/first/index.html", "podcast/second/index.html", "people/ann/index.html"} | SHOW_TITLES <= changed
    # The third episode and Bob's page show nothing of the first.
    assert not changed & {"podcast/third/index.html", "people/bob/index.html"}
    assert b"The very first episode" in (publish_root / "podcast/first/index.html").read_bytes()
    assert_all_published_as_served(publish_root)


def test_a_person_change_rewrites_their_page_and_their_episodes(
    published, publish_root, django_capture_on_commit_callbacks
):
    before = files(publish_root)
    bob = Guest.objects.get(short="bob")
    bob.title = "Robert Stone"
    with django_capture_on_commit_callbacks(execute=True):
        bob.save()
    changed = pages(rewritten(before, files(publish_root)))
    assert {"people/bob/index.html", "podcast/second/index.html", "podcast/third/index.html"} <= changed
    assert "people/ann/index.html" not in changed
    assert b"Robert Stone" in (publish_root / "podcast/third/index.html").read_bytes()


def test_unpublishing_removes_the_episode_files(
    published, publish_root, editor_client, django_capture_on_commit_callbacks
):
    first = published["first"]
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post("/admin/episodes/episode/", {"action": "unpublish", "_selected_action": [first.pk]})
    assert not [name for name in files(publish_root) if name.startswith("podcast/first/")]
    assert b"First episode" not in (publish_root / "podcast/index.html").read_bytes()
    assert b"First episode" not in (publish_root / "people/ann/index.html").read_bytes()


def test_deleting_removes_the_episode_files(published, publish_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        published["second"].delete()
    assert not [name for name in files(publish_root) if name.startswith("podcast/second/")]
    assert b"Second episode" not in (publish_root / "podcast/feed.xml").read_bytes()
    # The neighbours link to each other now.
    assert b"/podcast/third/" in (publish_root / "podcast/first/index.html").read_bytes()


def test_a_rename_leaves_no_file_at_the_old_address(published, publish_root, django_capture_on_commit_callbacks):
    episode = published["third"]
    episode.slug = "third-renamed"
    with django_capture_on_commit_callbacks(execute=True):
        episode.save()
    names = files(publish_root)
    assert not [name for name in names if name.startswith("podcast/third/")]
    assert "podcast/third-renamed/index.html" in names
    # nginx finds no file there and asks the app, which redirects.
    assert served_status("/podcast/third/") == 301
    assert_published_as_served(publish_root, "/podcast/third-renamed/")


def served_status(path):
    return Client().get(path).status_code


def test_an_older_render_never_replaces_a_newer_page(tmp_path):
    folder = Folder(tmp_path)
    newer, older = "7.66192342ab000", "6.66192342aa000"
    with folder.locked() as published:
        assert published.put("podcast/x/index.html", b"newer", None, newer)
    with folder.locked() as published:
        assert not published.put("podcast/x/index.html", b"older", None, older)
        assert not published.drop("podcast/x/index.html", older)
    assert (tmp_path / "podcast/x/index.html").read_bytes() == b"newer"
    # Written by renaming a temporary file: none is left behind.
    assert sorted(path.name for path in (tmp_path / "podcast/x").iterdir()) == ["index.html"]


def test_a_page_that_fails_to_render_keeps_its_file_and_the_change_commits(
    published, publish_root, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    page = publish_root / "podcast/first/index.html"
    old = page.read_bytes()

    def broken(cls, *args):
        raise RuntimeError("a rendering bug")

    monkeypatch.setattr(views.Transcript, "from_rows", classmethod(broken))
    episode = published["first"]
    episode.title = "Retitled"
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        episode.save()
    assert Episode.objects.get(pk=episode.pk).title == "Retitled"
    assert page.read_bytes() == old
    assert "/podcast/first/" in caplog.text and "left as it was" in caplog.text
    assert b"Retitled" in (publish_root / "podcast/index.html").read_bytes()


def test_a_page_that_failed_is_written_by_the_next_publish(
    published, publish_root, monkeypatch, django_capture_on_commit_callbacks
):
    page = publish_root / "podcast/first/index.html"
    with monkeypatch.context() as broken:
        broken.setattr(views.Transcript, "from_rows", classmethod(lambda cls, *args: 1 / 0))
        episode = published["first"]
        episode.title = "Retitled"
        with django_capture_on_commit_callbacks(execute=True):
            episode.save()
    assert b"Retitled" not in page.read_bytes()
    # The next change, to an episode that is not its neighbour, writes the page that failed too.
    other = published["third"]
    other.title = "Also retitled"
    with django_capture_on_commit_callbacks(execute=True):
        other.save()
    assert b"Retitled" in page.read_bytes()
    assert b"Also retitled" in (publish_root / "podcast/third/index.html").read_bytes()


def test_an_unwritable_folder_is_logged_and_no_visitor_gets_a_500(
    published, settings, tmp_path, client, caplog, django_capture_on_commit_callbacks
):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings.PODCAST_PUBLISH_ROOT = str(blocked / "public")
    episode = published["first"]
    episode.title = "Saved anyway"
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        episode.save()
    assert "cannot be written" in caplog.text and str(blocked / "public") in caplog.text
    assert b"Saved anyway" in client.get("/podcast/first/").content


def test_publish_site_check_lists_a_changed_and_a_stale_file(published, publish_root, capsys):
    call_command("publish_site", "--check")  # everything as the app serves it: exits 0
    (publish_root / "podcast/first/transcript.txt").write_bytes(b"edited by hand")
    (publish_root / "podcast/gone").mkdir()
    (publish_root / "podcast/gone/index.html").write_bytes(b"left behind")
    with pytest.raises(SystemExit) as exit:
        call_command("publish_site", "--check")
    assert exit.value.code == 1
    out = capsys.readouterr().out
    assert "podcast/first/transcript.txt: differs" in out and "podcast/gone/index.html: stale" in out


def test_publish_site_removes_files_of_pages_that_no_longer_exist(published, publish_root):
    (publish_root / "podcast/gone").mkdir()
    (publish_root / "podcast/gone/index.html").write_bytes(b"left behind")
    call_command("publish_site")
    assert not (publish_root / "podcast/gone/index.html").exists()


# Committed for real: the error is said by the request whose commit published.
@pytest.mark.django_db(transaction=True)
def test_an_unwritable_folder_is_an_error_in_the_admin(published, settings, tmp_path, editor_client):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    settings.PODCAST_PUBLISH_ROOT = str(blocked / "public")
    episode = published["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    data["title"] = "Saved anyway"
    response = editor_client.post(change_url(episode), data, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "cannot be written" in text and "the change is saved" in text


@pytest.mark.django_db(transaction=True)
def test_a_full_disk_is_an_error_in_the_admin_and_leaves_no_page_half_new(
    published, publish_root, editor_client, client, monkeypatch
):
    page = publish_root / "podcast/first/index.html"
    write = Folder._write

    def full(target, content):
        if target.name.endswith(".gz"):
            raise OSError(errno.ENOSPC, "No space left on device")
        write(target, content)

    episode = published["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    data["title"] = "Saved on a full disk"
    with monkeypatch.context() as disk:
        disk.setattr(Folder, "_write", staticmethod(full))
        response = editor_client.post(change_url(episode), data, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "cannot be written" in text and "No space left on device" in text and "the change is saved" in text
    assert Episode.objects.get(pk=episode.pk).title == "Saved on a full disk"
    # The first page written has no gzip copy of its old self beside it; no page is half new and
    # nothing is half written.
    home = publish_root / "index.html"
    assert b"Saved on a full disk" in home.read_bytes() and not home.with_name("index.html.gz").exists()
    for gz in publish_root.rglob("*.gz"):
        assert gzip.decompress(gz.read_bytes()) == gz.with_name(gz.name[:-3]).read_bytes(), gz
    assert not list(publish_root.rglob(".tmp-*"))
    assert b"Saved on a full disk" in client.get("/podcast/first/").content
    # Room again: the next change writes what the full disk left out.
    episode.refresh_from_db()
    episode.title = "And after"
    episode.save()
    assert b"And after" in page.read_bytes()
    assert_all_published_as_served(publish_root)


def test_a_change_before_the_first_publish_site_writes_nothing(
    publish_root, committed_archive, caplog, django_capture_on_commit_callbacks
):
    episode = committed_archive["first"]
    episode.title = "Not yet published"
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        episode.save()
    assert not files(publish_root)
    assert "publish_site" in caplog.text


def test_a_slow_publish_of_an_older_version_does_not_overwrite_a_newer_one(
    published, publish_root, django_capture_on_commit_callbacks
):
    older = current_version()
    slow = plan_all(Snapshot.now())  # made, then overtaken by a change published before it writes
    slow.version = older
    episode = published["first"]
    episode.title = "Newer title"
    with django_capture_on_commit_callbacks(execute=True):
        episode.save()
    result = publishing.publish(slow)
    assert "podcast/first/index.html" in result.skipped
    assert b"Newer title" in (publish_root / "podcast/first/index.html").read_bytes()


def test_an_import_rewrites_the_pages_of_the_file_it_changed(
    published, publish_root, tmp_path, django_capture_on_commit_callbacks
):
    incoming = sites.write_site(
        tmp_path / "incoming",
        episodes=[sites.episode("second", guests=["bob"], season=2, episode=1, title="Second episode, imported")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        report = Importer().run([incoming / "_podcast" / "second.md"])
    assert [outcome.status for outcome in report.outcomes] == ["updated"]
    assert b"Second episode, imported" in (publish_root / "podcast/second/index.html").read_bytes()
    assert_all_published_as_served(publish_root)


def test_find_and_replace_rewrites_the_transcripts_it_changed(
    published, publish_root, editor_client, django_capture_on_commit_callbacks
):
    find = "/admin/episodes/episode/find-replace/"
    asked = {"find": "physics", "replace": "chemistry"}
    preview = editor_client.get(find, asked).content.decode()
    matches = re.findall(r'name="match" value="([^"]+)"', preview)
    assert matches
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(find, {**asked, "scope": "all", "match": matches, "apply": "1"})
    assert b"I started in chemistry." in (publish_root / "podcast/first/transcript.txt").read_bytes()
    assert_all_published_as_served(publish_root)


@pytest.mark.parametrize("address", ["/podcast/../", "/podcast/%2e%2e/", "/podcast/.publish/", "/people/.hidden/"])
def test_an_address_that_names_no_file_of_the_folder_is_not_published(address):
    with pytest.raises(UnsafeAddress):
        file_for(address)


@pytest.mark.parametrize(
    "origin, allowed, refused",
    [
        ("https://podcast.example.org", ["podcast.example.org"], False),
        ("http://127.0.0.1:8000", ["localhost", "127.0.0.1"], False),
        ("https://podcast.example.org", [".example.org"], False),
        ("http://localhost", ["podcast.example.org"], True),  # PUBLISH_ORIGIN left as it comes
        ("https://other.example.net:8443", ["podcast.example.org"], True),
    ],
)
def test_a_publish_origin_the_site_would_refuse_stops_the_start(settings, tmp_path, origin, allowed, refused):
    settings.PODCAST_PUBLISH_ROOT = str(tmp_path)
    settings.PODCAST_PUBLISH_ORIGIN = origin
    settings.ALLOWED_HOSTS = allowed
    settings.DEBUG = False
    found = [message.id for message in check_origin()]
    assert found == (["episodes.E002"] if refused else [])


def test_no_publish_folder_no_origin_to_check(settings):
    settings.PODCAST_PUBLISH_ROOT = ""
    settings.ALLOWED_HOSTS = []
    assert check_origin() == []


def test_a_lines_correction_does_not_render_the_neighbours_pages_again(
    published, publish_root, editor_client, django_capture_on_commit_callbacks, monkeypatch
):
    rendered = []
    render = Renderer.render
    monkeypatch.setattr(Renderer, "render", lambda self, path: rendered.append(path) or render(self, path))

    def save(episode, change):
        data = change_form_data(editor_client.get(change_url(episode)))
        change(data)
        rendered.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert editor_client.post(change_url(episode), data).status_code == 302
        return set(rendered)

    def correct(data):
        data[next(name for name, value in data.items() if value == "I started in physics.")] = "In chemistry."

    def retitle(data):
        data["title"] = "The second, retitled"

    neighbours = {"/podcast/first/", "/podcast/third/"}
    done = save(published["second"], correct)
    assert {"/podcast/second/", "/podcast/second/transcript.vtt"} <= done
    # The pages before and after it in the list link to it by its title, which is the same.
    assert not done & neighbours
    assert neighbours <= save(published["second"], retitle)
    assert_all_published_as_served(publish_root)
