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
from pathlib import Path
from typing import Any

import ipyvuetify
import solara
import traitlets

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


def table_html(
    headers: list[str],
    rows: list[list[str]],
    classes: list[str] = (),
    original: frozenset[int] = frozenset(),
) -> str:
    """A plain table as HTML in which every cell is escaped (text from files included).

    Columns in ``original`` hold text kept as written (identifiers, citations, the
    schema's English docs): marked ``translate="no"`` so a reader, a translator and the
    Korean-interface test know it is not an interface label."""
    head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)

    def cell(i: int, c: object) -> str:
        mark = ' translate="no" class="abm-original"' if i in original else ""
        return f"<td{mark}>{escape(str(c))}</td>"

    body = "".join(
        "<tr>" + "".join(cell(i, c) for i, c in enumerate(row)) + "</tr>" for row in rows
    )
    css = escape(" ".join(["abm-table", *classes]))
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


@solara.component
def Table(
    headers: list[str],
    rows: list[list[str]],
    classes: list[str] = [],  # noqa: B006
    original: frozenset[int] = frozenset(),
):
    """A table in one widget (hundreds of cells as widgets are slow to send); every cell is
    escaped by :func:`table_html`, so text from files is never markup."""
    solara.HTML(
        tag="div",
        unsafe_innerHTML=table_html(headers, rows, classes, original),
        classes=["abm-table-box"],
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


# ------------------------------------------------------------------------------ text input
@solara.component
def TextInput(
    label: str,
    value: str,
    on_commit: Callable[[str], None],
    error: str = "",
    message: str = "",
    placeholder: str = "",
    classes: list[str] = [],  # noqa: B006
    style: str = "",
    disabled: bool = False,
    dense: bool = True,
):
    """A text field whose typed text is never put back by a render, and whose edit is
    committed with the text the browser shows.

    Why not ``solara.InputText``: a render of the page re-applies every prop of every
    element, ``v_model`` included (reacton updates a re-created element's widget in full),
    so a render caused by one committed field set the text being typed in the next one
    back to its old value, and that field then committed the old value (issue 23: 2 of 4
    rapid edits lost). Here ``v_model`` is never a prop: it is set on the widget only
    when ``value`` changes from outside (a scenario picked, a link restored), and a commit
    (Enter or leaving the field: Vuetify's ``change`` event) carries the field's text.
    """
    field = solara.v.TextField(
        label=label,
        error=bool(error),
        messages=[error] if error else ([message] if message else []),
        placeholder=placeholder,
        class_=" ".join(classes),
        style_=style,
        dense=dense,
        disabled=disabled,
        hide_details="auto",
    )
    commit = solara.use_ref(on_commit)
    commit.current = on_commit

    def connect() -> Callable[[], None]:
        widget = solara.get_widget(field)

        def changed(_widget: Any, _event: str, data: Any) -> None:
            text = data if isinstance(data, str) else (widget.v_model or "")
            commit.current(text if text is not None else "")

        widget.on_event("change", changed)
        return lambda: widget.on_event("change", changed, remove=True)

    def show() -> None:
        widget = solara.get_widget(field)
        if widget.v_model != value:
            widget.v_model = value

    solara.use_effect(connect, [])
    solara.use_effect(show, [value])
    return field


# ------------------------------------------------------------------------------ downloads
class DownloadWidget(ipyvuetify.VuetifyTemplate):
    """A button that asks the server for (file name, bytes) when clicked.

    Why not ``solara.FileDownload``: its file name is fixed when the page renders, so a
    name could not say the step and time of the download (two downloads of one run
    overwrote each other; after a Reset the name still said step 0). Here the name is
    made with the data, at the click.
    """

    template_file = (str(Path(__file__).with_name("download.vue")), "download.vue")
    label = traitlets.Unicode("").tag(sync=True)
    button_class = traitlets.Unicode("").tag(sync=True)  # (``css`` is ipyvue's own trait)
    filename = traitlets.Unicode("").tag(sync=True)
    payload = traitlets.Bytes(None, allow_none=True).tag(sync=True)
    mime_type = traitlets.Unicode("application/octet-stream").tag(sync=True)
    ready = traitlets.Int(0).tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)

    def __init__(self, make: Callable[[], tuple[str, bytes]] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.make = make

    def vue_request_download(self, _data: Any = None) -> None:
        make = self.make

        def work() -> None:
            try:
                name, data = make() if make else ("", b"")
                with self.hold_sync():
                    self.filename, self.payload, self.error = name, data, ""
                    self.ready += 1
            except Exception as exc:  # one line next to the button, never a traceback
                log.exception("download failed")
                self.busy, self.error = False, one_line(exc)

        threading.Thread(target=work, name="abm-download", daemon=True).start()


@solara.component
def Download(
    label: str,
    make: Callable[[], tuple[str, bytes]],
    mime_type: str = "application/octet-stream",
    classes: list[str] = [],  # noqa: B006
):
    """A download button; ``make()`` gives (file name, bytes) at the click."""
    element = DownloadWidget.element(
        label=label, button_class=" ".join(classes), mime_type=mime_type
    )
    current = solara.use_ref(make)
    current.current = make

    def connect() -> None:
        widget = solara.get_widget(element)
        widget.make = lambda: current.current()

    solara.use_effect(connect, [])
    return element
