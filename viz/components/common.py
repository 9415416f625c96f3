"""Small building blocks: an error boundary, escaped tables and text, a clickable SVG.

Why components instead of HTML strings: text from files (center and region names,
sweep names, sources) becomes a text node of a widget, which the browser never parses as
markup. The only HTML strings the page shows are the SVG figures this package builds,
where every such text is escaped (:func:`viz.figures.palette.text`, ``html.escape``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from html import escape
from typing import Any

import solara

from viz.feed import Feed
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


def safe_svg(make: Callable[[], Any], name: str) -> Any:
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


@solara.component_vue("live_box.vue")
def LiveBox(
    html: str = "",
    attrs: dict = {},  # noqa: B006
    box_class: str = "",
    event_pick: Callable[[str], None] | None = None,
):
    """A box of our HTML (an SVG figure) whose ``data-region`` elements send their region
    id on click. ``html`` and ``attrs`` are set on the widget by :func:`LiveHtml`, never
    passed as props: a render of the page re-applies every prop it was given, and would
    put an older figure back."""


@solara.component
def LiveHtml(
    feed: Feed,
    draw: Callable[[Any], str | tuple[str, dict[str, str]]],
    deps: list = [],  # noqa: B006
    classes: list[str] = [],  # noqa: B006
    name: str = "",
    on_pick: Callable[[str], None] | None = None,
):
    """An HTML box (a clickable one with ``on_pick``) that follows ``feed``.

    ``draw(value)`` gives the HTML, or (HTML, attributes). Each new value of the feed is
    drawn straight into the widget, with no render of the page (:mod:`viz.feed`); a
    render redraws it only when ``deps`` (the view's options: language, selection...)
    change. The content never goes through the element's props, so a render can never
    put an older figure back.
    """
    element = LiveBox(box_class=" ".join(classes), event_pick=on_pick)
    current = solara.use_ref(draw)
    current.current = draw  # the latest options, for draws made between renders

    def connect() -> Callable[[], None]:
        widget = solara.get_widget(element)
        lock = threading.Lock()

        def show(_value: Any = None) -> None:
            with lock:  # always the latest value with the latest options, whoever calls
                value = feed.latest
                out = safe_svg(lambda: current.current(value), name)
                html, attrs = out if isinstance(out, tuple) else (out, None)
                if widget.html != html:
                    widget.html = html
                if attrs is not None and widget.attrs != attrs:
                    widget.attrs = attrs

        show()
        return feed.subscribe(show)

    solara.use_effect(connect, [feed, *deps])
