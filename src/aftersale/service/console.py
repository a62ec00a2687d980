"""The web console at `/`: one HTML page, one script, one style sheet, and its words per language.

Shipped as package data (`static/`), no build step and nothing fetched from elsewhere. The page
talks to the JSON API with the token the user types (kept in the tab's sessionStorage, sent only
as `Authorization: Bearer`). Every console response carries a Content-Security-Policy that allows
this origin's files only: no inline script, no other host.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, Response

from ..locale import LANGUAGES, catalog
from ..rules import ACTIONS

STATIC = Path(__file__).parent / "static"
#: The files the console serves, and their media types: nothing else from the folder is reachable.
ASSETS = {"console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
PREFIX = "console."


def words(lang: str) -> dict[str, str]:
    """The console's words in `lang`: the `[console]` section of the language's catalog, ids unprefixed."""
    return {k[len(PREFIX):]: v for k, v in catalog(lang).items() if k.startswith(PREFIX)}


def mount(app: FastAPI) -> None:
    """Add the console's routes to the service's app."""

    @app.get("/", include_in_schema=False)
    def page():
        return Response((STATIC / "index.html").read_bytes(), media_type="text/html; charset=utf-8",
                        headers=SECURITY_HEADERS)

    @app.get("/console/i18n/{lang}.json", include_in_schema=False)
    def language(lang: str):
        if lang not in LANGUAGES:
            raise HTTPException(404)
        return JSONResponse({"lang": lang, "words": words(lang), "actions": list(ACTIONS)},
                            headers=SECURITY_HEADERS)

    @app.get("/console/{name}", include_in_schema=False)
    def asset(name: str):
        if name not in ASSETS:
            raise HTTPException(404)
        return Response((STATIC / name).read_bytes(), media_type=ASSETS[name], headers=SECURITY_HEADERS)
