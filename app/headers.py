"""Security headers on every response, and no caching of what a signed-in person sees.

The Content-Security-Policy runs no inline script: templates carry data
attributes and ``static/js/muzu.js`` attaches the behaviour (confirm before
submit, select-to-navigate, print, the board's idle polling).  htmx runs with
``allowEval`` off (``templates/base.html``), so a trigger filter cannot need
``eval``.  Styles allow ``'unsafe-inline'``: templates still carry ``style=``
attributes (bar widths, print layout) and the vendored Swagger UI and htmx set
styles; an inline style cannot run script, and with ``img-src``, ``font-src``
and ``connect-src`` limited to this site a style cannot send data elsewhere.
HSTS is sent only when ``HSTS_SECONDS`` is set (production config).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    # Bootstrap's form controls draw their arrows and checks as data: SVG.
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def content_security_policy() -> str:
    return "; ".join(f"{name} {value}" for name, value in CONTENT_SECURITY_POLICY.items())


def init_app(app: Flask) -> None:
    """The headers after every request (``remember_signed_in`` is registered by
    ``app/web.py`` right after the user is loaded)."""
    app.after_request(add_security_headers)


def remember_signed_in() -> None:
    """Note whether a person is signed in while the account is fresh: after the view
    commits it is expired, and asking again would cost a query on every write."""
    g.signed_in = bool(current_user.is_authenticated)


def add_security_headers(response: Response) -> Response:
    """CSP, nosniff, no framing, a same-origin referrer; HSTS when configured;
    ``Cache-Control: no-store`` on the API and on everything a signed-in person gets."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    hsts = current_app.config.get("HSTS_SECONDS") or 0
    if hsts:
        headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts)}; includeSubDomains")
    if request.endpoint != "static" and (request.path.startswith("/api/")
                                         or g.get("signed_in", False)):
        # Pages and files with names, phones, pay: never kept by a shared desk browser
        # or a proxy.
        headers["Cache-Control"] = "no-store"
        headers.pop("Expires", None)
    return response

