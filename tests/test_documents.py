"""The file format alone: splitting, parsing, refusing hostile input."""

import datetime

import pytest

from archive import documents, workers
from archive.documents import DocumentError
from tests.conftest import ROOT


def test_split_keeps_every_piece_as_written():
    head, front, closing, body = documents.split("---\ntitle: A\n---  \n\nBody\n---\nmore")
    assert (head, front, closing, body) == ("---\n", "title: A\n", "---  \n", "\nBody\n---\nmore")


def test_parse_reads_data_and_body():
    doc = documents.parse(b"---\ntitle: A\ndateadded: 2021-02-23\n---\n\nNotes\n")
    assert doc.data == {"title": "A", "dateadded": datetime.date(2021, 2, 23)}
    assert doc.body == "\nNotes\n"
    assert doc.render() == "---\ntitle: A\ndateadded: 2021-02-23\n---\n\nNotes\n"


@pytest.mark.parametrize(
    "raw, message, line",
    [
        (b"", "empty", None),
        (b"title: A\n", "no front matter", 1),
        (b"---\ntitle: A\n", "not closed", 1),
        (b"---\ntitle: [A\n---\n", "YAML syntax error", 3),
        (b"---\n- a\n- b\n---\n", "must be a mapping", 2),
        (b"---\n---\n", "mapping", None),  # empty front matter is not a mapping
        (b"---\ntitle: \xff\n---\n", "not UTF-8", 2),
        (b"---\na: &x [1, 2]\nb: *x\n---\n", "aliases", None),
    ],
)
def test_bad_documents_are_refused_with_a_reason(raw, message, line):
    with pytest.raises(DocumentError) as caught:
        documents.parse(raw)
    assert message in str(caught.value)
    if line is not None:
        assert caught.value.line == line


def test_syntax_error_line_counts_from_the_top_of_the_file():
    raw = b"---\ntitle: A\nseason: 1\nguests: [a\nimage: x\n---\n"
    with pytest.raises(DocumentError) as caught:
        documents.parse(raw)
    assert caught.value.line in (4, 5, 6)


def test_oversized_document_is_refused_before_parsing():
    raw = b"---\ntitle: A\n---\n" + b"x" * (documents.MAX_BYTES + 1)
    with pytest.raises(DocumentError, match="bytes"):
        documents.parse(raw)


@pytest.mark.parametrize(
    "front",
    [
        "a: " + "[" * 100_000 + "]" * 100_000,
        "a: " + "{b: " * 10_000 + "}" * 10_000,
        "- " * 200_000 + "x",
        "".join(" " * i + "a:\n" for i in range(500)),
    ],
)
def test_deep_nesting_is_refused_quickly_without_crashing(front):
    # libyaml recurses in C: unguarded, the first of these kills the process.
    with pytest.raises(DocumentError, match="nest"):
        documents.parse(("---\n" + front + "\n---\n").encode())


def test_billion_laughs_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 20):
        ref = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([ref] * 9)}]")
    with pytest.raises(DocumentError, match="aliases"):
        documents.parse(("---\n" + "\n".join(lines) + "\n---\n").encode())


def test_digest_tells_types_apart():
    assert documents.digest({"a": 1}, "") != documents.digest({"a": "1"}, "")
    assert documents.digest({"a": 1, "b": 2}, "") != documents.digest({"b": 2, "a": 1}, "")
    assert documents.digest({"d": datetime.date(2020, 1, 2)}, "") != documents.digest({"d": "2020-01-02"}, "")
    assert documents.digest({"a": [1]}, "x") == documents.digest({"a": [1]}, "x")


def test_parse_many_keeps_order_and_error_lines_across_processes():
    good = [f"---\ntitle: T{i}\n---\nbody {i}\n".encode() for i in range(workers.PARALLEL_MIN + 4)]
    bad = b"---\ntitle: A\nguests: [x\n---\n"
    raws = good[:5] + [bad] + good[5:]
    results = list(workers.parse_many(raws))
    assert len(results) == len(raws)
    assert isinstance(results[5], DocumentError)
    assert results[5].line == 4
    assert "YAML syntax error" in str(results[5])
    assert [r.data["title"] for i, r in enumerate(results) if i != 5] == [f"T{i}" for i in range(len(good))]
    # The worker sends each document's content digest with it, the one digest() gives here.
    for raw, result in zip(good, results[:5] + results[6:]):
        alone = documents.parse(raw)
        assert (result.data, result.body, result.text) == (alone.data, alone.body, alone.text)
        assert result.known_digest == result.content_digest() == documents.digest(alone.data, alone.body)


def test_a_worker_started_early_parses_as_the_one_parse_many_starts():
    raws = [f"---\ntitle: T{i}\n---\nbody {i}\n".encode() for i in range(workers.PARALLEL_MIN)]
    with workers.parse_worker(1) as worker:
        assert worker is None  # too few documents to want one
    with workers.parse_worker(len(raws)) as worker:
        assert worker is not None
        results = list(workers.parse_many(raws, worker=worker))
    assert [(r.data, r.body, r.known_digest) for r in results] == [
        (d.data, d.body, d.known_digest) for d in workers.parse_many(raws)
    ]
    assert all(r.known_digest for r in results)  # parsed by the worker, not in this process


def test_write_back_reuses_the_source_only_while_the_content_is_unchanged():
    source = '---\ntitle: "Hand"\n---\nBody\n'
    doc = documents.parse(source.encode())
    synced = documents.digest(doc.data, doc.body)
    assert documents.write_back(source, synced, doc.data, doc.body)[0] == source
    assert documents.write_back(source, synced, doc.data, doc.body, reformat=True)[0] == "---\ntitle: Hand\n---\nBody\n"
    changed = documents.write_back(source, synced, {"title": "Hand édité"}, doc.body)[0]
    assert changed == '---\ntitle: "Hand \\xE9dit\\xE9"\n---\nBody\n'  # an ASCII file stays ASCII
    jobs = [(source, synced, doc.data, doc.body, False)] * (workers.PARALLEL_MIN + 1)
    assert [text for text, _ in workers.write_back_many(jobs)] == [source] * len(jobs)


def test_a_scalar_alias_is_refused_before_it_is_expanded():
    # 100 KiB written once and repeated a thousand times would be 100 MB in the database.
    big = "x" * 100 * 1024
    front = f'intro: &big "{big}"\n' + "".join(f"k{n}: *big\n" for n in range(1000))
    with pytest.raises(DocumentError, match="aliases") as caught:
        documents.parse(("---\ntitle: A\n" + front + "---\n").encode())
    assert caught.value.line == 3  # where the anchor is written


@pytest.mark.parametrize(
    "front",
    [
        "a: &x text\nb: *x\n",
        "transcript:\n- line: &l hi\n- line: *l\n",
        "base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n",
        "a: &n 1\nb: [*n, *n]\n",
    ],
)
def test_every_alias_is_refused(front):
    with pytest.raises(DocumentError, match="aliases"):
        documents.load(front)


def test_an_anchor_without_an_alias_and_an_ampersand_in_text_are_kept():
    assert documents.load("a: &x text\nb: Q&A\n") == {"a": "text", "b": "Q&A"}


@pytest.mark.parametrize("tag", ["!!omap", "!!pairs", "!!set"])
def test_tags_whose_values_would_not_round_trip_are_refused(tag):
    value = "{x, y}" if tag == "!!set" else "[{x: 1}, {y: 2}]"
    with pytest.raises(DocumentError, match=tag) as caught:
        documents.parse(f"---\ntitle: A\nother: {tag} {value}\n---\n".encode())
    assert caught.value.line == 3


def test_the_parse_worker_ends_when_its_parent_is_killed(tmp_path):
    # A parent killed outright runs no clean-up; its worker must not stay behind on its pipe.
    import os
    import signal
    import subprocess
    import sys
    import time

    script = (
        "import sys, time\n"
        "from archive import workers\n"
        "with workers.parse_worker(workers.PARALLEL_MIN) as pool:\n"
        "    pool.submit(int).result()\n"
        "    print(*pool._processes, flush=True)\n"
        "    time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        (worker,) = map(int, parent.stdout.readline().split())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10 * workers.PARENT_CHECK_SECONDS + 5
        while time.monotonic() < deadline and _running(worker):
            time.sleep(0.1)
        assert not _running(worker)
    finally:
        parent.kill()


def _running(pid):
    """Whether ``pid`` is a live process (not a zombie waiting for its new parent to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
