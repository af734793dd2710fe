"""The pure part of statuses (runtime/statuses/workflow.py): a workflow as data, checked without
a database, with the reasons a person reads in Dutch and English."""

from __future__ import annotations

import enum
import subprocess
import sys

import pytest

from runtime.statuses.workflow import (
    Attempt,
    Effect,
    Transition,
    TransitionRefused,
    Workflow,
    fact_guard,
    role_guard,
)

from .conftest import REPOSITORY


class Request(enum.StrEnum):
    NEW = "new"
    SENT = "sent"
    ACCEPTED = "accepted"
    WITHDRAWN = "withdrawn"


FORMS = fact_guard(
    "forms_complete",
    {"nl": "Eerst moeten alle formulieren compleet zijn.", "en": "First complete every form."},
)

WORKFLOW = Workflow(
    name="request",
    statuses=Request,
    initial=Request.NEW,
    transitions=(
        Transition(Request.NEW, Request.SENT, guards=(FORMS,), effects=(Effect("notify"),)),
        Transition(Request.SENT, Request.ACCEPTED, guards=(role_guard("swv", "school"),)),
        Transition(Request.NEW, Request.WITHDRAWN),
        Transition(Request.SENT, Request.WITHDRAWN),
    ),
    labels={
        Request.NEW: {"nl": "nieuw", "en": "new"},
        Request.SENT: {"nl": "verstuurd", "en": "sent"},
        Request.ACCEPTED: {"nl": "geaccepteerd", "en": "accepted"},
    },
    subject_label={"nl": "Aanvraag", "en": "Request"},
)


def test_an_allowed_move_whose_guards_hold_gives_its_transition() -> None:
    attempt = Attempt(role="ib", facts={"forms_complete": True})
    transition = WORKFLOW.check(Request.NEW, "sent", attempt)
    assert (transition.source, transition.target) == (Request.NEW, Request.SENT)
    assert transition.effects[0].kwargs("42") == {"subject_id": "42"}


def test_a_move_the_workflow_does_not_have_is_refused_in_both_languages() -> None:
    with pytest.raises(TransitionRefused) as refused:
        WORKFLOW.check("accepted", Request.NEW, Attempt(role="swv"))
    assert refused.value.code == "not_allowed"
    assert refused.value.text("nl") == "Aanvraag: van 'geaccepteerd' kan het niet naar 'nieuw'."
    assert refused.value.text("en") == "Request: it cannot go from 'accepted' to 'new'."


def test_a_guard_that_does_not_hold_gives_its_own_reason() -> None:
    with pytest.raises(TransitionRefused) as refused:
        WORKFLOW.check(Request.NEW, Request.SENT, Attempt(facts={"forms_complete": False}))
    assert refused.value.code == "guard:forms_complete"
    assert refused.value.text("nl") == (
        "Aanvraag: van 'nieuw' naar 'verstuurd' kan nog niet. "
        "Eerst moeten alle formulieren compleet zijn."
    )
    assert refused.value.text("en") == (
        "Request: it cannot go from 'new' to 'sent' yet. First complete every form."
    )


def test_the_role_guard_names_the_roles_that_may() -> None:
    with pytest.raises(TransitionRefused) as refused:
        WORKFLOW.check(Request.SENT, Request.ACCEPTED, Attempt(role="ib"))
    assert refused.value.code == "guard:role"
    assert refused.value.text("nl").endswith("Dat mag alleen in de rol 'school' of 'swv'.")
    assert refused.value.text("en").endswith("Only the role 'school' or 'swv' may do that.")
    assert WORKFLOW.check(Request.SENT, Request.ACCEPTED, Attempt(role="swv"))


def test_an_unknown_stored_status_is_refused_not_a_traceback() -> None:
    with pytest.raises(TransitionRefused) as refused:
        WORKFLOW.check("archived", Request.SENT, Attempt())
    assert refused.value.text("en") == "Request: there is no status 'archived'."
    assert refused.value.text("nl") == "Aanvraag: de status 'archived' bestaat niet."


def test_available_lists_the_moves_an_attempt_may_make_now() -> None:
    targets = [t.target for t in WORKFLOW.available(Request.NEW, Attempt())]
    assert targets == [Request.WITHDRAWN]
    complete = Attempt(facts={"forms_complete": True})
    assert [t.target for t in WORKFLOW.available("new", complete)] == [
        Request.SENT,
        Request.WITHDRAWN,
    ]
    assert WORKFLOW.label(Request.WITHDRAWN, "nl") == "withdrawn"  # no label: the value


class Other(enum.Enum):
    X = "x"


def test_a_workflow_with_a_status_of_another_enum_or_a_double_move_is_refused() -> None:
    with pytest.raises(ValueError, match=r"workflow w: .*Other\.X.* is not a status of Request"):
        Workflow("w", Request, Request.NEW, (Transition(Request.NEW, Other.X),))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="two transitions from new to sent"):
        Workflow(
            "w",
            Request,
            Request.NEW,
            (Transition(Request.NEW, Request.SENT), Transition(Request.NEW, Request.SENT)),
        )


def test_the_pure_part_imports_no_database_and_no_web() -> None:
    code = (
        "import sys, runtime.statuses.workflow as w; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sqlalchemy', 'litestar', 'runtime.db') or m.startswith('runtime.db')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], cwd=REPOSITORY, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]"
