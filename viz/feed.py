"""The stream of frames a page draws, outside Solara's render.

Why: a Solara re-render reconciles every element of the page (the sidebar's ~60
controls included) whatever changed: 40-80 ms on this machine before a single figure
is drawn, twice per step. A step changes only the figures, so the live views subscribe
here and set their widget's content directly (:func:`viz.components.common.LiveHtml`);
a step then costs its figures and the bytes sent, and the page's events (a Pause click)
are never queued behind a render.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("viz.feed")


class Feed[T]:
    """The latest value and the callbacks that draw it; thread-safe, never raises."""

    def __init__(self, value: T):
        self._value = value
        self._lock = threading.Lock()
        self._listeners: list[Callable[[T], None]] = []

    @property
    def latest(self) -> T:
        return self._value

    def subscribe(self, listener: Callable[[T], None]) -> Callable[[], None]:
        """Call ``listener`` with every new value; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def publish(self, value: T) -> None:
        """Make ``value`` the latest and draw it; a drawer that fails is logged, not raised
        (each drawer shows its own error in its figure)."""
        with self._lock:
            self._value = value
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(value)
            except Exception:
                log.exception("a live view could not draw")

    @property
    def listeners(self) -> int:
        return len(self._listeners)
