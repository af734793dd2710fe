"""Settings from environment variables (``POPO_…``), validated when POPO starts.

Each setting is documented once, here, in its field's description; the table in
docs/operations.md is generated from these fields (``popo settings --markdown``) and a test
keeps the two equal. ``popo settings`` shows every value and where it came from, secrets hidden.
A wrong value stops POPO at start-up with one line per setting: the variable, the value and
what is allowed (:class:`SettingsError`), never a traceback.
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parseaddr
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from renderers import i18n

REPOSITORY = Path(__file__).resolve().parent.parent
PREFIX = "POPO_"
BACKENDS = ("sqlite", "postgresql")


class SettingsError(ValueError):
    """Settings that POPO cannot start with: one line per wrong setting."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def at_least_one(value: int) -> int:
    """The check of a whole number that must be 1 or more (a validator's body)."""
    if value < 1:
        raise ValueError("less than 1")
    return value


# a whole number of 1 or more (workers, days, attempts, MB)
Count = Annotated[int, AfterValidator(at_least_one)]


def setting(
    default: Any,
    meaning: str,
    *,
    allowed: str | None = None,
    shown: str | None = None,
    env: str | None = None,
    echo: bool = True,
    unset: str | None = None,
) -> Any:
    """A setting: its default, what it means (docs/operations.md), what values are allowed (the
    error message names it), how the default is shown when it is not a plain value, the
    variable when it is not ``POPO_`` + the name, whether a wrong value may be repeated in
    the error message (never for secrets or URLs that may carry a password), and what
    ``popo settings`` shows for an optional secret that is not set (``"derived from the secret
    key"``)."""
    extra: dict[str, Any] = {"echo": echo}
    if allowed:
        extra["allowed"] = allowed
    if shown:
        extra["shown"] = shown
    if unset:
        extra["unset"] = unset
    return Field(default, description=meaning, validation_alias=env, json_schema_extra=extra)


class Section(BaseModel):
    """The settings of one domain (its plugin's ``settings``): fields declared with
    :func:`setting`, read from ``POPO_…`` like the core's. The application's settings class is
    the core with every domain's section (runtime/domains.py ``AppSettings``); a domain reads
    its own with ``FormsSettings.of(settings)``."""

    part: ClassVar[str] = "core"  # the heading in docs/operations.md

    @classmethod
    def of(cls, settings: Settings) -> Self:
        if not isinstance(settings, cls):
            raise TypeError(
                f"these settings have no {cls.__name__}: make them with load_settings() "
                "once runtime.domains is imported"
            )
        return settings


class Settings(BaseSettings):
    """Everything POPO reads from its environment (docs/operations.md, generated from here).
    ``Settings(name=value, ...)`` overrides single settings (tests do)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, frozen=True, populate_by_name=True, extra="forbid"
    )

    database_url: str = setting(
        f"sqlite:///{REPOSITORY / 'var' / 'popo.sqlite3'}",
        "SQLAlchemy URL of the database. PostgreSQL: "
        "`postgresql+psycopg://user:password@host:5432/popo`. A SQLite file's folder is created "
        "when missing; a relative SQLite path is taken from the folder POPO starts in",
        allowed="a database URL, sqlite:///path/to/popo.sqlite3 or "
        "postgresql+psycopg://user:password@host:5432/popo",
        shown="`sqlite:///<repo>/var/popo.sqlite3`",
        echo=False,
    )
    data_dir: Path = setting(
        REPOSITORY / "var",
        "attachments (`files/`) and archived PDFs (`archive/`), stored by SHA-256",
        allowed="a folder",
    )
    definitions_dir: Path = setting(
        REPOSITORY / "definitions",
        "the form definitions and their `popo.lock`",
        allowed="a folder",
    )
    assets_dir: Path = setting(
        REPOSITORY / "node_modules",
        "front-end assets installed by `npm ci` (htmx)",
        allowed="a folder",
    )
    default_language: Literal["nl", "en"] = setting(
        "nl",
        "default interface language (`nl` or `en`)",
        allowed=" or ".join(i18n.LANGUAGES),
        env="POPO_LANGUAGE",
    )
    pdf_workers: Count = setting(
        2, "processes that render PDF archives", allowed="a whole number, at least 1"
    )
    base_url: str = setting(
        "http://127.0.0.1:8000",
        "the address people use to reach POPO (scheme, host, port, no trailing `/`); links in "
        "e-mail are built from it, never from the request's `Host` header. Set it in "
        "production, e.g. `https://popo.regio.nl`",
        allowed="an http:// or https:// address with a host, e.g. https://popo.regio.nl",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = setting(
        (),
        "addresses or networks of your reverse proxies, separated by spaces or commas "
        "(`10.0.0.5, 10.1.0.0/16, ::1`). Only a request from one of them may say who the "
        "client is (`X-Forwarded-For`); without it every client's own address counts",
        allowed="IP addresses or networks separated by spaces or commas, "
        "e.g. 10.0.0.5, 10.1.0.0/16, ::1",
        shown="none",
    )
    configured_secret_key: SecretStr | None = setting(
        None,
        "signs anti-forgery tokens; set it when running several processes",
        allowed="a long random text",
        shown="random, kept in `POPO_DATA_DIR/secret.key`",
        env="POPO_SECRET_KEY",
        echo=False,
    )
    configured_audit_key: SecretStr | None = setting(
        None,
        "keys the audit log's pupil keys and hash chain; set it in production and keep it "
        "apart from the database (see [security.md](security.md#the-audit-log))",
        allowed="a long random text",
        shown="derived from the secret key (HMAC-SHA256 under the label `popo audit log v1`)",
        env="POPO_AUDIT_KEY",
        echo=False,
    )
    smtp_host: str = setting(
        "localhost", "the mail server POPO sends e-mail through", allowed="a host name"
    )
    smtp_port: int = setting(25, "the mail server's port", allowed="a port number from 1 to 65535")
    mail_from: str = setting(
        "POPO <popo@localhost>",
        "sender of POPO's e-mail",
        allowed="an e-mail address, with or without a name: POPO <popo@regio.nl>",
    )
    mail_retry_seconds: float = setting(
        30.0,
        "first wait before the outbox tries a message again; it doubles per attempt, up to an "
        "hour, for 12 attempts",
        allowed="a number of seconds greater than 0",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = setting(
        "INFO", "`DEBUG`, `INFO`, `WARNING`, `ERROR`", allowed="DEBUG, INFO, WARNING or ERROR"
    )
    log_format: Literal["json", "text"] = setting(
        "json", "`json` (one object per line) or `text`", allowed="json or text"
    )
    secure_cookies: bool = setting(
        False,
        "`1` behind TLS: cookies get the `Secure` flag",
        allowed="1 or 0 (also true/false, yes/no, on/off)",
    )
    inprocess_worker: bool = setting(
        True,
        "`0`: the web process runs no background jobs (PDF archives, e-mail, sweeps; then "
        "run `popo worker`, see [Background jobs](#background-jobs-workers))",
        allowed="1 or 0 (also true/false, yes/no, on/off)",
    )
    job_workers: Count = setting(
        2,
        "jobs a worker runs at a time (threads), in the web process and in `popo worker`",
        allowed="a whole number, at least 1",
    )
    clock_offset_days: int = setting(
        0,
        "moves POPO's clock this many days ahead (negative: back), for a demo or an "
        "acceptance test of deadlines and expiry: links, sessions, today's date in forms. "
        "Leave it at `0` in production",
        allowed="a whole number of days from -3650 to 3650",
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_problems(exc, type(self))) from None

    # ------------------------------------------------------------------ validation

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        url = parse_database_url(value)
        if url.get_backend_name() not in BACKENDS:
            raise ValueError(f"POPO runs on {' or '.join(BACKENDS)}")
        return value

    @field_validator("smtp_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("not a port number")
        return value

    @field_validator("mail_retry_seconds")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not value > 0:
            raise ValueError("not greater than 0")
        return value

    @field_validator("clock_offset_days")
    @classmethod
    def _offset(cls, value: int) -> int:
        if abs(value) > 3650:
            raise ValueError("more than ten years")
        return value

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) address")
        if parts.query or parts.fragment:
            raise ValueError("an address with a query or fragment")
        return value.strip().rstrip("/")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        parts = tuple(str(part).strip() for part in value if str(part).strip())
        for part in parts:
            ip_network(part, strict=False)  # ValueError names the part
        return parts

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str) -> str:
        if "@" not in parseaddr(value)[1]:
            raise ValueError("not an e-mail address")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", "default_language", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    # ------------------------------------------------------------------ derived

    def replace(self, **changes: Any) -> Settings:
        """These settings with some changed (validated again)."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return type(self)(**{**values, **changes})

    @property
    def secret_key(self) -> str:
        """``POPO_SECRET_KEY``, else a random key kept in the data folder (made once)."""
        if self.configured_secret_key is not None:
            return self.configured_secret_key.get_secret_value()
        path = self.secret_key_file
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip()

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def audit_key(self) -> bytes:
        """The key of the audit log's pupil keys and hash chain: ``POPO_AUDIT_KEY``, else derived
        from the secret key under a fixed label (docs/security.md). Changing it makes
        ``popo audit verify`` fail and ``popo audit pupil`` miss earlier events."""
        if self.configured_audit_key is not None:
            return self.configured_audit_key.get_secret_value().encode("utf-8")
        return hmac.new(self.secret_key.encode("utf-8"), b"popo audit log v1", "sha256").digest()

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def sqlalchemy_url(self) -> URL:
        """The database URL, parsed; a SQLite file's path made absolute (from the folder POPO
        started in), so the engine, the migrations and ``popo settings`` name the same file."""
        url = parse_database_url(self.database_url)
        path = sqlite_file(url)
        return url.set(database=str(path)) if path is not None else url

    @property
    def is_sqlite(self) -> bool:
        return self.sqlalchemy_url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file; None for PostgreSQL and for an in-memory database."""
        return sqlite_file(self.sqlalchemy_url)

    def prepare_sqlite_folder(self) -> None:
        """Create the folder of the SQLite file when it is missing (nothing else, nowhere else)."""
        path = self.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------------- database URLs


_APPLICATION: list[type[Settings]] = [Settings]  # the class with the domains' sections


def use_class(kind: type[Settings]) -> None:
    """The settings class of the application (runtime/domains.py ``AppSettings``, at start-up)."""
    _APPLICATION[0] = kind


def load_settings(**values: Any) -> Settings:
    """The application's settings from the environment, with the core's and every domain's
    section; ``values`` override single ones."""
    return _APPLICATION[0](**values)


def parse_database_url(value: str) -> URL:
    """A database URL parsed by SQLAlchemy; ValueError (without the URL, which may hold a
    password) when it is not one."""
    try:
        return make_url(value.strip())
    except (ArgumentError, ValueError):
        raise ValueError("not a database URL") from None


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (any driver: ``sqlite:``, ``sqlite+pysqlite:``,
    ``sqlite+aiosqlite:``), absolute; None for another database or an in-memory one."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database.startswith("file:"):  # a URI filename (``?uri=true``)
        if url.query.get("mode") == "memory":
            return None
        database = database.removeprefix("file:").split("?", 1)[0]
    if database in ("", ":memory:"):
        return None
    return Path(database).expanduser().absolute()


def redacted_url(value: str | URL) -> str:
    """A database URL to show: its password hidden; an unreadable URL shown not at all."""
    try:
        url = value if isinstance(value, URL) else parse_database_url(value)
    except ValueError:
        return "(not a database URL)"
    return url.render_as_string(hide_password=True)


# ---------------------------------------------------------------------- describing settings


@dataclass(frozen=True)
class Shown:
    """One setting as ``popo settings`` and the documentation show it."""

    variable: str
    value: str
    origin: str  # "env", "default" or "given" (passed to Settings(...))


def env_name(name: str, info: FieldInfo) -> str:
    alias = info.validation_alias
    return alias if isinstance(alias, str) else PREFIX + name.upper()


def _extra(info: FieldInfo, key: str) -> Any:
    extra = info.json_schema_extra
    return extra.get(key) if isinstance(extra, dict) else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple | list):
        return ", ".join(str(part) for part in value) if value else "none"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _default_markdown(info: FieldInfo) -> str:
    """A setting's default in the documentation: its ``shown`` text, else the value as code."""
    shown = _extra(info, "shown")
    if shown:
        return str(shown)
    default = info.default
    if isinstance(default, Path) and default.is_relative_to(REPOSITORY):
        return f"`<repo>/{default.relative_to(REPOSITORY).as_posix()}`"
    return f"`{_text(default)}`"


def parts(kind: type[Settings]) -> Iterator[tuple[str, str, FieldInfo]]:
    """Every setting of a settings class as (part, name, field): the core's first, then each
    domain's section in the order of the domains."""
    yield from (("core", name, info) for name, info in Settings.model_fields.items())
    sections = [c for c in reversed(kind.__mro__) if issubclass(c, Section) and c is not Section]
    for section in reversed(sections):
        for name in section.__annotations__:
            if name in section.model_fields:  # not the ClassVars
                yield section.part, name, kind.model_fields[name]


def describe(settings: Settings, environ: dict[str, str] | None = None) -> Iterator[Shown]:
    """Every setting with its value (secrets hidden) and where it came from."""
    environ = dict(os.environ if environ is None else environ)
    present = {key.upper() for key in environ}
    for _part, name, info in parts(type(settings)):
        variable = env_name(name, info)
        if variable.upper() in present:
            origin = "env"
        elif name in settings.model_fields_set:
            origin = "given"
        else:
            origin = "default"
        value: Any = getattr(settings, name)
        if name == "database_url":
            text = redacted_url(settings.sqlalchemy_url)  # a SQLite path made absolute
        elif name == "configured_secret_key":
            text = "(set, hidden)" if value else f"(random, kept in {settings.secret_key_file})"
        elif name == "configured_audit_key":
            text = "(set, hidden)" if value else "(derived from the secret key)"
        elif isinstance(value, SecretStr):  # any other secret (an SMTP password, ...)
            text = "(set, hidden)"
        elif value is None and _extra(info, "unset"):  # a domain's secret, not set
            text = f"({_extra(info, 'unset')})"
        else:
            text = _text(value)
        yield Shown(variable, text, origin)


def markdown_table(kind: type[Settings]) -> str:
    """The table of settings in docs/operations.md."""
    lines = ["| variable | part | default | meaning |", "| --- | --- | --- | --- |"]
    for part, name, info in parts(kind):
        default = _default_markdown(info)
        lines.append(f"| `{env_name(name, info)}` | {part} | {default} | {info.description} |")
    return "\n".join(lines) + "\n"


# Variables POPO reads outside these settings: the OSO reference folders (oso_mapping/settings.py,
# a library that runs without the application) and the test suite's own.
OTHER_VARIABLES = {
    "POPO_OSO_DIR": "the OSO reference files (oso_mapping)",
    "POPO_OSO_SCHEMA_DIR": "the official OSO schema (oso_mapping)",
    "POPO_TEST_DATABASE_URL": "the database of the test suite",
    "POPO_CHROMIUM": "the browser of the browser tests",
}


def unknown_variables(kind: type[Settings], environ: dict[str, str] | None = None) -> list[str]:
    """``POPO_`` variables that no setting reads (a misspelling is otherwise silently
    ignored), each with a suggestion when one is close."""
    from engine.errors import did_you_mean

    environ = dict(os.environ if environ is None else environ)
    known = [env_name(name, info) for name, info in kind.model_fields.items()]
    known += list(OTHER_VARIABLES)
    names = [variable.removeprefix(PREFIX) for variable in known]  # the prefix is no likeness
    lines = []
    for variable in sorted(environ):
        upper = variable.upper()
        if upper.startswith(PREFIX) and upper not in known:
            hint = did_you_mean(upper.removeprefix(PREFIX), names)
            hint = re.sub(r"'([A-Z0-9_]+)'", rf"'{PREFIX}\1'", hint)
            lines.append(f"{variable} is not a setting{'; ' + hint if hint else ''}")
    return lines


def _problems(exc: ValidationError, kind: type[Settings]) -> list[str]:
    """One line per wrong setting, in the order of the documentation."""
    fields = kind.model_fields
    by_variable = {env_name(name, info): name for name, info in fields.items()}
    order = {name: index for index, (_part, name, _info) in enumerate(parts(kind))}
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for error in exc.errors():
        where = str(error["loc"][0]) if error["loc"] else ""
        name = by_variable.get(where, where)
        info = fields.get(name)
        if info is None:  # not a setting at all (a misspelt keyword in Settings(...))
            problems.append((-1, f"{where}: not a setting"))
            continue
        if name in seen:
            continue
        seen.add(name)
        variable = env_name(name, info)
        allowed = _extra(info, "allowed") or error["msg"]
        given = error.get("input")
        if _extra(info, "echo") and isinstance(given, str | int | float):
            line = f"{variable}={str(given)!r} is not allowed: {allowed}"
        else:
            line = f"{variable} is not allowed: {allowed}"
        problems.append((order.get(name, len(order)), line))
    return [line for _index, line in sorted(problems, key=lambda item: item[0])]


LANGUAGES = i18n.LANGUAGES
