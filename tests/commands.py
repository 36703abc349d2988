"""Management commands as a test runs them: exit code and what they printed."""

import functools
import io

from django.core.management import call_command


def run(command, *args):
    """(exit code, stdout, stderr) of ``manage.py command args``."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


run_import = functools.partial(run, "import_podcast")
run_export = functools.partial(run, "export_podcast")
run_import_feed = functools.partial(run, "import_feed")
