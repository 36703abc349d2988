import sys

from django.core.management.base import BaseCommand

from archive import health
from archive.folder_health import check_folder
from archive.report import SyncError

USAGE = 2  # PATH is no site folder, or --kinds names no kind


def one_line(text):
    """A problem on one line of the output, whatever a file's name or text holds."""
    return " ".join(text.split())


def problem_line(result, finding):
    """``path:line: kind: what (transcript item N)``, as compilers write theirs, so that an editor
    jumps to the line; a problem of the file as a whole has no line."""
    line = result.line(finding)
    where = "" if line is None else f"{line}:"
    item = "" if finding.position is None else f" (transcript item {finding.position + 1})"
    return f"{result.path}:{where} {finding.kind}: {finding}{item}"


class Command(BaseCommand):
    help = (
        "List the problems of a site folder's files, one a line (path:line: kind: what), and count "
        "them by kind, without importing anything. Exits 1 when a kind asked for has problems, 2 when PATH is no site folder."
    )
    requires_system_checks = ()

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="PATH", help="the site folder: the one holding _podcast/ and _people/")
        parser.add_argument(
            "--kinds",
            default="",
            metavar="A,B",
            help=f"the kinds that fail the run (all when not given): {', '.join(health.KINDS)}",
        )

    def refuse(self, reason):
        self.stderr.write(f"error: {reason}", self.style.ERROR)
        sys.exit(USAGE)

    def handle(self, *args, path, kinds, **options):
        try:
            failing = health.parse_kinds(kinds)
        except ValueError as exc:
            self.refuse(exc)
        try:
            results, speakers_judged = check_folder(path)
        except SyncError as exc:
            self.refuse(exc)
        found = []
        for result in results:
            for finding in result.findings:
                self.stdout.write(one_line(problem_line(result, finding)))
                found.append(finding)
        totals = health.counts(found)
        self.stdout.write(f"{len(results)} files, {len(found)} problems:")
        for kind, label in health.KINDS.items():
            mark = "" if kind in failing else " (not failing the run)"
            self.stdout.write(f"  {kind}: {totals[kind]} ({label}){mark}")
        if not speakers_judged:
            self.stdout.write(f"  {health.line_rules.UNKNOWN_SPEAKER}: not checked, PODCAST_HOSTS names no host")
        if any(totals[kind] for kind in failing):
            sys.exit(1)
