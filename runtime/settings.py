"""Settings from environment variables, with documented defaults (docs/operations.md)."""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass, field
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


@dataclass(frozen=True)
class Settings:
    """Everything POPO reads from its environment. See docs/operations.md."""

    database_url: str = field(
        default_factory=lambda: os.environ.get(
            "POPO_DATABASE_URL", f"sqlite:///{REPOSITORY / 'var' / 'popo.sqlite3'}"
        )
    )
    data_dir: Path = field(default_factory=lambda: _path("POPO_DATA_DIR", REPOSITORY / "var"))
    definitions_dir: Path = field(
        default_factory=lambda: _path("POPO_DEFINITIONS_DIR", REPOSITORY / "definitions")
    )
    assets_dir: Path = field(
        default_factory=lambda: _path("POPO_ASSETS_DIR", REPOSITORY / "node_modules")
    )
    default_language: str = field(default_factory=lambda: os.environ.get("POPO_LANGUAGE", "nl"))
    public_link_days: int = field(
        default_factory=lambda: int(os.environ.get("POPO_PUBLIC_LINK_DAYS", "14"))
    )
    pdf_workers: int = field(default_factory=lambda: int(os.environ.get("POPO_PDF_WORKERS", "2")))
    log_level: str = field(default_factory=lambda: os.environ.get("POPO_LOG_LEVEL", "INFO"))
    log_format: str = field(default_factory=lambda: os.environ.get("POPO_LOG_FORMAT", "json"))
    secure_cookies: bool = field(
        default_factory=lambda: os.environ.get("POPO_SECURE_COOKIES", "0") in ("1", "true")
    )
    login_attempts_per_address: int = field(
        default_factory=lambda: int(os.environ.get("POPO_LOGIN_ATTEMPTS_PER_ADDRESS", "20"))
    )
    base_url: str = field(
        default_factory=lambda: os.environ.get("POPO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    )
    trusted_proxies: tuple[str, ...] = field(
        default_factory=lambda: tuple(
            part.strip()
            for part in os.environ.get("POPO_TRUSTED_PROXIES", "").replace(",", " ").split()
            if part.strip()
        )
    )
    smtp_host: str = field(default_factory=lambda: os.environ.get("POPO_SMTP_HOST", "localhost"))
    smtp_port: int = field(default_factory=lambda: int(os.environ.get("POPO_SMTP_PORT", "25")))
    mail_from: str = field(
        default_factory=lambda: os.environ.get("POPO_MAIL_FROM", "POPO <popo@localhost>")
    )
    mail_retry_seconds: float = field(
        default_factory=lambda: float(os.environ.get("POPO_MAIL_RETRY_SECONDS", "30"))
    )
    # background jobs (runtime/jobs): run in the web process too, and by how many threads
    inprocess_worker: bool = field(
        default_factory=lambda: os.environ.get("POPO_INPROCESS_WORKER", "1") in ("1", "true")
    )
    job_workers: int = field(default_factory=lambda: int(os.environ.get("POPO_JOB_WORKERS", "2")))
    max_upload_mb: int = field(
        default_factory=lambda: int(os.environ.get("POPO_MAX_UPLOAD_MB", "20"))
    )

    @property
    def secret_key(self) -> str:
        """``POPO_SECRET_KEY``, else a random key kept in the data folder (made once)."""
        configured = os.environ.get("POPO_SECRET_KEY")
        if configured:
            return configured
        path = self.data_dir / "secret.key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32), encoding="ascii")
            path.chmod(0o600)
        return path.read_text(encoding="ascii").strip()

    @property
    def audit_key(self) -> bytes:
        """The key of the audit log's pupil keys and hash chain: ``POPO_AUDIT_KEY``, else derived
        from the secret key under a fixed label (docs/security.md). Changing it makes
        ``popo audit verify`` fail and ``popo audit pupil`` miss earlier events."""
        configured = os.environ.get("POPO_AUDIT_KEY")
        if configured:
            return configured.encode("utf-8")
        return hmac.new(self.secret_key.encode("utf-8"), b"popo audit log v1", "sha256").digest()

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


LANGUAGES = ("nl", "en")
