"""Search vectors stored beside the text, on PostgreSQL only (see episodes/search.py).

Migration 0002 indexed ``to_tsvector`` expressions. The index finds matching lines quickly, but
ranking them re-parses each matching line's text: for a common word at ten times the archive that
was tens of thousands of lines and seconds per search. A generated column keeps the vector the
index and the ranking both read; PostgreSQL computes it when a row is written, as it computed the
indexed expression before, so writing costs the same.

The columns are not in the models: SQLite has no text search, and the ORM never writes them.
"""

import importlib

from django.db import migrations

CONFIG = "'english'::regconfig"
LINE = f"to_tsvector({CONFIG}, COALESCE(text, ''))"
# Title first, then the summary, then the show notes: the weights ranking gives them.
EPISODE = (
    f"setweight(to_tsvector({CONFIG}, COALESCE(title, '')), 'A')"
    f" || setweight(to_tsvector({CONFIG}, COALESCE(description, '') || ' ' || COALESCE(intro, '')), 'B')"
    f" || setweight(to_tsvector({CONFIG}, COALESCE(body, '')), 'C')"
)
VECTORS = (
    ("episodes_transcriptline", LINE, "episodes_line_text_search"),
    ("episodes_episode", EPISODE, "episodes_episode_text_search"),
)


def stored(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, expression, old_index in VECTORS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {old_index}")
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED"
        )
        schema_editor.execute(f"CREATE INDEX {old_index} ON {table} USING gin (search_vector)")


def expressions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, _, old_index in VECTORS:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")  # and its index
    importlib.import_module("episodes.migrations.0002_search_indexes").add(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("episodes", "0005_lz4_text_compression")]

    operations = [migrations.RunPython(stored, expressions)]
