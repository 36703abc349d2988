"""The transcript editor on an episode as long as the import allows
(``PODCAST_MAX_TRANSCRIPT_ITEMS``): the largest real episode's lines repeated to that count."""

import pytest

from archive import documents, importer, sources
from episodes.models import Episode, TranscriptLine
from tests.admin_pages import change_form_data, change_url, compact, largest_real_episode, row_index
from tests.real_episodes import stretched_copy

pytest_plugins = ["tests.admin_fixtures"]  # the admin tests' fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.corpus]


@pytest.fixture
def longest(tmp_path, settings):
    _, original = largest_real_episode()
    path = stretched_copy(original, settings.PODCAST_MAX_TRANSCRIPT_ITEMS, tmp_path / "site")
    site = path.parent.parent
    guests = documents.parse(path.read_bytes()).data.get("guests") or []
    files = [sources.Source(site / "_people" / f"{key}.md", "person", site) for key in guests]
    report = importer.Importer().run_sources(files + [sources.Source(path, "episode", site)])
    assert report.ok, report.summary()
    return Episode.objects.get(slug=path.stem)


def test_a_one_line_correction_lands_on_an_episode_at_the_item_limit(editor_client, longest):
    lines = TranscriptLine.objects.filter(episode=longest).order_by("position")
    line = lines[lines.count() - 1]
    data = change_form_data(editor_client.get(change_url(longest)))
    index = row_index(data, "line", line.pk)
    data[f"transcript-{index}-text"] = "The very last line, corrected."
    # As the page's script sends it: the row that changed, the others by key.
    response = editor_client.post(change_url(longest), compact(data, [index]))
    assert response.status_code == 302, response.content.decode()[:2000]
    line.refresh_from_db()
    assert line.text == "The very last line, corrected."
