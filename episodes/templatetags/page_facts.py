"""What a public page says about itself and its files: whether a named image is really there,
its canonical address, its structured data."""

from django import template
from django.urls import reverse

from .. import metadata

register = template.Library()


@register.filter
def stored(field_file):
    """``{% with cover=episode.image|stored %}``: the file if the page can show it, else ""."""
    return metadata.stored_file(field_file)


@register.simple_tag(takes_context=True)
def canonical_url(context):
    """The page's one address: its path without the query, but for the page of a list (each
    page of a list is a page of its own to a search engine)."""
    request = context.get("request")
    if request is None:  # a page rendered outside a request (the 503 page) has no address
        return ""
    url = request.build_absolute_uri(request.path)
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        url += f"?page={page.number}"
    return url


@register.filter
def short_bio(guest):
    """``{% with bio=guest|short_bio %}``: the person in a few words (``metadata.short_bio``)."""
    return metadata.short_bio(guest)


@register.simple_tag
def episode_description(episode, guests=()):
    return metadata.episode_description(episode, guests)


@register.simple_tag
def person_description(guest):
    return metadata.person_description(guest)


@register.simple_tag(takes_context=True)
def person_json_ld(context):
    """The person page's ProfilePage, from what the page already has."""
    return metadata.person_json_ld(
        context["request"], context["guest"], context.get("image_url", ""), context.get("social_links", ())
    )


@register.simple_tag(takes_context=True)
def breadcrumbs_json_ld(context, *steps):
    """``{% breadcrumbs_json_ld "People" "episodes:people" guest.name guest.get_absolute_url %}``:
    names and places in pairs after the home page; a place is a path, or a URL's name."""
    trail = []
    for name, place in zip(steps[::2], steps[1::2], strict=True):
        trail.append((str(name), place if str(place).startswith("/") else reverse(place)))
    return metadata.breadcrumbs_json_ld(context["request"], trail)
