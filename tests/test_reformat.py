"""export_podcast --reformat writes each file's front matter exactly as ``yaml.safe_dump`` does.

libyaml's emitter (quick) and PyYAML's own (``yaml.safe_dump``) break long double-quoted
scalars over lines differently; files written with ``allow_unicode=False`` double-quote every
line that has an escaped character, so the difference shows there first.
"""

import random

import pytest
import yaml

from archive import documents, workers
from archive.importer import Importer

from .commands import run_export
from .conftest import SNAPSHOTS, corpus_snapshot

S13E08 = "2023-07/_podcast/s13e08-navigating-industrial-data-challenges.md"


def published(root):
    return [p for kind in ("_people", "_podcast") for p in sorted((root / kind).glob("*.md")) if p.name[0] != "_"]


def safe_dumped(source):
    """The file ``source`` (its text) with its front matter as ``yaml.safe_dump`` writes it, in
    the file's own setting: unicode escaped when the front matter was pure ASCII."""
    doc = documents.parse(source.encode("utf-8"))
    head, front, closing, body = documents.split(source)
    if body and not closing.endswith("\n"):
        closing += "\n"
    return head + yaml.safe_dump(doc.data, allow_unicode=not front.isascii(), sort_keys=False) + closing + body


@pytest.mark.django_db
@pytest.mark.corpus
@pytest.mark.parametrize("snapshot", SNAPSHOTS)
def test_reformat_writes_what_safe_dump_writes_for_every_file(snapshot, tmp_path):
    root = corpus_snapshot(snapshot)
    files = published(root)
    report = Importer().run([root])
    assert report.ok
    assert report.count("created") == len(files)

    # Without --reformat, every file is written back as it was, byte for byte (first: an export
    # records what it wrote as the rows' source).
    code, _, err = run_export(tmp_path / "plain")
    assert code == 0, err
    for path in files:
        assert (tmp_path / "plain" / path.parent.name / path.name).read_bytes() == path.read_bytes(), path

    code, _, err = run_export(tmp_path / "re", "--reformat")
    assert code == 0, err
    for path in files:
        exported = (tmp_path / "re" / path.parent.name / path.name).read_text(encoding="utf-8")
        assert exported == safe_dumped(path.read_text(encoding="utf-8")), path


@pytest.mark.corpus
def test_s13e08_escaped_lines_are_broken_as_safe_dump_breaks_them():
    path = corpus_snapshot("2023-07").parent / S13E08
    source = path.read_text(encoding="utf-8")
    doc = documents.parse(source.encode("utf-8"))
    front = documents.split(source)[1]
    assert front.isascii()  # written with allow_unicode=False
    expected = yaml.safe_dump(doc.data, allow_unicode=False, sort_keys=False)
    libyaml = yaml.dump(doc.data, Dumper=yaml.CSafeDumper, allow_unicode=False, sort_keys=False)
    assert libyaml != expected  # the case in point: libyaml folds these lines at a space instead
    assert "\\\n    \\ " in expected

    assert documents.dump(doc.data, allow_unicode=False) == expected
    synced = documents.digest(doc.data, doc.body)
    reformatted, digest = documents.write_back(source, synced, doc.data, doc.body, reformat=True)
    assert (reformatted, digest) == (safe_dumped(source), synced)
    assert documents.write_back(source, synced, doc.data, doc.body)[0] == source
    # The export's second process writes the same text.
    jobs = [(source, synced, doc.data, doc.body, True)] * workers.PARALLEL_MIN
    assert {text for text, _ in workers.write_back_many(jobs)} == {reformatted}


def test_an_edit_keeps_the_escaped_style_of_the_front_matter_whatever_the_body():
    source = '---\ntitle: "Caf\\xE9 \\u2013 talk"\nguests:\n- ann\n---\nNotes, caf\u00e9.\n'
    doc = documents.parse(source.encode("utf-8"))
    doc.data["title"] = "Caf\u00e9 \u2013 the talk"
    text, _ = documents.write_back(source, "an older digest", doc.data, doc.body)
    assert text == '---\ntitle: "Caf\\xE9 \\u2013 the talk"\nguests:\n- ann\n---\nNotes, caf\u00e9.\n'
    fresh, _ = documents.write_back("", "", doc.data, doc.body)
    assert fresh.startswith("---\ntitle: Caf\u00e9 \u2013 the talk\n")


# Pieces of text that make either emitter choose, escape or break a scalar its own way.
PIECES = [
    "word", "an", "longerwordwithoutspaces", " ", " ", " ", "  ", "\n", " \n", "\n\n", "\t", "\r",
    "\u00e9", "\u2019", "\u201c", "\u2014", "\xa0", "\x85", "\u2028", "\ufeff", "\x00", "\x7f",
    "\U0001f600", '"', "'", "\\", ": ", " #", "- ", "? ", "[", "{", ",", "&", "*", "!", "|", "%", "@",
    "null", "1", "2020-01-01", "https://example.com/a/path/that/goes/on/and/on?with=a&query=string",
]  # fmt: skip


def generated_string(rng):
    return "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 3, 10, 30, 60, 120])))


def generated_value(rng, depth=0):
    roll = rng.random()
    if depth < 5 and roll < 0.15:
        return [generated_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if depth < 5 and roll < 0.3:
        return {generated_key(rng): generated_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}
    if roll < 0.36:
        return rng.choice([0, 7, 10**30, 1.5, True, None])
    return generated_string(rng)


def generated_key(rng):
    roll = rng.random()
    if roll < 0.8:
        return rng.choice(["title", "line", "who", "sec", "description", "a_rather_longer_key_name"])
    if roll < 0.9:
        return rng.choice(["", "k" * rng.randint(110, 135), "\u00e9" * rng.randint(25, 70), 3, None])
    return generated_string(rng)[:40]


@pytest.mark.parametrize("allow_unicode", [True, False])
def test_documents_are_dumped_as_safe_dump_dumps_them(allow_unicode):
    rng = random.Random(8)
    for _ in range(600):
        data = {generated_key(rng): generated_value(rng) for _ in range(rng.randint(1, 6))}
        data["transcript"] = [{"line": generated_string(rng), "sec": 1, "who": "Ann"} for _ in range(3)]
        expected = yaml.safe_dump(data, allow_unicode=allow_unicode, sort_keys=False)
        assert documents.dump(data, allow_unicode=allow_unicode) == expected, data
