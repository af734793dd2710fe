"""Security headers on every response, through HTTP against the real application: a strict
Content-Security-Policy, nosniff, no referrer, no framing, HSTS behind TLS, and no caching of
anything with pupil data."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from runtime.app import create_app
from runtime.settings import REPOSITORY, Settings
from runtime.state import AppState
from runtime.web.headers import CONTENT_SECURITY_POLICY
from tests.support import ADVIES_LEERLING, fill_pages

from .conftest import with_csrf

Client = TestClient[Litestar]


def submitted_advies(client: Client) -> str:
    started = client.post("/forms/adviesformulier-noord/start", follow_redirects=False)
    base = "http://testserver.local" + started.headers["location"]
    fill_pages(
        client,
        base,
        {"leerling": ADVIES_LEERLING, "advies": {"advies": "plaatsen", "contact_nodig": "false"}},
    )
    client.post(f"{base}/submit", data={"idempotency_key": "h"}, follow_redirects=False)
    return started.headers["location"]


def test_every_response_carries_the_security_headers(client: Client) -> None:
    draft = submitted_advies(client)
    other = client.post("/forms/overstapformulier-noord/start", follow_redirects=False)
    page = other.headers["location"] + "/pages/leerling"
    responses = {
        "home": client.get("/"),
        "login": client.get("/login"),
        "draft page": client.get(page),
        "htmx change": client.post(
            page + "/change",
            data={"achternaam": "Kop"},
            headers={"X-POPO-Field": "achternaam", "HX-Request": "true"},
        ),
        "check answers": client.get(other.headers["location"] + "/check"),
        "submission": client.get(draft + "/submission"),
        "pdf": client.get(draft + "/submission.pdf"),
        "privacy (404 for an IB)": client.get("/privacy"),
        "unknown page": client.get("/does-not-exist"),
        "static js": client.get("/static/popo.js"),
        "static htmx": client.get("/static/vendor/htmx.min.js"),
        "static css": client.get("/static/popo.css"),
    }
    for name, response in responses.items():
        assert response.status_code < 500, (name, response.status_code)
        headers = response.headers
        assert headers.get("x-content-type-options") == "nosniff", name
        assert headers.get("referrer-policy") == "no-referrer", name
        assert "strict-transport-security" not in headers, name  # plain HTTP here
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy or "sandbox" in policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        if name.startswith("static"):
            assert "no-store" not in headers.get("cache-control", ""), name  # may be cached
        else:
            assert "no-store" in headers.get("cache-control", ""), name
    assert responses["draft page"].headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert responses["unknown page"].status_code == 404


def test_behind_tls_browsers_are_told_to_use_https_only(
    settings: Settings, app_state: AppState
) -> None:
    secure = create_app(settings.replace(secure_cookies=True), app_state)
    with TestClient(secure, base_url="https://testserver.local") as client:
        with_csrf(client)
        for path in ("/login", "/static/popo.css", "/nowhere"):
            hsts = client.get(path).headers.get("strict-transport-security", "")
            assert hsts.startswith("max-age=31536000"), path


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    """The policy allows no inline code: it would be blocked in the browser."""
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)
    templates = [
        *(REPOSITORY / "runtime" / "templates").rglob("*.html"),
        *(p for p in (REPOSITORY / "renderers" / "templates").rglob("*.html")),
    ]
    pdf_only = {
        "document.html",
        "deregistration_proof.html",
        "extension_letter.html",
        "code_letter.html",
        "letter.html",
        "monitoring_report.html",
    }  # renderers/pdf.py's, never served
    served = [p for p in templates if p.name not in pdf_only]
    found = [
        f"{p.relative_to(REPOSITORY)}: {m.group(0)}"
        for p in served
        for m in inline.finditer(p.read_text(encoding="utf-8"))
    ]
    assert found == []
    layout = (REPOSITORY / "renderers" / "templates" / "layout.html").read_text(encoding="utf-8")
    config = re.search(r"name=\"htmx-config\" content='([^']*)'", layout)
    assert config is not None
    for option in (
        '"allowEval": false',
        '"allowScriptTags": false',
        '"includeIndicatorStyles": false',
    ):
        assert option in config.group(1)
