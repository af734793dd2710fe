"""The settings of pupils (part of ``POPO_…``, docs/operations.md)."""

from __future__ import annotations

import hmac
from typing import ClassVar

from pydantic import SecretStr

from ..settings import Section, Settings, setting

LABEL = b"popo pupil number v1"


class PupilsSettings(Section):
    part: ClassVar[str] = "pupils"

    configured_pupil_key: SecretStr | None = setting(
        None,
        "encrypts the pupils' BSN and onderwijsnummer and keys the hash they are found by; set "
        "it in production, keep it apart from the database and never change it (see "
        "[security.md](security.md#pupil-numbers))",
        allowed="a long random text",
        shown="derived from the secret key (HMAC-SHA256 under the label `popo pupil number v1`)",
        env="POPO_PUPIL_KEY",
        echo=False,
        unset="derived from the secret key",
    )

    @property
    def pupil_key(self) -> bytes:
        """``POPO_PUPIL_KEY``, else derived from the secret key under a fixed label, like the
        audit key: the key that runtime.pupils.numbers derives its two keys from."""
        if self.configured_pupil_key is not None:
            return self.configured_pupil_key.get_secret_value().encode("utf-8")
        if not isinstance(self, Settings):
            raise TypeError("PupilsSettings is read from the application's settings")
        return hmac.new(self.secret_key.encode("utf-8"), LABEL, "sha256").digest()
