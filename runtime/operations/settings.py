"""The settings of the operators' endpoints (part of ``POPO_…``, docs/operations.md)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from ..settings import Section, setting


class OperationsSettings(Section):
    part: ClassVar[str] = "operations"

    configured_metrics_token: SecretStr | None = setting(
        None,
        "the bearer token Prometheus sends to read `/metrics` (`Authorization: Bearer …`); "
        "without it `/metrics` answers only requests from this machine or a private network",
        allowed="a long random text",
        shown="none: loopback and private networks only",
        env="POPO_METRICS_TOKEN",
        echo=False,
        unset="none",
    )

    @property
    def metrics_token(self) -> str | None:
        token = self.configured_metrics_token
        return token.get_secret_value() if token is not None else None
