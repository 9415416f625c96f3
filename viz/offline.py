"""Keep the app's server off the network and its log quiet, whatever Solara would do.

* Solara fetches a front-end file missing from its asset cache from a public CDN. Here
  that never happens: :func:`install` replaces the fetch with a refusal, so an uncached
  ``/_solara/cdn/...`` request fails at once, locally, and the log names the file and the
  setup script (``abm app`` also points the CDN setting at a dead loopback address).
* Solara warns on every page load served over plain http to a host other than
  "localhost" that it falls back to ``SameSite=Lax`` cookies. On 127.0.0.1 that fallback
  is exactly right, so the warning is noise and is filtered.
* ``ABM_APP_DIAGNOSTICS=1`` prints page-session counts (opened, closed), which the
  browser tests and the benchmark read to check that closed tabs release their kernels.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

from viz.assets import SETUP_SCRIPT

DIAGNOSTICS_ENV = "ABM_APP_DIAGNOSTICS"
REFUSED = "Could not load URL (offline: not in the local asset cache)"
log = logging.getLogger("viz.offline")


def _refuse(url: str) -> bytes:
    log.error("%s: %s; run %s", REFUSED, url, SETUP_SCRIPT)
    print(f"{REFUSED}: {url}; run {SETUP_SCRIPT}", file=sys.stderr, flush=True)
    raise PermissionError(f"offline: {url} is not in the local asset cache")


def install() -> None:
    """Refuse CDN fetches and silence the loopback cookie warning (idempotent)."""
    try:
        from solara.server import cdn_helper
    except ImportError:  # solara without its server (headless tests)
        return
    cdn_helper.fetch_from_cdn = _refuse
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")


def diagnostic(message: str) -> None:
    if os.environ.get(DIAGNOSTICS_ENV):
        print(f"abm-diagnostic: {message}", file=sys.stderr, flush=True)
