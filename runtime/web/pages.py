"""Answering with a page: HTML responses, a template rendered in the person's language, and the
short message page (a title and a sentence) that refusals, expired links and confirmations
use; with the addresses of the header's language switch."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response

from .language import request_language, templates


def html(content: str, status: int = 200) -> Response[str]:
    """An HTML page; never stored by a browser or proxy (pages may hold pupil data)."""
    return Response(
        content,
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


def language_url(request: Request[Any, Any, Any]) -> Any:
    """The same page in another language (the header's language switch)."""
    return lambda code: f"{request.url.path}?lang={code}"


def home_language_url(code: str) -> str:
    return f"/?lang={code}"


def message_page(
    request: Request[Any, Any, Any],
    language: str,
    title: str,
    message: str,
    status: int = 200,
    **values: Any,
) -> Response[str]:
    """``message.html`` with an already translated title and message. Its language switch
    stays on the page, but for the answer to a POST, whose address is no page: that one
    switches on the home page."""
    switch = language_url(request) if request.method in ("GET", "HEAD") else home_language_url
    content = (
        templates(language)
        .get_template("message.html")
        .render(title=title, message=message, language_url=switch, **values)
    )
    return html(content, status)


def page(
    request: Request[Any, Any, Any], template: str, status: int = 200, **values: Any
) -> Response[str]:
    """``template`` in the request's language, its language switch on the same address."""
    content = (
        templates(request_language(request))
        .get_template(template)
        .render(language_url=language_url(request), **values)
    )
    return Response(content, status_code=status, media_type=MediaType.HTML)
