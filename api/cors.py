"""Browsers on other origins (BILLING_CORS_ORIGINS): CORS over HTTP, preflight included. The
WebSocket handshake's `Origin` is checked by the GraphQL view against the same list."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

#: Seconds a browser may cache a preflight answer.
PREFLIGHT_MAX_AGE = 600


def cors_middleware(origins: list[str]) -> list[Middleware]:
    """CORS for the listed origins; none (same origin only) when the list is empty."""
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            # Bearer tokens, not cookies: pages never need the browser's credentials.
            allow_credentials=False,
            max_age=PREFLIGHT_MAX_AGE,
        )
    ]
