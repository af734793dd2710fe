"""The pages of a transfer's messages: writing one (a multipart form that works without
JavaScript; with htmx the thread is swapped for the new one) and downloading a message's file.
Both reach the transfer through runtime/web/scoped.reach on its two schools (another
organisation: 404), audited. The thread itself is shown, and marked read, on the transfer's
page (routes.py); the rules are in messages.py."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from .. import audit
from ..forms.files import content_disposition
from ..state import AppState
from ..web.blocking import in_thread
from ..web.language import request_language
from ..web.pages import page
from ..web.posted import Posted
from . import routes
from .messages import MAX_CHARS, MAX_FILES, MessageRefused, MessageService, reader_of
from .models import MessageAttachment

PURPOSE_WRITE = audit.N_("write a message on the transfer")
PURPOSE_FILE = audit.N_("download a file of a message on the transfer")
PURPOSES = (PURPOSE_WRITE, PURPOSE_FILE)
FILE_FIELDS = tuple(f"file_{n}" for n in range(1, MAX_FILES + 1))


def service_of(popo: AppState, session: Any) -> MessageService:
    return MessageService(session, popo.registry, popo.settings, popo.files)


@post("/transfers/{transfer_id:uuid}/messages")
@in_thread
def post_message(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    transfer_id: FromPath[uuid.UUID],
) -> Response[str] | Redirect:
    """Post a message; a refusal (no text, a file too large or of a type not accepted) is told
    above the form, with the text and the addressee kept and nothing written."""
    language = request_language(request)
    htmx = bool(request.headers.get("hx-request"))
    values = {"to": posted.get("to")[:80], "body": posted.get("body")[: MAX_CHARS * 10]}
    uploads = [posted.uploads[name] for name in FILE_FIELDS if name in posted.uploads]
    with popo.db.session() as session:
        reached = routes.reach_transfer(request, popo, session, transfer_id, PURPOSE_WRITE)
        transfer, who = reached.obj, reached.who
        service = service_of(popo, session)
        reader = reader_of(service.transfers.procedure(transfer), transfer, who)
        address = f"/transfers/{transfer.id}/messages"
        try:
            with session.begin_nested():
                service.post(transfer, reader, values["to"], values["body"], uploads)
        except MessageRefused as refused:
            problems = refused.texts(language)
            if htmx:  # htmx swaps only a 2xx: the form with its problems, in place
                thread = service.view(
                    transfer,
                    reader,
                    language,
                    action=address,
                    files_url=address,
                    values=values,
                    problems=problems,
                )
                return page(request, "transfer_thread.html", thread=thread)
            return routes._transfer_page(
                request,
                popo,
                session,
                transfer,
                who,
                400,
                thread_values=values,
                thread_problems=problems,
            )
        if htmx:
            thread = service.view(
                transfer, reader, language, action=address, files_url=address, posted=True
            )
            return page(request, "transfer_thread.html", thread=thread)
        target = f"/transfers/{transfer.id}?sent=1#messages"
    return Redirect(target, status_code=303)


@get("/transfers/{transfer_id:uuid}/messages/{message_id:uuid}/files/{attachment_id:uuid}")
@in_thread
def download_file(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    transfer_id: FromPath[uuid.UUID],
    message_id: FromPath[uuid.UUID],
    attachment_id: FromPath[uuid.UUID],
) -> Response[bytes]:
    """A message's file, always as a download (never shown inline, whatever its type), for
    those who see the message; 404 for anyone else."""
    with popo.db.session() as session:
        reached = routes.reach_transfer(request, popo, session, transfer_id, PURPOSE_FILE)
        transfer, who = reached.obj, reached.who
        service = service_of(popo, session)
        reader = reader_of(service.transfers.procedure(transfer), transfer, who)
        found = service.attachment(transfer, reader, message_id, attachment_id)
        if found is None:
            raise NotFoundException()  # the audit record is rolled back with the rest
        return download(popo, found)


def download(popo: AppState, attachment: MessageAttachment) -> Response[bytes]:
    """A message's file as a download, whatever its type (never shown in the browser)."""
    return Response(
        popo.files.get(attachment.sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


ROUTES = [post_message, download_file]
