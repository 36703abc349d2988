"""Find and replace with expressions built to run for ever: the page answers in bounded time with
a sentence, and literal terms work as they always did."""

import time

import pytest

from editorial import findreplace
from episodes.models import TranscriptLine
from tests.admin_pages import FIND

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db

RUNAWAY = r"((a+)+)+b"  # backtracks without end over a long run of a's, even in the regex module


def add_lines(episode, *texts):
    start = episode.lines.count() + episode.sections.count()
    for offset, text in enumerate(texts):
        TranscriptLine.objects.create(episode=episode, position=start + offset, text=text, sec=600 + offset)


@pytest.fixture
def short_budget(monkeypatch):
    monkeypatch.setattr(findreplace, "MATCH_SECONDS", 0.3)


def test_the_issues_expression_answers_at_once(editor_client, archive):
    # (\w+\s?)+$ over a long word followed by punctuation: 20 s per line with Python's re.
    add_lines(archive["first"], "word word " + "a" * 20 + "!")
    started = time.monotonic()
    page = editor_client.get(FIND, {"find": r"(\w+\s?)+$", "regex": "on"})
    assert time.monotonic() - started < 2
    assert page.status_code == 200
    assert "takes too long" not in page.content.decode()


def test_a_runaway_expression_stops_with_a_clear_message(editor_client, archive, short_budget):
    add_lines(archive["first"], "a" * 3000)
    started = time.monotonic()
    page = editor_client.get(FIND, {"find": RUNAWAY, "regex": "on"})
    assert time.monotonic() - started < 2
    assert page.status_code == 200
    text = page.content.decode()
    assert "That regular expression takes too long" in text
    assert "make it more specific" in text


def test_the_time_budget_is_shared_by_all_lines(editor_client, archive, monkeypatch):
    # Every line is quick on its own; a clock that moves a tenth of a second per look makes the
    # lines together go past the budget.
    add_lines(archive["first"], *[f"line {n}" for n in range(60)])
    now = iter(range(10_000))
    monkeypatch.setattr(findreplace, "_clock", lambda: next(now) / 10)
    text = editor_client.get(FIND, {"find": r"line \d+", "regex": "on"}).content.decode()
    assert "That regular expression takes too long" in text


def test_replacing_with_a_runaway_expression_is_bounded_and_changes_nothing(editor_client, archive, short_budget):
    # A match at the start, then a run of a's the expression backtracks over without end.
    text = "ab " + "a" * 3000
    add_lines(archive["first"], text)
    line = TranscriptLine.objects.get(text=text)
    key = f"l{line.pk}:0:2:{findreplace._fingerprint(text)}"  # the match as a preview names it
    started = time.monotonic()
    response = editor_client.post(FIND, {"find": RUNAWAY, "replace": "x", "regex": "on", "match": key, "apply": "1"})
    assert time.monotonic() - started < 2
    assert "That regular expression takes too long" in response.content.decode()
    assert TranscriptLine.objects.get(pk=line.pk).text == text


def test_huge_repeat_counts_are_refused_before_compiling(editor_client, archive):
    started = time.monotonic()
    text = editor_client.get(FIND, {"find": "(?:a{1000}){1000}x", "regex": "on"}).content.decode()
    assert time.monotonic() - started < 2
    assert "multiply to 1,000,000" in text
    assert "Use smaller counts" in text


def test_a_replacement_naming_a_missing_group_is_refused_before_any_match(editor_client, archive):
    text = editor_client.get(FIND, {"find": "(nothing here)", "replace": r"\2", "regex": "on"}).content.decode()
    assert "does not fit the expression" in text


def test_a_literal_term_is_text_whatever_it_holds(editor_client, archive):
    add_lines(archive["first"], r"Price: a{1000000000} or (\w+\s?)+$ literally.")
    for term in ("a{1000000000}", r"(\w+\s?)+$"):
        text = editor_client.get(FIND, {"find": term}).content.decode()
        assert "1 match in 1 episode" in text, term
