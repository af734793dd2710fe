"""A transfer's message thread, on a Session (no web): the two schools write to each other and
with the parents, each message addressed to a party and, for a school, optionally one of its
roles ("the intern begeleider of De Linde"), never to a person.

Who sees what: the staff of the two schools (in a party and role of the transfer's procedure)
see every message of the thread; the parents, on their link, see only the messages from and
to the parents. Others who may read the transfer by the scope rule (a school board, an SWV)
do not see its correspondence.

Read status is per reader: a message addressed to a school's role is unread for every account
with that role at that school until that account has seen the thread; one colleague's reading
does not mark it read for another. The sender sees who of the addressees read it, and when.
The parents read by their link (ParentAccess).

Attachments go through the same typed upload as a form's files: the type is read from the
content (runtime/forms/files.py ``sniff``), the size within the upload limit of forms, the name
made harmless, the bytes stored content-addressed (runtime/storage.py BlobStore).

A new message addressed to a school tells every account with the addressed role at that school
by e-mail and in the application (event ``transfer_message``: the transfer's reference, whom it
is for and a link, never pupil data). Whether the parents are to be told is
:func:`parents_to_tell`: the parents' pages tell them through their link.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from engine.messages import localize
from engine.procedures import CompiledProcedure

from .. import notifications
from ..access.accounts import Principal
from ..access.scope import WRITING_ROLES
from ..clock import clock_of
from ..definitions import Registry
from ..forms import files as file_types
from ..forms.service import safe_name
from ..forms.settings import FormsSettings
from ..organisations.models import Organisation
from ..settings import Settings
from ..statuses.procedure import PARTIES, ROLE_NAMES
from ..storage import BlobStore, Upload
from . import parents
from .models import MessageAttachment, MessageRead, ParentAccess, Transfer, TransferMessage
from .service import TransferService, actors_for, seats

SCHOOLS = ("sending_school", "receiving_school")
PARENTS = "parents"
MAX_CHARS = 10_000  # one message's text
MAX_FILES = 3  # files with one message
MAX_FILE_MB = 10  # each, and never more than the forms' upload limit
ACCEPTED = {
    file_types.PDF: "PDF",
    file_types.JPEG: "JPG",
    file_types.PNG: "PNG",
    file_types.DOCX: "Word (.docx)",
    file_types.ODT: "ODT",
}

Text = dict[str, str]  # {"nl": ..., "en": ...}

PROBLEMS: dict[str, Text] = {
    "empty": {"nl": "Schrijf een bericht.", "en": "Write a message."},
    "too_long": {
        "nl": "Het bericht is te lang ({length} tekens); het mag {max} tekens zijn.",
        "en": "The message is too long ({length} characters); it may be {max} characters.",
    },
    "addressee": {
        "nl": "Kies aan wie het bericht is.",
        "en": "Choose whom the message is for.",
    },
    "too_many": {
        "nl": "Stuur hoogstens {max} bestanden met een bericht.",
        "en": "Send at most {max} files with a message.",
    },
    "too_large": {
        "nl": "Het bestand '{name}' is te groot ({size}); een bestand mag hoogstens {max} MB zijn.",
        "en": "The file '{name}' is too large ({size}); a file may be at most {max} MB.",
    },
    "type": {
        "nl": "Het bestand '{name}' is geen {accepted}. POPO kijkt naar de inhoud van een "
        "bestand, niet naar de naam.",
        "en": "The file '{name}' is not a {accepted} file. POPO looks at a file's content, "
        "not at its name.",
    },
    "not_party": {
        "nl": "Alleen de scholen van deze overstap en de ouders kunnen hier berichten schrijven.",
        "en": "Only the schools of this transfer and the parents can write messages here.",
    },
}


class MessageRefused(ValueError):
    """A message that was not posted, with what is wrong per field (``body``, ``to``,
    ``files``): nothing was written."""

    def __init__(self, problems: dict[str, Text]) -> None:
        super().__init__(", ".join(problems))
        self.problems = problems

    def texts(self, language: str) -> dict[str, str]:
        return {key: localize(text, language) for key, text in self.problems.items()}


def _problem(code: str, **values: object) -> Text:
    return {lang: text.format(**values) for lang, text in PROBLEMS[code].items()}


@dataclass(frozen=True)
class Reader:
    """Who reads or writes the thread: the ``party.role`` texts they act in on the transfer
    (``parents.ouder`` for the parents) and their account, or the parents' link."""

    actors: tuple[str, ...]
    account_id: uuid.UUID | None = None
    access_id: uuid.UUID | None = None
    name: str = ""

    @property
    def parties(self) -> set[str]:
        return {actor.partition(".")[0] for actor in self.actors}

    @property
    def school(self) -> bool:
        return bool(self.parties & set(SCHOOLS))

    def acts_as(self, party: str, role: str | None) -> bool:
        """Whether they are one of the addressees of ``party`` (and ``role``, when named)."""
        for actor in self.actors:
            own_party, _, own_role = actor.partition(".")
            if own_party == party and (role is None or own_role == role):
                return True
        return False

    def wrote(self, message: TransferMessage) -> bool:
        if self.account_id is not None:
            return message.author_id == self.account_id
        return self.access_id is not None and message.author_access_id == self.access_id


def reader_of(procedure: CompiledProcedure, transfer: Transfer, who: Principal) -> Reader:
    """A logged-in person as a reader of the transfer's thread."""
    actors = tuple(actors_for(procedure, transfer, who.roles))
    return Reader(actors, account_id=who.user_id, name=who.name)


def parents_reader(access: ParentAccess) -> Reader:
    return Reader(("parents.ouder",), access_id=access.id, name=PARTIES[PARENTS]["nl"])


def parents_to_tell(message: TransferMessage) -> bool:
    """Whether the parents are to be told of ``message`` (it is addressed to them): the
    guardians are mailed a notice without the message, to open their link."""
    return message.to_party == PARENTS


@dataclass(frozen=True)
class Addressee:
    key: str  # "receiving_school.intern_begeleider", "sending_school", "parents"
    party: str
    role: str | None
    label: str


@dataclass(frozen=True)
class Shown:
    """One message as a reader sees it."""

    message: TransferMessage
    author: str  # "Ingrid Bakker (de intern begeleider van De Regenboog)"
    to: str  # "de intern begeleider van De Linde"
    mine: bool
    unread: bool
    reads: list[tuple[str, datetime]]  # by whom of the addressees, when (for the sender)
    attachments: list[tuple[MessageAttachment, str]]  # with its size as text


@dataclass
class ThreadView:
    """What the thread's partial (transfer_thread.html) shows."""

    messages: list[Shown]
    addressees: list[Addressee]
    action: str  # where the form posts
    files_url: str  # + "/<message id>/files/<attachment id>"
    unread: int
    may_post: bool
    values: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    accepted: str = ""
    max_file_mb: int = MAX_FILE_MB
    max_files: int = MAX_FILES
    max_chars: int = MAX_CHARS
    posted: bool = False
    shown: bool = True  # False for a reader who is no party of the thread (a board, an SWV)


class MessageService:
    def __init__(
        self,
        session: Session,
        registry: Registry,
        settings: Settings,
        files: BlobStore,
        base_url: str = "",
    ) -> None:
        self.session = session
        self.registry = registry
        self.settings = settings
        self.files = files
        self.clock = clock_of(session)
        self.transfers = TransferService(session, registry, base_url or settings.base_url)
        self.base_url = (base_url or settings.base_url).rstrip("/")

    # ------------------------------------------------------------------ whom

    def _schools(self, transfer: Transfer) -> dict[str, uuid.UUID]:
        return {s.party: s.organisation_id for s in seats(transfer) if s.organisation_id}

    def _names(self, transfer: Transfer) -> dict[str, str]:
        """The schools' names by party."""
        schools = self._schools(transfer)
        rows = self.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_(list(schools.values()))
            )
        )
        by_id = {row.id: row.name for row in rows}
        return {party: by_id.get(org, "") for party, org in schools.items()}

    def addressee_text(
        self, transfer: Transfer, party: str, role: str | None, language: str
    ) -> str:
        """ "de intern begeleider van De Linde", "De Linde", "de ouders"."""
        return _addressee_text(self._names(transfer), party, role, language)

    def addressees(self, transfer: Transfer, reader: Reader, language: str) -> list[Addressee]:
        """Whom ``reader`` may write to: a school's staff the roles of the other school and of
        their own (as the procedure gives them) and the parents; the parents a school."""
        procedure = self.transfers.procedure(transfer)
        names = self._names(transfer)
        found: list[Addressee] = []
        if reader.school:
            others = [p for p in SCHOOLS if p in names and p not in reader.parties]
            own = [p for p in SCHOOLS if p in names and p in reader.parties]
            for party in [*others, *own]:
                for role in procedure.roles.get(party, ()):
                    found.append(
                        Addressee(
                            f"{party}.{role}",
                            party,
                            role,
                            _addressee_text(names, party, role, language),
                        )
                    )
            found.append(
                Addressee(PARENTS, PARENTS, None, _addressee_text(names, PARENTS, None, language))
            )
        elif PARENTS in reader.parties:
            for party in SCHOOLS:
                if party in names:
                    found.append(
                        Addressee(party, party, None, _addressee_text(names, party, None, language))
                    )
        return found

    def default_addressee(self, addressees: Sequence[Addressee], reader: Reader) -> str:
        """The other school's intern begeleider where there is one, else the parents (a
        registration by parents has one school), else the first; the parents write to the
        new school by default."""
        if PARENTS in reader.parties:
            for one in addressees:
                if one.party == "receiving_school":
                    return one.key
        for one in addressees:
            if one.party not in reader.parties and one.role == "intern_begeleider":
                return one.key
        for one in addressees:
            if one.party == PARENTS and PARENTS not in reader.parties:
                return one.key
        return addressees[0].key if addressees else ""

    # ------------------------------------------------------------------ posting

    def post(
        self,
        transfer: Transfer,
        reader: Reader,
        to: str,
        text: str,
        uploads: Sequence[Upload] = (),
    ) -> TransferMessage:
        """Post a message from ``reader`` to the addressee ``to`` (an :class:`Addressee` key),
        with the files ``uploads``. Refused (MessageRefused, nothing written) without text,
        with too long a text, to someone they may not write to, or with a file too large or of
        a type not accepted. Tells the addressed school's staff."""
        if not reader.school and PARENTS not in reader.parties:
            raise MessageRefused({"body": _problem("not_party")})
        problems: dict[str, Text] = {}
        body = text.replace("\r\n", "\n").strip()
        if not body:
            problems["body"] = _problem("empty")
        elif len(body) > MAX_CHARS:
            problems["body"] = _problem("too_long", length=len(body), max=MAX_CHARS)
        chosen = next((a for a in self.addressees(transfer, reader, "nl") if a.key == to), None)
        if chosen is None:
            problems["to"] = _problem("addressee")
        checked, file_problem = self._checked(uploads)
        if file_problem is not None:
            problems["files"] = file_problem
        if problems:
            raise MessageRefused(problems)
        assert chosen is not None
        party, role = self._author(reader)
        schools = self._schools(transfer)
        message = TransferMessage(
            transfer_id=transfer.id,
            author_id=reader.account_id,
            author_access_id=reader.access_id,
            author_name=reader.name[:200],
            author_party=party,
            author_role=role,
            author_organisation_id=schools.get(party),
            to_party=chosen.party,
            to_role=chosen.role,
            body=body,
            created_at=self.clock.now(),
        )
        self.session.add(message)
        self.session.flush()
        for position, (meta, data) in enumerate(checked, start=1):
            self.session.add(
                MessageAttachment(
                    message_id=message.id,
                    position=position,
                    filename=meta["name"],
                    media_type=meta["media_type"],
                    size=meta["size"],
                    sha256=self.files.put(data),
                )
            )
        self.session.flush()
        self.session.refresh(message, ["attachments"])
        self.tell(transfer, message)
        return message

    def _author(self, reader: Reader) -> tuple[str, str | None]:
        """The party and role a message is written in: a school's first (a person with
        several roles at their school writes in the first the procedure gives), or the
        parents."""
        for actor in reader.actors:
            party, _, role = actor.partition(".")
            if party in SCHOOLS:
                return party, role or None
        return PARENTS, None

    def limit(self) -> int:
        """The largest file accepted, in bytes."""
        megabytes = min(MAX_FILE_MB, FormsSettings.of(self.settings).max_upload_mb)
        return megabytes * 1024 * 1024

    def _checked(
        self, uploads: Sequence[Upload]
    ) -> tuple[list[tuple[dict[str, object], bytes]], Text | None]:
        """Each upload described as a form's file is (a harmless name, the type read from the
        content, the size), or the first problem with them."""
        present = [u for u in uploads if u.data]
        if len(present) > MAX_FILES:
            return [], _problem("too_many", max=MAX_FILES)
        limit = self.limit()
        checked: list[tuple[dict[str, object], bytes]] = []
        for upload in present:
            name = safe_name(upload.filename) or "bestand"
            size = len(upload.data)
            if size > limit:
                return [], _problem(
                    "too_large", name=name, size=file_types.size_text(size), max=limit // 2**20
                )
            media_type = file_types.sniff(upload.data)
            if media_type not in ACCEPTED:
                return [], {
                    lang: PROBLEMS["type"][lang].format(
                        name=name, accepted=_or(list(ACCEPTED.values()), lang)
                    )
                    for lang in ("nl", "en")
                }
            checked.append(({"name": name, "media_type": media_type, "size": size}, upload.data))
        return checked, None

    # ------------------------------------------------------------------ telling

    def recipients(self, transfer: Transfer, message: TransferMessage) -> list[object]:
        """The accounts with the addressed role at the addressed school (every role the
        procedure gives that party, when the message names none), not its author."""
        schools = self._schools(transfer)
        if message.to_party not in schools:
            return []
        procedure = self.transfers.procedure(transfer)
        roles = (
            [message.to_role]
            if message.to_role
            else list(procedure.roles.get(message.to_party, ()))
        )
        return [
            account
            for account in self.transfers.staff(schools[message.to_party], roles)
            if account.id != message.author_id
        ]

    def tell(self, transfer: Transfer, message: TransferMessage) -> int:
        """E-mail (and a line in the application) to the addressed role's accounts: the
        transfer's reference, whom the message is for and a link; never the message itself.
        A message to the parents is told to the guardians through their links (parents.py)."""
        if parents_to_tell(message):
            return parents.tell_parents_of_message(self.session, transfer, self.base_url)
        accounts = self.recipients(transfer, message)
        if not accounts:
            return 0
        names = self._names(transfer)
        return notifications.notify(
            self.session,
            "transfer_message",
            accounts,  # type: ignore[arg-type]
            f"{self.base_url}/transfers/{transfer.id}#messages",
            ref=f"message:{message.id}",
            reference=transfer.reference,
            recipient_role={
                lang: _addressee_text(names, message.to_party, message.to_role, lang)[:200]
                for lang in ("nl", "en")
            },
        )

    # ------------------------------------------------------------------ reading

    def visible(self, message: TransferMessage, reader: Reader) -> bool:
        if reader.school:
            return True
        if PARENTS in reader.parties:
            return PARENTS in (message.author_party, message.to_party)
        return False

    def thread(self, transfer: Transfer, reader: Reader) -> list[TransferMessage]:
        """The messages of the transfer ``reader`` sees, oldest first."""
        if not reader.school and PARENTS not in reader.parties:
            return []
        query = (
            select(TransferMessage)
            .where(TransferMessage.transfer_id == transfer.id)
            .options(selectinload(TransferMessage.attachments))
            .order_by(TransferMessage.created_at, TransferMessage.id)
        )
        return [m for m in self.session.scalars(query) if self.visible(m, reader)]

    def addressed_to(self, message: TransferMessage, reader: Reader) -> bool:
        """Whether ``reader`` is one of the message's addressees (and did not write it)."""
        return reader.acts_as(message.to_party, message.to_role) and not reader.wrote(message)

    def _read_ids(self, messages: Iterable[TransferMessage], reader: Reader) -> set[uuid.UUID]:
        ids = [m.id for m in messages]
        if not ids:
            return set()
        query = select(MessageRead.message_id).where(MessageRead.message_id.in_(ids))
        if reader.account_id is not None:
            query = query.where(MessageRead.account_id == reader.account_id)
        elif reader.access_id is not None:
            query = query.where(MessageRead.parent_access_id == reader.access_id)
        else:
            return set()
        return set(self.session.scalars(query))

    def unread(self, transfer: Transfer, reader: Reader) -> list[TransferMessage]:
        """The messages addressed to ``reader`` that they have not read yet."""
        mine = [m for m in self.thread(transfer, reader) if self.addressed_to(m, reader)]
        read = self._read_ids(mine, reader)
        return [m for m in mine if m.id not in read]

    def unread_count(self, transfer: Transfer, reader: Reader) -> int:
        return len(self.unread(transfer, reader))

    def unread_by_transfer(
        self, who: Principal, transfer_ids: Sequence[uuid.UUID] | None = None
    ) -> dict[uuid.UUID, int]:
        """For every transfer (of ``transfer_ids``, or all): how many messages addressed to a
        school role of ``who`` (or to their school as a whole) they have not read; one query,
        for the register and "my work"."""
        seats = []
        for role in who.roles:
            if role.role not in WRITING_ROLES or role.organisation_id is None:
                continue
            for party, column in (
                ("sending_school", Transfer.sending_school_id),
                ("receiving_school", Transfer.receiving_school_id),
            ):
                seats.append(
                    and_(
                        TransferMessage.to_party == party,
                        column == role.organisation_id,
                        or_(
                            TransferMessage.to_role.is_(None), TransferMessage.to_role == role.role
                        ),
                    )
                )
        if not seats:
            return {}
        read = select(MessageRead.id).where(
            MessageRead.message_id == TransferMessage.id, MessageRead.account_id == who.user_id
        )
        query = (
            select(TransferMessage.transfer_id, func.count())
            .join(Transfer, Transfer.id == TransferMessage.transfer_id)
            .where(
                or_(*seats),
                or_(TransferMessage.author_id.is_(None), TransferMessage.author_id != who.user_id),
                ~read.exists(),
            )
            .group_by(TransferMessage.transfer_id)
        )
        if transfer_ids is not None:
            query = query.where(TransferMessage.transfer_id.in_(list(transfer_ids)))
        return {row[0]: int(row[1]) for row in self.session.execute(query)}

    def mark_read(self, transfer: Transfer, reader: Reader) -> int:
        """Record that ``reader`` read every message addressed to them: the number newly read.
        Two tabs at once do not fail: a read already recorded is left as it is."""
        count = 0
        for message in self.unread(transfer, reader):
            try:
                with self.session.begin_nested():
                    self.session.add(
                        MessageRead(
                            message_id=message.id,
                            account_id=reader.account_id,
                            parent_access_id=reader.access_id,
                            reader_name=reader.name[:200],
                            read_at=self.clock.now(),
                        )
                    )
                count += 1
            except IntegrityError:
                continue
        return count

    def reads(self, messages: Sequence[TransferMessage]) -> dict[uuid.UUID, list[MessageRead]]:
        ids = [m.id for m in messages]
        found: dict[uuid.UUID, list[MessageRead]] = {}
        if not ids:
            return found
        for read in self.session.scalars(
            select(MessageRead)
            .where(MessageRead.message_id.in_(ids))
            .order_by(MessageRead.read_at, MessageRead.id)
        ):
            found.setdefault(read.message_id, []).append(read)
        return found

    def attachment(
        self, transfer: Transfer, reader: Reader, message_id: uuid.UUID, attachment_id: uuid.UUID
    ) -> MessageAttachment | None:
        """A file of a message of this transfer that ``reader`` sees; None otherwise."""
        message = self.session.get(TransferMessage, message_id)
        if message is None or message.transfer_id != transfer.id:
            return None
        if not self.visible(message, reader):
            return None
        found = self.session.get(MessageAttachment, attachment_id)
        if found is None or found.message_id != message.id:
            return None
        return found

    def view(
        self,
        transfer: Transfer,
        reader: Reader,
        language: str,
        *,
        action: str,
        files_url: str,
        values: dict[str, str] | None = None,
        problems: dict[str, str] | None = None,
        mark: bool = True,
        posted: bool = False,
    ) -> ThreadView:
        """The thread as ``reader`` sees it, with the form to write; the messages addressed to
        them are then marked read (``mark``), after being shown as new."""
        messages = self.thread(transfer, reader)
        unread = {m.id for m in self.unread(transfer, reader)}
        reads = self.reads(messages)
        names = self._names(transfer)
        addressees = self.addressees(transfer, reader, language)
        shown = [
            Shown(
                message=m,
                author=_author_text(names, m, language),
                to=_addressee_text(names, m.to_party, m.to_role, language),
                mine=reader.wrote(m),
                unread=m.id in unread,
                reads=[
                    (
                        localize(PARTIES[PARENTS], language)
                        if r.parent_access_id is not None
                        else r.reader_name,
                        r.read_at,
                    )
                    for r in reads.get(m.id, [])
                ]
                if reader.wrote(m) or reader.school
                else [],
                attachments=[(a, file_types.size_text(a.size)) for a in m.attachments],
            )
            for m in messages
        ]
        wanted = dict(values or {})
        wanted.setdefault("to", self.default_addressee(addressees, reader))
        wanted.setdefault("body", "")
        view = ThreadView(
            messages=shown,
            addressees=addressees,
            action=action,
            files_url=files_url,
            unread=len(unread),
            may_post=bool(addressees),
            values=wanted,
            problems=dict(problems or {}),
            accepted=_or(list(ACCEPTED.values()), language),
            max_file_mb=self.limit() // 2**20,
            posted=posted,
            shown=reader.school or PARENTS in reader.parties,
        )
        if mark and unread:
            self.mark_read(transfer, reader)
        return view

    # ------------------------------------------------------------------ the parents

    def thread_for_parents(self, transfer: Transfer) -> list[TransferMessage]:
        """The messages the parents see: those from and to the parents."""
        return self.thread(transfer, Reader(("parents.ouder",)))

    def post_from_parents(
        self,
        access: ParentAccess,
        text: str,
        files: Sequence[Upload] = (),
        to: str | None = None,
    ) -> TransferMessage:
        """A message from the parents on their link ``access``, to the school ``to``
        ("sending_school" or "receiving_school"; by default the new school, else the
        current one). Refused like :meth:`post`."""
        transfer = self.session.get(Transfer, access.transfer_id)
        assert transfer is not None
        reader = parents_reader(access)
        if to is None:
            schools = self._schools(transfer)
            to = "receiving_school" if "receiving_school" in schools else "sending_school"
        return self.post(transfer, reader, to, text, files)


def _or(items: list[str], language: str) -> str:
    if len(items) < 2:
        return "".join(items)
    word = " of " if language == "nl" else " or "
    return ", ".join(items[:-1]) + word + items[-1]


def _addressee_text(names: dict[str, str], party: str, role: str | None, language: str) -> str:
    if party == PARENTS:
        return localize(PARTIES[PARENTS], language)
    school = names.get(party) or localize(PARTIES.get(party, {"en": party}), language)
    if role is None:
        return school
    role_text = localize(ROLE_NAMES.get(role, {"en": role}), language)
    return f"{role_text} {'van' if language == 'nl' else 'of'} {school}"


def _author_text(names: dict[str, str], message: TransferMessage, language: str) -> str:
    if message.author_party == PARENTS:
        return localize(PARTIES[PARENTS], language).capitalize()
    place = _addressee_text(names, message.author_party, message.author_role, language)
    return f"{message.author_name}, {place}" if message.author_name else place
