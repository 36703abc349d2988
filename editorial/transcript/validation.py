"""One submitted transcript item, checked: a section needs a title, a line's time and second say
the same thing."""

from django import forms

from episodes import lineids
from episodes.models import TranscriptLine
from episodes.timecodes import format_seconds, parse_time

from .items import HEADER, LINE, posted_kind


class KindInput(forms.HiddenInput):
    """The kind of a row, worked out from the fields it sent (``posted_kind``): the page leaves
    it out, one field fewer per row."""

    def value_from_datadict(self, data, files, name):
        return posted_kind(data, name.removesuffix("-kind"))


class TranscriptItemForm(forms.Form):
    """One section or line. Its fields are built once and shared by every row: Django copies a
    form's fields for each instance, which for a 300-line transcript costs more than validating
    it, and nothing here changes a field per row."""

    shared_fields = {  # noqa: RUF012 - read only, by design shared
        "kind": forms.ChoiceField(choices=[(LINE, "line"), (HEADER, "section")], widget=KindInput),
        "id": forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput),
        "order": forms.FloatField(required=False),
        "text": forms.CharField(required=False, strip=False, widget=forms.Textarea),
        "speaker": forms.CharField(required=False, strip=False),
        "time": forms.CharField(
            required=False, strip=False, max_length=TranscriptLine._meta.get_field("time").max_length
        ),
        "sec": forms.IntegerField(label="second", required=False, min_value=0, max_value=2_000_000_000),
        # A line brought back: the uid it had (a merge sends it, the page never does).
        "uid": forms.CharField(required=False, widget=forms.HiddenInput),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = dict(self.shared_fields)

    def clean_text(self):
        # Browsers send a textarea's line breaks as CRLF; stored text has LF.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def clean_uid(self):
        uid = self.cleaned_data["uid"]
        return uid if lineids.well_formed(uid) else ""

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
