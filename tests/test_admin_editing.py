"""The episode change list and change page: the transcript editor, problems, and saves that
write only what changed and never over someone else's save."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archive import exporter, importer, sources
from episodes.models import Episode, Section, TranscriptLine
from tests.admin_pages import change_form_data, change_url, compact, form_fields, largest_real_episode, row_index

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/episodes/episode/"


def transcript_of(episode):
    data, _ = exporter.episode_document(episode)
    return data.get("transcript", [])


def save(client, episode, data):
    return client.post(change_url(episode), data)


# --- the change list -------------------------------------------------------------------------------


def test_change_list_columns(editor_client, archive):
    page = editor_client.get(CHANGELIST).content.decode()
    assert "S1E1" in page
    assert "S2E1" in page
    assert "Ann Lee" in page
    assert "Bob Stone" in page
    row = next(r for r in re.findall(r"<tr[^>]*>(?:(?!</tr>).)*</tr>", page, re.DOTALL) if "First episode" in r)
    assert '<td class="field-line_count">9</td>' in row
    problems = re.search(r'class="ep-problems"[^>]*>(\d+)<', row)
    assert problems
    assert int(problems.group(1)) >= 5


@pytest.mark.parametrize(
    "query, shown, hidden",
    [
        ("q=Bob+Stone", "Second episode", "First episode"),
        ("q=first", "First episode", "Second episode"),
        ("season__exact=2", "Second episode", "First episode"),
        ("problems=yes", "First episode", "Second episode"),
        ("problems=no", "Second episode", "First episode"),
        ("transcript=yes", "First episode", "Nothing"),
        ("status=draft", "Nothing", "First episode"),
    ],
)
def test_change_list_search_and_filters(editor_client, archive, query, shown, hidden):
    page = editor_client.get(f"{CHANGELIST}?{query}").content.decode()
    if shown != "Nothing":
        assert shown in page
    assert f">{hidden}<" not in page


# --- the change page ---------------------------------------------------------------------------------


def test_change_page_shows_the_transcript_in_source_order_with_problems(editor_client, archive):
    episode = archive["first"]
    page = editor_client.get(change_url(episode)).content.decode()
    order = [value for name, value in form_fields(page, "episode_form") if re.fullmatch(r"transcript-\d+-text", name)]
    assert order[:3] == ["Welcome to the show.", "Background", "Tell us about yourself."]
    assert '<datalist id="t-speakers">' in page
    assert '<option value="Ann">' in page
    assert '<option value="Alexey">' in page
    assert "https://www.youtube.com/watch?v=abc123&amp;t=75" in page
    for text in (
        "time goes backwards (1:10 after 1:15)",
        "no speaker",
        "time and second disagree (1:35, second 90 is 1:30)",
        "empty text",
        "speaker is neither the host nor a guest (Mallory)",
    ):
        assert text in page, text
    assert page.count('class="t-row t-line t-has-problem') == 5


def test_host_can_be_configured(editor_client, archive, settings):
    settings.PODCAST_HOSTS = ["Mallory"]
    page = editor_client.get(change_url(archive["first"])).content.decode()
    assert "neither the host nor a guest (Mallory)" not in page
    assert "neither the host nor a guest (Alexey)" in page


def test_one_line_correction_writes_that_row_only(editor_client, archive):
    episode = archive["first"]
    before = {
        line.pk: (line.text, line.speaker, line.sec, line.time, line.position)
        for line in TranscriptLine.objects.filter(episode=episode)
    }
    sections_before = list(Section.objects.filter(episode=episode).values_list("pk", "title", "position"))
    line = TranscriptLine.objects.get(episode=episode, text="I started in physics.")
    data = change_form_data(editor_client.get(change_url(episode)))
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "I started in chemistry."
    with CaptureQueriesContext(connection) as queries:
        response = save(editor_client, episode, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    writes = [q["sql"] for q in queries if "episodes_transcriptline" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert len(writes) == 1
    assert writes[0].startswith("UPDATE")
    assert not [q for q in queries if "episodes_section" in q["sql"] and not q["sql"].startswith("SELECT")]
    after = {
        line.pk: (line.text, line.speaker, line.sec, line.time, line.position)
        for line in TranscriptLine.objects.filter(episode=episode)
    }
    assert after[line.pk][0] == "I started in chemistry."
    assert {pk: v for pk, v in after.items() if pk != line.pk} == {pk: v for pk, v in before.items() if pk != line.pk}
    assert list(Section.objects.filter(episode=episode).values_list("pk", "title", "position")) == sections_before
    # The file written back differs by that line alone: show notes, blank lines and the final
    # newline come back as they were, though the browser sent them through text areas.
    episode.refresh_from_db()
    data_after, body = exporter.episode_document(episode)
    text = exporter.render(episode, data_after, body)
    assert text == episode.source.replace("- line: I started in physics.", "- line: I started in chemistry.")


HOSTILE = "\"><script>alert(1)</script><b a='x'>&amp; é"


def test_hostile_text_speaker_and_title_come_back_as_typed_never_as_markup(editor_client, archive):
    episode = archive["first"]
    line = TranscriptLine.objects.get(episode=episode, text="I started in physics.")
    time = HOSTILE[:20]  # the column's length
    TranscriptLine.objects.filter(pk=line.pk).update(text=HOSTILE, speaker=HOSTILE, time=time)
    section = Section.objects.get(episode=episode, title="Background")
    Section.objects.filter(pk=section.pk).update(title=HOSTILE)
    response = editor_client.get(change_url(episode))
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    data = change_form_data(response)
    row = row_index(data, "line", line.pk)
    assert data[f"transcript-{row}-text"] == HOSTILE
    assert data[f"transcript-{row}-speaker"] == HOSTILE
    assert data[f"transcript-{row}-time"] == time
    assert data[f"transcript-{row_index(data, 'header', section.pk)}-text"] == HOSTILE


def test_time_sets_second_and_second_sets_time(editor_client, archive):
    episode = archive["first"]
    first = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    second = TranscriptLine.objects.get(episode=episode, text="I started in physics.")
    data = change_form_data(editor_client.get(change_url(episode)))
    data[f"transcript-{row_index(data, 'line', first.pk)}-time"] = "12:34"
    data[f"transcript-{row_index(data, 'line', second.pk)}-sec"] = "3608"
    assert save(editor_client, episode, data).status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.time, first.sec) == ("12:34", 754)
    assert (second.time, second.sec) == ("1:00:08", 3608)


def test_time_and_second_that_disagree_are_refused(editor_client, archive):
    episode = archive["first"]
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    data = change_form_data(editor_client.get(change_url(episode)))
    index = row_index(data, "line", line.pk)
    data[f"transcript-{index}-time"] = "12:34"
    data[f"transcript-{index}-sec"] = "999"
    response = save(editor_client, episode, data)
    assert response.status_code == 200
    assert "12:34 is second 754, not 999" in response.content.decode()
    line.refresh_from_db()
    assert line.sec == 12
    data[f"transcript-{index}-time"] = "12:61"
    data[f"transcript-{index}-sec"] = "12"
    assert "Write the time as M:SS" in save(editor_client, episode, data).content.decode()


def test_insert_delete_move_and_new_section(editor_client, archive):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    lines = {line.text: line for line in TranscriptLine.objects.filter(episode=episode)}
    total = int(data["transcript-TOTAL_FORMS"])
    welcome = row_index(data, "line", lines["Welcome to the show."].pk)
    physics = row_index(data, "line", lines["I started in physics."].pk)
    back = row_index(data, "line", lines["Back in time."].pk)
    # delete "Nobody said this."; move "Back in time." before "I started in physics.";
    # insert a line after the welcome and a section before the physics line.
    data[f"transcript-{row_index(data, 'line', lines['Nobody said this.'].pk)}-DELETE"] = "on"
    data[f"transcript-{back}-order"] = str(float(data[f"transcript-{physics}-order"]) - 0.5)
    data.update(
        {
            f"transcript-{total}-kind": "line",
            f"transcript-{total}-order": str(float(data[f"transcript-{welcome}-order"]) + 0.5),
            f"transcript-{total}-text": "A new line.",
            f"transcript-{total}-speaker": "Alexey",
            f"transcript-{total}-time": "0:05",
            f"transcript-{total + 1}-kind": "header",
            f"transcript-{total + 1}-order": str(float(data[f"transcript-{physics}-order"]) - 0.25),
            f"transcript-{total + 1}-text": "Physics",
            "transcript-TOTAL_FORMS": str(total + 2),
        }
    )
    response = save(editor_client, episode, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    items = [item.get("header") or item["line"] for item in transcript_of(episode)]
    assert items[:7] == [
        "Welcome to the show.",
        "A new line.",
        "Background",
        "Tell us about yourself.",
        "Back in time.",
        "Physics",
        "I started in physics.",
    ]
    assert "Nobody said this." not in items
    assert TranscriptLine.objects.get(episode=episode, text="A new line.").sec == 5


@pytest.mark.parametrize("posted", ["taken", "Not-A-Uid", "abc"])
def test_a_new_line_never_takes_a_uid_it_cannot_have(editor_client, archive, posted):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    welcome = TranscriptLine.objects.get(episode=episode, text="Welcome to the show.")
    total = int(data["transcript-TOTAL_FORMS"])
    data.update(
        {
            f"transcript-{total}-kind": "line",
            f"transcript-{total}-order": "0.5",
            f"transcript-{total}-text": "A new line.",
            f"transcript-{total}-uid": welcome.uid if posted == "taken" else posted,
            "transcript-TOTAL_FORMS": str(total + 1),
        }
    )
    assert save(editor_client, episode, data).status_code == 302
    uids = list(TranscriptLine.objects.filter(episode=episode).values_list("uid", flat=True))
    assert len(set(uids)) == len(uids)
    assert TranscriptLine.objects.get(episode=episode, text="A new line.").uid not in (welcome.uid, posted)


def test_blank_inserted_rows_are_ignored(editor_client, archive):
    episode = archive["first"]
    count = TranscriptLine.objects.filter(episode=episode).count()
    data = change_form_data(editor_client.get(change_url(episode)))
    total = int(data["transcript-TOTAL_FORMS"])
    data.update(
        {
            f"transcript-{total}-kind": "line",
            f"transcript-{total}-order": "3.5",
            "transcript-TOTAL_FORMS": str(total + 1),
        }
    )
    assert save(editor_client, episode, data).status_code == 302
    assert TranscriptLine.objects.filter(episode=episode).count() == count


# --- two editors ----------------------------------------------------------------------------------------


def test_a_save_over_the_same_line_as_another_is_held_for_a_choice(client, editor, archive, django_user_model):
    episode = archive["first"]
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    other = django_user_model.objects.create_user("otto", is_staff=True)
    other.groups.set(editor.groups.all())
    client.force_login(editor)
    mine = change_form_data(client.get(change_url(episode)))
    client.force_login(other)
    theirs = change_form_data(client.get(change_url(episode)))
    # The other editor corrects a transcript line only, and saves first.
    theirs[f"transcript-{row_index(theirs, 'line', line.pk)}-text"] = "Tell us about you."
    assert client.post(change_url(episode), theirs).status_code == 302
    client.force_login(editor)
    mine["title"] = "My new title"
    mine[f"transcript-{row_index(mine, 'line', line.pk)}-speaker"] = "Ann"
    response = client.post(change_url(episode), mine)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Someone else (otto, " in page
    assert "Keep yours" in page
    assert f'href="{change_url(episode)}"' in page
    episode.refresh_from_db()
    line.refresh_from_db()
    assert episode.title == "First episode"
    assert (line.text, line.speaker) == ("Tell us about you.", "Alexey")
    # Reloading and saving again works.
    fresh = change_form_data(client.get(change_url(episode)))
    fresh["title"] = "My new title"
    assert client.post(change_url(episode), fresh).status_code == 302


def test_missing_rows_are_never_taken_as_deleted(editor_client, archive):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    data["transcript-TOTAL_FORMS"] = str(int(data["transcript-TOTAL_FORMS"]) - 2)
    response = save(editor_client, episode, data)
    assert response.status_code == 200
    assert "missing from what the page sent" in response.content.decode()
    assert TranscriptLine.objects.filter(episode=episode).count() == 9


# --- the largest real episode ----------------------------------------------------------------------------

MAX_CHANGE_PAGE_QUERIES = 30


@pytest.fixture
def largest(db):
    site, path = largest_real_episode()
    from archive import documents

    guests = documents.parse(path.read_bytes()).data.get("guests") or []
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    report = importer.Importer().run_sources(files + [sources.Source(path, "episode", site)])
    assert report.ok, report.summary()
    return Episode.objects.get(slug=path.stem)


@pytest.mark.corpus
def test_largest_episode_change_page_and_one_line_save(editor_client, largest, django_assert_max_num_queries):
    items = TranscriptLine.objects.filter(episode=largest).count() + Section.objects.filter(episode=largest).count()
    assert items >= 240
    with django_assert_max_num_queries(MAX_CHANGE_PAGE_QUERIES):
        response = editor_client.get(change_url(largest))
    assert response.status_code == 200
    data = change_form_data(response)
    assert int(data["transcript-TOTAL_FORMS"]) == items
    line = TranscriptLine.objects.filter(episode=largest).order_by("position")[items // 2]
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = line.text + " (corrected)"
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.post(change_url(largest), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    writes = [
        q["sql"]
        for q in queries
        if "episodes_transcriptline" in q["sql"] and not q["sql"].lstrip().startswith("SELECT")
    ]
    assert len(writes) == 1, writes
    assert writes[0].startswith("UPDATE"), writes
    line.refresh_from_db()
    assert line.text.endswith(" (corrected)")


@pytest.mark.corpus
def test_change_page_queries_do_not_grow_with_the_transcript(editor_client, largest, archive):
    counts = []
    for episode in (archive["second"], largest):
        with CaptureQueriesContext(connection) as queries:
            editor_client.get(change_url(episode))
        counts.append(len(queries))
    # Only per-guest and per-link rows may add a query (autocomplete widgets); never per line.
    assert counts[1] - counts[0] <= 2, counts


def test_an_invalid_save_keeps_the_editors_transcript_changes_on_the_page(editor_client, archive):
    episode = archive["first"]
    line = TranscriptLine.objects.get(episode=episode, text="Tell us about yourself.")
    data = change_form_data(editor_client.get(change_url(episode)))
    data["title"] = ""
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "An edit not yet saved."
    response = save(editor_client, episode, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "This field is required." in page
    assert "An edit not yet saved." in page
    line.refresh_from_db()
    assert line.text == "Tell us about yourself."
    # What the page shows can be saved as it is once the title is back.
    again = change_form_data(page)
    again["title"] = "First episode"
    assert save(editor_client, episode, again).status_code == 302
    line.refresh_from_db()
    assert line.text == "An edit not yet saved."


# --- what the editor's script sends: the touched rows and the keys of the others ------------------------


def test_a_compact_post_writes_the_sent_row_only(editor_client, archive):
    episode = archive["first"]
    line = TranscriptLine.objects.get(episode=episode, text="I started in physics.")
    data = change_form_data(editor_client.get(change_url(episode)))
    index = row_index(data, "line", line.pk)
    data[f"transcript-{index}-text"] = "I started in biology."
    before = transcript_of(episode)
    with CaptureQueriesContext(connection) as queries:
        response = save(editor_client, episode, compact(data, [index]))
    assert response.status_code == 302, response.content.decode()[:3000]
    writes = [q["sql"] for q in queries if "episodes_transcriptline" in q["sql"] and not q["sql"].startswith("SELECT")]
    assert len(writes) == 1
    after = transcript_of(episode)
    assert [item.get("line") for item in after] == [
        "I started in biology." if item.get("line") == "I started in physics." else item.get("line") for item in before
    ]


def test_a_compact_post_inserting_between_untouched_rows(editor_client, archive):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    welcome = row_index(data, "line", TranscriptLine.objects.get(episode=episode, text="Welcome to the show.").pk)
    total = int(data["transcript-TOTAL_FORMS"])
    data.update(
        {
            f"transcript-{total}-kind": "line",
            f"transcript-{total}-order": "0.5",
            f"transcript-{total}-text": "Second line.",
        }
    )
    data["transcript-TOTAL_FORMS"] = str(total + 1)
    sent = compact(data, [total])
    sent["transcript-INITIAL_FORMS"] = "0"
    assert save(editor_client, episode, sent).status_code == 302
    items = [item.get("header") or item["line"] for item in transcript_of(episode)]
    assert items[:3] == ["Welcome to the show.", "Second line.", "Background"]
    assert welcome == 0


def test_a_compact_post_naming_unknown_or_leaving_out_rows_is_refused(editor_client, archive):
    episode = archive["first"]
    data = change_form_data(editor_client.get(change_url(episode)))
    sent = compact(data, [])
    wrong = dict(sent, **{"transcript-UNTOUCHED": sent["transcript-UNTOUCHED"] + ",l999999"})
    assert "no longer exist" in save(editor_client, episode, wrong).content.decode()
    short = dict(sent, **{"transcript-UNTOUCHED": ",".join(sent["transcript-UNTOUCHED"].split(",")[1:])})
    assert "missing from what the page sent" in save(editor_client, episode, short).content.decode()
    assert save(editor_client, episode, sent).status_code == 302


@pytest.mark.corpus
def test_saving_the_largest_episode_untouched_changes_nothing_in_its_file(editor_client, largest):
    # Sent as a browser sends it (text areas with CRLF): whitespace and line breaks of real
    # files must come back as they were.
    response = editor_client.post(change_url(largest), change_form_data(editor_client.get(change_url(largest))))
    assert response.status_code == 302, response.content.decode()[:3000]
    largest.refresh_from_db()
    assert not exporter.is_edited(largest)
    data, body = exporter.episode_document(largest)
    assert exporter.render(largest, data, body) == largest.source


def test_saving_untouched_changes_nothing_in_the_file(editor_client, archive):
    episode = archive["first"]
    response = save(editor_client, episode, change_form_data(editor_client.get(change_url(episode))))
    assert response.status_code == 302
    episode.refresh_from_db()
    assert not exporter.is_edited(episode)


def test_saving_a_person_untouched_changes_nothing_in_their_file(editor_client, archive):
    from episodes.models import Guest

    guest = Guest.objects.get(short="ann")
    # As people write their site, and as the archive keeps it.
    Guest.objects.filter(pk=guest.pk).update(web="www.example.com")
    guest.refresh_from_db()
    guest.synced_digest = exporter.current_digest(guest)
    guest.save(update_fields=["synced_digest"])
    url = f"/admin/episodes/guest/{guest.pk}/change/"
    response = editor_client.post(url, change_form_data(editor_client.get(url), form_id="guest_form"))
    assert response.status_code == 302, response.content.decode()[:2000]
    guest.refresh_from_db()
    assert guest.web == "www.example.com"
    assert not exporter.is_edited(guest)
    data = change_form_data(editor_client.get(url), form_id="guest_form")
    data["web"] = "javascript:alert(1)"
    assert "Give an http(s) address" in editor_client.post(url, data).content.decode()


def test_the_change_list_puts_episodes_without_a_season_last_on_every_database(editor_client, archive):
    # PostgreSQL and SQLite put NULLs at opposite ends; the list follows the site's one order.
    Episode.objects.create(slug="no-season", title="An episode without a season")
    page = editor_client.get(CHANGELIST).content.decode()
    assert page.index("Second episode") < page.index("First episode") < page.index("An episode without a season")


def test_the_request_limits_take_a_transcript_at_the_import_limit(rf, settings):
    # Without its script the editor posts every item; an episode the import accepts must fit.
    from urllib.parse import urlencode

    items = settings.PODCAST_MAX_TRANSCRIPT_ITEMS
    fields = {"kind": "line", "id": "123456", "order": "12345", "text": "A line of a long transcript, " * 8}
    fields.update(speaker="Alexey", time="1:23:45", sec="5025", DELETE="")
    body = urlencode([(f"transcript-{n}-{name}", value) for n in range(items) for name, value in fields.items()])
    request = rf.generic("POST", "/admin/", body, content_type="application/x-www-form-urlencoded")
    assert len(request.POST) == items * len(fields)
