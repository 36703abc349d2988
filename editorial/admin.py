"""The editorial admin: episodes with their transcripts, people, history, and the tools editors
use across episodes (find and replace, renaming a speaker, .md download and upload).

History is django-reversion's: an episode is registered with its children followed, so every
version holds the whole episode (guests, links, clips, sections and lines) and restoring one
brings all of it back.
"""

from contextlib import contextmanager

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from import_export.admin import ImportExportModelAdmin
from reversion.admin import VersionAdmin

from archive.exporter import is_edited
from episodes.models import Appearance, Episode, Guest, PlatformLink, QuotableClip, Section, TranscriptLine

from . import findreplace, history, problems, speakers
from . import upload as transfer
from .forms import (
    EpisodeForm,
    FaithfulModelForm,
    PlatformLinkForm,
    PlatformLinkFormSet,
    QuotableClipForm,
    RenameSpeakerForm,
    TranscriptFormSet,
    TranscriptFormSetFactory,
    UploadForm,
    version_token,
)
from .resources import EpisodeResource, GuestResource
from .spreadsheets import TABULAR_FORMATS, ReadableImportErrors

for child in (Appearance, PlatformLink, QuotableClip, Section, TranscriptLine):
    if not reversion.is_registered(child):
        reversion.register(child)
if not reversion.is_registered(Episode):
    reversion.register(Episode, follow=["appearances", "links", "clips", "sections", "lines"])
if not reversion.is_registered(Guest):
    reversion.register(Guest)

UPLOADS_SESSION_KEY = "episodes-admin-uploads"


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
    extra = 0
    fields = ("position", "name", "start_offset", "end_offset", "url")
    classes = ("collapse",)
    verbose_name_plural = "quotable clips"
    template = "admin/episodes/episode/lean_tabular.html"


class HasTranscriptFilter(admin.SimpleListFilter):
    title = "transcript"
    parameter_name = "transcript"

    def lookups(self, request, model_admin):
        return [("yes", "has a transcript"), ("no", "no transcript")]

    def queryset(self, request, queryset):
        lines = Exists(TranscriptLine.objects.filter(episode=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(lines)
        if self.value() == "no":
            return queryset.exclude(lines)
        return queryset


class HasProblemsFilter(admin.SimpleListFilter):
    title = "transcript problems"
    parameter_name = "problems"

    def lookups(self, request, model_admin):
        return [("yes", "has problems"), ("no", "no problems")]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        ids = [pk for pk, (_, problems) in problems.archive_problem_counts().items() if problems]
        return queryset.filter(pk__in=ids) if self.value() == "yes" else queryset.exclude(pk__in=ids)


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("published", "published"), ("draft", "draft")]

    def queryset(self, request, queryset):
        if self.value() in ("published", "draft"):
            return queryset.filter(is_published=self.value() == "published")
        return queryset


# --- episodes ----------------------------------------------------------------------------------------


@admin.register(Episode)
class EpisodeAdmin(TabularImportExport, VersionAdmin):
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
    ordering = ("-season", "-number", "-id")
    actions = ("publish", "unpublish", "download_md", "find_and_replace")
    readonly_fields = ("created_at", "updated_at", "sync_state")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("title", "short_title", "slug", ("season", "number"), "is_published")}),
        ("Dates and media", {"fields": (("date", "date_added"), "duration", ("youtube_id", "anchor_id"), "image")}),
        ("Description", {"classes": ("collapse",), "fields": ("description", "intro", "topics", "body")}),
        ("Archive file", {"classes": ("collapse",), "fields": ("extra", "sync_state", "created_at", "updated_at")}),
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

    # --- change page ---

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        known = getattr(request, "_episode_version_before_revert", None)
        if known:
            form = type(form.__name__, (form,), {"known_version": known})
        return form

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        request._transcript_formset = None
        if change and obj is not None and obj.pk:
            who = speakers.episode_speakers([obj.pk])[obj.pk]
            data = request.POST if request.method == "POST" else None
            transcript = TranscriptFormSetFactory(data, episode=obj, speakers=who)
            formsets.append(transcript)
            request._transcript_formset = transcript
        return formsets, inline_instances

    def get_formset_kwargs(self, request, obj, inline, prefix):
        if request.method != "POST":
            return super().get_formset_kwargs(request, obj, inline, prefix)
        # Django copies the whole POST for every inline; without the page's script that is
        # thousands of transcript fields, copied once per inline, which never change it.
        return {
            "instance": obj,
            "prefix": prefix,
            "queryset": inline.get_queryset(request),
            "data": request.POST,
            "files": request.FILES,
            "save_as_new": "_saveasnew" in request.POST,
        }

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, TranscriptFormSet):
            formset.save()
            # The episode was recorded when it was saved, before its transcript was; record the
            # rows written since, so the version holds the transcript as saved.
            if reversion.is_active():
                for obj in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                    reversion.add_to_revision(obj)
            return
        super().save_formset(request, form, formset, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        transcript = getattr(request, "_transcript_formset", None)
        if transcript is not None:
            rows = transcript.rows()
            problems = [(row, problem) for row in rows for problem in row.problems]
            # Plain values only: a template lookup on the formset itself would try it as a
            # sequence first and build a form for every line.
            context.update(
                transcript_prefix=transcript.prefix,
                transcript_management_form=transcript.display_management_form(rows),
                transcript_errors=transcript.non_form_errors() if transcript.is_bound else "",
                transcript_empty_line=transcript.empty_line,
                transcript_empty_header=transcript.empty_header,
                transcript_rows=rows,
                transcript_problems=problems,
                transcript_line_count=sum(1 for row in rows if not row.is_header),
                transcript_section_count=sum(1 for row in rows if row.is_header),
                speaker_names=transcript.speaker_names(),
                can_edit_transcript=self.has_change_permission(request, obj),
            )
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
        self._remember_version(request, object_id)
        return super().revision_view(request, object_id, version_id, extra_context)

    def _remember_version(self, request, object_id):
        # The page of an old version is shown (and saved) after reverting the episode to it in a
        # transaction; the version a save must match is the one before that revert.
        current = Episode.objects.filter(pk=unquote(object_id)).values_list("updated_at", flat=True).first()
        if current is not None:
            request._episode_version_before_revert = version_token(current)

    def response_change(self, request, obj):
        response = super().response_change(request, obj)
        transcript = getattr(request, "_transcript_formset", None)
        if transcript is not None:
            written = len(transcript.new_objects) + len(transcript.changed_objects) + len(transcript.deleted_objects)
            if written:
                messages.info(request, f"Transcript: {written} item{'s' * (written != 1)} written.")
        return response

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
        return transfer.download(queryset.order_by("season", "number", "id"))

    @admin.action(description="Find and replace in the selected episodes", permissions=["change"])
    def find_and_replace(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
        return HttpResponseRedirect(reverse("admin:episodes_episode_find_replace") + f"?ids={ids}")

    # --- extra pages ---

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("find-replace/", view(self.find_replace_view), name="episodes_episode_find_replace"),
            path("upload/", view(self.upload_view), name="episodes_episode_upload"),
            path("<path:object_id>/download/", view(self.download_view), name="episodes_episode_download"),
            path(
                "<path:object_id>/rename-speaker/",
                view(self.rename_speaker_view),
                name="episodes_episode_rename_speaker",
            ),
        ] + super().get_urls()

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def download_view(self, request, object_id):
        episode = get_object_or_404(Episode, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, episode):
            raise PermissionDenied
        return transfer.download([episode])

    def rename_speaker_view(self, request, object_id):
        episode = get_object_or_404(Episode, pk=unquote(object_id))
        if not self.has_change_permission(request, episode):
            raise PermissionDenied
        counts = speakers.speaker_counts(episode).most_common()
        form = RenameSpeakerForm(request.POST or None, speakers=counts, initial={"old": request.GET.get("speaker")})
        if request.method == "POST" and form.is_valid():
            old, new = form.cleaned_data["old"], form.cleaned_data["new"]
            count = speakers.rename_speaker(episode, old, new, request.user)
            self.message_user(
                request, f"Renamed {old!r} to {new!r} on {count} line{'s' * (count != 1)}.", messages.SUCCESS
            )
            return HttpResponseRedirect(reverse("admin:episodes_episode_change", args=[episode.pk]) + "#transcript")
        context = self._context(request, "Rename a speaker", form=form, original=episode, speakers=counts)
        return TemplateResponse(request, "admin/episodes/episode/rename_speaker.html", context)

    def find_replace_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        params = request.POST if request.method == "POST" else request.GET
        ids = [int(pk) for pk in params.get("ids", "").split(",") if pk.strip().isdigit()]
        scope_episodes = list(Episode.objects.filter(pk__in=ids).only("id", "title")) if ids else []
        term = params.get("find", "")
        replacement = params.get("replace", "")
        regex = params.get("regex") == "on"
        case_sensitive = params.get("case") == "on"
        scope = params.get("scope") or ("selected" if ids else "all")
        episode_ids = [e.pk for e in scope_episodes] if scope == "selected" and ids else None
        context = self._context(
            request,
            "Find and replace in transcripts",
            term=term,
            replacement=replacement,
            regex=regex,
            case_sensitive=case_sensitive,
            scope=scope,
            ids=",".join(str(pk) for pk in ids),
            scope_episodes=scope_episodes,
        )
        if term:
            try:
                query = findreplace.Query(term, replacement, regex=regex, case_sensitive=case_sensitive)
                if request.method == "POST" and "apply" in request.POST:
                    keys = request.POST.getlist("match")
                    if not keys:
                        context["error"] = "Tick the matches to replace."
                    else:
                        result = findreplace.apply(query, keys, user=request.user)
                        note = f" ({result.skipped} skipped: changed since the preview)" if result.skipped else ""
                        self.message_user(
                            request,
                            f"Replaced {result.replaced} match{'es' * (result.replaced != 1)} in "
                            f"{len(result.episodes)} episode{'s' * (len(result.episodes) != 1)}{note}.",
                            messages.SUCCESS if result.replaced else messages.WARNING,
                        )
                        return HttpResponseRedirect(request.get_full_path())
                context["search"] = findreplace.find(query, episode_ids=episode_ids)
            except findreplace.PatternError as exc:
                context["error"] = str(exc)
        return TemplateResponse(request, "admin/episodes/episode/find_replace.html", context)

    def upload_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        context = self._context(request, "Upload episode files", limits=transfer)
        if request.method == "POST" and request.POST.get("token"):
            token = request.POST["token"]
            options = {
                "include_drafts": request.POST.get("include_drafts") == "on",
                "force": request.POST.get("force") == "on",
            }
            mine = request.session.get(UPLOADS_SESSION_KEY, [])
            try:
                if token not in mine:
                    raise transfer.UploadError("That upload is no longer here; upload the files again.")
                files = transfer.unstage(token, remove=True)
                request.session[UPLOADS_SESSION_KEY] = [t for t in mine if t != token]
            except transfer.UploadError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(reverse("admin:episodes_episode_upload"))
            if "confirm" not in request.POST:
                self.message_user(request, "Upload cancelled; nothing was imported.", messages.INFO)
                return HttpResponseRedirect(reverse("admin:episodes_episode_changelist"))
            report = transfer.run(files, user=request.user, **options)
            context.update(report=report, rows=transfer.rows(report), done=True, form=UploadForm())
            level = messages.SUCCESS if report.ok else messages.WARNING
            self.message_user(request, report.summary(), level)
            return TemplateResponse(request, "admin/episodes/episode/upload.html", context)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                files = transfer.read_upload(form.cleaned_data["files"])
                token = self._stage(request, files)
            except transfer.UploadError as exc:
                form.add_error("files", str(exc))
            else:
                options = {"include_drafts": form.cleaned_data["include_drafts"], "force": form.cleaned_data["force"]}
                result = transfer.preview(files, **options)
                context.update(
                    preview=result,
                    token=token,
                    options=options,
                    rows=transfer.rows(result.report, result.changes),
                )
        context["form"] = form
        return TemplateResponse(request, "admin/episodes/episode/upload.html", context)

    def _stage(self, request, files):
        # An upload waiting for confirmation belongs to the session that previewed it.
        token = transfer.stage(files)
        request.session[UPLOADS_SESSION_KEY] = request.session.get(UPLOADS_SESSION_KEY, [])[-9:] + [token]
        return token
