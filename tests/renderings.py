"""What the transcript renderings and the feed must look like, checked alike by the tests that read them."""

import json
import re

PODCAST_NS = "https://podcastindex.org/namespace/1.0"


SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


_VTT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})"


_SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"


def _ms(match, offset):
    hours, minutes, seconds, millis = (int(match.group(offset + i)) for i in range(4))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def check_vtt(text):
    """A WebVTT file: header, then cues with an id, ordered timings and a non-empty payload in
    which every '<' opens a voice tag and '&' an entity. Returns [(start_ms, end_ms, payload)]."""
    assert text.startswith("WEBVTT\n\n")
    cues = []
    for block in text.rstrip("\n").split("\n\n")[1:]:
        lines = block.split("\n")
        assert len(lines) >= 3, block
        identifier, timing, payload = lines[0], lines[1], lines[2:]
        assert identifier and "-->" not in identifier
        match = re.fullmatch(f"{_VTT_TIME} --> {_VTT_TIME}", timing)
        assert match, timing
        start, end = _ms(match, 1), _ms(match, 5)
        assert start < end, timing
        assert not cues or start >= cues[-1][0], "cue starts must not go back"
        body = "\n".join(payload)
        assert body.strip() and "-->" not in body
        assert re.sub(r"^<v [^<>&\n]+>", "", body).find("<") == -1, body
        assert not re.search(r"&(?!amp;|lt;|gt;)", body), body
        cues.append((start, end, body))
    return cues


def check_srt(text):
    """An SRT file: numbered cues from 1, comma timings in order, non-empty text."""
    cues = []
    for number, block in enumerate(text.rstrip("\n").split("\n\n"), 1):
        lines = block.split("\n")
        assert lines[0] == str(number), block
        match = re.fullmatch(f"{_SRT_TIME} --> {_SRT_TIME}", lines[1])
        assert match, lines[1]
        start, end = _ms(match, 1), _ms(match, 5)
        assert start < end
        assert not cues or start >= cues[-1][0]
        assert len(lines) >= 3 and all(line.strip() for line in lines[2:]), block
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


def check_json_transcript(data):
    assert data["version"] == "1.0.0"
    assert isinstance(data["segments"], list)
    last = 0
    for segment in data["segments"]:
        assert set(segment) <= {"speaker", "startTime", "endTime", "body"}
        assert isinstance(segment["startTime"], (int, float)) and isinstance(segment["endTime"], (int, float))
        assert last <= segment["startTime"] < segment["endTime"]
        assert isinstance(segment["body"], str) and segment["body"]
        if "speaker" in segment:
            assert isinstance(segment["speaker"], str) and segment["speaker"]
        last = segment["startTime"]
    return data["segments"]


def check_chapters(data):
    assert data["version"] == "1.2.0"
    starts = [chapter["startTime"] for chapter in data["chapters"]]
    assert all(isinstance(start, (int, float)) and start >= 0 for start in starts)
    assert starts == sorted(starts), "chapters must be in ascending order"
    assert all(isinstance(chapter["title"], str) and chapter["title"] for chapter in data["chapters"])
    return data["chapters"]


def check_text(text, transcript):
    for line in transcript.lines:
        assert re.sub(r"\s+", " ", line.text).strip() in text
    for section in transcript.sections:
        assert re.sub(r"\s+", " ", section.title).strip() in text


def check_rendering(rendering, episode, transcript):
    """Render one format for one episode and validate it as its kind of file."""
    output = rendering.render(episode, transcript)
    if rendering.filename.endswith(".vtt"):
        cues = check_vtt(output)
        assert len(cues) == sum(1 for _ in transcript.lines)
    elif rendering.filename.endswith(".srt"):
        cues = check_srt(output)
        assert len(cues) == sum(1 for _ in transcript.lines)
    elif rendering.filename == "transcript.json":
        segments = check_json_transcript(json.loads(output))
        assert len(segments) == sum(1 for _ in transcript.lines)
    elif rendering.filename == "chapters.json":
        chapters = check_chapters(json.loads(output))
        assert len(chapters) == sum(1 for section in transcript.sections if section.seconds is not None)
    else:
        check_text(output, transcript)
    return output
