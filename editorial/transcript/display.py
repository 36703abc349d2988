"""The transcript editor's rows as the change page shows them, each line with its problems; on a
page not yet sent, straight from the stored items without building a form per line (the largest
episodes have hundreds)."""

from dataclasses import dataclass

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from episodes.links import youtube_url

from .. import problems
from .items import HEADER, LINE


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
    focus: bool = False  # the row the page opens at, when it is shown again after a save

    @property
    def is_header(self):
        return self.kind == HEADER

    def __post_init__(self):
        # What the inputs show: an empty value, never "None".
        self.v = {name: "" if value is None else value for name, value in self.values.items()}


def rows(formset):
    """The rows of the editor with each line's problems; on an unbound formset, straight from
    the stored items without building a form per line (the largest episodes have 300)."""
    youtube_id = formset.episode.youtube_id
    if formset.is_bound:
        # What was sent, with the rows that were not sent as they are stored, in the order
        # the editor left them; numbered afresh, since the page is sent back whole or by the
        # script, which numbers what it sends itself.
        merged = []
        for index, form in enumerate(formset.forms):
            values = {name: form[name].value() for name in ("kind", "id", "order", "text", "speaker", "time", "sec")}
            values["DELETE"] = form["DELETE"].value() if "DELETE" in form.fields else False
            errors = {name: " ".join(errs) for name, errs in form.errors.items()}
            merged.append((_as_float(values.get("order"), index), 0, index, values, errors, True))
        for key in formset.untouched:
            order = formset.order_of[key]
            merged.append((order, 1, order, formset.by_key[key].initial(order), {}, False))
        merged.sort(key=lambda entry: entry[:3])
        entries = [(index, values, errors, sent) for index, (_, _, _, values, errors, sent) in enumerate(merged)]
    else:
        entries = [(index, initial, {}, False) for index, initial in enumerate(formset.initial)]
    rows = []
    line_values = []
    for index, values, errors, sent in entries:
        kind = values.get("kind") if values.get("kind") in (LINE, HEADER) else LINE
        row = Row(
            index, f"{formset.prefix}-{index}", kind, values, errors, [], deleted=bool(values.get("DELETE")), sent=sent
        )
        if kind == LINE:
            sec = _as_int(values.get("sec"))
            if sec is not None and youtube_id:
                row.youtube = youtube_url(youtube_id, sec)
            if not row.deleted:
                line_values.append((index, values.get("text"), values.get("speaker"), sec, values.get("time")))
        rows.append(row)
    found = problems.transcript_problems(line_values, formset.speakers)
    for row in rows:
        row.problems = found.get(row.index, [])
    if formset.is_bound:
        _mark_focus(rows, formset.data.get("focus") or "")
    return rows


# The row's markup, as one string per part; the values filled in are escaped (``_text``).
_START = (
    '<div id="t-row-{index}" class="{classes}"{dirty}><div class="t-c-order">'
    '<input type="hidden" name="{prefix}-id" value="{id}">'
    '<input class="t-order" inputmode="decimal" name="{prefix}-order" value="{order}" aria-label="Order"></div>'
)
_HEADER = (
    '<div class="t-c-title"><input class="t-title" name="{prefix}-text" value="{text}" aria-label="Section title"'
    ' placeholder="Section title"{focus}>{errors}</div>'
)
_LINE = (
    '<div class="t-c-time"><input class="t-time" name="{prefix}-time" value="{time}" aria-label="Time"></div>'
    '<div class="t-c-sec"><input class="t-sec" inputmode="numeric" pattern="[0-9]*" name="{prefix}-sec"'
    ' value="{sec}" aria-label="Second"></div>'
    '<div class="t-c-speaker"><input class="t-speaker" name="{prefix}-speaker" value="{speaker}"'
    ' list="t-speakers" aria-label="Speaker"></div>'
    '<div class="t-c-text"><textarea class="t-text" name="{prefix}-text" rows="1" aria-label="Text"{focus}>\n'
    "{text}</textarea>{errors}{problems}</div>"
)
_PLAY = '<a class="t-play"{href} target="_blank" title="Hear it on YouTube">▶</a>'
_END = (
    '<div class="t-actions">{play}<label class="t-delete"><input type="checkbox" name="{prefix}-DELETE"{checked}>'
    "delete</label></div></div>\n"
)


def html(row):
    """The row's markup. Built here rather than by a template included once per row, as the
    admin's change list builds its rows: the largest episode has 300 of them, and through the
    template they were a quarter of the change page's time."""
    v = row.v
    classes = f"t-row t-{_text(row.kind)}"
    classes += " t-has-problem" * bool(row.problems) + " t-deleted" * row.deleted + " t-has-error" * bool(row.errors)
    values = {name: _text(v.get(name, "")) for name in ("id", "order", "text", "time", "sec", "speaker")}
    values.update(
        index=_text(row.index),
        prefix=_text(row.prefix),
        classes=classes,
        dirty=' data-dirty="1"' if row.sent else "",
        focus=" autofocus" if row.focus else "",
        errors=_errors(row),
        problems=_problems(row),
        checked=" checked" if row.deleted else "",
        play="",
    )
    if not row.is_header:
        values["play"] = _PLAY.format(href=f' href="{_text(row.youtube)}"' if row.youtube else "")
    middle = _HEADER if row.is_header else _LINE
    return mark_safe(_START.format(**values) + middle.format(**values) + _END.format(**values))


def _problems(row):
    if not row.problems:
        return ""
    items = "".join(f'<li class="t-p-{_text(problem.code)}">{_text(problem)}</li>' for problem in row.problems)
    return f'<ul class="t-problems">{items}</ul>'


def _errors(row):
    if not row.errors:
        return ""
    return '<ul class="errorlist">' + "".join(f"<li>{_text(error)}</li>" for error in row.errors.values()) + "</ul>"


def _text(value):
    """A value as the template shows it: localized (numbers) and escaped."""
    if type(value) is not str:
        value = str(value) if type(value) is int else localize(value)
    return conditional_escape(value)


def _mark_focus(rows, token):
    """A page shown again after a refused save opens at the row being edited: the one the page
    said had the focus, else the first with an error, else the first one sent."""
    kind = HEADER if token[:1] == "h" else LINE

    def focused(row):
        return row.kind == kind and str(row.v.get("id")) == token[1:]

    for wanted in (focused, lambda row: row.errors, lambda row: row.sent):
        row = next((row for row in rows if wanted(row)), None)
        if row is not None:
            row.focus = True
            return


def speaker_names(formset):
    used = {item.obj.speaker for item in formset.items if item.kind == LINE}
    names = formset.speakers.suggestions(sorted(used)) if formset.speakers else sorted(used)
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
