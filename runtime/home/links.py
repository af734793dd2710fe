"""The links other domains add to the home page, by the person's roles: a domain registers a
callback from its plugin (``@home_links``), so that home imports no domain and a new domain's
pages are found from the home page without changing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..access.accounts import Principal


@dataclass(frozen=True)
class Link:
    href: str
    text: str  # an English msgid, translated on the page
    heading: str  # the msgid of the heading it is listed under


HomeLinks = Callable[[Principal], list[Link]]
HOME_LINKS: list[HomeLinks] = []


def home_links(callback: HomeLinks) -> HomeLinks:
    """Register ``callback``: the links it gives a person are listed on their home page."""
    if callback not in HOME_LINKS:
        HOME_LINKS.append(callback)
    return callback


def links_for(who: Principal) -> dict[str, list[Link]]:
    """The registered links for ``who``, by heading, in the order they were registered."""
    found: dict[str, list[Link]] = {}
    for callback in HOME_LINKS:
        for link in callback(who):
            found.setdefault(link.heading, []).append(link)
    return found
