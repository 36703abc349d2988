"""Tabular import and export (django-import-export) of episode and people metadata, for bulk
edits in a spreadsheet. Transcripts, show notes and the archive's bookkeeping are left out: they
do not fit a cell, and the .md upload is the way to bring those in. Guests and platform links
are exported to be read, and not imported: their order and checks belong to the change page.

Rows are matched by their key (``slug``, ``short``), so a spreadsheet exported, edited and
imported back updates the same rows.
"""

from django.db import models, transaction
from import_export import fields, resources, widgets

from episodes.models import Episode, Guest

from . import history


class TopicsWidget(widgets.Widget):
    """Topics as one cell: ``mlops, career``."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        if isinstance(value, list):
            return [str(item).strip() for item in value if str(item).strip()]
        return [item.strip() for item in str(value).split(",") if item.strip()]

    def render(self, value, obj=None, **kwargs):
        return ", ".join(value or [])


class Resource(resources.ModelResource):
    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        # A spreadsheet reader gives None for an empty cell; a text column keeps "" for it, as
        # import-export already does for a CharField, or an exported XLSX does not import back.
        if isinstance(f, models.TextField):
            return widgets.CharWidget
        return super().widget_from_django_field(f, default)


class LockingResource(Resource):
    """Each row is read under its lock (import-export imports in a transaction): an editor's
    save at the same moment comes first, and the row written is the one it saved, or it waits
    for this import. Read without the lock, a row saved meanwhile would be written back as it
    was before, over the editor's save."""

    def get_instance(self, instance_loader, row):
        instance = super().get_instance(instance_loader, row)
        if instance is None or not transaction.get_connection().in_atomic_block:
            return instance
        return self.get_queryset().select_for_update().get(pk=instance.pk)


# The platforms with a column of their own; the others share one.
LINK_PLATFORMS = ("youtube", "spotify", "apple", "anchor")


def _links(episode, platform=None):
    """The episode's links on ``platform`` (None: on the platforms without a column of their
    own, each named), in the file's order, one to a line."""
    return "\n".join(
        link.url if platform else f"{link.platform}: {link.url}"
        for link in episode.links.all()
        if link.platform == platform or (platform is None and link.platform not in LINK_PLATFORMS)
    )


def _link_column(platform):
    # Read only, as the guests are: the change page checks a link (links.py) and keeps their order.
    name = f"{platform} link" if platform else "other links"
    return fields.Field(column_name=name, readonly=True, dehydrate_method=lambda episode: _links(episode, platform))


class EpisodeResource(LockingResource):
    topics = fields.Field(attribute="topics", column_name="topics", widget=TopicsWidget())
    guests = fields.Field(column_name="guests", readonly=True)
    youtube_link = _link_column("youtube")
    spotify_link = _link_column("spotify")
    apple_link = _link_column("apple")
    anchor_link = _link_column("anchor")
    other_links = _link_column(None)

    class Meta:
        model = Episode
        import_id_fields = ("slug",)
        fields = (
            "slug",
            "title",
            "short_title",
            "season",
            "number",
            "is_published",
            "date",
            "date_added",
            "duration",
            "youtube_id",
            "anchor_id",
            "description",
            "topics",
            "guests",
            "youtube_link",
            "spotify_link",
            "apple_link",
            "anchor_link",
            "other_links",
        )
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def dehydrate_guests(self, episode):
        # Read only: guests keep their order through the change page, which a cell cannot say.
        return ", ".join(appearance.guest.short for appearance in episode.appearances.all())

    def get_queryset(self):
        return super().get_queryset().defer("source", "layout", "body").prefetch_related("appearances__guest", "links")

    def before_import(self, dataset, **kwargs):
        if not kwargs.get("dry_run") and "slug" in (dataset.headers or []):
            slugs = [slug for slug in dataset["slug"] if slug]
            history.ensure_baseline(Episode.objects.filter(slug__in=slugs), kwargs.get("user"))

    def after_import(self, dataset, result, **kwargs):
        user = kwargs.get("user")
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors() or user is None:
            return
        ids = [row.object_id for row in result.rows if row.import_type in ("new", "update") and row.object_id]
        # import-export logs its own admin entries; the history gets the versions.
        history.record(user, Episode.objects.filter(pk__in=ids), "Imported from a spreadsheet.", log=False)


class GuestResource(LockingResource):
    class Meta:
        model = Guest
        import_id_fields = ("short",)
        fields = ("short", "title", "bio_short", "linkedin", "twitter", "github", "web")
        export_order = fields
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def get_queryset(self):
        return super().get_queryset().defer("source", "layout", "bio")
