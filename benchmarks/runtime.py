"""Runtime benchmark: pages and htmx round trips against the framework's floor, PDF overhead.

In one run, on loopback, with a bounded load from a second process (wrk from Debian when it is
installed, else a small Python client):

* baseline: a bare Litestar endpoint returning the OKR page's HTML as a constant;
* page: the OKR form page of a draft with answers, rendered for real (database, engine, Jinja);
* fragment: the htmx change round trip on that page (save, re-evaluate, render changed fields);
* pdf: archiving a submission (PDF/A-3b with the JSON attachment) vs raw WeasyPrint on the
  same HTML.

The last line printed is one JSON object. ``--quick`` finishes in under 45 seconds.

    .venv/bin/python -m benchmarks.runtime [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
CONNECTIONS = 16

OKR_ANSWERS: dict[str, Any] = {
    "achternaam": "Bakker",
    "voornamen": "Daan",
    "geboortedatum": "2017-09-12",
    "geslacht": "2",
    "identificatie": "bsn",
    "bsn": "111222333",
    "adresgeheim": "false",
    "adres_straat": "Dorpsstraat",
    "adres_huisnummer": "12a",
    "adres_postcode": "9401 AB",
    "adres_plaats": "Assen",
    "datum_inschrijving": "2021-09-13",
    "verzorgers_aansprakelijk": "true",
    "verzorgers": [
        {
            "verzorger_achternaam": "Bakker",
            "verzorger_relatie": "2",
            "verzorger_gezag": "true",
            "verzorger_telefoon": "0612345678",
            "verzorger_email": "a@voorbeeld.nl",
        }
    ],
    "school_naam": "De Regenboog",
    "school_brin": "12AB",
    "groep": "4",
    "contactpersoon": "M. de Vries",
    "contact_functie": "intern_begeleider",
    "contact_email": "m@school.example",
    "contact_nodig": "true",
    "schoolloopbaan": [
        {
            "loopbaan_schooljaar": f"20{y}-20{y + 1}",
            "loopbaan_brin": "12AB",
            "loopbaan_groepscode": f"{y - 20}A",
            "loopbaan_jaargroep": str(y - 20),
        }
        for y in range(21, 25)
    ],
    "doublures": "false",
    "advies_groep": "4",
    "advies_toelichting": "Kan goed meekomen.",
    "omgang_met_anderen": "goed",
    "spel_werkhouding": "voldoende",
    "concentratie": "goed",
    "zelfstandigheid": "goed",
    "heeft_diagnose": "false",
    "ondersteuningsniveau": "basis",
    "ondersteuning_geboden": "Extra leesbegeleiding.",
    "opp": "false",
    "dagdelen_geoorloofd": "6",
    "dagdelen_ongeoorloofd": "0",
}

BASELINE_APP = textwrap.dedent(
    """
    from pathlib import Path
    from litestar import Litestar, Response, get

    HTML = Path({path!r}).read_text(encoding="utf-8")

    @get("/baseline", sync_to_thread=False)
    def baseline() -> Response[str]:
        return Response(HTML, media_type="text/html; charset=utf-8")

    app = Litestar([baseline])
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status < 500:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start_server(app: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


HEADERS: list[str] = []  # the logged-in session's cookie and anti-forgery token


def log_in(base: str) -> None:
    """Log in as a demo user once; every load request then carries the session."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    from runtime.demo import DEMO_PASSWORD

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/login").read()
    token = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"email": "ib@regenboog.demo", "password": DEMO_PASSWORD, "_csrf_token": token}
    ).encode()
    opener.open(f"{base}/login", data=data).read()
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    HEADERS[:] = [f"Cookie: {cookies}", f"x-csrftoken: {token}"]


def run_load(url: str, seconds: int, script: Path | None = None) -> dict[str, float]:
    """Requests per second and latency percentiles (ms) under CONNECTIONS connections."""
    if shutil.which("wrk"):
        command = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency"]
        for header in HEADERS:
            command += ["-H", header]
        if script is not None:
            command += ["-s", str(script)]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]

        def percentile(label: str) -> float:
            match = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", output)
            assert match, output
            value, unit = float(match.group(1)), match.group(2)
            return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if errors:
            raise RuntimeError(f"{url}: {errors.group(1)} failed responses\n{output}")
        return {"rps": rps, "p50_ms": percentile("50"), "p99_ms": percentile("99")}
    return python_load(url, seconds, script)


def python_load(url: str, seconds: int, script: Path | None) -> dict[str, float]:
    """A fallback load generator in a second process (fewer requests than wrk can make)."""
    code = textwrap.dedent(
        f"""
        import http.client, json, threading, time, urllib.parse
        url = urllib.parse.urlsplit({url!r}); body = {json.dumps(_body(script))!r}
        extra = dict(h.split(": ", 1) for h in {HEADERS!r})
        stop = time.time() + {seconds}; latencies = []; lock = threading.Lock()
        def worker(n):
            conn = http.client.HTTPConnection(url.hostname, url.port); i = n
            while time.time() < stop:
                start = time.perf_counter()
                if body:
                    i += 1
                    data = body[i % 2]
                    conn.request("POST", url.path, body=data, headers={{**extra,
                        "Content-Type": "application/x-www-form-urlencoded",
                        "HX-Request": "true", "X-POPO-Field": "dagdelen_ongeoorloofd"}})
                else:
                    conn.request("GET", url.path, headers=extra)
                conn.getresponse().read()
                with lock: latencies.append(time.perf_counter() - start)
        threads = [threading.Thread(target=worker, args=(n,)) for n in range({CONNECTIONS})]
        [t.start() for t in threads]; [t.join() for t in threads]
        latencies.sort()
        print(json.dumps({{"rps": len(latencies) / {seconds},
                          "p50_ms": latencies[len(latencies) // 2] * 1000,
                          "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000}}))
        """
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def _body(script: Path | None) -> list[str]:
    if script is None:
        return []
    return ["dagdelen_ongeoorloofd=5", "dagdelen_ongeoorloofd=0"]


def change_script(folder: Path) -> Path:
    script = folder / "change.lua"
    script.write_text(
        textwrap.dedent(
            """
            local counter = 0
            request = function()
              counter = counter + 1
              local value = (counter % 2 == 0) and "0" or "5"
              local headers = {}
              for key, value in pairs(wrk.headers) do headers[key] = value end
              headers["Content-Type"] = "application/x-www-form-urlencoded"
              headers["HX-Request"] = "true"
              headers["X-POPO-Field"] = "dagdelen_ongeoorloofd"
              return wrk.format("POST", nil, headers, "dagdelen_ongeoorloofd=" .. value)
            end
            """
        )
    )
    return script


def median_ms(fn: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (< 45 s)")
    args = parser.parse_args(argv)
    seconds, pdf_repeat = (5, 5) if args.quick else (15, 11)

    sys.path.insert(0, str(REPOSITORY))
    from sqlalchemy import select

    from runtime import demo
    from runtime.db.migrate import upgrade
    from runtime.domains import AppSettings
    from runtime.forms.service import FormsService
    from runtime.organisations.models import Organisation
    from runtime.state import AppState

    folder = Path(tempfile.mkdtemp(prefix="popo-bench-"))
    env = {
        **os.environ,
        "POPO_DATA_DIR": str(folder / "var"),
        "POPO_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "POPO_LOG_LEVEL": "WARNING",
        "POPO_PDF_WORKERS": "1",
    }
    os.environ.update(env)
    settings = AppSettings()
    upgrade(settings)
    state = AppState.create(settings)
    with state.db.session() as session:
        demo.seed(session, state.registry, settings)
        school = session.scalar(select(Organisation.id).where(Organisation.code == "12AB00"))
        service = FormsService(session, state.registry, settings, state.files)
        draft = service.start("onderwijskundig-rapport-noord", "nl", school)
        draft.answers = OKR_ANSWERS
        draft.revision += 1
        draft_id = draft.id
    page_path = f"/drafts/{draft_id}/pages/administratief"
    change_path = f"/drafts/{draft_id}/pages/verzuim/change"

    app_port, base_port = free_port(), free_port()
    app_server = start_server("runtime.asgi:app", app_port, env, REPOSITORY)
    processes = [app_server]
    try:
        wait_for(f"http://127.0.0.1:{app_port}/login")
        log_in(f"http://127.0.0.1:{app_port}")
        import urllib.request

        request = urllib.request.Request(
            f"http://127.0.0.1:{app_port}{page_path}",
            headers=dict(h.split(": ", 1) for h in HEADERS),
        )
        with urllib.request.urlopen(request) as response:
            page_html = response.read().decode("utf-8")
        (folder / "page.html").write_text(page_html, encoding="utf-8")
        (folder / "baseline_app.py").write_text(BASELINE_APP.format(path=str(folder / "page.html")))
        base_server = start_server("baseline_app:app", base_port, env, folder)
        processes.append(base_server)
        wait_for(f"http://127.0.0.1:{base_port}/baseline")

        run_load(f"http://127.0.0.1:{app_port}{page_path}", 1)  # warm-up
        baseline = run_load(f"http://127.0.0.1:{base_port}/baseline", seconds)
        page = run_load(f"http://127.0.0.1:{app_port}{page_path}", seconds)
        fragment = run_load(
            f"http://127.0.0.1:{app_port}{change_path}", seconds, change_script(folder)
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)

    # PDF: our archive (PDF/A-3b + JSON attachment + metadata) vs raw WeasyPrint, same HTML
    from weasyprint import HTML

    from engine.evaluate import evaluate
    from renderers.pdf import ArchiveInfo, document_html, render_pdf

    entry = state.registry.latest("onderwijskundig-rapport-noord")
    assert entry is not None
    form_state = evaluate(entry.form, OKR_ANSWERS)
    info = ArchiveInfo(
        "00000000-0000-4000-8000-000000000000",
        datetime.now(UTC),
        "Demo",
        entry.id,
        entry.version,
        entry.form.content_hash,
        "nl",
    )
    document = document_html(entry.form, form_state, info)
    answers = {"achternaam": "Bakker"}
    render_pdf(document, answers, info)  # warm-up (fonts)
    HTML(string=document).write_pdf()
    pdf_times, raw_times = [], []
    for _ in range(pdf_repeat):  # interleaved, so both meet the same machine noise
        pdf_times.append(median_ms(lambda: render_pdf(document, answers, info), 1))
        raw_times.append(median_ms(lambda: HTML(string=document).write_pdf(), 1))
    pdf_ms, raw_ms = statistics.median(pdf_times), statistics.median(raw_times)
    shutil.rmtree(folder, ignore_errors=True)

    result = {
        "tool": "wrk" if shutil.which("wrk") else "python",
        "connections": CONNECTIONS,
        "seconds": seconds,
        "page_bytes": len(page_html.encode()),
        "baseline_rps": round(baseline["rps"], 1),
        "baseline_p50_ms": round(baseline["p50_ms"], 2),
        "baseline_p99_ms": round(baseline["p99_ms"], 2),
        "page_rps": round(page["rps"], 1),
        "page_p50_ms": round(page["p50_ms"], 2),
        "page_p99_ms": round(page["p99_ms"], 2),
        "page_ratio": round(page["rps"] / baseline["rps"], 3),
        "fragment_rps": round(fragment["rps"], 1),
        "fragment_p50_ms": round(fragment["p50_ms"], 2),
        "fragment_p99_ms": round(fragment["p99_ms"], 2),
        "fragment_ratio": round(fragment["rps"] / baseline["rps"], 3),
        "pdf_ms": round(pdf_ms, 1),
        "raw_weasyprint_ms": round(raw_ms, 1),
        "pdf_overhead": round(pdf_ms / raw_ms, 3),
    }
    print(
        f"baseline {result['baseline_rps']} req/s, page {result['page_rps']} req/s "
        f"({result['page_ratio']}x), fragment {result['fragment_rps']} req/s "
        f"({result['fragment_ratio']}x); pdf {pdf_ms:.0f} ms vs raw {raw_ms:.0f} ms"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
