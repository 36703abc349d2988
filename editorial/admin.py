"""The editorial admin: episodes with their transcripts, people, history, and the tools editors
use across episodes (find and replace, renaming a speaker, .md download and upload).

History is django-reversion's: an episode is registered with its children followed, so every
version holds the whole episode (guests, links, clips, sections and lines) and restoring one
brings all of it back.
"""

import contextvars
from contextlib import contextmanager

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from reversion.admin import VersionAdmin

from archive.exporter import is_edited
from episodes.models import (
    NEWEST_FIRST,
    Appearance,
    Episode,
    Guest,
    PlatformLink,
    QuotableClip,
    TranscriptLine,
)

from . import history, problems
from . import upload as transfer
from .filters import HasProblemsFilter, HasTranscriptFilter, StatusFilter
from .forms import (
    MERGE_BASE,
    EpisodeForm,
    FaithfulModelForm,
    MergedListFormSet,
    PlatformLinkForm,
    PlatformLinkFormSet,
    QuotableClipForm,
    version_token,
)
from .resources import EpisodeResource, GuestResource
from .spreadsheets import TABULAR_FORMATS, ReadableImportErrors
from .tools import EpisodeTools
from .transcript import conflicts as merge_conflicts
from .transcript import focus, lists, snapshot
from .transcript.formset import TranscriptFormSet
from .transcript.inline import TranscriptInline, transcript_of
from .transcript.inline import context as transcript_context

# While an old version's page is made (``revision_view``): the episode's version before the
# revert that shows it, which a save from that page must match (see EpisodeForm).
_version_before_revert = contextvars.ContextVar("version_before_revert", default=None)


class TabularImportExport(ReadableImportErrors, ImportExportModelAdmin):
    """Spreadsheet import and export with import-export's preview and confirmation; importing
    needs the rights to add and change, not just to see the admin."""

    formats = TABULAR_FORMATS

    def has_import_permission(self, request):
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_or_change_permission(request)


# --- people ----------------------------------------------------------------------------------------


@admin.register(Guest)
class GuestAdmin(TabularImportExport, VersionAdmin):
    form = FaithfulModelForm
    # The form replaces URL fields (see FaithfulModelForm); this only keeps Django 6's change
    # of default scheme from warning while it builds them.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # noqa: RUF012
    resource_classes = (GuestResource,)
    change_list_template = "admin/episodes/guest/guests_change_list.html"
    list_display = ("title", "short", "episode_count")
    search_fields = ("title", "short")
    ordering = ("title", "short")  # explicit: the count below groups rows, which drops Meta's
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "short", "picture")}),
        ("Profile", {"fields": ("bio_short", "bio", "linkedin", "twitter", "github", "web")}),
        ("Other front matter", {"classes": ("collapse",), "fields": ("extra", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(episode_total=Count("appearances"))

    @admin.display(description="episodes", ordering="episode_total")
    def episode_count(self, obj):
        return obj.episode_total


# --- episodes: the change page's parts ------------------------------------------------------------


class AppearanceInline(admin.TabularInline):
    model = Appearance
    form = FaithfulModelForm
    formset = MergedListFormSet
    extra = 0
    autocomplete_fields = ("guest",)
    fields = ("position", "guest")
    verbose_name = "guest"
    verbose_name_plural = "guests (in this order)"


class PlatformLinkInline(admin.TabularInline):
    model = PlatformLink
    form = PlatformLinkForm
    formset = PlatformLinkFormSet
    extra = 0
    fields = ("position", "platform", "url")
    verbose_name_plural = "where to listen"
    template = "admin/episodes/episode/lean_tabular.html"


class QuotableClipInline(admin.TabularInline):
    model = QuotableClip
    form = QuotableClipForm
    formset = MergedListFormSet
    extra = 0
    fields = ("position", "name", "start_offset", "end_offset", "url")
    classes = ("collapse",)
    verbose_name_plural = "quotable clips"
    template = "admin/episodes/episode/lean_tabular.html"


# --- episodes ----------------------------------------------------------------------------------------


@admin.register(Episode)
class EpisodeAdmin(EpisodeTools, TabularImportExport, VersionAdmin):
    resource_classes = (EpisodeResource,)
    form = EpisodeForm
    change_form_template = "admin/episodes/episode/change_form.html"
    change_list_template = "admin/episodes/episode/episodes_change_list.html"
    inlines = (AppearanceInline, PlatformLinkInline, QuotableClipInline)
    list_display = ("code", "title", "guest_names", "status", "line_count", "problem_count")
    list_display_links = ("code", "title")
    list_filter = ("season", StatusFilter, HasTranscriptFilter, HasProblemsFilter)
    search_fields = ("title", "slug", "appearances__guest__title", "appearances__guest__short")
    list_per_page = 50
    ordering = NEWEST_FIRST
    actions = ("publish", "unpublish", "download_md", "find_and_replace")
    readonly_fields = ("created_at", "updated_at", "sync_state", "audio_state", "guid")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("title", "short_title", "slug", ("season", "number"), "is_published")}),
        ("Dates and media", {"fields": (("date", "date_added"), "duration", ("youtube_id", "anchor_id"), "image")}),
        (
            "Audio",
            {
                "description": "What podcast apps play. Filled in from the host's feed by import_feed; "
                "audio set here stays as it is when the feed is read again.",
                "fields": (
                    "audio_url",
                    ("audio_type", "audio_length"),
                    ("audio_duration", "released_at"),
                    "audio_state",
                ),
            },
        ),
        ("Description", {"classes": ("collapse",), "fields": ("description", "intro", "topics", "body")}),
        (
            "Archive file",
            {"classes": ("collapse",), "fields": ("extra", "sync_state", "guid", "created_at", "updated_at")},
        ),
    )

    class Media:
        css = {"all": ("admin-extra/transcript.css",)}  # noqa: RUF012 - Django reads it once
        js = ("admin-extra/transcript.js",)

    # --- change list ---

    def get_queryset(self, request):
        lines = (
            TranscriptLine.objects.filter(episode=OuterRef("pk"))
            .order_by()
            .values("episode")
            .annotate(total=Count("id"))
            .values("total")
        )
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name == "episodes_episode_changelist":
            # The list shows a few columns of each episode; the file text and the long fields
            # stay in the database.
            queryset = (
                queryset.defer("source", "layout", "body", "intro", "description")
                .annotate(line_total=Subquery(lines, output_field=IntegerField()))
                .with_guests()
            )
        return queryset

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The archive's problem counts are kept until it changes; the filter needs them anyway.
        episodes = list(changelist.result_list)
        counts = problems.archive_problem_counts()
        for episode in episodes:
            episode.problem_total = counts.get(episode.pk, (0, 0))[1]
        return changelist

    @admin.display(description="S/E", ordering="season")
    def code(self, obj):
        if obj.season is None and obj.number is None:
            return "—"
        return f"S{obj.season or '?'}E{obj.number or '?'}"

    @admin.display(description="guests")
    def guest_names(self, obj):
        return ", ".join(appearance.guest.title for appearance in obj.appearances.all())

    @admin.display(description="status", ordering="is_published")
    def status(self, obj):
        return "published" if obj.is_published else format_html('<span class="ep-draft">draft</span>')

    @admin.display(description="lines", ordering="line_total")
    def line_count(self, obj):
        return getattr(obj, "line_total", None) or 0

    @admin.display(description="problems")
    def problem_count(self, obj):
        total = getattr(obj, "problem_total", 0)
        if not total:
            return "—"
        url = reverse("admin:episodes_episode_change", args=[obj.pk]) + "#transcript"
        return format_html('<a class="ep-problems" href="{}">{}</a>', url, total)

    @admin.display(description="archive file")
    def sync_state(self, obj):
        if not obj.pk:
            return "—"
        if not obj.synced_digest:
            return "made in the CMS; not yet exported"
        return "changed in the CMS since the last import or export" if is_edited(obj) else "as in the archive"

    @admin.display(description="audio from")
    def audio_state(self, obj):
        if not obj.audio_url:
            return "no audio yet"
        return obj.get_audio_set_by_display() or "—"

    # --- change page ---

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        known = _version_before_revert.get()
        if known:
            form = type(form.__name__, (form,), {"known_version": known})
        return form

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and obj.pk:  # an episode being added has no transcript to edit yet
            inlines.append(TranscriptInline(self.model, self.admin_site))
        return inlines

    def get_formset_kwargs(self, request, obj, inline, prefix):
        if isinstance(inline, TranscriptInline):
            return inline.formset_kwargs(request, obj)
        if request.method != "POST":
            return super().get_formset_kwargs(request, obj, inline, prefix)
        # Django copies the whole POST for every inline; without the page's script that is
        # thousands of transcript fields, copied once per inline, which never change it.
        data, conflict = lists.bound_data(request.POST, obj, inline.model, inline.fields, prefix)
        return {
            "instance": obj,
            "prefix": prefix,
            "queryset": inline.get_queryset(request),
            "data": data,
            "files": request.FILES,
            "save_as_new": "_saveasnew" in request.POST,
            "merge_conflict": conflict,
        }

    def save_formset(self, request, form, formset, change):
        if not isinstance(formset, TranscriptFormSet):
            super().save_formset(request, form, formset, change)
            return
        formset.save()
        # The episode was recorded when it was saved, before its transcript was; record the rows
        # written since, so the version holds the transcript as saved.
        if reversion.is_active():
            for obj in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                reversion.add_to_revision(obj)
        written = len(formset.new_objects) + len(formset.changed_objects) + len(formset.deleted_objects)
        if written:
            messages.info(request, f"Transcript: {written} item{'s' * (written != 1)} written.")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if getattr(form, "merged", False):
            messages.info(
                request,
                "Someone else saved this episode after you opened it: your changes were merged with theirs.",
            )

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        if "_continue" in request.POST and isinstance(response, HttpResponseRedirect):
            response["Location"] += focus.anchor(request.POST, obj)
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        transcript = transcript_of(context)
        form = getattr(context.get("adminform"), "form", None)
        formsets = [inline.formset for inline in context.get("inline_admin_formsets", ())]
        conflicts = merge_conflicts.rows(form, transcript, formsets)
        if conflicts and obj is not None:
            return merge_conflicts.choice_page(request, context, conflicts, obj)
        if transcript is not None and form is not None and not form.is_bound and not _version_before_revert.get():
            # What the page is opened with, for merging a save made after someone else's.
            fields = {name: snapshot.field_text(getattr(obj, name)) for name in form.merge_fields()}
            rows = {
                inline.formset.prefix: lists.stored_rows(
                    inline.formset.get_queryset(), inline.opts.model, inline.opts.fields
                )
                for inline in context.get("inline_admin_formsets", ())
                if isinstance(inline.formset, MergedListFormSet)
            }
            form.initial[MERGE_BASE] = snapshot.encode(form.initial.get("version", ""), fields, transcript.items, rows)
        if transcript is not None:
            context.update(transcript_context(transcript, self.has_change_permission(request, obj)))
        if obj is not None and obj.pk:
            context.update(
                stale=bool(getattr(context.get("adminform"), "form", None) and context["adminform"].form.is_stale),
                public_url=obj.get_absolute_url(),
                download_url=reverse("admin:episodes_episode_download", args=[obj.pk]),
                rename_url=reverse("admin:episodes_episode_rename_speaker", args=[obj.pk]),
                find_replace_url=reverse("admin:episodes_episode_find_replace") + f"?ids={obj.pk}",
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST" and "_saveasnew" not in request.POST:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_change_permission(request, obj):
                history.ensure_baseline([obj], request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # The page of an old version is shown (and saved) after reverting the episode to it in a
        # transaction; the version a save must match is the one before that revert.
        current = Episode.objects.filter(pk=unquote(object_id)).values_list("updated_at", flat=True).first()
        token = _version_before_revert.set(version_token(current) if current is not None else None)
        try:
            return super().revision_view(request, object_id, version_id, extra_context)
        finally:
            _version_before_revert.reset(token)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_change_permission(request):
            for name in ("publish", "unpublish", "find_and_replace"):
                actions.pop(name, None)
        return actions

    # --- deleting keeps the last version, so the episode can be recovered ---

    def delete_model(self, request, obj):
        self._record_before_delete(request, [obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        self._record_before_delete(request, list(queryset))
        super().delete_queryset(request, queryset)

    @contextmanager
    def create_revision(self, request):
        # The list edits nothing in place (no list_editable), and a revision open around it
        # would be saved after a bulk delete, dropping the versions of the deleted episodes
        # that _record_before_delete recorded for recovery.
        match = request.resolver_match
        if match is not None and match.url_name == "episodes_episode_changelist":
            yield
            return
        with super().create_revision(request):
            yield

    def _record_before_delete(self, request, episodes):
        with reversion.create_revision():
            for episode in episodes:
                reversion.add_to_revision(episode)
            reversion.set_user(request.user)
            reversion.set_comment("Deleted; this is the version to recover.")

    # --- actions ---

    @admin.action(description="Publish the selected episodes", permissions=["change"])
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish the selected episodes (make them drafts)", permissions=["change"])
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)

    def _set_published(self, request, queryset, published):
        episodes = list(queryset.filter(is_published=not published))
        history.ensure_baseline(episodes, request.user)
        for episode in episodes:
            episode.is_published = published
            episode.save(update_fields=["is_published", "updated_at"])
        word = "Published" if published else "Unpublished"
        history.record(request.user, episodes, f"{word}.")
        self.message_user(request, f"{word} {len(episodes)} episode{'s' * (len(episodes) != 1)}.", messages.SUCCESS)

    @admin.action(description="Download the selected episodes as .md files")
    def download_md(self, request, queryset):
        return transfer.download(queryset.oldest_first())

    @admin.action(description="Find and replace in the selected episodes", permissions=["change"])
    def find_and_replace(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:episodes_episode_find_replace") + f"?ids={ids}")
