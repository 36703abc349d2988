import sys
import time

from django.core.management.base import BaseCommand, CommandError

from episodes import publishing

DIFFERENT = 1  # --check found files that are not what the app would serve


class Command(BaseCommand):
    help = (
        "Write every public page, feed, sitemap and transcript file to the publish folder "
        "(PUBLISH_ROOT), with their gzip copies, and remove the files of pages that no longer exist. "
        "With --check, write nothing: list the files that differ from what the app would serve now, "
        "and exit 1 if there are any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare only; exit 1 when a file differs")

    def progress(self, done, total):
        """A line at every tenth of the pages."""
        if done == total or done % max(1, total // 10) == 0:
            self.stderr.write(f"{done}/{total} pages ({done * 100 // total}%)")

    def handle(self, *args, check, **options):
        if not publishing.enabled():
            raise CommandError("PUBLISH_ROOT is not set: there is no publish folder to write or check.")
        started = time.monotonic()
        if check:
            found = publishing.differences(self.progress)
            for name, why in found:
                self.stdout.write(f"{name}: {why}")
            self.stdout.write(f"{len(found)} files differ ({time.monotonic() - started:.1f} s)")
            if found:
                sys.exit(DIFFERENT)
            return
        try:
            result = publishing.publish_all(self.progress)
        except OSError as error:
            raise CommandError(f"The publish folder {publishing.folder().root} cannot be written: {error}") from None
        for name in result.failed:
            self.stderr.write(f"not rendered, left as it was: {name}")
        self.stdout.write(
            f"{len(result.written)} files written, {len(result.unchanged)} unchanged, {len(result.removed)} removed, "
            f"{len(result.failed)} failed "
            f"in {result.seconds:.1f} s"
        )
        if result.failed:
            sys.exit(DIFFERENT)
