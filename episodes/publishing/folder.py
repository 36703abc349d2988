"""The publish folder: the pages as files, each written atomically, in content-version order.

A page's address maps to the file nginx's ``try_files`` looks for: ``/podcast/key/`` is
``podcast/key/index.html``, ``/podcast/feed.xml`` keeps its name. Beside each page that the app
sends in gzip lies that copy, ``<file>.gz``, the same bytes (``gzip_static``).

Several processes, on one machine or several sharing the folder, may publish at once. Each
render is made outside any lock; only the writes hold the folder's lock (``.publish/lock``,
``flock``), and under it a file is replaced only by a render of the same or a newer content
version than the one it holds: a slow render of an old version never replaces a newer page.
What each file holds, and what each episode's pages were made from, is kept in
``.publish/state.json`` (the dot keeps nginx from serving it).
"""

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

STATE_DIR = ".publish"
WRITTEN, UNCHANGED = "written", "unchanged"


class UnsafeAddress(ValueError):
    """An address that names no file inside the folder (``..``, a hidden name)."""


def file_for(path):
    """The file (relative, POSIX) that stands for the address ``path``."""
    parts = [unquote(part) for part in path.split("/")]
    if not path.startswith("/") or any(part in (".", "..") or part.startswith(".") for part in parts if part):
        raise UnsafeAddress(f"the address {path!r} names no file of the publish folder")
    if any("/" in part or "\x00" in part for part in parts):
        raise UnsafeAddress(f"the address {path!r} names no file of the publish folder")
    relative = "/".join(part for part in parts if part)
    if path.endswith("/"):
        relative = f"{relative}/index.html" if relative else "index.html"
    return str(PurePosixPath(relative))


def version_order(version):
    """A version's place in time: the microsecond its version was made (``caching._version``),
    which every move of the version makes later, even when the database restarts its numbers."""
    _, _, stamp = version.partition(".")
    try:
        return int(stamp, 16)
    except ValueError:
        return 0


class Folder:
    def __init__(self, root):
        self.root = Path(root)
        self.state_dir = self.root / STATE_DIR
        self.state = None

    @contextmanager
    def locked(self):
        """The folder's lock, and its state loaded; the state is saved on the way out."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        with open(self.state_dir / "lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.state = self._load()
                yield self
                self._write(self.state_dir / "state.json", json.dumps(self.state, sort_keys=True).encode())
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self):
        try:
            state = json.loads((self.state_dir / "state.json").read_bytes())
        except (FileNotFoundError, ValueError):
            state = {}
        return {key: state.get(key, {}) for key in ("files", "episodes", "people")} | {
            "version": state.get("version", 0),
            "complete": state.get("complete", False),  # publish_site has written every page once
        }

    def newer_or_same(self, name, version):
        return version_order(version) >= self.state["files"].get(name, 0)

    def put(self, name, plain, packed, version):
        """Write the page ``name`` (and its gzip copy, or remove a stale one) if ``version`` is
        not older than what the file holds: WRITTEN, UNCHANGED (the same bytes are there: the file,
        its date and so nginx's ETag stay as they are), or None (a newer version is there)."""
        if not self.newer_or_same(name, version):
            return None
        target = self.root / name
        gz = target.with_name(target.name + ".gz")
        self.state["files"][name] = version_order(version)
        if _read(target) == plain and _read(gz) == packed:
            return UNCHANGED
        # The file's date, nginx's Last-Modified, is when its bytes changed.
        self._write(target, plain)
        if packed is None:
            _remove(gz)
            return WRITTEN
        try:
            self._write(gz, packed)
        except BaseException:
            # The page is new and its gzip copy would be old: without one, nginx sends the page.
            _remove(gz)
            raise
        return WRITTEN

    def drop(self, name, version):
        """Remove the page ``name``: it is no page now (or a redirect, which nginx leaves to the
        app). The version is remembered, so that an older render does not bring it back."""
        if not self.newer_or_same(name, version):
            return False
        target = self.root / name
        _remove(target)
        _remove(target.with_name(target.name + ".gz"))
        self.state["files"][name] = version_order(version)
        return True

    def read(self, name):
        """(plain, gzip) bytes of the page as published, None for a missing one."""
        target = self.root / name
        return _read(target), _read(target.with_name(target.name + ".gz"))

    def files(self):
        """Every page file in the folder (not the gzip copies, not the state)."""
        found = set()
        for folder, dirs, names in os.walk(self.root):
            dirs[:] = [name for name in dirs if not name.startswith(".")]
            for name in names:
                if not name.startswith(".") and not name.endswith(".gz"):
                    found.add(Path(folder, name).relative_to(self.root).as_posix())
        return found

    @staticmethod
    def _write(target, content):
        """A temporary file in the same folder, renamed into place: a reader sees the old file or
        the new one, never half of one."""
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
            # nginx's workers may run as another user: pages are public.
            os.chmod(temporary, 0o644)
            os.replace(temporary, target)
        except BaseException:
            _remove(Path(temporary))
            raise


def _remove(path):
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _read(path):
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
