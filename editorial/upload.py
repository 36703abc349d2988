"""The archive's own files in the admin: download episodes as their ``.md`` files, and upload
``.md`` files (or a zip of them) through the same import as ``import_podcast``, previewed first.

An upload is read whole, checked against fixed bounds (size, number of files, names inside a zip)
and kept in a private folder between the preview and the editor's confirmation, so what is
confirmed is exactly what was previewed.
"""

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import HttpResponse

from archive import documents, episode_file, exporter, importer
from archive.documents import DocumentError
from archive.files import write_atomic
from archive.report import Code, explain, image_warnings
from archive.sources import Source, file_key
from episodes.models import Episode

from . import diffs, history
from .transcript.items import load_items

MAX_UPLOAD_BYTES = 40 * 1024 * 1024  # a whole real site's text is about 15 MiB
MAX_FILES = 2000  # a real site has about 650 .md files
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
STAGE_MAX_AGE = 24 * 3600
MAX_DIFF_LINES = 200


class UploadError(ValueError):
    pass


# --- download ------------------------------------------------------------------------------------


def episode_files(episodes):
    """(file name, text) of each episode as export would write it now."""
    return [
        (episode.filename, exporter.render(episode, data, body))
        for episode, data, body in exporter.EpisodeTree(episodes)
    ]


def download(episodes):
    """One episode as its .md file; several as a zip in the site's layout (``_podcast/``)."""
    files = episode_files(episodes)
    if len(files) == 1:
        name, text = files[0]
        response = HttpResponse(text.encode("utf-8"), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_safe_name(name)}"'
        return response
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files:
            archive.writestr(f"_podcast/{name}", text.encode("utf-8"))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="episodes-{time.strftime("%Y%m%d-%H%M%S")}.zip"'
    return response


def _safe_name(name):
    return "".join(ch if ch.isalnum() or ch in "._-()" else "-" for ch in name)


# --- reading an upload ---------------------------------------------------------------------------


@dataclass
class UploadedFile:
    name: str  # as the editor will see it: the file's name, or its path inside the zip
    kind: str  # "episode" or "person"
    content: bytes


def _kind(path):
    return "person" if "_people" in path.parts[:-1] else "episode"


def _entry_path(name):
    """A zip entry's path, refused when it would leave the folder it is unpacked into."""
    path = PurePosixPath(name)
    if (
        "\\" in name
        or name.startswith("/")
        or path.is_absolute()
        or ".." in path.parts
        or (path.parts and ":" in path.parts[0])
        or "\x00" in name
    ):
        raise UploadError(f"The zip holds {name!r}, a path that leaves its folder; nothing was read from it.")
    return path


def read_upload(files):
    """The .md files of an upload (loose .md files and zips), checked against the bounds."""
    # The folder the files will wait in is checked first: a folder that cannot be used is then
    # said on the form, before the preview, not after it.
    _stage_root()
    total = sum(upload.size for upload in files)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(f"The upload is {total:,} bytes; at most {MAX_UPLOAD_BYTES:,} are accepted at once.")
    found = []
    unpacked = 0
    for upload in files:
        name = Path(upload.name).name
        if name.lower().endswith(".zip"):
            for entry in _read_zip(upload, name):
                unpacked += len(entry.content)
                found.append(entry)
        elif name.lower().endswith(".md"):
            found.append(UploadedFile(name, "episode", upload.read()))
            unpacked += upload.size
        else:
            raise UploadError(f"{name}: only .md files and .zip files of them can be uploaded.")
        if len(found) > MAX_FILES:
            raise UploadError(f"The upload holds more than {MAX_FILES:,} .md files; send it in parts.")
        if unpacked > MAX_UNPACKED_BYTES:
            raise UploadError(f"The upload unpacks to more than {MAX_UNPACKED_BYTES:,} bytes; send it in parts.")
    if not found:
        raise UploadError("The upload holds no .md file.")
    return found


def _read_zip(upload, label):
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise UploadError(f"{label} is not a zip file that can be read.") from None
    with archive:
        infos = archive.infolist()
        paths = [_entry_path(info.filename) for info in infos]  # all refused before any is read
        entries = [(info, path) for info, path in zip(infos, paths) if not info.is_dir() and path.suffix == ".md"]
        entries = [(info, path) for info, path in entries if "__MACOSX" not in path.parts]
        if len(entries) > MAX_FILES:
            raise UploadError(f"{label} holds {len(entries):,} .md files; at most {MAX_FILES:,} are accepted.")
        declared = sum(info.file_size for info, _ in entries)
        if declared > MAX_UNPACKED_BYTES:
            raise UploadError(f"{label} unpacks to {declared:,} bytes; at most {MAX_UNPACKED_BYTES:,} are accepted.")
        for info, path in entries:
            try:
                with archive.open(info) as handle:
                    # A declared size can lie; read no more than a document may hold.
                    content = handle.read(documents.MAX_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
                raise UploadError(f"{label}: {info.filename} cannot be read ({exc}).") from None
            yield UploadedFile(str(path), _kind(path), content)


# --- keeping an upload between preview and confirmation ---------------------------------------------


def _stage_root():
    """The folder uploads wait in, the app's own and private to it.

    Anyone who can write to it can swap the files between preview and confirmation, and whoever
    owns it can make it writable: a folder of another user is refused, and ours is made 0700
    whatever mode it was found with (the default one is in the shared temporary folder)."""
    root = Path(getattr(settings, "ADMIN_UPLOAD_DIR", "") or Path(tempfile.gettempdir()) / "podcast-admin-uploads")
    advice = "set ADMIN_UPLOAD_DIR to a folder of the app's own user"
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        entry, folder = os.lstat(root), os.stat(root)  # a symbolic link, and what it leads to
    except OSError as exc:
        raise UploadError(f"The upload folder {root} cannot be used ({exc.strerror}); {advice}.") from None
    if entry.st_uid != os.geteuid() or folder.st_uid != os.geteuid():
        raise UploadError(f"The upload folder {root} belongs to another user, so it is not used; {advice}.")
    if not stat.S_ISDIR(folder.st_mode):
        raise UploadError(f"The upload folder {root} is not a folder; {advice}.")
    if stat.S_IMODE(folder.st_mode) & 0o077:
        try:
            os.chmod(root, 0o700)
        except OSError as exc:
            raise UploadError(
                f"The upload folder {root} is open to other users and cannot be made private ({exc.strerror}); "
                f"{advice}."
            ) from None
    return root


def _digest(data):
    return hashlib.sha256(data).hexdigest()


_FOLDER = re.compile(r"[0-9a-f]{32}")
_TOKEN = re.compile(r"([0-9a-f]{32})([0-9a-f]{64})")
GONE = "That upload is no longer here; upload the files again."
CHANGED = "The files of that upload were changed after the preview, so nothing was imported; upload them again."


def stage(files):
    """Keep the files of an upload until it is confirmed; returns its token.

    The token names the folder and carries the digest of its manifest, which holds the digest of
    each file: the token is kept in the editor's session, so files changed on disk between the
    preview and the confirmation are refused, whoever changed them."""
    root = _stage_root()
    now = time.time()
    for old in root.iterdir():
        if not _FOLDER.fullmatch(old.name):
            continue  # not ours: the folder may have been set to one that holds other things
        try:
            if now - old.stat().st_mtime > STAGE_MAX_AGE:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    name = secrets.token_hex(16)
    folder = root / name
    folder.mkdir(mode=0o700)
    manifest = []
    for number, item in enumerate(files):
        write_atomic(folder / f"{number}.md", item.content, mode=0o600)
        manifest.append({"name": item.name, "kind": item.kind, "sha256": _digest(item.content)})
    manifest = json.dumps(manifest).encode("utf-8")
    write_atomic(folder / "manifest.json", manifest, mode=0o600)
    return name + _digest(manifest)


def unstage(token, *, remove=False):
    """The files staged under ``token``, exactly as they were previewed."""
    parsed = _TOKEN.fullmatch(token or "")
    if not parsed:
        raise UploadError(GONE)
    name, manifest_digest = parsed.groups()
    folder = _stage_root() / name
    try:
        files = _read_staged(folder, manifest_digest)
    except (OSError, ValueError, KeyError, TypeError):
        raise UploadError(GONE) from None
    if files is None or remove:
        shutil.rmtree(folder, ignore_errors=True)
    if files is None:
        raise UploadError(CHANGED)
    return files


def _read_staged(folder, manifest_digest):
    """The staged files, or None when the manifest or any file is not what was staged."""
    raw = (folder / "manifest.json").read_bytes()
    if _digest(raw) != manifest_digest:
        return None
    files = []
    for number, entry in enumerate(json.loads(raw)):
        content = (folder / f"{number}.md").read_bytes()
        if _digest(content) != entry["sha256"]:
            return None
        files.append(UploadedFile(entry["name"], entry["kind"], content))
    return files


# --- running it ------------------------------------------------------------------------------------


def sources(files):
    # People first, as the command does: an episode names its guests by their files.
    ordered = sorted(files, key=lambda item: item.kind != "person")
    return [Source(path=Path(item.name), kind=item.kind, content=item.content) for item in ordered]


@dataclass
class Change:
    """What an upload would change in one existing episode: its fields (``diffs.FieldChange``)
    and its transcript (``diffs.TranscriptChanges``)."""

    fields: list = field(default_factory=list)
    transcript: diffs.TranscriptChanges = field(default_factory=diffs.TranscriptChanges)


@dataclass
class Preview:
    report: object
    changes: dict  # outcome path -> Change


def _stored_items(episode):
    return [
        ("header", stored.obj.title)
        if stored.kind == "header"
        else ("line", stored.obj.text, stored.obj.speaker, stored.obj.sec, stored.obj.time)
        for stored in load_items(episode)
    ]


def episode_change(item, doc):
    """The fields and transcript lines that importing ``item`` (parsed: ``doc``) would change,
    or None."""
    episode = Episode.objects.filter(slug=file_key(item.name)[0]).first()
    if episode is None or doc is None:
        return None
    try:
        parsed = episode_file.episode_fields(doc, episode.slug)
    except DocumentError:
        return None
    current, _ = exporter.episode_document(episode)
    # In the file's order; the keys the file no longer has after them.
    names = [key for key in dict.fromkeys([*doc.data, *current]) if key != "transcript"]
    change = Change(fields=diffs.field_changes(current, doc.data, names))
    if doc.body != episode.body:
        change.fields.append(diffs.FieldChange("show notes", episode.body, doc.body))
    new = [item if item[0] == "header" else item[:5] for item in parsed.items]
    change.transcript = diffs.transcript_changes(_stored_items(episode), new, MAX_DIFF_LINES)
    return change


KEEP_OR_TAKE = (
    "keep the edit or take the file: choose for each file on the preview, "
    "or tick “Overwrite episodes changed in the CMS” to take them all"
)
REMEDIES = {Code.EDITED: KEEP_OR_TAKE, Code.GONE_EDITED: "tick “Overwrite episodes changed in the CMS” to remove it"}
# The name of the choice between an edit in the CMS and the uploaded file, per file.
CHOICE = "resolve:"


def taken(choices, files):
    """The keys of the rows whose uploaded file the editor chose over their edit in the CMS."""
    names = {choice.removeprefix(CHOICE) for choice, value in choices if choice.startswith(CHOICE) and value == "file"}
    return {file_key(item.name)[0] for item in files if item.name in names}


@dataclass
class Row:
    """One file of an upload, as the upload page shows it."""

    outcome: object
    message: str
    warnings: list
    change: Change = None

    @property
    def choice(self):
        """The name of the keep-or-take choice a conflict with an edit in the CMS offers."""
        return CHOICE + self.outcome.path if self.outcome.code == Code.EDITED else ""


def rows(report, changes=None):
    """The upload page's rows. An uploaded file comes without its site folder, so the import
    cannot copy its images; an image already in media storage is not worth a warning."""
    changes = changes or {}
    return [
        Row(
            outcome,
            explain(outcome, REMEDIES),
            image_warnings(outcome, [name for name in outcome.missing_images if not default_storage.exists(name)]),
            changes.get(outcome.path),
        )
        for outcome in report.outcomes
    ]


def preview(files, *, include_drafts=False, force=False, prune=False):
    report = importer.Importer(
        dry_run=True,
        include_drafts=include_drafts,
        force=force,
        parallel=False,
        keep_documents=True,
        prune=prune,
        chosen=True,
    ).run_sources(sources(files))
    by_name = {item.name: item for item in files}
    changes = {}
    for outcome in report.outcomes:
        if outcome.kind == "episode" and outcome.status in ("updated", "conflict"):
            change = episode_change(by_name[outcome.path], outcome.document)
            if change is not None:
                changes[outcome.path] = change
    return Preview(report, changes)


def run(files, *, user, include_drafts=False, force=False, prune=False, take=()):
    """Import for real, and record in each episode's history what it was before and after;
    ``take``: the keys whose file is taken over an edit in the CMS (see ``taken``)."""
    keys = [file_key(item.name)[0] for item in files if item.kind == "episode"]
    history.ensure_baseline(Episode.objects.filter(slug__in=keys), user)
    report = importer.Importer(
        include_drafts=include_drafts, force=force, parallel=False, prune=prune, chosen=True, taken=take
    ).run_sources(sources(files))
    written = {o.key: o.path for o in report.outcomes if o.kind == "episode" and o.status in ("created", "updated")}
    for episode in Episode.objects.filter(slug__in=list(written)):
        history.record(user, [episode], f"Imported from an uploaded file ({written[episode.slug]}).")
    return report
