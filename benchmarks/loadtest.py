"""Load test: wrk against ``make serve`` on PostgreSQL, and nginx serving a saved page as the baseline.

usage: python benchmarks/loadtest.py [--corpus PATH] [--duration 20s] [--connections 32]
       [--threads 2] [--query data] [--db URL] [--db-name NAME] [--redis-url URL | --no-redis]
       [--json PATH] [--keep]

Imports the archive into a scratch PostgreSQL database of its own (``--db-name``, dropped and
made fresh; the server is --db, else DATABASE_URL's when it names PostgreSQL, else
postgres://postgres@127.0.0.1:5432; the database DATABASE_URL names is never touched),
then starts the app exactly as ``make serve-app`` does (gunicorn, DEBUG off, WhiteNoise; media and
collected static files in a temporary folder) and runs ``wrk -t2 -c32 -d20s --latency`` on loopback
against four addresses:

  episode   the largest published episode's page (most transcript lines)
  index     /podcast/
  search    /search/?q=<--query>
  feed      /podcast/feed.xml

in four sets, one server each: cold (``PAGE_CACHE_SECONDS=0``: every request renders), warm with
the default local-memory page cache, published (``make serve`` itself: every page published to a
folder of its own first, then nginx serving it in front of gunicorn, which answers search and
what is not published), and warm with the page cache in Redis (``--redis-url``, under a key
prefix of its own, deleted at the end). Every set's processes are warmed alike before it is
measured (imports, templates, database connections); in the warm sets that fills each worker's
cache. Beside them nginx (Debian's) serves the episode page's saved HTML as a static file, the
physical baseline of this machine: the episode page is measured ``--rounds`` times on the app and
on nginx in turn, and the ratios are taken pair by pair, so that a machine busy for a while slows
both alike. With the published set, a second nginx serves the saved page with the headers the
published one goes out with (its security headers, Cache-Control, Vary): the same bytes on the
wire, which tells the cost of serving from the publish folder apart from the cost of the headers'
bytes (on loopback, a response a few bytes over a multiple of the 64 KiB segment takes one
segment more, and about a third fewer of them go per second).

Before each run one request checks the status; during it, the server's log is read for 5xx lines
(Django logs every 5xx response; wrk only counts "non-2xx or 3xx"). Prints a table of req/s,
median and 99th-percentile latency, socket errors, non-2xx responses and 5xx per run, the ratio of
the episode page to nginx (the median of the pairs), and the floors, exiting 1 if one fails:

  zero errors (socket errors and non-2xx) and no 5xx in every run; warm p99 under 100 ms; the
  published episode page at least 0.8x nginx's requests per second, its p99 within 2x.

wrk and nginx are installed with apt-get when missing (as root; otherwise the command is printed
and the script exits 2). gunicorn's flags can be tuned with GUNICORN_CMD_ARGS, and the worker count
with WORKERS (``make serve``'s own variable); both are passed through and reported. wrk runs on the
same machine as the server and competes with it for the cores: the figures are for this machine
as it is, busy or not (its load average is printed with each run).
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

from scratch import PostgresServer, unique_name

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "2026-06"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
DEFAULT_REDIS = "redis://127.0.0.1:6379/14"
WARM_P99_FLOOR_MS = 100.0
PUBLISHED_RPS_FLOOR, PUBLISHED_P99_CEILING = 0.8, 2.0  # the published page against the saved copy
LABELS = {"published-same-bytes": "episode published / nginx serving the copy with the published page's headers"}
APT_COMMAND = ["apt-get", "install", "-y", "-qq", "wrk", "nginx-light"]
NGINX = "/usr/sbin/nginx"
TARGETS = ("episode", "index", "search", "feed")
# Django logs every 5xx response as "<reason phrase>: <path>" (logger django.request, ERROR);
# gunicorn logs a request it failed itself as "Error handling request".
_5XX = re.compile(
    r"(?:{}): /|Error handling request".format("|".join(re.escape(s.phrase) for s in HTTPStatus if s >= 500))
)


def progress(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loadavg():
    return round(os.getloadavg()[0], 2)


def cpu_times():
    """(idle, total) jiffies of the whole machine, from /proc/stat."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return None
    return fields[3] + fields[4], sum(fields[:8])


def idle_percent(before, after):
    if not before or not after or after[1] == before[1]:
        return None
    return round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)


# --- tools -----------------------------------------------------------------------------------


def ensure_tools():
    missing = [
        name
        for name, path in (
            ("wrk", shutil.which("wrk")),
            ("nginx", shutil.which("nginx") or (NGINX if os.path.exists(NGINX) else None)),
        )
        if not path
    ]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"{', '.join(missing)} missing: run as root  apt-get update && {' '.join(APT_COMMAND)}")
    progress(f"installing {', '.join(missing)}: apt-get update && {' '.join(APT_COMMAND)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], APT_COMMAND):
        done = subprocess.run(
            command, env=env, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        if done.returncode != 0:
            print(done.stdout[-3000:], file=sys.stderr)
            print(f"failed: {' '.join(command)}", file=sys.stderr)
            sys.exit(2)
    # Debian's package may have started its own nginx on port 80; that one is not ours to stop.


def tool_versions():
    wrk = subprocess.run(["wrk", "--version"], check=False, capture_output=True, text=True)
    nginx = subprocess.run([nginx_binary(), "-v"], check=False, capture_output=True, text=True)
    return (wrk.stdout + wrk.stderr).splitlines()[0].strip(), (nginx.stderr or nginx.stdout).strip()


def nginx_binary():
    return shutil.which("nginx") or NGINX


# --- the scratch database ----------------------------------------------------------------------


class Scratch:
    """One scratch database on a PostgreSQL server, made fresh and dropped at the end."""

    def __init__(self, url, name):
        self.server = PostgresServer(url)
        self.psycopg = self.server.psycopg
        self.name = name
        self.database_url = self.server.url(name)

    def version(self):
        return self.server.version()

    def create(self):
        self.server.create(self.name)

    def drop(self):
        self.server.drop(self.name)


def manage(env, *args, capture=False):
    done = subprocess.run([str(PY), "manage.py", *args], cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stdout[-4000:], done.stderr[-4000:], sep="\n", file=sys.stderr)
        raise SystemExit(f"manage.py {' '.join(args)} failed ({done.returncode})")
    return done.stdout if capture else None


FIND_PAGES = """
import json
from django.db.models import Count
from episodes.models import Episode
from episodes.search import search
ranked = Episode.objects.published().annotate(lines_count=Count("lines")).order_by("-lines_count", "id")
largest = ranked.first()
print("LOADTEST " + json.dumps({
    "slug": largest.slug if largest else None,
    "path": largest.get_absolute_url() if largest else None,
    "lines": largest.lines_count if largest else 0,
    "published": ranked.count(),
    "hits": search(QUERY).count,
}))
"""


def find_pages(env, query):
    out = manage(env, "shell", "-c", FIND_PAGES.replace("QUERY", json.dumps(query)), capture=True)
    line = next((line for line in out.splitlines() if line.startswith("LOADTEST ")), None)
    if line is None:
        raise SystemExit(f"could not find the largest episode:\n{out}")
    found = json.loads(line[len("LOADTEST ") :])
    if not found["slug"]:
        raise SystemExit("no published episode after the import")
    return found


# --- HTTP -------------------------------------------------------------------------------------


def fetch(port, path, timeout=30):
    """(status, body) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def page_headers(port, path):
    """The headers a page goes out with that nginx does not make for a file itself, in order."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
        response = conn.getresponse()
        response.read()
        return [(name, value) for name, value in response.getheaders() if name.lower() not in NGINX_MADE]
    finally:
        conn.close()


def warm(port, path, requests, concurrency):
    """``requests`` GETs at ``concurrency``: statuses seen (None for a request that failed)."""

    def status(_):
        try:
            return fetch(port, path)[0]
        except OSError:
            return None

    with ThreadPoolExecutor(concurrency) as pool:
        return sorted(set(pool.map(status, range(requests))), key=str)


# --- servers ----------------------------------------------------------------------------------


class Process:
    """A command in a process group of its own, its output in a log file."""

    def __init__(self, name, command, env, log, cwd=ROOT):
        self.name = name
        self.log_path = log
        self.log = open(log, "ab")  # noqa: SIM115 (closed by stop)
        self.proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def log_size(self):
        self.log.flush()
        return self.log_path.stat().st_size

    def log_since(self, offset):
        with open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")

    def tail(self, lines=30):
        return "\n".join(self.log_since(0).splitlines()[-lines:])

    def wait_for(self, port, path, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                return fetch(port, path, timeout=10)[0]
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer on port {port} within {timeout} s:\n{self.tail()}")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal the whole group (make and gunicorn's master and workers), wait, then kill."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                progress(f"{self.name} still running after {timeout} s: SIGKILL")
        # Whatever is left of the group (a worker outliving make) goes too.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()


def serve_env(base, port, cache, redis_url=None, prefix=None):
    env = {**base, "HOST": "127.0.0.1", "PORT": str(port)}
    # gunicorn (25.1 on) opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl, else one path in
    # $HOME shared by every gunicorn of this user: ours goes in our own folder.
    env["XDG_RUNTIME_DIR"] = str(tmp_runtime(base))
    for name in ("REDIS_URL", "CACHE_KEY_PREFIX", "PAGE_CACHE_SECONDS"):
        env.pop(name, None)
    if cache == "off":
        env["PAGE_CACHE_SECONDS"] = "0"
    elif cache == "redis":
        env["REDIS_URL"] = redis_url
        env["CACHE_KEY_PREFIX"] = prefix
    return env


def tmp_runtime(base):
    folder = Path(base["MEDIA_ROOT"]).parent / "run"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


# The headers nginx makes itself for a file; a saved copy with the page's headers adds the others.
NGINX_MADE = {
    "server",
    "date",
    "content-type",
    "content-length",
    "last-modified",
    "connection",
    "etag",
    "accept-ranges",
}


def write_nginx(folder, port, page, headers=()):
    www = folder / "www"
    www.mkdir(parents=True)
    (www / "episode.html").write_bytes(page)
    # nginx's workers run as nobody: they must be able to reach and read the page.
    for path in (folder.parent, folder, www):
        path.chmod(0o755)
    (www / "episode.html").chmod(0o644)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir()
    config = folder / "nginx.conf"
    added = "\n".join(f'        add_header {name} "{value}" always;' for name, value in headers)
    if headers:
        added += "\n        charset utf-8;"  # text/html; charset=utf-8, as the page's
    config.write_text(
        f"""daemon off;
worker_processes auto;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; }}
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {www};
{added}
    }}
}}
"""
    )
    return config


def server_env(scratch, tmp):
    """The environment every server of a benchmark starts with: the scratch database, media and
    static files in ``tmp``, production settings; none of the caller's corpus or publishing."""
    env = {
        **os.environ,
        "DATABASE_URL": scratch.database_url,
        "MEDIA_ROOT": str(tmp / "media"),
        "STATIC_ROOT": str(tmp / "static"),
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "podcast.settings",
    }
    for name in ("PODCAST_CORPUS", "PUBLISH_ROOT", "PUBLISH_STORAGE"):
        env.pop(name, None)
    return env


# --- wrk --------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"not a wrk time: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(out):
    def find(pattern, cast=float, default=None):
        match = re.search(pattern, out, re.MULTILINE)
        return cast(match.group(1)) if match else default

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (
        dict(zip(("connect", "read", "write", "timeout"), map(int, socket_errors.groups())))
        if socket_errors
        else {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    )
    rps = find(r"^Requests/sec:\s+([\d.]+)")
    if rps is None:
        raise ValueError(f"no Requests/sec in wrk's output:\n{out}")
    requests = find(r"^\s*(\d+) requests in ", int, 0)
    return {
        "rps": rps,
        "requests": requests,
        # No latency recorded when no request completed (all timed out): wrk prints 0.00us.
        "p50_ms": find(r"^\s+50(?:\.0+)?%\s+(\S+)", _ms) if requests else None,
        "p99_ms": find(r"^\s+99(?:\.0+)?%\s+(\S+)", _ms) if requests else None,
        "socket_errors": errors,
        "errors": sum(errors.values()),
        "non_2xx_3xx": find(r"Non-2xx or 3xx responses: (\d+)", int, 0),
    }


def run_wrk(url, args):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}", "--latency"]
    if args.wrk_timeout:
        command.append(f"--timeout={args.wrk_timeout}")
    command.append(url)
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return " ".join(command), parse_wrk(done.stdout), done.stdout


# --- the runs ---------------------------------------------------------------------------------


class LoadTest:
    def __init__(self, args):
        self.args = args
        self.results = []
        self.notes = []
        self.commands = {}
        self.page = None
        self.nginx = None  # (port, process, folder) once the page is saved
        self.nginx_headers = None  # the same, serving it with the published page's headers
        self.pairs = []  # (mode, app run, nginx run): the episode page, measured in turn

    def measure(self, target, mode, port, path, server):
        """One status check, then one wrk run; 5xx counted from the server's log meanwhile."""
        status, body = fetch(port, path)
        offset = server.log_size() if server else 0
        load = loadavg()
        progress(
            f"  {mode:11} {target:8} {path} -> {status}, {len(body):,} bytes; wrk {self.args.duration} (load {load})"
        )
        cpu_before = cpu_times()
        command, figures, raw = run_wrk(f"http://127.0.0.1:{port}{path}", self.args)
        idle = idle_percent(cpu_before, cpu_times())
        self.commands.setdefault("wrk", command.rsplit(" ", 1)[0] + " URL")
        logged = server.log_since(offset) if server else ""
        fivexx = len(_5XX.findall(logged))
        timeouts = logged.count("WORKER TIMEOUT")
        if timeouts:
            self.notes.append(f"{mode} {target}: gunicorn logged {timeouts} WORKER TIMEOUT")
        result = {
            "target": target,
            "mode": mode,
            "path": path,
            "status": status,
            "bytes": len(body),
            "load1_before": load,
            "cpu_idle_percent": idle,
            "5xx": fivexx + (status >= 500),
            **figures,
        }
        if self.args.verbose:
            progress(raw)
        progress(
            f"    {figures['rps']:.1f} req/s, p50 {_fmt(figures['p50_ms'])} ms, p99 {_fmt(figures['p99_ms'])} ms, "
            f"errors {figures['errors']}, non-2xx {figures['non_2xx_3xx']}, 5xx {result['5xx']}, machine idle {idle}%"
        )
        self.results.append(result)
        return result

    def server_set(self, mode, cache, env, paths, tmp, redis_prefix=None, published=False):
        port = free_port()
        senv = serve_env(env, port, cache, self.args.redis_url, redis_prefix)
        goal = "serve-app"
        if published:
            # nginx on the port, gunicorn behind it, the pages published in the run's folder.
            goal = "serve"
            senv.update(APP_PORT=str(free_port()), RUN_DIR=str(tmp / f"serve-{mode}"))
        progress(
            f"{mode}: make {goal} on port {port} (PAGE_CACHE_SECONDS={senv.get('PAGE_CACHE_SECONDS', 'default')}"
            f"{', REDIS_URL=' + senv['REDIS_URL'] if 'REDIS_URL' in senv else ''})"
        )
        server = Process(
            f"make {goal} ({mode})", ["make", "--no-print-directory", goal], senv, tmp / f"serve-{mode}.log"
        )
        try:
            first = server.wait_for(port, paths["index"], timeout=self.args.start_timeout)
            # Behind nginx the published index answers before gunicorn does: wait for the app too.
            deadline = time.monotonic() + self.args.start_timeout
            while published and server.wait_for(port, paths["search"], timeout=30) != 200:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{server.name}: the app never answered {paths['search']} through nginx")
                time.sleep(0.3)
            progress(f"  answering: {paths['index']} -> {first}")
            workers = self.workers()
            for target in TARGETS:
                statuses = warm(port, paths[target], requests=4 * workers, concurrency=workers)
                if statuses != [200]:
                    self.notes.append(f"{mode} {target}: warm-up statuses {statuses}")
            if self.nginx is None:
                _, self.page = fetch(port, paths["episode"])
                self.nginx = self.start_nginx(tmp)
            for target in TARGETS:
                if target != "episode":
                    self.measure(target, mode, port, paths[target], server)
                    continue
                if published:
                    self.nginx_headers = self.start_nginx(tmp, "nginx-headers", page_headers(port, paths[target]))
                # The app and nginx in turn, so that a machine busy for a while slows both alike.
                for _ in range(self.args.rounds):
                    app = self.measure(target, mode, port, paths[target], server)
                    static = self.measure("episode", "static", self.nginx[0], "/episode.html", None)
                    self.pairs.append((mode, app, static))
                    if published:
                        same = self.measure("episode", "static+headers", self.nginx_headers[0], "/episode.html", None)
                        self.pairs.append(("published-same-bytes", app, same))
        finally:
            server.stop()
            self.stop_nginx("nginx_headers")
        problems = [line for line in server.log_since(0).splitlines() if "Traceback" in line or "CRITICAL" in line]
        if problems:
            self.notes.append(f"{mode}: server log has {len(problems)} Traceback/CRITICAL lines, see {server.log_path}")

    def start_nginx(self, tmp, name="nginx", headers=()):
        """nginx serving the saved episode page (kept running beside every app server), with
        ``headers`` added if given."""
        port = free_port()
        folder = tmp / name
        config = write_nginx(folder, port, self.page, headers)
        command = [nginx_binary(), "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config)]
        self.commands[name] = " ".join(command)
        check = subprocess.run([*command, "-t"], check=False, capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"nginx -t failed:\n{check.stderr}")
        progress(
            f"static: nginx on port {port} serving the saved episode page ({len(self.page):,} bytes)"
            + (f" with {len(headers)} headers of the published page" if headers else "")
        )
        server = Process("nginx", command, dict(os.environ), folder / "stdout.log", cwd=folder)
        status = server.wait_for(port, "/episode.html", timeout=30)
        if status != 200:
            server.stop(signal.SIGQUIT)
            raise SystemExit(f"nginx answers {status} for the saved page: see {folder / 'error.log'} (--keep keeps it)")
        return port, server, folder

    def stop_nginx(self, which="nginx"):
        if getattr(self, which) is None:
            return
        _, server, folder = getattr(self, which)
        setattr(self, which, None)
        server.stop(signal.SIGQUIT)
        errors = (folder / "error.log").read_text() if (folder / "error.log").exists() else ""
        fivexx = len(re.findall(r"\[(?:error|crit|alert|emerg)\]", errors))
        if fivexx:
            self.notes.append(f"static: nginx error log has {fivexx} error lines")

    def workers(self):
        value = os.environ.get("WORKERS")
        return int(value) if value and value.isdigit() else (os.cpu_count() or 1) + 1  # as make serve


def redis_error():
    try:
        import redis
    except ImportError:
        return ImportError
    return redis.RedisError


def clear_redis(url, prefix):
    try:
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    except (ImportError, OSError, redis_error()) as error:  # a report, not a failure
        progress(f"could not clear Redis keys {prefix}:*: {error}")
        return 0


def redis_reachable(url):
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except (ImportError, OSError, redis_error()) as error:
        progress(f"Redis at {url} unreachable ({error}): the Redis set is skipped")
        return False


# --- the report -------------------------------------------------------------------------------


def _fmt(value, digits=1):
    return "-" if value is None else f"{value:,.{digits}f}"


def find_result(results, target, mode):
    return next((r for r in results if r["target"] == target and r["mode"] == mode), None)


def report(test):
    results = test.results
    lines = []
    lines.append("| target | mode | req/s | p50 ms | p99 ms | errors | non-2xx | 5xx | bytes | load | idle % |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        errors = r["errors"]
        detail = ", ".join(f"{k} {v}" for k, v in r["socket_errors"].items() if v)
        lines.append(
            f"| {r['target']} | {r['mode']} | {r['rps']:,.1f} | {_fmt(r['p50_ms'], 2)} | {_fmt(r['p99_ms'], 2)} | "
            f"{errors}{f' ({detail})' if detail else ''} | {r['non_2xx_3xx']} | {r['5xx']} | {r['bytes']:,} | "
            f"{r['load1_before']:.1f} | {_fmt(r['cpu_idle_percent'])} |"
        )
    lines.append("")
    ratios = {}
    for mode in ("published", "published-same-bytes", "warm-local", "warm-redis", "cold"):
        pairs = [(app, static) for m, app, static in test.pairs if m == mode and app["p99_ms"] and static["p99_ms"]]
        if not pairs:
            continue
        rps = [app["rps"] / static["rps"] for app, static in pairs]
        p99 = [app["p99_ms"] / static["p99_ms"] for app, static in pairs]
        ratios[mode] = {"rps": statistics.median(rps), "p99": statistics.median(p99), "pairs": len(pairs)}
        lines.append(
            f"{LABELS.get(mode, f'episode {mode} / nginx')}, {len(pairs)} runs each in turn: "
            f"req/s ratio median {ratios[mode]['rps']:.3f} "
            f"({', '.join(f'{r:.3f}' for r in rps)}); p99 ratio median {ratios[mode]['p99']:.1f}x "
            f"({', '.join(f'{r:.1f}' for r in p99)})"
        )
    lines.append("")
    floors = []
    bad = [
        f"{r['target']} {r['mode']}" + (" (no request completed)" if not r["requests"] else "")
        for r in results
        if r["errors"] or r["non_2xx_3xx"] or r["5xx"] or r["status"] != 200 or not r["requests"]
    ]
    floors.append(
        (
            "zero errors, no non-2xx, no 5xx in every run",
            bool(results) and not bad,
            ", ".join(bad) or f"{len(results)} runs clean",
        )
    )
    warm = [r for r in results if r["mode"].startswith("warm")]
    slow = [
        f"{r['target']} {r['mode']} {_fmt(r['p99_ms'])} ms"
        for r in warm
        if r["p99_ms"] is None or r["p99_ms"] >= WARM_P99_FLOOR_MS
    ]
    worst = max(warm, key=lambda r: r["p99_ms"] or 0) if warm else None
    floors.append(
        (
            f"warm p99 < {WARM_P99_FLOOR_MS:.0f} ms",
            bool(warm) and not slow,
            ", ".join(slow)
            if slow
            else (f"worst {worst['target']} {worst['mode']} {worst['p99_ms']:.1f} ms" if worst else "no warm run"),
        )
    )
    if "published" in ratios:
        mine = ratios["published"]
        floors.append(
            (
                f"published episode >= {PUBLISHED_RPS_FLOOR}x nginx's req/s, p99 <= {PUBLISHED_P99_CEILING:.0f}x",
                mine["rps"] >= PUBLISHED_RPS_FLOOR and mine["p99"] <= PUBLISHED_P99_CEILING,
                f"{mine['rps']:.3f}x req/s, p99 {mine['p99']:.1f}x",
            )
        )
    for name, ok, detail in floors:
        lines.append(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    for note in test.notes:
        lines.append(f"note: {note}")
    text = "\n".join(lines)
    return text, ratios, floors


def interrupted(signum, frame):
    raise KeyboardInterrupt


def ready_to_run(args):
    """What a benchmark needs before it starts anything (exits if something is missing): a site
    root, the project's virtualenv, wrk and nginx; and SIGTERM (a CI timeout, kill) ending the run
    through the same clean-up as Ctrl-C."""
    if not (args.corpus / "_podcast").is_dir():
        sys.exit(f"{args.corpus} is not a site root (no _podcast/)")
    if not PY.exists():
        sys.exit(f"{PY} missing: run make install")
    ensure_tools()
    signal.signal(signal.SIGTERM, interrupted)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--corpus", type=Path, default=DEFAULT_CORPUS, help="a site root to import (default %(default)s)"
    )
    parser.add_argument("--duration", default="10s", help="wrk -d (default %(default)s)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of the episode page, app and nginx in turn (default %(default)s)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk -c (default %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default %(default)s)")
    parser.add_argument("--wrk-timeout", default="", help="wrk --timeout (default: wrk's own, 2s)")
    parser.add_argument("--query", default="data", help="the search word (default %(default)s)")
    parser.add_argument(
        "--db", default=None, help=f"PostgreSQL server URL (default DATABASE_URL's server, else {DEFAULT_SERVER})"
    )
    parser.add_argument(
        "--db-name", default=None, help="the scratch database, made fresh and dropped (default: this run's own)"
    )
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="Redis for the warm-redis set (default %(default)s)")
    parser.add_argument("--no-redis", action="store_true", help="skip the warm-redis set")
    parser.add_argument(
        "--start-timeout", type=float, default=300, help="seconds for make serve to answer (default %(default)s)"
    )
    parser.add_argument("--json", type=Path, help="save the figures here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database and temporary folder")
    parser.add_argument("--verbose", action="store_true", help="print wrk's whole output")
    args = parser.parse_args()
    ready_to_run(args)

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        database_url = ""  # SQLite by default: the load test is on PostgreSQL
    scratch = Scratch(args.db or database_url or DEFAULT_SERVER, args.db_name or unique_name("loadtest"))
    tmp = Path(tempfile.mkdtemp(prefix="loadtest-"))
    redis_prefix = f"loadtest-{os.getpid()}-{secrets.token_hex(4)}"
    test = LoadTest(args)
    base = server_env(scratch, tmp)
    started = time.monotonic()
    load_start = os.getloadavg()
    exit_code = 0
    redis_used = False
    try:
        wrk_version, nginx_version = tool_versions()
        progress(f"PostgreSQL {scratch.version()}: scratch database {scratch.name} (dropped and made fresh)")
        scratch.create()
        manage(base, "migrate", "--no-input", "--verbosity", "0")
        t0 = time.monotonic()
        manage(base, "import_podcast", str(args.corpus))
        found = find_pages(base, args.query)
        progress(
            f"imported {args.corpus} in {time.monotonic() - t0:.1f} s: {found['published']} published episodes; "
            f"largest {found['slug']} ({found['lines']} lines); search {args.query!r}: {found['hits']} episodes"
        )
        paths = {
            "episode": found["path"],
            "index": "/podcast/",
            "search": f"/search/?q={quote(args.query)}",
            "feed": "/podcast/feed.xml",
        }
        test.server_set("cold", "off", base, paths, tmp)
        test.server_set("warm-local", "local", base, paths, tmp)
        test.server_set("published", "local", base, paths, tmp, published=True)
        if not args.no_redis and redis_reachable(args.redis_url):
            redis_used = True
            test.server_set("warm-redis", "redis", base, paths, tmp, redis_prefix)
        test.stop_nginx()

        text, ratios, floors = report(test)
        load_end = os.getloadavg()
        cores = os.cpu_count()
        header = [
            f"# make loadtest: {len(test.results)} runs of `{test.commands.get('wrk', 'wrk')}` on loopback",
            "",
            (
                f"- machine: {cores} cores, load average {load_start[0]:.2f}/{load_start[1]:.2f}/{load_start[2]:.2f} "
                f"at start, {load_end[0]:.2f}/{load_end[1]:.2f}/{load_end[2]:.2f} at end; wrk shares the cores with "
                "the server, and other sessions may be running tests on this machine: figures are for the machine "
                "as it was"
            ),
            f"- {wrk_version}; {nginx_version}; PostgreSQL {scratch.version()} (database {scratch.name})",
            (
                f"- server: `make serve-app` (gunicorn, "
                f"{os.environ.get('WORKERS') or f'{cores} + 1 = {test.workers()}'} "
                f"workers, GUNICORN_CMD_ARGS={os.environ.get('GUNICORN_CMD_ARGS', '') or '(none: sync workers)'}, "
                f"CONN_MAX_AGE={os.environ.get('CONN_MAX_AGE', '60')})"
            ),
            (
                "- cold: PAGE_CACHE_SECONDS=0; warm-local: the default local-memory cache per process; published: "
                "`make serve` (nginx serving the published pages, the rest from gunicorn); warm-redis: "
                f"REDIS_URL={args.redis_url if redis_used else '(skipped)'}; every set warmed by "
                f"{4 * test.workers()} requests per address first; wrk's timeout "
                f"{args.wrk_timeout or '2s (its default)'}: a slower request counts as a timeout error"
            ),
            (
                f"- episode: {paths['episode']} ({found['lines']} transcript lines, the largest of "
                f"{found['published']} published); search: {paths['search']} ({found['hits']} episodes); "
                f"static: `{test.commands.get('nginx', 'nginx')}`"
            ),
            "",
        ]
        print("\n".join(header) + text)
        print(f"\n({time.monotonic() - started:.0f} s in all)")
        if not all(ok for _, ok, _ in floors):
            exit_code = 1
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "cores": cores,
                        "load_start": load_start,
                        "load_end": load_end,
                        "wrk": test.commands.get("wrk"),
                        "wrk_version": wrk_version,
                        "nginx_version": nginx_version,
                        "workers": test.workers(),
                        "gunicorn_cmd_args": os.environ.get("GUNICORN_CMD_ARGS", ""),
                        "episode": found,
                        "paths": paths,
                        "runs": test.results,
                        "ratios_to_nginx": ratios,
                        "floors": [{"name": n, "pass": ok, "detail": d} for n, ok, d in floors],
                        "notes": test.notes,
                    },
                    indent=2,
                )
            )
            progress(f"figures saved to {args.json}")
    except KeyboardInterrupt:
        progress("interrupted: cleaning up")
        exit_code = 130
    finally:
        test.stop_nginx()
        if redis_used:
            clear_redis(args.redis_url, redis_prefix)
        if args.keep:
            progress(f"kept: database {scratch.database_url}, folder {tmp}")
        else:
            try:
                scratch.drop()
            except (OSError, scratch.psycopg.Error) as error:
                progress(f"could not drop {scratch.name}: {error}")
            shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
