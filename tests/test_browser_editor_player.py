"""The player beside the transcript editor (static/editor-player.js) in Chromium, over a real
episode of the archive, with the stand-in for the YouTube embed (tests/player_standin.html): a
line's ▶ plays it, the shortcuts stamp a time, move between lines, split and merge lines, and
what they did is what the save stores."""

import pytest

from episodes.timecodes import format_seconds as clock
from episodes.timecodes import parse_time
from tests.accessibility import axe_script, axe_summary, axe_violations
from tests.editor_desk import (
    caret,
    last_line_of_a_section,
    middle_line,
    open_editor,
    row_of,
    save,
    shortcut,
    stored_lines,
)
from tests.player_pages import checked_clean, commands, largest, starting, wait_for_command

pytestmark = [pytest.mark.browser, pytest.mark.corpus]
pytest_plugins = ["tests.browser", "tests.player_standin", "tests.editor_fixtures"]


def test_a_lines_play_button_seeks_the_docked_player_to_its_time(browser, desk):
    episode = largest()
    line, _ = middle_line(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        address = page.url
        row_of(page, line).locator("a.t-play").click()
        wait_for_command(frame, "playVideo")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        assert page.url == address and len(context.pages) == 1  # played here, not on youtube.com
        page.wait_for_function(
            "(id) => document.querySelector('.t-row.t-now input[name$=\"-id\"]').value === id", arg=str(line.pk)
        )
        assert page.inner_text("#ep-play") == "Pause"
        checked_clean(page)
    finally:
        context.close()


def test_the_player_stays_in_view_while_the_lines_scroll(browser, desk):
    context, page, _ = open_editor(browser, desk, largest())
    try:
        row_of(page, stored_lines(largest())[-1]).scroll_into_view_if_needed()
        box = page.locator(".ep-dock").bounding_box()
        assert 0 <= box["y"] and box["y"] + 100 < 1000  # the viewport's height is 900
        assert page.locator("#ep-shortcuts").is_visible()
    finally:
        context.close()


def test_the_stamp_shortcut_writes_the_players_time_on_the_focused_line(browser, desk):
    episode = largest()
    line, _ = middle_line(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        frame.evaluate("playAt(1234.6)")
        page.wait_for_function("() => document.getElementById('ep-clock').textContent === '20:34'")
        row = row_of(page, line)
        row.locator("textarea.t-text").focus()
        shortcut(page, "t")
        assert row.locator("input.t-time").input_value() == "20:34"
        assert row.locator("input.t-sec").input_value() == "1234"
        save(page)
        stored = next(stored for stored in stored_lines(episode) if stored.pk == line.pk)
        assert (stored.sec, stored.time) == (1234, "20:34")
        checked_clean(page)
    finally:
        context.close()


def test_split_at_the_cursor_makes_a_new_line_after_it_with_the_rest(browser, desk):
    episode = largest()
    line, after = middle_line(episode)
    words = line.text.split(" ")
    first, rest = " ".join(words[:2]), " ".join(words[2:])
    count = len(stored_lines(episode))
    context, page, _ = open_editor(browser, desk, episode)
    try:
        caret(page, row_of(page, line).locator("textarea.t-text"), len(first) + 1)
        shortcut(page, "Enter")
        assert page.evaluate("document.activeElement.value") == rest
        save(page)
        lines = stored_lines(episode)
        at = [stored.pk for stored in lines].index(line.pk)
        assert lines[at].text == first
        assert (lines[at + 1].text, lines[at + 1].speaker) == (rest, line.speaker)
        assert lines[at + 2].pk == after.pk
        # Its time is guessed between the line's and the next timed line's, by where the text split.
        end = next(stored.sec for stored in lines[at + 2 :] if stored.sec is not None)
        guess = line.sec + (end - line.sec) * len(first) // (len(first) + len(rest))
        assert lines[at + 1].sec == guess
        assert parse_time(lines[at + 1].time) == guess
        assert len(lines) == count + 1
        checked_clean(page)
    finally:
        context.close()


def test_merge_joins_the_next_lines_text_and_deletes_it(browser, desk):
    episode = largest()
    line, after = middle_line(episode)
    count = len(stored_lines(episode))
    context, page, _ = open_editor(browser, desk, episode)
    try:
        row_of(page, line).locator("textarea.t-text").focus()
        shortcut(page, "m")
        assert row_of(page, after).locator("input[name$='-DELETE']").is_checked()
        save(page)
        lines = stored_lines(episode)
        assert len(lines) == count - 1 and after.pk not in [stored.pk for stored in lines]
        merged = next(stored for stored in lines if stored.pk == line.pk)
        assert merged.text == f"{line.text.strip()} {after.text.strip()}"
        checked_clean(page)
    finally:
        context.close()


def test_next_and_previous_line_move_the_cursor_between_lines(browser, desk):
    episode = largest()
    line, after = middle_line(episode)
    context, page, _ = open_editor(browser, desk, episode)
    try:
        row_of(page, line).locator("textarea.t-text").focus()
        shortcut(page, "ArrowDown")
        focused_id = "document.activeElement.closest('.t-row').querySelector('input[name$=\"-id\"]').value"
        assert page.evaluate(focused_id) == str(after.pk)
        shortcut(page, "ArrowUp")
        assert page.evaluate(focused_id) == str(line.pk)
    finally:
        context.close()


def test_typing_pauses_playback_when_asked_and_the_option_is_remembered(browser, desk):
    episode = largest()
    line, _ = middle_line(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        page.check("#ep-typing-pauses")
        row_of(page, line).locator("a.t-play").click()
        page.wait_for_function("() => document.getElementById('ep-play').textContent === 'Pause'")
        row_of(page, line).locator("textarea.t-text").press("End")
        page.keyboard.type("x")
        wait_for_command(frame, "pauseVideo")
        page.goto(page.url)
        page.on("dialog", lambda dialog: dialog.accept())  # leaving with an edit asks first
        page.wait_for_selector(".ep-dock")
        assert page.is_checked("#ep-typing-pauses")
    finally:
        context.close()


def test_the_editor_with_its_player_passes_axe(browser, desk):
    script = axe_script()
    episode = largest()
    line, _ = middle_line(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        row_of(page, line).locator("a.t-play").click()
        wait_for_command(frame, "playVideo")
        violations = axe_violations(page, script, within=[".ep-dock", ".t-now"], iframes=False)
        assert violations == [], axe_summary(violations)
    finally:
        context.close()


def test_the_player_keys_play_pause_and_skip(browser, desk):
    episode = largest()
    line, _ = middle_line(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        row_of(page, line).locator("input.t-speaker").focus()
        shortcut(page, "p")  # the line the cursor is in
        wait_for_command(frame, "playVideo")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        page.wait_for_function("() => document.getElementById('ep-play').textContent === 'Pause'")
        shortcut(page, "k")
        wait_for_command(frame, "pauseVideo")
        page.wait_for_function("() => document.getElementById('ep-play').textContent === 'Play'")
        shortcut(page, "j")
        page.wait_for_function("(s) => document.getElementById('ep-clock').textContent === s", arg=clock(line.sec - 5))
        shortcut(page, "l")
        shortcut(page, "l")
        page.wait_for_function("(s) => document.getElementById('ep-clock').textContent === s", arg=clock(line.sec + 5))
        assert [args for func, args in commands(frame) if func == "seekTo"][-3:] == [
            [line.sec - 5, True],
            [line.sec, True],
            [line.sec + 5, True],
        ]
    finally:
        context.close()


def test_a_stamp_over_the_hour_is_written_as_the_episode_writes_such_times(browser, desk):
    episode = largest()
    line, after = middle_line(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        # An episode that writes 1:01:40 as 61:40 (the archive has one) gets its stamps so.
        other = row_of(page, after)
        other.locator("input.t-time").fill("61:40")
        assert other.locator("input.t-sec").input_value() == "3700"
        frame.evaluate("playAt(3725)")
        page.wait_for_function("() => document.getElementById('ep-clock').textContent === '1:02:05'")
        row_of(page, line).locator("textarea.t-text").focus()
        shortcut(page, "t")
        assert row_of(page, line).locator("input.t-time").input_value() == "62:05"
        other.locator("input.t-time").fill("1:01:40")
        row_of(page, line).locator("textarea.t-text").focus()
        shortcut(page, "t")
        assert row_of(page, line).locator("input.t-time").input_value() == "1:02:05"
    finally:
        context.close()


def test_the_line_marked_follows_the_players_time(browser, desk):
    episode = largest()
    timed = starting(episode)
    context, page, frame = open_editor(browser, desk, episode)
    try:
        row_of(page, timed[10]).locator("a.t-play").click()
        wait_for_command(frame, "playVideo")
        frame.evaluate(f"playAt({timed[40].sec} + 0.5)")
        marked = "() => Array.from(document.querySelectorAll('.t-now input[name$=\"-id\"]')).map(el => el.value)"
        page.wait_for_function(f"(id) => ({marked})().join() === id", arg=str(timed[40].pk))
        assert row_of(page, timed[40]).get_attribute("aria-current") == "time"
        assert row_of(page, timed[10]).get_attribute("aria-current") is None
    finally:
        context.close()


def test_merge_never_joins_a_line_with_the_next_section(browser, desk):
    episode = largest()
    line, first_of_next = last_line_of_a_section(episode)
    context, page, _ = open_editor(browser, desk, episode)
    try:
        text = row_of(page, line).locator("textarea.t-text")
        text.focus()
        shortcut(page, "m")
        assert page.inner_text("#ep-status") == "There is no line after this one in its section."
        assert text.input_value() == line.text
        assert not row_of(page, first_of_next).locator("input[name$='-DELETE']").is_checked()
    finally:
        context.close()


def test_someone_who_may_only_view_hears_the_lines_and_changes_none(browser, viewer_desk):
    episode = largest()
    line, after = middle_line(episode)
    context, page, frame = open_editor(browser, viewer_desk, episode)
    try:
        assert page.locator("#ep-shortcuts").is_visible()
        assert "stamp" not in page.inner_text("#ep-shortcuts")
        assert page.locator("#ep-typing-pauses").count() == 0
        assert page.locator("input[name=_continue]").count() == 0  # view only indeed
        row_of(page, line).locator("a.t-play").click()
        wait_for_command(frame, "playVideo")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        page.wait_for_function(
            "(id) => document.querySelector('.t-row.t-now input[name$=\"-id\"]').value === id", arg=str(line.pk)
        )
        text = row_of(page, line).locator("textarea.t-text")
        text.focus()
        for key in ("t", "Enter", "m"):
            shortcut(page, key)
        assert "view only" in page.inner_text("#ep-status")
        assert text.input_value().strip() == line.text.strip()
        assert row_of(page, line).locator("input.t-sec").input_value() == str(line.sec)
        assert not row_of(page, after).locator("input[name$='-DELETE']").is_checked()
        assert page.locator("div.t-line").count() == sum(
            1 for stored in stored_lines(episode) if stored.text is not None
        )
        checked_clean(page)
    finally:
        context.close()
