"""History: every save is recorded with who, when and what; an earlier version can be restored,
a deleted episode recovered, transcript included."""

import re

import pytest
from reversion.models import Version

from episodes.models import Episode, Section, TranscriptLine
from tests.admin_pages import change_form_data, change_url, row_index

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def history(client, episode):
    return client.get(f"/admin/episodes/episode/{episode.pk}/history/").content.decode()


def revision_links(page):
    return re.findall(r'href="(/admin/episodes/episode/\d+/history/\d+/)"', page)


def correct(client, episode, text, new_text):
    line = TranscriptLine.objects.get(episode=episode, text=text)
    data = change_form_data(client.get(change_url(episode)))
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = new_text
    response = client.post(change_url(episode), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return line


def test_each_save_is_recorded_with_who_and_what(editor_client, archive, editor):
    episode = archive["first"]
    correct(editor_client, episode, "I started in physics.", "I started in chemistry.")
    page = history(editor_client, episode)
    assert "edith" in page
    assert "Changed text for transcript line" in page
    # The imported state was recorded before the first change, so there are two versions.
    assert len(revision_links(page)) == 2
    latest = Version.objects.get_for_object(episode).first()
    lines = [v for v in latest.revision.version_set.all() if v.content_type.model == "transcriptline"]
    assert any(v.field_dict["text"] == "I started in chemistry." for v in lines)
    assert len(lines) == 9


def _two_edits_later(editor_client, episode):
    """The address of the imported version of ``episode``, after two edits: one corrects a line,
    the other deletes a line, renames a section and the episode."""
    correct(editor_client, episode, "I started in physics.", "I started in chemistry.")
    data = change_form_data(editor_client.get(change_url(episode)))
    data[
        f"transcript-{row_index(data, 'line', TranscriptLine.objects.get(episode=episode, text='Back in time.').pk)}-DELETE"
    ] = "on"
    data[
        f"transcript-{row_index(data, 'header', Section.objects.get(episode=episode, title='Background').pk)}-text"
    ] = "Origins"
    data["title"] = "Renamed"
    assert editor_client.post(change_url(episode), data).status_code == 302
    return revision_links(history(editor_client, episode))[0]


def test_an_earlier_version_is_shown_as_it_was_and_looking_changes_nothing(editor_client, archive):
    episode = archive["first"]
    page = editor_client.get(_two_edits_later(editor_client, episode))
    text = page.content.decode()
    assert page.status_code == 200
    assert "I started in physics." in text
    assert "Back in time." in text
    assert 'value="Background"' in text
    assert Episode.objects.get(pk=episode.pk).title == "Renamed"


def test_restoring_an_earlier_version_brings_back_its_title_lines_and_sections(editor_client, archive):
    episode = archive["first"]
    oldest = _two_edits_later(editor_client, episode)
    response = editor_client.post(oldest, change_form_data(editor_client.get(oldest)))
    assert response.status_code == 302, response.content.decode()[:3000]
    episode.refresh_from_db()
    assert episode.title == "First episode"
    texts = list(TranscriptLine.objects.filter(episode=episode).values_list("text", flat=True))
    assert "I started in physics." in texts
    assert "Back in time." in texts
    assert "I started in chemistry." not in texts
    assert list(Section.objects.filter(episode=episode).values_list("title", flat=True)) == [
        "Background",
        "Data engineering",
    ]
    assert "Reverted to previous version" in history(editor_client, episode)


def test_restoring_is_refused_when_someone_saved_since_the_version_page_was_opened(editor_client, archive):
    episode = archive["first"]
    correct(editor_client, episode, "I started in physics.", "I started in chemistry.")
    oldest = revision_links(history(editor_client, episode))[0]
    page = editor_client.get(oldest)
    correct(editor_client, episode, "Tell us about yourself.", "Tell us more.")
    response = editor_client.post(oldest, change_form_data(page))
    assert response.status_code == 200
    assert "saved by someone else" in response.content.decode()
    assert TranscriptLine.objects.filter(episode=episode, text="Tell us more.").exists()


def test_a_deleted_episode_can_be_recovered(editor_client, archive):
    episode = archive["first"]
    pk = episode.pk
    response = editor_client.post(f"/admin/episodes/episode/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Episode.objects.filter(pk=pk).exists()
    recover_list = editor_client.get("/admin/episodes/episode/recover/").content.decode()
    link = re.search(r'href="(/admin/episodes/episode/recover/\d+/)"', recover_list).group(1)
    page = editor_client.get(link)
    assert page.status_code == 200
    assert "I started in physics." in page.content.decode()
    response = editor_client.post(link, change_form_data(page))
    assert response.status_code == 302, response.content.decode()[:3000]
    episode = Episode.objects.get(pk=pk)
    assert TranscriptLine.objects.filter(episode=episode).count() == 9
    assert episode.appearances.get().guest.short == "ann"
    assert episode.links.count() == 2


def test_episodes_deleted_from_the_list_can_be_recovered_too(editor_client, archive):
    ids = [episode.pk for episode in archive.values()]
    response = editor_client.post(
        "/admin/episodes/episode/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"}
    )
    assert response.status_code == 302
    assert not Episode.objects.exists()
    recover_list = editor_client.get("/admin/episodes/episode/recover/").content.decode()
    assert "First episode" in recover_list
    assert "Second episode" in recover_list
