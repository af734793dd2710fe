"""A language chosen on any page (``?lang=``) is kept: the forms posted from that page, and the
pages and redirects they lead to, are in that language."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

Client = TestClient[Litestar]


def test_english_chosen_on_a_form_page_stays_after_posting(client: Client) -> None:
    assert "popo_lang" not in client.cookies
    start = client.post("/forms/adviesformulier-zuid/start", follow_redirects=False)
    page = f"{start.headers['location']}/pages/leerling"
    assert 'lang="nl"' in client.get(page).text
    chosen = client.get(f"{page}?lang=en")
    assert 'lang="en"' in chosen.text
    assert "popo_lang=en" in chosen.headers["set-cookie"]
    assert "HttpOnly" in chosen.headers["set-cookie"] and "Path=/" in chosen.headers["set-cookie"]
    # the page is posted (without ?lang=): the answer is English
    answered = client.post(page, data={"achternaam": "", "action": "next"})
    assert 'lang="en"' in answered.text and "There is a problem" in answered.text
    # and so is a new form started by a POST, and a refusal
    other = client.post("/forms/overstapformulier-zuid/start")
    assert 'lang="en"' in other.text
    assert "You may not do this" in client.post(page, headers={"x-csrftoken": "forged"}).text
    # choosing Dutch again is remembered the same way
    client.get("/?lang=nl")
    assert 'lang="nl"' in client.post("/forms/overstapformulier-zuid/start").text
