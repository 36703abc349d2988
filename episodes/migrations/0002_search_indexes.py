"""GIN indexes for full-text search, on PostgreSQL only (see episodes/search.py).

They are expression indexes that SQLite cannot build, so they are not in the models' Meta: this
migration adds them only where the search that uses them runs. Each expression must stay exactly
the one ``search`` queries with, or PostgreSQL no longer uses the index.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"


def indexes(apps):
    Episode = apps.get_model("episodes", "Episode")
    TranscriptLine = apps.get_model("episodes", "TranscriptLine")
    return [
        (TranscriptLine, GinIndex(SearchVector("text", config=CONFIG), name="episodes_line_text_search")),
        (
            Episode,
            GinIndex(
                SearchVector("title", weight="A", config=CONFIG)
                + SearchVector("description", "intro", weight="B", config=CONFIG)
                + SearchVector("body", weight="C", config=CONFIG),
                name="episodes_episode_text_search",
            ),
        ),
    ]


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in indexes(apps):
            schema_editor.add_index(model, index)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model, index in indexes(apps):
            schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("episodes", "0001_initial"),
    ]

    operations = [migrations.RunPython(add, remove)]
