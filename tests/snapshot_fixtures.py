"""A snapshot of the real archive imported once per test module, for the tests that read its
pages: ``imported_snapshot`` is the snapshot's name; ``snapshot_media`` points MEDIA_ROOT at the
images its import brought, so that the pages show them.

A module loads these through ``pytest_plugins``, which registers them for the whole session: their
names must not be the names of another plugin's fixtures (``tests/test_fixture_names.py``)."""

import pytest

from tests.conftest import SNAPSHOTS
from tests.pages import clear_archive, load_snapshot


def _media(tmp_path_factory, module, snapshot):
    return tmp_path_factory.getbasetemp() / f"media-{module}-{snapshot}"


@pytest.fixture(scope="module", params=SNAPSHOTS)
def imported_snapshot(request, django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        load_snapshot(request.param, _media(tmp_path_factory, request.module.__name__, request.param))
    yield request.param
    with django_db_blocker.unblock():
        clear_archive()


@pytest.fixture
def snapshot_media(imported_snapshot, request, tmp_path_factory, settings):
    settings.MEDIA_ROOT = _media(tmp_path_factory, request.module.__name__, imported_snapshot)
    return settings.MEDIA_ROOT
