"""What the admin refuses, so that whatever an editor saves exports to a file that imports back:
"other front matter" that is not a mapping of the file's other keys, and links or clip addresses
the import would refuse."""

import pytest

from archive import episode_file, exporter
from episodes.models import Episode, Guest, PlatformLink, QuotableClip
from tests.admin_pages import change_form_data, change_url

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def post_episode(client, episode, **changes):
    data = change_form_data(client.get(change_url(episode)))
    data.update(changes)
    return client.post(change_url(episode), data)


def assert_refused(response, message):
    assert response.status_code == 200  # the page again, with the error: nothing saved
    page = response.content.decode()
    assert "Please correct the error" in page or "errorlist" in page
    assert message in page


def add_row(data, prefix, **fields):
    """One more row of an inline (``links``, ``clips``) in the posted form."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data.update({f"{prefix}-{total}-{name}": value for name, value in fields.items()})
    return data


def export_imports_back(episode):
    """The episode's file as export writes it now reads back with the same content."""
    data, body = exporter.episode_document(episode)
    text = exporter.render(episode, data, body)
    from archive import documents

    parsed = episode_file.episode_fields(documents.parse(text.encode()), episode.slug)
    return parsed


@pytest.mark.parametrize(
    "extra, message",
    [
        ("context: [unclosed\n", "This is not valid YAML"),
        ("- a\n- b\n", "not a list or a single value"),
        ("just words\n", "not a list or a single value"),
        ("transcript: []\n", "&#x27;transcript&#x27; has a field of its own"),
        ("title: Other\nguests: [x]\n", "&#x27;title&#x27;, &#x27;guests&#x27; have fields of their own"),
        ("a: &x big\nb: *x\n", "aliases"),
    ],
)
def test_other_front_matter_that_would_break_the_file_is_refused(editor_client, archive, extra, message):
    episode = archive["first"]
    before = exporter.episode_document(episode)
    assert_refused(post_episode(editor_client, episode, extra=extra), message)
    episode.refresh_from_db()
    assert episode.extra == ""
    assert exporter.episode_document(episode) == before
    assert editor_client.get(change_url(episode)).status_code == 200


def test_other_front_matter_of_the_files_own_keys_is_saved_and_exported(editor_client, archive):
    episode = archive["first"]
    response = post_episode(editor_client, episode, extra="context: Recorded live\nkeywords: [data, live]\n")
    assert response.status_code == 302
    episode.refresh_from_db()
    data, _ = exporter.episode_document(episode)
    assert data["context"] == "Recorded live"
    assert data["keywords"] == ["data", "live"]
    assert data["transcript"]  # the real transcript, whatever the field held
    export_imports_back(episode)


def test_a_persons_other_front_matter_may_not_hold_their_own_keys(editor_client, archive):
    guest = Guest.objects.get(short="ann")
    url = f"/admin/episodes/guest/{guest.pk}/change/"
    data = change_form_data(editor_client.get(url), form_id="guest_form")
    data["extra"] = "short: someone-else\n"
    assert_refused(editor_client.post(url, data), "&#x27;short&#x27; has a field of its own")
    guest.refresh_from_db()
    assert guest.extra == ""


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<script>x</script>", "ftp://example.com/a"])
def test_a_link_the_import_would_refuse_is_refused(editor_client, archive, url):
    episode = archive["first"]
    link = PlatformLink.objects.filter(episode=episode).order_by("position").first()
    data = change_form_data(editor_client.get(change_url(episode)))
    index = next(key.split("-")[1] for key, value in data.items() if key.startswith("links-") and value == str(link.pk))
    data[f"links-{index}-url"] = url
    assert_refused(editor_client.post(change_url(episode), data), "Give an http(s) address")
    link.refresh_from_db()
    assert link.url != url


def test_a_link_may_be_todo_or_an_address(editor_client, archive):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    add_row(data, "links", platform="apple", url="TODO", position="5")
    assert editor_client.post(change_url(episode), data).status_code == 302
    assert PlatformLink.objects.filter(episode=episode, platform="apple", url="TODO").exists()
    export_imports_back(Episode.objects.get(pk=episode.pk))


def test_two_links_for_one_platform_are_refused(editor_client, archive):
    # The file keeps one address per platform: the second would be lost on export.
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    add_row(data, "links", platform="youtube", url="https://youtu.be/other", position="9")
    assert_refused(editor_client.post(change_url(episode), data), "is listed twice")
    assert PlatformLink.objects.filter(episode=episode, platform="youtube").count() == 1


def test_a_clip_address_the_import_would_refuse_is_refused(editor_client, archive):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    add_row(data, "clips", name="A moment", position="0", start_offset="10", url="javascript:alert(1)")
    assert_refused(editor_client.post(change_url(episode), data), "Give an http(s) address")
    assert not QuotableClip.objects.filter(episode=episode).exists()
