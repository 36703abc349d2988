"""Scratch databases on a PostgreSQL server, for the benchmarks: made and dropped through the
server's ``postgres`` database, never touching the database a URL names."""

import os
import secrets
import sys
from urllib.parse import urlsplit, urlunsplit


def unique_name(prefix):
    """A database name of this run alone: two runs at once never drop each other's database."""
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"


class PostgresServer:
    def __init__(self, url):
        import psycopg

        self.psycopg = psycopg
        parts = urlsplit(url)
        if parts.scheme not in ("postgres", "postgresql", "pgsql"):
            sys.exit(f"a PostgreSQL URL is needed, not {url}")
        self.server = urlunsplit((parts.scheme, parts.netloc, "", "", ""))

    def url(self, name):
        return f"{self.server}/{name}"

    def sql(self, *statements):
        with self.psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def version(self):
        with self.psycopg.connect(self.url("postgres")) as conn:
            return conn.execute("SELECT current_setting('server_version')").fetchone()[0]

    def create(self, name, template=None):
        """A new, empty database ``name`` (or a copy of ``template``), replacing any of that name."""
        self.drop(name)
        self.sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def drop(self, name):
        self.sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
