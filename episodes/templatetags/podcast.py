from django import template

from .. import links, markup, site
from ..timecodes import format_seconds, parse_duration

register = template.Library()


@register.simple_tag
def site_name():
    return site.name()


@register.filter
def markdown(text, taken=()):
    """``{{ episode.body|markdown:transcript.anchors }}``: the body, its heading ids kept clear of
    the ids the page already has."""
    return markup.render_markdown(text, taken or ())


@register.filter
def youtube_at(video_id, seconds):
    """``{{ episode.youtube_id|youtube_at:line.seconds }}``: the video at that second."""
    return links.youtube_url(video_id, seconds)


@register.filter
def external_url(value):
    return links.external_url(value)


@register.filter
def running_time(duration):
    """ISO 8601 'PT00H58M42S' -> '58:42'; "" when it is not such a duration."""
    return format_seconds(parse_duration(duration))
