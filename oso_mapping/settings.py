"""Where the official OSO reference files are found."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
ELEMENT_TREE_FILE = "element_tree_OSO_gegevensset_2019.1.txt"
CODELISTS_FILE = "codelists_OSO_2019.1_from_validation_xslt.csv"


def oso_dir() -> Path | None:
    """``POPO_OSO_DIR``, else ``../shared/oso`` beside the repository, when it exists."""
    configured = os.environ.get("POPO_OSO_DIR")
    candidate = Path(configured) if configured else REPOSITORY.parent / "shared" / "oso"
    return candidate if candidate.is_dir() else None


SCHEMA_FILE = "OSO_gegevensset.xsd"
RULES_FILE = "ValideerOverstapprofielen.xsl"


def schema_dir() -> Path | None:
    """The official 2019.1 schema and business rules: ``POPO_OSO_SCHEMA_DIR``, else
    ``../shared/oso/2019.1`` beside the repository; None when neither holds the schema."""
    configured = os.environ.get("POPO_OSO_SCHEMA_DIR")
    if configured:
        candidate = Path(configured)
    else:
        reference = oso_dir()
        candidate = reference / "2019.1" if reference else REPOSITORY / "missing"
    return candidate if (candidate / SCHEMA_FILE).is_file() else None
