"""What POPO writes into an OSO 2019.1 dossier, in the order the schema's sequences require.

This is the one place that says which OSO elements POPO can export; docs/oso.md lists them for
readers. A ``*`` marks an element that repeats. The order follows the OSO 2019.1 XSD; a test
checks it against the official element tree whenever the reference data is present. A ``!`` marks
a block the schema requires in its parent even when POPO has nothing to put in it.
Elements a definition maps that are not listed here are read on import but not exported, and
the export says so.
"""

from __future__ import annotations

from functools import lru_cache

_ADDRESS = """
adreslijst
  adres*
    soortadres
    straat
    nummer
    toevoeging
    postcode
    plaats
    gemeente
"""
_COMMUNICATION = """
communicatielijst
  communicatie*
    soort
    aanduiding
    nummer
    geheim
    noodnummer
"""
_DOCUMENT = """
document*
  bestandsnaam
  omschrijving
  bestandsinhoud
"""


def _indent(block: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in block.strip("\n").splitlines())


LAYOUT = f"""
metadata
  deeldossier
  pakketnaam
  pakketversie
  datum
  standaardversie
  validatieversie
  categorie_uitlevering
    cat_metadata
    cat_ouderinzage
    cat_school
    cat_leerling
    cat_oudersverzorgers
    cat_vve
    cat_schoolloopbaan
    cat_overstapadvies
    cat_onderwijsondersteuning
    cat_verzuim
    cat_eindtoetsbo
    cat_toetsresultaten
    cat_handelingsplannen
    cat_cijferlijsten
    cat_vombo
    cat_bijlagedocs
  overstap
overdrachtsoort
inzage
  voorlopigdossier
  inzage
  inzagedatum
  akkoord
  redennietakkoord
  toestemming
huidigeschool
  naam
{_indent(_ADDRESS, 2)}
{_indent(_COMMUNICATION, 2)}
  brincode
  vestigingscode
  aanleverpunt
  soort
  type
  naamdirecteur
  website
  leerling
    voornaam*
    voorletters-1
    voorvoegsel
    achternaam
    roepnaam
    geboortedatum
    geslacht
    adresgeheim
{_indent(_ADDRESS, 4)}
{_indent(_COMMUNICATION, 4)}
    onderwijsnummer
    bsn
    leerlingid
    onderwijssinds
    startdatumhuidigonderwijs
    datuminschrijving
    datumuitschrijving
    verzorgersaansprakelijk
    aansprakelijkeinstelling
      naam
{_indent(_ADDRESS, 6)}
{_indent(_COMMUNICATION, 6)}
    overstapadvies
      advies
      wensouders
      wensleerling
      herzienadvies
      motivatie_herzienadvies
      profiel
      argumentatie
      contactnodig
      contactpersoon
      contacttelefoon
      contactemail
      aandachtspunten
    schoolloopbaanlijst
      schoolloopbaan*
        schooljaar
        groepscode
        groepsnaam
        jaargroep
        begindatum
        einddatum
        brincode
        vestigingscode
        schoolsoort
        schooltype
    onderwijsondersteuning
      diagnose*
        code*
        naam
        datum
        doorwie
        instantie
{_indent(_DOCUMENT, 8)}
      medicijngebruik
      opp
        opp_ingangdatum
        opp_einddatum
{_indent(_DOCUMENT, 8)}
    verzuim
      dagdelengeoorloofd
      dagdelenongeoorloofd
      meerdan25percent
      frequentie
      contactleerplicht
    toetslijst
      toets*
        toetsidentificatie
          eldtoetscode
          leergebied
          toetsnaam
          toetsversie
        afname
          afnamedatum
          jaargroep
        resultaat!
          toetsscore
            vaardigheidsscore
    overigdocumentlijst
{_indent(_DOCUMENT, 6)}
    verzorger*
      voornaam*
      voorletters-1
      voorvoegsel
      achternaam
      roepnaam
      geslacht
{_indent(_ADDRESS, 6)}
{_indent(_COMMUNICATION, 6)}
      relatietotkind
      wettigevertegenwoordiger
"""


class Layout:
    """Children in schema order and the repeating elements, by path without positions."""

    def __init__(self, text: str) -> None:
        self.children: dict[str, list[str]] = {"": []}
        self.repeating: set[str] = set()
        self.required_blocks: set[str] = set()
        stack: list[tuple[int, str]] = []
        for raw in text.strip("\n").splitlines():
            if not raw.strip():
                continue
            depth = (len(raw) - len(raw.lstrip(" "))) // 2
            name = raw.strip()
            repeats = name.endswith("*")
            required = name.endswith("!")
            name = name.rstrip("*!")
            while stack and stack[-1][0] >= depth:
                stack.pop()
            parent = stack[-1][1] if stack else ""
            path = f"{parent}/{name}" if parent else name
            self.children.setdefault(parent, []).append(name)
            self.children.setdefault(path, [])
            if repeats:
                self.repeating.add(path)
            if required:
                self.required_blocks.add(path)
            stack.append((depth, path))

    def __contains__(self, path: str) -> bool:
        return path in self.children

    def order(self, parent: str, name: str) -> int:
        siblings = self.children.get(parent, [])
        return siblings.index(name) if name in siblings else len(siblings)

    def paths(self) -> list[str]:
        return [p for p in self.children if p]


@lru_cache(maxsize=1)
def layout() -> Layout:
    return Layout(LAYOUT)
