from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from episodes import publishing
from episodes.publishing.nginx import config


class Command(BaseCommand):
    help = (
        "Print nginx's configuration (deploy/nginx.conf filled in) for serving the publish folder "
        "in front of the app: published files from disk, everything else from the app."
    )

    def add_arguments(self, parser):
        parser.add_argument("--listen", default="127.0.0.1:8000", help="where nginx listens (host:port)")
        parser.add_argument("--app", default="127.0.0.1:8001", help="where the app (gunicorn) listens (host:port)")
        parser.add_argument("--run", required=True, help="nginx's own folder: pid, logs, temporary files")
        parser.add_argument(
            "--forwarded-proto", default="$scheme", help="the scheme to tell the app ('https' behind a TLS proxy)"
        )
        parser.add_argument("--access-log", default="off", help="a file for nginx's access log (default off)")

    def handle(self, *args, listen, app, run, forwarded_proto, access_log, **options):
        if not publishing.enabled():
            raise CommandError("PUBLISH_ROOT is not set: nginx would have no published pages to serve.")
        run = Path(run).resolve()
        self.stdout.write(config(listen, app, run, forwarded_proto=forwarded_proto, access_log=access_log), ending="")
