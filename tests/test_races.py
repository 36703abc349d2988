"""Nothing an editor saved is lost to a write that ran at the same moment: an import, an upload or
a spreadsheet import racing an editor's save, and two imports at once.

Each race is played with two real connections: the editor's save is held open inside its
transaction (its rows locked, as a real save holds them until it commits) while the other
writer runs in a thread of its own; then the save commits. These tests commit, so they run
outside the test's transaction, on both databases (SQLite through a database file, see
settings).
"""

import threading
import time

import pytest
import tablib
from django.db import connection, transaction
from django.test import Client

from archive import batch
from archive.importer import Importer
from archive.report import SyncError
from editorial import upload as transfer
from editorial.resources import EpisodeResource
from editorial.transcript.formset import TranscriptFormSet
from episodes.models import Episode, TranscriptLine
from tests import sites
from tests.admin_pages import change_form_data, change_url, row_index

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db(transaction=True)

# How long the other writer is given to reach the editor's lock; it must still be waiting then.
SETTLE = 0.5
CORRECTED = "Tell us about yourself, please."


class Paused:
    """Runs ``action`` in a thread of its own, and lets the test hold it at one point."""

    def __init__(self):
        self.reached = threading.Event()
        self.go = threading.Event()
        self.error = None

    def hold(self):
        """Called by the action at the point to hold it: the test lets it go on."""
        self.reached.set()
        assert self.go.wait(30), "the test never let the paused writer go on"

    def start(self, action):
        def run():
            try:
                action()
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                self.error = exc
            finally:
                self.reached.set()
                connection.close()  # this thread's own connection

        self.thread = threading.Thread(target=run)
        self.thread.start()
        assert self.reached.wait(30)
        if self.error is not None:
            raise self.error

    def finish(self):
        self.go.set()
        self.thread.join(30)
        if self.error is not None:
            raise self.error


class Background:
    """Another writer in a thread of its own; ``result`` once it is done."""

    def __init__(self, action):
        self.result = self.error = None

        def run():
            try:
                self.result = action()
            except BaseException as exc:  # noqa: BLE001 - handed to the test
                self.error = exc
            finally:
                connection.close()

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def waiting(self):
        time.sleep(SETTLE)
        return self.thread.is_alive()

    def join(self):
        self.thread.join(60)
        assert not self.thread.is_alive(), "the writer never finished"
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def site(tmp_path):
    episodes = [sites.episode("first"), sites.episode("second", episode=2)]
    return sites.write_site(tmp_path / "site", people=[sites.person("ann")], episodes=episodes)


@pytest.fixture
def imported(site):
    report = Importer().run([site])
    assert report.ok
    return site


@pytest.fixture
def editing_client(editor, upload_dir):
    client = Client()
    client.force_login(editor)
    return client


def editor_save_held(client, monkeypatch, paused, **fields):
    """The editor corrects a line of ``first`` (and any ``fields`` of the form) through the change
    page; the save is held after its rows are written, before its transaction commits."""
    episode = Episode.objects.get(slug="first")
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    data = change_form_data(client.get(change_url(episode)))
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = CORRECTED
    data.update(fields)
    save = TranscriptFormSet.save

    def save_then_hold(formset):
        written = save(formset)
        paused.hold()
        return written

    monkeypatch.setattr(TranscriptFormSet, "save", save_then_hold)

    def post():
        response = client.post(change_url(episode), data)
        assert response.status_code == 302, response.content.decode()[:2000]

    paused.start(post)
    return line


def import_held(site, monkeypatch):
    """An import of ``site`` in a thread of its own, held once it has written ``first`` (its
    rows locked, its transaction open); ``finish()`` lets it commit."""
    paused = Paused()
    write = Importer._episode

    def write_then_hold(importer, *args):
        result = write(importer, *args)
        paused.hold()
        return result

    monkeypatch.setattr(Importer, "_episode", write_then_hold)
    paused.start(lambda: Importer().run([site]))
    return paused


def changed_file(site, title="A title from git"):
    sites.write(site / "_podcast/first.md", sites.episode("first", title=title))


def assert_correction_kept(line):
    line.refresh_from_db()
    assert line.text == CORRECTED


def test_an_import_racing_an_editors_save_reports_a_conflict_and_keeps_the_save(imported, editing_client, monkeypatch):
    paused = Paused()
    line = editor_save_held(editing_client, monkeypatch, paused)
    changed_file(imported)
    other = Background(lambda: Importer().run([imported]))
    assert other.waiting()  # on the editor's lock
    paused.finish()
    report = other.join()
    outcome = next(o for o in report.outcomes if o.key == "first")
    assert outcome.status == "conflict"
    assert_correction_kept(line)
    assert Episode.objects.get(slug="first").title == "Episode first"


def test_an_upload_racing_an_editors_save_reports_a_conflict_and_keeps_the_save(
    imported, editing_client, editor, monkeypatch
):
    paused = Paused()
    line = editor_save_held(editing_client, monkeypatch, paused)
    upload = [
        transfer.UploadedFile("first.md", "episode", sites.text(sites.episode("first", title="Uploaded")).encode())
    ]
    other = Background(lambda: transfer.run(upload, user=editor))
    assert other.waiting()
    paused.finish()
    report = other.join()
    assert [o.status for o in report.outcomes] == ["conflict"]
    assert_correction_kept(line)
    assert Episode.objects.get(slug="first").title == "Episode first"


def test_a_spreadsheet_import_racing_an_editors_save_keeps_what_the_editor_saved(
    imported, editing_client, editor, monkeypatch
):
    # The spreadsheet changes the title; the editor the intro and a line. Both stay.
    paused = Paused()
    line = editor_save_held(editing_client, monkeypatch, paused, intro="An intro the editor wrote.")
    dataset = tablib.Dataset(headers=["slug", "title"])
    dataset.append(["first", "Title from the spreadsheet"])
    other = Background(
        lambda: EpisodeResource().import_data(dataset, dry_run=False, use_transactions=True, user=editor)
    )
    assert other.waiting()
    paused.finish()
    result = other.join()
    assert not result.has_errors()
    episode = Episode.objects.get(slug="first")
    assert episode.title == "Title from the spreadsheet"
    assert episode.intro == "An intro the editor wrote."
    assert_correction_kept(line)


def test_an_editors_save_racing_an_import_is_merged_with_it_not_written_over(imported, editing_client, monkeypatch):
    # The other way round: the import holds the episode while the editor's page was opened
    # before it; the editor's save then waits, finds a newer version and merges with it.
    episode = Episode.objects.get(slug="first")
    data = change_form_data(editing_client.get(change_url(episode)))
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = CORRECTED
    changed_file(imported)
    paused = import_held(imported, monkeypatch)
    save = Background(lambda: editing_client.post(change_url(episode), data))
    assert save.waiting()
    paused.finish()
    assert save.join().status_code == 302
    assert Episode.objects.get(slug="first").title == "A title from git"
    assert TranscriptLine.objects.filter(episode__slug="first", text=CORRECTED).exists()


def test_a_second_import_at_once_refuses_or_waits_and_never_half_writes(site):
    paused = Paused()

    def first_import_held():
        with transaction.atomic():
            batch.begin_import()
            Episode.objects.create(slug="held", title="Written by the first import")
            paused.hold()

    paused.start(first_import_held)
    other = Background(lambda: Importer().run([site]))
    if connection.vendor == "postgresql":
        # Refused at once, with a sentence, and nothing written.
        with pytest.raises(SyncError, match="Another import is running"):
            other.join()
        paused.finish()
        assert not Episode.objects.filter(slug="first").exists()
    else:
        # SQLite: the second waits for the first's write lock, then runs.
        assert other.waiting()
        paused.finish()
        report = other.join()
        assert report.ok
        assert Episode.objects.filter(slug="first").exists()
    assert Episode.objects.filter(slug="held").exists()


def test_the_import_command_says_another_import_is_running(site):
    from django.core.management import CommandError, call_command

    if connection.vendor != "postgresql":
        pytest.skip("SQLite waits for the first import instead (the test above)")
    paused = Paused()

    def first_import_held():
        with transaction.atomic():
            batch.begin_import()
            paused.hold()

    paused.start(first_import_held)
    try:
        with pytest.raises(CommandError, match="Another import is running on this database; nothing was imported"):
            call_command("import_podcast", str(site))
    finally:
        paused.finish()


def test_an_import_racing_a_speaker_rename_reports_a_conflict_and_keeps_the_rename(imported, editor, monkeypatch):
    from editorial import history, speakers

    episode = Episode.objects.get(slug="first")
    paused = Paused()
    touch = history.touch

    def touch_then_hold(episode_ids):
        touch(episode_ids)
        paused.hold()

    monkeypatch.setattr(history, "touch", touch_then_hold)
    paused.start(lambda: speakers.rename_speaker(episode, "Host", "Alexey", editor))
    changed_file(imported)
    other = Background(lambda: Importer().run([imported]))
    assert other.waiting()
    paused.finish()
    report = other.join()
    assert next(o for o in report.outcomes if o.key == "first").status == "conflict"
    assert set(TranscriptLine.objects.filter(episode=episode).values_list("speaker", flat=True)) == {"Alexey", "Ann"}


def test_a_find_and_replace_racing_an_import_skips_the_lines_the_import_replaced(imported, editor, monkeypatch):
    # The import holds the episode, its lines already replaced; the replacement previewed before
    # waits for it, then finds the lines changed and says so, instead of reporting a replacement
    # that wrote nothing.
    from editorial import findreplace

    query = findreplace.Query("physics", "chemistry")
    keys = [match.key for match in findreplace.find(query).matches if match.episode_title == "Episode first"]
    changed_file(imported)
    paused = import_held(imported, monkeypatch)
    replace = Background(lambda: findreplace.apply(query, keys, user=editor))
    assert replace.waiting()
    paused.finish()
    result = replace.join()
    assert (result.replaced, result.skipped) == (0, 1)
    assert Episode.objects.get(slug="first").title == "A title from git"
