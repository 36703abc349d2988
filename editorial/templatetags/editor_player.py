"""The player beside the transcript editor: the episode page's embed, for the admin's page."""

from django import template

from episodes import links

register = template.Library()


@register.simple_tag(takes_context=True)
def editor_player_url(context, episode):
    """The embed as the episode page frames it (``links.player_url``), answering this page's
    origin; empty for an episode with no video."""
    request = context.get("request")
    if episode is None or request is None:
        return ""
    return links.player_url(episode.youtube_id, f"{request.scheme}://{request.get_host()}")
