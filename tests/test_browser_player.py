"""The episode page's player and transcript tools (static/transcript-player.js) in Chromium, over
episodes of the real archive, with a stand-in for the YouTube embed that speaks its postMessage
protocol and reports the commands it got (tests/player_standin.html): play from a line, follow
along, find in this episode, quote a moment, the keyboard alone, reduced motion, axe-core.

Screenshots at desktop and phone widths go to $SCREENSHOTS_DIR (default /tmp/screens).
"""

import itertools
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from episodes.models import Episode, TranscriptLine
from episodes.transcripts import Transcript
from tests.player_pages import (
    checked_clean,
    chosen_files,
    comes_in_view,
    commands,
    import_site,
    in_view,
    largest,
    lines_of,
    now_playing,
    open_page,
    player_frame,
    sel,
    starting,
    visit,
    wait_for_command,
)

pytestmark = [pytest.mark.browser, pytest.mark.corpus]
pytest_plugins = ["tests.browser", "tests.player_standin"]


# --- play from a line -------------------------------------------------------------------------


def test_clicking_a_time_plays_the_player_from_that_second_without_leaving_the_page(browser, site):
    episode = largest()
    timed = [line for line in lines_of(episode) if line.sec is not None]
    context, page = open_page(browser, site)
    try:
        frame = visit(page, site, episode)
        address = page.url
        line = timed[12]
        page.click(f"{sel(line)} a.time")
        wait_for_command(frame, "playVideo")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        assert page.url == address  # still here, not on youtube.com
        page.wait_for_selector(f"{sel(line)}.line--now")
        assert page.get_attribute(sel(line), "aria-current") == "time"
        assert page.inner_text("#tools-play") == "Pause"
        speaker = line.speaker.rstrip(":").strip()
        page.wait_for_function("(who) => document.getElementById('now-line').textContent.includes(who)", arg=speaker)

        # A section in the contents plays from its first timed line, and the page goes to it.
        entry = page.locator("nav#contents a").nth(3)
        anchor = entry.get_attribute("href")
        entry.click()
        heading = page.locator(f"[id='{anchor[1:]}']")
        first = heading.locator("xpath=..").locator("a.time").first
        second = int(parse_qs(urlsplit(first.get_attribute("href")).query)["t"][0])
        frame.wait_for_function(f"() => window.received.some(m => m.func === 'seekTo' && m.args[0] === {second})")
        page.wait_for_url(re.compile(re.escape(anchor) + "$"))
        # With the script, a time still links to YouTube at its second, for a new tab.
        href = page.get_attribute(f"{sel(line)} a.time", "href")
        assert parse_qs(urlsplit(href).query) == {"v": [episode.youtube_id], "t": [str(line.sec)]}
        checked_clean(page)
    finally:
        context.close()


def test_a_search_result_opens_at_its_line_ready_to_play_from_it(browser, site):
    episode = largest()
    line = [line for line in lines_of(episode) if line.sec is not None][150]
    words = " ".join(re.findall(r"[A-Za-z]{5,}", line.text)[:3])
    context, page = open_page(browser, site)
    try:
        page.goto(f"{site['url']}/search/?q={words}")
        result = page.locator(f"a.hit__line[href$='#line-{line.uid}']")
        result.click()
        page.wait_for_selector("#tools:not([hidden])")
        comes_in_view(page, sel(line))
        clock = line.time or f"{line.sec // 60}:{line.sec % 60:02}"
        assert page.inner_text("#tools-play") == f"Play from {clock}"
        page.click("#tools-play")
        frame = player_frame(page)
        wait_for_command(frame, "playVideo")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        page.wait_for_selector(f"{sel(line)}.line--now")
        checked_clean(page)
    finally:
        context.close()


# --- follow along -----------------------------------------------------------------------------


def test_playback_moves_the_highlight_and_keeps_it_in_view_until_the_visitor_scrolls(browser, site):
    episode = largest()
    timed = starting(episode)
    assert len(timed) > 100
    context, page = open_page(browser, site)
    try:
        frame = visit(page, site, episode)
        page.click(f"{sel(timed[5])} a.time")
        wait_for_command(frame, "playVideo")
        for line in (timed[40], timed[80], timed[81]):
            frame.evaluate(f"playAt({line.sec} + 0.5)")
            page.wait_for_selector(f"{sel(line)}.line--now")
            comes_in_view(page, sel(line))
            assert now_playing(page) == [f"line-{line.uid}"]
        assert page.is_hidden("#tools-back")

        # The visitor scrolls: the highlight goes on, the page stays where they put it.
        page.mouse.move(400, 500)
        page.mouse.wheel(0, -1500)
        page.wait_for_selector("#tools-back:visible")
        page.wait_for_timeout(200)
        where = page.evaluate("scrollY")
        frame.evaluate(f"playAt({timed[100].sec} + 0.5)")
        page.wait_for_selector(f"{sel(timed[100])}.line--now")
        page.wait_for_timeout(300)
        assert page.evaluate("scrollY") == where
        assert not in_view(page, sel(timed[100]))

        # Back to the current line, and the follow goes on from there.
        page.click("#tools-back")
        comes_in_view(page, sel(timed[100]))
        assert page.is_hidden("#tools-back")
        frame.evaluate(f"playAt({timed[104].sec} + 0.5)")
        page.wait_for_selector(f"{sel(timed[104])}.line--now")
        comes_in_view(page, sel(timed[104]))

        # Selecting text stops it too.
        page.evaluate(
            """(id) => { const text = document.getElementById(id).querySelector('.line__text');
            getSelection().selectAllChildren(text); }""",
            f"line-{timed[104].uid}",
        )
        page.wait_for_selector("#tools-back:visible")
        page.wait_for_selector("#quote-button:visible")
        checked_clean(page)
    finally:
        context.close()


def test_lines_without_a_time_follow_their_neighbours(browser, site):
    episode = Episode.objects.get(slug=chosen_files()[1][1].stem)
    transcript = Transcript.from_rows(episode.sections.all(), episode.lines.all(), episode.duration)
    cues = transcript.cues()
    # A timed line, later than the one before it, with untimed lines after it up to a later one:
    # they share its time in proportion to their length, as in the caption files.
    runs, before = [], -1
    for index, cue in enumerate(cues[:-1]):
        if not cue.line.is_timed:
            continue
        end = next((i for i in range(index + 1, len(cues)) if cues[i].line.is_timed), None)
        later = end is not None and end > index + 1 and cues[end].line.seconds > cue.line.seconds
        if before < cue.line.seconds and later:
            runs.append(cues[index : end + 1])
        before = cue.line.seconds
    assert runs
    run = max(runs, key=lambda run: (len(run), run[0].start_ms))
    context, page = open_page(browser, site)
    try:
        frame = visit(page, site, episode)
        page.click(f"[id='{run[0].line.anchor}'] a.time")
        wait_for_command(frame, "playVideo")
        for cue, following in itertools.pairwise(run):
            middle = (cue.start_ms + following.start_ms) / 2000
            frame.evaluate(f"playAt({middle})")
            page.wait_for_selector(f"[id='{cue.line.anchor}'].line--now")
            assert now_playing(page) == [cue.line.anchor]
        checked_clean(page)
    finally:
        context.close()


# --- find in this episode ---------------------------------------------------------------------


# How many matches are painted, and where the current one is, with the Custom Highlight API or
# with the <mark> elements a browser without it gets.
PAINTED = """() => CSS.highlights ? (CSS.highlights.get('find') || {size: 0}).size
    : document.querySelectorAll('mark.find-hit').length"""
CURRENT = """() => { const at = CSS.highlights ? [...CSS.highlights.get('find-current')][0]
    : document.querySelector('.find-hit--current');
    const box = at.getBoundingClientRect(), tools = document.getElementById('tools').getBoundingClientRect();
    return box.top >= tools.bottom && box.bottom <= innerHeight; }"""


@pytest.mark.parametrize("highlights", [True, False], ids=["highlight-api", "marks"])
def test_find_in_this_episode_counts_steps_and_marks_in_place(browser, site, highlights):
    episode = largest()
    texts = [line.text for line in lines_of(episode)]
    context, page = open_page(browser, site)
    if not highlights:
        context.add_init_script("Object.defineProperty(CSS, 'highlights', {value: undefined})")
    try:
        visit(page, site, episode)
        before = page.inner_text(".transcript__body")
        # The transcript's most frequent long word, asked for in capitals: case does not matter.
        words = Counter(word.lower() for text in texts for word in re.findall(r"[A-Za-z]{6,}", text))
        word = words.most_common(1)[0][0]
        total = sum(len(re.findall(word, text, re.IGNORECASE)) for text in texts)
        assert total > 10
        page.fill("#find-q", word.upper())
        page.wait_for_function(f"() => document.getElementById('find-count').textContent.endsWith('of {total}')")
        assert page.evaluate(PAINTED) == total
        first = page.inner_text("#find-count")
        page.press("#find-q", "Enter")
        number = int(first.split()[0])
        assert page.inner_text("#find-count") == f"{number % total + 1} of {total}"
        page.wait_for_function(CURRENT)
        page.press("#find-q", "Shift+Enter")
        page.press("#find-q", "Shift+Enter")
        assert page.inner_text("#find-count") == f"{(number - 2) % total + 1} of {total}"
        page.click("#find-next")
        assert page.inner_text("#find-count") == first
        page.wait_for_function(CURRENT)
        page.fill("#find-q", "zqxjkvw")
        page.wait_for_function("() => document.getElementById('find-count').textContent === 'No matches'")

        if highlights:
            # No visible lag: a keystroke's search and painting, over the whole transcript, up to
            # the frame that shows it; a single letter matches thousands of times. Each word's
            # best of three, so that another process's moment on the CPU is not counted.
            took = page.evaluate(
                """async () => {
                    const box = document.getElementById('find-q');
                    const worst = [];
                    for (const word of ['the', 'e', 'data engineer', 'a', 'th']) {
                        const times = [];
                        for (let run = 0; run < 3; run++) {
                            box.value = '';
                            box.dispatchEvent(new Event('input'));
                            await new Promise(done => requestAnimationFrame(() => setTimeout(done)));
                            const started = performance.now();
                            box.value = word;
                            box.dispatchEvent(new Event('input'));
                            await new Promise(done => requestAnimationFrame(() => setTimeout(done)));
                            times.push(performance.now() - started);
                        }
                        worst.push(Math.min(...times));
                    }
                    return Math.max(...worst);
                }"""
            )
            assert took < 100, f"{took:.0f} ms for one keystroke"
        page.fill("#find-q", "")
        page.wait_for_function("() => document.getElementById('find-count').textContent === ''")
        assert page.evaluate(PAINTED) == 0
        assert page.inner_text(".transcript__body") == before
        checked_clean(page)
    finally:
        context.close()


# --- quote a moment ---------------------------------------------------------------------------


def insert_first_line(folder, path):
    target = folder / "_podcast" / path.name
    text = target.read_text(encoding="utf-8")
    head, body = text.removeprefix("---\n").split("\n---", 1)
    data = yaml.safe_load(head)
    data["transcript"].insert(0, {"line": "A line an editor put first.", "sec": 0, "time": "0:00", "who": "Editor"})
    target.write_text("---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---" + body, "utf-8")


def test_a_quote_link_opens_at_its_line_after_an_earlier_line_was_inserted(browser, site):
    episode = largest()
    line = [line for line in lines_of(episode) if line.sec is not None][100]
    context, page = open_page(browser, site)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site["url"])
    try:
        visit(page, site, episode)
        page.click(f"{sel(line)} .line__link")
        assert page.get_attribute(f"{sel(line)} .line__link", "aria-expanded") == "true"
        assert page.locator(f"{sel(line)} #share").is_visible()
        assert page.evaluate("document.activeElement.id") == "share-link"
        canonical = page.get_attribute("link[rel=canonical]", "href")
        assert page.input_value("#share-link") == f"{canonical}#line-{line.uid}"
        page.check("#share-start")
        link = page.input_value("#share-link")
        assert link == f"{canonical}?t={line.sec}#line-{line.uid}"
        citation = page.input_value("#share-cite")
        speaker = line.speaker.rstrip(":").strip()
        title = re.sub(r"\s+", " ", episode.title).strip()
        clock = line.time or f"{line.sec // 60}:{line.sec % 60:02}"
        assert citation == f"“{' '.join(line.text.split())}” — {speaker}, “{title}”, {clock}. {link}"
        page.click("#share [data-copy='share-cite']")
        page.wait_for_function("() => document.getElementById('share-status').textContent === 'Citation copied.'")
        assert page.evaluate("navigator.clipboard.readText()") == citation
        page.keyboard.press("Escape")
        assert page.is_hidden("#share")
        assert page.evaluate("document.activeElement.closest('.line').id") == f"line-{line.uid}"

        # A selection gives a quote of just what was selected.
        page.evaluate(
            """(id) => { const text = document.getElementById(id).querySelector('.line__text').firstChild;
            const range = document.createRange(); range.setStart(text, 0); range.setEnd(text, 40);
            getSelection().removeAllRanges(); getSelection().addRange(range); }""",
            f"line-{line.uid}",
        )
        page.click("#quote-button")
        assert page.input_value("#share-cite").startswith(f"“{' '.join(line.text[:40].split())}” — {speaker}")
        context.close()

        # The archive changes: a line goes in before it. The link still opens at it, and plays.
        insert_first_line(site["folder"], chosen_files()[1][0])
        import_site(site["folder"], site["media"])
        moved = TranscriptLine.objects.get(episode=episode, uid=line.uid)
        assert moved.position == line.position + 1
        assert moved.text == line.text
        context, page = open_page(browser, site)
        page.goto(link)
        page.wait_for_selector("#tools:not([hidden])")
        assert page.evaluate("location.hash") == f"#line-{line.uid}"
        assert page.eval_on_selector(sel(line), "el => el.matches(':target')")
        comes_in_view(page, sel(line))
        frame = player_frame(page)
        wait_for_command(frame, "playVideo")
        assert ("seekTo", [line.sec, True]) in commands(frame)
        page.wait_for_selector(f"{sel(line)}.line--now")
        checked_clean(page)
    finally:
        context.close()
