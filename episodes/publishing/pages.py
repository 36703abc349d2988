"""Which addresses a change touches.

What the published pages were made from is kept in the folder's state, per episode: its key, its
``updated_at`` (which every change to the episode or its children moves), its title, its
neighbours in the list and the people in it; per person, their row's ``updated_at``. The database
is compared with that after each change, whichever way the change came (a save, the admin's bulk
tools, an import), in two small queries: the episodes whose row moved are rewritten, with their
transcript files, the people in them before and after, and every page that lists episodes (the
home page, the lists, the feeds, the sitemap); their neighbours, whose pages link to them by
title, when the title, the address or the neighbours changed (a line's correction leaves them
as they are). A person
whose row moved is rewritten with their episodes. An episode or a person that is gone, renamed or
unpublished has its old addresses rendered again: the app answers them with a redirect, 404 or
410 now, and their files are removed.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from .. import site
from ..models import Appearance, Episode, Guest
from ..transcripts import FORMATS

SHARED = (
    "episodes:home",
    "episodes:episode_list",
    "episodes:feed",
    "episodes:episodes_feed",
    "episodes:people",
    "episodes:sitemap",
    "episodes:robots",
)


def shared_addresses():
    return [reverse(name) for name in SHARED]


def episode_addresses(slug):
    page = reverse("episodes:episode", args=[slug])
    return [page] + [reverse("episodes:transcript_file", args=[slug, rendering.filename]) for rendering in FORMATS]


def person_address(short):
    return reverse("episodes:person", args=[short])


@dataclass
class Snapshot:
    """The published episodes (newest first) and every person, as the state records them."""

    episodes: dict  # str(id) -> {"slug", "stamp", "near": [ids], "people": [shorts]}
    people: dict  # short -> stamp

    @classmethod
    def now(cls):
        rows = list(Episode.objects.published().newest_first().values_list("id", "slug", "updated_at", "title"))
        people = {}
        for episode_id, short in Appearance.objects.filter(episode__is_published=True).values_list(
            "episode_id", "guest__short"
        ):
            people.setdefault(episode_id, []).append(short)
        episodes = {}
        for index, (episode_id, slug, updated_at, title) in enumerate(rows):
            near = [rows[i][0] for i in (index - 1, index + 1) if 0 <= i < len(rows)]
            episodes[str(episode_id)] = {
                "slug": slug,
                "title": title,
                "stamp": updated_at.isoformat(),
                "near": [str(i) for i in near],
                "people": sorted(people.get(episode_id, [])),
            }
        guests = {
            short: updated_at.isoformat() for short, updated_at in Guest.objects.values_list("short", "updated_at")
        }
        return cls(episodes, guests)


@dataclass
class Plan:
    addresses: list = field(default_factory=list)
    snapshot: Snapshot = None
    everything: bool = False
    version: str = ""  # the content version read before the snapshot was taken

    def add(self, addresses):
        for address in addresses:
            if address not in self.addresses:
                self.addresses.append(address)


def plan_all(snapshot):
    """Every public page the archive has."""
    plan = Plan(snapshot=snapshot, everything=True)
    plan.add(shared_addresses())
    for entry in snapshot.episodes.values():
        plan.add(episode_addresses(entry["slug"]))
    plan.add(person_address(short) for short in snapshot.people)
    return plan


def plan_changes(snapshot, state):
    """The pages the changes since ``state`` touch; an empty plan when nothing did."""
    before, now = state.get("episodes", {}), snapshot.episodes
    people_before = state.get("people", {})
    moved_people = {short for short, stamp in snapshot.people.items() if people_before.get(short) != stamp}
    gone_people = set(people_before) - set(snapshot.people)
    changed = {key for key, entry in now.items() if _entry_changed(before.get(key), entry)}
    changed |= {key for key, entry in now.items() if moved_people & set(entry["people"])}
    gone = set(before) - set(now)
    plan = Plan(snapshot=snapshot)
    if not (changed or gone or moved_people or gone_people):
        return plan
    plan.add(shared_addresses())
    rewrite = changed | gone
    people = set(moved_people) | gone_people
    for key in changed | gone:
        shown_alike = _shown_alike(before.get(key), now.get(key))
        for entry in (before.get(key), now.get(key)):
            if entry:
                if not shown_alike:
                    rewrite.update(entry["near"])
                people.update(entry["people"])
    for key in sorted(rewrite):
        for entry in (now.get(key), before.get(key)):
            # The old key of a renamed or removed episode too: its files go. A neighbour that did
            # not change shows the change in its page's links alone.
            if entry:
                addresses = episode_addresses(entry["slug"])
                plan.add(addresses if key in changed or key in gone else addresses[:1])
    if changed or gone:
        people.update(short for short in site.hosts() if short in snapshot.people)
    plan.add(person_address(short) for short in sorted(people))
    return plan


def _entry_changed(before, now):
    return before is None or before["slug"] != now["slug"] or before["stamp"] != now["stamp"]


def _shown_alike(before, now):
    """Whether the episode's neighbours show it as they did: the same title and address, and the
    same neighbours (the pager of each links to the other by its title)."""
    if before is None or now is None:
        return False
    return all(before.get(name) == now[name] for name in ("slug", "title", "near"))
