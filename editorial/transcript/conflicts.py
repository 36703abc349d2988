"""The page that settles a merge's conflicts: each field or transcript line both editors changed
differently, as it was when the page was opened, as the other editor saved it and as this
editor sent it, side by side, with a choice of which to keep. Choosing posts the editor's save
again with the choices; the version shown is sent too, so that a further save by someone else
in the meantime is shown rather than chosen over blindly."""

from django.template.response import TemplateResponse
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from reversion.models import Version

from episodes.models import Episode
from episodes.timecodes import format_seconds

from ..diffs import marked
from ..forms import MERGE_THEIRS, version_token
from .merge import MINE, THEIRS
from .rebase import CHOICE

TEMPLATE = "admin/episodes/episode/merge_conflicts.html"
NOT_POSTED_AGAIN = ("csrfmiddlewaretoken", MERGE_THEIRS)


def _line_text(values):
    """A line's or section's values as one reads them; None: not there."""
    if values is None:
        return {"gone": True}
    if len(values) == 1:
        return {"text": values[0], "section": True}
    text, speaker, time, sec = values
    if not time and sec:
        time = format_seconds(int(sec)) if sec.isdigit() else sec
    return {"text": text, "speaker": speaker, "time": time}


def _row(name, label, kind, base, theirs, mine):
    """One conflict; each side's text with the words it brought in since the base marked."""
    for side in (theirs, mine):
        if not side.get("gone") and not base.get("gone") and kind != "list":
            side["marked"] = marked(base.get("text") or "", side.get("text") or "", ("ins",))
    return {"name": name, "label": label, "kind": kind, "sides": [("base", base), (THEIRS, theirs), (MINE, mine)]}


def _list_text(rows):
    return {"text": "\n".join(" · ".join(value for value in row if value) for row in rows or ()) or "(none)"}


def rows(form, transcript, formsets=()):
    """The conflicts: fields first, then the short lists, then the transcript's lines in order."""
    result = []
    for conflict in getattr(form, "conflicts", ()) or ():
        field = form.fields.get(conflict.key)
        label = field.label if field is not None and field.label else conflict.key
        result.append(
            _row(
                f"{CHOICE}f:{conflict.key}",
                label,
                "field",
                {"text": conflict.base},
                {"text": conflict.theirs},
                {"text": conflict.mine},
            )
        )
    for formset in formsets:
        conflict = getattr(formset, "merge_conflict", None)
        if conflict is not None:
            label = str(formset.model._meta.verbose_name_plural).capitalize()
            sides = (_list_text(conflict.base), _list_text(conflict.theirs), _list_text(conflict.mine))
            result.append(_row(f"{CHOICE}{conflict.key}", label, "list", *sides))
    for conflict in getattr(transcript, "conflicts", ()) or ():
        shown = conflict.theirs or conflict.mine or conflict.base
        label = "Section" if len(shown) == 1 else f"Line at {_line_text(shown).get('time') or '?'}"
        result.append(
            _row(
                f"{CHOICE}{conflict.key}",
                label,
                "line",
                _line_text(conflict.base),
                _line_text(conflict.theirs),
                _line_text(conflict.mine),
            )
        )
    return result


def _who(obj):
    """Who saved the episode last, and when, as the history has it ("" if it does not say)."""
    latest = Version.objects.get_for_object(obj).select_related("revision__user").first()
    if latest is None or latest.revision.user is None:
        return ""
    return f"{latest.revision.user.get_username()}, {localize(template_localtime(latest.revision.date_created))}"


def choice_page(request, context, conflicts, obj):
    """The page, in the admin's frame, carrying what the editor sent."""
    # As stored: the form has put this editor's values on ``obj`` already.
    now, title = Episode.objects.filter(pk=obj.pk).values_list("updated_at", "title").first()
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_POSTED_AGAIN and not name.startswith(CHOICE)
        for value in values
    ]
    context.update(
        {
            "title": f"Choose what to keep: {title}",
            "stored_title": title,
            "subtitle": None,
            "opts": obj._meta,
            "app_label": obj._meta.app_label,
            "conflicts": conflicts,
            "carried": carried,
            "theirs_version": version_token(now),
            "merge_theirs": MERGE_THEIRS,
            "mine": MINE,
            "theirs": THEIRS,
            "lost_files": bool(request.FILES),
            "other": _who(obj),
        }
    )
    return TemplateResponse(request, TEMPLATE, context)
