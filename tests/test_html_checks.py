"""Every kind of public page, over the real 2026-06 archive, as two checkers see it: the Nu Html
Checker (the W3C's validator, vnu.jar) and axe-core in Chromium. Neither may find an error.

Both come from the npm packages in package.json, which ``make test`` installs into node_modules;
vnu.jar runs on the machine's Java. When CI is set and either is missing, the tests fail instead of
skipping. The pages are rendered once, by Django's test client; the Nu checker reads them all in one
run of the JVM (it is slow to start), and Chromium is handed the same bytes, with the site's own
stylesheet and images, so axe-core judges what a visitor's browser would draw.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.db.models import Count
from django.template.loader import render_to_string
from django.test import Client, override_settings

from episodes import markup
from episodes.models import Episode, Guest, Moved, Section
from tests.accessibility import axe_script as read_axe
from tests.accessibility import axe_summary, axe_violations
from tests.conftest import ROOT
from tests.pages import clear_archive, largest_episode, load_snapshot

pytest_plugins = ["tests.browser"]

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ORIGIN = "http://testserver"
# The episode the archive names a cover for that it does not hold: the page draws no image.
NO_COVER = "ai-for-ecology-biodiversity-and-conservation"
GONE = "an-episode-that-was-removed"

# Each kind of page, and what the checkers are shown of it: (address, status), found in the archive.
PAGE_TYPES = [
    "home",
    "episode-list",
    "episode-list-page-2",
    "episode-longest-transcript",
    "episode-show-notes-headings",
    "episode-repeated-section-headers",
    "episode-missing-cover",
    "people",
    "people-page-2",
    "person-most-episodes",
    "person-longest-bio",
    "search-results",
    "search-narrowed",
    "search-nothing-found",
    "not-found",
    "gone",
    "unavailable",
]


def checked(test):
    """A test over the real archive's pages, rendered from the database, some in the browser."""
    return pytest.mark.corpus(pytest.mark.browser(pytest.mark.django_db(test)))


def _missing(reason):
    if os.environ.get("CI"):
        pytest.fail(f"the HTML checks cannot run in CI: {reason}")
    pytest.skip(reason)


def _heading_count(markdown):
    return len(re.findall(r"^#{1,6} ", markdown or "", re.MULTILINE))


def _addresses():
    """name -> (path, status) for every page type, picked from the imported archive."""
    episodes = Episode.objects.published()
    with_headings = max(episodes.only("slug", "body"), key=lambda e: (_heading_count(e.body), e.slug))
    assert _heading_count(with_headings.body) > 0
    repeated = (
        Section.objects.filter(episode__is_published=True)
        .values("episode__slug", "title")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by("-n", "episode__slug")
        .first()
    )
    assert repeated, "the archive has an episode whose transcript repeats a header"
    no_cover = episodes.get(slug=NO_COVER)
    assert no_cover.image.name
    assert not no_cover.image.storage.exists(no_cover.image.name)
    guests = Guest.objects.on_air()
    most = guests.annotate(n=Count("appearances")).order_by("-n", "short").first()
    longest_bio = max(guests.only("short", "bio"), key=lambda g: (len(g.bio or ""), g.short))
    speaker = largest_episode().lines.exclude(speaker="").values_list("speaker", flat=True).first()
    return {
        "home": ("/", 200),
        "episode-list": ("/podcast/", 200),
        "episode-list-page-2": ("/podcast/?page=2", 200),
        "episode-longest-transcript": (largest_episode().get_absolute_url(), 200),
        "episode-show-notes-headings": (with_headings.get_absolute_url(), 200),
        "episode-repeated-section-headers": (f"/podcast/{repeated['episode__slug']}/", 200),
        "episode-missing-cover": (no_cover.get_absolute_url(), 200),
        "people": ("/people/", 200),
        "people-page-2": ("/people/?page=2", 200),
        "person-most-episodes": (most.get_absolute_url(), 200),
        "person-longest-bio": (longest_bio.get_absolute_url(), 200),
        "search-results": ("/search/?q=data", 200),
        "search-narrowed": (f"/search/?q=data&season=2&speaker={speaker.split()[0].rstrip(':')}", 200),
        "search-nothing-found": ("/search/?q=zqxjkvw", 200),
        "not-found": ("/podcast/no-such-episode/", 404),
        "gone": (f"/podcast/{GONE}/", 410),
    }


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker, tmp_path_factory):
    """name -> (path, status, html) for every page type; the archive's images in ``media``."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock():
        load_snapshot("2026-06", media)
        Moved.objects.create(kind=Moved.EPISODE, old_key=GONE, new_key="")
        try:
            with override_settings(MEDIA_ROOT=media, PAGE_CACHE_SECONDS=0):
                client = Client()
                rendered = {}
                for name, (path, status) in _addresses().items():
                    response = client.get(path)
                    assert response.status_code == status, (name, path, response.status_code)
                    rendered[name] = (path, status, response.content.decode())
                # The page shown while the database is out of reach is rendered outside a request.
                rendered["unavailable"] = ("/unavailable/", 503, render_to_string("503.html"))
        finally:
            clear_archive()
    assert sorted(rendered) == sorted(PAGE_TYPES)
    yield {"pages": rendered, "media": media}


# --- axe-core in Chromium ---------------------------------------------------------------------------


def _asset(pages, path):
    """The file a page asks for: the site's static files as the finders have them, and media."""
    if path.startswith("/static/"):
        found = finders.find(path.removeprefix("/static/"))
        return Path(found) if found else None
    if path.startswith("/media/"):
        media = pages["media"].resolve()
        found = (media / path.removeprefix("/media/")).resolve()
        return found if found.is_relative_to(media) and found.is_file() else None
    return None


def _serve(pages):
    """The route handler: the rendered pages and their files at ORIGIN; nothing leaves the machine."""
    by_address = {path: (status, html) for path, status, html in pages["pages"].values()}

    def handle(route):
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
            return route.abort()
        address = parts.path + (f"?{parts.query}" if parts.query else "")
        if address in by_address:
            status, html = by_address[address]
            return route.fulfill(status=status, body=html, content_type="text/html; charset=utf-8")
        found = _asset(pages, parts.path)
        if found is None:
            return route.fulfill(status=404, body="", content_type="text/plain")
        return route.fulfill(status=200, path=str(found))

    return handle


@pytest.fixture(scope="module")
def axe_script(pages):
    return read_axe()


def _axe_violations(browser, pages, script, path):
    """Every rule in the light theme; in the dark one, which changes only colours, the contrast."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme="light", reduced_motion="reduce"
    )
    try:
        context.route("**/*", _serve(pages))
        page = context.new_page()
        page.goto(ORIGIN + path, wait_until="load")
        return axe_violations(page, script)
    finally:
        context.close()


# nu_run: the Nu checker's JVM works on the other core meanwhile.
@checked
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_axe_finds_no_violation(browser, pages, axe_script, nu_run, name):
    violations = _axe_violations(browser, pages, axe_script, pages["pages"][name][0])
    count = sum(len(v["nodes"]) for v in violations)
    assert violations == [], f"{count} axe violations on {name}:\n{axe_summary(violations)}"


# --- the Nu Html Checker ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nu_run(pages, tmp_path_factory):
    """One run of the checker over every page, started before the browser tests and read after
    them: the JVM takes seconds to start and check, on the other core. None without java or jar."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        yield None
        return
    folder = tmp_path_factory.mktemp("nu")
    files = {}
    for name, (_, _, html) in pages["pages"].items():
        files[name] = folder / f"{name}.html"
        files[name].write_text(html, encoding="utf-8")
    command = [java, "-Xss1024k", "-jar", str(VNU), "--format", "json", "--stdout", "--exit-zero-always"]
    with open(folder / "report.json", "w+", encoding="utf-8") as report:
        process = subprocess.Popen([*command, *map(str, files.values())], stdout=report, stderr=subprocess.PIPE)
        yield process, report, files
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.fixture(scope="module")
def nu_messages(nu_run):
    """name -> the Nu checker's messages on that page."""
    if shutil.which("java") is None:
        _missing("no java on the PATH (apt-get install default-jre-headless)")
    if nu_run is None:
        _missing(f"no {VNU.relative_to(ROOT)} (npm ci)")
    process, report, files = nu_run
    _, errors = process.communicate(timeout=300)
    assert process.returncode == 0, errors.decode()
    report.seek(0)
    by_file = {path.name: name for name, path in files.items()}
    found = {name: [] for name in files}
    for message in json.load(report)["messages"]:
        name = by_file.get(Path(urlsplit(message.get("url", "")).path).name)
        assert name is not None, message  # a message about no page is a failure of the run
        found[name].append(message)
    return found


def _nu_summary(messages):
    return "\n".join(
        f"  line {m.get('lastLine', '?')}: {m['message']}  [{(m.get('extract') or '').strip()[:120]}]" for m in messages
    )


@checked
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_the_nu_html_checker_finds_no_error(nu_messages, name):
    errors = [m for m in nu_messages[name] if m["type"] != "info"]
    assert errors == [], f"{len(errors)} Nu errors on {name}:\n{_nu_summary(errors)}"


@checked
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_the_nu_html_checker_finds_no_warning(nu_messages, name):
    warnings = [m for m in nu_messages[name] if m["type"] == "info" and m.get("subType") == "warning"]
    assert warnings == [], f"{len(warnings)} Nu warnings on {name}:\n{_nu_summary(warnings)}"


# --- a body's headings in the page's outline ----------------------------------------------------------


def _levels(html):
    return [int(level) for level in re.findall(r"<h([1-6])[\s>]", str(html))]


@pytest.mark.parametrize(
    ("body", "levels"),
    [
        ("## One\n\n#### Deeper\n\n## Two", [3, 4, 3]),  # a level the text skipped is not skipped
        ("### Starts low\n\n# Goes back up\n\n## Under it", [3, 3, 4]),
        ("# 1\n\n## 2\n\n### 3\n\n#### 4\n\n##### 5", [3, 4, 5, 6, 6]),  # h6 at the deepest
        ("<h5>Raw HTML</h5>\n\n## Markdown\n\n<h1>Raw, higher</h1>", [3, 3, 3]),
    ],
)
def test_show_notes_headings_nest_under_the_show_notes_heading(body, levels):
    assert _levels(markup.render_markdown(body, under=2)) == levels


def test_an_intro_or_a_biography_nests_under_the_page_title():
    assert _levels(markup.render_markdown("# Why\n\n### How", under=1)) == [2, 3]


def test_a_heading_in_raw_html_closes_at_its_own_new_level():
    html = str(markup.render_markdown("<h5>Outer <b><h6>inner</h6></b></h5>\n\nText", under=2))
    assert re.findall(r"</?h\d", html) == ["<h3", "<h4", "</h4", "</h3"]


def test_heading_tags_written_as_text_stay_text():
    html = str(markup.render_markdown("Write `<h2>` for a heading, not &lt;h2&gt;.", under=2))
    assert _levels(html) == []
    assert html.count("&lt;h2&gt;") == 2
