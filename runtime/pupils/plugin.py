"""The pupils domain: one row per child, found by their number (kept encrypted), with their
current school and their parents or guardians."""

from __future__ import annotations

from ..audit import Subject
from ..domain import Domain
from . import cli, models, service
from .settings import PupilsSettings

DOMAIN = Domain(
    name="pupils",
    models=models,
    commands=cli.add_commands,
    audited=(
        Subject(
            "pupil",
            models.Pupil.id,
            models.Pupil.current_school_id,
            purposes=(service.NUMBER_PURPOSE,),
        ),
    ),
    settings=PupilsSettings,
)
