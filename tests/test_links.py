"""What counts as a link is one rule: the import accepts a value exactly when the admin's forms
accept it and the pages link it."""

import pytest
from django.core.exceptions import ValidationError

from archive import documents
from archive.documents import DocumentError
from archive.fields import person_fields
from editorial.forms import _check_url
from episodes.links import external_url

ACCEPTED = {
    "https://example.com/a?b=c": "https://example.com/a?b=c",
    "HTTPS://Example.com": "HTTPS://Example.com",
    "www.example.com": "https://www.example.com",
    "example.org/me": "https://example.org/me",
}
REFUSED = [
    "http://localhost:8000/x",
    "javascript:alert(1)",
    "data:text/html,<b>x</b>",
    "ftp://example.com/a",
    "https://user@example.com/",
    "https://exa mple.com",
    "https://example.com:port/",
    "//example.com",
    "https://",
    "example",
]


def imports(value):
    doc = documents.parse(f"---\nshort: ann\ntitle: Ann\nweb: '{value}'\n---\n".encode())
    try:
        person_fields(doc, "ann")
    except DocumentError:
        return False
    return True


def admin_accepts(value):
    try:
        _check_url(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value, link", ACCEPTED.items())
def test_an_address_is_imported_accepted_by_the_admin_and_linked(value, link):
    assert imports(value)
    assert admin_accepts(value)
    assert external_url(value) == link


@pytest.mark.parametrize("value", REFUSED)
def test_what_is_not_an_address_is_refused_by_the_import_and_the_admin_and_never_linked(value):
    assert not imports(value)
    assert not admin_accepts(value)
    assert external_url(value) == ""


@pytest.mark.corpus
def test_the_quick_path_for_usual_addresses_agrees_with_the_rule(monkeypatch):
    # An import checks thousands of addresses, most of one plain shape, recognised at once; the
    # answer must be the full rule's for every address of the real archive and odd ones besides.
    import re

    from episodes import links
    from tests.conftest import SNAPSHOTS, corpus_snapshot

    values = ACCEPTED.keys() | set(REFUSED) | {"https://a.b/\x7f", "https://x.y/é", "https://-a.b", "https://a.b?q=@x"}
    for snapshot in SNAPSHOTS:
        for path in corpus_snapshot(snapshot).glob("_*/*.md"):
            values |= set(
                re.findall(r"(?:url|youtube|spotify|apple|anchor|web): '?(\S+?)'?$", path.read_text(), re.MULTILINE)
            )
    quick = {value: external_url(value) for value in values}
    monkeypatch.setattr(links, "_PLAIN", re.compile(r"(?!)"))  # never matches: the full rule alone
    assert {value: external_url(value) for value in values} == quick
    assert len(values) > 1000
