"""manage.py import_podcast: errors, conflicts, idempotence, drafts, images, dry runs."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from archive.importer import Importer
from archive.report import image_warnings
from episodes.models import Episode, Guest, PlatformLink, Section, TranscriptLine

from . import sites
from .commands import run_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(tmp_path):
    return sites.write_site(
        tmp_path / "site",
        people=[sites.person("ann", title="Ann Example", linkedin="ann"), sites.person("bob")],
        episodes=[sites.episode("first"), sites.episode("second", guests=["ann", "bob"], episode=2)],
    )


def test_import_creates_people_then_episodes_with_their_transcripts(site, media_root):
    code, out, err = run_import(site)
    assert code == 0, err
    assert "People: 2 created" in out
    assert "Episodes: 2 created" in out
    second = Episode.objects.get(slug="second")
    assert [g.short for g in second.guests.order_by("appearances__position")] == ["ann", "bob"]
    assert list(second.sections.values_list("title", flat=True)) == ["Background"]
    lines = list(second.lines.values_list("position", "speaker", "sec", "time"))
    assert lines == [(0, "Host", 0, "0:00"), (2, "Host", 12, "0:12"), (3, "Ann", 75, "1:15")]
    assert [(link.platform, link.url) for link in second.links.all()] == [
        ("youtube", "https://www.youtube.com/watch?v=abc123"),
        ("spotify", "TODO"),
    ]
    assert (media_root / "images/podcast/second.jpg").read_bytes() == b"\xff\xd8\xff cover"
    assert (media_root / "images/authors/ann.jpg").exists()


def test_second_import_of_the_same_archive_changes_nothing(site, django_assert_max_num_queries):
    run_import(site)
    stamps = dict(Episode.objects.values_list("slug", "updated_at"))
    with django_assert_max_num_queries(10):
        report = Importer().run([site])
    assert report.count("unchanged") == 4
    assert report.count("created") == report.count("updated") == 0
    assert dict(Episode.objects.values_list("slug", "updated_at")) == stamps


def test_changed_file_updates_its_episode(site):
    run_import(site)
    data = sites.episode("first", title="A better title")
    data["transcript"][1]["header"] = "Early years"
    sites.write(site / "_podcast/first.md", data)
    code, out, _ = run_import(site)
    assert code == 0
    assert "1 updated" in out
    assert "1 unchanged" in out
    first = Episode.objects.get(slug="first")
    assert first.title == "A better title"
    assert list(first.sections.values_list("title", flat=True)) == ["Early years"]
    assert first.lines.count() == 3


@pytest.mark.parametrize(
    "content, expected",
    [
        ("title: no front matter\n", "no front matter"),
        ("---\ntitle: A\nseason: 1\n", "not closed"),
        ("---\ntitle: A\nguests: [ann\n---\n", "line 4: YAML syntax error"),
        ("---\n- just a list\n---\n", "must be a mapping"),
        ({"season": "three"}, "'season' must be a whole number"),
        ({"transcript": {"line": "x"}}, "'transcript' must be a list"),
        ({"transcript": ["just text"]}, "transcript item 1 is neither a line"),
        ({"transcript": [{"line": "x", "sec": "12"}]}, "'sec' must be a whole number"),
        ({"transcript": [{"line": "x", "sec": 1.5}]}, "'sec' must be a whole number"),
        ({"transcript": [{"line": "x", "time": 73}]}, "'time' must be text"),
        ({"transcript": [{"header": "A", "line": "b"}]}, "neither a line"),
        ({"guests": ["nobody"]}, "guest 'nobody' has no person file"),
        ({"image": "../../etc/passwd"}, "leaves the site folder"),
        ({"image": "/etc/passwd"}, "leaves the site folder"),
        ({"links": {"youtube": "javascript:alert(1)"}}, "'links.youtube' must be an http(s) address"),
        ({"links": {"spotify": "ftp://example.com/x"}}, "must be an http(s) address"),
        (
            {"quotableClips": [{"name": "A", "startOffset": 1, "url": "data:text/html,<b>x</b>"}]},
            "quotableClips item 1: 'url' must be an http(s) address",
        ),
        ({"title": None}, "'title' must not be empty"),
        ({"dateadded": "last year"}, "'dateadded' must be a date"),
    ],
)
def test_a_bad_file_fails_alone_with_one_clear_line(site, content, expected):
    bad = site / "_podcast/bad.md"
    if isinstance(content, dict):
        data = sites.episode("bad")
        data.update(content)
        content = data
    sites.write(bad, content)
    code, out, err = run_import(site)
    assert code == 1
    assert f"{bad}: failed: " in err, err
    assert expected in err, err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if "bad.md" in line]) == 1
    assert "Episodes: 2 created" in out
    assert "1 failed" in out
    assert not Episode.objects.filter(slug="bad").exists()


def test_an_episode_naming_a_person_whose_file_fails_fails_too(site):
    # On PostgreSQL episodes are read before people (their ids are drawn in advance): the episode
    # must still fail as it would alone, and nothing may point at the person that did not come.
    sites.write(site / "_people/bob.md", "---\nshort: [bob\n---\n")
    code, out, err = run_import(site)
    assert code == 1
    assert "bob.md: failed" in err
    assert "second.md: failed: guest 'bob' has no person file" in err
    assert "People: 1 created" in out
    assert "Episodes: 1 created" in out
    assert list(Guest.objects.values_list("short", flat=True)) == ["ann"]
    assert Episode.objects.get(slug="first").lines.count() == 3


def test_a_date_that_does_not_exist_fails_its_file_alone(site):
    sites.write(site / "_podcast/odd.md", "---\ntitle: Odd\ndate: 2023-02-30\n---\n")
    code, out, err = run_import(site)
    assert code == 1
    assert "odd.md: failed: YAML error: day is out of range for month" in err
    assert "Episodes: 2 created" in out


def test_non_utf8_and_empty_files_are_named(site):
    (site / "_podcast/latin.md").write_bytes("---\ntitle: café\n---\n".encode("latin-1"))
    (site / "_podcast/empty.md").write_bytes(b"")
    code, _, err = run_import(site)
    assert code == 1
    assert "latin.md: failed: line 2: the text is not UTF-8" in err
    assert "empty.md: failed: the file is empty" in err


def test_too_many_transcript_items_are_refused(site, monkeypatch):
    monkeypatch.setattr("archive.episode_file.MAX_TRANSCRIPT_ITEMS", 3)
    code, _, err = run_import(site)
    assert code == 1
    assert "more than 3 are refused" in err


def test_a_failing_update_leaves_the_episode_as_it_was(site):
    run_import(site)
    before = list(TranscriptLine.objects.filter(episode__slug="first").values_list("text", flat=True))
    data = sites.episode("first", title="Changed")
    data["transcript"].append({"line": "bad", "sec": "not a number"})
    sites.write(site / "_podcast/first.md", data)
    code, _, err = run_import(site)
    assert code == 1
    assert "transcript item 5" in err
    first = Episode.objects.get(slug="first")
    assert first.title == "Episode first"
    assert list(first.lines.values_list("text", flat=True)) == before


def test_a_failure_half_way_through_writing_rolls_the_file_back(site, monkeypatch):
    run_import(site)
    sites.write(site / "_podcast/first.md", sites.episode("first", title="Changed"))

    def explode(*args, **kwargs):
        raise __import__("archive.documents").documents.DocumentError("disk on fire")

    monkeypatch.setattr("archive.importer.child_rows", explode)
    code, _, err = run_import(site)
    assert code == 1
    assert "disk on fire" in err
    first = Episode.objects.get(slug="first")
    assert first.title == "Episode first"
    assert first.lines.count() == 3
    assert first.links.count() == 2


def test_dry_run_checks_everything_and_writes_nothing(site, media_root):
    sites.write(site / "_podcast/bad.md", "---\n[\n---\n")
    code, out, err = run_import(site, "--dry-run")
    assert code == 1
    assert "bad.md: failed" in err
    assert "Episodes: 2 created" in out
    assert "Dry run: nothing was written." in out
    assert not Episode.objects.exists()
    assert not Guest.objects.exists()
    assert not (media_root / "images").exists()


def test_drafts_are_skipped_unless_asked_for(site):
    sites.write(site / "_podcast/_upcoming.md", sites.episode("upcoming"))
    (site / "_podcast/_template.md").write_text("---\ntitle: {{ title }}\nguests: [{{ x }}]\n---\n")
    code, out, _ = run_import(site)
    assert code == 0
    assert "2 skipped" in out
    assert not Episode.objects.filter(slug="upcoming").exists()
    code, out, _ = run_import(site, "--include-drafts")
    assert code == 0, out
    draft = Episode.objects.get(slug="upcoming")
    assert not draft.is_published
    assert draft.filename == "_upcoming.md"
    assert "1 skipped" in out  # the template does not parse: skipped, not failed


def test_single_files_can_be_imported(site):
    code, out, _ = run_import(site / "_people/ann.md", site / "_podcast/first.md")
    assert code == 0, out
    assert Episode.objects.get().slug == "first"
    assert Guest.objects.get().short == "ann"


def test_missing_path_is_an_error(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no such site folder"):
        call_command("import_podcast", str(tmp_path / "nope"), stdout=out, stderr=err)


def test_a_missing_image_is_a_warning_and_the_path_is_kept(site):
    (site / "images/podcast/first.jpg").unlink()
    code, _, err = run_import(site)
    assert code == 0
    assert "first.md: warning: image images/podcast/first.jpg is not in the site" in err
    assert Episode.objects.get(slug="first").image.name == "images/podcast/first.jpg"


def test_person_file_name_must_match_its_key(site):
    sites.write(site / "_people/carol.md", sites.person("caroline"))
    code, _, err = run_import(site)
    assert code == 1
    assert "carol.md: failed: 'short' is 'caroline' but the file name says 'carol'" in err


def test_bad_web_address_of_a_person_is_refused(site):
    sites.write(site / "_people/dan.md", sites.person("dan", web="javascript:alert(1)"))
    code, _, err = run_import(site)
    assert code == 1
    assert "'web' must be an http(s) address" in err


# --- nothing an editor did is lost ---


def edit_a_line(slug="first", text="Tell us about your path."):
    line = TranscriptLine.objects.filter(episode__slug=slug).order_by("position")[1]
    line.text = text
    line.save()


def test_an_edited_episode_is_not_overwritten_by_a_changed_file(site):
    run_import(site)
    edit_a_line()
    sites.write(site / "_podcast/first.md", sites.episode("first", title="Changed in git"))
    code, _, err = run_import(site)
    assert code == 1
    assert "first.md: conflict: changed in the CMS since it was last imported or exported" in err
    first = Episode.objects.get(slug="first")
    assert first.title == "Episode first"
    assert first.lines.filter(text="Tell us about your path.").exists()

    code, out, _ = run_import(site, "--force")
    assert code == 0
    assert "1 updated" in out
    first.refresh_from_db()
    assert first.title == "Changed in git"
    assert not first.lines.filter(text="Tell us about your path.").exists()


def test_an_edited_episode_survives_reimporting_an_unchanged_file(site):
    run_import(site)
    edit_a_line()
    code, out, _ = run_import(site)
    assert code == 0
    assert "2 unchanged" in out
    assert TranscriptLine.objects.filter(text="Tell us about your path.").exists()


def test_edits_to_metadata_links_and_sections_count_as_edits(site):
    run_import(site)
    sites.write(site / "_podcast/first.md", sites.episode("first", title="Changed in git"))
    sites.write(site / "_podcast/second.md", sites.episode("second", guests=["ann", "bob"], episode=3))
    PlatformLink.objects.filter(episode__slug="first", platform="spotify").update(url="https://open.spotify.com/x")
    Section.objects.filter(episode__slug="second").update(title="Renamed")
    code, _, err = run_import(site)
    assert code == 1
    assert err.count("conflict") == 2


def test_an_edited_person_is_not_overwritten(site):
    run_import(site)
    Guest.objects.filter(short="ann").update(title="Ann E. Example")
    sites.write(site / "_people/ann.md", sites.person("ann", title="Ann from git"))
    code, _, err = run_import(site)
    assert code == 1
    assert "ann.md: conflict" in err
    assert Guest.objects.get(short="ann").title == "Ann E. Example"


def test_an_episode_made_in_the_cms_is_not_overwritten_by_a_new_file(site):
    Episode.objects.create(slug="first", title="Written in the admin")
    code, _, err = run_import(site)
    assert code == 1
    assert "first.md: conflict" in err
    assert Episode.objects.get(slug="first").title == "Written in the admin"


def test_values_too_long_for_their_column_are_refused_on_every_database(site):
    data = sites.episode("long")
    data["transcript"].append({"header": "x" * 600})
    sites.write(site / "_podcast/long.md", data)
    sites.write(site / "_podcast/longer.md", sites.episode("longer", title="t" * 501))
    code, _, err = run_import(site)
    assert code == 1
    assert "long.md: failed: transcript item 5: 'header' is 600 characters long; at most 500 fit" in err
    assert "longer.md: failed: 'title' is 501 characters long" in err


def test_a_long_speaker_name_is_kept(site):
    data = sites.episode("chatty", transcript=[{"line": "Hi", "who": "A very long speaker label " * 40}])
    sites.write(site / "_podcast/chatty.md", data)
    code, _, err = run_import(site)
    assert code == 0, err
    assert len(TranscriptLine.objects.get(episode__slug="chatty").speaker) == 26 * 40


def test_an_image_that_cannot_be_copied_is_a_warning(site, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("archive.importer.copy_atomic", refuse)
    code, _, err = run_import(site)
    assert code == 0
    assert "first.md: warning: image images/podcast/first.jpg could not be copied to media storage" in err
    assert Episode.objects.filter(slug="first").exists()


def test_a_file_the_database_refuses_fails_alone_and_the_others_are_written(site):
    # Two files for one slug: the draft comes first, the published one is refused (its slug is
    # taken). On PostgreSQL that happens while new rows are written together; the others must
    # still be written, file by file, with their guests and lines.
    sites.write(site / "_podcast/_first.md", sites.episode("first", title="Draft of first"))
    code, out, err = run_import(site, "--include-drafts")
    assert code == 1
    assert "first.md: failed: the database refused it" in err
    assert "_first.md: failed" not in err
    assert "People: 2 created" in out
    assert "Episodes: 2 created" in out
    assert Episode.objects.get(slug="first").title == "Draft of first"
    second = Episode.objects.get(slug="second")
    assert [g.short for g in second.guests.order_by("appearances__position")] == ["ann", "bob"]
    assert second.lines.count() == 3
    assert second.sections.count() == 1
    assert second.links.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="what PostgreSQL cannot store")
@pytest.mark.parametrize("line", [{"line": "a\0b"}, {"line": "fine", "sec": 2**40}])
def test_a_line_postgresql_cannot_store_fails_its_file_alone(site, line, media_root):
    sites.write(site / "_podcast/odd.md", sites.episode("odd", transcript=[line]))
    (site / "images/podcast/odd.jpg").write_bytes(b"\xff\xd8\xff cover")
    code, out, err = run_import(site)
    assert code == 1
    assert "odd.md: failed: the database refused it" in err
    assert "Episodes: 2 created" in out
    assert not Episode.objects.filter(slug="odd").exists()
    assert TranscriptLine.objects.count() == 6
    # Images are copied while the rows are written: the refused file's is removed again.
    assert (media_root / "images/podcast/first.jpg").is_file()
    assert not (media_root / "images/podcast/odd.jpg").exists()


def test_new_episodes_are_written_as_save_would_write_them(site):
    run_import(site)
    first = Episode.objects.get(slug="first")
    assert first.created_at
    assert first.updated_at
    assert first.layout["keys"][0] == "title"
    assert first.topics == []
    assert first.youtube_id == "abc123"
    assert first.image.name == "images/podcast/first.jpg"
    assert Guest.objects.get(short="ann").linkedin == "ann"
    assert Episode.objects.create(slug="later", title="Later").pk > first.pk  # the ids drawn are taken


def test_files_are_read_and_written_as_pyyaml_would(tmp_path):
    # documents builds and writes values with fewer Python calls than PyYAML's safe loader and
    # dumper: the results, errors included, must be theirs.
    import yaml

    from archive import documents

    shared = {"a": 1}
    fronts = [
        "title: A\nseason: 1\ndate: 2024-01-02\nok: yes\nt: '1:05'\nu: 1:05\nn: ~\nf: 1.5\nl: [a, {b: c}]\n",
        "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n",
        "a: !!set {x, y}\nb: !!binary aGk=\nc: !!str 12\n",
        "? [a]\n: 1\n",
        "a: &x [1]\nb: *x\n",
        "a: &s text\nb: *s\n",
        "a: !custom x\n",
        "1: int\nnull: none\n2020-01-01: date\n",
    ]
    for front in fronts:
        try:
            expected = yaml.load(front, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            with pytest.raises(documents.DocumentError):
                documents.load(front)
            continue
        if "&" in front or "!!set" in front:  # every alias, and a set, are refused (test_documents)
            with pytest.raises(documents.DocumentError):
                documents.load(front)
            continue
        assert documents.load(front) == expected
        dumped = yaml.dump(expected, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        assert documents.dump(expected) == dumped
    for data in ({"a": [shared, shared]}, {"s": "é “q”", "e": "", "m": "two\nlines\n", "d": None}):
        for allow_unicode in (True, False):
            assert documents.dump(data, allow_unicode=allow_unicode) == yaml.dump(
                data, Dumper=yaml.CSafeDumper, allow_unicode=allow_unicode, sort_keys=False
            )


def test_documents_are_written_back_in_order_whichever_process_dumps_them():
    from archive import documents, workers

    jobs = [("", "", {"title": f"T{n}", "n": n}, f"body {n}\n", True) for n in range(workers.PARALLEL_MIN * 2 + 3)]
    expected = [documents.write_back(*job) for job in jobs]
    assert list(workers.write_back_many(iter(jobs), count=len(jobs))) == expected
    assert list(workers.write_back_many(jobs)) == expected


# The new rows of an import go in together (archive.newrows.NewRows): ids drawn in advance, a
# statement (or a COPY) per table. These tests commit, as the command does.


@pytest.fixture
def bigger_site(site):
    for number in range(3, 7):
        sites.write(site / f"_podcast/ep{number}.md", sites.episode(f"ep{number}", guests=["bob"], episode=number))
        (site / f"images/podcast/ep{number}.jpg").write_bytes(b"\xff\xd8\xff cover")
    return site


SLUGS = ("first", "second", "ep3", "ep4", "ep5", "ep6")


def assert_written_whole(*slugs):
    for slug in slugs:
        episode = Episode.objects.get(slug=slug)
        assert list(episode.lines.order_by("position").values_list("text", flat=True)) == [
            "Welcome to the show.",
            "Tell us about yourself.",
            "I started in physics.",
        ]
        assert episode.sections.count() == 1
        assert episode.links.count() == 2
        assert episode.guests.exists()


@pytest.mark.django_db(transaction=True)
def test_new_episodes_are_written_together_and_committed(bigger_site):
    from episodes.caching import current_version

    before = current_version()
    code, out, err = run_import(bigger_site)
    assert code == 0, err
    assert "People: 2 created" in out
    assert "Episodes: 6 created" in out
    assert_written_whole(*SLUGS)
    second = Episode.objects.get(slug="second")
    assert [g.short for g in second.guests.order_by("appearances__position")] == ["ann", "bob"]
    assert current_version() != before
    code, out, _ = run_import(bigger_site)
    assert code == 0
    assert "Episodes: 0 created, 0 updated, 6 unchanged" in out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="what PostgreSQL cannot store")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("line", [{"line": "a\0b"}, {"line": "fine", "sec": 2**40}])
def test_a_line_the_batch_refuses_fails_its_file_alone(bigger_site, line, media_root):
    # A COPY refused rolls the batch back, and every file is written again one by one.
    sites.write(bigger_site / "_podcast/ep3z-odd.md", sites.episode("ep3z-odd", transcript=[line]))
    (bigger_site / "images/podcast/ep3z-odd.jpg").write_bytes(b"\xff\xd8\xff cover")
    code, out, err = run_import(bigger_site)
    assert code == 1
    assert "ep3z-odd.md: failed: the database refused it" in err
    assert "Episodes: 6 created" in out
    assert not Episode.objects.filter(slug="ep3z-odd").exists()
    assert_written_whole(*SLUGS)
    assert TranscriptLine.objects.count() == 18
    images = {path.name for path in (media_root / "images/podcast").iterdir()}
    assert images == {f"{slug}.jpg" for slug in SLUGS}


@pytest.mark.django_db(transaction=True)
def test_two_new_files_of_one_slug_the_second_fails_alone(bigger_site):
    sites.write(bigger_site / "_podcast/_first.md", sites.episode("first", title="Draft of first"))
    code, out, err = run_import(bigger_site, "--include-drafts")
    assert code == 1
    assert "first.md: failed: the database refused it" in err
    assert "_first.md: failed" not in err
    assert "Episodes: 6 created" in out
    assert Episode.objects.get(slug="first").title == "Draft of first"
    assert_written_whole(*SLUGS)


@pytest.mark.django_db(transaction=True)
def test_episodes_naming_a_person_whose_file_fails_fail_with_it(bigger_site):
    sites.write(bigger_site / "_people/bob.md", "---\nshort: [bob\n---\n")
    code, out, err = run_import(bigger_site)
    assert code == 1
    assert "bob.md: failed" in err
    for slug in ("second", "ep3", "ep4", "ep5", "ep6"):
        assert f"{slug}.md: failed: guest 'bob' has no person file" in err
    assert "People: 1 created" in out
    assert "Episodes: 1 created" in out
    assert_written_whole("first")
    assert list(Guest.objects.values_list("short", flat=True)) == ["ann"]


@pytest.mark.django_db(transaction=True)
def test_the_content_version_moves_with_the_imported_data(site, monkeypatch):
    # A process killed right after the import's commit runs no commit callback: the version must
    # have moved in the same transaction, or every cached page stays stale on every server.
    from django.db import transaction

    from episodes.caching import current_version

    before = current_version()
    monkeypatch.setattr(transaction, "on_commit", lambda *args, **kwargs: None)
    assert Importer().run([site]).ok
    assert current_version() != before


def test_an_image_the_object_store_refuses_is_a_warning(site, monkeypatch):
    from botocore.exceptions import EndpointConnectionError
    from django.core.files.storage import Storage

    class Unreachable(Storage):
        def exists(self, name):
            raise EndpointConnectionError(endpoint_url="https://bucket.example.org")

    report = Importer(storage=Unreachable()).run([site])
    assert report.ok
    assert Episode.objects.count() == 2
    warnings = [warning for outcome in report.outcomes for warning in image_warnings(outcome)]
    assert warnings and all("could not be copied to media storage: Could not connect" in w for w in warnings)


def test_the_commands_say_when_the_database_cannot_be_reached(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "HOME": str(tmp_path)}
    for command in (["import_podcast", "sample"], ["export_podcast", str(tmp_path / "out")]):
        done = subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 1
        assert "the database cannot be reached" in done.stderr
        assert "Run it again once it answers" in done.stderr
        assert "Traceback" not in done.stderr


def test_a_dry_run_with_prune_says_what_would_be_renamed_and_removed(site):
    # "second" gets a new file name (its YouTube id is its own); "first" and Bob's file are gone.
    for slug, number in (("first", 1), ("second", 2)):
        ids = {"youtube": f"{slug}-id", "anchor": "anchor-id"}
        sites.write(site / f"_podcast/{slug}.md", sites.episode(slug, guests=["ann"], episode=number, ids=ids))
    run_import(site)
    (site / "_podcast/second.md").rename(site / "_podcast/second-renamed.md")
    (site / "_podcast/first.md").unlink()
    (site / "_people/bob.md").unlink()
    code, out, err = run_import(site, "--prune", "--dry-run")
    assert code == 0, err
    assert "second-renamed.md: renamed from second" in out
    assert "first.md: removed" in out
    assert "bob.md: removed" in out
    assert "Dry run: nothing was written." in out
    assert set(Episode.objects.values_list("slug", flat=True)) == {"first", "second"}
    assert Guest.objects.filter(short="bob").exists()


def test_prune_needs_a_whole_site_folder(site):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="give whole site folders"):
        call_command("import_podcast", str(site / "_podcast/first.md"), "--prune")
