"""Notifications: one event, a mail (sent to a real SMTP server, aiosmtpd on loopback) and a
notification in the application; no pupil data can enter either."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jinja2 import meta
from litestar.testing import TestClient
from sqlalchemy import delete, select

from runtime import jobs, notifications
from runtime.access import accounts
from runtime.access.models import UserAccount
from runtime.app import create_app
from runtime.demo import DEMO_PASSWORD
from runtime.forms.tasks import render_archive
from runtime.notifications.models import Notification
from runtime.outbox import OutboxMessage
from runtime.state import AppState

from ..support import ADVIES_LEERLING
from .conftest import log_in, with_csrf
from .test_archive import ADVIES, submission_of, submit
from .test_password_reset import Inbox, smtp, wait_for_mail  # noqa: F401 (the fixture)

# what a fact's name must never be about: the pupil, the parents, or what was answered
PUPIL_DATA = ("name", "naam", "bsn", "onderwijsnummer", "answer", "antwoord", "pupil", "leerling")
PUPIL_DATA += ("child", "kind", "parent", "ouder", "birth", "geboorte", "address", "adres")
PUPIL_DATA += ("email", "phone", "telefoon", "reason", "advies", "note", "text")


def test_every_event_declares_a_closed_list_of_facts_without_pupil_data() -> None:
    assert {"password_reset", "submission_archived"} <= set(notifications.EVENTS)
    for kind, event in notifications.EVENTS.items():
        for fact in event.facts:
            assert not any(word in fact.lower() for word in PUPIL_DATA), (kind, fact)
        assert event.dates <= event.facts
        for language in ("nl", "en"):
            path = notifications.texts(kind, language)
            name = path.name
            source = path.read_text(encoding="utf-8")
            used = meta.find_undeclared_variables(
                notifications.environment(path.parent).parse(source)
            )
            assert used <= event.facts | {"link"}, (name, used - event.facts)
            assert "link" in used, name  # what happened, and where to see more
            subject, blank, body = source.partition("\n\n")
            assert subject and "\n" not in subject and blank and body.strip(), name


def test_rendering_refuses_a_fact_the_event_does_not_declare(seeded: AppState) -> None:
    link = "https://popo.example/drafts/1/submission"
    with pytest.raises(notifications.UndeclaredFact) as refused:
        notifications.render(
            "submission_archived",
            "nl",
            link,
            {"organisation": "De Regenboog", "form": "Advies"} | {"bsn": "123456782"},
        )
    assert str(refused.value) == (
        "notification 'submission_archived' does not declare the fact(s) bsn; "
        "it may use only: form, organisation"
    )
    with pytest.raises(notifications.UndeclaredFact, match="must be a text or a number"):
        notifications.render(
            "submission_archived", "en", link, {"organisation": {"answers": 1}, "form": "Advies"}
        )
    with pytest.raises(notifications.UndeclaredFact, match="needs the fact"):
        notifications.render("submission_archived", "en", link, {"form": "Advies"})
    with seeded.db.session() as session:
        account = session.scalar(select(UserAccount).where(UserAccount.email == "ib@kompas.demo"))
        assert account is not None
        with pytest.raises(notifications.UndeclaredFact):
            notifications.notify(session, "password_reset", [account], link, name="Bakker")
        session.rollback()


def test_a_date_fact_is_written_in_the_recipients_language(tmp_path: Path) -> None:
    (tmp_path / "test_deadline.nl.txt").write_text(
        "Formulier voor {{ organisation }}\n\nBehandel het uiterlijk {{ deadline }}: {{ link }}\n"
    )
    (tmp_path / "test_deadline.en.txt").write_text(
        "A form for {{ organisation }}\n\nDeal with it by {{ deadline }}: {{ link }}\n"
    )
    event = notifications.Event(
        "test_deadline", frozenset({"organisation", "deadline"}), dates=frozenset({"deadline"})
    )
    notifications.register(tmp_path, event)
    try:
        link = "https://popo.example/drafts/1"
        facts = {"organisation": "De Linde", "deadline": date(2027, 3, 1)}
        dutch = notifications.render("test_deadline", "nl", link, facts)
        english = notifications.render("test_deadline", "en", link, facts)
        assert dutch.subject == "Formulier voor De Linde"
        assert "uiterlijk 1 maart 2027:" in dutch.body and link in dutch.body
        assert "by 1 March 2027:" in english.body
        with pytest.raises(notifications.UndeclaredFact, match="must be a date"):
            notifications.render("test_deadline", "nl", link, facts | {"deadline": "1-3-2027"})
    finally:
        notifications.EVENTS.pop("test_deadline")


@pytest.fixture
def mail_state(
    seeded: AppState,
    smtp: tuple[Inbox, int],  # noqa: F811 (the fixture of test_password_reset)
) -> Iterator[tuple[AppState, Inbox]]:
    """The application's state sending mail to the test's SMTP server; jobs run when the
    test runs them (no in-process worker)."""
    inbox, port = smtp
    settings = seeded.settings.replace(
        inprocess_worker=False, smtp_host="127.0.0.1", smtp_port=port
    )
    jobs.run_until_idle(seeded)  # what earlier tests left queued (their archives, their mail)
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Notification))
    yield dataclasses.replace(seeded, settings=settings, swept=True), inbox
    with seeded.db.session() as session:
        session.execute(delete(OutboxMessage))
        session.execute(delete(Notification))


def header_count(page: str) -> str:
    found = re.search(r'class="header__notifications" href="/notifications">([^<]*)<', page)
    return found.group(1) if found else ""


def test_the_sender_is_told_by_mail_and_in_the_application_when_the_archive_is_ready(
    mail_state: tuple[AppState, Inbox],
) -> None:
    state, inbox = mail_state
    app = create_app(state.settings, state)
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        client.get("/login?lang=nl")  # logged in in Dutch: the account's mail is Dutch
        log_in(client, "ib@regenboog.demo")
        base = submit(client, pages=ADVIES)
        submission = submission_of(state, base)
        assert header_count(client.get("/").text) == ""
        jobs.run_until_idle(state)  # the archive, then its notification's mail

        link = f"{state.settings.base_url.rstrip('/')}/drafts/{submission.draft_id}/submission"
        # this submission's mail (an earlier test's archive job may have run in the same go)
        (message,) = [
            m for m in wait_for_mail(inbox, 1) if link in m.get_payload(decode=True).decode()
        ]
        body = message.get_payload(decode=True).decode()
        assert message["To"] == "ib@regenboog.demo"
        assert (
            message["Subject"]
            == "Een formulier aan Basisschool De Regenboog (demo) is gearchiveerd"
        )
        assert link in body and "is als PDF gearchiveerd" in body
        mail = f"{message['Subject']}\n{body}"
        for field in ("achternaam", "voornamen", "geboortedatum", "bsn", "contactpersoon"):
            assert ADVIES_LEERLING[field] not in mail  # only what happened, and a link

        home = client.get("/").text
        # this submission's notification, once (an earlier test's queued archive may have
        # told the same person in the same go, as for the mail above)
        with state.db.session() as session:
            mine = session.scalars(select(Notification).where(Notification.link == link)).all()
        assert len(mine) == 1
        assert re.fullmatch(r"\d+ nieuwe melding(en)?", header_count(home)), header_count(home)
        page = client.get("/notifications").text
        assert (
            "Een formulier aan Basisschool De Regenboog (demo) is gearchiveerd" in page
            and "nieuw" in page
        )
        english = client.get("/notifications?lang=en").text
        assert "A form sent to Basisschool De Regenboog (demo) has been archived" in english
        assert re.fullmatch(r"\d+ new notifications?", header_count(english))

        with state.db.session() as session:
            mine = select(Notification).where(Notification.ref == str(submission.id))
            (notification,) = session.scalars(mine).all()
            notification_id = notification.id

        # the job run again (a retry, the sweep) tells nobody twice
        render_archive.run(state, submission_id=str(submission.id))
        with state.db.session() as session:
            assert len(session.scalars(mine).all()) == 1

        # another person sees none of it, and cannot mark it read
        with TestClient(app, base_url="http://testserver.local") as other:
            with_csrf(other)
            log_in(other, "ib@kompas.demo")
            assert header_count(other.get("/").text) == ""
            assert "U hebt geen meldingen." in other.get("/notifications").text
            tried = other.post(f"/notifications/{notification_id}/open", follow_redirects=False)
            assert tried.headers["location"] == "/notifications"
        assert header_count(client.get("/?lang=nl").text) == "1 nieuwe melding"

        opened = client.post(f"/notifications/{notification_id}/open", follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"] == link
        assert header_count(client.get("/").text) == ""
        assert "nieuw" not in client.get("/notifications").text.split("<h1>")[1]


def test_mark_all_read_and_the_page_asks_to_log_in(
    mail_state: tuple[AppState, Inbox], anonymous: Any
) -> None:
    state, _ = mail_state
    with state.db.session() as session:
        account = session.scalar(select(UserAccount).where(UserAccount.email == "ib@kompas.demo"))
        assert account is not None
        for ref in ("a", "b"):
            notifications.notify(
                session,
                "submission_archived",
                [account],
                f"https://popo.example/drafts/{uuid.uuid4()}/submission",
                ref=ref,
                organisation="Het Kompas",
                form="Advies",
            )
    page = anonymous.get("/notifications", follow_redirects=False)
    assert page.status_code in (302, 303) and "/login" in page.headers["location"]
    app = create_app(state.settings, state)
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        log_in(client, "ib@kompas.demo")
        assert header_count(client.get("/?lang=en").text) == "2 new notifications"
        done = client.post("/notifications/read", follow_redirects=False)
        assert done.headers["location"] == "/notifications"
        assert header_count(client.get("/").text) == ""


# ---------------------------------------------------------------- each recipient's language


def account_language(state: AppState, email: str) -> str:
    with state.db.session() as session:
        language = session.scalar(select(UserAccount.language).where(UserAccount.email == email))
        assert language is not None
        return language


def test_one_event_is_mailed_to_each_person_in_their_own_language(
    mail_state: tuple[AppState, Inbox],
) -> None:
    state, inbox = mail_state
    with state.db.session() as session:
        english = accounts.create_user(
            session, "staff-en@example.org", "Emma", DEMO_PASSWORD, [], "en"
        )
        dutch = accounts.create_user(session, "staff-nl@example.org", "Daan", DEMO_PASSWORD, [])
        told = notifications.notify(
            session,
            "submission_archived",
            [english, dutch],
            "https://popo.example/drafts/x/submission",
            ref="one-event",
            organisation="Het Kompas",
            form="Advies",
        )
        assert told == 2
    jobs.run_until_idle(state)
    mails = {m["To"]: m for m in wait_for_mail(inbox, 2)}
    assert mails["staff-en@example.org"]["Subject"] == (
        "A form sent to Het Kompas has been archived"
    )
    assert mails["staff-nl@example.org"]["Subject"] == (
        "Een formulier aan Het Kompas is gearchiveerd"
    )
    english_body = mails["staff-en@example.org"].get_payload(decode=True).decode()
    assert 'The form "Advies" that you sent has been archived as a PDF' in english_body


def test_the_language_chosen_at_login_or_with_the_switch_is_the_accounts(
    mail_state: tuple[AppState, Inbox],
) -> None:
    state, inbox = mail_state
    with state.db.session() as session:
        accounts.create_user(session, "switcher@example.org", "Sam", DEMO_PASSWORD, [])
    assert account_language(state, "switcher@example.org") == "nl"
    app = create_app(state.settings, state)
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        client.get("/login?lang=en")  # chosen before logging in
        log_in(client, "switcher@example.org")
        assert account_language(state, "switcher@example.org") == "en"
        client.get("/notifications?lang=nl")  # the switch, while logged in
        assert account_language(state, "switcher@example.org") == "nl"
        client.get("/?lang=en")
        assert account_language(state, "switcher@example.org") == "en"
        client.post("/logout")

    # a reset asked for from a Dutch page: the mail is in the account's language
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        client.get("/password/forgot?lang=nl")
        client.post("/password/forgot", data={"email": "switcher@example.org"})
    jobs.run_until_idle(state)
    (message,) = wait_for_mail(inbox, 1)
    assert message["Subject"] == "Set a new POPO password"

    # logging in where no language was chosen keeps the account's
    with TestClient(app, base_url="http://testserver.local") as client:
        with_csrf(client)
        log_in(client, "switcher@example.org")
        assert account_language(state, "switcher@example.org") == "en"


def test_user_add_takes_the_persons_language(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runtime.cli import main
    from runtime.db.session import Database
    from runtime.settings import Settings

    monkeypatch.setenv("POPO_DATABASE_URL", f"sqlite:///{tmp_path / 'users.sqlite3'}")
    monkeypatch.setenv("POPO_DATA_DIR", str(tmp_path / "var"))
    add = ["user-add", "--name", "Beheer", "--password", "een-lang-wachtwoord"]
    assert main([*add, "en@example.org", "--language", "en"]) == 0
    assert main([*add, "default@example.org"]) == 0
    database = Database(Settings())
    try:
        with database.session() as session:
            languages = dict(session.execute(select(UserAccount.email, UserAccount.language)).all())
    finally:
        database.engine.dispose()
    assert languages == {"en@example.org": "en", "default@example.org": "nl"}
