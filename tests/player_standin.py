"""The stand-in for the YouTube embed (tests/player_standin.html), served at the embed's address
on a port of its own, so the page frames it cross-origin as it frames YouTube. Only the browser
tests' fixture starts it; the site points at it through ``PODCAST_EMBED_ORIGIN``."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.pages import clear_archive
from tests.player_pages import import_site, write_site

PAGE = (Path(__file__).with_name("player_standin.html")).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if not self.path.startswith("/embed/"):
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass  # quiet


@pytest.fixture(scope="module")
def standin_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def standin(standin_origin, settings):
    """The site's player is the stand-in, for this test."""
    settings.PODCAST_EMBED_ORIGIN = standin_origin
    return standin_origin


@pytest.fixture
def site(transactional_db, django_db_serialized_rollback, live_server, standin, tmp_path):
    folder = write_site(tmp_path / "site")
    import_site(folder, tmp_path / "media")
    yield {"url": live_server.url, "folder": folder, "media": tmp_path / "media", "standin": standin}
    clear_archive()
