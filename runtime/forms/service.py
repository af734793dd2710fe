"""Drafts and submissions: saving answers, evaluating, submitting and archiving.

The service works on one database session; it knows the registry of compiled forms and the
file stores. Routes (controllers.py) only translate HTTP to these calls and back.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from engine.evaluate import FormState, changed_keys, evaluate, reevaluate, template_of

from ..db.models import Attachment, Draft, Organisation, PublicLink, Submission
from ..settings import Settings
from ..storage import BlobStore
from . import answers as answer_paths
from .files import sniff
from .registry import FormEntry, Registry

log = logging.getLogger("popo.forms")


class NotFound(Exception):
    """The draft, link or submission does not exist (or is not yours to see)."""


class Gone(Exception):
    """The link expired or was revoked; ``school`` names the organisation it was for."""

    def __init__(self, school: str = "") -> None:
        super().__init__("link")
        self.school = school


@dataclass
class Upload:
    filename: str
    data: bytes


# Recently evaluated states, by (draft id, revision): the htmx change round trip re-evaluates
# only what depends on the changed answer instead of the whole form.
# A state is remembered with the answers it was evaluated from and used only while the draft
# still holds exactly those answers: a transaction that rolled back, or another process that
# saved the same revision number, can never hand out a stale state.
_STATES: OrderedDict[tuple[uuid.UUID, int], tuple[dict[str, Any], FormState]] = OrderedDict()
_STATES_SIZE = 256


def _remember(draft: Draft, state: FormState) -> None:
    key = (draft.id, draft.revision)
    _STATES[key] = (_copy(draft.answers), state)
    _STATES.move_to_end(key)
    while len(_STATES) > _STATES_SIZE:
        _STATES.popitem(last=False)


def _recall(draft: Draft) -> FormState | None:
    cached = _STATES.get((draft.id, draft.revision))
    if cached is None or cached[0] != draft.answers:
        return None
    return cached[1]


_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class FormsService:
    def __init__(
        self, session: Session, registry: Registry, settings: Settings, files: BlobStore
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.files = files

    # ------------------------------------------------------------------ drafts

    def start(self, form_id: str, language: str, organisation_id: uuid.UUID | None = None) -> Draft:
        entry = self.registry.latest(form_id)
        if entry is None or not entry.published:
            raise NotFound(form_id)
        draft = Draft(
            form_id=entry.id,
            form_version=entry.version,
            definition_hash=entry.form.content_hash,
            organisation_id=organisation_id,
            language=language,
            answers={},
            attempted_pages={},
        )
        self.session.add(draft)
        self.session.flush()
        log.info("draft started", extra={"draft": str(draft.id), "form": entry.id})
        return draft

    def draft(self, draft_id: uuid.UUID, for_update: bool = False) -> Draft:
        """The draft; ``for_update`` locks its row until the transaction ends, so that two
        requests that change the same draft at once are applied one after the other."""
        # a change needs the answers: load them with the row instead of in a second query
        options = [undefer(Draft.answers)] if for_update else []
        draft = self.session.get(Draft, draft_id, with_for_update=for_update, options=options)
        if draft is None:
            raise NotFound(str(draft_id))
        return draft

    def entry(self, draft: Draft) -> FormEntry:
        """The definition version the draft was started on (a draft never changes version)."""
        entry = self.registry.get(draft.form_id, draft.form_version)
        if entry is None or entry.form.content_hash != draft.definition_hash:
            raise NotFound(f"{draft.form_id}@{draft.form_version} is no longer available")
        return entry

    def state(self, draft: Draft, entry: FormEntry, today: date | None = None) -> FormState:
        cached = _recall(draft)
        if cached is not None and (today is None or cached.today == today):
            return cached
        state = evaluate(entry.form, draft.answers, today)
        _remember(draft, state)
        return state

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
    ) -> tuple[FormState, list[str]]:
        """Save what a page posted; return the new state and the keys whose state changed.

        ``only`` limits the save to one field: an htmx change request carries the whole form,
        but only the field that changed is taken from it, so that a request that arrives late
        cannot overwrite newer answers of other fields."""
        before = self.state(draft, entry)
        answers: dict[str, Any] = _copy(draft.answers)
        if only is not None:  # one field: check just that one (and any files sent along)
            wanted = {only, *uploads}
            keys = [k for k in wanted if self._is_page_input(entry, before, page_id, k)]
        else:
            keys = self.page_keys(entry, before, page_id)
        for key in keys:
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
            if answer_paths.get_answer(answers, key) != value:
                answer_paths.set_answer(answers, key, value)
        return self.save(draft, entry, before, answers)

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
        draft.answers = answers
        draft.revision += 1
        self.session.flush()
        _remember(draft, after)
        return after, changed

    def change_rows(self, draft: Draft, entry: FormEntry, action: str) -> None:
        answers = _copy(draft.answers)
        kind, _, key = action.partition(":")
        try:
            if kind == "add_row":
                answer_paths.add_row(answers, key)
            elif kind == "remove_row":
                answer_paths.remove_row(answers, key)
            else:
                return
        except ValueError:
            return
        draft.answers = answers
        draft.revision += 1
        self.session.flush()

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

    def store_upload(self, draft: Draft, key: str, upload: Upload, node: Any) -> dict[str, Any]:
        """Store an upload whose content type and size the field allows; describe any other
        so that the engine can explain what is wrong (the bytes are then not kept)."""
        media_type = sniff(upload.data)
        size = len(upload.data)
        element = node.element
        meta: dict[str, Any] = {
            "name": _safe_name(upload.filename),
            "media_type": media_type,
            "size": size,
        }
        allowed = media_type in element.accept and size <= int(element.max_size_mb * 1024 * 1024)
        if not allowed or size > self.settings.max_upload_mb * 1024 * 1024:
            return meta
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

    def submit(self, draft: Draft, entry: FormEntry) -> tuple[Submission, FormState]:
        """Submit once: a second submit (double click, retry) returns the first submission."""
        existing = self.session.scalar(select(Submission).where(Submission.draft_id == draft.id))
        state = self.state(draft, entry)
        if existing is not None:
            return existing, state
        if not state.valid:
            raise ValueError("the form has errors")
        code = None
        generated = [
            node.key
            for node in entry.form.nodes
            if getattr(node.element, "generated", None) == "aanmeldcode"
            and node.key in state.visible
        ]
        if generated:
            code = self.new_aanmeldcode()
            answers = _copy(draft.answers)
            for key in generated:
                answer_paths.set_answer(answers, key, code)
            state, _ = self.save(draft, entry, state, answers)
        submission = Submission(
            draft_id=draft.id,
            form_id=draft.form_id,
            form_version=draft.form_version,
            definition_hash=draft.definition_hash,
            organisation_id=draft.organisation_id,
            language=draft.language,
            answers=answer_paths.to_json(state.submission()),
            aanmeldcode=code,
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
        draft.status = "submitted"
        self.session.flush()
        log.info("submitted", extra={"submission": str(submission.id), "form": draft.form_id})
        return submission, state

    def new_aanmeldcode(self) -> str:
        """Twelve characters from an alphabet without look-alikes (0/O, 1/I): ABCD-EFGH-JKLM.
        About 60 bits of chance; the unique constraint guards against the unthinkable."""
        for _ in range(10):
            raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
            code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
            if (
                self.session.scalar(select(Submission.id).where(Submission.aanmeldcode == code))
                is None
            ):
                return code
        raise RuntimeError("could not find a free aanmeldcode")

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
            expires_at=datetime.now(UTC) + timedelta(days=days or self.settings.public_link_days),
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
        if link.revoked_at is not None or expires < datetime.now(UTC):
            raise Gone(self.organisation_name(link.organisation_id))
        return link

    def revoke(self, link: PublicLink) -> None:
        link.revoked_at = datetime.now(UTC)
        self.session.flush()


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


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "bestand"
    return "".join(c for c in base if c.isprintable() and c not in '<>:"|?*')[:200]
