import sys

from django.core.management.base import CommandError

from archive import hostfeed
from archive.management.base import ArchiveCommand
from episodes.models import Episode


class Command(ArchiveCommand):
    help = (
        "Fill in episodes' audio (address, size, type, duration, release time) from the show's RSS feed "
        "at its podcast host, a file or an http(s) address. Items are matched to episodes by the host's "
        "episode id, then by YouTube id, then by exact title; audio an editor set is kept unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", metavar="PATH_OR_URL")
        parser.add_argument("--dry-run", action="store_true", help="report what would change, change nothing")
        parser.add_argument("--force", action="store_true", help="replace audio that an editor set by hand")

    def handle(self, *args, source, dry_run, force, **options):
        try:
            plan = hostfeed.read_plan(source)
        except hostfeed.FeedError as exc:
            raise CommandError(str(exc)) from None
        hostfeed.apply(plan, force=force, dry_run=dry_run)
        verbose = options["verbosity"] > 1
        counts = {"set": 0, "unchanged": 0, "kept": 0}
        for episode, result in plan.results:
            counts[result] += 1
            if result == "kept":
                self.stdout.write(f"{episode.slug}: kept the audio an editor set (use --force to replace it)")
            elif result == "set" and verbose:
                self.stdout.write(f"{episode.slug}: audio {'would be ' if dry_run else ''}set")
        for item in plan.unmatched:
            self.stderr.write(f"unmatched: {item.name!r} ({item.link or item.guid}) is no episode here")
        for item, episodes in plan.ambiguous:
            names = ", ".join(sorted(episode.slug for episode in episodes))
            self.stderr.write(f"ambiguous: {item.name!r} matches {names}; left as it was", self.style.WARNING)
        for item in plan.without_audio:
            self.stderr.write(f"no audio: {item.name!r}: {item.problem}")
        found = {episode.pk for _, episode, _ in plan.matched}
        found.update(episode.pk for _, episodes in plan.ambiguous for episode in episodes)
        missing = Episode.objects.published().filter(audio_url="").exclude(pk__in=found).values_list("slug", flat=True)
        for slug in missing:
            self.stderr.write(f"{slug}: the feed has no audio for it")
        verb = "would set" if dry_run else "set"
        self.stdout.write(
            f"{len(plan.matched)} matched ({verb} {counts['set']}, {counts['unchanged']} unchanged, "
            f"{counts['kept']} kept as an editor set them), {len(plan.unmatched)} unmatched, "
            f"{len(plan.ambiguous)} ambiguous, {len(plan.without_audio)} without audio"
            + ("; nothing was changed (dry run)" if dry_run else "")
        )
        if plan.ambiguous:
            sys.exit(1)
