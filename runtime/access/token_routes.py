"""The page of an organisation's API tokens (docs/api.md): its directeur (a school), its
bestuur account (a board) or its SWV account lists the organisation's tokens, makes one (a
name and the role it acts as; the secret is shown this once) and revokes one after a
confirmation. Plain forms: it works without JavaScript."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from sqlalchemy.orm import Session

from renderers import i18n

from .. import audit
from ..organisations.models import Organisation
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from ..web.pages import html, language_url
from ..web.posted import Posted
from . import tokens
from .accounts import Principal
from .models import ApiToken

PAGE = "/organisation/api-tokens"


def _manager(request: Request[Any, Any, Any], session: Session) -> tuple[Principal, Organisation]:
    """The logged-in manager of an organisation's tokens and that organisation; 404 for
    everyone else (the page does not exist for them)."""
    who = guards.logged_in(request, session)
    organisation_id = tokens.managed_organisation(who)
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None:
        raise NotFoundException()
    return who, organisation


def _page(
    request: Request[Any, Any, Any],
    session: Session,
    organisation: Organisation,
    status: int = 200,
    **values: Any,
) -> Response[str]:
    language = request_language(request)
    roles = {role: audit.role_text(language, role) for role in tokens.roles_for(organisation.kind)}
    content = (
        templates(language)
        .get_template("api_tokens.html")
        .render(
            organisation=organisation,
            tokens=tokens.of_organisation(session, organisation.id),
            roles=roles,
            max_name=tokens.MAX_NAME,
            language_url=language_url(request),
            **{"errors": {}, "values": {}, "created": None, "notice": None, **values},
        )
    )
    return html(content, status)


@get(PAGE)
@in_thread
def tokens_page(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    with popo.db.session() as session:
        _, organisation = _manager(request, session)
        return _page(request, session, organisation)


@post(PAGE)
@in_thread
def create_token(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
) -> Response[str]:
    """A new token, its secret shown this once; a wrong value is named, what was typed kept."""
    language = request_language(request)
    values = {"name": (posted.get("name") or "").strip(), "role": posted.get("role") or ""}
    with popo.db.session() as session:
        who, organisation = _manager(request, session)
        try:
            token, secret = tokens.create(
                session, organisation, values["name"], values["role"], who.user_id
            )
        except tokens.TokenRefused as refused:
            message = {
                "name": i18n.gettext(
                    language, "Give the token a name of at most %(max)s characters."
                )
                % {"max": tokens.MAX_NAME},
                "role": i18n.gettext(language, "Choose the role the token acts as."),
            }[refused.reason]
            return _page(
                request, session, organisation, 400, errors={refused.reason: message}, values=values
            )
        return _page(
            request, session, organisation, 201, created={"token": token, "secret": secret}
        )


def _own_token(session: Session, organisation: Organisation, token_id: uuid.UUID) -> ApiToken:
    """One of the organisation's own tokens; any other id is a page not found."""
    found = tokens.one_of(session, organisation.id, token_id)
    if found is None:
        raise NotFoundException()
    return found


def _question(request: Request[Any, Any, Any], token: ApiToken) -> Response[str]:
    language = request_language(request)
    content = (
        templates(language)
        .get_template("api_token_revoke.html")
        .render(
            token=token,
            role=audit.role_text(language, token.role),
            language_url=language_url(request),
        )
    )
    return html(content)


@get(PAGE + "/{token_id:uuid}/revoke")
@in_thread
def revoke_question(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token_id: FromPath[uuid.UUID]
) -> Response[str]:
    """What revoking a token means, and a button to confirm."""
    with popo.db.session() as session:
        _, organisation = _manager(request, session)
        return _question(request, _own_token(session, organisation, token_id))


@post(PAGE + "/{token_id:uuid}/revoke")
@in_thread
def revoke(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token_id: FromPath[uuid.UUID],
) -> Response[str]:
    """Revokes the token when confirmed; without the confirmation it asks first."""
    language = request_language(request)
    with popo.db.session() as session:
        who, organisation = _manager(request, session)
        token = _own_token(session, organisation, token_id)
        if posted.get("confirm") != "yes":
            return _question(request, token)
        tokens.revoke(session, token, who.user_id)
        message = i18n.gettext(
            language,
            "The token %(name)s is revoked: a system that calls POPO with it is refused from "
            "now on.",
        ) % {"name": token.name}
        return _page(request, session, organisation, notice=message)


ROUTES = [tokens_page, create_token, revoke_question, revoke]
