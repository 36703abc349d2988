"""The player beside the transcript editor, as the server sends it: without the script the
change page is the editor as it was (the player waits in a template, no frame), the page may
frame the embed and runs only its own scripts, and a save from the page as sent still lands."""

import re

import pytest

from episodes.models import Episode, TranscriptLine
from tests.admin_pages import change_form_data, change_url, row_index
from tests.policy import sources

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db


def outside_templates(html):
    return re.sub(r"<template\b.*?</template>", "", html, flags=re.DOTALL)


def test_without_the_script_the_page_has_no_player_frame_but_keeps_it_ready(editor_client, archive):
    response = editor_client.get(change_url(archive["first"]))
    page = response.content.decode()
    dock = re.search(r'<template id="ep-player">(.*?)</template>', page, re.DOTALL)
    assert dock, "the player waits in a template for its script"
    frame = re.search(r'<iframe id="ep-player-frame" src="([^"]+)"', dock.group(1))
    assert frame
    assert frame.group(1).startswith("https://www.youtube-nocookie.com/embed/abc123?")
    assert "enablejsapi=1" in frame.group(1)
    assert "origin=http%3A%2F%2Ftestserver" in frame.group(1)
    assert "<iframe" not in outside_templates(page)


def test_the_shortcuts_are_listed_with_the_player(editor_client, archive):
    page = editor_client.get(change_url(archive["first"])).content.decode()
    shortcuts = re.search(r'<dl id="ep-shortcuts">(.*?)</dl>', page, re.DOTALL).group(1)
    for said in ("play or pause", "back / forward 5 seconds", "play the line", "stamp", "next / previous line"):
        assert said in shortcuts
    assert "split the line at the cursor" in shortcuts
    assert "merge the line with the next" in shortcuts


def test_the_change_page_frames_the_embed_origin_and_runs_only_its_own_scripts(editor_client, archive, settings):
    settings.PODCAST_EMBED_ORIGIN = "https://player.example.net"
    response = editor_client.get(change_url(archive["first"]))
    policy = response["Content-Security-Policy"]
    assert sources(policy, "frame-src") == "https://player.example.net"
    assert "unsafe-inline" not in sources(policy, "script-src")
    page = response.content.decode()
    assert 'src="https://player.example.net/embed/abc123?' in page
    assert re.findall(r'<script src="(/static/[^"]*player\.js)"', page) == [
        "/static/embed-player.js",
        "/static/editor-player.js",
    ]


def test_an_episode_without_a_video_has_no_player(editor_client, archive):
    Episode.objects.filter(pk=archive["second"].pk).update(youtube_id="")
    page = editor_client.get(change_url(archive["second"])).content.decode()
    assert 'id="ep-player"' not in page
    assert "editor-player.js" not in page
    assert 'id="t-rows"' in page  # the editor itself is there


def test_a_save_from_the_page_as_sent_still_lands(editor_client, archive):
    episode = archive["first"]
    line = TranscriptLine.objects.filter(episode=episode).order_by("position")[2]
    data = change_form_data(editor_client.get(change_url(episode)))
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "Corrected without a script."
    data["_continue"] = "1"
    response = editor_client.post(change_url(episode), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TranscriptLine.objects.get(pk=line.pk).text == "Corrected without a script."
