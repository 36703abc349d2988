"""The editorial admin's forms: the episode with its version token, and the transcript editor.

The transcript is one formset over sections and lines together, because they share one order:
an editor sees and edits them in the order of the file. Saving compares every submitted item
with the row as stored now and writes only what differs, so correcting one word in a
300-line transcript is one UPDATE.
"""

import functools
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from reversion.models import Version

from archive import documents
from archive.documents import DocumentError
from archive.episode_file import MAX_TRANSCRIPT_ITEMS
from archive.fields import EPISODE_FIELDS, PERSON_FIELDS
from episodes.links import is_url, youtube_url
from episodes.models import Episode, Guest, PlatformLink, Section, TranscriptLine
from episodes.timecodes import format_seconds, parse_time

from . import problems

LINE, HEADER = "line", "header"
UNTOUCHED = "UNTOUCHED"
LINE_FIELDS = ("text", "speaker", "sec", "time")


def version_token(updated_at):
    return updated_at.isoformat() if updated_at else ""


class UnixNewlines:
    """Browsers send a text area's line breaks as CRLF; stored text has LF. Normalised as the
    value is read, so an untouched field does not count as changed."""

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _check_url(value):
    if value and not is_url(value):
        raise ValidationError("Give an http(s) address, like https://example.com.")


def _check_link(value):
    """A platform link, by the import's own rule: an http(s) address, or TODO."""
    if value != PlatformLink.TODO and not is_url(value):
        raise ValidationError(
            f"Give an http(s) address, like https://example.com, or {PlatformLink.TODO} for one still to find."
        )


# What "other front matter" may hold: the keys of the file that have no field of their own.
OWN_FIELDS = {Episode: EPISODE_FIELDS, Guest: PERSON_FIELDS}
MAX_FRONT_MATTER = 100_000  # characters; real files hold a few hundred there


def check_front_matter(text, model):
    """The "other front matter" field: YAML, a mapping, and none of the keys that have a field
    of their own (those would be written into the file over the real values)."""
    if not text.strip():
        return
    if len(text) > MAX_FRONT_MATTER:
        raise ValidationError(f"This is {len(text):,} characters long; at most {MAX_FRONT_MATTER:,} fit here.")
    try:
        data = documents.load(text)
    except DocumentError as exc:
        raise ValidationError(f"This is not valid YAML: {exc}. Write one key: value per line.") from None
    if data is None:
        return  # comments only
    if not isinstance(data, dict):
        raise ValidationError("Write keys with their values (key: value, one per line), not a list or a single value.")
    own = [key for key in data if key in OWN_FIELDS[model]]
    if own:
        names = ", ".join(repr(key) for key in own)
        raise ValidationError(
            f"{names} {'has a field' if len(own) == 1 else 'have fields'} of {'its' if len(own) == 1 else 'their'} "
            "own on this page; set it there and remove it here."
        )


@functools.cache
def _with_unix_newlines(widget_class):
    return type(f"UnixNewlines{widget_class.__name__}", (UnixNewlines, widget_class), {})


class FaithfulModelForm(forms.ModelForm):
    """A model form that gives back text exactly as it was sent: no stripping of leading or
    trailing space and no CRLF. A show-notes body starts with a blank line, a file ends with a
    newline, and an episode saved without touching them must export to the same bytes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lenient_urls = set()
        for name, field in list(self.fields.items()):
            if isinstance(field, forms.URLField):
                self._lenient_urls.add(name)
                # Archive files write web sites as people do ("www.example.com"); a URL field
                # would rewrite that as "https://..." on every save. The importer's rule decides.
                self.fields[name] = field = forms.CharField(
                    label=field.label,
                    required=field.required,
                    max_length=field.max_length,
                    help_text=field.help_text or "An http(s) address.",
                    validators=[_check_url],
                )
            if isinstance(field, forms.CharField):
                field.strip = False
                # The admin's own text area widget, kept, with the reading fixed; the form's
                # fields are its own copies, so this changes no other form.
                if isinstance(field.widget, forms.Textarea) and not isinstance(field.widget, UnixNewlines):
                    field.widget.__class__ = _with_unix_newlines(type(field.widget))

    def _get_validation_exclusions(self):
        # The model's URL validator would refuse what the form above accepts on purpose.
        return super()._get_validation_exclusions() | self._lenient_urls

    def clean_extra(self):
        value = self.cleaned_data["extra"]
        check_front_matter(value, self._meta.model)
        return value


class PlatformLinkForm(FaithfulModelForm):
    """A place to listen: the address by the import's rule, so what is saved exports and imports
    back."""

    def clean_url(self):
        value = self.cleaned_data["url"]
        _check_link(value)
        return value


class QuotableClipForm(FaithfulModelForm):
    def clean_url(self):
        value = self.cleaned_data["url"]
        _check_url(value)
        return value


class PlatformLinkFormSet(forms.BaseInlineFormSet):
    """The file keeps links as a mapping of platform to address: one address per platform."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("platform"):
                continue
            if data["platform"] in seen:
                raise ValidationError(f"{data['platform']!r} is listed twice; an episode has one address per platform.")
            seen.add(data["platform"])


class EpisodeForm(FaithfulModelForm):
    """The episode's own fields, plus the version the page was opened at.

    ``updated_at`` is the version: every way the admin changes an episode, transcript included,
    saves or touches the episode row, so a page opened before another save carries an older one.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    # Set by the admin when the page shows an old version being restored: the version the
    # episode had before it was reverted for display, which is what a save must still match.
    known_version = None

    class Meta:
        model = Episode
        fields = "__all__"
        widgets = {  # noqa: RUF012 - Django's Meta
            "title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "intro": forms.Textarea(attrs={"rows": 6}),
            "topics": forms.Textarea(attrs={"rows": 2}),
            "extra": forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField monospace"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_stale = False
        if self.instance.pk:
            self.initial["version"] = self.known_version or version_token(self.instance.updated_at)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_version(cleaned.get("version") or "")
        return cleaned

    def _check_version(self, token):
        # The row lock holds until the admin's transaction ends, so no other save can slip in
        # between this check and this save.
        current = (
            Episode.objects.select_for_update().filter(pk=self.instance.pk).values_list("updated_at", flat=True).first()
        )
        expected = self.known_version or version_token(current)
        if token == expected:
            return
        self.is_stale = True
        who = ""
        latest = Version.objects.get_for_object(self.instance).select_related("revision__user").first()
        if latest is not None and latest.revision.user is not None:
            when = localize(template_localtime(latest.revision.date_created))
            who = f" ({latest.revision.user.get_username()}, {when})"
        raise ValidationError(
            "This episode was saved by someone else%(who)s after you opened this page. "
            "Nothing of yours was saved. Reload the page to see their version, then make your "
            "changes again (copy them from this page first if you need to).",
            code="stale",
            params={"who": who},
        )


# --- the transcript ----------------------------------------------------------------------------------


@dataclass
class Item:
    """A section or a line as stored: what the editor starts from and what a save compares to."""

    kind: str
    obj: object

    @property
    def key(self):
        return (self.kind, self.obj.pk)

    def initial(self, order):
        obj = self.obj
        data = {"kind": self.kind, "id": obj.pk, "order": order}
        if self.kind == HEADER:
            data["text"] = obj.title
        else:
            data.update(text=obj.text, speaker=obj.speaker, sec=obj.sec, time=obj.time)
        return data


def load_items(episode):
    """Sections and lines of an episode in their shared order: two queries, whatever its length."""
    sections = Section.objects.filter(episode=episode).only("id", "episode_id", "position", "title")
    lines = TranscriptLine.objects.filter(episode=episode).only(
        "id", "episode_id", "position", "text", "speaker", "sec", "time", "keys"
    )
    items = [Item(HEADER, s) for s in sections] + [Item(LINE, line) for line in lines]
    # A header before a line at the same position, as the export writes them.
    items.sort(key=lambda item: (item.obj.position, item.kind == LINE))
    return items


def assign_positions(old_positions):
    """Positions for items in their new order, given the positions they have (None for new ones).

    Kept where the order allows, so a moved or inserted line rewrites as few rows as it can;
    renumbered from 0 when there is no room."""
    result = []
    previous = -1
    count = len(old_positions)
    index = 0
    while index < count:
        position = old_positions[index]
        if position is not None:
            if position <= previous:
                return list(range(count))
            result.append(position)
            previous = position
            index += 1
            continue
        end = index
        while end < count and old_positions[end] is None:
            end += 1
        following = old_positions[end] if end < count else None
        room = end - index
        if following is not None and following - previous - 1 < room:
            return list(range(count))
        result.extend(range(previous + 1, previous + 1 + room))
        previous += room
        index = end
    return result


class TranscriptItemForm(forms.Form):
    """One section or line. Its fields are built once and shared by every row: Django copies a
    form's fields for each instance, which for a 300-line transcript costs more than validating
    it, and nothing here changes a field per row."""

    shared_fields = {  # noqa: RUF012 - read only, by design shared
        "kind": forms.ChoiceField(choices=[(LINE, "line"), (HEADER, "section")], widget=forms.HiddenInput),
        "id": forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput),
        "order": forms.FloatField(required=False),
        "text": forms.CharField(required=False, strip=False, widget=forms.Textarea),
        "speaker": forms.CharField(required=False, strip=False),
        "time": forms.CharField(
            required=False, strip=False, max_length=TranscriptLine._meta.get_field("time").max_length
        ),
        "sec": forms.IntegerField(label="second", required=False, min_value=0, max_value=2_000_000_000),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = dict(self.shared_fields)

    def clean_text(self):
        # Browsers send a textarea's line breaks as CRLF; stored text has LF.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("DELETE"):
            return cleaned
        if cleaned.get("kind") == HEADER:
            touched = self._is_new() or "text" in self.changed_data
            if touched and not (cleaned.get("text") or "").strip():
                self.add_error("text", "A section needs a title (or delete it).")
            return cleaned
        self._reconcile_time(cleaned)
        return cleaned

    def _is_new(self):
        return not self.initial.get("id")

    def _reconcile_time(self, cleaned):
        """Keep ``time`` and ``sec`` saying the same thing: whichever the editor changed decides
        the other. A time written differently from its second (``60:08`` for 3608) is left as
        written as long as nobody touches it."""
        if "time" in self.errors or "sec" in self.errors:
            return
        time, sec = cleaned.get("time") or "", cleaned.get("sec")
        time_changed, sec_changed = "time" in self.changed_data, "sec" in self.changed_data
        parsed = parse_time(time) if time else None
        if time and parsed is None:
            self.add_error("time", "Write the time as M:SS or H:MM:SS, e.g. 12:34.")
        elif time_changed and sec_changed:
            if time and sec is not None and parsed != sec:
                self.add_error(
                    "sec",
                    f"{time} is second {parsed}, not {sec}: correct one of them, or clear one to "
                    "have it follow the other.",
                )
            elif not time and sec is not None:
                cleaned["time"] = format_seconds(sec)
            elif time and sec is None:
                cleaned["sec"] = parsed
        elif time_changed:
            cleaned["sec"] = parsed
        elif sec_changed:
            cleaned["time"] = format_seconds(sec)


@dataclass
class Row:
    """One item as the change page shows it."""

    index: int
    prefix: str
    kind: str
    values: dict
    errors: dict
    problems: list
    youtube: str = ""
    deleted: bool = False
    sent: bool = False  # came from a submitted form: the script must send it again

    @property
    def is_header(self):
        return self.kind == HEADER

    def __post_init__(self):
        # What the inputs show: an empty value, never "None".
        self.v = {name: "" if value is None else value for name, value in self.values.items()}


class TranscriptFormSet(forms.BaseFormSet):
    """Sections and lines of one episode, in their shared order (see the module's docstring)."""

    prefix_name = "transcript"

    def __init__(self, data=None, *, episode, speakers=None, **kwargs):
        self.episode = episode
        self.speakers = speakers
        self.items = load_items(episode)
        self.by_key = {item.key: item for item in self.items}
        self.order_of = {item.key: order for order, item in enumerate(self.items)}
        initial = [item.initial(order) for order, item in enumerate(self.items)]
        super().__init__(data, prefix=self.prefix_name, initial=initial, **kwargs)
        self.untouched, self.unknown_untouched = self._untouched()
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []

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
            kind = self.data.get(f"{self.prefix}-{index}-kind")
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
        return Row("__prefix__", f"{self.prefix}-__prefix__", kind, {"kind": kind}, {}, [])

    def clean(self):
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

    # --- saving ---------------------------------------------------------------------------------

    def save(self):
        """Write what differs from the stored rows, and nothing else."""
        kept, deleted = [], {HEADER: [], LINE: []}
        for index, form in enumerate(self.forms):
            data = form.cleaned_data
            if not data or not data.get("kind"):
                continue
            item = self.by_key.get((data["kind"], data.get("id")))
            if data.get("DELETE"):
                if item is not None:
                    deleted[item.kind].append(item.obj)
                continue
            if item is None and not self._has_content(data):
                continue  # an inserted row left blank
            order = data.get("order")
            kept.append((index if order is None else order, index, data, item))
        for key in self.untouched:
            # Untouched rows keep the order they were shown in; nothing of them is compared.
            kept.append((self.order_of[key], -1, None, self.by_key[key]))
        kept.sort(key=lambda entry: (entry[0], entry[1]))
        positions = assign_positions([item.obj.position if item else None for _, _, _, item in kept])

        changed = {HEADER: [], LINE: []}
        fields = {HEADER: set(), LINE: set()}
        created = {HEADER: [], LINE: []}
        for position, (_, _, data, item) in zip(positions, kept):
            if data is None:
                if item.obj.position != position:
                    item.obj.position = position
                    changed[item.kind].append(item.obj)
                    fields[item.kind].add("position")
                continue
            values = self._values(data)
            if item is None:
                model = Section if data["kind"] == HEADER else TranscriptLine
                created[data["kind"]].append(model(episode=self.episode, position=position, **values))
                continue
            obj = item.obj
            values["position"] = position
            differs = [name for name, value in values.items() if getattr(obj, name) != value]
            if differs:
                for name in differs:
                    setattr(obj, name, values[name])
                changed[item.kind].append(obj)
                fields[item.kind].update(differs)
                self.changed_objects.append((obj, [name for name in differs if name != "position"] or ["position"]))

        for kind, model in ((HEADER, Section), (LINE, TranscriptLine)):
            if deleted[kind]:
                model.objects.filter(pk__in=[obj.pk for obj in deleted[kind]]).delete()
                self.deleted_objects += deleted[kind]
            if changed[kind]:
                model.objects.bulk_update(changed[kind], sorted(fields[kind]), batch_size=500)
            if created[kind]:
                self.new_objects += model.objects.bulk_create(created[kind], batch_size=500)
        return self.new_objects + [obj for obj, _ in self.changed_objects]

    @staticmethod
    def _has_content(data):
        return any((data.get(name) or "") for name in ("text", "speaker", "time")) or data.get("sec") is not None

    @staticmethod
    def _values(data):
        if data["kind"] == HEADER:
            return {"title": data.get("text") or ""}
        return {
            "text": data.get("text") or "",
            "speaker": data.get("speaker") or "",
            "sec": data.get("sec"),
            "time": data.get("time") or "",
        }

    # --- showing ---------------------------------------------------------------------------------

    def rows(self):
        """The rows of the editor with each line's problems; on an unbound formset, straight from
        the stored items without building a form per line (the largest episodes have 300)."""
        youtube_id = self.episode.youtube_id
        if self.is_bound:
            # What was sent, with the rows that were not sent as they are stored, in the order
            # the editor left them; numbered afresh, since the page is sent back whole or by the
            # script, which numbers what it sends itself.
            merged = []
            for index, form in enumerate(self.forms):
                values = {
                    name: form[name].value() for name in ("kind", "id", "order", "text", "speaker", "time", "sec")
                }
                values["DELETE"] = form["DELETE"].value() if "DELETE" in form.fields else False
                errors = {name: " ".join(errs) for name, errs in form.errors.items()}
                merged.append((_as_float(values.get("order"), index), 0, index, values, errors, True))
            for key in self.untouched:
                order = self.order_of[key]
                merged.append((order, 1, order, self.by_key[key].initial(order), {}, False))
            merged.sort(key=lambda entry: entry[:3])
            entries = [(index, values, errors, sent) for index, (_, _, _, values, errors, sent) in enumerate(merged)]
        else:
            entries = [(index, initial, {}, False) for index, initial in enumerate(self.initial)]
        rows = []
        line_values = []
        for index, values, errors, sent in entries:
            kind = values.get("kind") if values.get("kind") in (LINE, HEADER) else LINE
            row = Row(
                index, f"{self.prefix}-{index}", kind, values, errors, [], deleted=bool(values.get("DELETE")), sent=sent
            )
            if kind == LINE:
                sec = _as_int(values.get("sec"))
                if sec is not None and youtube_id:
                    row.youtube = youtube_url(youtube_id, sec)
                if not row.deleted:
                    line_values.append((index, values.get("text"), values.get("speaker"), sec, values.get("time")))
            rows.append(row)
        found = problems.transcript_problems(line_values, self.speakers)
        for row in rows:
            row.problems = found.get(row.index, [])
        return rows

    def speaker_names(self):
        used = {item.obj.speaker for item in self.items if item.kind == LINE}
        names = self.speakers.suggestions(sorted(used)) if self.speakers else sorted(used)
        return names


def _as_float(value, default):
    try:
        return float(value)
    except (TypeError, ValueError):
        return float(default)


def _as_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


TranscriptFormSetFactory = forms.formset_factory(
    TranscriptItemForm,
    formset=TranscriptFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_TRANSCRIPT_ITEMS,
    absolute_max=MAX_TRANSCRIPT_ITEMS,
)


# --- the tools -------------------------------------------------------------------------------------


class RenameSpeakerForm(forms.Form):
    old = forms.ChoiceField(label="Speaker")
    new = forms.CharField(label="New name", max_length=200)

    def __init__(self, *args, speakers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old"].choices = [
            (name, f"{name or '(no speaker)'} — {count} line{'s' * (count != 1)}") for name, count in speakers
        ]

    def clean_new(self):
        new = self.cleaned_data["new"].strip()
        if not new:
            raise ValidationError("Give the new name.")
        return new


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".md,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        help_text="Episode .md files, or a .zip of a site folder (its _podcast/ and _people/ folders).",
    )
    include_drafts = forms.BooleanField(
        required=False, label="Import drafts", help_text="Files whose name starts with _ are imported as unpublished."
    )
    force = forms.BooleanField(
        required=False,
        label="Overwrite episodes changed in the CMS",
        help_text="Otherwise they are reported as conflicts and left as they are. The history keeps what is overwritten.",
    )
