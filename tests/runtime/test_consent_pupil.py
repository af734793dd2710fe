"""An advice set from the school's start page names its pupil only in its answers: its
aanmeldcode is bound to the school's own pupil with that number, surname and birth date
(ConsentService.pupil_of), and to no pupil of another school or with other details."""

from __future__ import annotations

import random
import uuid
from datetime import date

from runtime.consent.service import ConsentService
from runtime.forms.models import Submission
from runtime.pupils import service as pupils
from runtime.state import AppState

from ..support import a_bsn
from .test_scope import schools

BORN = date(2018, 3, 15)


def advice(school_id: uuid.UUID, surname: str, born: date = BORN) -> Submission:
    """A sent advice as the start page makes one: without a pupil, the pupil in its answers."""
    return Submission(
        organisation_id=school_id,
        pupil_id=None,
        answers={"achternaam": surname, "geboortedatum": born.isoformat()},
    )


def test_an_advice_binds_its_code_to_the_schools_own_pupil_only(seeded: AppState) -> None:
    number, elsewhere = a_bsn(random.Random()), a_bsn(random.Random())
    with seeded.db.session() as session:
        codes = schools(session)
        regenboog, linde = codes["12AB00"], codes["34CD00"]
        names = pupils.Names(voornamen="Sanne", achternaam="Jansen")
        own = pupils.register(session, seeded.settings, number, names, BORN, regenboog)
        pupils.register(session, seeded.settings, elsewhere, names, BORN, linde)
        service = ConsentService(session, seeded.settings)
        assert service.pupil_of(advice(regenboog, "jansen "), number) == own.id
        assert service.pupil_of(advice(regenboog, "Jansen"), elsewhere) is None  # De Linde's
        assert service.pupil_of(advice(regenboog, "Janssen"), number) is None  # another name
        assert service.pupil_of(advice(regenboog, "Jansen", date(2018, 3, 16)), number) is None
        assert service.pupil_of(advice(linde, "Jansen"), number) is None  # not De Linde's
        assert service.pupil_of(advice(regenboog, "Jansen"), None) is None
        assert service.pupil_of(advice(regenboog, "Jansen"), "123") is None  # no number
        started = advice(regenboog, "Jansen")
        started.pupil_id = own.id  # an advice started for its pupil keeps that pupil
        assert service.pupil_of(started, None) == own.id
        session.rollback()
