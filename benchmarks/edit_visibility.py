"""Edit visibility: one-line edits through the admin while wrk reads the page, with publishing and without.

usage: python benchmarks/edit_visibility.py [--corpus PATH] [--edits 200] [--connections 8]
       [--threads 1] [--db URL] [--keep]

Imports the archive into a scratch PostgreSQL database of its own (as ``loadtest.py`` does), makes
a staff user, and starts two servers on it side by side: ``make serve`` (nginx in front of
gunicorn, every page published to a folder of its own) and ``make serve-app`` (gunicorn alone,
``PUBLISH_ROOT`` unset: the page cache only). While wrk reads the largest episode's page through
nginx, the script logs in to each and makes ``--edits`` one-line edits to that episode on each,
alternating between the two: it loads the change form, changes one transcript line and posts the
form as the page's script does (only the changed row; the others listed as untouched). The
save's latency is the POST's, up to its redirect. Right after each save, one GET of the public
page (no cookie: through nginx for ``make serve``, so the published file) must show the edit, in
gzip as a browser asks and then plain.

Prints, for each of the two, "visible after save: N of M", the save latency (median, p99, max)
and the failed saves, then wrk's figures for the reads meanwhile. Exits 1 unless every edit of
both was saved and visible at once.
"""

import argparse
import gzip
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from html import escape
from pathlib import Path
from urllib import error

from loadtest import (
    DEFAULT_CORPUS,
    DEFAULT_SERVER,
    ROOT,
    Process,
    Scratch,
    find_pages,
    free_port,
    loadavg,
    manage,
    parse_wrk,
    progress,
    ready_to_run,
    serve_env,
    server_env,
)
from scratch import unique_name

PASSWORD = secrets.token_urlsafe(16)
HTTP_TIMEOUT = 120


def setup_django(database_url):
    """This process reads the admin's forms with the tests' own helpers, which need Django."""
    os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="podcast.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def make_editor(slug):
    """A staff user in the Editors group, and the episode's change form address."""
    from django.contrib.auth.models import User
    from django.db import connection

    from episodes.models import Episode
    from tests.admin_pages import change_url, editors_group

    user = User.objects.create_user("edit-visibility", password=PASSWORD, is_staff=True)
    user.groups.add(editors_group())
    url = change_url(Episode.objects.get(slug=slug))
    connection.close()
    return user.username, url


def send(opener, url, data=None, headers=None):
    from urllib.parse import urlencode
    from urllib.request import Request

    from tests.servers import Response

    body = urlencode(data).encode() if data is not None else None
    req = Request(url, data=body, headers=headers or {}, method="POST" if data is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with opener.open(req, timeout=HTTP_TIMEOUT) as answer:
            return Response(answer.status, answer.headers, answer.read(), url)
    except error.HTTPError as answer:
        return Response(answer.code, answer.headers, answer.read(), url)


class Editor:
    """One editor's session on one server, and what their edits measured."""

    def __init__(self, mode, base_url, public_url, change_path, username):
        from tests.servers import browser

        self.mode, self.base_url, self.public_url = mode, base_url, public_url
        self.change_url = base_url + change_path
        self.opener = browser()
        self.username = username
        self.latencies, self.failures = [], []
        self.visible = self.visible_gzip = self.visible_plain = self.from_file = 0

    def log_in(self):
        from tests.admin_pages import form_fields

        login = f"{self.base_url}/admin/login/?next=/admin/"
        token = dict(form_fields(send(self.opener, login).text))["csrfmiddlewaretoken"]
        fields = {"csrfmiddlewaretoken": token, "username": self.username, "password": PASSWORD}
        answer = send(self.opener, login, fields)
        if answer.status != 302:
            raise SystemExit(f"{self.mode}: logging in answered {answer.status}:\n{answer.text[:2000]}")

    def edit(self, number, row):
        """Change the ``row``-th line of the change form and save; then read the public page."""
        from tests.admin_pages import change_form_data, compact

        form = send(self.opener, self.change_url)
        data = change_form_data(form.text)
        # A line's row has a time; a section's only its title.
        lines = [key.split("-")[1] for key in data if re.fullmatch(r"transcript-\d+-time", key)]
        if form.status != 200 or not lines:
            raise SystemExit(
                f"{self.mode}: the change form answered {form.status}, {len(lines)} lines:\n{form.text[:2000]}"
            )
        index = int(lines[(len(lines) // 4 + row) % len(lines)])
        marker = f"checked {self.mode} {number}"
        data[f"transcript-{index}-text"] = f"{data[f'transcript-{index}-text'].split(' [checked ')[0]} [{marker}]"
        started = time.perf_counter()
        answer = send(self.opener, self.change_url, compact(data, [index]))
        self.latencies.append(time.perf_counter() - started)
        if answer.status != 302:
            self.failures.append(f"edit {number}: {answer.status} {answer.text[:300]!r}")
            return
        self.check(escape(f"[{marker}]", quote=False).encode())

    def check(self, needle):
        from tests.servers import browser

        reader = browser(cookies=False)
        packed = send(reader, self.public_url, headers={"Accept-Encoding": "gzip"})
        body = packed.body
        if packed.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        seen_gzip = packed.status == 200 and needle in body
        plain = send(reader, self.public_url)
        seen_plain = plain.status == 200 and needle in plain.body
        self.visible_gzip += seen_gzip
        self.visible_plain += seen_plain
        self.visible += seen_gzip and seen_plain
        # nginx's ETag for a file is its date and size in hex; the app's is the content version.
        self.from_file += "." not in plain.headers.get("ETag", ".")

    def report(self):
        edits = len(self.latencies)
        ms = sorted(1000 * value for value in self.latencies)
        p99 = statistics.quantiles(ms, n=100, method="inclusive")[98] if len(ms) > 1 else ms[0]
        print(
            f"{self.mode}: visible after save: {self.visible} of {edits} (gzip {self.visible_gzip}, plain {self.visible_plain}; "
            f"plain GETs answered from a published file: {self.from_file})"
        )
        print(
            f"{self.mode}: save latency median {statistics.median(ms):.0f} ms, p99 {p99:.0f} ms, max {ms[-1]:.0f} ms, "
            f"{len(self.failures)} failed saves"
        )
        for failure in self.failures[:5]:
            print(f"  {failure}")
        return self.visible == edits and not self.failures


def start(name, goal, env, port, tmp, timeout):
    server = Process(name, ["make", "--no-print-directory", goal], env, tmp / f"{name}.log")
    deadline = time.monotonic() + timeout
    # The login page is the app's: nginx serves published pages before gunicorn answers, then 502.
    while (status := server.wait_for(port, "/admin/login/", timeout)) != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    if status != 200:
        server.stop()
        raise SystemExit(f"{name}: /admin/login/ answers {status}:\n{server.tail()}")
    progress(f"{name}: make {goal} answers on port {port} ({status})")
    return server


def run(args, scratch, tmp):
    base = server_env(scratch, tmp)
    scratch.create()
    manage(base, "migrate", "--no-input", "--verbosity", "0")
    manage(base, "import_podcast", str(args.corpus))
    found = find_pages(base, "data")
    progress(f"imported {args.corpus}: largest episode {found['slug']} ({found['lines']} lines)")
    setup_django(scratch.database_url)
    username, change_path = make_editor(found["slug"])

    plain_port, published_port = free_port(), free_port()
    plain_env = serve_env(base, plain_port, "local")
    published_env = serve_env(base, published_port, "local")
    published_env.update(APP_PORT=str(free_port()), RUN_DIR=str(tmp / "serve-published"))
    servers = [start("off", "serve-app", plain_env, plain_port, tmp, args.start_timeout)]
    wrk = None
    try:
        # After the first: both would collect the static files into one folder at once.
        servers.append(start("published", "serve", published_env, published_port, tmp, args.start_timeout))
        page = found["path"]
        editors = [
            Editor(
                "published",
                f"http://127.0.0.1:{published_port}",
                f"http://127.0.0.1:{published_port}{page}",
                change_path,
                username,
            ),
            Editor(
                "off", f"http://127.0.0.1:{plain_port}", f"http://127.0.0.1:{plain_port}{page}", change_path, username
            ),
        ]
        for editor in editors:
            editor.log_in()
        command = [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            "-d3600s",
            "--latency",
            f"http://127.0.0.1:{published_port}{page}",
        ]
        wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        progress(f"{' '.join(command)} reading the page; {args.edits} edits each, in turn (load {loadavg()})")
        started = time.monotonic()
        try:
            for number in range(1, args.edits + 1):
                # In turn, the first of each pair alternating, so that neither always follows the other.
                for editor in editors if number % 2 else editors[::-1]:
                    editor.edit(number, number)
                if number % 10 == 0:
                    progress(f"  {number} of {args.edits} ({time.monotonic() - started:.0f} s, load {loadavg()})")
        except KeyboardInterrupt:  # Ctrl-C: the figures so far
            progress("interrupted: the edits made so far")
        wrk.send_signal(signal.SIGINT)
        out = wrk.communicate(timeout=60)[0]
        wrk = None
        reported = [editor.report() for editor in editors]  # both, whatever the first says
        figures = parse_wrk(out)
        print(
            f"wrk meanwhile ({' '.join(command[:4])}): {figures['rps']:.0f} req/s, p50 {figures['p50_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms, errors {figures['errors']}, non-2xx {figures['non_2xx_3xx']}"
        )
        print(f"{len(editors[0].latencies)} edits each in {time.monotonic() - started:.0f} s; load average {loadavg()}")
        return all(reported) and not figures["errors"] and not figures["non_2xx_3xx"]
    finally:
        if wrk is not None:
            wrk.kill()
            wrk.wait()
        for server in servers:
            server.stop()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="a site root (default %(default)s)")
    parser.add_argument("--edits", type=int, default=200, help="edits on each server (default %(default)s)")
    parser.add_argument("--connections", type=int, default=8, help="wrk -c (default %(default)s)")
    parser.add_argument("--threads", type=int, default=1, help="wrk -t (default %(default)s)")
    parser.add_argument("--db", default=None, help=f"PostgreSQL server URL (default {DEFAULT_SERVER})")
    parser.add_argument("--start-timeout", type=float, default=600, help="seconds for a server to answer")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and temporary folder")
    args = parser.parse_args()
    if args.edits < 1:
        sys.exit("--edits must be at least 1")
    ready_to_run(args)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        database_url = ""
    scratch = Scratch(args.db or database_url or DEFAULT_SERVER, unique_name("editvis"))
    tmp = Path(tempfile.mkdtemp(prefix="edit-visibility-"))
    tmp.chmod(0o755)  # nginx's workers (nobody, when started as root) read and write below it
    ok = False
    try:
        ok = run(args, scratch, tmp)
    finally:
        if args.keep:
            progress(f"kept: database {scratch.name}, folder {tmp}")
        else:
            scratch.drop()
            subprocess.run(["rm", "-rf", str(tmp)], check=False)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
