"""The site in a real browser: headless Chromium (Debian's, at /usr/bin/chromium) driven by
Playwright, over an episode of the real archive served by pytest-django's live server.

JavaScript is off in the browser: the site must work without it. Screenshots of the episode page
at desktop and phone widths go to $SCREENSHOTS_DIR (default /tmp/screens), outside the project.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from episodes.models import Episode, Guest
from tests.conftest import SCREENSHOTS, SNAPSHOTS, refused_by_policy
from tests.pages import clear_archive, largest_episode, load_snapshot

pytestmark = pytest.mark.browser

# The Chromium fixture, ``browser``, shared with the other browser tests.
pytest_plugins = ["tests.browser"]


@pytest.fixture(params=SNAPSHOTS)
def site(request, transactional_db, django_db_serialized_rollback, live_server, tmp_path):
    # The live server reads committed rows, so the database is emptied after the test; serialized
    # rollback then puts back what migrations created (groups, permissions) for the tests after.
    load_snapshot(request.param, tmp_path / "media")
    yield live_server.url
    clear_archive()


def open_page(browser, base, width):
    # Reduced motion: no smooth scrolling, so a followed anchor is in view when the page is.
    context = browser.new_context(
        java_script_enabled=False, reduced_motion="reduce", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.refused = refused_by_policy(page)
    # Nothing leaves the machine: the YouTube player and anything else off-site is refused.
    page.route(re.compile(r"^https?://(?!" + re.escape(urlsplit(base).netloc) + r"/).*"), lambda route: route.abort())
    return context, page


def in_view(page, selector):
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] < page.viewport_size["height"]


def test_episode_page_in_a_browser(browser, site):
    episode = largest_episode()
    section = episode.sections.order_by("position").first()
    context, page = open_page(browser, site, 1280)
    try:
        page.goto(site + episode.get_absolute_url())
        assert page.locator("h1").inner_text().strip() == re.sub(r"\s+", " ", episode.title).strip()

        # A contents link scrolls to its section's heading.
        first = page.locator("nav#contents a").first
        anchor = first.get_attribute("href")
        first.click()
        page.wait_for_url(re.compile(re.escape(anchor) + "$"))
        heading = page.locator(f"h3[id='{anchor[1:]}']")
        assert heading.inner_text().strip() == re.sub(r"\s+", " ", section.title).strip()
        assert in_view(page, f"h3[id='{anchor[1:]}']")

        # A timestamp links to the video at that line's second.
        timed = episode.lines.exclude(sec=None).order_by("position").first()
        link = page.locator(f"[id='line-{timed.uid}'] a.time")
        query = parse_qs(urlsplit(link.get_attribute("href")).query)
        assert query == {"v": [episode.youtube_id], "t": [str(timed.sec)]}
        assert link.inner_text().strip() == (timed.time or str(timed.sec)) or timed.time == ""

        # Screenshots at desktop and phone widths, for a person to look at.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(site + episode.get_absolute_url())
        page.screenshot(path=str(SCREENSHOTS / f"episode-{episode.pk}-desktop.png"))
        phone_context, phone = open_page(browser, site, 390)
        phone.goto(site + episode.get_absolute_url())
        phone.screenshot(path=str(SCREENSHOTS / f"episode-{episode.pk}-phone.png"))
        phone.goto(site + episode.get_absolute_url() + anchor)
        phone.screenshot(path=str(SCREENSHOTS / f"episode-{episode.pk}-phone-section.png"))
        phone_context.close()

        # A guest link opens the guest's profile.
        guest = Guest.objects.filter(appearances__episode=episode).order_by("appearances__position").first()
        page.locator("a.guest").first.click()
        page.wait_for_url(re.compile(re.escape(guest.get_absolute_url()) + "$"))
        assert page.locator("h1").inner_text().strip() == guest.title.strip()
        assert page.locator(f"a[href='{episode.get_absolute_url()}']").count() >= 1

        # A search from the header finds a line; its result opens the episode at that line.
        words = [w for w in re.findall(r"[A-Za-z]{6,}", timed.text)][:2] or timed.text.split()[:2]
        page.fill("#site-q", " ".join(words))
        page.press("#site-q", "Enter")
        page.wait_for_url(re.compile(r"/search/\?q="))
        result = page.locator("a.hit__line").first
        href = result.get_attribute("href")
        assert re.search(r"/podcast/[^#]+/#line-[a-z]+$", href), href
        assert page.locator("a.hit__line mark").count() >= 1
        result.click()
        page.wait_for_url(re.compile(re.escape(href) + "$"))
        target = href.split("#")[1]
        assert in_view(page, f"[id='{target}']")
        assert page.locator(f"[id='{target}']").evaluate("el => el.matches(':target')")

        # The old static site's address still leads to the page; a draft does not.
        response = page.goto(f"{site}/podcast/{episode.slug}.html")
        assert response.ok
        assert page.url == site + episode.get_absolute_url()
        draft = Episode.objects.filter(is_published=False).first()
        if draft is not None:
            assert page.goto(site + draft.get_absolute_url()).status == 404
        assert page.refused == []
    finally:
        context.close()
