"""The sample site that make run imports: every shape of the format, and a faithful round trip."""

import pytest
from django.core.management import call_command

from archive.exporter import Exporter
from archive.importer import Importer
from episodes.models import Episode, TranscriptLine

from .conftest import SAMPLE

pytestmark = pytest.mark.django_db


def test_sample_imports_cleanly_and_round_trips(tmp_path):
    report = Importer(include_drafts=True).run([SAMPLE])
    assert report.ok
    assert report.count("failed") == 0
    assert Episode.objects.filter(is_published=False).count() == 1
    keys = set(TranscriptLine.objects.values_list("keys", flat=True))
    assert {"line sec time who", "line who", "line", "line sec time", "line sec"} <= keys
    Exporter(tmp_path).run()
    for kind in ("_podcast", "_people"):
        for path in (SAMPLE / kind).glob("*.md"):
            assert (tmp_path / kind / path.name).read_bytes() == path.read_bytes(), path


def test_make_run_steps_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ADMIN_PASSWORD", "")
    call_command("import_podcast", str(SAMPLE), "--include-drafts")
    call_command("ensure_admin")
    assert "Admin account created: username 'admin', password '" in capsys.readouterr().out
    call_command("ensure_admin")
    assert "exists" in capsys.readouterr().out
