"""Who sends a request: the session cookie and its principal (on the API, the bearer token's
principal that web/api.py put on the request), the CSRF token, the client's address and the
actor the audit log records. What a route requires of that person is web/guards.py."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Any

from litestar import Request
from litestar.utils.scope.state import ScopeState
from sqlalchemy.orm import Session

from ..access.accounts import Principal, principal
from ..audit import Actor

SESSION_COOKIE = "popo_session"
API_PREFIX = "/api/"
API_PRINCIPAL = "popo_api_principal"  # the request state's key for the token's principal


def is_api(path: str) -> bool:
    """Whether a path is one of the API's (JSON, a bearer token; docs/api.md)."""
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def current(request: Request[Any, Any, Any], session: Session) -> Principal | None:
    """The person logged in with the request's session cookie, if any. On the API it is the
    principal of the request's bearer token instead, never the cookie's: a browser sends its
    cookie to any address, and the API has no anti-forgery token."""
    if is_api(request.url.path):
        found = request.state.get(API_PRINCIPAL)
        return found if isinstance(found, Principal) else None
    return principal(session, request.cookies.get(SESSION_COOKIE))


def csrf_token(request: Request[Any, Any, Any]) -> str:
    token = ScopeState.from_scope(request.scope).csrf_token
    return token if isinstance(token, str) else ""


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(proxy, strict=False) for proxy in proxies)


def _is_proxy(host: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(host)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address(request: Request[Any, Any, Any]) -> str | None:
    """The client's network address: the one place that decides it (login limits, sessions,
    the audit log). ``X-Forwarded-For`` counts only when the request comes from a proxy in
    POPO_TRUSTED_PROXIES; then the address is the last one before the trusted proxies."""
    peer = request.client.host if request.client else None
    popo = request.app.state.get("popo")
    networks = _networks(popo.settings.trusted_proxies) if popo is not None else ()
    if peer is None or not networks or not _is_proxy(peer, networks):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getall("x-forwarded-for", [])
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        try:
            ip_address(hop)
        except ValueError:
            return peer  # a malformed header: the proxy's own address, not a made-up one
        if not _is_proxy(hop, networks):
            return hop[:64]  # an IPv6 address with a zone could be longer than is stored
    return hops[0][:64] if hops else peer


def actor(request: Request[Any, Any, Any], who: Principal | None) -> Actor:
    if who is None:
        return Actor(None, "parent link", "parent", None, address(request))
    role = who.roles[0] if who.roles else None
    if who.api_token is not None:  # the token, by name and organisation; no person's account
        return Actor(
            None,
            who.name,
            role.role if role else None,
            role.organisation_id if role else None,
            address(request),
        )
    return Actor(
        who.user_id,
        who.email,
        role.role if role else None,
        role.organisation_id if role else None,
        address(request),
    )
