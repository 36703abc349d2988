"""Public pages published as files for nginx to serve (``PODCAST_PUBLISH_ROOT``; unset, nothing
is published). ``folder`` writes them, ``render`` makes them as the app serves them, ``pages``
says which a change touches, ``hooks`` runs a publish after every committed change, and
``manage.py publish_site`` writes or checks them all."""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings

from ..caching import current_version
from . import storage
from .folder import UNCHANGED, WRITTEN, Folder, UnsafeAddress, file_for, version_order
from .pages import Snapshot, episode_addresses, person_address, plan_all, plan_changes
from .render import FAILED, GONE, PAGE, Renderer

logger = logging.getLogger(__name__)
# What went wrong publishing in this thread's request, for the admin to say (``middleware``).
failures = threading.local()


def enabled():
    return bool(getattr(settings, "PODCAST_PUBLISH_ROOT", ""))


def folder():
    return Folder(settings.PODCAST_PUBLISH_ROOT)


@dataclass
class Result:
    written: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)  # rendered again, the same bytes as the file's
    removed: list = field(default_factory=list)
    failed: list = field(default_factory=list)  # addresses whose render failed; their files stay
    skipped: list = field(default_factory=list)  # a newer version is published already
    seconds: float = 0.0


def _renders(addresses, progress=None):
    renderer = Renderer()
    for done, address in enumerate(addresses, 1):
        try:
            name = file_for(address)
        except UnsafeAddress as error:
            logger.warning("Not published: %s; the app serves it.", error)
            continue
        try:
            rendered = renderer.render(address)
        except Exception:
            logger.exception("The page %s could not be rendered; its published file is left as it was.", address)
            rendered = None
        if rendered is not None and rendered.outcome == FAILED:
            logger.error("The page %s answered %s; its published file is left as it was.", address, rendered.status)
        if progress:
            progress(done, len(addresses))
        yield name, rendered


def publish(plan, progress=None):
    """Render the plan's addresses and write them, in version order, with the folder's state."""
    started = time.monotonic()
    # Read before the snapshot and the renders, as the page cache reads it: what they hold is of
    # this version or newer, never older.
    version = plan.version or current_version()
    renders = list(_renders(plan.addresses, progress))
    result = Result()
    target = folder()
    with target.locked() as published:
        for name, rendered in renders:
            if rendered is None or rendered.outcome == FAILED:
                result.failed.append(name)
            elif rendered.outcome == PAGE:
                done = published.put(name, rendered.plain, rendered.packed, version)
                {WRITTEN: result.written, UNCHANGED: result.unchanged, None: result.skipped}[done].append(name)
            elif rendered.outcome == GONE and (published.root / name).exists():
                (result.removed if published.drop(name, version) else result.skipped).append(name)
        if plan.everything:
            _prune(published, {name for name, _ in renders}, version, result)
            published.state["complete"] = True
        copies = storage.target()
        if copies is not None:
            types = {name: rendered.content_type for name, rendered in renders if rendered and rendered.outcome == PAGE}
            storage.copy(copies, published, result.written + result.unchanged, result.removed, types)
        _record(published.state, plan.snapshot, set(result.failed), version)
    result.seconds = time.monotonic() - started
    return result


def _prune(published, kept, version, result):
    for name in sorted(published.files() - kept):
        if published.drop(name, version):
            result.removed.append(name)


def _record(state, snapshot, failed, version):
    """What the pages were made from, unless a newer publish recorded its own already. A page
    that failed is recorded as not made, so that the next publish tries it again."""
    if version_order(version) < state["version"]:
        return
    state["version"] = version_order(version)
    state["episodes"] = {
        key: {**entry, "stamp": "" if failed and failed & _names(episode_addresses(entry["slug"])) else entry["stamp"]}
        for key, entry in snapshot.episodes.items()
    }
    state["people"] = {
        short: "" if failed and failed & _names([person_address(short)]) else stamp
        for short, stamp in snapshot.people.items()
    }


def _names(addresses):
    names = set()
    for address in addresses:
        try:
            names.add(file_for(address))
        except UnsafeAddress:
            pass  # never published: the app serves it
    return names


def publish_changes():
    """Write the pages the committed changes touched. Never raises: a visitor's or an editor's
    request goes on whatever happens to the folder, and the failure is logged."""
    try:
        target = folder()
        with target.locked() as published:
            state = dict(published.state)
        if not state["complete"]:
            # Else the first change would write the whole archive while its editor waits.
            logger.warning("The publish folder has never been filled: run `manage.py publish_site` first.")
            return None
        version = current_version()
        plan = plan_changes(Snapshot.now(), state)
        plan.version = version
        if plan.addresses:
            return publish(plan)
    except OSError as error:
        failures.message = (
            f"The publish folder {settings.PODCAST_PUBLISH_ROOT} cannot be written ({error}): the change is "
            "saved, but visitors get the old published pages until `manage.py publish_site` succeeds."
        )
        logger.error(failures.message)
    except Exception as error:
        failures.message = (
            f"Publishing the changed pages failed ({error}): the change is saved, but visitors get the old "
            "published pages until `manage.py publish_site` succeeds."
        )
        logger.exception(failures.message)
    return None


def publish_all(progress=None):
    version = current_version()
    plan = plan_all(Snapshot.now())
    plan.version = version
    return publish(plan, progress)


def differences(progress=None):
    """The files that differ from what the app would serve now: [(file, why)]."""
    plan = plan_all(Snapshot.now())
    published = folder()
    found, expected = [], set()
    for name, rendered in _renders(plan.addresses, progress):
        if rendered is None or rendered.outcome == FAILED:
            found.append((name, "does not render"))
            continue
        plain, packed = published.read(name)
        if rendered.outcome == GONE:
            if plain is not None:
                found.append((name, "should not exist"))
            continue
        expected.add(name)
        if plain is None:
            found.append((name, "missing"))
        elif plain != rendered.plain or packed != rendered.packed:
            found.append((name, "differs"))
    found += [(name, "stale: no such page") for name in sorted(published.files() - expected) if name not in dict(found)]
    return found
