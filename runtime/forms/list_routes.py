"""The forms a person can find again (/forms): the drafts and sent forms of their own
population (the scope rule in the query: runtime/access/scope.py), newest change first, to
filter by status and form and to page through, with and without JavaScript. The list shows
what a form is and where it stands, never the pupil's data, so it is not a read of it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from sqlalchemy import or_

from ..access import scope
from ..clock import clock_of
from ..organisations.models import Organisation
from ..state import AppState
from ..web import guards
from ..web.blocking import in_thread
from ..web.language import request_language, templates
from ..web.pages import html
from . import queries
from .models import Draft
from .service import private_forms
from .status import DRAFT, DraftStatus

PAGE_SIZE = 25
MAX_PAGE = 10_000


def _title(popo: AppState, form_id: str, language: str) -> str:
    entry = popo.registry.latest(form_id)
    if entry is None:
        return form_id
    title = entry.form.definition.title
    return title if isinstance(title, str) else title.get(language) or form_id


@get("/forms")
@in_thread
def forms_list(request: Request[Any, Any, Any], popo: NamedDependency[AppState]) -> Response[str]:
    language = request_language(request)
    status = request.query_params.get("status") or ""
    status = status if status in {s.value for s in DraftStatus} else ""
    form = (request.query_params.get("form") or "")[:100]
    page_text = request.query_params.get("page") or "1"
    number = page_text.isascii() and page_text.isdigit() and len(page_text) < 9
    page = min(max(int(page_text), 1), MAX_PAGE) if number else 1
    with popo.db.session() as session:
        who = guards.logged_in(request, session)
        query = queries.drafts(who, on=clock_of(session).today())
        private = private_forms(popo.registry)
        if private:  # another domain's forms: here only for the staff who write them
            query = query.where(
                or_(
                    Draft.form_id.not_in(sorted(private)),
                    scope.writable(Draft.organisation_id, who),
                )
            )
        forms = sorted(
            set(session.scalars(query.with_only_columns(Draft.form_id).distinct().order_by(None)))
        )
        if status:
            query = query.where(Draft.status == status)
        if form:
            query = query.where(Draft.form_id == form)
        total = int(session.scalar(scope.count(query)) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        rows = session.execute(
            query.with_only_columns(
                Draft.id,
                Draft.form_id,
                Draft.status,
                Draft.created_at,
                Draft.updated_at,
                Organisation.name,
            )
            .outerjoin(Organisation, Organisation.id == Draft.organisation_id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        ).all()
        titles = {form_id: _title(popo, form_id, language) for form_id in forms}
        for row in rows:
            titles.setdefault(row.form_id, _title(popo, row.form_id, language))

    def address(**changes: Any) -> str:
        values = {"status": status, "form": form, "page": page, **changes}
        query_text = "&".join(f"{k}={v}" for k, v in values.items() if v not in ("", None, 1))
        return "/forms" + (f"?{query_text}" if query_text else "")

    content = (
        templates(language)
        .get_template("forms_list.html")
        .render(
            rows=rows,
            titles=titles,
            forms=forms,
            status=status,
            form=form,
            statuses=[(s.value, DRAFT.label(s, language)) for s in DraftStatus],
            page=page,
            pages=pages,
            total=total,
            address=address,
            language_url=lambda code: address(lang=code),
        )
    )
    return html(content)


ROUTES = [forms_list]
