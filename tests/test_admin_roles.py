"""The Editors group: everything about the archive, nothing about users."""

import pytest
from django.contrib.auth.models import Group

from tests.admin_pages import change_url

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def test_editors_group_has_the_archive_permissions_and_no_user_ones():
    group = Group.objects.get(name="Editors")
    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    for model in ("episode", "guest", "section", "transcriptline", "platformlink", "appearance"):
        for action in ("add", "change", "delete"):
            assert ("episodes", f"{action}_{model}") in codenames
    assert not [c for c in codenames if c[0] != "episodes"]


def test_an_editor_edits_episodes_but_not_users(editor_client, archive):
    assert editor_client.get("/admin/episodes/episode/").status_code == 200
    assert editor_client.get(change_url(archive["first"])).status_code == 200
    assert editor_client.get("/admin/episodes/guest/").status_code == 200
    assert editor_client.get("/admin/auth/user/").status_code == 403
    assert editor_client.get("/admin/auth/group/").status_code == 403
    assert "auth/user" not in editor_client.get("/admin/").content.decode()


def test_superusers_manage_users(admin_client):
    assert admin_client.get("/admin/auth/user/").status_code == 200


def test_staff_without_the_group_cannot_touch_episodes(client, django_user_model, archive):
    user = django_user_model.objects.create_user("visitor", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/episodes/episode/").status_code == 403
    assert client.get("/admin/episodes/episode/find-replace/").status_code == 403
    assert client.get("/admin/episodes/episode/upload/").status_code == 403
    assert client.post(change_url(archive["first"]), {}).status_code == 403


def test_guests_are_picked_by_autocomplete(editor_client, archive):
    response = editor_client.get(
        "/admin/autocomplete/",
        {"app_label": "episodes", "model_name": "appearance", "field_name": "guest", "term": "Bob"},
    )
    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Bob Stone"]


def test_an_editor_previews_a_draft_on_the_public_site(editor_client, client, archive):
    first = archive["first"]
    editor_client.post("/admin/episodes/episode/", {"action": "unpublish", "_selected_action": [first.pk]})
    assert editor_client.get(first.get_absolute_url()).status_code == 200
    editor_client.logout()
    assert editor_client.get(first.get_absolute_url()).status_code == 404
