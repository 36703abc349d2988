"""Public pages as tests read them: fetching one, parsing its HTML, and the archive loaded for them."""

import re
from html.parser import HTMLParser

from django.core.files.storage import FileSystemStorage
from django.db.models import Count

from archive.importer import Importer
from episodes.models import Episode, Guest, Moved
from tests.conftest import corpus_snapshot


def load_snapshot(name, media_dir):
    """Import a snapshot (drafts too, to prove they stay private); images go to ``media_dir``."""
    path = corpus_snapshot(name)
    report = Importer(include_drafts=True, storage=FileSystemStorage(location=media_dir)).run([path])
    assert report.count("failed") == 0, [o.detail for o in report.outcomes if o.status == "failed"]
    return path


def clear_archive():
    Episode.objects.all().delete()
    Guest.objects.all().delete()
    Moved.objects.all().delete()  # the addresses the deletes just marked gone


class Page(HTMLParser):
    """What the tests look at in a page: every element's tag and attributes, ids, text."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []  # (tag, {attr: value})
        self.ids = []
        self.text_parts = []
        self.raw = html
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def text(self):
        return re.sub(r"\s+", " ", "".join(self.text_parts))

    def find(self, tag=None, **attrs):
        """Elements with that tag whose attributes contain the given values (class_ for class,
        a list of words)."""
        found = []
        for name, attributes in self.elements:
            if tag and name != tag:
                continue
            ok = True
            for key, value in attrs.items():
                key = key.rstrip("_").replace("_", "-")
                if key == "class":
                    ok = ok and value in (attributes.get("class") or "").split()
                else:
                    ok = ok and attributes.get(key) == value
            if ok:
                found.append(attributes)
        return found

    def hrefs(self):
        return [attributes["href"] for name, attributes in self.elements if name == "a" and "href" in attributes]

    def meta(self, prop):
        for name, attributes in self.elements:
            if name == "meta" and (attributes.get("property") == prop or attributes.get("name") == prop):
                return attributes.get("content")
        return None


def get_page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    return Page(response.content.decode())


def largest_episode():
    """The published episode with the most transcript lines."""
    return Episode.objects.published().annotate(n=Count("lines")).order_by("-n", "id").first()


MAX_EPISODE_QUERIES = 8


def get_all_pages(client, url):
    """A paged list, every page of it, following each page's rel=next link."""
    pages = [get_page(client, url)]
    while True:
        following = [a["href"] for a in pages[-1].find("a") if a.get("rel") == "next"]
        if not following:
            return pages
        pages.append(get_page(client, url.split("?")[0] + following[0]))
