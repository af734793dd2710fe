"""`popo preview`: definitions from disk with scenario answers, check errors in the page."""

from __future__ import annotations

import shutil
from pathlib import Path

from litestar.testing import TestClient

from runtime.preview import create_preview_app
from runtime.settings import REPOSITORY


def test_preview_renders_forms_with_scenarios_and_shows_errors_after_an_edit(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", folder)
    app = create_preview_app(folder)
    with TestClient(app, base_url="http://preview.local") as client:
        index = client.get("/").text
        assert "Kennismakingsformulier" in index and "scenario" in index
        number = 0
        form = client.get(f"/forms/{number}?scenario=1&lang=en").text
        assert 'id="field-achternaam"' in form  # every visible page is rendered
        assert "Explain the reason" in form  # scenario 2 answers reden: anders
        fingerprint = client.get("/").text.split("since=")[1].split('"')[0]
        assert client.get(f"/changes?since={fingerprint}").headers.get("hx-refresh") is None
        target = folder / "kennismaking.v1.form.yaml"
        target.write_text(
            target.read_text().replace(
                'visible_if: reden == "anders"', 'visible_if: reden == "andres"'
            )
        )
        assert client.get(f"/changes?since={fingerprint}").headers.get("hx-refresh") == "true"
        index = client.get("/").text
        assert "kennismaking.v1.form.yaml:" in index
        assert "&#39;andres&#39; is not a choice of &#39;reden&#39;" in index
