"""The published pages copied to object storage: the same files as the folder, typed as the app
types them, following every change; here a folder storage stands in for the bucket."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from storages.backends.s3 import S3Storage

from tests.publishing import files

pytest_plugins = ["tests.admin_fixtures", "tests.publish_fixtures"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(tmp_path, settings):
    root = tmp_path / "bucket"
    settings.STORAGES = {
        **settings.STORAGES,
        "publish": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "allow_overwrite": True},
        },
    }
    settings.PODCAST_PUBLISH_STORAGE = "publish"
    return root


def contents(root):
    return {name: (root / name).read_bytes() for name in files(root)}


def test_publish_site_copies_every_published_file_to_the_storage(published, publish_root, bucket):
    call_command("publish_site")
    assert contents(bucket) == contents(publish_root)


def test_a_change_and_a_delete_follow_in_the_storage(
    published, publish_root, bucket, django_capture_on_commit_callbacks
):
    call_command("publish_site")
    episode = published["first"]
    episode.title = "Retitled in the bucket"
    with django_capture_on_commit_callbacks(execute=True):
        episode.save()
    assert b"Retitled in the bucket" in (bucket / "podcast/first/index.html").read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        published["second"].delete()
    assert not (bucket / "podcast/second/index.html").exists()
    assert contents(bucket) == contents(publish_root)


def test_an_s3_object_is_typed_as_the_app_types_it_and_its_gzip_copy_says_so():
    storage = S3Storage(bucket_name="pages", file_overwrite=True)
    page = ContentFile(b"...")
    page.content_type = "application/rss+xml; charset=utf-8"
    parameters = storage._get_write_parameters("podcast/feed.xml.gz", page)
    assert parameters["ContentType"] == "application/rss+xml; charset=utf-8"
    assert parameters["ContentEncoding"] == "gzip"
