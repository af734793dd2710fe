"""Drafts and submissions: saving answers, evaluating, submitting and archiving.

The service works on one database session; it knows the registry of compiled forms and the
file stores. Routes (controllers.py) only translate HTTP to these calls and back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from engine.compiler import CompiledForm
from engine.evaluate import FormState, changed_keys, evaluate, reevaluate, template_of
from engine.messages import Message, localize, message

from ..clock import Clock, clock_of
from ..definitions import FormEntry, Registry
from ..lru import LRU
from ..organisations.models import Organisation
from ..refusals import Gone
from ..settings import Settings
from ..statuses.db import move
from ..statuses.workflow import Attempt
from ..storage import BlobStore, Upload
from . import answers as answer_paths
from .files import sniff
from .models import Attachment, Draft, PublicLink, Submission
from .settings import FormsSettings
from .status import DRAFT, DraftStatus

if TYPE_CHECKING:
    from ..state import AppState

log = logging.getLogger("popo.forms")


class NotFound(Exception):
    """The draft, link or submission does not exist (or is not yours to see)."""


class Sent(Exception):
    """The draft was submitted: a sent form never changes."""


class BadRowAction(Exception):
    """A row action that names no row or group of this form (or one past its bounds)."""


# What a page posts besides its fields: the draft revision it was rendered from, and per field
# the revision of another person's answer that the person has seen (after a conflict).
REVISION_FIELD = "_revision"
SEEN_PREFIX = "_seen:"

# Bounds on what is stored, whatever a request sends: a field's own max_length, else these.
MAX_CHARS = {"textarea": 20_000, "text": 2_000}
MAX_CHARS_OTHER = 1_000
MAX_CHARS_ANY = 100_000  # even a definition's own max_length stays below this
MAX_DRAFT_BYTES = 2 * 1024 * 1024  # all answers of one draft, as JSON
MAX_ROWS = 200  # rows of a group that names no max_rows


@dataclass
class Conflict:
    """An answer another person saved after this page was rendered, and what this person
    posted for it instead (not saved)."""

    key: str
    saved: Any
    yours: Any
    revision: int  # the draft revision at which the saved answer was stored


@dataclass
class Refusal:
    """An answer not stored because it is too long: why, and what was posted."""

    message: Message
    yours: Any


@dataclass
class Applied:
    """What saving a page did: the new state, the keys whose state changed, the answers not
    saved because another person changed them since (conflicts), and the answers refused
    because they are too long (key: message)."""

    state: FormState
    changed: list[str]
    conflicts: list[Conflict] = field(default_factory=list)
    refused: dict[str, Refusal] = field(default_factory=dict)


# Recently evaluated states, by (draft id, revision): the htmx change round trip re-evaluates
# only what depends on the changed answer instead of the whole form.
# A state is remembered with the answers it was evaluated from and used only while the draft
# still holds exactly those answers: a transaction that rolled back, or another process that
# saved the same revision number, can never hand out a stale state.
_STATES: LRU[tuple[uuid.UUID, int], tuple[dict[str, Any], FormState]] = LRU(256)


def _remember(draft: Draft, state: FormState) -> None:
    key = (draft.id, draft.revision)
    _STATES.put(key, (_copy(draft.answers), state))


def _recall(draft: Draft) -> FormState | None:
    cached = _STATES.get((draft.id, draft.revision))
    if cached is None or cached[0] != draft.answers:
        return None
    return cached[1]


Submitted = Callable[[Session, Registry, Submission], None]
SUBMITTED: list[Submitted] = []
"""What runs in a submission's transaction once it is made: another domain that a form is sent
for (a transfer) registers here with :func:`on_submit`, so that forms knows no such domain."""


def on_submit(callback: Submitted) -> None:
    if callback not in SUBMITTED:
        SUBMITTED.append(callback)


AfterSubmit = Callable[["FormsService", Submission], None]
AFTER_SUBMIT: list[AfterSubmit] = []
"""Like SUBMITTED, for a domain that needs the application's settings as well (the pupil key
to register a child, the base URL of links in e-mails): the callback gets the forms service
(its session, registry and settings) and runs in the submission's transaction, after the
SUBMITTED callbacks. Registered with :func:`after_submit`."""


def after_submit(callback: AfterSubmit) -> None:
    if callback not in AFTER_SUBMIT:
        AFTER_SUBMIT.append(callback)


Confirmation = Callable[[Session, Registry, Submission, str], str | None]
CONFIRMATIONS: list[Confirmation] = []
"""What a parent's confirmation page says besides the form's own lines: another domain that
a parent's submission started something in (a registration at a school) registers here with
:func:`on_confirmation` a callback that returns a block of HTML for the page (in the language
given), or None. Called in the page's transaction; the first block given is shown."""


def on_confirmation(callback: Confirmation) -> None:
    if callback not in CONFIRMATIONS:
        CONFIRMATIONS.append(callback)


def confirmation(
    session: Session, registry: Registry, submission: Submission, language: str
) -> str | None:
    """The block another domain adds to a parent's confirmation page (see CONFIRMATIONS)."""
    for callback in CONFIRMATIONS:
        found = callback(session, registry, submission, language)
        if found:
            return found
    return None


class NotYet(Exception):
    """A submission another domain will grant this person later (e.g. the new school's OKR
    once the pupil is enrolled): the page says so, in the reader's language."""

    def __init__(self, title: Mapping[str, str], text: Mapping[str, str], **params: str) -> None:
        self.title = dict(title)
        self.texts = dict(text)
        self.params = params
        super().__init__(self.text("en"))

    def text(self, language: str) -> str:
        return localize(self.texts, language).format(**self.params)


Panel = Callable[[Any, Session, Submission, str, bool], "str | None"]
PANELS: list[Panel] = []
"""What a staff member's submission page shows besides the form's own lines: another domain
that a sent form started something in (runtime/consent: the advice's aanmeldcode) registers a
callback with :func:`on_submission_page`; it gets the application state, the page's session,
the submission, the language and whether the person may change the school's data, and returns
a block of HTML or None. Every block given is shown, in the order registered."""


def on_submission_page(callback: Panel) -> None:
    if callback not in PANELS:
        PANELS.append(callback)


def panels(
    popo: Any, session: Session, submission: Submission, language: str, writes: bool
) -> list[str]:
    """The blocks other domains add to a staff member's submission page (see PANELS)."""
    return [
        html for panel in PANELS if (html := panel(popo, session, submission, language, writes))
    ]


Granting = Callable[[Session, Any, Draft, str], bool]
"""``(session, principal, draft, purpose)``: True when the domain grants the logged-in person
(a Principal) reading the sent draft beyond its organisation (and records that it did); False
when it has nothing to say; raises :class:`NotYet` when it will grant it later."""
GRANTS: list[Granting] = []


def on_grant(callback: Granting) -> None:
    """Register a grant (runtime/transfers: the new school's OKR), so forms knows no domain."""
    if callback not in GRANTS:
        GRANTS.append(callback)


def granted(session: Session, principal: Any, draft: Draft, purpose: str) -> bool:
    """Whether a registered grant lets ``principal`` read the sent ``draft`` (NotYet: later)."""
    if draft.status != "submitted":
        return False
    return any(grant(session, principal, draft, purpose) for grant in GRANTS)


PRIVATE_KINDS: set[str] = set()
"""Kinds of form that belong to another domain's pages (a support request to the SWV,
runtime/support): the forms pages give their drafts and sent forms only to the staff who write
at the form's organisation; every other reader sees them on that domain's pages, which leave
out what they may not see (a report the parents did not share). Registered with
:func:`private_kind`."""


def private_kind(kind: str) -> None:
    PRIVATE_KINDS.add(kind)


def private_forms(registry: Registry) -> frozenset[str]:
    """The ids of the forms of a private kind."""
    return frozenset(
        entry.id
        for entry in registry.forms.values()
        if str(entry.form.definition.kind) in PRIVATE_KINDS
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# a change needs the answers: they are loaded with the draft's row, not in a second query
CHANGE_LOAD = (undefer(Draft.answers), undefer(Draft.answer_revisions))


def service_for(popo: AppState, session: Session) -> FormsService:
    """The forms service of the application ``popo`` on one database session."""
    return FormsService(session, popo.registry, popo.settings, popo.files)


def pupil_number(answers: dict[str, Any], form: CompiledForm) -> str | None:
    """The pupil's BSN or onderwijsnummer in a draft's answers, to key the audit log by pupil."""
    for node in form.nodes:
        if node.kind in ("bsn", "onderwijsnummer") and not node.repeat_path:
            value = answers.get(node.key)
            if isinstance(value, str) and value.strip():
                return "".join(ch for ch in value if ch.isdigit()) or None
    return None


class FormsService:
    def __init__(
        self, session: Session, registry: Registry, settings: Settings, files: BlobStore
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.files = files

    @property
    def clock(self) -> Clock:
        """The application's clock, which the database session carries (runtime/clock.py)."""
        return clock_of(self.session)

    def today(self) -> date:
        """Today in the Netherlands on the application's clock: the ``today()`` of forms."""
        return self.clock.today()

    # ------------------------------------------------------------------ drafts

    def start(
        self,
        form_id: str,
        language: str,
        organisation_id: uuid.UUID | None = None,
        *,
        pupil_id: uuid.UUID | None = None,
        transfer_id: uuid.UUID | None = None,
        prefill: Mapping[str, Any] | None = None,
    ) -> Draft:
        """A new draft of the newest published version of ``form_id``; for a pupil (and a
        transfer), begun with ``prefill``: the answers POPO already holds, of the keys the form
        has (runtime/pupils/service.prefill)."""
        entry = self.registry.latest(form_id)
        if entry is None or not entry.published:
            raise NotFound(form_id)
        given = {
            key: _copy(value)
            for key, value in (prefill or {}).items()
            if key in entry.form.by_key and _fits(entry.form.by_key[key], value)
        }
        draft = Draft(
            form_id=entry.id,
            form_version=entry.version,
            definition_hash=entry.form.content_hash,
            organisation_id=organisation_id,
            pupil_id=pupil_id,
            transfer_id=transfer_id,
            language=language,
            answers=given,
            attempted_pages={},
        )
        self.session.add(draft)
        self.session.flush()
        log.info("draft started", extra={"draft": str(draft.id), "form": entry.id})
        return draft

    def draft(self, draft_id: uuid.UUID, for_update: bool = False) -> Draft:
        """The draft; ``for_update`` locks its row until the transaction ends, so that two
        requests that change the same draft at once are applied one after the other."""
        options = CHANGE_LOAD if for_update else ()
        draft = self.session.get(Draft, draft_id, with_for_update=for_update, options=options)
        if draft is None:
            raise NotFound(str(draft_id))
        return draft

    def pupil(self, draft: Draft) -> str | None:
        """The pupil the draft is about (their number), to key the audit log by pupil."""
        return pupil_number(draft.answers, self.entry(draft).form)

    def entry(self, draft: Draft) -> FormEntry:
        """The definition version the draft was started on (a draft never changes version)."""
        entry = self.registry.get(draft.form_id, draft.form_version)
        if entry is None or entry.form.content_hash != draft.definition_hash:
            raise NotFound(f"{draft.form_id}@{draft.form_version} is no longer available")
        return entry

    def state(self, draft: Draft, entry: FormEntry, today: date | None = None) -> FormState:
        today = today or self.today()
        cached = _recall(draft)
        if cached is not None and cached.today == today:
            return cached
        state = evaluate(entry.form, draft.answers, today)
        _remember(draft, state)
        return state

    def preview(self, draft: Draft, entry: FormEntry, typed: Mapping[str, Any]) -> FormState:
        """The state the draft would have with these answers (not saved): to show what a
        person typed when it could not be saved."""
        answers = _copy(draft.answers)
        for key, value in typed.items():
            if isinstance(value, str):
                value = value[:MAX_CHARS_ANY]
            answer_paths.set_answer(answers, key, value)
        return evaluate(entry.form, answers, self.today())

    def page_keys(self, entry: FormEntry, state: FormState, page_id: str) -> list[str]:
        """Instance keys of the input fields on a page that are visible now."""
        return [
            key
            for key, shown in state.visible.items()
            if shown and self._is_page_input(entry, state, page_id, key)
        ]

    @staticmethod
    def _is_page_input(entry: FormEntry, state: FormState, page_id: str, key: str) -> bool:
        """A field on this page that a person can fill in now (visible and enabled)."""
        if key.startswith(("page:", "section:")):
            return False
        template = template_of(key)
        node = entry.form.by_key.get(template)
        return node is not None and node.page == page_id and node.is_input and state.is_enabled(key)

    def apply(
        self,
        draft: Draft,
        entry: FormEntry,
        page_id: str,
        data: Mapping[str, list[str]],
        uploads: Mapping[str, Upload],
        only: str | None = None,
        skip: frozenset[str] = frozenset(),
    ) -> Applied:
        """Save what a page posted; return the new state and the keys whose state changed.

        ``only`` limits the save to one field: an htmx change request carries the whole form,
        but only the field that changed is taken from it, so that a request that arrives late
        cannot overwrite newer answers of other fields. ``skip`` names fields not to save.

        A page posts the revision it was rendered from: an answer that another person changed
        since then is not overwritten by a different value (a conflict, shown to the person
        with both values). Too long values are refused; the rest of the page is saved."""
        if draft.status == DraftStatus.SUBMITTED:
            raise Sent(str(draft.id))
        before = self.state(draft, entry)
        answers: dict[str, Any] = _copy(draft.answers)
        if only is not None:  # one field: check just that one (and any files sent along)
            wanted = {only, *uploads}
            keys = [k for k in wanted if self._is_page_input(entry, before, page_id, k)]
        else:
            keys = self.page_keys(entry, before, page_id)
        revision = posted_revision(data)
        result = Applied(before, [])
        for key in keys:
            if key in skip:
                continue
            node = entry.form.by_key[template_of(key)]
            if node.kind == "file":
                upload = uploads.get(key)
                if upload is not None and upload.data:
                    answer_paths.set_answer(
                        answers, key, self.store_upload(draft, key, upload, node)
                    )
                continue
            if key not in data:
                continue  # an unchecked radio group, or a field not on this form
            values = [v for v in data[key] if v != ""] if node.kind == "multichoice" else data[key]
            value: Any = values if node.kind == "multichoice" else (values[-1] if values else "")
            saved = answer_paths.get_answer(answers, key)
            if saved == value:
                continue
            too_long = self.too_long(node, value)
            if too_long is not None:
                result.refused[key] = Refusal(too_long, value)
                continue
            if revision is not None:
                seen = max(revision, _number(data.get(SEEN_PREFIX + key)) or 0)
                changed_at = self.changed_at(draft, key)
                if changed_at > seen and (saved or "") != value:
                    result.conflicts.append(Conflict(key, saved, value, changed_at))
                    continue
            answer_paths.set_answer(answers, key, value)
        if len(json.dumps(answers, default=str)) > MAX_DRAFT_BYTES:
            for key in _changed_keys(draft.answers, answers):
                yours = answer_paths.get_answer(answers, key)
                result.refused[key] = Refusal(message("draft_too_large"), yours)
            return result
        result.state, result.changed = self.save(draft, entry, before, answers)
        return result

    @staticmethod
    def too_long(node: Any, value: Any) -> Message | None:
        """The field's message when a value is longer than it may be stored, else None."""
        limit = getattr(node.element, "max_length", None) or MAX_CHARS.get(
            node.kind, MAX_CHARS_OTHER
        )
        limit = min(limit, MAX_CHARS_ANY)
        if isinstance(value, list):  # multichoice: each choice once, each a short value
            if len(value) > max(len(node.choice_values), 1) or any(
                len(v) > MAX_CHARS_OTHER for v in value
            ):
                return message("choice_invalid")
            return None
        if len(value) > limit:
            return message("text_too_long", max=limit, length=len(value))
        return None

    @staticmethod
    def changed_at(draft: Draft, key: str) -> int:
        """The revision at which the answer at ``key`` last changed: its own, or a change in the
        rows of a group it is in (a row removed renumbers the rows after it)."""
        revisions = draft.answer_revisions or {}
        found = revisions.get(key, 0)
        parts = key.split(".")
        for depth in range(1, len(parts)):
            group = ".".join(parts[:depth]).rsplit("[", 1)[0]
            found = max(found, revisions.get(group, 0))
        return int(found)

    def save(
        self,
        draft: Draft,
        entry: FormEntry,
        before: FormState,
        answers: dict[str, Any],
    ) -> tuple[FormState, list[str]]:
        changed_answers = _changed_keys(draft.answers, answers)
        if not changed_answers:
            return before, []
        if len(changed_answers) == 1:
            # the usual htmx round trip: re-evaluate only what depends on this answer
            after, changed = reevaluate(entry.form, before, answers, changed_answers[0])
        else:
            after = evaluate(entry.form, answers, before.today)
            changed = changed_keys(before, after)
        self._store(draft, answers, changed_answers)
        _remember(draft, after)
        return after, changed

    def _store(self, draft: Draft, answers: dict[str, Any], changed: list[str]) -> None:
        """Store new answers as the next revision, noting per answer when it changed."""
        if draft.status == DraftStatus.SUBMITTED:
            raise Sent(str(draft.id))
        draft.revision += 1
        revisions = dict(draft.answer_revisions or {})
        for key in changed:
            # a group whose rows changed: the keys of its rows may now name other rows
            revisions = {k: v for k, v in revisions.items() if not k.startswith(key + "[")}
            revisions[key] = draft.revision
        draft.answers = answers
        draft.answer_revisions = revisions
        self.session.flush()

    def row_action(
        self, draft: Draft, entry: FormEntry, state: FormState, page_id: str, action: str
    ) -> tuple[str, str, int | None]:
        """(kind, group key, row index) of an ``add_row:`` or ``remove_row:`` action on this
        page; BadRowAction for any key the form does not define here, a row that does not
        exist, or a row past the group's bounds."""
        kind, _, key = action.partition(":")
        if kind not in ("add_row", "remove_row") or len(key) > 200:
            raise BadRowAction(action)
        index = None
        if kind == "remove_row":
            group_key, bracket, tail = key.rpartition("[")
            if not bracket or not tail.endswith("]") or not tail[:-1].isdigit():
                raise BadRowAction(action)
            key, index = group_key, int(tail[:-1])
        try:
            steps = answer_paths.parse_key(key)
        except ValueError as exc:
            raise BadRowAction(action) from exc
        node = entry.form.by_key.get(steps[-1][0])
        if (
            node is None
            or node.kind != "group"
            or node.page != page_id
            or [name for name, _ in steps] != [*node.repeat_path, node.key]
            or any(i is None for _, i in steps[:-1])
            or steps[-1][1] is not None
            or not state.is_enabled(key)
        ):
            raise BadRowAction(action)
        rows = answer_paths.get_answer(draft.answers, key)
        count = len(rows) if isinstance(rows, list) else 0
        element = node.element
        if kind == "add_row" and count >= min(element.max_rows or MAX_ROWS, MAX_ROWS):
            raise BadRowAction(action)
        if kind == "remove_row" and (index is None or index >= count or count <= element.min_rows):
            raise BadRowAction(action)
        return kind, key, index

    def change_rows(
        self, draft: Draft, entry: FormEntry, state: FormState, page_id: str, action: str
    ) -> None:
        """Add a row to a group or remove one (see row_action for what is accepted)."""
        kind, key, index = self.row_action(draft, entry, state, page_id, action)
        answers = _copy(draft.answers)
        if kind == "add_row":
            answer_paths.add_row(answers, key)
        else:
            answer_paths.remove_row(answers, f"{key}[{index}]")
        self._store(draft, answers, _changed_keys(draft.answers, answers))

    def attempt(self, draft: Draft, page_id: str, unseen: Iterable[str] = ()) -> None:
        """The person tried to leave the page: from now on its errors are shown, except those of
        ``unseen`` fields, which this very try brought up (see :meth:`unseen`)."""
        held = sorted(set(unseen))
        mark: bool | list[str] = held or True
        if draft.attempted_pages.get(page_id) != mark:
            draft.attempted_pages = {**draft.attempted_pages, page_id: mark}
            self.session.flush()

    def hold(self, draft: Draft, page_id: str, unseen: Iterable[str]) -> None:
        """Fields that a change brought up on a page whose errors are shown: their errors wait
        until the person tries to leave the page again."""
        mark = draft.attempted_pages.get(page_id)
        if mark is None:
            return  # errors are not shown on this page yet anyway
        held = set(mark) if isinstance(mark, list) else set()
        if not set(unseen) <= held:
            self.attempt(draft, page_id, held | set(unseen))

    @staticmethod
    def unseen(entry: FormEntry, before: FormState, after: FormState, page_id: str) -> list[str]:
        """Fields of a page with errors that were not on the page when the person answered it:
        follow-up questions that this answer brought up. A person who has not yet had the
        chance to see a question is not told it is wrong (GOV.UK's pattern)."""
        on_page = set(entry.form.page_fields.get(page_id, ()))
        return [
            key
            for key in after.errors
            if after.visible.get(key)
            and not before.visible.get(key)
            and after.error_nodes[key].key in on_page
        ]

    def set_language(self, draft: Draft, language: str) -> None:
        if draft.language != language:
            draft.language = language
            self.session.flush()

    # ------------------------------------------------------------------ files

    def upload_meta(self, upload: Upload, node: Any) -> tuple[dict[str, Any], bool]:
        """What the answer says of an upload (its name, type read from the content, size), and
        whether the field allows it (type and size, within the application's limit)."""
        media_type = sniff(upload.data)
        size = len(upload.data)
        element = node.element
        meta: dict[str, Any] = {
            "name": safe_name(upload.filename),
            "media_type": media_type,
            "size": size,
        }
        allowed = media_type in element.accept and size <= int(element.max_size_mb * 1024 * 1024)
        return meta, allowed and size <= FormsSettings.of(self.settings).max_upload_mb * 1024 * 1024

    def store_upload(self, draft: Draft, key: str, upload: Upload, node: Any) -> dict[str, Any]:
        """Store an upload whose content type and size the field allows; describe any other
        so that the engine can explain what is wrong (the bytes are then not kept)."""
        meta, allowed = self.upload_meta(upload, node)
        if not allowed:
            return meta
        media_type, size = meta["media_type"], meta["size"]
        digest = self.files.put(upload.data)
        attachment = Attachment(
            draft_id=draft.id,
            field_key=key,
            filename=meta["name"],
            media_type=media_type,
            size=size,
            sha256=digest,
        )
        self.session.add(attachment)
        self.session.flush()
        meta["id"] = str(attachment.id)
        meta["sha256"] = digest
        return meta

    def attachment(self, draft: Draft, attachment_id: uuid.UUID) -> Attachment:
        attachment = self.session.get(Attachment, attachment_id)
        if attachment is None or attachment.draft_id != draft.id:
            raise NotFound(str(attachment_id))
        return attachment

    # ------------------------------------------------------------------ submitting

    def submit(
        self,
        draft: Draft,
        entry: FormEntry,
        *,
        may_change: bool,
        actor: uuid.UUID | None = None,
        role: str | None = None,
    ) -> tuple[Submission, FormState]:
        """Submit once: a second submit (double click, retry) returns the first submission.
        The draft moves from open to submitted with a history row naming ``actor`` (None: a
        parent's link) in ``role``, if the workflow's guards allow it (forms/status.py): the
        form is complete and ``may_change`` (the person may change this draft). Else
        TransitionRefused, before anything is written."""
        existing = self.session.scalar(select(Submission).where(Submission.draft_id == draft.id))
        state = self.state(draft, entry)
        if existing is not None:
            return existing, state
        attempt = Attempt(
            actor=actor, role=role, facts={"complete": state.valid, "may_change": may_change}
        )
        DRAFT.check(draft.status, DraftStatus.SUBMITTED, attempt)
        submission = Submission(
            draft_id=draft.id,
            form_id=draft.form_id,
            form_version=draft.form_version,
            definition_hash=draft.definition_hash,
            organisation_id=draft.organisation_id,
            pupil_id=draft.pupil_id,
            transfer_id=draft.transfer_id,
            language=draft.language,
            answers=answer_paths.to_json(state.submission()),
        )
        try:
            with self.session.begin_nested():
                self.session.add(submission)
                self.session.flush()
        except IntegrityError:
            # another request submitted the same draft at the same moment
            existing = self.session.scalar(
                select(Submission).where(Submission.draft_id == draft.id)
            )
            assert existing is not None
            return existing, state
        move(
            self.session,
            draft,
            DraftStatus.SUBMITTED,
            workflow=DRAFT,
            actor=actor,
            role=role,
            facts=attempt.facts,
        )
        for callback in SUBMITTED:
            callback(self.session, self.registry, submission)
        for after in AFTER_SUBMIT:
            after(self, submission)
        log.info("submitted", extra={"submission": str(submission.id), "form": draft.form_id})
        return submission, state

    def submitted(self, draft: Draft) -> Submission:
        submission = self.session.scalar(select(Submission).where(Submission.draft_id == draft.id))
        if submission is None:
            raise NotFound(str(draft.id))
        return submission

    def submission(self, submission_id: uuid.UUID) -> Submission:
        submission = self.session.get(Submission, submission_id)
        if submission is None:
            raise NotFound(str(submission_id))
        return submission

    def organisation_name(self, organisation_id: uuid.UUID | None) -> str:
        if organisation_id is None:
            return ""
        organisation = self.session.get(Organisation, organisation_id)
        return organisation.name if organisation else ""

    # ------------------------------------------------------------------ links for parents

    def create_link(
        self,
        form_id: str,
        purpose: str,
        language: str,
        draft: Draft | None = None,
        organisation_id: uuid.UUID | None = None,
        days: int | None = None,
        token: str | None = None,
    ) -> tuple[PublicLink, str]:
        """A new secret link; only the hash of the token is stored."""
        token = token or secrets.token_urlsafe(24)
        link = PublicLink(
            token_hash=token_hash(token),
            draft_id=draft.id if draft else None,
            form_id=form_id,
            purpose=purpose,
            language=language,
            organisation_id=organisation_id,
            expires_at=self.clock.now()
            + timedelta(days=days or FormsSettings.of(self.settings).public_link_days),
        )
        self.session.add(link)
        self.session.flush()
        return link, token

    def link(self, token: str, purpose: str) -> PublicLink:
        link = self.session.scalar(
            select(PublicLink).where(PublicLink.token_hash == token_hash(token))
        )
        if link is None or link.purpose != purpose:
            raise NotFound("link")
        expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=UTC)
        if link.revoked_at is not None or expires < self.clock.now():
            raise Gone(self.organisation_name(link.organisation_id))
        return link

    def revoke(self, link: PublicLink) -> None:
        link.revoked_at = self.clock.now()
        self.session.flush()

    def start_links(self, school_id: uuid.UUID) -> list[PublicLink]:
        """A school's links that start a form for parents, newest first (at most 200)."""
        return list(
            self.session.scalars(
                select(PublicLink)
                .where(PublicLink.organisation_id == school_id, PublicLink.purpose == "start")
                .order_by(PublicLink.created_at.desc(), PublicLink.id)
                .limit(200)
            )
        )

    def start_link_of(self, school_id: uuid.UUID, link_id: uuid.UUID) -> PublicLink:
        """One of the school's start links; another school's (or a resume link) is not found."""
        link = self.session.get(PublicLink, link_id)
        if link is None or link.organisation_id != school_id or link.purpose != "start":
            raise NotFound("link")
        return link

    def parents_forms(self, school_id: uuid.UUID) -> list[FormEntry]:
        """The published forms parents fill in through a school's link (kind aanmeldformulier):
        those of the school's region, or the base ones where its region has none."""
        school = self.session.get(Organisation, school_id)
        region = school.region if school is not None else None
        forms = [
            entry
            for entry in self.registry.offered()
            if entry.published and entry.form.definition.kind == "aanmeldformulier"
        ]
        own = [entry for entry in forms if entry.form.definition.region == region]
        return own or [entry for entry in forms if entry.form.definition.region is None]

    def link_state(self, link: PublicLink) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if link.revoked_at is not None:
            return "revoked"
        expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=UTC)
        return "expired" if expires < self.clock.now() else "active"


def posted_revision(data: Mapping[str, list[str]]) -> int | None:
    """The draft revision a page was rendered from, if it posted one."""
    return _number(data.get(REVISION_FIELD))


def _number(values: list[str] | None) -> int | None:
    """A revision number a page posted, if it posted one."""
    text = values[-1] if values else ""
    return int(text) if text.isdigit() and len(text) < 12 else None


def _fits(node: Any, value: Any) -> bool:
    """A prefilled answer the field can hold: a choice among its choices (a region's form may
    not have every reason), anything else as it is (the form's checks speak on its page)."""
    if node.kind == "choice":
        return isinstance(value, str) and value in node.choice_values
    return True


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _changed_keys(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Instance keys whose answer differs (a changed row count counts as its group's key)."""
    keys: list[str] = []
    for name in dict.fromkeys([*(old or {}), *(new or {})]):
        a = (old or {}).get(name)
        b = (new or {}).get(name)
        key = prefix + name
        if isinstance(a, list) and isinstance(b, list) and all(isinstance(r, dict) for r in a + b):
            if len(a) != len(b):
                keys.append(key)
                continue
            for index, (row_a, row_b) in enumerate(zip(a, b, strict=True)):
                keys.extend(_changed_keys(row_a, row_b, f"{key}[{index}]."))
        elif a != b:
            keys.append(key)
    return keys


def safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "bestand"
    return "".join(c for c in base if c.isprintable() and c not in '<>:"|?*')[:200]
