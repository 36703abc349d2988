"""The editorial admin's forms: the episode with its version token, the forms that keep what is
saved exportable, and the tools' forms. The transcript editor's are in ``transcript``."""

import functools
import mimetypes

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import localize
from django.utils.timezone import template_localtime
from reversion.models import Version

from archive import documents
from archive.documents import DocumentError
from archive.fields import EPISODE_FIELDS, PERSON_FIELDS
from episodes.links import external_url, is_url
from episodes.models import AUDIO_FIELDS, Episode, Guest, PlatformLink

from .transcript import merge, snapshot
from .transcript.rebase import CHOICE

# The change page's hidden fields for a save made after someone else's: what the page was opened
# with (``transcript.snapshot``), and on the page that settles conflicts, the version it showed.
MERGE_BASE, MERGE_THEIRS = "merge_base", "merge_theirs"


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


class MergedListFormSet(forms.BaseInlineFormSet):
    """A short list of the change page (guests, links, clips), which a save made after someone
    else's merges (``transcript.lists``): refused while both changed it differently."""

    def __init__(self, *args, merge_conflict=None, **kwargs):
        self.merge_conflict = merge_conflict
        super().__init__(*args, **kwargs)

    def clean(self):
        if self.merge_conflict is not None:
            raise ValidationError(
                "Someone else changed this list since you opened this page; choose whose version to keep.",
                code="conflict",
            )
        super().clean()


class PlatformLinkFormSet(MergedListFormSet):
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


class PageState(forms.CharField):
    """A hidden field that says what the page was opened with, never a change of the episode:
    the history and the change message leave it out."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def has_changed(self, initial, data):
        return False


class EpisodeForm(FaithfulModelForm):
    """The episode's own fields, plus the version the page was opened at.

    ``updated_at`` is the version: every way the admin changes an episode, transcript included,
    saves or touches the episode row, so a page opened before another save carries an older one.
    """

    version = PageState()
    merge_base = PageState()
    audio_url = forms.URLField(label="audio URL", max_length=1000, required=False, assume_scheme="https")
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
        self.conflicts = []  # merge.Conflict of fields, keyed by name
        self.merged = False
        self._theirs = set()
        if self.instance.pk:
            self.initial["version"] = self.known_version or version_token(self.instance.updated_at)

    @functools.cached_property
    def changed_data(self):
        # After a merge, what this editor changed: not the fields that keep the other's values,
        # which differ from the page as it was opened but not from what is stored.
        changed = super().changed_data
        return [name for name in changed if name not in self._theirs] if self.merged else changed

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._check_version(cleaned.get("version") or "")
        self._clean_audio(cleaned)
        return cleaned

    def _clean_audio(self, cleaned):
        url = cleaned.get("audio_url") or ""
        if url and not external_url(url):
            self.add_error("audio_url", "Give the audio's http(s) address.")
        kind = (cleaned.get("audio_type") or "").strip().lower()
        if url and not kind:
            kind = mimetypes.guess_type(url)[0] or ""
        if url and not kind.startswith(("audio/", "video/")):
            self.add_error("audio_type", "Give the audio's MIME type, such as audio/mpeg.")
        cleaned["audio_type"] = kind if url else ""
        if any(name in self.changed_data for name in AUDIO_FIELDS):
            # Set by hand now: reading the host's feed again leaves it as it is (unless forced).
            self.instance.audio_set_by = Episode.AUDIO_BY_EDITOR if url else ""

    def _check_version(self, token):
        # The row lock holds until the admin's transaction ends, so no other save can slip in
        # between this check and this save.
        current = (
            Episode.objects.select_for_update().filter(pk=self.instance.pk).values_list("updated_at", flat=True).first()
        )
        expected = self.known_version or version_token(current)
        if token == expected:
            return
        base = None if self.known_version else snapshot.decode(self.data.get(MERGE_BASE))
        if base is not None and base.token == token:
            self._merge(base, expected)
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

    def merge_fields(self):
        """The fields a save may merge: the model's, as this form edits them."""
        own = {f.name for f in Episode._meta.concrete_fields}
        return [name for name in self.fields if name in own]

    def _merge(self, base, now):
        """Someone else saved after this page was opened: keep their changes to the fields this
        editor left as they were, and stop at fields both changed differently (``conflicts``)."""
        theirs = Episode.objects.get(pk=self.instance.pk)
        names = [name for name in self.merge_fields() if name in base.fields and name in self.cleaned_data]
        chosen = {}
        if self.data.get(MERGE_THEIRS) == now:
            chosen = {
                name[len(CHOICE) + 2 :]: value for name, value in self.data.items() if name.startswith(CHOICE + "f:")
            }
        merged = merge.merge(
            {name: base.fields[name] for name in names},
            {name: snapshot.field_text(self.cleaned_data[name]) for name in names},
            {name: snapshot.field_text(getattr(theirs, name)) for name in names},
            chosen,
        )
        self.conflicts = merged.conflicts
        if self.conflicts:
            raise ValidationError(
                "Someone else changed the same fields since you opened this page; choose whose version to keep.",
                code="conflict",
            )
        self.merged = True
        self._theirs = {name for name, side in merged.sides.items() if side == merge.THEIRS}
        # Their row, with this editor's changes on it: the fields this form does not show too.
        self.instance.refresh_from_db()
        for name, side in merged.sides.items():
            if side == merge.THEIRS:
                self.cleaned_data[name] = getattr(theirs, name)


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
    prune = forms.BooleanField(
        required=False,
        label="This is the whole site: remove what it does not hold",
        help_text="Episodes and people whose files are not in the upload are removed (their last version stays "
        "in the history, and their pages answer 410 Gone); files under a new name are matched to their episodes.",
    )
    force = forms.BooleanField(
        required=False,
        label="Overwrite episodes changed in the CMS",
        help_text="Otherwise they are reported as conflicts and left as they are. The history keeps what is overwritten.",
    )
