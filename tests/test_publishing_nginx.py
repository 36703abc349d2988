"""nginx in front of the app, as make serve runs it (deploy/nginx.conf, filled by nginx_config):
a published page comes from the file with its validators and its gzip copy; a visitor with a
session, a query string, or an address with no file gets the app (here, a stand-in for it).

Skipped without nginx, except in CI (where it fails: .ci/run installs it)."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from episodes.publishing.nginx import config
from tests.servers import _free_port, anonymous

pytest_plugins = ["tests.admin_fixtures", "tests.publish_fixtures"]
pytestmark = pytest.mark.django_db
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FROM_APP = b"answered by the app"


class _App(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(FROM_APP)))
        self.end_headers()
        self.wfile.write(FROM_APP)

    def log_message(self, *args):
        pass


@pytest.fixture
def app():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _App)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def nginx(published, publish_root, app):
    if not os.path.exists(NGINX):
        if os.environ.get("CI"):
            pytest.fail("nginx is missing in CI (apt-get install nginx-light)")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    # A folder no one else may enter, as a clone in a home directory is: nginx's workers read it
    # whoever starts nginx (root included, whose workers would otherwise be nobody).
    run = Path(tempfile.mkdtemp(prefix="podcast-nginx-"))
    public = run / "public"
    shutil.copytree(publish_root, public)
    port = _free_port()
    (run / "nginx.conf").write_text(config(f"127.0.0.1:{port}", app, run, publish_root=public))
    command = [NGINX, "-p", str(run), "-c", str(run / "nginx.conf"), "-e", str(run / "error.log"), "-g", "daemon off;"]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 10
    while True:
        try:
            anonymous(url + "/robots.txt")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start: {process.stderr.read().decode(errors='replace')}")
            time.sleep(0.05)
    yield url, public
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(run, ignore_errors=True)


def test_a_published_page_comes_from_its_file_with_validators(nginx, client):
    url, public = nginx
    answer = anonymous(url + "/podcast/first/")
    assert answer.status == 200
    assert answer.body == (public / "podcast/first/index.html").read_bytes()
    assert answer.headers["ETag"] and answer.headers["Last-Modified"]
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Content-Security-Policy"] == client.get("/podcast/first/")["Content-Security-Policy"]
    again = anonymous(url + "/podcast/first/", {"If-None-Match": answer.headers["ETag"]})
    assert again.status == 304
    assert anonymous(url + "/").body == (public / "index.html").read_bytes()
    packed = anonymous(url + "/podcast/first/", {"Accept-Encoding": "gzip"})
    assert packed.body == (public / "podcast/first/index.html.gz").read_bytes()


def test_a_client_that_takes_gzip_gets_the_published_gzip_copy(nginx):
    url, public = nginx
    answer = anonymous(url + "/podcast/feed.xml", {"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.body == (public / "podcast/feed.xml.gz").read_bytes()
    assert answer.headers["Content-Type"].startswith("application/rss+xml")


def test_a_published_transcript_goes_out_with_the_apps_headers(nginx, client):
    url, public = nginx
    answer = anonymous(url + "/podcast/first/transcript.vtt")
    assert answer.body == (public / "podcast/first/transcript.vtt").read_bytes()
    app = client.get("/podcast/first/transcript.vtt")
    for name in ("Content-Type", "Content-Disposition", "Access-Control-Allow-Origin"):
        assert answer.headers[name] == app[name], name


@pytest.mark.parametrize(
    "path", ["/podcast/first/", "/podcast/feed.xml", "/robots.txt", "/podcast/first/transcript.vtt"]
)
def test_a_published_file_says_vary_once_as_the_app_does(nginx, client, path):
    url, _ = nginx
    for sent in ({}, {"Accept-Encoding": "gzip"}):
        answer = anonymous(url + path, sent)
        app = client.get(path, headers=sent)
        assert answer.headers.get_all("Vary") == [app["Vary"]], (path, sent)


def test_staff_with_a_session_get_the_app(nginx):
    url, _ = nginx
    assert anonymous(url + "/podcast/first/", {"Cookie": "sessionid=abc"}).body == FROM_APP


def test_a_query_string_and_an_unpublished_address_get_the_app(nginx):
    url, _ = nginx
    assert anonymous(url + "/podcast/?page=2").body == FROM_APP
    assert anonymous(url + "/search/?q=spark").body == FROM_APP
    assert anonymous(url + "/podcast/first").body == FROM_APP  # the app's redirect to the slash
    assert anonymous(url + "/.publish/state.json").body == FROM_APP
