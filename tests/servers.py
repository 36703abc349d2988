"""App servers started as `make serve` starts them, and a plain HTTP client for them."""

import os
import signal
import socket
import subprocess
import sys
import time
from http.cookiejar import CookieJar
from pathlib import Path
from urllib import error, request
from urllib.parse import urlencode

import pytest

from tests.conftest import ROOT

START_TIMEOUT = 30  # seconds for a server to answer


HTTP_TIMEOUT = 15


class _NoRedirect(request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer to look at, not to follow


class Response:
    def __init__(self, status, headers, body, url):
        self.status, self.headers, self.body, self.url = status, headers, body, url

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<{self.status} {self.url}>"


def browser(cookies=True):
    """An opener; with cookies, one client's session (its jar is its own)."""
    handlers = [_NoRedirect()]
    if cookies:
        handlers.append(request.HTTPCookieProcessor(CookieJar()))
    return request.build_opener(*handlers)


def fetch(opener, url, data=None, headers=None):
    body = urlencode(data).encode() if data is not None else None
    req = request.Request(url, data=body, headers=headers or {}, method="POST" if data is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with opener.open(req, timeout=HTTP_TIMEOUT) as answer:
            return Response(answer.status, answer.headers, answer.read(), url)
    except error.HTTPError as answer:  # 3xx (not followed), 4xx, 5xx
        return Response(answer.code, answer.headers, answer.read(), url)


def anonymous(url, headers=None):
    return fetch(browser(cookies=False), url, headers=headers)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, name, env, log_dir):
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / f"gunicorn-{name}.log"
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn), "podcast.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
            # gunicorn 27 listens on a control socket, by default one path per user: two servers
            # would share it.
            "--no-control-socket",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the master and its workers end together
            )  # fmt: skip

    def said(self, lines=60):
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- server {self.name} ({self.url}) said:\n" + "\n".join(text.splitlines()[-lines:])

    def wait_until_ready(self, deadline):
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited with {self.process.returncode}\n{self.said()}")
            try:
                if anonymous(self.url + "/admin/login/").status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"server {self.name} did not answer within {START_TIMEOUT} s\n{self.said()}")
            time.sleep(0.1)

    def stop(self):
        if self.process.poll() is None:
            try:
                # QUIT: gunicorn's quick shutdown, to the master and its workers.
                os.killpg(self.process.pid, signal.SIGQUIT)
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
