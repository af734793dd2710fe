"""The domains of POPO, in one list: the application, the command line, the job workers and
the migrations take their routes, models, commands, tasks, events and templates from here.
Adding a domain is adding its folder and one line below (docs/architecture.md).

Importing this module puts every task, notification event and template folder in its
mechanism's table, once (the mechanisms themselves know no domain)."""

from __future__ import annotations

from . import audit, notifications, outbox
from .absence.plugin import DOMAIN as ABSENCE
from .access.plugin import DOMAIN as ACCESS
from .admissions.plugin import DOMAIN as ADMISSIONS
from .audit import models as audit_tables
from .audit import tasks as audit_tasks
from .authoring.plugin import DOMAIN as AUTHORING
from .consent.plugin import DOMAIN as CONSENT
from .domain import Domain
from .forms.plugin import DOMAIN as FORMS
from .home.plugin import DOMAIN as HOME
from .jobs import spec
from .monitoring.plugin import DOMAIN as MONITORING
from .operations.plugin import DOMAIN as OPERATIONS
from .organisations.plugin import DOMAIN as ORGANISATIONS
from .oso.plugin import DOMAIN as OSO
from .placement.plugin import DOMAIN as PLACEMENT
from .pupils.plugin import DOMAIN as PUPILS
from .settings import Settings, use_class
from .statuses import db as status_tables
from .support.plugin import DOMAIN as SUPPORT
from .transfers.plugin import DOMAIN as TRANSFERS
from .web.language import use_templates

DOMAINS: tuple[Domain, ...] = (
    AUTHORING,
    ORGANISATIONS,
    ACCESS,
    HOME,
    FORMS,
    OSO,
    PUPILS,
    TRANSFERS,
    ADMISSIONS,
    PLACEMENT,
    CONSENT,
    SUPPORT,
    ABSENCE,
    MONITORING,
    OPERATIONS,
)
# the shared mechanisms' tables; with the domains' models they are every table (Alembic's too)
MECHANISM_TABLES = (audit_tables, status_tables, outbox, notifications.models)


class AppSettings(Settings, *(d.settings for d in DOMAINS if d.settings is not None)):  # type: ignore[misc]
    """POPO's settings: the core's (runtime/settings.py) and every domain's section, all read
    from ``POPO_…``; ``AppSettings(name=value, ...)`` overrides single ones (tests do)."""


def install(domains: tuple[Domain, ...]) -> None:
    """Put what the domains bring into the shared mechanisms' tables."""
    spec.register(*outbox.TASKS, *audit_tasks.TASKS)
    for domain in domains:
        spec.register(*domain.tasks)
        audit.register(*domain.audited)
        if domain.events:
            assert domain.mail_templates is not None, f"{domain.name}: events need templates"
            notifications.register(domain.mail_templates, *domain.events)
    use_templates(*(d.templates for d in domains if d.templates is not None))
    use_class(AppSettings)


install(DOMAINS)
