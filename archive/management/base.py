import gc

from django.core.management.base import BaseCommand, CommandError

from podcast.resilience import DATABASE_UNAVAILABLE


class ArchiveCommand(BaseCommand):
    """What import_podcast and export_podcast share: both are run over whole archives, often from
    scripts, and their start and end are a good part of their time."""

    # The project's checks are for serving; migrate and the server run them.
    requires_system_checks = ()
    # What a run that cannot reach the database leaves (the whole run is one transaction).
    left_as_it_was = "nothing was changed"

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except DATABASE_UNAVAILABLE as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CommandError(
                f"the database cannot be reached ({reason}); {self.left_as_it_was}. Run it again once it answers."
            ) from None

    def run_from_argv(self, argv):
        super().run_from_argv(argv)
        # Only on the command line, where the process ends next: its last garbage collection
        # would walk every object the run loaded, to free memory the exit frees anyway.
        gc.freeze()
