"""What a browser would send back from an admin page: the tests and the benchmark submit the
change form exactly as rendered, with one edit, as an editor does."""

import io
import re
from html.parser import HTMLParser

from django.contrib.auth.models import Group
from django.urls import reverse

from archive.importer import Importer
from tests import sites


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.template_depth = 0
        self.fields = []  # (name, value)
        self.textarea = None
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (self.form_id is None or attrs.get("id") == self.form_id):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "template":
            self.template_depth += 1
        if self.template_depth:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value") or "on"))
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = [name, None, None]  # name, first option, selected option
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            if self.select[1] is None:
                self.select[1] = value
            if "selected" in attrs:
                self.select[2] = value

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        if tag == "template" and self.template_depth:
            self.template_depth -= 1
        if tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            # A browser drops the line break that follows <textarea>.
            if text.startswith("\r\n"):
                text = text[2:]
            elif text.startswith("\n"):
                text = text[1:]
            # And it sends a text area's line breaks as CRLF.
            self.fields.append((name, text.replace("\r\n", "\n").replace("\n", "\r\n")))
            self.textarea = None
        if tag == "select" and self.select is not None:
            name, first, selected = self.select
            value = selected if selected is not None else first
            if value is not None:
                self.fields.append((name, value))
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data


def form_fields(html, form_id=None):
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader.fields


def change_form_data(response, form_id="episode_form"):
    """The episode change form as a dict of name -> value, ready to post back."""
    html = response.content.decode() if hasattr(response, "content") else response
    data = {}
    for name, value in form_fields(html, form_id):
        data[name] = value
    return data


# --- what the admin tests share ------------------------------------------------------------------

# A transcript with one of each problem the admin points out, and a header between lines.
TRANSCRIPT = [
    {"line": "Welcome to the show.", "sec": 0, "time": "0:00", "who": "Alexey"},
    {"header": "Background"},
    {"line": "Tell us about yourself.", "sec": 12, "time": "0:12", "who": "Alexey"},
    {"line": "I started in physics.", "sec": 75, "time": "1:15", "who": "Ann"},
    {"line": "Back in time.", "sec": 70, "time": "1:10", "who": "Ann"},
    {"line": "Nobody said this.", "sec": 80, "time": "1:20"},
    {"line": "Mismatched.", "sec": 90, "time": "1:35", "who": "Ann"},
    {"line": "", "sec": 95, "time": "1:35", "who": "Ann"},
    {"line": "Who is this?", "sec": 99, "time": "1:39", "who": "Mallory"},
    {"header": "Data engineering"},
    {"line": "Let us talk about Spark and spark.", "sec": 120, "time": "2:00", "who": "Alexey"},
]


def import_site(root, people, episodes):
    sites.write_site(root, people=people, episodes=episodes)
    report = Importer(include_drafts=True).run([root])
    assert report.ok, [(o.path, o.detail) for o in report.outcomes]
    return report


def editors_group():
    """The group the data migration made; a test that flushed the database (a live-server test)
    leaves none behind, so it is made again the migration's way."""
    import importlib

    from django.apps import apps

    if not Group.objects.filter(name="Editors").exists():
        importlib.import_module("episodes.migrations.0003_editors_group").create_group(apps)
    return Group.objects.get(name="Editors")


def compact(data, keep):
    """The change form as the page's script sends it: only the rows in ``keep`` (form indexes),
    renumbered, and the others listed by key."""
    rows = sorted({int(key.split("-")[1]) for key in data if re.match(r"transcript-\d+-", key)})
    result = {key: value for key, value in data.items() if not re.match(r"transcript-\d+-", key)}
    untouched = []
    for new_index, index in enumerate(keep):
        for key, value in data.items():
            if key.startswith(f"transcript-{index}-"):
                result[key.replace(f"transcript-{index}-", f"transcript-{new_index}-", 1)] = value
    for index in rows:
        if index not in keep:
            untouched.append(("l" if f"transcript-{index}-time" in data else "h") + data[f"transcript-{index}-id"])
    result.update(
        {
            "transcript-TOTAL_FORMS": str(len(keep)),
            "transcript-INITIAL_FORMS": str(len(keep)),
            "transcript-UNTOUCHED": ",".join(untouched),
        }
    )
    return result


def change_url(episode):
    return reverse("admin:episodes_episode_change", args=[episode.pk])


def row_index(data, kind, pk):
    """The form index of the transcript row for a section or line."""
    for key, value in data.items():
        if key.endswith("-id") and key.startswith("transcript-") and value == str(pk):
            index = key.split("-")[1]
            # A line sends its time; a section does not.
            if (f"transcript-{index}-time" in data) == (kind == "line"):
                return int(index)
    raise KeyError((kind, pk))


FIND = "/admin/episodes/episode/find-replace/"


def largest_real_episode():
    """The 2026-06 episode with the most transcript items, counted without parsing YAML."""
    from tests.conftest import corpus_snapshot

    site = corpus_snapshot("2026-06")
    best = max(
        (path for path in (site / "_podcast").glob("*.md") if not path.name.startswith("_")),
        key=lambda path: sum(1 for line in path.open(encoding="utf-8") if line.startswith(("- line:", "- header:"))),
    )
    return site, best


UPLOAD = "/admin/episodes/episode/upload/"


def upload(client, *files, **options):
    payload = [io.BytesIO(content) for _, content in files]
    for handle, (name, _) in zip(payload, files):
        handle.name = name
    return client.post(UPLOAD, {"files": payload, **options})
