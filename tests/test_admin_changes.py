"""Changes an editor can read: the upload preview and the history show each changed field as its
old and new value and each changed transcript line with its words marked, in file order; an
upload that differs from an edit made in the CMS is a conflict the editor resolves."""

import re

import pytest

from archive import exporter
from editorial import diffs
from episodes.models import TranscriptLine
from tests import sites
from tests.admin_pages import FIND, UPLOAD, change_form_data, change_url, row_index, upload
from tests.real_episodes import import_real

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db

REAL_EPISODE = "crisp-dm"  # a 2026-06 episode of one guest and 61 lines


@pytest.fixture
def real_episode(db, settings):
    settings.PODCAST_HOSTS = None
    return import_real("2026-06", REAL_EPISODE)[0]


def edited_file(episode, change):
    data, body = exporter.episode_document(episode)
    change(data)
    return sites.text(data, body).encode()


def transcript_list(page):
    return re.search(r'<ol class="ch-lines">(.*?)</ol>', page, re.DOTALL).group(1)


# --- the word-level difference ------------------------------------------------------------------


def test_a_changed_word_is_marked_alone():
    assert (
        str(diffs.marked("We use Spark daily.", "We use Flink daily."))
        == "We use <del>Spark</del><ins>Flink</ins> daily."
    )


def test_marked_text_is_escaped():
    assert str(diffs.marked("a <b>", "a <i>")) == "a &lt;<del>b</del><ins>i</ins>&gt;"


def test_changed_lines_are_listed_in_file_order_with_added_and_removed_ones():
    old = [("line", f"Line number {n} of the talk.", "Ann", n, "") for n in range(6)]
    new = [*old]
    new[1] = ("line", "Line number one of the talk.", "Ann", 1, "")
    del new[3]
    new.insert(4, ("line", "Something else entirely here.", "Bob", 9, ""))
    found = diffs.transcript_changes(old, new).lines
    assert [line.kind for line in found] == ["changed", "removed", "added"]
    assert [line.number for line in found] == sorted(line.number for line in found)


# --- the upload preview ---------------------------------------------------------------------------


@pytest.mark.corpus
def test_a_one_word_fix_in_a_real_episode_shows_that_word_alone(editor_client, real_episode):
    lines = TranscriptLine.objects.filter(episode=real_episode).order_by("position")
    line = lines[len(lines) // 2]
    word = line.text.split()[3]
    fixed = line.text.replace(f" {word} ", " REPLACED ", 1)

    def change(data):
        for entry in data["transcript"]:
            if entry.get("line") == line.text:
                entry["line"] = fixed

    page = upload(editor_client, (f"{REAL_EPISODE}.md", edited_file(real_episode, change))).content.decode()
    shown = transcript_list(page)
    assert shown.count("<li") == 1
    assert 'class="ch-changed"' in shown
    assert re.findall(r"<(del|ins)>(.*?)</\1>", shown) == [("del", word), ("ins", "REPLACED")]


def test_the_preview_shows_a_fields_old_and_new_value(editor_client, archive):
    content = edited_file(archive["second"], lambda data: data.update(title="Spark, explained"))
    page = upload(editor_client, ("second.md", content)).content.decode()
    row = re.search(r'<th scope="row">title</th>(.*?)</tr>', page, re.DOTALL).group(1)
    old, new = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert re.sub("</?del>", "", old) == "Second episode"
    assert re.sub("</?ins>", "", new) == "Spark, explained"
    assert "<ins>Spark,</ins>" in new
    assert "<del>Second</del>" in old


def test_the_archives_original_of_an_episode_edited_in_the_cms_is_a_conflict(editor_client, archive):
    episode = archive["second"]
    TranscriptLine.objects.filter(episode=episode, text="Spark is fast.").update(text="Spark is very fast.")
    page = upload(editor_client, ("second.md", episode.source.encode())).content.decode()
    assert "0 unchanged" in page
    assert "1 conflict" in page
    assert "<del>very </del>" in transcript_list(page)
    assert 'value="edit" checked' in page
    assert 'value="file"' in page


def confirm(client, page, **choices):
    token = re.search(r'name="token" value="(\w+)"', page).group(1)
    return client.post(UPLOAD, {"token": token, "confirm": "1", **choices})


def test_the_editor_can_take_the_file_over_the_edit(editor_client, archive):
    episode = archive["second"]
    TranscriptLine.objects.filter(episode=episode, text="Spark is fast.").update(text="Spark is very fast.")
    page = upload(editor_client, ("second.md", episode.source.encode())).content.decode()
    assert confirm(editor_client, page, **{"resolve:second.md": "file"}).status_code == 200
    assert TranscriptLine.objects.filter(episode=episode, text="Spark is fast.").exists()


def test_the_editor_can_keep_the_edit(editor_client, archive):
    episode = archive["second"]
    TranscriptLine.objects.filter(episode=episode, text="Spark is fast.").update(text="Spark is very fast.")
    page = upload(editor_client, ("second.md", episode.source.encode())).content.decode()
    assert confirm(editor_client, page, **{"resolve:second.md": "edit"}).status_code == 200
    assert TranscriptLine.objects.filter(episode=episode, text="Spark is very fast.").exists()


# --- the history ------------------------------------------------------------------------------------


def history(client, episode):
    return client.get(f"/admin/episodes/episode/{episode.pk}/history/").content.decode()


def correct(client, episode, text, new_text, **fields):
    line = TranscriptLine.objects.get(episode=episode, text=text)
    data = change_form_data(client.get(change_url(episode)))
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = new_text
    data.update(fields)
    response = client.post(change_url(episode), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def history_rows(page):
    return re.findall(r"<tr>\s*<td><input type=\"radio\" name=\"from\".*?</tr>", page, re.DOTALL)


def test_the_imported_state_is_credited_to_the_import_of_its_file(editor_client, archive):
    correct(editor_client, archive["first"], "I started in physics.", "I started in chemistry.")
    first, second = history_rows(history(editor_client, archive["first"]))
    assert "import of _podcast/first.md" in first
    assert "edith" not in first
    assert "edith" in second


def test_history_times_are_to_the_second(editor_client, archive):
    correct(editor_client, archive["first"], "I started in physics.", "I started in chemistry.")
    rows = history_rows(history(editor_client, archive["first"]))
    assert all(re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</time>", row) for row in rows)


def test_a_version_compared_with_the_episode_now(editor_client, archive):
    correct(editor_client, archive["first"], "I started in physics.", "I started in chemistry.")
    link = re.search(r'href="([^"]+compare/\?from=\d+&amp;to=current)"', history(editor_client, archive["first"]))
    page = editor_client.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert re.findall(r"<(del|ins)>(.*?)</\1>", transcript_list(page)) == [("del", "physics"), ("ins", "chemistry")]


def test_two_versions_compared_show_only_what_changed_between_them(editor_client, archive):
    episode = archive["first"]
    correct(editor_client, episode, "I started in physics.", "I started in chemistry.")
    correct(editor_client, episode, "Back in time.", "Back in the day.", title="Firsts")
    ids = re.findall(r'name="from" value="(\d+)"', history(editor_client, episode))
    assert len(ids) == 3
    url = f"/admin/episodes/episode/{episode.pk}/history/compare/"
    page = editor_client.get(url, {"from": ids[2], "to": ids[1]}).content.decode()
    assert "chemistry" not in transcript_list(page)
    assert re.findall(r"<ins>(.*?)</ins>", transcript_list(page)) == ["the day"]
    assert '<th scope="row">title</th>' in page


def test_comparing_a_version_of_another_episode_is_refused_with_a_message(editor_client, archive):
    correct(editor_client, archive["first"], "I started in physics.", "I started in chemistry.")
    ids = re.findall(r'name="from" value="(\d+)"', history(editor_client, archive["first"]))
    url = f"/admin/episodes/episode/{archive['second'].pk}/history/compare/"
    response = editor_client.get(url, {"from": ids[0]}, follow=True)
    assert "Choose two different versions" in response.content.decode()


def test_a_long_lines_summary_in_the_history_keeps_whole_words(editor_client, archive):
    long = "Spark is fast because it keeps intermediate data in memory instead of writing it to disk."
    correct(editor_client, archive["second"], "Spark is fast.", long)
    comment = re.search(r"Changed text for transcript line “([^”]*)”", history(editor_client, archive["second"]))
    shown = comment.group(1).removesuffix("…").split(": ", 1)[1].split()
    assert shown and shown == long.split()[: len(shown)] and len(shown) < len(long.split())


def test_a_change_made_across_episodes_compares_each_episode_alone(editor_client, archive):
    # One find and replace, one revision holding both episodes.
    page = editor_client.get(FIND, {"find": "spark", "replace": "Flink"}).content.decode()
    keys = re.findall(r'name="match" value="([^"]+)"', page)
    editor_client.post(FIND, {"find": "spark", "replace": "Flink", "scope": "all", "match": keys, "apply": "1"})
    episode = archive["second"]
    ids = re.findall(r'name="from" value="(\d+)"', history(editor_client, episode))
    url = f"/admin/episodes/episode/{episode.pk}/history/compare/"
    page = editor_client.get(url, {"from": ids[-2], "to": ids[-1]}).content.decode()
    assert re.findall(r"<(del|ins)>(.*?)</\1>", transcript_list(page)) == [("del", "Spark"), ("ins", "Flink")] * 2
    assert "No change between these two" not in page
    assert '<table class="ch-fields">' not in page
