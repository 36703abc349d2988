"""Two editors in two real browsers (headless Chromium, the page's script on) correcting the same
real episode: different lines both land; the same line gives the side-by-side choice; after each
save the page opens at the line being edited."""

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User

from archive import documents, importer, sources
from episodes.models import Episode, TranscriptLine
from tests.admin_pages import editors_group
from tests.browser import sign_in
from tests.conftest import SCREENSHOTS, corpus_snapshot

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

pytest_plugins = ["tests.browser"]  # the Chromium fixture, ``browser``
PASSWORD = "a-long-editor-password"
SLUG = "dataops-for-data-engineering"


@pytest.fixture
def live_episode(transactional_db, live_server):
    site = corpus_snapshot("2026-06")
    path = site / "_podcast" / f"{SLUG}.md"
    guests = documents.parse(path.read_bytes()).data.get("guests") or []
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    assert importer.Importer().run_sources(files + [sources.Source(path, "episode", site)]).ok
    for name in ("edith", "otto"):
        User.objects.create_user(name, password=PASSWORD, is_staff=True).groups.add(editors_group())
    return live_server.url, Episode.objects.get(slug=SLUG)


def editor_page(browser, base, name, episode):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.route(re.compile(r"^https?://(?!" + re.escape(urlsplit(base).netloc) + r"/).*"), lambda route: route.abort())
    sign_in(page, base, name, PASSWORD, then=f"/admin/episodes/episode/{episode.pk}/change/")
    page.wait_for_selector("#t-rows")
    return page


def row(page, line):
    return page.locator("div.t-line", has=page.locator(f"input[name$='-id'][value='{line.pk}']"))


def correct(page, line, text):
    field = row(page, line).locator("textarea.t-text")
    field.scroll_into_view_if_needed()
    field.fill(text)


def save_and_continue(page):
    with page.expect_navigation():
        page.locator("input[name=_continue]").first.click()


def in_view(page, locator):
    box = locator.bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_two_editors_in_two_browsers(browser, live_episode):
    base, episode = live_episode
    lines = list(TranscriptLine.objects.filter(episode=episode).order_by("position"))
    mine, other, shared = lines[len(lines) // 2], lines[-2], lines[5]
    edith = editor_page(browser, base, "edith", episode)
    otto = editor_page(browser, base, "otto", episode)

    # Different lines: both land, and each page opens at its editor's line.
    correct(otto, other, "Otto's correction.")
    save_and_continue(otto)
    correct(edith, mine, "Edith's correction.")
    save_and_continue(edith)
    assert "merged with theirs" in edith.content()
    anchor = urlsplit(edith.url).fragment
    assert anchor and edith.locator(f"#{anchor}").locator("textarea.t-text").input_value() == "Edith's correction."
    assert in_view(edith, edith.locator(f"#{anchor}"))
    assert TranscriptLine.objects.get(pk=mine.pk).text == "Edith's correction."
    assert TranscriptLine.objects.get(pk=other.pk).text == "Otto's correction."

    # The same line: Edith sees both versions side by side and keeps hers.
    otto.reload()
    correct(otto, shared, "Otto's version.")
    correct(edith, shared, "Edith's version.")
    save_and_continue(otto)
    save_and_continue(edith)
    table = edith.locator("table.merge-table")
    assert "Otto's version." in table.inner_text() and "Edith's version." in table.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    edith.screenshot(path=str(SCREENSHOTS / "admin-merge-choice.png"), full_page=True)
    edith.locator("td.merge-mine input[type=radio]").check()
    with edith.expect_navigation():
        edith.locator("#merge_form input[type=submit]").click()
    assert TranscriptLine.objects.get(pk=shared.pk).text == "Edith's version."
    anchor = urlsplit(edith.url).fragment
    assert edith.locator(f"#{anchor}").locator("textarea.t-text").input_value() == "Edith's version."
