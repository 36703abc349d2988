"""Two editors at once: a save made after someone else's is merged with it, line by line and
field by field, over real episodes; where both changed the same thing the editor chooses; and
after a save the page opens at the line being edited."""

import re

import pytest
from django.test import Client

from archive import documents, importer, sources
from editorial.transcript import snapshot
from editorial.transcript.items import load_items
from editorial.transcript.merge import MINE, THEIRS, merge, translate_order
from episodes.models import Episode, TranscriptLine
from tests.admin_pages import change_form_data, change_url, compact, row_index
from tests.conftest import corpus_snapshot
from tests.pages import Page

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]

REAL = ("dataops-for-data-engineering", "crisp-dm")  # with sections, and lines alone


def import_real(slug):
    site = corpus_snapshot("2026-06")
    path = site / "_podcast" / f"{slug}.md"
    guests = documents.parse(path.read_bytes()).data.get("guests") or []
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    report = importer.Importer().run_sources(files + [sources.Source(path, "episode", site)])
    assert report.ok, report.summary()
    return Episode.objects.get(slug=slug)


@pytest.fixture(params=REAL)
def real(request, db):
    return import_real(request.param)


def stored(episode):
    """The episode's transcript as the merge sees it: key -> values, in order."""
    return {snapshot.item_key(item): snapshot.item_values(item) for item in load_items(episode)}


def lines_of(values):
    return [key for key, value in values.items() if key.startswith("l:")]


def edited(values, key, text):
    return [text, *values[key][1:]]


# --- the merge itself, over real transcripts -----------------------------------------------------------


def test_edits_of_different_lines_both_land(real):
    base = stored(real)
    first, later = lines_of(base)[2], lines_of(base)[-3]
    mine = {first: edited(base, first, "Mine.")}
    theirs = dict(base, **{later: edited(base, later, "Theirs.")})
    result = merge(base, mine, theirs)
    assert result.conflicts == []
    assert result.values[first][0] == "Mine." and result.values[later][0] == "Theirs."
    assert result.taken_from_mine() == [first]


def test_edits_of_the_same_line_are_a_conflict_with_three_versions(real):
    base = stored(real)
    key = lines_of(base)[4]
    result = merge(base, {key: edited(base, key, "Mine.")}, dict(base, **{key: edited(base, key, "Theirs.")}))
    assert [(c.key, c.base[0], c.mine[0], c.theirs[0]) for c in result.conflicts] == [
        (key, base[key][0], "Mine.", "Theirs.")
    ]
    assert key not in result.values


def test_a_choice_settles_a_conflict(real):
    base = stored(real)
    key = lines_of(base)[4]
    mine, theirs = {key: edited(base, key, "Mine.")}, dict(base, **{key: edited(base, key, "Theirs.")})
    assert merge(base, mine, theirs, {key: MINE}).values[key][0] == "Mine."
    assert merge(base, mine, theirs, {key: THEIRS}).values[key][0] == "Theirs."


def test_a_line_deleted_by_one_side_and_another_edited_by_the_other_both_land(real):
    base = stored(real)
    gone, kept = lines_of(base)[1], lines_of(base)[6]
    theirs = {key: value for key, value in base.items() if key != gone}
    result = merge(base, {kept: edited(base, kept, "Mine.")}, theirs)
    assert result.conflicts == []
    assert result.values[gone] is None and result.values[kept][0] == "Mine."


def test_a_line_deleted_by_one_side_and_edited_by_the_other_is_a_conflict(real):
    base = stored(real)
    key = lines_of(base)[3]
    theirs = {k: value for k, value in base.items() if k != key}
    (conflict,) = merge(base, {key: edited(base, key, "Mine.")}, theirs).conflicts
    assert (conflict.theirs, conflict.mine[0]) == (None, "Mine.")


def test_a_line_inserted_by_one_side_and_an_edit_by_the_other_both_land(real):
    base = stored(real)
    key = lines_of(base)[0]
    theirs = dict(base, **{"l:inserted": ["A new line.", "Alexey", "0:01", "1"]})
    result = merge(base, {key: edited(base, key, "Mine.")}, theirs)
    assert result.conflicts == []
    assert result.values["l:inserted"][0] == "A new line." and result.values[key][0] == "Mine."


def test_the_same_change_on_both_sides_is_no_conflict(real):
    base = stored(real)
    key = lines_of(base)[5]
    same = edited(base, key, "Both wrote this.")
    result = merge(base, {key: same}, dict(base, **{key: same}))
    assert result.conflicts == [] and result.values[key] == same


def test_fields_merge_by_name(real):
    base = {"title": real.title, "description": real.description, "youtube_id": real.youtube_id}
    mine = dict(base, title="My title")
    theirs = dict(base, description="Their description")
    result = merge(base, mine, theirs)
    assert result.conflicts == []
    assert result.values == {"title": "My title", "description": "Their description", "youtube_id": real.youtube_id}
    both = merge(base, mine, dict(base, title="Their title"))
    assert [(c.key, c.mine, c.theirs) for c in both.conflicts] == [("title", "My title", "Their title")]


def test_a_placed_row_follows_its_line_after_their_insertions(real):
    base = list(stored(real))
    now = ["h:new", *base[:3], "l:theirs", *base[3:]]
    order = {key: index for index, key in enumerate(now)}
    # Placed between the base's third and fourth items: after the third, before their line.
    placed = translate_order(2.5, base, order)
    assert order[base[2]] < placed < order["l:theirs"]
    assert translate_order(5, base, order) == order[base[5]]


def test_the_snapshot_reads_back_what_it_wrote(real):
    items = load_items(real)
    base = snapshot.decode(snapshot.encode("token", {"title": real.title}, items))
    assert base.token == "token" and base.fields == {"title": real.title}
    assert base.values == stored(real) and len(base.keys) == len(items)
    assert snapshot.decode("not a snapshot") is None


def test_a_page_opened_with_the_earlier_bzip2_snapshot_still_reads_back(real):
    import base64
    import bz2
    import zlib

    items = load_items(real)
    packed = base64.urlsafe_b64decode(snapshot.encode("token", {"title": real.title}, items))
    older = base64.urlsafe_b64encode(bz2.compress(zlib.decompress(packed))).decode()
    assert snapshot.decode(older).values == stored(real)


# --- two editors in the admin ---------------------------------------------------------------------------


@pytest.fixture
def two(editor, django_user_model):
    other = django_user_model.objects.create_user("otto", is_staff=True)
    other.groups.set(editor.groups.all())
    mine, theirs = Client(), Client()
    mine.force_login(editor)
    theirs.force_login(other)
    return mine, theirs


def line_at(episode, index):
    return TranscriptLine.objects.filter(episode=episode).order_by("position")[index]


def opened(client, episode):
    return change_form_data(client.get(change_url(episode)))


def test_two_editors_changing_different_lines_both_land(two, real):
    mine, theirs = two
    one, other = line_at(real, 3), line_at(real, 20)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[f"transcript-{row_index(their_page, 'line', other.pk)}-text"] = "Their correction."
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', one.pk)}-text"] = "My correction."
    response = mine.post(change_url(real), my_page)
    assert response.status_code == 302
    one.refresh_from_db()
    other.refresh_from_db()
    assert (one.text, other.text) == ("My correction.", "Their correction.")


def test_a_compact_save_after_another_lands_with_theirs(two, real):
    """The page's script sends only the rows it changed."""
    mine, theirs = two
    one, other = line_at(real, 5), line_at(real, 6)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[f"transcript-{row_index(their_page, 'line', other.pk)}-speaker"] = "Somebody"
    assert theirs.post(change_url(real), their_page).status_code == 302
    index = row_index(my_page, "line", one.pk)
    my_page[f"transcript-{index}-text"] = "My correction."
    my_page["title"] = "My title"
    assert mine.post(change_url(real), compact(my_page, [index])).status_code == 302
    one.refresh_from_db()
    other.refresh_from_db()
    real.refresh_from_db()
    assert (one.text, other.speaker, real.title) == ("My correction.", "Somebody", "My title")


def test_their_field_change_stays_when_i_change_a_line(two, real):
    mine, theirs = two
    one = line_at(real, 2)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page["title"] = "Their title"
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', one.pk)}-text"] = "My correction."
    assert mine.post(change_url(real), my_page).status_code == 302
    real.refresh_from_db()
    one.refresh_from_db()
    assert (real.title, one.text) == ("Their title", "My correction.")


def same_line_conflict(two, episode):
    mine, theirs = two
    line = line_at(episode, 4)
    my_page, their_page = opened(mine, episode), opened(theirs, episode)
    their_page[f"transcript-{row_index(their_page, 'line', line.pk)}-text"] = "Their version of it."
    assert theirs.post(change_url(episode), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', line.pk)}-text"] = "My version of it."
    return line, mine.post(change_url(episode), my_page)


def choice_form(response):
    return change_form_data(response, "merge_form")


def test_the_same_line_shows_both_versions_and_saves_nothing(two, real):
    line, response = same_line_conflict(two, real)
    html = response.content.decode()
    page = Page(html).text
    assert response.status_code == 200
    assert "Their version of it." in page and "My version of it." in page and " ".join(line.text.split()) in page
    assert re.search(r'type="radio" name="merge-l:' + line.uid, html)
    line.refresh_from_db()
    assert line.text == "Their version of it."


@pytest.mark.parametrize(("side", "kept"), [("mine", "My version of it."), ("theirs", "Their version of it.")])
def test_choosing_a_side_saves_it(two, real, side, kept):
    line, response = same_line_conflict(two, real)
    data = choice_form(response)
    data[f"merge-l:{line.uid}"] = side
    assert two[0].post(change_url(real), data).status_code == 302
    line.refresh_from_db()
    assert line.text == kept


def test_a_choice_made_over_an_older_version_is_asked_again(two, real):
    line, response = same_line_conflict(two, real)
    data = choice_form(response)
    data[f"merge-l:{line.uid}"] = "mine"
    again = opened(two[1], real)
    again[f"transcript-{row_index(again, 'line', line.pk)}-text"] = "Their second thought."
    assert two[1].post(change_url(real), again).status_code == 302
    response = two[0].post(change_url(real), data)
    assert response.status_code == 200 and "Their second thought." in Page(response.content.decode()).text


def test_the_same_field_changed_differently_is_chosen_too(two, real):
    mine, theirs = two
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page["title"] = "Their title"
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page["title"] = "My title"
    response = mine.post(change_url(real), my_page)
    page = Page(response.content.decode()).text
    assert response.status_code == 200 and "Their title" in page and "My title" in page
    data = choice_form(response)
    data["merge-f:title"] = "mine"
    assert mine.post(change_url(real), data).status_code == 302
    real.refresh_from_db()
    assert real.title == "My title"


# --- back where you were -----------------------------------------------------------------------------------


def row_anchor(client, episode, line):
    """The id of a line's row on the change page as it is now."""
    page = client.get(change_url(episode)).content.decode()
    row = re.search(
        rf'<div id="(t-row-\d+)"[^>]*><div class="t-c-order"><input type="hidden" name="transcript-\d+-id" value="{line.pk}">',
        page,
    )
    return row.group(1)


def test_save_and_continue_opens_at_the_changed_line(editor_client, real):
    line = line_at(real, 30)
    data = opened(editor_client, real)
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "Corrected."
    data["_continue"] = "Save and continue editing"
    response = editor_client.post(change_url(real), data)
    assert response.status_code == 302
    path, fragment = response["Location"].split("#")
    assert path == change_url(real) and fragment == row_anchor(editor_client, real, line)


def test_save_and_continue_opens_at_the_focused_line(editor_client, real):
    changed, focused = line_at(real, 3), line_at(real, 12)
    data = opened(editor_client, real)
    data[f"transcript-{row_index(data, 'line', changed.pk)}-text"] = "Corrected."
    data["focus"] = f"l{focused.pk}"
    data["_continue"] = "Save and continue editing"
    response = editor_client.post(change_url(real), data)
    assert response["Location"].endswith("#" + row_anchor(editor_client, real, focused))


def test_a_merged_save_opens_at_the_line_too(two, real):
    mine, theirs = two
    one, other = line_at(real, 8), line_at(real, 15)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[f"transcript-{row_index(their_page, 'line', other.pk)}-text"] = "Theirs."
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', one.pk)}-text"] = "Mine."
    my_page["_continue"] = "Save and continue editing"
    response = mine.post(change_url(real), my_page)
    assert response["Location"].endswith("#" + row_anchor(mine, real, one))


def test_a_page_shown_again_after_a_refused_save_opens_at_the_line(editor_client, real):
    line = line_at(real, 10)
    data = opened(editor_client, real)
    index = row_index(data, "line", line.pk)
    data[f"transcript-{index}-time"] = "not a time"
    data["focus"] = f"l{line.pk}"
    page = editor_client.post(change_url(real), data).content.decode()
    focused = re.findall(r'name="(transcript-\d+)-text" rows="1" aria-label="Text" autofocus', page)
    assert len(focused) == 1
    assert re.search(rf'name="{focused[0]}-id" value="{line.pk}"', page)


# --- the guests, links and clips beside them -----------------------------------------------------------------


def link_field(data, platform):
    index = next(key.split("-")[1] for key, value in data.items() if key.endswith("-platform") and value == platform)
    return f"links-{index}-url"


def test_their_link_change_stays_when_i_change_a_line(two, real):
    mine, theirs = two
    link = real.links.order_by("position").first()
    line = line_at(real, 2)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[link_field(their_page, link.platform)] = "https://example.com/their-link"
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', line.pk)}-text"] = "Mine."
    assert mine.post(change_url(real), my_page).status_code == 302
    link.refresh_from_db()
    line.refresh_from_db()
    assert (link.url, line.text) == ("https://example.com/their-link", "Mine.")


def test_the_same_link_changed_differently_is_chosen(two, real):
    mine, theirs = two
    link = real.links.order_by("position").first()
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[link_field(their_page, link.platform)] = "https://example.com/theirs"
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[link_field(my_page, link.platform)] = "https://example.com/mine"
    response = mine.post(change_url(real), my_page)
    page = Page(response.content.decode()).text
    assert response.status_code == 200 and "https://example.com/theirs" in page and "https://example.com/mine" in page
    data = choice_form(response)
    data["merge-r:links"] = "mine"
    assert mine.post(change_url(real), data).status_code == 302
    link.refresh_from_db()
    assert link.url == "https://example.com/mine"


def test_a_merged_save_is_recorded_as_what_this_editor_changed(two, real, editor):
    from django.contrib.admin.models import LogEntry

    mine, theirs = two
    line = line_at(real, 2)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page["title"] = "Their title"
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', line.pk)}-text"] = "Mine."
    assert mine.post(change_url(real), my_page).status_code == 302
    mine_entry = LogEntry.objects.filter(user=editor).latest("pk")
    assert "Title" not in mine_entry.get_change_message()
    assert "merged with theirs" in mine.get(change_url(real)).content.decode()


def test_their_inserted_line_and_my_deleted_line_both_land(two, real):
    mine, theirs = two
    gone, before = line_at(real, 7), line_at(real, 12)
    count = TranscriptLine.objects.filter(episode=real).count()
    my_page, their_page = opened(mine, real), opened(theirs, real)
    total = int(their_page["transcript-TOTAL_FORMS"])
    after = their_page[f"transcript-{row_index(their_page, 'line', before.pk)}-order"]
    their_page.update(
        {
            f"transcript-{total}-kind": "line",
            f"transcript-{total}-order": f"{after}.5",
            f"transcript-{total}-text": "A line they added.",
            f"transcript-{total}-time": "0:01",
            "transcript-TOTAL_FORMS": str(total + 1),
        }
    )
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', gone.pk)}-DELETE"] = "on"
    assert mine.post(change_url(real), my_page).status_code == 302
    texts = list(TranscriptLine.objects.filter(episode=real).order_by("position").values_list("text", flat=True))
    assert len(texts) == count and gone.text not in texts
    assert texts[texts.index(before.text) + 1] == "A line they added."


def test_a_line_they_deleted_and_i_edited_is_a_choice(two, real):
    mine, theirs = two
    line = line_at(real, 9)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[f"transcript-{row_index(their_page, 'line', line.pk)}-DELETE"] = "on"
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', line.pk)}-text"] = "Still here, corrected."
    response = mine.post(change_url(real), my_page)
    assert response.status_code == 200 and "(deleted)" in Page(response.content.decode()).text
    data = choice_form(response)
    data[f"merge-l:{line.uid}"] = "mine"
    assert mine.post(change_url(real), data).status_code == 302
    kept = TranscriptLine.objects.get(episode=real, text="Still here, corrected.")
    assert kept.uid == line.uid  # its links on the episode page work again


def test_the_choice_marks_the_words_each_side_changed(two, real):
    _, response = same_line_conflict(two, real)
    page = response.content.decode()
    assert re.search(r"<ins>Their</ins>", page) and re.search(r"<ins>My</ins>", page)


def test_a_merged_save_refused_for_an_error_saves_once_corrected(two, real):
    mine, theirs = two
    one, other, wrong = line_at(real, 3), line_at(real, 11), line_at(real, 14)
    my_page, their_page = opened(mine, real), opened(theirs, real)
    their_page[f"transcript-{row_index(their_page, 'line', other.pk)}-text"] = "Theirs."
    assert theirs.post(change_url(real), their_page).status_code == 302
    my_page[f"transcript-{row_index(my_page, 'line', one.pk)}-text"] = "Mine."
    my_page[f"transcript-{row_index(my_page, 'line', wrong.pk)}-time"] = "not a time"
    refused = mine.post(change_url(real), my_page)
    assert refused.status_code == 200 and "Write the time as" in refused.content.decode()
    again = change_form_data(refused)
    again[f"transcript-{row_index(again, 'line', wrong.pk)}-time"] = wrong.time
    assert mine.post(change_url(real), again).status_code == 302
    texts = {line.pk: line.text for line in TranscriptLine.objects.filter(pk__in=[one.pk, other.pk])}
    assert texts == {one.pk: "Mine.", other.pk: "Theirs."}


# --- what the history says of a save -------------------------------------------------------------


def test_the_page_state_a_save_carries_is_no_change_of_the_episode(editor_client, real):
    from reversion.models import Version

    line = line_at(real, 30)
    data = opened(editor_client, real)
    data[f"transcript-{row_index(data, 'line', line.pk)}-text"] = "Corrected."
    assert editor_client.post(change_url(real), data).status_code == 302
    comment = Version.objects.get_for_object(real).first().revision.comment
    assert "merge_base" not in comment
    assert "version" not in comment
