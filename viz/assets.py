"""Solara's front-end packages, which the app serves from a local cache to work offline.

Why: Solara fetches its JavaScript and CSS from a public CDN at run time; the machines
this project runs on reach only package registries. ``scripts/setup_browser.sh`` fills
the cache with ``npm pack``; ``abm app`` refuses to start a blank page when it is empty.
"""

from __future__ import annotations

from pathlib import Path

# Literal folder names Solara 1.64.1 asks the CDN for; keep in step with the setup script.
REQUIRED_PACKAGES = (
    "@widgetti/solara-vuetify-app@10.1.1",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
    "katex@0.16.9",
    "mermaid@10.8.0",
    "vega@5",
    "vega-lite@5",
    "vega-embed@6",
)
SETUP_SCRIPT = "scripts/setup_browser.sh"


def missing_packages(cache: Path) -> list[str]:
    """Packages not yet unpacked in ``cache`` (each needs its ``package.json``)."""
    return [name for name in REQUIRED_PACKAGES if not (cache / name / "package.json").is_file()]
