"""Cross-site request forgery: what a state-changing request must carry and where it may come from.

The form's token is bound to the link: an HMAC of the link token under the link secret (with its own label, so it is
never a valid link signature). Only the server can compute it and the client cannot choose it, so there is no cookie:
a page knows the token only because the server put it in that link's page.

Where a request comes from, as the browser tells it:
- `Sec-Fetch-Site` (every current browser sends it), when present, decides: only `same-origin` is taken;
  `cross-site`, `same-site` and `none` are refused.
- `Origin`: the pages answer with `Referrer-Policy: no-referrer`, under which browsers send `Origin: null` even on
  a same-origin form post, so `null` says nothing and is taken only when `Sec-Fetch-Site` vouched for the request.
  Any other `Origin` must be this service's origin: the one the request was addressed to, or the origin of
  `web_base_url` (for a proxy that terminates HTTPS).
- Neither header: a client that is not a browser (a script, the support desk's curl). It still needs the
  link-bound token, which it can only have read from the link's page. An old browser without `Sec-Fetch-Site`
  sends `Origin: null` and is refused (it is told to open the link again; a current browser works).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

_LABEL = b"workflows task page form\x00"


def form_token(link_token: str, secret: bytes) -> str:
    """The token the link's page puts in its forms."""
    return hmac.new(secret, _LABEL + link_token.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def form_token_valid(link_token: str, secret: bytes, sent: str) -> bool:
    """Whether a form came from the link's own page. Any text may arrive: compared as bytes, never raising."""
    expected = form_token(link_token, secret).encode()
    return hmac.compare_digest(sent.encode("utf-8", "surrogateescape"), expected)


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` as browsers write `Origin` (default ports left out), or None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def cross_site(headers: Mapping[str, str], own_origins: Iterable[str | None]) -> bool:
    """True when a state-changing request is not from this service's own pages (see the module's rules)."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() != "same-origin":
        return True
    origin = headers.get("origin")
    if origin is None or (fetch_site is not None and origin.strip().lower() == "null"):
        return False
    allowed = {own for own in own_origins if own}
    return origin_of(origin) not in allowed  # without Sec-Fetch-Site, `null` (and anything not a URL) is refused
