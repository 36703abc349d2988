import sys

from django.core.management.base import CommandError

from archive.importer import Importer
from archive.management.base import ArchiveCommand
from archive.report import Code, Status, SyncError, explain, image_warnings

REMEDIES = {Code.EDITED: "use --force to overwrite", Code.GONE_EDITED: "use --force to remove it"}


class Command(ArchiveCommand):
    left_as_it_was = "nothing was imported"
    help = (
        "Import a podcast archive: site roots (holding _podcast/, _people/, images/) or single .md "
        "files. People first, then episodes; each file is all-or-nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--include-drafts", action="store_true", help="import files named _*.md as drafts")
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument(
            "--force", action="store_true", help="overwrite episodes and people that were edited in the CMS"
        )
        parser.add_argument(
            "--prune", action="store_true", help="remove episodes and people whose files are gone from the site folder"
        )

    def handle(self, *args, paths, include_drafts, dry_run, force, prune, **options):
        progress = ProgressBar(self.stderr) if self.stderr.isatty() and options["verbosity"] > 0 else None
        importer = Importer(include_drafts=include_drafts, dry_run=dry_run, force=force, prune=prune, progress=progress)
        try:
            report = importer.run(paths)
        except SyncError as exc:
            raise CommandError(str(exc)) from None
        if progress:
            progress.close()
        for outcome in report.outcomes:
            for warning in image_warnings(outcome):
                self.stderr.write(f"{outcome.path}: warning: {warning}", self.style.WARNING)
            message = explain(outcome, REMEDIES)
            if outcome.status in (Status.FAILED, Status.CONFLICT):
                self.stderr.write(f"{outcome.path}: {outcome.status}: {message}", self.style.ERROR)
            elif outcome.status == Status.SKIPPED and options["verbosity"] > 1:
                self.stdout.write(f"{outcome.path}: skipped: {message}")
            elif outcome.status == Status.RENAMED:
                self.stdout.write(f"{outcome.path}: renamed from {outcome.detail}")
            elif outcome.status == Status.REMOVED:
                self.stdout.write(f"{outcome.path}: removed: its file is gone")
        self.stdout.write(report.summary())
        if not report.ok:
            sys.exit(1)


class ProgressBar:
    """A one-line bar on a terminal; the command shows none when its output is not one."""

    def __init__(self, stream, width=30):
        self.stream = stream
        self.width = width

    def __call__(self, done, total):
        if done != total and done % 5:
            return
        filled = self.width * done // max(total, 1)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}", ending="")
        self.stream.flush()

    def close(self):
        self.stream.write("")
