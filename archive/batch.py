"""Many rows written at once, behind one interface for every database, so that the importer never
asks which one it is on.

A long transcript is hundreds of rows and the archive tens of thousands: building a model
instance for each costs more than parsing its YAML, and a round trip per row more than that.
``Writer`` takes rows as tuples, draws the new rows' ids in advance (so that children can name
their parent before it is written), and writes each table at once: by COPY on PostgreSQL, which
also streams the transcript lines while the files are still being read, so that the server
indexes them meanwhile; by one ``executemany`` elsewhere. Foreign keys are deferred (Django makes
them so) and checked when everything is written, while it can still be rolled back.

``begin_import`` is the rest of what an import needs of its database: one import at a time.
"""

from django.db import DatabaseError, connection

from episodes.models import Appearance, Episode, Guest, PlatformLink, QuotableClip, Section, TranscriptLine

# The order tables are written in: parents first (PostgreSQL's lines come before, streamed).
ORDER = (Guest, Episode, Appearance, PlatformLink, QuotableClip, Section, TranscriptLine)


class ImportBusy(Exception):
    """Another import holds the database."""


# The key of the PostgreSQL advisory lock that an import holds (any number, the same everywhere).
IMPORT_LOCK_KEY = 7_316_852_902


def begin_import():
    """Make the current transaction the only import running, or raise ImportBusy at once.

    Two imports at once would each decide from rows the other is about to write, and the second
    would wait on the first's new rows. On PostgreSQL a transaction-level advisory lock says
    which runs; on SQLite every transaction takes the write lock as it begins (``transaction_mode``
    IMMEDIATE, see settings), so a second import waits for the first there, up to the database's
    timeout, and then fails to begin."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])
        (locked,) = cursor.fetchone()
        if not locked:
            raise ImportBusy
        # Waiting for the disk at commit adds nothing here: the import is all or nothing per
        # file, and a crash before the commit loses only this run, which can be redone.
        cursor.execute("SET LOCAL synchronous_commit = off")


def writer():
    """A ``Writer`` for the current connection's database."""
    return CopyWriter() if connection.vendor == "postgresql" else Writer()


class Writer:
    """Rows queued by table and written at once by ``executemany``; ids drawn past the largest
    (the import holds the database's write lock, so no other writer can take them meanwhile)."""

    def __init__(self):
        self.cursor = connection.cursor()
        self.tables = {}  # model -> (columns, rows)

    def draw_ids(self, model, count):
        if not count:
            return []
        table = model._meta.db_table
        self.cursor.execute(f"SELECT MAX({connection.ops.quote_name(model._meta.pk.column)}) FROM {_quoted(model)}")
        (largest,) = self.cursor.fetchone()
        largest = largest or 0
        if connection.vendor == "sqlite":  # AUTOINCREMENT never reuses an id, even a deleted row's
            self.cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = self.cursor.fetchone()
            largest = max(largest, row[0] if row else 0)
        return list(range(largest + 1, largest + 1 + count))

    def queue(self, model, columns, rows):
        self.tables.setdefault(model, (columns, []))[1].extend(rows)

    def stream(self, model, columns, rows):
        """Rows to write as soon as the database can take them: now, while the next files are
        still being parsed (the foreign keys are checked at the end)."""
        self.insert(model, columns, rows)
        self.tables.setdefault(model, (columns, []))  # checked with the others

    def write(self):
        """Write everything queued, then check the foreign keys (raises the database's error)."""
        if not self.tables:
            return
        for model in ORDER:
            if model in self.tables:
                self.insert(model, *self.tables[model])
        connection.check_constraints(table_names=[model._meta.db_table for model in self.tables])

    def insert(self, model, columns, rows):
        """Insert rows of one table now."""
        if rows:
            quote = connection.ops.quote_name
            names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
            placeholders = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {_quoted(model)} ({names}) VALUES ({placeholders})", rows)

    def abort(self):
        """Stop writing (the caller rolls back what was written)."""

    def close(self, error=None):
        self.cursor.close()


class CopyWriter(Writer):
    """PostgreSQL: ids from the tables' sequences, each table by COPY, and the transcript lines
    through a COPY kept open while the rest is read."""

    def __init__(self):
        super().__init__()
        self._stream = self._copy = None  # the open COPY's context manager and the COPY

    def draw_ids(self, model, count):
        if not count:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [pk for (pk,) in self.cursor.fetchall()]

    def stream(self, model, columns, rows):
        if not rows:
            return
        with connection.wrap_database_errors:
            if self._stream is None:
                self._stream = self.cursor.cursor.copy(copy_statement(model, columns))
                self._copy = self._stream.__enter__()
            for row in rows:
                self._copy.write_row(row)

    def write(self):
        with connection.wrap_database_errors:
            self._end_stream()
            super().write()

    def insert(self, model, columns, rows):
        if rows:
            # COPY goes round Django's cursor: its errors must become Django's (DatabaseError) too.
            with connection.wrap_database_errors:
                copy_rows(self.cursor.cursor, model, columns, rows)

    def _end_stream(self, error=None):
        """End the open COPY: in full, or as failed when there is an ``error``."""
        if self._stream is None:
            return
        manager, self._stream, self._copy = self._stream, None, None
        if error is None:
            manager.__exit__(None, None, None)
            return
        try:
            with connection.wrap_database_errors:
                manager.__exit__(type(error), error, error.__traceback__)
        except DatabaseError:
            pass  # it had ended already; the caller's rollback clears the rest

    def abort(self):
        self._end_stream(DatabaseError("the import stopped"))

    def close(self, error=None):
        # No COPY is left open, an error or not (a failed one is ended as failed).
        self._end_stream(error or DatabaseError("the import stopped"))
        super().close()


def _quoted(model):
    return connection.ops.quote_name(model._meta.db_table)


def model_row(model, values):
    """(columns, [row]) of a new ``model(**values)`` as ``save()`` would insert it: every column,
    with its default, ``auto_now`` time and the database's adaptation (JSON) applied."""
    obj = model(**values)
    fields = model._meta.concrete_fields
    row = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    return [field.attname for field in fields], [row]


def copy_statement(model, columns):
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    return f"COPY {_quoted(model)} ({names}) FROM STDIN"


def copy_rows(cursor, model, columns, rows):
    """COPY rows into a table (PostgreSQL), through psycopg's ``cursor`` (the one under Django's:
    COPY is not in Django's API, and its errors are psycopg's, for the caller to wrap)."""
    with cursor.copy(copy_statement(model, columns)) as copy:
        for row in rows:
            copy.write_row(row)


def update_rows(model, fields, objs):
    """Write ``fields`` of many rows, one UPDATE each, sent together (psycopg pipelines them):
    ``bulk_update``'s CASE expressions cost more to build than the rows' text does to send."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in fields)
    statement = f"UPDATE {_quoted(model)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"
    with connection.cursor() as cursor:
        cursor.executemany(statement, [[getattr(obj, name) for name in fields] + [obj.pk] for obj in objs])
