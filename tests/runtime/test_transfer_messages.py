"""A transfer's messages as the schools and the parents use them: the two schools write to each
other's roles both ways, with a file; each addressee's reading is their own, and the sender sees
who read it; a hostile file (a renamed program, one too large) is refused with a message and the
text kept; another organisation can neither write nor download (404); the addressed role's
accounts get an e-mail, through a real SMTP server, that holds no pupil data; the parents see
only what is from and to them."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import delete, func, select

from runtime import outbox
from runtime.audit.models import AuditEvent
from runtime.db.base import Base
from runtime.outbox import OutboxMessage
from runtime.settings import Settings
from runtime.state import AppState
from runtime.storage import Upload
from runtime.transfers import parents
from runtime.transfers.messages import (
    MessageRefused,
    MessageService,
    Reader,
    parents_reader,
    parents_to_tell,
)
from runtime.transfers.models import MessageRead, Transfer, TransferMessage

from .conftest import log_in, with_csrf
from .test_password_reset import Inbox, mail_app, smtp  # noqa: F401 - the SMTP server
from .test_transfers import Client, logged_in, new_transfer

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
LINDE = "Basisschool De Linde (demo)"


@pytest.fixture
def linde_ib(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "ib@linde.demo")


@pytest.fixture
def linde_director(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "directeur@linde.demo")


@pytest.fixture
def kompas(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "ib@kompas.demo")


@pytest.fixture
def board(app: Litestar, seeded: AppState) -> Iterator[Client]:
    yield from logged_in(app, "bestuur@noorderbasis.demo")


def write(
    client: Client,
    url: str,
    to: str,
    body: str,
    files: dict[str, tuple[str, bytes, str]] | None = None,
    htmx: bool = False,
) -> httpx.Response:
    return client.post(
        f"{url}/messages",
        data={"to": to, "body": body},
        files=files or {"file_1": ("", b"", "application/octet-stream")},
        headers={"HX-Request": "true"} if htmx else {},
        follow_redirects=False,
    )


def messages_of(seeded: AppState, url: str) -> list[TransferMessage]:
    with seeded.db.session() as session:
        found = list(
            session.scalars(
                select(TransferMessage)
                .where(TransferMessage.transfer_id == uuid.UUID(url.split("/")[2]))
                .order_by(TransferMessage.created_at)
            )
        )
        for message in found:
            _ = list(message.attachments)
        session.expunge_all()
    return found


def file_links(page: str) -> list[str]:
    return re.findall(r'href="(/transfers/[^"]+/messages/[^"]+/files/[^"]+)"', page)


def test_the_two_schools_write_to_each_other_with_a_file(
    client: Client, linde_ib: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    page = client.get(url).text
    assert "Berichten" in page and "Nog geen berichten." in page
    # the addressees: the roles of the other school first, then of one's own, and the parents
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', page)
    keys = [key for key, _, _ in options if "." in key or key == "parents"]
    assert keys[:3] == [
        "receiving_school.medewerker",
        "receiving_school.intern_begeleider",
        "receiving_school.directeur",
    ]
    assert "sending_school.directeur" in keys and "parents" in keys
    chosen = [label for key, selected, label in options if selected and "." in key]
    assert chosen == [f"de intern begeleider van {LINDE}"]
    sent = write(
        client,
        url,
        "receiving_school.intern_begeleider",
        "Goedemiddag,\nhierbij het verslag van het laatste gesprek.",
        {"file_1": ("verslag gesprek.pdf", PDF, "application/pdf")},
    )
    assert sent.status_code == 303, sent.text[:2000]
    assert sent.headers["location"].endswith("?sent=1#messages")
    assert "Uw bericht is verstuurd." in client.get(sent.headers["location"]).text
    # the new school's IB reads it: new, with its file, from whom and to whom
    theirs = linde_ib.get(url).text
    assert "hierbij het verslag van het laatste gesprek." in theirs
    assert "1 nieuw" in theirs and ">nieuw<" in theirs
    assert (
        "Ilse Bakker (IB, De Regenboog), de intern begeleider van Basisschool De Regenboog"
        in theirs
    )
    (link,) = file_links(theirs)
    download = linde_ib.get(link)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "verslag gesprek.pdf" in download.headers["content-disposition"] or (
        "verslag%20gesprek.pdf" in download.headers["content-disposition"]
    )
    with seeded.db.session() as session:
        audited = session.scalars(
            select(AuditEvent.purpose).where(AuditEvent.object_id == url.split("/")[2])
        ).all()
    assert any("download a file of a message" in p for p in audited)
    assert any("write a message" in p for p in audited)
    # seen once: no longer new
    assert ">nieuw<" not in linde_ib.get(url).text
    # the answer, with htmx: the thread comes back with the new message, not a whole page
    reply = linde_ib.post(
        f"{url}/messages",
        data={"to": "sending_school.intern_begeleider", "body": "Dank u, ontvangen."},
        files={"file_1": ("", b"", "application/octet-stream")},
        headers={"HX-Request": "true"},
    )
    assert reply.status_code == 200
    assert "<html" not in reply.text and 'id="messages"' in reply.text
    assert "Dank u, ontvangen." in reply.text and "Uw bericht is verstuurd." in reply.text
    # the first school: the answer is new, and its own message says who read it and when
    ours = client.get(url).text
    assert "Dank u, ontvangen." in ours and "1 nieuw" in ours
    assert "Gelezen door Lotte Hendriks (IB, De Linde) op" in ours
    stored = messages_of(seeded, url)
    assert [(m.author_party, m.to_party, m.to_role) for m in stored] == [
        ("sending_school", "receiving_school", "intern_begeleider"),
        ("receiving_school", "sending_school", "intern_begeleider"),
    ]
    (attachment,) = stored[0].attachments
    assert (
        attachment.media_type == "application/pdf" and attachment.filename == "verslag gesprek.pdf"
    )
    assert seeded.files.get(attachment.sha256) == PDF
    assert data["achternaam"] not in stored[0].body


def test_read_status_is_per_account_of_the_addressed_role(
    client: Client, linde_ib: Client, linde_director: Client, seeded: AppState
) -> None:
    url, _ = new_transfer(client)
    write(client, url, "receiving_school.directeur", "Voor de directeur.")
    write(client, url, "receiving_school", "Voor iedereen van De Linde.")  # not offered
    assert len(messages_of(seeded, url)) == 1  # a school is written to by one of its roles
    # the IB is not addressed: it sees the message but it is not new for them, nor read by them
    ib_page = linde_ib.get(url).text
    assert "Voor de directeur." in ib_page and ">nieuw<" not in ib_page
    assert "1 nieuw" in linde_director.get(url).text
    assert ">nieuw<" not in linde_director.get(url).text
    (message,) = messages_of(seeded, url)
    with seeded.db.session() as session:
        readers = session.scalars(
            select(MessageRead.reader_name).where(MessageRead.message_id == message.id)
        ).all()
    assert readers == ["Dirk Visser (directeur, De Linde)"]
    assert "Gelezen door Dirk Visser (directeur, De Linde) op" in client.get(url).text
    # two accounts with the addressed role: one's reading is not the other's
    with seeded.db.session() as session:
        transfer = session.get(Transfer, message.transfer_id)
        assert transfer is not None
        service = MessageService(session, seeded.registry, seeded.settings, seeded.files)
        first, second = (
            Reader(("receiving_school.directeur",), account_id=uuid.uuid4(), name=name)
            for name in ("Eerste directeur", "Tweede directeur")
        )
        assert service.unread_count(transfer, first) == service.unread_count(transfer, second) == 1
        assert service.mark_read(transfer, first) == 1
        assert service.mark_read(transfer, first) == 0  # a second tab: nothing new, no error
        assert service.unread_count(transfer, first) == 0
        assert service.unread_count(transfer, second) == 1
        session.rollback()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("rapport.pdf", PROGRAM, "is geen PDF, JPG, PNG, Word (.docx) of ODT"),
        ("groot.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "is te groot"),
    ],
)
def test_a_hostile_file_is_refused_and_the_text_kept(
    client: Client, seeded: AppState, name: str, content: bytes, expected: str
) -> None:
    url, _ = new_transfer(client)
    text = "Zie de bijlage <script>alert(1)</script> voor de details."
    refused = write(
        client,
        url,
        "receiving_school.directeur",
        text,
        {"file_1": (name, content, "application/pdf")},
    )
    assert refused.status_code == 400
    page = refused.text
    assert "Het bericht is niet verstuurd" in page and expected in page
    assert f"Het bestand &#39;{name}&#39;" in page or f"Het bestand '{name}'" in page
    assert "Uw tekst is bewaard; kies de bestanden opnieuw." in page
    # the text kept (escaped), the addressee kept
    assert (
        "Zie de bijlage &lt;script&gt;alert(1)&lt;/script&gt; voor de details.</textarea>" in page
    )
    assert '<option value="receiving_school.directeur" selected>' in page
    assert "<script>alert(1)</script>" not in page
    assert messages_of(seeded, url) == []


def test_an_empty_message_is_refused_with_htmx_in_place(client: Client, seeded: AppState) -> None:
    url, _ = new_transfer(client)
    refused = write(client, url, "parents", "   ", htmx=True)
    assert refused.status_code == 200
    assert "Schrijf een bericht." in refused.text
    assert '<option value="parents" selected>' in refused.text
    unknown = write(client, url, "swv", "Aan wie?")
    assert unknown.status_code == 400
    assert "Kies aan wie het bericht is." in unknown.text
    assert messages_of(seeded, url) == []


def test_another_organisation_cannot_write_or_download(
    client: Client, kompas: Client, board: Client, seeded: AppState
) -> None:
    url, _ = new_transfer(client)
    write(
        client,
        url,
        "receiving_school.intern_begeleider",
        "Vertrouwelijk verslag.",
        {"file_1": ("verslag.pdf", PDF, "application/pdf")},
    )
    (link,) = file_links(client.get(url).text)
    assert kompas.get(link).status_code == 404
    assert (
        write(kompas, url, "sending_school.directeur", "Ik ben een andere school.").status_code
        == 404
    )
    # the board may read the transfer, but not its correspondence
    assert board.get(link).status_code == 404
    board_page = board.get(url).text
    assert "Vertrouwelijk verslag." not in board_page and 'id="messages"' not in board_page
    assert write(board, url, "sending_school.directeur", "Van het bestuur.").status_code in (
        403,
        404,
    )
    # an attachment under another transfer's address is not found either
    other, _ = new_transfer(client)
    assert client.get(link.replace(url, other)).status_code == 404
    assert [m.body for m in messages_of(seeded, url)] == ["Vertrouwelijk verslag."]


def arrived(inbox: Inbox, settings: Settings, seeded: AppState, seconds: float = 15.0) -> None:
    """Wait for the message's mail. A job worker of another application in this test session
    (whose SMTP server is not this one) may take the job first and fail: its retry is then
    sent from here, at once, to this test's server."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if any("Nieuw bericht" in m["Subject"] for m in inbox.messages):
            return
        time.sleep(0.3)
        outbox.deliver_due(seeded.db, settings, everything=True)
    raise AssertionError("no mail about the new message arrived")


def test_the_addressed_role_gets_an_e_mail_without_pupil_data(
    smtp: tuple[Inbox, int],  # noqa: F811
    settings: Settings,
    seeded: AppState,
) -> None:
    inbox, port = smtp
    with seeded.db.session() as session:  # earlier tests' mail, never sent, is not this test's
        session.execute(delete(OutboxMessage))
    app = mail_app(settings, seeded, port)
    with TestClient(app, base_url="http://popo.local") as client:
        with_csrf(client)
        log_in(client, "ib@regenboog.demo")
        url, data = new_transfer(client)
        sent = write(
            client, url, "receiving_school.intern_begeleider", "Over Sanne: haar dossier volgt."
        )
        assert sent.status_code == 303
        arrived(inbox, settings.replace(smtp_host="127.0.0.1", smtp_port=port), seeded)
        time.sleep(0.5)  # a mail to anyone else would have arrived with it
    with seeded.db.session() as session:
        reference = session.scalar(
            select(Transfer.reference).where(Transfer.id == uuid.UUID(url.split("/")[2]))
        )
    assert reference is not None
    mails = [m for m in inbox.messages if reference in m["Subject"]]
    assert [m["To"] for m in mails] == ["ib@linde.demo"]  # not the director, not the author
    (mail,) = mails
    body = mail.get_payload(decode=True).decode("utf-8")
    assert mail["Subject"] == f"Nieuw bericht bij overstap {reference}"
    assert f"voor de intern begeleider van {LINDE}." in body
    assert f"/transfers/{url.split('/')[2]}#messages" in body
    for secret in (data["achternaam"], "Sanne", data["number"], "dossier volgt", "2018"):
        assert secret not in body and secret not in mail["Subject"]


def test_the_parents_see_only_what_is_from_and_to_them(client: Client, seeded: AppState) -> None:
    url, _ = new_transfer(client)
    write(client, url, "receiving_school.intern_begeleider", "Tussen de scholen.")
    write(client, url, "parents", "Beste ouders, welkom.")
    transfer_id = uuid.UUID(url.split("/")[2])
    with seeded.db.session() as session:
        transfer = session.get(Transfer, transfer_id)
        assert transfer is not None
        access, _ = parents.create_link(session, transfer)
        service = MessageService(session, seeded.registry, seeded.settings, seeded.files)
        assert [m.body for m in service.thread_for_parents(transfer)] == ["Beste ouders, welkom."]
        reader = parents_reader(access)
        assert service.unread_count(transfer, reader) == 1
        assert [parents_to_tell(m) for m in service.thread(transfer, reader)] == [True]
        from_parents = service.post_from_parents(access, "Wanneer kan zij beginnen?")
        assert (from_parents.author_party, from_parents.to_party) == ("parents", "receiving_school")
        assert not parents_to_tell(from_parents)
        with pytest.raises(MessageRefused) as refused:
            service.post_from_parents(access, "Zie bijlage", [_program()])
        assert "files" in refused.value.problems
        view = service.view(
            transfer, reader, "nl", action="/p/x/messages", files_url="/p/x/messages"
        )
        assert [s.message.body for s in view.messages] == [
            "Beste ouders, welkom.",
            "Wanneer kan zij beginnen?",
        ]
        assert [a.key for a in view.addressees] == ["sending_school", "receiving_school"]
        assert view.values["to"] == "receiving_school"
        assert service.unread_count(transfer, reader) == 0
        assert (
            service.attachment(transfer, reader, view.messages[0].message.id, uuid.uuid4()) is None
        )
        # the receiving school's staff are told of the parents' message
        told = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.recipient.in_(["ib@linde.demo", "directeur@linde.demo"]))
        )
        assert told and told >= 2
        session.rollback()


def _program() -> Upload:
    return Upload("foto.jpg", PROGRAM)


def test_the_migrated_tables_are_the_models(seeded: AppState) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with seeded.db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
    ours = [d for d in differences if "message" in str(d)]
    assert ours == []


def test_new_messages_are_counted_in_the_register_and_on_my_work(
    client: Client, linde_ib: Client, seeded: AppState
) -> None:
    url, data = new_transfer(client)
    write(client, url, "receiving_school.intern_begeleider", "Een vraag over de overstap.")
    write(client, url, "receiving_school.intern_begeleider", "En nog een.")
    register = linde_ib.get("/transfers", params={"q": data["achternaam"]}).text
    assert "2 nieuwe berichten" in register
    work = linde_ib.get("/work").text
    assert data["achternaam"] in work.split("Nieuwe berichten")[1].split("<h2>")[0]
    linde_ib.get(url)  # reading the thread marks them read
    assert (
        "nieuwe berichten" not in linde_ib.get("/transfers", params={"q": data["achternaam"]}).text
    )
    # the writer has nothing new of their own
    assert "nieuwe berichten" not in client.get("/transfers", params={"q": data["achternaam"]}).text
