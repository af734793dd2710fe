"""The words parents agree to, in versions. A version, once in use, never changes: a consent
record keeps the version, the language and the text exactly as shown, and a new wording is a
new version (tests/runtime/test_consent.py holds each version's digest)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    version: str
    texts: dict[str, str]  # language: text with {school}, {from_school}, {child}

    def text(self, language: str, **names: str) -> str:
        return self.texts.get(language, self.texts["nl"]).format(**names)


VERSIONS = {
    "2026-12": Wording(
        "2026-12",
        {
            "nl": (
                "{school} vraagt om de gegevens van {child} te mogen zien die {from_school} in "
                "POPO heeft vastgelegd. {school} gebruikt ze alleen om de aanmelding van uw "
                "kind te behandelen. Als u toestemming geeft, ziet {school} alleen de "
                "onderdelen die u aanvinkt, en alleen zolang uw toestemming geldt. U kunt uw "
                "toestemming altijd intrekken; vanaf dat moment ziet {school} de gegevens niet "
                "meer. Geeft u geen toestemming, dan kan {school} u zelf vragen om wat zij voor de "
                "aanmelding nodig heeft."
            ),
            "en": (
                "{school} asks to see the data about {child} that {from_school} recorded in "
                "POPO. {school} uses it only to handle your child's registration. If you give "
                "consent, {school} sees only the parts you tick, and only for as long as your "
                "consent stands. You can always withdraw your consent; from that moment "
                "{school} no longer sees the data. If you do not give consent, {school} may ask "
                "you for what it needs for the registration."
            ),
        },
    ),
}
CURRENT = VERSIONS["2026-12"]
