"""Writing files so that a failure never leaves half of one: every file the CMS writes (an export,
an upload waiting for confirmation) goes to a temporary file beside its target and is renamed
over it. A full disk or a read-only folder then leaves the old file whole, and the
error names the file and says why.
"""

import contextlib
import os
import tempfile
from pathlib import Path

try:  # object storage's client: its errors say that the store is out of reach, like a disk's
    from botocore.exceptions import BotoCoreError, ClientError

    STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)
except ImportError:  # pragma: no cover - django-storages' S3 backend not installed
    STORAGE_ERRORS = (OSError,)


class FileWriteError(OSError):
    """A file that could not be written; its text names the file and the reason, for a person."""

    def __init__(self, path, reason, errno=None):
        super().__init__(errno, reason)
        self.path = path

    def __str__(self):
        return f"{self.path}: cannot be written ({self.strerror}); the file there is as it was"


def write_atomic(path, data, mode=0o644):
    """Write ``data`` (bytes) to ``path``: all of it, or nothing changes there."""
    path = Path(path)
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        # No fsync: the rename is what makes the write whole-or-nothing, and syncing each of an
        # archive's thousand files would double an export's time. (File systems that delay
        # writes, ext4 and XFS among them, write a file renamed over another before the rename.)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise FileWriteError(path, exc.strerror or str(exc), exc.errno) from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def copy_atomic(source, target, mode=0o644):
    """Copy the file ``source`` (a binary stream or a path) to ``target``, atomically."""
    if hasattr(source, "read"):
        data = source.read()
    else:
        data = Path(source).read_bytes()
    write_atomic(target, data, mode)
