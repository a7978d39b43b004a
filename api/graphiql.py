"""GraphiQL served by the app itself: the page and its bundled JS/CSS, no CDN.

The assets are built from the npm packages by `web/graphiql/build.sh` and committed under
`api/static/graphiql/`, so a server behind poor connectivity still offers a working IDE.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

PAGE = """<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Billing API · GraphiQL</title>
    <link rel="stylesheet" href="/static/graphiql/graphiql.css" />
    <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/static/graphiql/graphiql.js"></script>
  </body>
</html>
"""


def graphiql_page() -> HTMLResponse:
    """The IDE page; the token goes in its headers editor, never in the page."""
    return HTMLResponse(PAGE, headers={"Cache-Control": "no-cache"})


def static_mount() -> Mount:
    """`/static/...`: GraphiQL's bundled assets."""
    return Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static")
