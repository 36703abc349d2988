"""Every address an episode or person ever had keeps working: a renamed row's old address (and
its old .html form) redirects permanently, in one step, to its page now; a removed row's answers
410 Gone; an address taken by a new row is that row's page."""

import pytest

from episodes.models import Episode, Guest
from tests.admin_pages import change_form_data, change_url

pytest_plugins = ["tests.admin_fixtures"]

pytestmark = pytest.mark.django_db


def test_a_slug_changed_in_the_admin_redirects_from_the_old_address(editor_client, archive, client):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    data["slug"] = "first-renamed"
    assert editor_client.post(change_url(episode), data).status_code == 302
    for old in ("/podcast/first/", "/podcast/first.html"):
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/podcast/first-renamed/")
    assert client.get("/podcast/first-renamed/").status_code == 200


def test_renamed_twice_the_first_address_redirects_straight_to_the_last(client, archive):
    episode = Episode.objects.get(slug="first")
    for slug in ("second-name", "third-name"):
        episode.slug = slug
        episode.save()
    for old in ("/podcast/first/", "/podcast/second-name/", "/podcast/first.html"):
        assert client.get(old)["Location"] == "/podcast/third-name/"


def test_a_transcript_file_of_a_renamed_episode_redirects_to_the_same_file(client, archive):
    episode = Episode.objects.get(slug="first")
    episode.slug = "renamed"
    episode.save()
    response = client.get("/podcast/first/transcript.vtt")
    assert (response.status_code, response["Location"]) == (301, "/podcast/renamed/transcript.vtt")


def test_a_removed_episode_and_person_are_gone(client, archive):
    Episode.objects.get(slug="second").delete()
    Guest.objects.get(short="bob").delete()
    for address in ("/podcast/second/", "/podcast/second.html", "/people/bob/", "/people/bob.html"):
        assert client.get(address).status_code == 410, address


def test_an_address_taken_again_is_the_new_rows_page(client, archive):
    episode = Episode.objects.get(slug="first")
    episode.slug = "moved-away"
    episode.save()
    Episode.objects.create(slug="first", title="A new first")
    response = client.get("/podcast/first/")
    assert response.status_code == 200
    assert "A new first" in response.content.decode()


def test_an_address_that_never_was_is_not_found(client, archive):
    assert client.get("/podcast/never-was/").status_code == 404
    assert client.get("/podcast/never-was.html").status_code == 404


def test_a_renamed_person_redirects(client, archive):
    guest = Guest.objects.get(short="ann")
    guest.short = "ann-lee"
    guest.save()
    response = client.get("/people/ann/")
    assert (response.status_code, response["Location"]) == (301, "/people/ann-lee/")
