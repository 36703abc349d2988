"""The transcript editor with its player, as the browser tests open it: the episodes of the
player's tests (tests/player_pages.py, real episodes of the archive) with the stand-in embed
(tests/player_standin.py), and an editor signed in (tests/editor_fixtures.py)."""

import itertools

from django.conf import settings

from episodes.models import Section, TranscriptLine
from tests.admin_pages import change_url
from tests.player_pages import open_page, player_frame


def open_editor(browser, desk, episode, width=1400):
    """The episode's change page, signed in, its player docked and answering; the stand-in's
    clock moves only when a test says so."""
    context, page = open_page(browser, desk, width=width)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": desk["session"], "url": desk["url"]}])
    page.set_default_timeout(15000)
    page.goto(desk["url"] + change_url(episode))
    page.wait_for_selector(".ep-dock #ep-player-frame")
    frame = player_frame(page)
    frame.evaluate("freeze()")
    return context, page, frame


def row_of(page, line):
    """The editor's row of a stored line."""
    return page.locator("div.t-line", has=page.locator(f"input[name$='-id'][value='{line.pk}']"))


def shortcut(page, key):
    page.keyboard.press(f"Alt+{key}")


def save(page):
    page.click("input[name=_continue]")
    page.wait_for_selector("ul.messagelist li.success")


def stored_lines(episode):
    return list(TranscriptLine.objects.filter(episode=episode).order_by("position"))


def caret(page, field, at):
    """The cursor in a text field at character ``at``."""
    field.focus()
    field.evaluate("(el, at) => el.setSelectionRange(at, at)", at)


def middle_line(episode, words=4):
    """A timed line from the middle of the episode with a few words, and the line after it in
    its section."""
    lines = stored_lines(episode)
    for line, after in zip(lines[len(lines) // 2 :], lines[len(lines) // 2 + 1 :]):
        between = Section.objects.filter(episode=episode, position__gt=line.position, position__lt=after.position)
        if line.sec is not None and len(line.text.split()) >= words and not between.exists():
            return line, after
    raise AssertionError(f"{episode.slug} has no such line")


def last_line_of_a_section(episode):
    """A line the next section's header follows, and the first line of that section."""
    lines = stored_lines(episode)
    for line, after in itertools.pairwise(lines):
        if Section.objects.filter(episode=episode, position__gt=line.position, position__lt=after.position).exists():
            return line, after
    raise AssertionError(f"{episode.slug} has one section only")
