"""The player and the transcript tools for everyone: the keyboard alone, reduced motion, axe-core
with the player active, a phone's width; then episodes across the real archive with the script
on. Screenshots at desktop and phone widths go to $SCREENSHOTS_DIR (default /tmp/screens).
"""

import os

import pytest
from django.db.models import Count, Q

from episodes.models import Episode
from tests.accessibility import axe_script, axe_summary, axe_violations
from tests.conftest import SCREENSHOTS
from tests.pages import clear_archive, load_snapshot
from tests.player_pages import (
    checked_clean,
    comes_in_view,
    commands,
    in_view,
    largest,
    open_page,
    sel,
    starting,
    visit,
    wait_for_command,
)

pytestmark = [pytest.mark.browser, pytest.mark.corpus]
pytest_plugins = ["tests.browser", "tests.player_standin"]


# Whether the page has not moved since the last time this was asked.
STILL = "() => { const was = window.lastScrollY; window.lastScrollY = scrollY; return was === scrollY; }"


def focused(page):
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def tab_to(page, test, key="Tab", most=80):
    """Press Tab (or Shift+Tab) until the focused element passes ``test``, a JavaScript predicate."""
    for _ in range(most):
        page.keyboard.press(key)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return {test}; }})()"):
            return
    raise AssertionError(f"{test} never had the focus; it ended on {focused(page)}")


def test_every_control_works_from_the_keyboard(browser, site):
    episode = largest()
    line = starting(episode)[20]
    context, page = open_page(browser, site)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["url"])
    try:
        frame = visit(page, site, episode)
        # From the top of the page: the tools come before the transcript.
        tab_to(page, "el.id === 'tools-play'")
        page.keyboard.press("Enter")
        wait_for_command(frame, "playVideo")
        page.wait_for_function("() => document.getElementById('tools-play').textContent === 'Pause'")
        page.keyboard.press("Enter")
        wait_for_command(frame, "pauseVideo")
        page.wait_for_function("() => document.getElementById('tools-play').textContent === 'Play'")
        tab_to(page, "el.id === 'find-q'")
        page.keyboard.type("the")
        page.wait_for_function("() => / of \\d+$/.test(document.getElementById('find-count').textContent)")
        first = page.inner_text("#find-count")
        page.keyboard.press("Enter")
        assert page.inner_text("#find-count") != first
        page.keyboard.press("Shift+Enter")
        assert page.inner_text("#find-count") == first
        tab_to(page, "el.id === 'find-next'")
        page.keyboard.press("Space")
        assert page.inner_text("#find-count") != first
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Enter")
        assert page.inner_text("#find-count") == first
        page.fill("#find-q", "")

        # A line's time plays from it; its menu shares it.
        page.focus(f"{sel(line)} a.time")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => document.querySelector(\"{sel(line)}\").classList.contains('line--now')")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        tab_to(page, f'el.matches("{sel(line)} .line__link")', most=3)
        page.keyboard.press("Enter")
        assert focused(page) == "share-link"
        tab_to(page, "el.dataset.copy === 'share-link'", most=1)
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('share-status').textContent === 'Link copied.'")
        tab_to(page, "el.id === 'share-start'", most=1)
        page.keyboard.press("Space")
        assert f"?t={line.sec}#" in page.input_value("#share-link")
        tab_to(page, "el.id === 'share-close'", most=4)
        page.keyboard.press("Enter")
        assert page.is_hidden("#share")
        assert page.evaluate(f'document.activeElement.matches("{sel(line)} .line__link")')

        # The keyboard scrolls the page: the follow stops, and the control that resumes it is
        # reachable and works.
        page.keyboard.press("PageUp")
        page.wait_for_selector("#tools-back:visible")
        page.wait_for_function(STILL, polling=100)  # a person reaches the next key after the scroll
        page.focus("#find-q")
        page.keyboard.press("Shift+Tab")
        assert focused(page) == "tools-back"
        page.keyboard.press("Enter")
        page.wait_for_selector("#tools-back", state="hidden")
        comes_in_view(page, sel(line))
        assert page.evaluate(f"document.activeElement.closest('.line') === document.querySelector(\"{sel(line)}\")")
        checked_clean(page)
    finally:
        context.close()


# Every scroll the script asks for, with the behaviour it asks and the page's own.
RECORD_SCROLLS = """
window.scrolls = [];
const scrollBy = window.scrollBy.bind(window);
window.scrollBy = (options) => {
    window.scrolls.push([options.behavior, getComputedStyle(document.documentElement).scrollBehavior]);
    return scrollBy(options);
};
"""


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_the_follow_scrolls_smoothly_only_when_motion_is_welcome(browser, site, motion):
    episode = largest()
    timed = starting(episode)
    context, page = open_page(browser, site, motion=motion)
    context.add_init_script(RECORD_SCROLLS)
    try:
        frame = visit(page, site, episode)
        page.click(f"{sel(timed[3])} a.time")
        wait_for_command(frame, "playVideo")
        frame.evaluate(f"playAt({timed[90].sec} + 0.5)")
        page.wait_for_selector(f"{sel(timed[90])}.line--now")
        page.wait_for_function("() => window.scrolls.length > 0")
        if motion == "reduce":
            # At once: in view on the next frame, no smooth scrolling asked for or inherited.
            page.wait_for_timeout(50)
            assert in_view(page, sel(timed[90]))
            assert {tuple(s) for s in page.evaluate("window.scrolls")} == {("auto", "auto")}
        else:
            assert {s[0] for s in page.evaluate("window.scrolls")} == {"smooth"}
        # Its own smooth scrolling is no scrolling of the visitor's: the follow goes on.
        assert page.is_hidden("#tools-back")
        checked_clean(page)
    finally:
        context.close()


def test_axe_finds_no_violation_with_the_player_active(browser, site):
    script = axe_script()
    episode = largest()
    timed = starting(episode)
    context, page = open_page(browser, site)
    try:
        frame = visit(page, site, episode)
        page.click(f"{sel(timed[10])} a.time")
        wait_for_command(frame, "playVideo")
        frame.evaluate(f"playAt({timed[30].sec} + 0.5)")
        page.wait_for_selector(f"{sel(timed[30])}.line--now")
        page.mouse.wheel(0, 300)  # the follow stops: the control to resume it shows
        page.wait_for_selector("#tools-back:visible")
        page.fill("#find-q", "the")
        page.wait_for_function("() => / of \\d+$/.test(document.getElementById('find-count').textContent)")
        page.click(f"{sel(timed[30])} .line__link")
        page.check("#share-start")
        # The player's own page is YouTube's, not ours: axe looks at this page and the frame's title.
        violations = axe_violations(page, script, iframes=False)
        count = sum(len(v["nodes"]) for v in violations)
        assert violations == [], f"{count} axe violations:\n{axe_summary(violations)}"
        checked_clean(page)
    finally:
        context.close()


def test_desktop_and_phone_widths(browser, site):
    """The page with the player playing, find in this episode and a line's menu, at 1280 and 390
    pixels wide: nothing runs off the side, the tools stay in view, screenshots to look at."""
    episode = largest()
    timed = starting(episode)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, name in ((1280, "desktop"), (390, "phone")):
        context, page = open_page(browser, site, width=width)
        try:
            frame = visit(page, site, episode)
            page.click(f"{sel(timed[12])} a.time")
            wait_for_command(frame, "playVideo")
            frame.evaluate(f"playAt({timed[40].sec} + 0.5)")
            page.wait_for_selector(f"{sel(timed[40])}.line--now")
            comes_in_view(page, sel(timed[40]))
            tools = page.locator("#tools").bounding_box()
            assert tools["y"] >= 0 and tools["height"] < (130 if width < 500 else 70), tools
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SCREENSHOTS / f"player-{name}-following.png"))

            page.fill("#find-q", "open source")
            page.wait_for_function("() => / of \\d+$/.test(document.getElementById('find-count').textContent)")
            page.screenshot(path=str(SCREENSHOTS / f"player-{name}-find.png"))
            page.fill("#find-q", "")

            page.click(f"{sel(timed[41])} .line__link")
            page.check("#share-start")
            share = page.locator("#share").bounding_box()
            assert share["x"] >= 0 and share["x"] + share["width"] <= width
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SCREENSHOTS / f"player-{name}-share.png"))

            page.evaluate("scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOTS / f"player-{name}-top.png"))
            checked_clean(page)
        finally:
            context.close()


@pytest.fixture
def whole_archive(transactional_db, django_db_serialized_rollback, live_server, standin, tmp_path):
    load_snapshot("2026-06", tmp_path / "media")
    yield {"url": live_server.url, "standin": standin}
    clear_archive()


# What the page is once its script has run (it runs before DOMContentLoaded, deferred).
FACTS = """() => ({
    tools: !document.getElementById('tools').hidden,
    menus: document.querySelectorAll(".line__link[aria-expanded='false']").length,
    lines: document.querySelectorAll('.line').length,
    wide: document.documentElement.scrollWidth,
    now: (() => { const time = document.querySelector('a.time'); if (time) time.click();
                  return document.querySelectorAll('.line--now').length; })(),
})"""


# Every episode takes this test minutes; the suite opens every EVERY-th in name order, and the one
# with the most lines and the one with the most untimed lines. PLAYER_EVERY=1 opens them all.
EVERY = int(os.environ.get("PLAYER_EVERY", "3"))


def test_episodes_across_the_archive_with_the_script(browser, whole_archive):
    """Published episodes with a transcript, at desktop and phone widths by turns: the tools show,
    every line's menu is ready, a time plays in the page, nothing runs off the side, and nothing
    fails or is refused."""
    episodes = Episode.objects.published().filter(lines__isnull=False).distinct().order_by("slug")
    episodes = list(
        episodes.annotate(n=Count("lines", distinct=True), timed=Count("lines", filter=Q(lines__sec__isnull=False)))
    )
    assert len(episodes) > 150
    extremes = {max(episodes, key=lambda e: e.n), max(episodes, key=lambda e: e.n - e.timed)}
    episodes = episodes[::EVERY] + [e for e in extremes if e not in episodes[::EVERY]]
    pages = {width: open_page(browser, whole_archive, width=width) for width in (1280, 390)}
    for context, _ in pages.values():  # the images are not what is looked at here
        context.route("**/media/**", lambda route: route.abort())
    try:
        for n, episode in enumerate(episodes):
            width = 1280 if n % 2 else 390
            page = pages[width][1]
            page.goto(whole_archive["url"] + episode.get_absolute_url(), wait_until="domcontentloaded")
            facts = page.evaluate(FACTS)
            plays = bool(episode.youtube_id and episode.timed)
            expected = {"tools": True, "menus": episode.n, "lines": episode.n, "wide": width, "now": int(plays)}
            assert dict(facts, wide=min(facts["wide"], width)) == expected, episode.slug
            checked_clean(page)
    finally:
        for context, _ in pages.values():
            context.close()
