"""Requests built to break a page: a NUL character anywhere a value can travel is a 400 with a
sentence on both databases (PostgreSQL refuses NUL in any text, which was a 500)."""

import pytest

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db

NUL = "\x00"


def assert_refused(response):
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


@pytest.mark.parametrize(
    "path, query",
    [
        ("/search/", {"q": NUL}),
        ("/search/", {"q": f"spark{NUL}"}),
        ("/podcast/", {"page": NUL}),
        (f"/podcast/{NUL}/", {}),
        (f"/podcast/first{NUL}/", {}),
        (f"/people/{NUL}/", {}),
        (f"/podcast/first/transcript{NUL}.vtt", {}),
        ("/search/", {f"q{NUL}": "x"}),
    ],
)
def test_a_nul_in_a_public_request_is_a_400(client, archive, path, query):
    assert_refused(client.get(path, query))


@pytest.mark.parametrize(
    "path, query",
    [
        ("/admin/episodes/episode/", {"q": NUL}),
        ("/admin/episodes/guest/", {"q": f"ann{NUL}"}),
        (
            "/admin/autocomplete/",
            {"term": NUL, "app_label": "episodes", "model_name": "appearance", "field_name": "guest"},
        ),
        ("/admin/episodes/episode/find-replace/", {"find": NUL}),
        (f"/admin/episodes/episode/{NUL}/change/", {}),
    ],
)
def test_a_nul_in_an_admin_request_is_a_400(editor_client, archive, path, query):
    assert_refused(editor_client.get(path, query))


def test_a_nul_in_a_posted_field_is_a_400(editor_client, archive):
    response = editor_client.post(
        "/admin/episodes/episode/find-replace/", {"find": f"spark{NUL}", "replace": "x", "apply": "1"}
    )
    assert_refused(response)


def test_a_nul_in_the_login_form_is_a_400(client, db):
    assert_refused(client.post("/admin/login/", {"username": f"admin{NUL}", "password": "x"}))


def test_the_refusal_is_plain_text_that_names_where_the_nul_was(client, db):
    response = client.get("/search/", {"q": NUL})
    assert response["Content-Type"].startswith("text/plain")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "the query parameter 'q'" in response.content.decode()


def test_a_request_without_nul_is_untouched(client, archive):
    assert client.get("/search/", {"q": "spark"}).status_code == 200
    assert client.get("/podcast/first/").status_code == 200
