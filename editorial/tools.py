"""The editors' pages beyond the change form: find and replace, renaming a speaker, downloading an
episode's file, uploading files and the archive's health, as views of the episode admin
(``EpisodeTools``)."""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from episodes.models import Episode

from . import findreplace, health, history, speakers
from . import upload as transfer
from .forms import RenameSpeakerForm, UploadForm

UPLOADS_SESSION_KEY = "episodes-admin-uploads"


class EpisodeTools:
    """Mixed into the episode admin: its extra pages."""

    # --- extra pages ---

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("find-replace/", view(self.find_replace_view), name="episodes_episode_find_replace"),
            path("upload/", view(self.upload_view), name="episodes_episode_upload"),
            path("health/", view(self.health_view), name="episodes_episode_health"),
            path("<path:object_id>/download/", view(self.download_view), name="episodes_episode_download"),
            path("<path:object_id>/history/compare/", view(self.compare_view), name="episodes_episode_compare"),
            path(
                "<path:object_id>/rename-speaker/",
                view(self.rename_speaker_view),
                name="episodes_episode_rename_speaker",
            ),
        ] + super().get_urls()

    object_history_template = "admin/episodes/episode/object_history.html"

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        episode = get_object_or_404(Episode, pk=unquote(object_id))
        compare = reverse("admin:episodes_episode_compare", args=[episode.pk])
        versions = [
            {
                "version": version,
                "credit": history.credit(version.revision),
                "url": reverse("admin:episodes_episode_revision", args=[episode.pk, version.pk]),
                "with_current": f"{compare}?from={version.pk}&to={history.CURRENT}",
            }
            for version in history.versions_of(episode)
        ]
        context = {"versions": versions, "compare_url": compare, "current": history.CURRENT, **(extra_context or {})}
        return super().history_view(request, object_id, context)

    def compare_view(self, request, object_id):
        """What changed between two versions of an episode, or between one and the episode now."""
        episode = get_object_or_404(Episode, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, episode):
            raise PermissionDenied
        versions = {str(version.pk): version for version in history.versions_of(episode)}
        chosen = [request.GET.get("from", ""), request.GET.get("to", history.CURRENT)]
        unknown = [value for value in chosen if value != history.CURRENT and value not in versions]
        if unknown or chosen[0] == chosen[1]:
            self.message_user(request, "Choose two different versions of this episode to compare.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:episodes_episode_history", args=[episode.pk]))
        # The older one first, whichever way round they were chosen.
        chosen.sort(key=lambda value: (value == history.CURRENT, versions[value].pk if value in versions else 0))
        sides = [
            (history.current_state(episode), None)
            if value == history.CURRENT
            else (history.version_state(versions[value]), versions[value])
            for value in chosen
        ]
        context = self._context(
            request,
            f"Changes to {episode}",
            original=episode,
            sides=[
                {"version": version, "credit": history.credit(version.revision) if version else ""}
                for _, version in sides
            ],
            comparison=history.compare(sides[0][0], sides[1][0]),
        )
        return TemplateResponse(request, "admin/episodes/episode/compare.html", context)

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def health_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        kinds = health.archive_health()
        context = self._context(request, "Archive health", kinds=kinds, total=sum(len(kind.entries) for kind in kinds))
        return TemplateResponse(request, "admin/episodes/episode/health.html", context)

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
                "prune": request.POST.get("prune") == "on",
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
            take = transfer.taken(request.POST.items(), files)
            report = transfer.run(files, user=request.user, take=take, **options)
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
                options = {name: form.cleaned_data[name] for name in ("include_drafts", "force", "prune")}
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
