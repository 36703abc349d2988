"""The transcript editor on the episode's change page, through the admin's stock hooks: an inline
whose formset is ``TranscriptFormSet``. The admin builds it (``get_formset_kwargs``), validates it
with the page's other formsets, saves it in the page's transaction (``save_formset``) and puts
it in the page's context (``inline_admin_formsets``), where ``context`` finds it."""

from django.contrib import admin
from django.utils.safestring import mark_safe

from episodes.models import TranscriptLine

from .. import speakers
from .display import html
from .formset import TranscriptFormSet, TranscriptFormSetFactory


class TranscriptInline(admin.options.InlineModelAdmin):
    model = TranscriptLine
    template = "admin/episodes/episode/transcript.html"
    verbose_name_plural = "transcript"

    def get_formset(self, request, obj=None, **kwargs):
        return TranscriptFormSetFactory

    def formset_kwargs(self, request, obj):
        """What the formset is made with, in place of a model formset's (see EpisodeAdmin)."""
        data = request.POST if request.method == "POST" else None
        return {"data": data, "episode": obj, "speakers": speakers.episode_speakers([obj.pk])[obj.pk]}

    def get_fields(self, request, obj=None):
        return []  # the editor draws its own rows


def transcript_of(context):
    """The page's transcript formset, or None (an episode being added has none yet)."""
    for inline_formset in context.get("inline_admin_formsets", ()):
        if isinstance(inline_formset.formset, TranscriptFormSet):
            return inline_formset.formset
    return None


def context(transcript, can_edit):
    """What the transcript's template shows. Plain values only: a template lookup on the formset
    itself would try it as a sequence first and build a form for every line."""
    rows = transcript.rows()
    return {
        "transcript_prefix": transcript.prefix,
        "transcript_management_form": transcript.display_management_form(rows),
        "transcript_errors": transcript.non_form_errors() if transcript.is_bound else "",
        "transcript_empty_line": html(transcript.empty_line),
        "transcript_empty_header": html(transcript.empty_header),
        "transcript_rows": rows,
        "transcript_rows_html": mark_safe("".join(html(row) for row in rows)),
        "transcript_problems": [(row, problem) for row in rows for problem in row.problems],
        "transcript_line_count": sum(1 for row in rows if not row.is_header),
        "transcript_section_count": sum(1 for row in rows if row.is_header),
        "speaker_names": transcript.speaker_names(),
        "can_edit_transcript": can_edit,
        "transcript_focus": transcript.data.get("focus", "") if transcript.is_bound else "",
    }
