"""HTTP routes for filling forms. Each route translates a request into service calls and
renders the result; the same routes serve staff (``/drafts/{id}``) and parents on a secret
link (``/r/{token}``), and work with and without JavaScript (htmx)."""

from __future__ import annotations

import functools
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, ParamSpec
from urllib.parse import quote

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from markupsafe import Markup, escape

from engine.evaluate import FormState, template_of
from engine.messages import localize
from renderers import i18n
from renderers.html import FormView, form_token, html_id

from ..access.accounts import Principal
from ..definitions import FormEntry
from ..lru import LRU
from ..refusals import ReadOnly
from ..state import AppState
from ..statuses.workflow import TransitionRefused
from ..web import guards, identity, scoped
from ..web.blocking import in_thread
from ..web.language import asked_language, request_language, templates
from ..web.pages import html, language_url, message_page
from ..web.posted import Posted
from . import archive
from .files import content_disposition, size_text
from .models import Draft, PublicLink, Submission
from .service import (
    CHANGE_LOAD,
    REVISION_FIELD,
    Applied,
    BadRowAction,
    FormsService,
    NotFound,
    NotYet,
    confirmation,
    granted,
    panels,
    posted_revision,
    private_forms,
    service_for,
)
from .status import DraftStatus

log = logging.getLogger("popo.forms")
P = ParamSpec("P")

FIELD_HEADER = "X-POPO-Field"  # set by static/popo.js on every htmx change request

DRAFT_PATHS = ("/drafts/{ref:str}", "/r/{ref:str}")
PARENT_PATHS = ("/r/", "/start/", "/p/", "/ouders")  # a parent's pages: public links, no account


def paths(suffix: str) -> list[str]:
    return [base + suffix for base in DRAFT_PATHS]


@dataclass
class Context:
    """A draft as reached by this request: by its id (staff) or a parent's resume link."""

    service: FormsService
    draft: Draft
    entry: FormEntry
    base_url: str
    link: PublicLink | None
    resume_token: str | None
    principal: Principal | None = None
    writes: bool = False  # the person may change the draft (a writing role, or their own link)
    # templates drawn instead of the runtime's, and what they are rendered with besides the page
    # (the consultant's preview draws its own around the same pages: runtime/authoring/preview.py)
    template_names: dict[str, str] = field(default_factory=dict)
    page_values: dict[str, Any] = field(default_factory=dict)

    def template(self, name: str) -> str:
        return self.template_names.get(name, name)


@contextmanager
def open_draft(
    request: Request[Any, Any, Any],
    popo: AppState,
    ref: str,
    purpose: str | None = "fill in the form",
    grantable: bool = False,
) -> Iterator[Context]:
    """The draft this request reaches, in one database transaction (committed on success).

    Staff reach drafts of the organisations they may see (web/scoped.py: anything else is 404,
    never its data); parents reach their own draft through a resume link. Every access is
    audited, but for a request that reads nothing of the pupil (``purpose=None``)."""
    with popo.db.session() as session:
        service = service_for(popo, session)
        try:
            if request.url.path.startswith("/r/"):
                ctx = _by_link(request, popo, service, ref, purpose)
            else:
                reached = reach_draft(request, popo, service, ref, purpose, grantable)
                draft = reached.obj
                base = f"/drafts/{draft.id}"
                entry = service.entry(draft)
                ctx = Context(service, draft, entry, base, None, None, reached.who, reached.writes)
        except (NotFound, ValueError) as exc:
            raise NotFoundException() from exc
        language = asked_language(request)
        if language is not None:
            service.set_language(ctx.draft, language)
        yield ctx


def reach_draft(
    request: Request[Any, Any, Any],
    popo: AppState,
    service: FormsService,
    ref: str,
    purpose: str | None,
    grantable: bool = False,
) -> scoped.Reached[Draft]:
    """The draft a member of staff reaches by its organisation (404 otherwise); for a
    ``grantable`` read of a sent form (its page, PDF, OSO export), also one another domain
    grants them (service.on_grant: the new school's OKR of a transfer), audited as such, or
    NotYet with when it will be."""
    session = service.session
    private = sorted(private_forms(popo.registry))
    try:
        return scoped.reach(
            request,
            session,
            popo.audit_key,
            Draft,
            ref,
            column=Draft.organisation_id,
            purpose=purpose,
            detail=lambda draft: draft.form_id,
            pupil=service.pupil,
            options=CHANGE_LOAD if scoped.changes(request) else (),
            writers_only=Draft.form_id.in_(private) if private else None,
        )
    except NotFoundException:
        if not grantable or purpose is None or scoped.changes(request):
            raise
        who = guards.logged_in(request, session)
        try:
            draft = session.get(Draft, uuid.UUID(ref))
        except ValueError:
            draft = None
        if draft is None or draft.form_id in private or not granted(session, who, draft, purpose):
            raise
        scoped.record(
            request,
            session,
            popo.audit_key,
            who,
            False,
            "draft",
            str(draft.id),
            f"{purpose}: {draft.form_id} (transfer hand-over)",
            service.pupil(draft),
        )
        return scoped.Reached(draft, who, False)


def not_yet_page(fn: Callable[P, Awaitable[Any]]) -> Callable[P, Awaitable[Any]]:
    """A grantable route's answer when the form will be readable later: a page saying when."""

    @functools.wraps(fn)
    async def handler(*args: P.args, **kwargs: P.kwargs) -> Any:
        try:
            return await fn(*args, **kwargs)
        except NotYet as exc:
            request = kwargs["request"]
            assert isinstance(request, Request)
            language = request_language(request)
            return message_page(
                request, language, localize(exc.title, language), exc.text(language), 403
            )

    return handler


def _by_link(
    request: Request[Any, Any, Any],
    popo: AppState,
    service: FormsService,
    ref: str,
    purpose: str | None,
) -> Context:
    """A parent's draft, reached with its resume link (no account: the link is the key)."""
    link = service.link(ref, "resume")
    if link.draft_id is None:
        raise NotFound(ref)
    draft = service.draft(link.draft_id, for_update=scoped.changes(request))
    entry = service.entry(draft)
    if purpose is not None:
        scoped.record(
            request,
            service.session,
            popo.audit_key,
            None,
            scoped.changes(request),
            "draft",
            str(draft.id),
            f"{purpose}: {draft.form_id}",
            pupil=service.pupil(draft),
        )
    return Context(service, draft, entry, f"/r/{quote(ref)}", link, ref, writes=True)


def files_by_key(ctx: Context, form_state: FormState) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for key, value in form_state.value.items():
        if not value or ctx.entry.form.by_key.get(template_of(key)) is None:
            continue
        if ctx.entry.form.by_key[template_of(key)].kind != "file":
            continue
        for item in value if isinstance(value, list) else [value]:
            if "id" in item:
                result.setdefault(key, []).append(
                    {
                        "name": item["name"],
                        "url": f"{ctx.base_url}/files/{item['id']}",
                        "size_text": size_text(int(item.get("size", 0))),
                    }
                )
    return result


def view_of(ctx: Context, form_state: FormState) -> FormView:
    return FormView(
        ctx.entry.form,
        form_state,
        ctx.draft.language,
        show_errors=ctx.draft.attempted_pages,
        files=files_by_key(ctx, form_state),
        held=held_errors(ctx.draft),
    )


def held_errors(draft: Draft) -> set[str]:
    """Fields whose errors wait until the person tries to leave their page again (they arrived
    with the last try; see FormsService.unseen)."""
    return {
        key for mark in draft.attempted_pages.values() if isinstance(mark, list) for key in mark
    }


def parents_school(ctx: Context) -> str:
    """The school a parent registers with (their link's organisation); nothing for staff."""
    if ctx.link is None:
        return ""
    return ctx.service.organisation_name(ctx.link.organisation_id or ctx.draft.organisation_id)


# Rendered pages by everything that decides their content: the draft's revision (its answers),
# the page, the language, which pages show their errors, the address and today's date.
# A cached page holds nothing of the session that rendered it: it is rendered with a
# placeholder for the anti-forgery token, and each request puts in its own.
_PAGES: LRU[tuple[Any, ...], str] = LRU(512)
_TOKEN_PLACEHOLDER = f"popo-form-token-{secrets.token_hex(16)}"


def page_cache_key(ctx: Context, page_id: str) -> tuple[Any, ...]:
    return (
        ctx.draft.id,
        ctx.draft.revision,
        page_id,
        ctx.draft.language,
        tuple(sorted((page, str(mark)) for page, mark in ctx.draft.attempted_pages.items())),
        ctx.base_url,
        ctx.link.id if ctx.link else None,
        ctx.service.today(),
    )


def cached_page(request: Request[Any, Any, Any], ctx: Context, page_id: str) -> Response[str]:
    key = (*page_cache_key(ctx, page_id), str(request.base_url))  # the resume link's host
    content = _PAGES.get(key)
    if content is None:
        reset = form_token.set(_TOKEN_PLACEHOLDER)
        try:
            state = ctx.service.state(ctx.draft, ctx.entry)
            content = render_page_html(request, ctx, state, page_id)
        finally:
            form_token.reset(reset)
        _PAGES.put(key, content)
    return html(content.replace(_TOKEN_PLACEHOLDER, str(escape(identity.csrf_token(request)))))


def render_page(
    request: Request[Any, Any, Any],
    ctx: Context,
    form_state: FormState,
    page_id: str,
    applied: Applied | None = None,
) -> Response[str]:
    return html(render_page_html(request, ctx, form_state, page_id, applied))


def render_page_html(
    request: Request[Any, Any, Any],
    ctx: Context,
    form_state: FormState,
    page_id: str,
    applied: Applied | None = None,
) -> str:
    """A page of the form; with ``applied``, the answers of this post that were not saved
    (another person's newer answer, or too long) are shown as typed, with the reason."""
    problems = Problems(ctx, applied) if applied is not None else None
    view = problems.view if problems is not None else view_of(ctx, form_state)
    pages = view.pages()
    visible = [p.id for p in pages if p.visible]
    if page_id not in visible:
        raise NotFoundException()
    index = visible.index(page_id)
    resume_url = resume_expires = None
    if ctx.resume_token and ctx.link is not None:
        resume_url = str(request.base_url).rstrip("/") + ctx.base_url
        resume_expires = ctx.link.expires_at
    page = view.page(page_id)
    errors = view.error_summary(page_id)
    if problems is not None:
        errors = problems.attach(page) + errors
    content = (
        templates(ctx.draft.language)
        .get_template(ctx.template("form_page.html"))
        .render(
            **ctx.page_values,
            form_title=view.t(ctx.entry.form.definition.title),
            pages=pages,
            page=page,
            errors=errors,
            draft_url=ctx.base_url,
            revision=ctx.draft.revision,
            previous_page=visible[index - 1] if index > 0 else None,
            next_page=visible[index + 1] if index + 1 < len(visible) else None,
            resume_url=resume_url,
            resume_expires=resume_expires,
            school_name=parents_school(ctx),
            language_url=language_url(request),
        )
    )
    return content


class Problems:
    """Answers a post did not save, drawn at their fields: a conflict with another person's
    newer answer (both values, and the choice), or a value refused as too long."""

    def __init__(self, ctx: Context, applied: Applied) -> None:
        self.ctx = ctx
        self.language = ctx.draft.language
        self.conflicts = {c.key: c for c in applied.conflicts}
        self.refused = applied.refused
        typed = {c.key: c.yours for c in applied.conflicts}
        typed.update({key: refusal.yours for key, refusal in applied.refused.items()})
        # what the person typed stays on the screen (nothing lost), though not saved
        self.view = view_of(ctx, ctx.service.preview(ctx.draft, ctx.entry, typed))

    def attach(self, page: Any) -> list[tuple[str, str]]:
        """Put each problem on its field of ``page``; the items for the error summary."""
        items = []
        for section in page.sections:
            for view in _all_fields(section.fields):
                items.extend(self.attach_field(view))
        return items

    def attach_field(self, view: Any) -> list[tuple[str, str]]:
        items: list[tuple[str, str]] = []
        conflict = self.conflicts.get(view.key)
        if conflict is not None:
            node = self.ctx.entry.form.by_key[template_of(view.key)]
            view.conflict = {
                "saved": self.text(node, conflict.saved),
                "yours": self.text(node, conflict.yours),
                "revision": conflict.revision,
            }
            text = i18n.gettext(
                self.language, "Someone else changed this answer after you opened the page."
            )
            items.append((f"{view.id}-conflict", f"{view.label}: {text}"))
        refused = self.refused.get(view.key)
        if refused is not None:
            view.errors = [refused.message.text(self.language)]
            items.append((view.id, f"{view.label}: {view.errors[0]}"))
        return items

    def text(self, node: Any, raw: Any) -> str:
        """An answer as the person reads it: choices by their label."""
        if raw is None or raw == "" or raw == []:
            return i18n.gettext(self.language, "(empty)")
        if node.kind == "yesno":
            yes, no = i18n.gettext(self.language, "Yes"), i18n.gettext(self.language, "No")
            return yes if raw == "true" else no
        if node.choices:
            labels = {c.value: self.view.t(c.label) for c in node.choices}
            items = raw if isinstance(raw, list) else [raw]
            return ", ".join(labels.get(str(v), str(v)) for v in items)
        return str(raw)


def _all_fields(fields: list[Any]) -> Iterator[Any]:
    for view in fields:
        yield view
        for row in view.group_rows:
            yield from _all_fields(row.fields)


def revision_input(revision: int, oob: bool = False) -> str:
    """The draft revision a page shows (see FormsService.apply)."""
    swap = ' hx-swap-oob="true"' if oob else ""
    return (
        f'<input type="hidden" name="{REVISION_FIELD}" id="draft-revision" '
        f'value="{revision}"{swap}>'
    )


def sent(request: Request[Any, Any, Any], ctx: Context) -> Response[str] | Redirect:
    """A sent form never changes: a request that would change it gets the submission page
    (htmx: the page is replaced by it)."""
    target = f"{ctx.base_url}/submission"
    if request.headers.get("HX-Request"):
        return Response(
            "",
            status_code=200,
            media_type=MediaType.HTML,
            headers={"HX-Redirect": target, "Cache-Control": "no-store"},
        )
    return Redirect(target, status_code=303)


def refused_action(request: Request[Any, Any, Any], ctx: Context) -> Response[str]:
    """A row action the form does not have (or past its bounds): 400, nothing changed."""
    language = ctx.draft.language
    return message_page(
        request,
        language,
        i18n.gettext(language, "This cannot be done on this form"),
        i18n.gettext(
            language, "The form has no such row, or no more rows can be added. Nothing was changed."
        ),
        400,
    )


def first_page(ctx: Context, form_state: FormState) -> str:
    return next(p for p in ctx.entry.form.pages if form_state.pages[p].visible)


# ---------------------------------------------------------------------- routes


@get(paths(""))
@in_thread
def draft_home(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Redirect:
    with open_draft(request, popo, ref) as ctx:
        form_state = ctx.service.state(ctx.draft, ctx.entry)
        if ctx.draft.status == DraftStatus.SUBMITTED:
            return Redirect(f"{ctx.base_url}/submission", status_code=303)
        return Redirect(f"{ctx.base_url}/pages/{first_page(ctx, form_state)}", status_code=303)


@get(paths("/pages/{page_id:str}"))
@in_thread
def show_page(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    ref: FromPath[str],
    page_id: FromPath[str],
) -> Response[str] | Redirect:
    with open_draft(request, popo, ref) as ctx:
        if ctx.draft.status == DraftStatus.SUBMITTED:
            return Redirect(f"{ctx.base_url}/submission", status_code=303)
        return cached_page(request, ctx, page_id)


@post(paths("/pages/{page_id:str}"))
@in_thread
def save_page(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    ref: FromPath[str],
    page_id: FromPath[str],
) -> Response[str] | Redirect:
    with open_draft(request, popo, ref) as ctx:
        if ctx.draft.status == DraftStatus.SUBMITTED:
            return sent(request, ctx)
        return save_posted(request, ctx, page_id, posted)


def save_posted(
    request: Request[Any, Any, Any], ctx: Context, page_id: str, posted: Posted
) -> Response[str] | Redirect:
    """A page posted without JavaScript (or a button pressed): save it, then go where the
    button leads (a row added or removed, the previous or next page, the check page), or show
    the page again with its errors."""
    data, uploads, action = posted.values, posted.uploads, posted.action
    before = ctx.service.state(ctx.draft, ctx.entry)  # the page as the person saw it
    rows = action.startswith(("add_row:", "remove_row:"))
    if rows:
        try:
            ctx.service.row_action(ctx.draft, ctx.entry, before, page_id, action)
        except BadRowAction:
            return refused_action(request, ctx)
    keep = action.split(":", 1)[1] if action.startswith("keep_saved:") else None
    applied = ctx.service.apply(
        ctx.draft, ctx.entry, page_id, data, uploads, skip=frozenset([keep] if keep else [])
    )
    form_state = applied.state
    if applied.conflicts or applied.refused:
        return render_page(request, ctx, form_state, page_id, applied)
    if rows:
        # (refused if what was posted with it changed the page, e.g. hid the group)
        with suppress(BadRowAction):
            ctx.service.change_rows(ctx.draft, ctx.entry, form_state, page_id, action)
        after = ctx.service.state(ctx.draft, ctx.entry)  # a new row's fields are unseen
        ctx.service.hold(ctx.draft, page_id, ctx.service.unseen(ctx.entry, before, after, page_id))
        return Redirect(
            f"{ctx.base_url}/pages/{page_id}#{html_id(action.split(':', 1)[1])}",
            status_code=303,
        )
    if keep is not None:  # the other person's answer stays; the rest of the page is saved
        return Redirect(f"{ctx.base_url}/pages/{page_id}#{html_id(keep)}", status_code=303)
    visible = [p for p in ctx.entry.form.pages if form_state.pages[p].visible]
    if action == "previous" and page_id in visible and visible.index(page_id) > 0:
        return Redirect(
            f"{ctx.base_url}/pages/{visible[visible.index(page_id) - 1]}", status_code=303
        )
    ctx.service.attempt(
        ctx.draft, page_id, ctx.service.unseen(ctx.entry, before, form_state, page_id)
    )
    if page_id in form_state.pages and not form_state.pages[page_id].complete:
        return render_page(request, ctx, form_state, page_id)  # the error summary takes focus
    if action == "next" and page_id in visible and visible.index(page_id) + 1 < len(visible):
        return Redirect(
            f"{ctx.base_url}/pages/{visible[visible.index(page_id) + 1]}", status_code=303
        )
    return Redirect(f"{ctx.base_url}/check", status_code=303)


@post(paths("/pages/{page_id:str}/change"))
@in_thread
def change_page(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    ref: FromPath[str],
    page_id: FromPath[str],
) -> Response[str] | Redirect:
    """htmx: save one change and return only the parts of the page whose state changed."""
    # The field that changed, named by static/popo.js. The request carries the whole form, but
    # only that field is saved: a request that arrives late never overwrites newer answers.
    trigger = request.headers.get(FIELD_HEADER) or ""
    with open_draft(request, popo, ref) as ctx:
        if not trigger:
            raise ClientException(f"a change request names its field in the {FIELD_HEADER} header")
        if ctx.draft.status == DraftStatus.SUBMITTED:
            return sent(request, ctx)
        return html("\n".join(change_fragments(ctx, page_id, posted, trigger)))


def change_fragments(ctx: Context, page_id: str, posted: Posted, trigger: str) -> list[str]:
    """Save the one field ``trigger`` of a posted page; the parts of the page whose state
    changed, to be swapped in by htmx (out of band)."""
    data, uploads = posted.values, posted.uploads
    # a page that showed the latest answers still does after saving only its own change
    up_to_date = posted_revision(data) == ctx.draft.revision
    before = ctx.service.state(ctx.draft, ctx.entry)
    applied = ctx.service.apply(ctx.draft, ctx.entry, page_id, data, uploads, only=trigger)
    form_state, changed = applied.state, applied.changed
    ctx.service.hold(ctx.draft, page_id, ctx.service.unseen(ctx.entry, before, form_state, page_id))
    env = templates(ctx.draft.language)
    field_macro = env.get_template("fields/field.html").module.field  # type: ignore[attr-defined]
    if applied.conflicts or applied.refused:
        problems = Problems(ctx, applied)
        parts = []
        for key in [*problems.conflicts, *problems.refused]:
            prefix = key[: len(key) - len(template_of(key))]
            view = problems.view.field(template_of(key), prefix, page_id)
            problems.attach_field(view)
            parts.append(str(field_macro(view, oob=True)))
        return parts
    view = view_of(ctx, form_state)
    fields_on_page = set(ctx.entry.form.page_fields.get(page_id, ()))
    parts = []
    uploaded = set(uploads)
    for key in dict.fromkeys([*changed, *uploaded]):
        if key.startswith("page:"):
            continue
        if key.startswith("section:"):
            section = next(
                (s for s in view.page_model(page_id).sections if f"section:{s.id}" == key), None
            )
            if section is not None:
                section_view = view.section(section, page_id)
                parts.append(
                    env.get_template("section.html").render(section=section_view, oob=True)
                )
            continue
        if template_of(key) not in fields_on_page:
            continue
        if key == trigger and key not in uploaded and page_id not in ctx.draft.attempted_pages:
            continue  # the field being typed in keeps its input and caret
        prefix = key[: len(key) - len(template_of(key))]
        parts.append(str(field_macro(view.field(template_of(key), prefix, page_id), oob=True)))
    if any(k.startswith("page:") for k in changed):
        parts.append(
            env.get_template("progress_oob.html").render(
                pages=view.pages(), current=page_id, draft_url=ctx.base_url
            )
        )
    if page_id in ctx.draft.attempted_pages:
        parts.append(
            env.get_template("error_summary_oob.html").render(items=view.error_summary(page_id))
        )
    if up_to_date:
        parts.append(revision_input(ctx.draft.revision, oob=True))
    return parts


@get(paths("/check"))
@in_thread
def check_answers(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[str] | Redirect:
    with open_draft(request, popo, ref) as ctx:
        if ctx.draft.status == DraftStatus.SUBMITTED:
            return Redirect(f"{ctx.base_url}/submission", status_code=303)
        return html(check_page_html(request, ctx))


def check_page_html(request: Request[Any, Any, Any], ctx: Context) -> str:
    """Every answer before sending, with the pages that are not complete yet."""
    form_state = ctx.service.state(ctx.draft, ctx.entry)
    view = view_of(ctx, form_state)
    incomplete = [p for p in view.pages() if p.visible and not p.complete]
    return (
        templates(ctx.draft.language)
        .get_template(ctx.template("check_answers.html"))
        .render(
            **ctx.page_values,
            form_title=view.t(ctx.entry.form.definition.title),
            answers=view.answers(),
            incomplete=incomplete,
            draft_url=ctx.base_url,
            idempotency_key=str(ctx.draft.id),
            submit_label=view.t(ctx.entry.form.definition.submit_label)
            or i18n.gettext(ctx.draft.language, "Send"),
            school_name=parents_school(ctx),
            language_url=language_url(request),
        )
    )


@post(paths("/submit"))
@in_thread
def submit(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Redirect:
    with open_draft(request, popo, ref, "submit the form") as ctx:
        who = identity.actor(request, ctx.principal)
        try:
            submission, _ = ctx.service.submit(
                ctx.draft, ctx.entry, may_change=ctx.writes, actor=who.user_id, role=who.role
            )
        except TransitionRefused as refused:  # nothing written yet (FormsService.submit)
            if refused.code == "guard:may_change":
                raise ReadOnly() from refused
            if refused.code != "guard:complete":
                raise
            first = mark_incomplete(ctx, ctx.service.state(ctx.draft, ctx.entry))
            return Redirect(f"{ctx.base_url}/pages/{first}", status_code=303)
        if submission.pdf_sha256 is None:  # rendered by a job, committed with the submission
            archive.queue(ctx.service.session, submission.id)
        target = f"{ctx.base_url}/submission"
    return Redirect(target, status_code=303)


def mark_incomplete(ctx: Context, form_state: FormState) -> str:
    """A form sent with errors: every page shows its errors from now on; the first page that
    is not complete, to go to."""
    for page_id in ctx.entry.form.pages:
        ctx.service.attempt(ctx.draft, page_id)
    return next(
        p
        for p in ctx.entry.form.pages
        if form_state.pages[p].visible and not form_state.pages[p].complete
    )


@get(paths("/submission"))
@not_yet_page
@in_thread
def submission_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[str]:
    with open_draft(request, popo, ref, "see the submission", grantable=True) as ctx:
        if ctx.draft.status != DraftStatus.SUBMITTED:
            raise NotFoundException()
        submission = ctx.service.submitted(ctx.draft)
        # a parent's page: what the submission started elsewhere (a registration, CONFIRMATIONS)
        extra = None
        blocks: list[str] = []
        if ctx.link is not None:
            extra = confirmation(
                ctx.service.session, ctx.service.registry, submission, ctx.draft.language
            )
        else:
            blocks = panels(popo, ctx.service.session, submission, ctx.draft.language, ctx.writes)
        content = (
            templates(ctx.draft.language)
            .get_template("submitted.html")
            .render(
                form_title=FormView(
                    ctx.entry.form, ctx.service.state(ctx.draft, ctx.entry), ctx.draft.language
                ).t(ctx.entry.form.definition.title),
                submission=submission,
                pdf_ready=pdf_ready(popo, submission),
                draft_url=ctx.base_url,
                oso_export=ctx.link is None and ctx.entry.exports_oso,
                school_name=parents_school(ctx),
                confirmation=Markup(extra) if extra else None,
                panels=[Markup(block) for block in blocks],
                language_url=language_url(request),
            )
        )
        return html(content)


def pdf_ready(popo: AppState, submission: Submission) -> bool:
    return submission.pdf_sha256 is not None and popo.archive.exists(submission.pdf_sha256)


@get(paths("/submission/status"))
@in_thread
def submission_status(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[str]:
    """Whether the submission's PDF is there: the submission page's poll. It reveals no pupil
    data (the status line alone), so it is scope-checked like every draft route (another
    organisation's draft is 404) but not audited as a read: polling every 5 s would fill the
    audit log. Once the PDF is there the fragment carries no trigger: the polling stops."""
    with open_draft(request, popo, ref, purpose=None) as ctx:
        if ctx.draft.status != DraftStatus.SUBMITTED:
            raise NotFoundException()
        ready = pdf_ready(popo, ctx.service.submitted(ctx.draft))
        content = (
            templates(ctx.draft.language)
            .get_template("submission_status.html")
            .render(pdf_ready=ready, draft_url=ctx.base_url)
        )
    return html(content)


@get(paths("/submission.pdf"))
@not_yet_page
@in_thread
def submission_pdf(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[Any]:
    with open_draft(request, popo, ref, "download the archived submission", grantable=True) as ctx:
        if ctx.draft.status != DraftStatus.SUBMITTED:
            raise NotFoundException()
        submission = ctx.service.submitted(ctx.draft)
        name = f"{submission.form_id}-{str(submission.id)[:8]}.pdf"
        if not pdf_ready(popo, submission):
            # never rendered in the request: the job renders it (from the submission alone)
            archive.queue(ctx.service.session, submission.id)
            return not_ready(request, ctx.draft.language, ctx.base_url)
        digest = submission.pdf_sha256
    assert digest is not None
    return Response(
        popo.archive.get(digest),
        media_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition(name),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


RETRY_PDF_AFTER = 10  # seconds: rendering one PDF takes a few


def not_ready(request: Request[Any, Any, Any], language: str, draft_url: str) -> Response[Any]:
    """The PDF asked for before its job made it: 202 Accepted, a page with the way back to
    the submission page, and Retry-After. Not a 5xx: nothing failed, and a proxy in front
    may put its own error page in place of a 5xx's."""
    response = message_page(
        request,
        language,
        i18n.gettext(language, "The PDF is being made"),
        i18n.gettext(
            language,
            "Your form has been sent and is stored. The PDF is being made: this takes a moment. "
            "The submission page shows when it is ready.",
        ),
        202,
        back_url=f"{draft_url}/submission",
        back_label=i18n.gettext(language, "Back to the submission"),
    )
    response.headers["Retry-After"] = str(RETRY_PDF_AFTER)
    return response


@get(paths("/files/{attachment_id:uuid}"))
@in_thread
def download_file(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    ref: FromPath[str],
    attachment_id: FromPath[uuid.UUID],
) -> Response[bytes]:
    """Attachments are always downloads, never shown inline, whatever their type."""
    with open_draft(request, popo, ref, "download an attachment") as ctx:
        try:
            attachment = ctx.service.attachment(ctx.draft, attachment_id)
        except NotFound as exc:
            raise NotFoundException() from exc
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


@get("/r/{ref:str}/revoke")
@in_thread
def revoke_question(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], ref: FromPath[str]
) -> Response[str]:
    """The first press of "switch this link off": what it means, and a button to confirm."""
    with open_draft(request, popo, ref, "switch off a parent's link") as ctx:
        return revoke_page(request, ctx, done=False)


@post("/r/{ref:str}/revoke")
@in_thread
def revoke_link(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    ref: FromPath[str],
) -> Response[str]:
    """Switches the link off when confirmed; without the confirmation it asks first."""
    with open_draft(request, popo, ref, "switch off a parent's link") as ctx:
        assert ctx.link is not None
        confirmed = posted.get("confirm") == "yes"
        if confirmed:
            ctx.service.revoke(ctx.link)
        return revoke_page(request, ctx, done=confirmed)


def revoke_page(request: Request[Any, Any, Any], ctx: Context, done: bool) -> Response[str]:
    """The question or its outcome, with what happens to the answers: a revoked link only
    stops the link (FormsService.revoke); the draft stays stored at the school, unsent."""
    content = (
        templates(ctx.draft.language)
        .get_template("revoke.html")
        .render(
            done=done,
            submitted=ctx.draft.status == DraftStatus.SUBMITTED,
            draft_url=ctx.base_url,
            school_name=parents_school(ctx),
            language_url=language_url(request),
        )
    )
    return html(content)


def start_link(service: FormsService, token: str) -> PublicLink:
    """The parents' start link of ``token``: 404 when there is none; an expired or switched-off
    one raises Gone, which the application answers with the page that names the school."""
    try:
        return service.link(token, "start")
    except NotFound as exc:
        raise NotFoundException() from exc


@get("/start/{token:str}")
@in_thread
def start_page(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], token: FromPath[str]
) -> Response[str]:
    """A public link for parents: names the form and the school, and starts nothing (link
    previews and reloads create no drafts); its button starts the draft."""
    with popo.db.session() as session:
        service = service_for(popo, session)
        link = start_link(service, token)
        language = i18n.normalize(request.query_params.get("lang") or link.language)
        entry = popo.registry.latest(link.form_id)
        if entry is None or not entry.published:
            raise NotFoundException()
        school = service.organisation_name(link.organisation_id)
    content = (
        templates(language)
        .get_template("start_link.html")
        .render(
            form_title=localize(entry.form.definition.title, language),
            school=school,
            start_url=f"/start/{quote(token)}",
            language_url=language_url(request),
        )
    )
    return html(content)


@post("/start/{token:str}")
@in_thread
def start_from_link(
    request: Request[Any, Any, Any],
    popo: NamedDependency[AppState],
    posted: NamedDependency[Posted],
    token: FromPath[str],
) -> Redirect | Response[str]:
    """Starts a new draft from a parent's public link and gives them a resume link."""
    with popo.db.session() as session:
        service = service_for(popo, session)
        link = start_link(service, token)
        asked = posted.get("lang") or request.query_params.get("lang") or link.language
        language = i18n.normalize(asked)
        try:
            draft = service.start(link.form_id, language, link.organisation_id)
        except NotFound as exc:
            raise NotFoundException() from exc
        _, resume = service.create_link(
            link.form_id, "resume", language, draft=draft, organisation_id=link.organisation_id
        )
    return Redirect(f"/r/{quote(resume)}", status_code=303)


@post("/forms/{form_id:str}/start")
@in_thread
def start_form(
    request: Request[Any, Any, Any], popo: NamedDependency[AppState], form_id: FromPath[str]
) -> Redirect | Response[str]:
    with popo.db.session() as session:
        _, school = guards.school_staff(request, session)
        service = FormsService(session, popo.registry, popo.settings, popo.files)
        try:
            draft = service.start(form_id, request_language(request), school)
        except NotFound as exc:
            raise NotFoundException() from exc
        target = f"/drafts/{draft.id}"
    return Redirect(target, status_code=303)


ROUTES = [
    start_form,
    draft_home,
    show_page,
    save_page,
    change_page,
    check_answers,
    submit,
    submission_page,
    submission_status,
    submission_pdf,
    download_file,
    revoke_question,
    revoke_link,
    start_page,
    start_from_link,
]
