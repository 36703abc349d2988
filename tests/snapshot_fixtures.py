"""A snapshot of the real archive imported once per test module, for the tests that read its
pages: ``archive`` is the snapshot's name; ``archive_media`` points MEDIA_ROOT at the images its
import brought, so that the pages show them."""

import pytest

from tests.conftest import SNAPSHOTS
from tests.pages import clear_archive, load_snapshot


def _media(tmp_path_factory, module, snapshot):
    return tmp_path_factory.getbasetemp() / f"media-{module}-{snapshot}"


@pytest.fixture(scope="module", params=SNAPSHOTS)
def archive(request, django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        load_snapshot(request.param, _media(tmp_path_factory, request.module.__name__, request.param))
    yield request.param
    with django_db_blocker.unblock():
        clear_archive()


@pytest.fixture
def archive_media(archive, request, tmp_path_factory, settings):
    settings.MEDIA_ROOT = _media(tmp_path_factory, request.module.__name__, archive)
    return settings.MEDIA_ROOT
