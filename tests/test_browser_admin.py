"""The editorial admin in a real browser (headless Chromium via Playwright, JavaScript on): an
editor logs in, corrects a line of the largest real episode, saves, sees the correction on the
public page and in the episode's downloaded .md file.

Screenshots of the change page and of the find-and-replace preview go to $SCREENSHOTS_DIR
(default /tmp/screens). When CI is set and the browser is missing, the test fails.
"""

import difflib
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User

from archive import documents, exporter, importer, sources
from episodes.models import Episode, TranscriptLine
from tests.admin_pages import editors_group, largest_real_episode
from tests.browser import sign_in
from tests.conftest import SCREENSHOTS, refused_by_policy

pytestmark = [pytest.mark.browser, pytest.mark.corpus]

# The Chromium fixture, ``browser``, shared with the other browser tests.
pytest_plugins = ["tests.browser"]
PASSWORD = "a-long-editor-password"


@pytest.fixture(scope="module")
def chromium(browser):
    return browser


@pytest.fixture
def largest_live(transactional_db, live_server):
    site, path = largest_real_episode()
    guests = documents.parse(path.read_bytes()).data.get("guests") or []
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    assert importer.Importer().run_sources(files + [sources.Source(path, "episode", site)]).ok
    user = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
    user.groups.add(editors_group())
    yield live_server.url, Episode.objects.get(slug=path.stem)


def test_editor_corrects_a_line_and_sees_it_everywhere(chromium, largest_live, tmp_path):
    base, episode = largest_live
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    refused = refused_by_policy(page)
    page.set_default_timeout(15000)
    # Nothing leaves the machine.
    page.route(re.compile(r"^https?://(?!" + re.escape(urlsplit(base).netloc) + r"/).*"), lambda route: route.abort())
    try:
        sign_in(page, base, "edith", PASSWORD)

        page.goto(f"{base}/admin/episodes/episode/?q={episode.slug}")
        page.click(f"th.field-code a[href^='/admin/episodes/episode/{episode.pk}/change/']")
        page.wait_for_selector("#t-rows")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "admin-change-top.png"))

        lines = list(TranscriptLine.objects.filter(episode=episode).order_by("position"))
        line = lines[len(lines) // 2]
        row = page.locator("div.t-line", has=page.locator(f"input[name$='-id'][value='{line.pk}']"))
        row.scroll_into_view_if_needed()
        text = row.locator("textarea.t-text")
        line_text_before = line.text
        corrected = line.text.rstrip(".") + ", corrected in the browser."
        text.fill(corrected)
        # Typing a time sets the second, and the link to hear it follows.
        time_input = row.locator("input.t-time")
        time_input.fill("1:02:03")
        assert row.locator("input.t-sec").input_value() == "3723"
        assert row.locator("a.t-play").get_attribute("href").endswith("t=3723")
        time_input.fill(line.time)  # and back as it was
        assert row.locator("input.t-sec").input_value() == ("" if line.sec is None else str(line.sec))
        page.evaluate("el => el.scrollIntoView({block: 'center'})", row.element_handle())
        page.screenshot(path=str(SCREENSHOTS / "admin-change-transcript.png"))

        with page.expect_request(lambda request: request.method == "POST") as posted:
            page.click("input[name=_continue]")
        page.wait_for_selector("ul.messagelist li.success")
        assert "was changed successfully" in page.locator("ul.messagelist").inner_text()
        # The page's script sent the corrected row and only listed the others.
        body = posted.value.post_data_buffer.decode("utf-8", "replace")
        assert 'name="transcript-UNTOUCHED"' in body
        assert len(re.findall(r'name="transcript-\d+-text"', body)) == 1
        line.refresh_from_db()
        assert line.text == corrected

        page.goto(base + episode.get_absolute_url())
        assert corrected in page.locator("body").inner_text()

        page.goto(f"{base}/admin/episodes/episode/{episode.pk}/change/")
        with page.expect_download() as download_info:
            page.click("a.ep-download")
        saved = tmp_path / "episode.md"
        download_info.value.save_as(saved)
        assert download_info.value.suggested_filename == f"{episode.slug}.md"
        content = saved.read_text(encoding="utf-8")
        assert "corrected in the browser" in content
        # A one-line diff: the file is the source but for that line, though the browser sent
        # every text area of the page (show notes included) with its own line breaks.
        expected = documents.parse(episode.source.encode()).data
        for item in expected["transcript"]:
            if item.get("line") == line_text_before:
                item["line"] = corrected
        assert documents.parse(saved.read_bytes()).data == expected
        changed = [
            diff_line
            for diff_line in difflib.unified_diff(episode.source.splitlines(), content.splitlines(), lineterm="", n=0)
            if diff_line[:1] in "+-" and diff_line[:3] not in ("+++", "---")
        ]
        assert 0 < len(changed) <= 8, changed

        word = next(w for w in re.findall(r"[A-Za-z]{5,}", line.text) if w)
        page.goto(f"{base}/admin/episodes/episode/find-replace/?ids={episode.pk}&find={word}&replace={word.upper()}")
        page.wait_for_selector("table.fr-table")
        page.screenshot(path=str(SCREENSHOTS / "admin-find-replace.png"), full_page=False)
        assert refused == []
    finally:
        context.close()


@pytest.fixture
def small_live(transactional_db, live_server, tmp_path, settings):
    from tests import sites
    from tests.admin_pages import TRANSCRIPT, import_site

    settings.PODCAST_HOSTS = None
    import_site(
        tmp_path / "site",
        [sites.person("ann", title="Ann Lee")],
        [sites.episode("first", guests=["ann"], transcript=TRANSCRIPT)],
    )
    user = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
    user.groups.add(editors_group())
    yield live_server.url, Episode.objects.get(slug="first")


def test_insert_move_delete_and_new_section_with_the_buttons(chromium, small_live):
    base, episode = small_live
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    refused = refused_by_policy(page)
    page.set_default_timeout(15000)
    try:
        sign_in(page, base, "edith", PASSWORD, then=f"/admin/episodes/episode/{episode.pk}/change/")
        page.wait_for_selector("#t-rows")

        def row(text):
            return page.locator("div.t-line").filter(has=page.locator(f"textarea:text-is('{text}')"))

        # Insert a line after the welcome, typed with a time.
        row("Welcome to the show.").locator("textarea").focus()
        page.click("#t-tools button[data-t-act=line]")
        new = page.locator("div.t-line").nth(1)
        new.locator("textarea").fill("Inserted by the editor.")
        new.locator("input.t-speaker").fill("Alexey")
        new.locator("input.t-time").fill("0:05")
        assert new.locator("input.t-sec").input_value() == "5"
        # Start a new section before "I started in physics." (after "Tell us about yourself.").
        row("Tell us about yourself.").locator("textarea").focus()
        page.click("#t-tools button[data-t-act=header]")
        page.locator("div.t-header input.t-title").nth(1).fill("Early years")
        # Move "Back in time." up, above "I started in physics." (now below the new section).
        row("Back in time.").locator("textarea").focus()
        page.click("#t-tools button[data-t-act=up]")
        # Delete "Nobody said this."
        row("Nobody said this.").locator("input[name$=DELETE]").check()
        assert "t-deleted" in row("Nobody said this.").get_attribute("class")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#transcript").screenshot(path=str(SCREENSHOTS / "admin-transcript-edited.png"))

        page.click("input[name=_continue]")
        page.wait_for_selector("ul.messagelist li.success")
        data, _ = exporter.episode_document(Episode.objects.get(pk=episode.pk))
        items = [item.get("header") or item["line"] for item in data["transcript"]]
        assert items[:7] == [
            "Welcome to the show.",
            "Inserted by the editor.",
            "Background",
            "Tell us about yourself.",
            "Early years",
            "Back in time.",
            "I started in physics.",
        ]
        assert "Nobody said this." not in items
        assert {"line": "Inserted by the editor.", "sec": 5, "time": "0:05", "who": "Alexey"} in data["transcript"]
        assert refused == []
    finally:
        context.close()
