"""The GraphiQL page of ``GET /graphql``: the project's own template, served with its assets.

The page is ``ide.html`` with no inline script or style: its bootstrap is ``static/ide.js``,
which reads the endpoint, the first query and the headers from data attributes. GraphiQL,
React and the explorer plugin are the npm packages pinned in ``web/package-lock.json``,
copied into ``static/graphiql/`` by ``make assets`` (``web/build.mjs``; git-ignored). The
gateway serves all of it under ``/graphql/static/`` and the page's Content-Security-Policy
allows only ``'self'``. Without the built copy (no npm where the gateway was installed) the
page loads the same versions from a public CDN, with their integrity hashes, says so in a
banner, and its policy allows that CDN too.

The demo key (``GRAPHIQL_API_KEY``) is written into the page only for a request over a
loopback connection (see ``shows_demo_key``); anyone else gets a placeholder to replace.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from string import Template

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.core.timestamps import format_rfc3339

# The committed files (ide.js, ide.css, favicon.svg) and, in graphiql/, the npm packages'
# copy that `make assets` writes (BUILT, written last, means a whole copy).
STATIC_DIR = Path(__file__).with_name("static")
TEMPLATE = Template(Path(__file__).with_name("ide.html").read_text(encoding="utf-8"))

CDN = "https://unpkg.com"

# Served under /graphql/static/: what a browser needs for the page, by suffix.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}

_POLICY = "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
# The page, its bootstrap and GraphiQL all come from the gateway; so do its API calls.
CSP_SELF = f"default-src 'self'; {_POLICY}"
# The CDN fallback: scripts and styles from the CDN, whose CSS embeds fonts as data: URLs.
CSP_CDN = (
    f"default-src 'self'; script-src 'self' {CDN}; style-src 'self' {CDN}; "
    f"font-src 'self' data:; img-src 'self' data:; {_POLICY}"
)

PAGE_HEADERS = {
    "Cache-Control": "no-store",  # it may hold the demo key
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}

FIRST_QUERY = """# Your organization's newest complaints, with what they point at.
query FirstLook {
  viewer { organizationId scopes keyPrefix }
  complaintCounts { new inTriage resolvedRecent resolvedWindowDays }
  complaints(first: 5, filter: { status: NEW }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        id status category source reporterNumber excerpt createdAt
        phoneNumber { number label }
        campaign { tcrCampaignId status }
        history { fromStatus toStatus createdAt }
      }
    }
  }
  # Both sources in one timeline: the last 30 days, newest first.
  complaintTimeline(start: "__START__", end: "__END__", first: 10) {
    totalCount origins legacyLists
    omittedOrigins { origin reason missingScopes }
    edges { node {
      __typename occurredAt origin contactPhone contactEmail
      ... on Complaint { status category relatedLegacyComplaints { listId date email } }
      ... on ListComplaint { listId email relatedNativeComplaints { id status } }
    } }
  }
  complaintSummary(start: "__START__", end: "__END__") {
    total byOrigin { origin count } byList { listId count } daily { day native legacy }
  }
  # The legacy WhatCounts report of mailing list 11 (needs lists:read).
  listComplaintReport(listId: "11") {
    complaintTotal
    complaints(first: 3) {
      totalCount
      edges { node { date email firstName lastName phone country } }
    }
  }
}
"""

KEY_PLACEHOLDER = "YOUR_API_KEY"


@dataclasses.dataclass(frozen=True)
class VendorAsset:
    """A file of the npm packages: its name in STATIC_DIR/graphiql, and the same on the CDN."""

    name: str
    package: str
    version: str
    path: str  # in the package
    integrity: str  # of the CDN's file (the package's own bytes)

    @property
    def cdn_url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.path}"


# Versions as in web/package-lock.json (a test holds them equal); styles first, then the
# scripts in load order: React, ReactDOM, GraphiQL (global `GraphiQL`), the explorer plugin.
STYLES = (
    VendorAsset(
        "graphiql.min.css",
        "graphiql",
        "3.8.3",
        "graphiql.min.css",
        "sha384-Mq3vbRBY71jfjQAt/DcjxUIYY33ksal4cgdRt9U/hNPvHBCaT2JfJ/PTRiPKf0aM",
    ),
    VendorAsset(
        "plugin-explorer.css",
        "@graphiql/plugin-explorer",
        "3.2.5",
        "dist/style.css",
        "sha384-YN9MumWidbWKuNj8VfH5ggrFvm9YqAoIOMnKYpeGL3dr7Eg1qnQ+SAqSthdNZCjz",
    ),
)
SCRIPTS = (
    VendorAsset(
        "react.production.min.js",
        "react",
        "18.3.1",
        "umd/react.production.min.js",
        "sha384-DGyLxAyjq0f9SPpVevD6IgztCFlnMF6oW/XQGmfe+IsZ8TqEiDrcHkMLKI6fiB/Z",
    ),
    VendorAsset(
        "react-dom.production.min.js",
        "react-dom",
        "18.3.1",
        "umd/react-dom.production.min.js",
        "sha384-gTGxhz21lVGYNMcdJOyq01Edg0jhn/c22nsx0kyqP0TxaV5WVdsSH1fSDUf5YJj1",
    ),
    VendorAsset(
        "graphiql.min.js",
        "graphiql",
        "3.8.3",
        "graphiql.min.js",
        "sha384-HbRVEFG0JGJZeAHCJ9Xm2+tpknBQ7QZmNlO/DgZtkZ0aJSypT96YYGRNod99l9Ie",
    ),
    VendorAsset(
        "plugin-explorer.umd.js",
        "@graphiql/plugin-explorer",
        "3.2.5",
        "dist/index.umd.js",
        "sha384-5p6hGdlOTvUy6Wf0GauxCz+xM9YB/YYvcGG+bf9msr2eyd+KVIxgRkepHgUijedJ",
    ),
)

CDN_BANNER = (
    "GraphiQL's own copy is not built into this gateway (`make assets` needs nodejs and "
    f"npm), so this page loads GraphiQL and React from {CDN}: without access to it the "
    "editor stays blank."
)


def assets_built() -> bool:
    """Whether ``make assets`` left a whole copy of the npm packages in STATIC_DIR."""
    directory = STATIC_DIR / "graphiql"
    names = [asset.name for asset in (*STYLES, *SCRIPTS)]
    return (directory / "BUILT").is_file() and all((directory / n).is_file() for n in names)


def first_query(now: datetime | None = None) -> str:
    """FIRST_QUERY with its window: the last 30 days up to the end of today (UTC)."""
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = today - timedelta(days=29), today + timedelta(days=1)
    return FIRST_QUERY.replace("__START__", format_rfc3339(start)).replace(
        "__END__", format_rfc3339(end)
    )


def _is_loopback_address(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def _is_loopback_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost") or _is_loopback_address(host)


def shows_demo_key(scope: Scope) -> bool:
    """The demo key goes only into a page asked over a loopback connection, for a loopback
    name, not through a proxy: the server's own address of the connection (ASGI ``server``)
    is 127.0.0.0/8 or ::1, so the request came from this machine (a server listening on
    127.0.0.1, the demo's default, answers nothing else); the ``Host`` the browser asked for
    is localhost, *.localhost or a loopback address (so a page of another site that points
    its own name at 127.0.0.1, DNS rebinding, does not get it); and no ``Forwarded`` /
    ``X-Forwarded-For`` header says a proxy on this machine relays someone else."""
    server = scope.get("server")
    if not server or not _is_loopback_address(str(server[0])):
        return False
    headers = Headers(scope=scope)
    if "forwarded" in headers or "x-forwarded-for" in headers:
        return False
    return _is_loopback_name(_host_name(headers.get("host", "")))


def _host_name(host: str) -> str:
    """``localhost:8000`` → ``localhost``, ``[::1]:8000`` → ``::1``."""
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0]


def _attributes(values: dict[str, str]) -> str:
    return " ".join(f'{name}="{escape(value, quote=True)}"' for name, value in values.items())


def render_page(scope: Scope, base: str, api_key: str) -> HTMLResponse:
    """The page for ``GET base`` (``/graphql``): assets from ``base/static/``."""
    static = f"{base}/static"
    local = assets_built()
    styles = [
        f'<link rel="stylesheet" href="{escape(static)}/graphiql/{a.name}">'
        if local
        else f'<link rel="stylesheet" href="{a.cdn_url}" integrity="{a.integrity}" '
        'crossorigin="anonymous">'
        for a in STYLES
    ]
    scripts = [
        f'<script src="{escape(static)}/graphiql/{a.name}"></script>'
        if local
        else f'<script src="{a.cdn_url}" integrity="{a.integrity}" '
        'crossorigin="anonymous"></script>'
        for a in SCRIPTS
    ]
    key = api_key if api_key and shows_demo_key(scope) else KEY_PLACEHOLDER
    headers = json.dumps({"Authorization": f"Bearer {key}"}, indent=2)
    banner = "" if local else f'<p class="ide-banner" role="alert">{escape(CDN_BANNER)}</p>'
    html = TEMPLATE.substitute(
        static=escape(static),
        styles="\n    ".join(styles),
        scripts="\n    ".join(scripts),
        banner=banner,
        config=_attributes(
            {
                "data-endpoint": base,
                "data-query": first_query(),
                "data-headers": headers,
                "data-assets": "gateway" if local else "cdn",
            }
        ),
    )
    policy = CSP_SELF if local else CSP_CDN
    return HTMLResponse(html, headers={**PAGE_HEADERS, "Content-Security-Policy": policy})


class StaticAssets:
    """``GET /graphql/static/{path}``: the files under STATIC_DIR that a page needs (by
    suffix), with conditional GETs (ETag, 304) from Starlette's StaticFiles."""

    def __init__(self) -> None:
        self.files = StaticFiles(directory=STATIC_DIR, follow_symlink=False)

    async def response(self, path: str, scope: Scope) -> Response:
        content_type = CONTENT_TYPES.get(Path(path).suffix.lower())
        if content_type is None or any(part.startswith(".") for part in Path(path).parts):
            raise HTTPException(404)
        response = await self.files.get_response(path, scope)
        if response.status_code == 200:
            response.headers["Content-Type"] = content_type
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response
