"""Hostile content in every field an archive file can carry never becomes markup on the site."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.templatetags.static import static

from episodes import markup
from episodes.models import Appearance, Episode, Guest, PlatformLink, Section, TranscriptLine
from tests.pages import Page

ATTACKS = (
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[md](javascript:alert(1)) [md2](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)",
    '<iframe src="https://evil.example/"></iframe>',
    '<svg onload=alert(1)><p onclick="alert(1)" style="x">p</p>',
    '"><script>alert(2)</script>',
    "</script><script>alert(3)</script>",
    '{: onmouseover="alert(4)" }',
    '[x](https://ok.example/){: onclick="alert(5)" target="_top" #main }',
)
HOSTILE = "\n\n".join(ATTACKS)


def assert_inert(html, allowed_iframes=()):
    """No element or attribute of the page can run script, whatever the input was: the only
    scripts are the site's own files."""
    page = Page(html)
    scripts = [a for tag, a in page.elements if tag == "script"]
    own = [{"src": static(name), "defer": None} for name in ("embed-player.js", "transcript-player.js")]
    assert all(a.get("type") == "application/ld+json" or a in own for a in scripts), scripts
    for tag, attributes in page.elements:
        assert (
            tag not in ("object", "embed", "svg", "math", "base", "form")
            or tag == "form"
            and attributes.get("role") == "search"
        )
        for name, value in attributes.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", (tag, name)
            if name in ("href", "src", "action", "formaction"):
                assert not re.match(r"\s*(javascript|data|vbscript):", value or "", re.IGNORECASE), (tag, name, value)
        if tag == "iframe":
            assert attributes.get("src") in allowed_iframes, attributes
        if tag == "a" and "target" in attributes:
            assert attributes["target"] == "_blank"
            assert "noopener" in attributes.get("rel", "")
    # Inside the JSON-LD, nothing can close the script element early.
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL):
        assert "<" not in block
        json.loads(block)
    return page


@pytest.fixture
def hostile(db):
    guest = Guest.objects.create(
        short="mallory",
        title=ATTACKS[0],
        bio=HOSTILE,
        bio_short=ATTACKS[1],
        linkedin="javascript:alert(1)",
        twitter='"><script>alert(1)</script>',
        github="https://evil.example/phish",
        web="javascript:alert(1)",
        picture='images/authors/x" onerror="alert(1).jpg',
    )
    episode = Episode.objects.create(
        slug="hostile",
        title=ATTACKS[0] + ATTACKS[6],
        short_title=ATTACKS[1],
        season=1,
        number=1,
        youtube_id='x"><script>alert(1)</script>',
        description=ATTACKS[7],
        intro=HOSTILE,
        body=HOSTILE,
        image='images/podcast/a" onerror="alert(1).jpg',
        duration=ATTACKS[0][:40],
    )
    Appearance.objects.create(episode=episode, guest=guest, position=0)
    PlatformLink.objects.create(episode=episode, platform="youtube", url="javascript:alert(1)", position=0)
    PlatformLink.objects.create(episode=episode, platform="<b>evil</b>", url="https://ok.example/", position=1)
    Section.objects.create(episode=episode, position=0, title=ATTACKS[0])
    TranscriptLine.objects.create(
        episode=episode, position=1, text=HOSTILE, speaker=ATTACKS[1][:200], sec=10, time='"><i onclick=x>'
    )
    TranscriptLine.objects.create(
        episode=episode, position=2, text="alert kafka " + ATTACKS[4], speaker="</script>", sec=20
    )
    return episode


def test_episode_page_is_inert(hostile, client):
    html = client.get("/podcast/hostile/").content.decode()
    page = assert_inert(
        html,
        allowed_iframes={
            "https://www.youtube-nocookie.com/embed/x%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"
            + "?enablejsapi=1&origin=http%3A%2F%2Ftestserver&playsinline=1&rel=0"
        },
    )
    # The text is there, as text.
    assert '<script>alert("x")</script>' in page.text
    assert "&lt;script&gt;" in html
    # The link survives its attribute list; the handler and the frame target do not.
    assert page.find("a", href="https://ok.example/", rel="noopener noreferrer nofollow")
    # The platform link that was not http(s) is not shown.
    assert "YouTube" not in [
        t.strip() for t in re.findall(r'<ul class="platforms".*?</ul>', html, re.DOTALL)[0].split(">")
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/podcast/",
        "/people/",
        "/people/mallory/",
        "/search/?q=alert",
        "/search/?q=kafka",
        "/podcast/hostile/transcript.txt",
    ],
)
def test_other_pages_are_inert(hostile, client, url):
    response = client.get(url)
    assert response.status_code == 200
    if response["Content-Type"].startswith("text/html"):
        assert_inert(response.content.decode())
    else:
        assert response["Content-Type"].startswith("text/plain")


def test_person_links_are_http_only(hostile, client):
    page = assert_inert(client.get("/people/mallory/").content.decode())
    social = [a["href"] for a in page.find("a") if "me" in a.get("rel", "").split()]
    # Handles stay handles on their own site, whatever they hold; a GitHub "handle" that is an
    # address elsewhere, and a website that is not http(s), are not linked.
    assert social == [
        "https://www.linkedin.com/in/javascript%3Aalert%281%29",
        "https://twitter.com/%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
    ]


def test_feed_and_files_stay_well_formed(hostile, client):
    root = ET.fromstring(client.get("/podcast/episodes.xml").content)
    (item,) = root.iter("item")
    assert item.findtext("title") == ATTACKS[0] + ATTACKS[6]
    vtt = client.get("/podcast/hostile/transcript.vtt").content.decode()
    assert "<script>" not in vtt
    assert "<v </script>" not in vtt
    data = json.loads(client.get("/podcast/hostile/transcript.json").content)
    assert data["segments"][0]["body"].startswith("<script>")
    chapters = json.loads(client.get("/podcast/hostile/chapters.json").content)
    assert chapters["chapters"][0]["title"] == ATTACKS[0]


@pytest.mark.parametrize("attack", ATTACKS)
def test_markdown_output_is_sanitized(attack):
    html = str(markup.render_markdown(attack))
    assert_inert(html)
    assert "<script" not in html
    assert "<iframe" not in html
    assert "javascript:" not in html.lower()


def test_kramdown_attribute_lists_are_applied_or_dropped_never_shown():
    html = str(markup.render_markdown('- [LinkedIn](https://l.example/){:target="_blank"}\n\n{:.no_toc}\n\nText{: .x}'))
    assert '<a href="https://l.example/" target="_blank" rel="noopener noreferrer nofollow">LinkedIn</a>' in html
    assert "{:" not in html
    # Code keeps its braces.
    assert "{:keep}" in str(markup.render_markdown("`{:keep}`"))


def test_body_headings_get_kramdown_ids_clear_of_the_page(db):
    html = str(markup.render_markdown("## Q&A from the Audience\n\n## Transcript\n\n## Line 5", taken={"transcript"}))
    # The body's first headings sit one level below the page's h2 "Show notes".
    assert '<h3 id="qa-from-the-audience">' in html
    assert '<h3 id="transcript-1">' in html
    assert '<h3 id="line-5-1">' in html
