"""`popo preview`: the forms of a folder filled in as in POPO, answers in memory (no database),
check errors in the page, and what was typed saved as a scenario that `popo test` passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engine.scenarios import run_file
from oso_mapping.element_tree import load_element_tree
from runtime.authoring.cli import preview_hosts
from runtime.authoring.preview import create_preview_app
from runtime.cli import build_parser
from runtime.settings import REPOSITORY

BASE = "http://127.0.0.1:8001"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "definitions"
    shutil.copytree(REPOSITORY / "definitions" / "voorbeeld", target)
    return target


@pytest.fixture
def client(folder: Path) -> TestClient[Litestar]:
    with TestClient(create_preview_app(folder), base_url=BASE) as client:
        yield client  # type: ignore[misc]


def number_of(client: TestClient[Litestar], name: str) -> int:
    index = client.get("/").text
    for part in index.split('href="/forms/')[1:]:
        number, rest = part.split('"', 1)
        if name in rest.split("</li>", 1)[0]:
            return int(number)
    raise AssertionError(f"{name} is not listed")


def start(client: TestClient[Litestar], scenario: str = "", lang: str = "nl") -> str:
    """Starts a preview session of kennismaking v1; its address."""
    number = number_of(client, "kennismaking.v1.form.yaml")
    response = client.post(
        f"/forms/{number}/start", data={"scenario": scenario, "lang": lang}, follow_redirects=False
    )
    assert response.status_code == 303
    return response.headers["location"]


def test_the_index_lists_the_forms_and_a_yaml_edit_reloads_with_its_check_error(
    client: TestClient[Litestar], folder: Path
) -> None:
    index = client.get("/").text
    assert "Kennismakingsformulier" in index and "scenario" in index
    fingerprint = index.split("since=")[1].split('"')[0]
    assert client.get(f"/changes?since={fingerprint}").headers.get("hx-refresh") is None
    target = folder / "kennismaking.v1.form.yaml"
    target.write_text(
        target.read_text().replace('visible_if: reden == "anders"', 'visible_if: reden == "andres"')
    )
    assert client.get(f"/changes?since={fingerprint}").headers.get("hx-refresh") == "true"
    index = client.get("/").text
    assert "kennismaking.v1.form.yaml:" in index
    assert "&#39;andres&#39; is not a choice of &#39;reden&#39;" in index


def test_a_form_is_filled_in_without_javascript_rows_pages_and_language_included(
    client: TestClient[Litestar],
) -> None:
    base = start(client)
    assert base.startswith("/s/")
    first = client.get(base)  # to the first page
    assert first.url.path == f"{base}/pages/leerling"
    assert f'<form method="post" action="{base}/pages/leerling"' in first.text
    assert 'id="field-toelichting"' not in first.text
    moved = client.post(
        f"{base}/pages/leerling",
        data={
            "achternaam": "Jansen",
            "voornamen": "Sanne",
            "geboortedatum": "03-04-2018",
            "action": "next",
        },
        follow_redirects=False,
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"{base}/pages/overstap"
    # a condition: "anders" brings up the explanation, and leaving the page shows its error
    shown = client.post(f"{base}/pages/overstap", data={"reden": "anders", "action": "check"})
    assert shown.status_code == 200
    assert 'id="field-toelichting"' in shown.text and "Licht de reden toe" in shown.text
    form = shown.text.split('id="preview-scenario"')[0]  # (the preview's panel lists them all)
    assert "Dit veld is verplicht." not in form  # a question just shown is not wrong yet
    tried = client.post(f"{base}/pages/overstap", data={"reden": "anders", "action": "check"})
    assert "Licht de reden toe: Dit veld is verplicht." in tried.text  # the error summary
    # a row of a repeating group, added and removed
    added = client.post(f"{base}/pages/overstap", data={"action": "add_row:toetsen"})
    assert 'id="toetsen-0-toets"' in added.text and "Toetsresultaten 1" in added.text
    removed = client.post(f"{base}/pages/overstap", data={"action": "remove_row:toetsen[0]"})
    assert 'id="toetsen-0-toets"' not in removed.text
    # the answers on the first page are still there; in English too
    back = client.get(f"{base}/pages/leerling?lang=en").text
    assert 'value="Jansen"' in back and "Surname" in back and 'lang="en"' in back
    assert "Explain the reason" in client.get(f"{base}/pages/overstap").text  # stays English


def test_a_session_the_preview_no_longer_holds_is_a_page_that_says_what_to_do(
    client: TestClient[Litestar],
) -> None:
    gone = client.get("/s/no-such-session/pages/leerling?lang=en")
    assert gone.status_code == 404 and "text/html" in gone.headers["content-type"]
    assert "After a restart of the preview, start the form again from the list" in gone.text


def test_with_htmx_a_change_returns_the_fragments_and_what_a_scenario_would_expect(
    client: TestClient[Litestar],
) -> None:
    base = start(client)
    changed = client.post(
        f"{base}/pages/overstap/change",
        data={"reden": "verhuizing", "_revision": "0"},
        headers={**HTMX, "X-POPO-Field": "reden"},
    )
    assert changed.status_code == 200
    province = '<div id="field-provincie" class="field field--choice" hx-swap-oob="true">'
    assert province in changed.text
    expect = changed.text.split('<pre id="preview-expect"')[1]
    assert 'hx-swap-oob="true"' in expect and "answers: {reden: verhuizing}" in expect
    assert "hidden: [toelichting, gemeente]" in expect
    # a choice filter: the municipalities of the province chosen
    changed = client.post(
        f"{base}/pages/overstap/change",
        data={"reden": "verhuizing", "provincie": "fr", "_revision": "1"},
        headers={**HTMX, "X-POPO-Field": "provincie"},
    )
    assert 'value="leeuwarden"' in changed.text and 'value="groningen"' not in changed.text
    assert "options:\n    gemeente: [leeuwarden]" in changed.text


def test_a_session_starts_from_a_scenario_with_its_answers_language_and_date(
    client: TestClient[Litestar],
) -> None:
    form = client.get(f"/forms/{number_of(client, 'kennismaking.v1.form.yaml')}").text
    assert "Start with an empty form" in client.get("/forms/0?lang=en").text
    assert "cascading choices follow the province" in form
    base = start(client, scenario="2")  # cascading choices: verhuizing, fr
    page = client.get(f"{base}/pages/overstap").text
    assert "cascading choices follow the province" in page
    assert 'value="leeuwarden"' in page and 'value="westerkwartier"' not in page
    base = start(client, scenario="1")  # in English, reden: anders
    page = client.get(f"{base}/pages/overstap").text
    assert 'lang="en"' in page and "Explain the reason" in page
    assert 'value="29-01-2027"' in page  # the scenario's today (2027-01-15) + 14 days


def test_the_check_page_and_sending_show_what_popo_would_do_and_send_nothing(
    client: TestClient[Litestar],
) -> None:
    base = start(client)  # empty: sending shows the first page that is not complete
    check = client.get(f"{base}/check").text
    assert "zijn nog niet compleet" in check  # as in POPO: the pages not complete yet
    assert 'id="preview-scenario"' in check and 'name="page" value="check"' in check
    sent = client.post(f"{base}/submit", follow_redirects=False)
    assert sent.headers["location"] == f"{base}/pages/leerling"
    assert "Achternaam: Dit veld is verplicht." in client.get(sent.headers["location"]).text
    base = start(client, scenario="5")  # a complete form is valid
    check = client.get(f"{base}/check").text
    assert "Jansen" in check and f'action="{base}/submit"' in check
    done = client.post(f"{base}/submit")
    assert "Een voorbeeld verstuurt niets" in done.text


def save(client: TestClient[Litestar], base: str, name: str, file: str) -> str:
    page = client.post(
        f"{base}/scenario",
        data={"scenario_name": name, "scenario_file": file, "page": "overstap"},
    )
    assert page.status_code == 200 and page.url.path == f"{base}/pages/overstap"
    return page.text.split('id="preview-notice"')[1].split("</div>")[0]


def test_what_was_typed_is_saved_as_a_scenario_that_popo_test_passes(
    client: TestClient[Litestar], folder: Path
) -> None:
    base = start(client)
    client.post(
        f"{base}/pages/leerling",
        data={"achternaam": "Jansen", "geboortedatum": "03-04-2018", "action": "next"},
    )
    client.post(f"{base}/pages/overstap", data={"reden": "anders", "action": "add_row:toetsen"})
    client.post(
        f"{base}/pages/overstap",
        data={"reden": "anders", "toetsen[0].toets": "Rekenen", "toetsen[0].score": "120"},
    )
    notice = save(client, base, "anders met een toets", "eigen")
    written = folder / "eigen.scenarios.yaml"
    assert "Scenario &#39;anders met een toets&#39; opgeslagen in het nieuwe bestand" in notice
    assert "popo test: 1 van de 1 scenario&#39;s slagen." in notice
    text = written.read_text()
    assert not text.startswith("# yaml-language-server")  # (a modeline only inside the repository)
    assert "form: kennismaking.v1.form.yaml\n" in text
    assert "toetsen:\n        - {toets: Rekenen, score: 120}" in text
    assert "geboortedatum: 2018-04-03" in text  # a date as an author writes it
    assert "values: {leeftijd: 8, aantal_toetsen: 1, gemiddelde: 120}" in text
    assert "toelichting: Dit veld is verplicht." in text
    run = run_file(written, load_element_tree())
    assert (run.passed, run.total, run.failures, list(run.diagnostics)) == (1, 1, [], [])

    # the form's own scenario file gets it at its end; every line before stays as it was
    existing = folder / "kennismaking.scenarios.yaml"
    before = existing.read_text()
    notice = save(client, base, "anders met een toets", "kennismaking")
    assert "toegevoegd aan" in notice and "popo test: 7 van de 7 scenario&#39;s slagen." in notice
    after = existing.read_text()
    assert after.startswith(before.rstrip("\n") + "\n\n  - name: anders met een toets\n")
    run = run_file(existing, load_element_tree())
    assert (run.passed, run.total, run.failures) == (7, 7, [])
    notice = save(client, base, "anders met een toets", "kennismaking")
    assert "heeft al een scenario met de naam &#39;anders met een toets&#39;" in notice
    assert existing.read_text() == after
    # the file of another form is not touched
    other = folder / "kennismaking.v2.scenarios.yaml"
    kept = other.read_text()
    notice = save(client, base, "elders", "kennismaking.v2")
    assert "bevat de scenario&#39;s van een ander formulier (kennismaking.v2.form.yaml)" in notice
    assert other.read_text() == kept


def test_saving_a_scenario_never_writes_outside_the_previewed_folder(
    client: TestClient[Litestar], folder: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.scenarios.yaml"
    outside.write_text("form: x.form.yaml\n")
    (folder / "link.scenarios.yaml").symlink_to(outside)
    everything = sorted(str(p) for p in tmp_path.rglob("*"))
    base = start(client, lang="en")
    for name in ("../outside", "../../evil", "/tmp/evil", "noord/x", ".hidden", "..", "a\\b"):
        notice = save(client, base, "x", name)
        assert "cannot be the name of a scenario file" in notice, name
    notice = save(client, base, "x", "link")
    assert "leads outside the previewed folder" in notice
    notice = save(client, base, "", "nieuw")
    assert "Give the scenario a name" in notice
    assert sorted(str(p) for p in tmp_path.rglob("*")) == everything
    assert outside.read_text() == "form: x.form.yaml\n"
    dutch = save(client, f"{base}", "x", "../outside")  # the message in the page's language
    assert "cannot be the name" in dutch
    client.get(f"{base}/pages/overstap?lang=nl")
    assert "kan niet de naam van een scenariobestand zijn" in save(client, base, "x", "../a")


def test_typed_answers_stay_when_the_yaml_changes_and_while_it_has_errors(
    client: TestClient[Litestar], folder: Path
) -> None:
    base = start(client)
    client.post(f"{base}/pages/leerling", data={"achternaam": "Jansen", "voornamen": "Sanne"})
    client.post(f"{base}/pages/overstap", data={"reden": "anders", "toelichting": "Een reden"})
    form = folder / "kennismaking.v1.form.yaml"
    original = form.read_text()
    form.write_text(original.replace("reden:\n    - {value: verhuizing", "reden:\n   - {value: x"))
    broken = client.get(f"{base}/pages/overstap").text
    assert "Het formulier bevat nu fouten. Uw antwoorden blijven bewaard" in broken
    assert "kennismaking.v1.form.yaml:" in broken
    # fixed, with the explanation renamed: its answer goes, the others stay
    form.write_text(
        original.replace("- id: toelichting", "- id: uitleg").replace(
            "Licht de reden toe", "Leg de reden uit"
        )
    )
    page = client.get(f"{base}/pages/overstap").text
    assert "Leg de reden uit" in page and "Een reden" not in page
    assert "answers: {achternaam: Jansen, voornamen: Sanne, reden: anders}" in page
    assert 'value="Jansen"' in client.get(f"{base}/pages/leerling").text


FILE_FORM = """\
id: bijlagen
version: 1
title: {nl: Bijlagen, en: Attachments}
kind: custom
languages: [nl, en]
pages:
  - id: stukken
    title: {nl: Stukken, en: Documents}
    sections:
      - id: bijlage
        fields:
          - id: verslag
            type: file
            label: {nl: Verslag, en: Report}
            accept: [application/pdf, image/png]
            max_size_mb: 2.5
"""


def test_the_file_field_shows_its_types_and_size_and_an_upload_is_saved_as_an_answer(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "bijlagen.form.yaml").write_text(FILE_FORM)
    with TestClient(create_preview_app(folder), base_url=BASE) as client:
        base = client.post("/forms/0/start", data={"lang": "nl"}, follow_redirects=False).headers[
            "location"
        ]
        dutch = client.get(f"{base}/pages/stukken").text
        assert "Toegestane bestandstypen: PDF, PNG. Maximaal 2,5 MB per bestand." in dutch
        assert 'aria-describedby="verslag-limits"' in dutch
        english = client.get(f"{base}/pages/stukken?lang=en").text
        assert "Allowed file types: PDF, PNG. At most 2.5 MB per file." in english
        uploaded = client.post(
            f"{base}/pages/stukken",
            files={"verslag": ("verslag.pdf", b"%PDF-1.4 a report", "application/pdf")},
            data={"action": "check"},
            follow_redirects=False,
        )
        assert uploaded.headers["location"] == f"{base}/check"
        page = client.get(f"{base}/pages/stukken").text
        link = page.split('<ul class="file-list">')[1].split('href="')[1].split('"')[0]
        assert client.get(link).content == b"%PDF-1.4 a report"
        client.post(
            f"{base}/scenario", data={"scenario_name": "met verslag", "scenario_file": "bijlagen"}
        )
    text = (folder / "bijlagen.scenarios.yaml").read_text()
    assert "verslag: {name: verslag.pdf, media_type: application/pdf, size: 17}" in text
    run = run_file(folder / "bijlagen.scenarios.yaml")
    assert (run.passed, run.total) == (1, 1)


def test_the_runtime_form_shows_the_file_limits_too() -> None:
    """The renderer is shared: POPO's own pages show the same sentence."""
    from engine.api import compile_file
    from engine.evaluate import evaluate
    from renderers.html import FormView
    from runtime.web.language import templates

    form = compile_file(
        REPOSITORY / "definitions" / "base" / "onderwijskundig-rapport.v1.form.yaml",
        load_element_tree(),
    )
    node = next(n for n in form.nodes if n.kind == "file")
    answers = {node.repeat_path[0]: [{}]} if node.repeat_path else {}
    view = FormView(form, evaluate(form, answers), "en")
    prefix = f"{node.repeat_path[0]}[0]." if node.repeat_path else ""
    field = view.field(node.key, prefix, node.page)
    macro = templates("en").get_template("fields/field.html").module.field  # type: ignore[attr-defined]
    assert "Allowed file types: PDF, JPG, PNG. At most 10 MB per file." in str(macro(field))


def test_the_preview_answers_only_to_this_machine_by_default(folder: Path) -> None:
    assert build_parser().parse_args(["preview"]).host == "127.0.0.1"
    assert preview_hosts("127.0.0.1") == ("127.0.0.1", "localhost", "::1")
    assert preview_hosts("0.0.0.0") is None
    with TestClient(create_preview_app(folder), base_url="http://attacker.example") as client:
        assert client.get("/").status_code == 400
    with TestClient(create_preview_app(folder), base_url=BASE) as client:
        assert client.get("/").status_code == 200
        assert client.get("/", headers={"Host": "localhost:8001"}).status_code == 200
        assert client.get("/", headers={"Host": "[::1]:8001"}).status_code == 200
        assert client.get("/", headers={"Host": "127.0.0.1.attacker.example"}).status_code == 400


def test_an_edit_of_a_csv_choice_list_reloads_the_preview(
    client: TestClient[Litestar], folder: Path
) -> None:
    (folder / "talen.csv").write_text("value;label_nl;label_en\nnl;Nederlands;Dutch\n")
    fingerprint = client.get("/").text.split("since=")[1].split('"')[0]
    (folder / "talen.csv").write_text("value;label_nl;label_en\nnl;Nederlands;Dutch\nen;Engels;\n")
    assert client.get(f"/changes?since={fingerprint}").headers.get("hx-refresh") == "true"
