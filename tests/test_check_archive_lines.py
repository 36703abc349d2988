"""``check_archive`` points at the line: each problem of a transcript item is printed as
``path:line: kind: what``, the line the item starts on in the file, so an editor jumps to it."""

import re
from pathlib import Path

import pytest
import yaml

from tests import sites
from tests.commands import run
from tests.conftest import corpus_snapshot

LOCATED = re.compile(
    r"^(?P<path>[^\n]+?\.md):(?P<line>\d+): (?P<kind>[a-z-]+): .*? \(transcript item (?P<item>\d+)\)$", re.MULTILINE
)
WHOLE_FILE = re.compile(r"^(?P<path>[^\n]+?\.md): (?P<kind>[a-z-]+): ", re.MULTILINE)


@pytest.fixture(scope="module")
def corpus_output():
    """What ``check_archive`` prints over the newer snapshot of the real archive."""
    return run("check_archive", corpus_snapshot("2026-06"))[1]


def transcript_of(path):
    """The file's transcript items, read with PyYAML straight from the file."""
    front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0][4:]
    return yaml.safe_load(front)["transcript"]


def starts_item(text, item):
    """Whether a file's line is where ``item`` begins: a list entry opening with its first key
    and the first word of that key's value (its letters: YAML may quote the rest)."""
    key, value = next(iter(item.items()))
    word = re.search(r"\w+", str(value))
    return text.lstrip().startswith(f"- {key}:") and (word is None or word.group() in text)


@pytest.mark.parametrize(
    ("kind", "is_kind"),
    [
        ("empty-section", lambda item: "header" in item),
        ("no-time", lambda item: "line" in item and item.get("sec") is None),
        ("backwards", lambda item: "line" in item),
    ],
)
def test_each_problem_names_the_line_its_item_starts_on(corpus_output, kind, is_kind):
    located = [m for m in LOCATED.finditer(corpus_output) if m["kind"] == kind]
    assert located, f"the archive has {kind} problems"
    transcripts = {}
    for match in located:
        path = Path(match["path"])
        if path not in transcripts:
            transcripts[path] = (transcript_of(path), path.read_text(encoding="utf-8").split("\n"))
        items, lines = transcripts[path]
        item = items[int(match["item"]) - 1]
        assert is_kind(item), match.group(0)
        assert starts_item(lines[int(match["line"]) - 1], item), match.group(0)


def test_a_problem_of_the_whole_file_names_no_line(corpus_output):
    whole = {m["kind"] for m in WHOLE_FILE.finditer(corpus_output)}
    assert whole == {"todo-link", "missing-image"}


def test_items_written_on_one_line_point_at_that_line(tmp_path, settings):
    settings.PODCAST_HOSTS = ["alexey"]
    root = sites.write_site(
        tmp_path / "site",
        people=[sites.person("alexey", title="Alexey Grigorev")],
        episodes=[sites.episode("first", guests=(), transcript=[])],
    )
    path = root / "_podcast/first.md"
    text = path.read_text(encoding="utf-8")
    flow = "transcript: [{header: Intro}, {header: Empty}, {line: Hello there., sec: 0, time: '0:00', who: Alexey}]"
    path.write_text(re.sub(r"(?m)^transcript:.*$", flow, text, count=1), encoding="utf-8")
    line = path.read_text(encoding="utf-8").split("\n").index(flow) + 1
    out = run("check_archive", root)[1]
    assert f"{path}:{line}: empty-section: section with no lines: Intro (transcript item 1)" in out
