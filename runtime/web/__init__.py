"""The web kit: what every domain's routes use to answer a request (docs/architecture.md,
"The web kit"). Each idea has one module; import them by name (``from ..web import guards``).

- ``pages``: HTML responses, the message page, language switch addresses
- ``language``: the person's language (``?lang=``, its cookie) and ``templates(language)``
- ``identity``: the session cookie, the logged-in principal, CSRF token, address, audit actor
- ``guards``: what a route needs (a logged-in person, one of some roles, a school role)
- ``scoped``: fetching one object the person may reach, with its audit record
- ``refusals``: the exceptions a route or service raises to refuse; ``errors``: their pages
  and every other error page (``EXCEPTION_HANDLERS``)
- ``api``: the JSON API's router, its bearer-token guard (audited), problem responses and
  OpenAPI document (docs/api.md)
- ``headers``: security headers; ``posted``: a POST's form; ``blocking``: ``in_thread``
"""
