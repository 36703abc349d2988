"""manage.py export_podcast: layout, narrowing, reformatting, edits made in the CMS."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from archive import documents
from archive.exporter import is_edited
from archive.importer import Importer
from episodes.models import Episode, Guest, PlatformLink, TranscriptLine

from . import sites
from .commands import run_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(tmp_path):
    root = sites.write_site(
        tmp_path / "site",
        people=[sites.person("ann"), sites.person("bob"), sites.person("cy")],
        episodes=[
            sites.episode("one", season=1, episode=1),
            sites.episode("two", guests=["bob"], season=2, episode=1),
            sites.episode("three", guests=["cy", "ann"], season=2, episode=2),
        ],
    )
    # A hand-written file: quoting and key order PyYAML would not choose.
    (root / "_podcast/hand.md").write_text(
        '---\ntitle: "Hand made"\nseason: 3\nepisode: 1\nguests: [ann]\nimage: images/podcast/hand.jpg\n'
        "ids:\n  youtube: xyz\nlinks:\n  youtube: 'https://youtu.be/xyz'\n"
        "transcript:\n- {line: 'Hello', who: Host, sec: 0, time: '0:00'}\n- header: 'Start'\n"
        "- {line: 'Hi', who: Ann}\n- line: Just text\n---\n\nNotes\n",
        encoding="utf-8",
    )
    (root / "images/podcast/hand.jpg").write_bytes(b"\xff\xd8\xff hand")
    report = Importer(include_drafts=True).run([root])
    assert report.ok, [(o.path, o.detail) for o in report.outcomes]
    return root


def export(*args):
    out = io.StringIO()
    call_command("export_podcast", *map(str, args), stdout=out)
    return out.getvalue()


def test_export_writes_the_archive_back_as_it_was(site, tmp_path):
    out = tmp_path / "out"
    message = export(out)
    assert "7 files" in message
    for path in list((site / "_podcast").glob("*.md")) + list((site / "_people").glob("*.md")):
        assert (out / path.parent.name / path.name).read_bytes() == path.read_bytes()
    assert (out / "images/podcast/hand.jpg").read_bytes() == b"\xff\xd8\xff hand"
    assert (out / "images/authors/ann.jpg").exists()
    assert "0 written" in export(out)


def test_narrowing_by_episode_and_season(site, tmp_path):
    export(tmp_path / "a", "--episode", "two")
    assert [p.name for p in (tmp_path / "a/_podcast").iterdir()] == ["two.md"]
    assert [p.name for p in (tmp_path / "a/_people").iterdir()] == ["bob.md"]
    export(tmp_path / "b", "--season", "2")
    assert sorted(p.name for p in (tmp_path / "b/_podcast").iterdir()) == ["three.md", "two.md"]
    assert sorted(p.name for p in (tmp_path / "b/_people").iterdir()) == ["ann.md", "bob.md", "cy.md"]
    export(tmp_path / "c", "--episode", "one", "--episode", "hand")
    assert sorted(p.name for p in (tmp_path / "c/_podcast").iterdir()) == ["hand.md", "one.md"]
    with pytest.raises(CommandError, match="no episode with the slug nope"):
        export(tmp_path / "d", "--episode", "nope")


def test_reformat_rewrites_hand_made_files_with_the_same_data(site, tmp_path):
    export(tmp_path / "out", "--reformat")
    source = documents.parse((site / "_podcast/hand.md").read_bytes())
    again = documents.parse((tmp_path / "out/_podcast/hand.md").read_bytes())
    assert again.text != source.text
    assert documents.digest(again.data, again.body) == documents.digest(source.data, source.body)
    assert again.text == "---\n" + yaml.safe_dump(source.data, allow_unicode=True, sort_keys=False) + "---\n\nNotes\n"
    # Files already in PyYAML's style are unchanged by it.
    assert (tmp_path / "out/_podcast/one.md").read_bytes() == (site / "_podcast/one.md").read_bytes()


def test_an_edit_shows_in_exactly_one_file_and_marks_it_synced(site, tmp_path):
    export(tmp_path / "before")
    line = TranscriptLine.objects.get(episode__slug="three", text="I started in physics.")
    line.text = "I started in chemistry."
    line.save()
    episode = Episode.objects.get(slug="three")
    assert is_edited(episode)
    export(tmp_path / "after")
    changed = [
        p.name
        for p in (tmp_path / "after/_podcast").iterdir()
        if p.read_bytes() != (tmp_path / "before/_podcast" / p.name).read_bytes()
    ]
    assert changed == ["three.md"]
    before = (tmp_path / "before/_podcast/three.md").read_text().splitlines()
    after = (tmp_path / "after/_podcast/three.md").read_text().splitlines()
    assert [(a, b) for a, b in zip(before, after) if a != b] == [
        ("- line: I started in physics.", "- line: I started in chemistry.")
    ]
    episode.refresh_from_db()
    assert not is_edited(episode)
    # The exported file now is what the archive holds: importing it is a no-op.
    report = Importer().run([tmp_path / "after/_podcast/three.md"])
    assert report.count("unchanged") == 1


def test_fields_set_in_the_cms_appear_in_their_place(site, tmp_path):
    episode = Episode.objects.get(slug="hand")
    episode.description = "Now described."
    episode.save()
    PlatformLink.objects.create(episode=episode, platform="spotify", url="https://open.spotify.com/e", position=5)
    TranscriptLine.objects.filter(episode=episode, text="Hi").update(sec=5, time="0:05")
    export(tmp_path / "out")
    data = documents.parse((tmp_path / "out/_podcast/hand.md").read_bytes()).data
    assert list(data) == ["title", "season", "episode", "guests", "image", "ids", "links", "description", "transcript"]
    assert data["links"] == {"youtube": "https://youtu.be/xyz", "spotify": "https://open.spotify.com/e"}
    assert data["transcript"][2] == {"line": "Hi", "who": "Ann", "sec": 5, "time": "0:05"}
    assert data["transcript"][3] == {"line": "Just text"}


def test_drafts_are_written_with_their_underscore(site, tmp_path):
    sites.write(site / "_podcast/_soon.md", sites.episode("soon"))
    Importer(include_drafts=True).run([site])
    export(tmp_path / "out")
    assert (tmp_path / "out/_podcast/_soon.md").read_bytes() == (site / "_podcast/_soon.md").read_bytes()


def test_people_round_trip_their_extra_keys(tmp_path):
    root = tmp_path / "site"
    sites.write_site(root)
    (root / "_people/zed.md").write_text(
        '---\nlayout: author\nshort: zed\n\ntitle: "Zed"\npicture: images/authors/zed.jpg\nweb: www.zed.example\n---\nBio\n'
    )
    assert Importer().run([root]).ok
    assert Guest.objects.get().extra == "layout: author\n"
    export(tmp_path / "out")
    assert (tmp_path / "out/_people/zed.md").read_bytes() == (root / "_people/zed.md").read_bytes()
    Guest.objects.update(bio="New bio")
    export(tmp_path / "out")
    assert documents.parse((tmp_path / "out/_people/zed.md").read_bytes()).data == {
        "layout": "author",
        "short": "zed",
        "title": "Zed",
        "picture": "images/authors/zed.jpg",
        "web": "www.zed.example",
    }


def test_other_front_matter_edited_in_the_cms_is_written(site, tmp_path):
    episode = Episode.objects.get(slug="hand")
    episode.extra = "context: Recorded live\nkeywords: [data, live]\n"
    episode.save()
    export(tmp_path / "out")
    data = documents.parse((tmp_path / "out/_podcast/hand.md").read_bytes()).data
    assert list(data)[-2:] == ["context", "keywords"]
    assert data["context"] == "Recorded live"
    assert data["keywords"] == ["data", "live"]
    # Removing a key there removes it from the file.
    episode.extra = "keywords: [data, live]\n"
    episode.save()
    export(tmp_path / "out")
    assert "context" not in documents.parse((tmp_path / "out/_podcast/hand.md").read_bytes()).data


def test_rows_made_in_the_cms_without_images_export_and_import_again(site, tmp_path):
    Guest.objects.create(short="new", title="New Person")
    Episode.objects.create(slug="fresh", title="Fresh", season=4, number=1)
    export(tmp_path / "out")
    assert "picture" not in documents.parse((tmp_path / "out/_people/new.md").read_bytes()).data
    Episode.objects.all().delete()
    Guest.objects.all().delete()
    report = Importer().run([tmp_path / "out"])
    assert report.ok, [(o.path, o.detail) for o in report.outcomes]
    assert Guest.objects.get(short="new").picture.name == ""
    assert Episode.objects.get(slug="fresh").image.name == ""


# --- failures: a full disk, a read-only folder ----------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A file system of its own, small enough to fill (a tmpfs; mounting one needs root)."""
    import os
    import subprocess

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(disk)], check=False, capture_output=True
    )
    if mounted.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a small file system: {mounted.stderr.decode().strip()}")
        pytest.skip("mounting a small file system needs root")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def lengthen(slug):
    """An edit in the CMS that makes the episode's file longer."""
    episode = Episode.objects.get(slug=slug)
    TranscriptLine.objects.bulk_create(
        TranscriptLine(episode=episode, position=100 + n, text=f"A longer transcript, line {n}.") for n in range(200)
    )
    return episode


def fill(disk):
    """Take every free byte of the file system."""
    import os

    handle = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(handle, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(handle)


def test_export_onto_a_full_disk_leaves_the_old_file_whole_and_names_it(site, small_disk):
    assert run_export(small_disk)[0] == 0
    before = (small_disk / "_podcast/three.md").read_bytes()
    episode = lengthen("three")
    fill(small_disk)
    code, out, err = run_export(small_disk)
    assert code == 1
    assert f"{small_disk}/_podcast/three.md: cannot be written (No space left on device)" in err
    assert "Traceback" not in err
    assert "1 could not be written" in out
    assert (small_disk / "_podcast/three.md").read_bytes() == before
    assert not [path for path in (small_disk / "_podcast").iterdir() if path.name.startswith(".")]
    episode.refresh_from_db()
    assert is_edited(episode)  # not marked as written: the next export tries again
    (small_disk / "filler").unlink()
    assert run_export(small_disk)[0] == 0
    assert (small_disk / "_podcast/three.md").read_bytes() != before


def test_export_into_a_read_only_folder_says_which_files_and_why(site, small_disk):
    import subprocess

    assert run_export(small_disk)[0] == 0
    before = (small_disk / "_podcast/three.md").read_bytes()
    lengthen("three")
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    code, _, err = run_export(small_disk)
    assert code == 1
    assert f"{small_disk}/_podcast/three.md: cannot be written (Read-only file system)" in err
    assert "Traceback" not in err
    assert (small_disk / "_podcast/three.md").read_bytes() == before


def test_export_to_a_folder_that_cannot_be_made_is_one_sentence(site, small_disk):
    import subprocess

    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(CommandError, match=r"_podcast: cannot be made \(Read-only file system\); nothing was written"):
        export(small_disk / "new")
