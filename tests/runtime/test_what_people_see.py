"""What people see on the form pages, met as they would meet it: over HTTP without JavaScript,
with the real application and database (issue 9: labels, errors, change links, the aanmeldcode,
the parents' pages, who may start forms, switching off a parent's link)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

Client = TestClient[Litestar]


def start(client: Client, form_id: str, lang: str = "nl") -> str:
    """Start a form as staff; the draft's address without the host."""
    response = client.post(f"/forms/{form_id}/start?lang={lang}", follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


def legend_of(page: str, label: str) -> str:
    match = re.search(rf'<legend class="legend">{re.escape(label)}.*?</legend>', page, re.S)
    assert match, f"no legend {label!r} on the page"
    return match.group(0)


# ---------------------------------------------------------------------- 1. optional labels


def test_a_repeat_group_that_needs_a_row_is_not_labelled_optional(client: Client) -> None:
    draft = start(client, "overstapformulier-noord")
    page = client.get(f"{draft}/pages/nieuwe_school").text
    assert "(optioneel)" not in legend_of(page, "Scholen in volgorde van voorkeur")
    english = client.get(f"{draft}/pages/nieuwe_school?lang=en").text
    assert "(optional)" not in legend_of(english, "Schools in order of preference")
