"""The admin's layout in Chromium: the episode change list at 1280 px, whose tool buttons (upload,
find and replace, archive health, recover, import, export, add) stay clear of the heading; the
transcript editor on a phone and a tablet, where a line's text keeps the editor's width."""

import pytest
from django.contrib.auth.models import User

from tests.browser import sign_in
from tests.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser]

pytest_plugins = ["tests.browser"]
PASSWORD = "a-long-admin-password"


def overlaps(a, b):
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_the_change_lists_buttons_do_not_cover_its_heading_at_1280_px(browser, transactional_db, live_server):
    User.objects.create_superuser("root", password=PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "root", PASSWORD, then="/admin/episodes/episode/")
        heading = page.locator("#content h1").bounding_box()
        buttons = [item.bounding_box() for item in page.locator(".object-tools li").all()]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin-change-list-1280.png"))
        assert len(buttons) >= 6
        assert not [box for box in buttons if overlaps(box, heading)]
        # And they stay on the page, not pushed past its right edge.
        assert all(box["x"] + box["width"] <= 1280 for box in buttons)
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 820])
def test_a_lines_text_keeps_the_width_of_the_editor_on_a_narrow_screen(browser, transactional_db, live_server, width):
    from django.core.management import call_command

    from episodes.models import Episode

    call_command("import_podcast", "sample", verbosity=0)
    episode = Episode.objects.filter(lines__isnull=False).distinct().first()
    User.objects.create_superuser("root", password=PASSWORD)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "root", PASSWORD, then=f"/admin/episodes/episode/{episode.pk}/change/")
        grid = page.locator(".t-grid").bounding_box()
        text = page.locator("textarea.t-text").first
        text.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"admin-editor-{width}.png"))
        assert text.bounding_box()["width"] >= 0.8 * grid["width"]
    finally:
        context.close()
