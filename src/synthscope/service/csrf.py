"""CSRF protection for the page forms: a double-submit token plus an Origin check.

The token lives in a SameSite=Strict, HttpOnly cookie and in a hidden form field; a cross-site page
can make the browser send the cookie on a POST but cannot read it to fill in the field.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

CSRF_COOKIE = "synthscope_csrf"


def token_for(request: Request) -> str:
    """The request's CSRF token (a new one when the browser has none)."""
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_cookie(response: Response, token: str) -> None:
    """Give the browser ``token`` (for a year; it is no secret of the user's)."""
    response.set_cookie(
        CSRF_COOKIE, token, max_age=365 * 86400, httponly=True, samesite="strict", path="/"
    )


def valid(request: Request, submitted: str | None) -> bool:
    """Whether a form POST carries the cookie's token and, when the browser says, our origin."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")
