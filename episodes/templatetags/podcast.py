from django import template

from .. import links, markup, site
from ..timecodes import format_seconds, length_label, parse_duration

register = template.Library()


@register.simple_tag
def site_name():
    return site.name()


@register.simple_tag
def markdown(text, under, taken=()):
    """``{% markdown episode.intro under=1 taken=transcript.anchors %}``: the body as it sits under
    the page's ``h<under>``, its headings from one level below it (see ``markup.nest_headings``)
    and their ids kept clear of the ids the page already has."""
    return markup.render_markdown(text, taken or (), under=int(under))


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


@register.filter
def talk_time(milliseconds):
    """``{{ voice.talk_ms|talk_time }}``: 3725000 -> '1 h 02 min' (see ``timecodes.length_label``)."""
    return length_label(round(milliseconds / 1000)) if milliseconds is not None else ""
