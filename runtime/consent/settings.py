"""The settings of aanmeldcodes and consent (part of ``POPO_…``, docs/operations.md)."""

from __future__ import annotations

import hmac
from typing import ClassVar

from pydantic import SecretStr

from ..settings import Count, Section, Settings, setting

LABEL = b"popo aanmeldcode v1"


class ConsentSettings(Section):
    part: ClassVar[str] = "consent"

    code_weeks: Count = setting(
        6,
        "how long an aanmeldcode works after the advice is set or the code renewed, in weeks",
        allowed="a whole number of weeks, at least 1",
    )
    code_failures: Count = setting(
        10,
        "wrong birth dates given with one aanmeldcode before it stops working (the school "
        "that made it renews it)",
        allowed="a whole number, at least 1",
    )
    code_attempts_per_school: Count = setting(
        100,
        "aanmeldcode entries per hour (right or wrong) from one school before it has to wait",
        allowed="a whole number, at least 1",
    )
    code_attempts_per_user: Count = setting(
        20,
        "aanmeldcode entries per hour (right or wrong) by one person before they have to wait",
        allowed="a whole number, at least 1",
    )
    code_attempts_per_address: Count = setting(
        30,
        "aanmeldcode entries per hour (right or wrong) from one network address before it "
        "has to wait",
        allowed="a whole number, at least 1",
    )
    consent_request_weeks: Count = setting(
        6,
        "how long a school's request waits for the parents' answer before it lapses, in weeks",
        allowed="a whole number of weeks, at least 1",
    )
    configured_code_key: SecretStr | None = setting(
        None,
        "makes the aanmeldcodes and keys the hash they are found by; set it in production and "
        "keep it apart from the database (see [security.md](security.md#the-aanmeldcode))",
        allowed="a long random text",
        shown="derived from the secret key (HMAC-SHA256 under the label `popo aanmeldcode v1`)",
        env="POPO_CODE_KEY",
        echo=False,
        unset="derived from the secret key",
    )

    @property
    def code_key(self) -> bytes:
        """``POPO_CODE_KEY``, else derived from the secret key under a fixed label."""
        if self.configured_code_key is not None:
            return self.configured_code_key.get_secret_value().encode("utf-8")
        if not isinstance(self, Settings):
            raise TypeError("ConsentSettings is read from the application's settings")
        return hmac.new(self.secret_key.encode("utf-8"), LABEL, "sha256").digest()
