"""The archive's health: ``check_archive`` over a site folder's files and the admin's health page
over the same files imported find the same problems; the command's exit codes; a bad path; the
page's links open the editor at the line."""

import re
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from django.urls import reverse

from archive import health
from episodes.models import Episode
from tests import sites
from tests.admin_pages import change_url
from tests.commands import run
from tests.conftest import corpus_snapshot
from tests.pages import load_snapshot

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

HEALTH = reverse("admin:episodes_episode_health")
SUMMARY = re.compile(r"^  ([a-z-]+): (\d+) \(", re.MULTILINE)
COUNT_CELL = re.compile(r'<td class="health-count" data-kind="([a-z-]+)">(\d+)</td>')
PROBLEM = re.compile(
    r"^(?P<path>[^\n]+?\.md):(?:\d+:)? (?P<kind>[a-z-]+): .*?(?: \(transcript item (?P<item>\d+)\))?$", re.MULTILINE
)


def check_archive(*args):
    return run("check_archive", *args)


def summary(out):
    """{kind: count} of the command's summary."""
    return {kind: int(count) for kind, count in SUMMARY.findall(out)}


def page_counts(html):
    """{kind: count} of the health page's table."""
    return {kind: int(count) for kind, count in COUNT_CELL.findall(html)}


def empty_sections_by_hand(root):
    """Headers followed directly by another header, straight from the YAML of every episode."""
    count = 0
    for path in sorted((root / "_podcast").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        parts = text.split("\n---\n", 1)
        if not text.startswith("---\n") or len(parts) < 2:
            continue
        try:
            data = yaml.safe_load(parts[0][4:])
        except yaml.YAMLError:
            continue
        items = (data or {}).get("transcript") or []
        count += sum("header" in a and "header" in b for a, b in pairwise(items))
    return count


# --- the command and the page agree, over the real archive ---------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("snapshot", ["2023-07", "2026-06"])
def test_the_command_and_the_page_count_the_same_problems(snapshot, settings, media_root, editor_client):
    settings.PODCAST_HOSTS = ["alexeygrigorev"]
    root = corpus_snapshot(snapshot)
    code, out, err = check_archive(root)
    assert code == 1, err
    from_files = summary(out)
    assert set(from_files) == set(health.KINDS)
    listed = [match["kind"] for match in PROBLEM.finditer(out)]
    assert len(listed) == sum(from_files.values())  # one line per problem
    assert health.counts([health.Finding(kind) for kind in listed]) == from_files

    load_snapshot(snapshot, media_root)
    response = editor_client.get(HEALTH)
    assert response.status_code == 200
    from_rows = page_counts(response.content.decode())
    # The page lists what was imported: a file the import refuses is only the command's.
    assert from_rows == {kind: count for kind, count in from_files.items() if kind != health.UNREADABLE}

    assert from_files[health.EMPTY_SECTION] == empty_sections_by_hand(root)
    if snapshot == "2026-06":
        assert from_files[health.EMPTY_SECTION] == 275
        assert from_files[health.UNREADABLE] == 3  # the two templates and a draft with no front matter
    else:
        assert from_files[health.EMPTY_SECTION] == 0


def test_speakers_are_left_unjudged_when_no_host_is_named(settings):
    settings.PODCAST_HOSTS = []
    code, out, _ = check_archive(corpus_snapshot("2023-07"))
    assert code == 1
    assert summary(out)["unknown-speaker"] == 0
    assert "unknown-speaker: not checked, PODCAST_HOSTS names no host" in out


# --- exit codes and what is printed ---------------------------------------------------------------


def small_site(root, transcript, **fields):
    people = [sites.person("ann", title="Ann Lee"), sites.person("alexey", title="Alexey Grigorev")]
    episode = sites.episode("first", guests=["ann"], transcript=transcript, **fields)
    episode["links"] = {"youtube": "https://www.youtube.com/watch?v=abc123"}
    return sites.write_site(root, people=people, episodes=[episode])


CLEAN = [
    {"line": "Welcome to the show.", "sec": 0, "time": "0:00", "who": "Alexey"},
    {"header": "Background"},
    {"line": "Tell us about yourself, and where you come from.", "sec": 3, "time": "0:03", "who": "Alexey"},
    {"line": "I started in physics a long time ago.", "sec": 6, "time": "0:06", "who": "Ann"},
]


def test_a_clean_site_passes(tmp_path, settings):
    settings.PODCAST_HOSTS = ["alexey"]
    code, out, err = check_archive(small_site(tmp_path / "site", CLEAN))
    assert (code, err) == (0, "")
    assert "3 files, 0 problems:" in out
    assert PROBLEM.search(out) is None


def test_each_problem_is_one_line_naming_its_file_and_item(tmp_path, settings):
    settings.PODCAST_HOSTS = ["alexey"]
    transcript = [
        *CLEAN,
        {"header": "Nothing under it"},
        {"header": "Data engineering"},
        {"line": "No second here.", "who": "Ann"},
        {"line": "Back in time, said by no one.", "sec": 5, "time": "0:05"},
        {"line": "Who is this?", "sec": 9, "time": "0:09", "who": "Mallory"},
    ]
    root = small_site(tmp_path / "site", transcript)
    (root / "images/podcast/first.jpg").unlink()
    code, out, _ = check_archive(root)
    assert code == 1
    found = {(Path(m["path"]).name, m["item"], m["kind"]) for m in PROBLEM.finditer(out)}
    assert found == {
        ("first.md", "5", "empty-section"),
        ("first.md", "7", "no-time"),
        ("first.md", "8", "no-speaker"),
        ("first.md", "8", "backwards"),
        ("first.md", "9", "unknown-speaker"),
        ("first.md", None, "missing-image"),
    }
    counts = summary(out)
    assert counts["empty-section"] == 1
    assert counts["todo-link"] == 0


def test_kinds_choose_what_fails_the_run(tmp_path, settings):
    settings.PODCAST_HOSTS = ["alexey"]
    root = small_site(tmp_path / "site", [*CLEAN, {"header": "Empty"}, {"header": "Also"}])
    assert check_archive(root, "--kinds", "no-time,todo-link")[0] == 0
    code, out, _ = check_archive(root, "--kinds", "todo-link,empty-section")
    assert code == 1
    assert "  empty-section: 1 (section with no lines)\n" in out
    assert "  no-time: 0 (line with no time) (not failing the run)" in out
    code, _, err = check_archive(root, "--kinds", "empty-section,no-such-kind")
    assert code == 2
    assert "unknown kind no-such-kind" in err


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: tmp / "nowhere",
        lambda tmp: tmp,  # a folder, but no site's
        lambda tmp: sites.write(tmp / "loose.md", {"title": "A file, not a folder"}),
        lambda tmp: "",
        lambda tmp: "\x00/../etc",
    ],
    ids=["missing", "not-a-site", "a-file", "empty", "nul-byte"],
)
def test_a_path_that_is_not_a_site_folder_exits_2(tmp_path, make):
    code, out, err = check_archive(make(tmp_path))
    assert code == 2
    assert "error:" in err
    assert "Traceback" not in err + out


def test_hostile_files_are_problems_not_crashes(tmp_path, settings):
    settings.PODCAST_HOSTS = ["alexey"]
    root = small_site(tmp_path / "site", CLEAN)
    podcast = root / "_podcast"
    (podcast / "bomb.md").write_text(
        "---\na: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b, *b, *b, *b, *b]\ntitle: t\n---\n",
        encoding="utf-8",
    )
    (podcast / "huge.md").write_bytes(b"---\ntitle: t\n---\n" + b"x" * (6 * 1024 * 1024))
    (podcast / "binary.md").write_bytes(b"\xff\xfe\x00\x01 not text")
    (podcast / "loop.md").symlink_to(podcast / "loop.md")
    (podcast / "escape.md").write_text(
        sites.text(sites.episode("escape", image="../../../etc/passwd", transcript=CLEAN)), encoding="utf-8"
    )
    code, out, err = check_archive(root)
    assert code == 1, err
    refused = {Path(m["path"]).name for m in PROBLEM.finditer(out) if m["kind"] == "unreadable"}
    assert refused == {"bomb.md", "huge.md", "binary.md", "loop.md", "escape.md"}
    assert "Traceback" not in out + err


# --- the admin page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_links_each_problem_to_its_row_in_the_editor(archive, editor_client):
    first = archive["first"]
    response = editor_client.get(HEALTH)
    assert response.status_code == 200
    html = response.content.decode()
    counts = page_counts(html)
    assert counts["backwards"] == 1
    assert counts["no-speaker"] == 1
    assert counts["empty-text"] == 1
    assert counts["todo-link"] == 2  # the spotify link of each episode
    links = re.findall(r'<ol class="health-list" data-kind="backwards">\s*<li><a href="([^"]+)">', html)
    assert links == [f"{change_url(first)}#t-row-4"]  # "Back in time.", the fifth item
    change_page = editor_client.get(change_url(first)).content.decode()
    row = re.search(r'<div id="t-row-4" class="([^"]+)".*?</textarea>', change_page, re.DOTALL)
    assert row
    assert "t-has-problem" in row.group(1)
    assert "Back in time." in row.group(0)
    todo = re.findall(r'<ol class="health-list" data-kind="todo-link">(.*?)</ol>', html, re.DOTALL)[0]
    assert f'href="{change_url(first)}"' in todo


@pytest.mark.django_db
def test_the_page_is_linked_from_the_change_list_and_needs_the_admin(archive, editor_client, client):
    changelist = editor_client.get(reverse("admin:episodes_episode_changelist")).content.decode()
    assert f'href="{HEALTH}"' in changelist
    client.logout()
    response = client.get(HEALTH)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert Episode.objects.count() == 2
