"""The publish folder as tests look at it: the files in it, which of them a change rewrote, and
what the app serves for the same addresses."""

import gzip

from django.db import connection
from django.test import Client

from episodes import publishing


def run_commit_callbacks():
    """The test's transaction never commits: run what its commit would (the version's bump)."""
    while connection.run_on_commit:
        waiting = list(connection.run_on_commit)
        connection.run_on_commit.clear()
        for _, callback, _ in waiting:
            callback()


def files(root):
    """{file: inode} of every published file and gzip copy: a rewritten file is a new inode
    (a temporary file renamed into place)."""
    return {
        path.relative_to(root).as_posix(): path.stat().st_ino
        for path in root.rglob("*")
        if path.is_file() and ".publish" not in path.parts
    }


def rewritten(before, after):
    return {name for name, inode in after.items() if before.get(name) != inode}


def served(path, compressed=False):
    """The body the app sends a visitor for ``path`` (in gzip when asked and sent so)."""
    headers = {"HTTP_ACCEPT_ENCODING": "gzip"} if compressed else {}
    response = Client().get(path, **headers)
    assert response.status_code == 200, path
    body = response.content
    return body, response.get("Content-Encoding") == "gzip"


def assert_published_as_served(root, path):
    """The file for ``path`` holds the bytes the app serves, and its .gz copy the gzip bytes."""
    name = publishing.file_for(path)
    plain, _ = served(path)
    assert (root / name).read_bytes() == plain, name
    packed, compressed = served(path, compressed=True)
    gz = root / (name + ".gz")
    if compressed:
        assert gz.read_bytes() == packed, name
        assert gzip.decompress(packed) == plain
    else:
        assert not gz.exists(), name


def assert_all_published_as_served(root):
    """Every published file is what the app serves now: nothing stale anywhere."""
    for name in files(root):
        if not name.endswith(".gz"):
            assert_published_as_served(root, "/" + name.removesuffix("index.html"))
