import sys

from django.core.management.base import CommandError

from archive.exporter import Exporter
from archive.management.base import ArchiveCommand
from archive.report import SyncError


class Command(ArchiveCommand):
    left_as_it_was = "every file it wrote is whole, and the next run writes the rest"
    help = "Write the archive back to files: OUT/_podcast/<slug>.md, OUT/_people/<short>.md and their images."

    def add_arguments(self, parser):
        parser.add_argument("out", metavar="OUT")
        parser.add_argument("--episode", action="append", default=[], metavar="SLUG", help="only this episode")
        parser.add_argument("--season", action="append", default=[], type=int, metavar="N", help="only this season")
        parser.add_argument(
            "--reformat", action="store_true", help="write every file with PyYAML's dumper, never reusing source text"
        )

    def handle(self, *args, out, episode, season, reformat, **options):
        exporter = Exporter(out, reformat=reformat, slugs=episode, seasons=season)
        try:
            report = exporter.run()
        except SyncError as exc:
            raise CommandError(str(exc)) from None
        for warning in report.warnings:
            self.stderr.write(f"warning: {warning}", self.style.WARNING)
        for error in report.errors:
            self.stderr.write(f"error: {error}", self.style.ERROR)
        failed = f", {len(report.errors)} could not be written" if report.errors else ""
        self.stdout.write(
            f"{len(report.files)} files: {report.written} written, {report.unchanged} already up to date{failed}; "
            f"{report.images} images copied."
        )
        if not report.ok:
            sys.exit(1)
