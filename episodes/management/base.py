import gc

from django.core.management.base import BaseCommand


class ArchiveCommand(BaseCommand):
    """What import_podcast and export_podcast share: both are run over whole archives, often from
    scripts, and their start and end are a good part of their time."""

    # The project's checks are for serving; migrate and the server run them.
    requires_system_checks = ()

    def run_from_argv(self, argv):
        super().run_from_argv(argv)
        # Only on the command line, where the process ends next: its last garbage collection
        # would walk every object the run loaded, to free memory the exit frees anyway.
        gc.freeze()
