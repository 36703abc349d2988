"""Text from the archive files that tries to be markup where it is not: the feed's descriptions
carry text alone, and a body cannot take an id of the episode page."""

import re
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser

import pytest

from episodes import markup
from episodes.models import Episode, TranscriptLine

pytestmark = pytest.mark.django_db


class Tags(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text += data


def feed_descriptions(client):
    root = ET.fromstring(client.get("/podcast/episodes.xml").content)
    return {item.findtext("title"): item.findtext("description") for item in root.iter("item")}


def episode(slug, **fields):
    return Episode.objects.create(slug=slug, title=fields.pop("title", slug), season=1, number=1, **fields)


# --- the feed ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field",
    ["description", "intro", "short_title"],
)
def test_the_feed_description_holds_no_markup(client, field):
    hostile = (
        '<img src=x onerror="alert(1)"><b>Big</b> news &amp; more<br>next line '
        '<script>alert(2)</script><a href="javascript:alert(3)">link</a><iframe src="https://evil.example/"></iframe>'
    )
    episode("hostile", **{field: hostile})
    description = feed_descriptions(client)["hostile"]
    # A reader shows it as HTML: then it must hold no element at all, and say the text.
    shown = Tags(description)
    assert shown.tags == []
    assert shown.text == "Big news & more\nnext line link"


def test_markup_written_as_text_is_shown_as_text_in_the_feed(client):
    episode("escaped", description="Use &lt;script&gt; tags &amp; &lt;b&gt;bold&lt;/b&gt;")
    shown = Tags(feed_descriptions(client)["escaped"])
    assert shown.tags == []
    assert shown.text == "Use <script> tags & <b>bold</b>"


def test_a_plain_description_reaches_the_feed_as_written(client):
    episode("plain", description="How do teams ship ML? Q&A with Ann, 2024 edition.")
    assert Tags(feed_descriptions(client)["plain"]).text == "How do teams ship ML? Q&A with Ann, 2024 edition."


# --- ids on the episode page ------------------------------------------------------------------------------


def test_a_body_cannot_set_an_id_in_raw_html():
    html = str(markup.render_markdown('<h3 id="line-5">Raw</h3>\n\n<h4 id="transcript">Also raw</h4>\n\nText'))
    assert "id=" not in html
    assert "<h3>Raw</h3>" in html


def test_a_body_cannot_guess_the_mark_of_the_heading_ids():
    first = str(markup.render_markdown("## One"))
    mark = re.search(r'id="([^"]*)"', first).group(1)
    assert mark == "one"  # the mark never reaches the page...
    # ...and an id written to look like a marked one is dropped like any other.
    html = str(markup.render_markdown('<h3 id="h0123456789abcdef-line-5">Raw</h3>\n\n## Two'))
    assert re.findall(r'id="([^"]*)"', html) == ["two"]


def test_headings_still_get_their_ids():
    html = str(markup.render_markdown("## Q&A\n\n## Line 5 {: #line-5 }", taken={"transcript"}))
    assert re.findall(r'id="([^"]*)"', html) == ["qa", "line-5-1"]


def test_the_episode_page_has_each_line_anchor_once(client):
    body = '<h3 id="line-1">Jump</h3>\n\n<h3 id="line-2">Here</h3>\n\n## Line 1'
    page_episode = episode("ids", body=body, intro='<h3 id="line-1">Intro</h3>')
    for position in range(3):
        TranscriptLine.objects.create(
            episode=page_episode, position=position, text=f"Line {position}", speaker="Ann", sec=position
        )
    html = client.get("/podcast/ids/").content.decode()
    ids = Counter(re.findall(r'\sid="([^"]*)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    assert {"line-1", "line-2"} <= set(ids)  # the transcript's own anchors are there
