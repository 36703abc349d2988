"""The episode pages the player's browser tests open: a site of real episodes from the archive,
with the stand-in player (tests/player_standin.py), and what the tests look at in them."""

import functools
import re
import shutil
from urllib.parse import urlsplit

from django.core.files.storage import FileSystemStorage

from archive.importer import Importer
from episodes.models import Episode, TranscriptLine
from tests import hostfeeds
from tests.conftest import corpus_snapshot, refused_by_policy


@functools.cache
def chosen_files():
    """The archive's episode with the most lines, and the one with the most untimed lines: both
    have a video."""
    root = corpus_snapshot("2026-06")
    found = []
    for path in sorted((root / "_podcast").glob("[!_]*.md")):
        data = hostfeeds.front_matter(path)
        lines = [item for item in data.get("transcript") or () if isinstance(item, dict) and "line" in item]
        if (data.get("ids") or {}).get("youtube") and not data.get("draft"):
            found.append((len(lines), sum("sec" not in item for item in lines), path))
    largest = max(found, key=lambda row: (row[0], row[2].name))[2]
    untimed = max(found, key=lambda row: (row[1], row[2].name))[2]
    assert largest != untimed
    return root, (largest, untimed)


def write_site(folder):
    root, files = chosen_files()
    (folder / "_podcast").mkdir(parents=True)
    (folder / "_people").mkdir()
    for path in files:
        shutil.copy(path, folder / "_podcast" / path.name)
        for key in hostfeeds.front_matter(path).get("guests") or ():
            shutil.copy(root / "_people" / f"{key}.md", folder / "_people" / f"{key}.md")
    return folder


def import_site(folder, media):
    report = Importer(storage=FileSystemStorage(location=media)).run([folder])
    assert report.count("failed") == 0, [o.detail for o in report.outcomes if o.status == "failed"]


def largest():
    return Episode.objects.get(slug=chosen_files()[1][0].stem)


def lines_of(episode):
    return list(TranscriptLine.objects.filter(episode=episode).order_by("position"))


def starting(episode):
    """The timed lines that start their second: later than every line before them (the files
    time a few lines alike now and then; those after the first share its time)."""
    found, latest = [], -1
    for line in lines_of(episode):
        if line.sec is not None and line.sec > latest:
            found.append(line)
            latest = line.sec
    return found


def open_page(browser, site, width=1280, motion="reduce", scheme="light"):
    context = browser.new_context(viewport={"width": width, "height": 900}, reduced_motion=motion, color_scheme=scheme)
    page = context.new_page()
    page.refused = refused_by_policy(page)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    # Nothing leaves the machine: the site and the stand-in player only.
    hosts = "|".join(re.escape(urlsplit(url).netloc) for url in (site["url"], site["standin"]))
    page.route(re.compile(rf"^https?://(?!(?:{hosts})/).*"), lambda route: route.abort())
    return context, page


def visit(page, site, episode, suffix=""):
    page.goto(site["url"] + episode.get_absolute_url() + suffix)
    page.wait_for_selector("#tools:not([hidden])")
    frame = player_frame(page)
    frame.evaluate("freeze()")  # its clock moves only when a test says so
    return frame


def player_frame(page):
    """The stand-in's frame in ``page``, once it has loaded."""
    for _ in range(200):
        frame = next((frame for frame in page.frames if "/embed/" in frame.url), None)
        if frame is not None:
            frame.wait_for_load_state()
            return frame
        page.wait_for_timeout(50)
    raise AssertionError("the player's frame never loaded")


def commands(frame):
    """The commands the page sent the stand-in, as (function, arguments)."""
    return [(m["func"], m.get("args", [])) for m in frame.evaluate("window.received") if m.get("event") == "command"]


def wait_for_command(frame, func):
    frame.wait_for_function(f"() => window.received.some(m => m.func === {func!r})")


def sel(line):
    return f"[id='line-{line.uid}']"


# Whether an element is on screen below the transcript's tools: wholly, or from its top when it
# is taller than the room there.
IN_VIEW = """(selector) => {
    const box = document.querySelector(selector).getBoundingClientRect();
    const below = document.getElementById('tools').getBoundingClientRect().bottom - 1;
    if (box.top < below || box.top >= innerHeight) return false;
    return box.bottom <= innerHeight || box.height > innerHeight - below;
}"""


def in_view(page, selector):
    return page.evaluate(IN_VIEW, selector)


def comes_in_view(page, selector):
    """Scrolled into view within a moment (a scroll may take a frame or an animation)."""
    page.wait_for_function(IN_VIEW, arg=selector, timeout=3000)


def now_playing(page):
    return page.eval_on_selector_all(".line--now", "els => els.map(e => e.id)")


def checked_clean(page):
    assert page.errors == [] and page.refused == []
