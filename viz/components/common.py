"""Small building blocks: an error boundary, escaped tables and text, a clickable SVG.

Why components instead of HTML strings: text from files (center and region names,
sweep names, sources) becomes a text node of a widget, which the browser never parses as
markup. The only HTML strings the page shows are the SVG figures this package builds,
where every such text is escaped (:func:`viz.figures.palette.text`, ``html.escape``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

import solara

from viz.i18n import trf

log = logging.getLogger("viz")


def one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:240]


@solara.component
def Boundary(children: list = [], lang: str = "en", name: str = ""):  # noqa: B006
    """An error boundary: a child that raises while rendering becomes one line, and the
    rest of the page (sidebar, controls, other tabs) stays."""
    exc, clear = solara.use_exception()
    if exc is not None:
        log.error("view %s failed: %s", name, one_line(exc), exc_info=exc)
        with solara.Row(classes=["abm-boundary"]):
            solara.Error(trf("view_error", lang, err=one_line(exc)), dense=True)
            solara.Button("↻", on_click=clear, text=True, classes=["btn-retry"])
        return
    solara.Column(children=children, gap="6px")


def safe_svg(make: Callable[[], str], name: str) -> str:
    """An SVG figure, or a small SVG saying it could not be drawn (never an exception)."""
    try:
        return make()
    except Exception as exc:  # one broken figure must not take the others with it
        log.exception("figure %s failed", name)
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" class="abm-figure abm-broken" width="300" '
            f'height="40"><text x="6" y="24" font-size="11" fill="#b00">{escape(name)}: '
            f"{escape(one_line(exc))}</text></svg>"
        )


def table_html(headers: list[str], rows: list[list[str]], classes: list[str] = ()) -> str:
    """A plain table as HTML in which every cell is escaped (text from files included)."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    css = escape(" ".join(["abm-table", *classes]))
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@solara.component
def Table(headers: list[str], rows: list[list[str]], classes: list[str] = []):  # noqa: B006
    """A table in one widget (hundreds of cells as widgets are slow to send); every cell is
    escaped by :func:`table_html`, so text from files is never markup."""
    solara.HTML(
        tag="div", unsafe_innerHTML=table_html(headers, rows, classes), classes=["abm-table-box"]
    )


@solara.component
def Heading(text: str, classes: list[str] = []):  # noqa: B006
    solara.v.Html(tag="div", children=[text], class_=" ".join(["abm-group", *classes]))


@solara.component_vue("clickable_svg.vue")
def ClickableSvg(svg: str, box_class: str = "", event_pick: Callable[[str], None] | None = None):
    """An SVG of ours whose ``data-region`` elements send their region id on click."""
