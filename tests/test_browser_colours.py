"""The page's colours as a browser computes them, in the light and the dark system theme: the text
must stand out from the background it is drawn on (WCAG's 4.5:1 for body text)."""

import re

import pytest

from episodes.models import Episode, TranscriptLine

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.browser"]

MIN_CONTRAST = 4.5


@pytest.fixture
def site(transactional_db, django_db_serialized_rollback, live_server):
    episode = Episode.objects.create(slug="colours", title="Colours", season=1, number=1)
    TranscriptLine.objects.create(episode=episode, position=0, text="Some words.", speaker="Kim", sec=1, time="0:01")
    return live_server.url


def _luminance(css_colour):
    """Relative luminance of an ``rgb(r, g, b)`` colour, as WCAG defines it."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])

    def linear(channel):
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def _contrast(one, other):
    lighter, darker = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _body_colours(browser, url, scheme):
    context = browser.new_context(java_script_enabled=False, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(url)
        return page.eval_on_selector(
            "body", "body => [getComputedStyle(body).color, getComputedStyle(body).backgroundColor]"
        )
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/", "/podcast/colours/"])
def test_dark_theme_draws_light_text_on_a_dark_page(browser, site, path):
    text, background = _body_colours(browser, site + path, "dark")
    assert _luminance(background) < 0.1, background
    assert _contrast(text, background) >= MIN_CONTRAST, (text, background)


@pytest.mark.parametrize("path", ["/", "/podcast/colours/"])
def test_light_theme_draws_dark_text_on_a_light_page(browser, site, path):
    text, background = _body_colours(browser, site + path, "light")
    assert _luminance(background) > 0.8, background
    assert _contrast(text, background) >= MIN_CONTRAST, (text, background)
