"""The transcript as one formset over sections and lines together, because they share one
order: what the page sent, bound to the items as stored, and checked as a whole (every stored
item accounted for, none sent twice, none gone since the page was opened)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from episodes.models import Episode

from ..forms import MERGE_BASE, MERGE_THEIRS, version_token
from . import display, rebase, snapshot
from .items import HEADER, LINE, load_items, posted_kind
from .plan import apply, plan
from .validation import TranscriptItemForm

UNTOUCHED = "UNTOUCHED"


class TranscriptFormSet(forms.BaseFormSet):
    """Sections and lines of one episode, in their shared order (see the module's docstring)."""

    prefix_name = "transcript"

    def __init__(self, data=None, *, episode, speakers=None, **kwargs):
        self.episode = episode
        self.speakers = speakers
        self.conflicts = []
        self.merged = False
        now = self._lock(episode) if data is not None else None
        self.items = load_items(episode)
        self.by_key = {item.key: item for item in self.items}
        self.order_of = {item.key: order for order, item in enumerate(self.items)}
        initial = [item.initial(order) for order, item in enumerate(self.items)]
        if data is not None:
            data = self._rebased(data, now)
        super().__init__(data, prefix=self.prefix_name, initial=initial, **kwargs)
        self.untouched, self.unknown_untouched = self._untouched()
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []

    @staticmethod
    def _lock(episode):
        """The episode's version token now, its row locked until the save's transaction ends, so
        that the items read next are the ones the save is compared with and written over."""
        current = Episode.objects.select_for_update().filter(pk=episode.pk).values_list("updated_at", flat=True)
        return version_token(current.first())

    def _rebased(self, data, now):
        """What the page sent or, when someone else saved after the page was opened, that
        merged with their save (``rebase``): the page's data as if opened after it."""
        base = snapshot.decode(data.get(MERGE_BASE))
        sent = data.get("version") or ""
        if base is None or base.token != sent or sent == now:
            return data
        chosen = rebase.choices(data) if data.get(MERGE_THEIRS) == now else {}
        result = rebase.rebase(data, self.prefix_name, base, self.items, chosen)
        self.conflicts = result.conflicts
        self.merged = True
        return rebase.as_data(data, self.prefix_name, result)

    def _untouched(self):
        """The rows the page says the editor did not touch, sent as their keys alone.

        The editor's script sends only the rows that changed, and lists the others here: a
        one-word correction then posts a few fields instead of thousands. Without the script
        every row is posted and this is empty."""
        if not self.is_bound:
            return [], []
        keys, unknown = [], []
        for token in (self.data.get(f"{self.prefix}-{UNTOUCHED}") or "").split(","):
            token = token.strip()
            if not token:
                continue
            kind = {"l": LINE, "h": HEADER}.get(token[0])
            key = (kind, int(token[1:])) if kind and token[1:].isdigit() else None
            if key in self.by_key:
                keys.append(key)
            else:
                unknown.append(token)
        return keys, unknown

    def get_form_kwargs(self, index):
        # A submitted form is compared with the row it names, whatever its place on the page.
        if self.is_bound:
            kind = posted_kind(self.data, f"{self.prefix}-{index}")
            pk = self.data.get(f"{self.prefix}-{index}-id")
            item = self.by_key.get((kind, int(pk))) if pk and pk.isdigit() else None
            if item is not None:
                return {"initial": item.initial(self.order_of[item.key])}
            return {"initial": {"kind": kind}} if kind in (LINE, HEADER) else {}
        return {}

    def display_management_form(self, rows):
        """The management form for the rows as shown, which a re-shown page numbers afresh."""
        if not self.is_bound:
            return self.management_form
        initial = {
            "TOTAL_FORMS": len(rows),
            "INITIAL_FORMS": len(rows),
            "MIN_NUM_FORMS": 0,
            "MAX_NUM_FORMS": self.max_num,
        }
        return forms.formsets.ManagementForm(
            auto_id=self.auto_id, prefix=self.prefix, initial=initial, renderer=self.renderer
        )

    @property
    def empty_line(self):
        return self._empty_row(LINE)

    @property
    def empty_header(self):
        return self._empty_row(HEADER)

    def _empty_row(self, kind):
        return display.Row("__prefix__", f"{self.prefix}-__prefix__", kind, {"kind": kind}, {}, [])

    def clean(self):
        if self.conflicts:
            raise ValidationError(
                "Someone else changed the same transcript lines since you opened this page; choose "
                "whose version to keep.",
                code="conflict",
            )
        if any(self.errors):
            return
        seen = {}
        for form in self.forms:
            data = form.cleaned_data
            if not data or not data.get("kind"):
                continue
            pk = data.get("id")
            if pk is None:
                continue
            key = (data["kind"], pk)
            if key not in self.by_key:
                raise ValidationError(
                    "A transcript item on this page no longer exists (deleted or re-imported since "
                    "the page was opened). Reload the page and make your changes again.",
                    code="stale",
                )
            if key in seen:
                raise ValidationError("The same transcript item was sent twice; reload the page.", code="invalid")
            seen[key] = form
        if self.unknown_untouched:
            raise ValidationError(
                "Some transcript items on this page no longer exist (deleted or re-imported since "
                "the page was opened). Reload the page and make your changes again.",
                code="stale",
            )
        for key in self.untouched:
            if key in seen:
                raise ValidationError("The same transcript item was sent twice; reload the page.", code="invalid")
            seen[key] = None
        missing = [key for key in self.by_key if key not in seen]
        if missing:
            raise ValidationError(
                f"{len(missing)} transcript item(s) were missing from what the page sent, so nothing "
                "was saved. Reload the page and make your changes again.",
                code="incomplete",
            )

    # --- saving ----------------------------------------------------------------------------------

    def save(self):
        """Write what differs from the stored rows, and nothing else (``plan``, then ``apply``)."""
        self.new_objects, self.changed_objects, self.deleted_objects = apply(plan(self))
        return self.new_objects + [obj for obj, _ in self.changed_objects]

    # --- what the admin's inline machinery asks of a formset ------------------------------------
    # The change page wraps every formset in an InlineAdminFormSet, which iterates its initial
    # and extra forms to gather their media; the editor shows its own rows (``display``), built
    # without a form per line, and has no media of its own.

    @property
    def initial_forms(self):
        return []

    @property
    def extra_forms(self):
        return []

    @property
    def media(self):
        return forms.Media()

    def get_queryset(self):
        return []

    @classmethod
    def get_default_prefix(cls):
        return cls.prefix_name

    # --- showing ----------------------------------------------------------------------------------

    def rows(self):
        return display.rows(self)

    def speaker_names(self):
        return display.speaker_names(self)


TranscriptFormSetFactory = forms.formset_factory(
    TranscriptItemForm,
    formset=TranscriptFormSet,
    extra=0,
    can_delete=True,
    max_num=settings.PODCAST_MAX_TRANSCRIPT_ITEMS,
    absolute_max=settings.PODCAST_MAX_TRANSCRIPT_ITEMS,
)
