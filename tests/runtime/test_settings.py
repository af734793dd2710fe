"""Settings: validated at start-up with one line per wrong variable, shown by `popo settings`
with secrets hidden, documented once (docs/operations.md is generated from the fields), and
database URLs read by SQLAlchemy."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.cli import main
from runtime.db.migrate import upgrade
from runtime.domains import AppSettings
from runtime.settings import REPOSITORY, SettingsError, markdown_table


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No POPO_ variable from outside the test; the data folder in tmp_path."""
    for variable in list(os.environ):
        if variable.upper().startswith("POPO_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("POPO_DATA_DIR", str(tmp_path / "var"))
    return monkeypatch


def popo(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out)
    return code, out.getvalue()


def test_wrong_settings_stop_popo_with_one_line_each(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("POPO_SMTP_PORT", "-25")
    environ.setenv("POPO_LANGUAGE", "de")
    environ.setenv("POPO_PDF_WORKERS", "two")
    environ.setenv("POPO_BASE_URL", "popo.regio.nl")
    environ.setenv("POPO_PUBLIC_LINK_DAYS", "0")
    environ.setenv("POPO_TRUSTED_PROXIES", "10.0.0.5, proxy.local")
    environ.setenv("POPO_SECURE_COOKIES", "ja")
    code, out = popo("settings")
    assert code == 2
    assert out.splitlines() == [
        "error: POPO_LANGUAGE='de' is not allowed: nl or en",
        "error: POPO_PDF_WORKERS='two' is not allowed: a whole number, at least 1",
        "error: POPO_BASE_URL='popo.regio.nl' is not allowed: an http:// or https:// address "
        "with a host, e.g. https://popo.regio.nl",
        "error: POPO_TRUSTED_PROXIES='10.0.0.5, proxy.local' is not allowed: IP addresses or "
        "networks separated by spaces or commas, e.g. 10.0.0.5, 10.1.0.0/16, ::1",
        "error: POPO_SMTP_PORT='-25' is not allowed: a port number from 1 to 65535",
        "error: POPO_SECURE_COOKIES='ja' is not allowed: 1 or 0 (also true/false, yes/no, on/off)",
        "error: POPO_PUBLIC_LINK_DAYS='0' is not allowed: a whole number of days, at least 1",
    ]


def test_a_bad_database_url_is_named_without_repeating_it(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("POPO_DATABASE_URL", "postgresql+psycopg://popo:geheim@db:port/popo")
    code, out = popo("db", "upgrade")
    assert code == 2
    assert out == (
        "error: POPO_DATABASE_URL is not allowed: a database URL, sqlite:///path/to/"
        "popo.sqlite3 or postgresql+psycopg://user:password@host:5432/popo\n"
    )
    environ.setenv("POPO_DATABASE_URL", "mysql://popo:geheim@db/popo")  # parsed, not supported
    code, out = popo("settings")
    assert code == 2 and "POPO_DATABASE_URL is not allowed" in out and "geheim" not in out


def test_the_asgi_application_says_which_setting_is_wrong_not_a_traceback(
    environ: pytest.MonkeyPatch,
) -> None:
    environ.setenv("POPO_SMTP_PORT", "70000")
    environ.setenv("PYTHONPATH", str(REPOSITORY))
    started = subprocess.run(
        [sys.executable, "-c", "import runtime.asgi"], capture_output=True, text=True, timeout=60
    )
    assert started.returncode == 1
    assert started.stderr == (
        "error: POPO_SMTP_PORT='70000' is not allowed: a port number from 1 to 65535\n"
    )


def test_popo_settings_shows_values_and_origins_with_secrets_hidden(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ.setenv("POPO_DATABASE_URL", "postgresql+psycopg://popo:geheim-wachtwoord@db:5432/popo")
    environ.setenv("POPO_SECRET_KEY", "geheime-sleutel-123")
    environ.setenv("POPO_AUDIT_KEY", "audit-sleutel-456")
    environ.setenv("POPO_SMTP_PORT", "2525")
    environ.setenv("POPO_SMPT_HOST", "mail.regio.nl")  # misspelt
    code, out = popo("settings")
    assert code == 0
    lines = {line.split()[0]: line.split(None, 1)[1] for line in out.splitlines()}
    assert lines["POPO_DATABASE_URL"] == "postgresql+psycopg://popo:***@db:5432/popo  (env)"
    assert lines["POPO_SECRET_KEY"] == "(set, hidden)  (env)"
    assert lines["POPO_AUDIT_KEY"] == "(set, hidden)  (env)"
    assert lines["POPO_SMTP_PORT"] == "2525  (env)"
    assert lines["POPO_SMTP_HOST"] == "localhost  (default)"
    assert lines["POPO_DATA_DIR"] == f"{tmp_path / 'var'}  (env)"
    assert lines["POPO_LANGUAGE"] == "nl  (default)"
    assert "POPO_OSO_DIR" in lines and "POPO_CLOCK_OFFSET_DAYS" in lines
    for secret in ("geheim-wachtwoord", "geheime-sleutel-123", "audit-sleutel-456"):
        assert secret not in out
    assert out.splitlines()[-1] == (
        "warning: POPO_SMPT_HOST is not a setting; "
        "did you mean one of 'POPO_SMTP_HOST', 'POPO_SMTP_PORT'?"
    )


def test_without_a_secret_key_popo_settings_says_where_the_random_one_is(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out = popo("settings")
    assert code == 0
    assert f"(random, kept in {tmp_path / 'var' / 'secret.key'})  (default)" in out
    # the names are padded to the longest one
    assert re.search(r"^POPO_AUDIT_KEY +\(derived from the secret key\)  \(default\)$", out, re.M)


def test_the_documented_table_is_the_settings() -> None:
    """docs/operations.md shows what runtime/settings.py says, so it cannot go stale."""
    text = (REPOSITORY / "docs" / "operations.md").read_text(encoding="utf-8")
    start = text.index("| variable | part | default | meaning |")
    end = text.index("<!-- end of the generated table -->")
    assert text[start:end] == markdown_table(AppSettings), (
        "docs/operations.md's settings table differs from runtime/settings.py: "
        "replace it with the output of `popo settings --markdown`"
    )
    code, out = popo("settings", "--markdown")
    assert code == 0 and out == markdown_table(AppSettings)
    for name, info in AppSettings.model_fields.items():
        assert info.description, f"setting {name} has no description"


def test_settings_take_keyword_overrides_and_replace_validates_again(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ.setenv("POPO_SMTP_PORT", "2525")
    settings = AppSettings(smtp_host="mail.local", default_language="en", pdf_workers=1)
    assert (settings.smtp_host, settings.smtp_port, settings.default_language) == (
        "mail.local",
        2525,
        "en",
    )
    assert settings.replace(smtp_port=26).smtp_port == 26
    with pytest.raises(SettingsError) as wrong:
        settings.replace(smtp_port=0)
    assert wrong.value.problems == [
        "POPO_SMTP_PORT='0' is not allowed: a port number from 1 to 65535"
    ]
    environ.setenv("POPO_TRUSTED_PROXIES", "10.0.0.5, 10.1.0.0/16 ::1")
    environ.setenv("POPO_BASE_URL", "https://popo.regio.nl/")
    environ.setenv("POPO_LOG_LEVEL", "debug")
    environ.setenv("POPO_SECURE_COOKIES", "1")
    read = AppSettings()
    assert read.trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "::1")
    assert read.base_url == "https://popo.regio.nl"
    assert (read.log_level, read.secure_cookies) == ("DEBUG", True)
    assert read.files_dir == tmp_path / "var" / "files"
    assert read.secret_key == read.secret_key and len(read.audit_key) == 32


def test_a_sqlite_url_with_a_driver_makes_its_folder_and_no_stray_one(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ.chdir(tmp_path)
    target = tmp_path / "data" / "db" / "popo.sqlite3"
    settings = AppSettings(database_url=f"sqlite+aiosqlite:///{target}")
    assert settings.is_sqlite and settings.sqlite_path == target
    settings.prepare_sqlite_folder()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no "sqlite+aiosqlite:"
    assert (tmp_path / "data" / "db").is_dir()


def test_a_relative_sqlite_path_is_taken_from_the_folder_popo_starts_in(
    environ: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environ.chdir(tmp_path)
    environ.setenv("POPO_DATABASE_URL", "sqlite:///state/popo.sqlite3")
    settings = AppSettings()
    assert settings.sqlite_path == tmp_path / "state" / "popo.sqlite3"
    upgrade(settings)  # migrations create the file there, and its folder
    assert (tmp_path / "state" / "popo.sqlite3").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state"]
    code, out = popo("settings")
    assert code == 0 and f"sqlite:///{tmp_path / 'state' / 'popo.sqlite3'}  (env)" in out
    for memory in ("sqlite://", "sqlite:///:memory:"):
        in_memory = AppSettings(database_url=memory)
        assert in_memory.is_sqlite and in_memory.sqlite_path is None
    assert AppSettings(database_url="postgresql+psycopg://p@h/x").sqlite_path is None
