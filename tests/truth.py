"""Reading what a search results page says, for the tests of public pages' truth."""

import re


def hit_urls(page):
    """The episode addresses a search results page lists, in order."""
    return re.findall(r'class="hit__title"><a href="([^"]+)"', page.raw)


def count_shown(page):
    """How many episodes a search results page says match."""
    found = re.search(r"(\d+) episodes? for", page.text)
    return int(found.group(1)) if found else 0
