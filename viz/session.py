"""One browser page's state and the controller of its run: play, pause, step, reset.

Why a background stepper and not a render-driven loop: a render of every view costs far
more than a model step at large sizes, and a Pause click is an event the server can
only serve between renders. The stepper thread therefore only *steps*; it draws a
frame when one is due (every N steps, and no more often than the page can draw:
at least twice the measured render time apart), and it checks its stop flag between
steps. Pause sets that flag and flips the button at once, so it takes effect within one
model step and one render, at any speed and size.

Every exception of a step, a snapshot, a render or a model build is caught here and
shown as one line (:attr:`Session.status`), keeping the last good frame and the controls.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from dataclasses import dataclass

import solara

from abm.dates import add_months
from abm.errors import UserError
from abm.scenario import Scenario, load_scenario, parse_month
from viz import controls as ctl
from viz.ensemble import Ensemble
from viz.feed import Feed
from viz.i18n import tr, trf
from viz.live import SPARES, Frame, LiveRun
from viz.paths import Choice, lookup

log = logging.getLogger("viz.session")

MAX_SPEED = 30  # the slider's top: as fast as the model steps
MIN_FRAME_S = 0.15  # at most ~7 frames a second while playing
RENDER_SHARE = 0.35  # drawing may take at most this share of the time while playing


@dataclass(frozen=True)
class Status:
    """The one line under the player: what is going on, or what went wrong."""

    text: str = ""
    error: bool = False


class Session:
    """One page's reactives and run; created once per page, never shared between pages."""

    def __init__(self, choices: list[Choice], first: Choice, search: str | None = None):
        self.choices = choices
        key, values = ctl.from_query(search)
        choice = lookup(choices, key) or first
        base = load_scenario(choice.path)
        draft = ctl.apply_query(base, values) if values else ctl.defaults(base)
        checked = ctl.validate(base, draft)
        if not checked.ok:  # a stale or edited link: keep its values visible, run the defaults
            scenario, seed = base, base.seed
        else:
            scenario, seed = checked.scenario, checked.seed
        run = SPARES.take(scenario, seed)
        self.lock = threading.Lock()
        self.lang = solara.reactive("en")
        self.choice_key = solara.reactive(choice.key)
        self.pick_error = solara.reactive("")
        self.base = solara.reactive(base)
        self.draft = solara.reactive(draft)
        self.applied = solara.reactive(draft if checked.ok else ctl.defaults(base))
        self.attempted = solara.reactive(not checked.ok)  # show the banner for a bad link
        self.run = solara.reactive(run)
        self.frame = solara.reactive(run.frame)  # read by tests and callbacks, not renders
        self.frames = Feed(run.frame)  # what the live views draw, without a page render
        self.at_end = solara.reactive(run.done)  # the buttons' state: changes once a run
        self.playing = solara.reactive(False)
        self.busy = solara.reactive(False)
        self.status = solara.reactive(Status())
        self.speed = solara.reactive(5)
        self.render_every = solara.reactive(1)
        self.render_every_text = solara.reactive("1")  # what the user typed
        self.until = solara.reactive("")  # "YYYY-MM" or ""
        self.queued = 0  # Step clicks that arrived while a model was being built
        self._building = False  # (with ``queued``, under ``lock``: the page's busy follows)
        self.applied_note = solara.reactive("")  # what the last Reset applied
        self.tab = solara.reactive(0)
        self.size_by = solara.reactive("firms")
        self.selected = solara.reactive("")
        self.flows = solara.reactive("relocations")  # the map's arrows: or "compute"
        self.followed = solara.reactive(None)  # the uid the firm inspector follows
        self.plot_scope = solara.reactive("model")
        self.plot_name = solara.reactive("compute_met")
        self.choices_version = solara.reactive(0)
        self.url_setter = None  # set by the page: pushes "?..." to the browser's address
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.render_s = 0.0  # smoothed time to draw a frame
        self.step_ms: list[float] = []
        self.ensemble: Ensemble | None = None  # other seeds of the run, for the charts' band

    # ------------------------------------------------------------------ the band
    def start_band(self) -> None:
        """Start the background ensemble of the current run, once (on its first step or
        Play: a page opened and closed costs nothing)."""
        run = self.run.value
        current = self.ensemble
        if current is not None and current.owner is run:
            return
        if current is not None:
            current.cancel()
        self.ensemble = Ensemble(run.scenario, run.seed, self._redraw, owner=run).start()

    def bands_of(self, name: str, scope: str = "model", region: str | None = None):
        """The band of ``name`` from the current run's ensemble (None until it has one)."""
        e = self.ensemble
        if e is None or e.owner is not self.run.value:
            return None
        return e.bands(name, scope, region)

    def band_status(self) -> tuple[int, int]:
        """(other seeds finished, asked) of the current run's band; (0, 0) for none yet."""
        e = self.ensemble
        if e is None or e.owner is not self.run.value or e.skipped:
            return 0, 0
        return e.status()

    def follow(self, uid: int | None) -> None:
        """Follow one firm in the inspector (None: nobody), and show it at once."""
        run = self.run.value
        run.follow(uid)
        self.followed.set(uid)
        with self.lock:
            if self.run.value is not run:
                return
        self.show(run.snapshot(force_network=False))

    def _redraw(self) -> None:
        """An ensemble run came in: draw the latest frame again (no model step)."""
        try:
            self.frames.publish(self.frames.latest)
        except Exception:  # a closing page
            log.exception("could not redraw the band")

    # ------------------------------------------------------------------ helpers
    @property
    def edits(self) -> dict[str, str]:
        """Controls whose applied value differs from the scenario file."""
        return ctl.changed(self.base.value, self.applied.value)

    def until_step(self) -> tuple[int | None, str | None]:
        """The step "run until" stops at (None = the end), or a message about the text."""
        text = self.until.value.strip()
        if not text:
            return None, None
        scenario = self.run.value.scenario
        start = scenario.start
        end = add_months(start, max(scenario.steps - 1, 0))
        first_text = f"{start.year:04d}-{start.month:02d}"
        end_text = f"{end.year:04d}-{end.month:02d}"
        try:
            month = parse_month(text)
        except ValueError:
            month = None
        if month is None or not first_text <= text <= end_text:
            return None, trf("bad_month", self.lang.value, a=first_text, b=end_text)
        step = (month.year - start.year) * 12 + month.month - start.month + 1
        return step, None

    def _fail(self, what: str, exc: BaseException) -> None:
        traceback.print_exc()
        self.status.set(Status(trf(what, self.lang.value, err=_one_line(exc)), True))

    def _publish(self, owner: LiveRun, frame: Frame) -> None:
        """Show ``frame`` unless a Reset replaced its run; measure the render it costs."""
        started = time.perf_counter()
        with self.lock:
            if self.run.value is not owner:
                return
        self.show(frame)
        cost = time.perf_counter() - started
        self.render_s = cost if self.render_s == 0 else 0.7 * self.render_s + 0.3 * cost

    def show(self, frame: Frame) -> None:
        """Draw ``frame``: the live views redraw themselves; the page renders only when the
        run reaches its end (the buttons change)."""
        self.frame.set(frame)
        self.frames.publish(frame)
        self.at_end.set(frame.done)

    # ------------------------------------------------------------------ player
    def play(self) -> None:
        if self.playing.value or self.busy.value or self.run.value.done:
            return
        _, problem = self.until_step()
        if problem:
            self.status.set(Status(problem, True))
            return
        self._stop = threading.Event()
        self.status.set(Status())
        self.playing.set(True)
        self.start_band()
        self._thread = threading.Thread(
            target=self._loop, args=(self._stop, self.run.value), name="abm-play", daemon=True
        )
        self._thread.start()

    def pause(self) -> None:
        """Takes effect at once: the flag stops the loop before its next step."""
        self._stop.set()
        self.playing.set(False)

    def toggle(self) -> None:
        if self.playing.value:
            self.pause()
        else:
            self.play()

    def _loop(self, stop: threading.Event, owner: LiveRun) -> None:
        until, _ = self.until_step()
        last_draw = 0.0
        pending = 0
        recent: list[float] = []  # when the last steps finished, for the measured rate
        try:
            while not stop.is_set():
                started = time.perf_counter()
                if not owner.advance():
                    break
                pending += 1
                recent = [t for t in recent[-40:] if started - t < 3.0] + [time.perf_counter()]
                if until is not None and owner.steps_done >= until:
                    date = _date_of(owner)
                    self.status.set(Status(trf("reached_date", self.lang.value, date=date)))
                    break
                now = time.perf_counter()
                gap = max(MIN_FRAME_S, self.render_s / RENDER_SHARE)
                if pending >= max(1, self.render_every.value) and now - last_draw >= gap:
                    rate = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 2 else 0.0
                    timing = {"step": owner.step_ms, "rate": rate}
                    self._publish(owner, owner.snapshot(timing, force_network=False))
                    pending, last_draw = 0, time.perf_counter()
                speed = self.speed.value
                delay = 0.0 if speed >= MAX_SPEED else 1.0 / max(speed, 1) - (now - started)
                stop.wait(max(delay, 0.0005))  # also lets the page's events run
        except Exception as exc:  # the page stays; the last good frame stays
            self._fail("run_error", exc)
        finally:
            try:
                if pending:  # the step it stopped at (network as last drawn: cheap)
                    self._publish(owner, owner.snapshot(force_network=False))
            except Exception as exc:
                self._fail("view_error", exc)
            if not stop.is_set():
                self.playing.set(False)

    def step(self) -> None:
        """One step; a click while a model is being built waits for it (never lost: the
        queue is taken and the build marked done in one locked step, so a click is either
        queued before or stepped after)."""
        with self.lock:
            building = self._building
            if building:
                self.queued += 1
                n = self.queued
        if building:
            self.status.set(Status(trf("step_queued", self.lang.value, n=n)))
            return
        if self.playing.value:
            return
        owner = self.run.value
        self.start_band()
        try:
            self._publish(owner, owner.step())
        except Exception as exc:
            self._fail("run_error", exc)

    # ------------------------------------------------------------------ reset and pick
    def reset(self) -> None:
        """Build a new run from the controls, in the background, with the buttons disabled."""
        checked = ctl.validate(self.base.value, self.draft.value, self.lang.value)
        if not checked.ok:
            self.attempted.set(True)
            return
        self.attempted.set(False)
        draft = dict(self.draft.value)

        def applied() -> None:
            self.applied.set(draft)
            self.applied_note.set(self.describe_edits(draft))

        self._build(checked.scenario, checked.seed, applied)

    def describe_edits(self, draft: ctl.Draft) -> str:
        """ "Applied: Firm agents 500, ..." for the controls a Reset applied that differ from
        the scenario file ("" for none)."""
        edits = ctl.changed(self.base.value, draft)
        if not edits:
            return ""
        by_key = {c.key: c for c in ctl.controls_for(self.base.value)}
        lang = self.lang.value
        parts = [
            f"{ctl.full_title(self.base.value, by_key[k], lang)} {v}"
            for k, v in edits.items()
            if k in by_key
        ]
        return trf("applied_edits", lang, edits="; ".join(parts))

    def set_render_every(self, text: str) -> None:
        """ "Draw every N steps": a whole number from 1 to 120, else a message (the last
        good value stays in force)."""
        self.render_every_text.set(text)
        value, problem = ctl.parse_whole(text, 1, 120, self.lang.value)
        if problem is None:
            self.render_every.set(value)

    def rescan(self) -> None:
        """Read the allowed folders again (a scenario file saved there since appears)."""
        from viz.paths import scenario_choices

        self.choices = scenario_choices()
        self.choices_version.set(self.choices_version.value + 1)

    def pick(self, key: str) -> None:
        choice = lookup(self.choices, key)
        if choice is None or self.busy.value:
            return
        try:
            base = load_scenario(choice.path)
        except UserError as exc:
            self.pick_error.set(str(exc))
            return
        self.pick_error.set("")

        def done() -> None:
            self.choice_key.set(key)
            self.base.set(base)
            self.draft.set(ctl.defaults(base))
            self.applied.set(ctl.defaults(base))
            self.attempted.set(False)
            self.selected.set("")

        self._build(base, base.seed, done)
        self.followed.set(None)

    def _build(self, scenario: Scenario, seed: int, then) -> None:
        self.pause()
        if self.ensemble is not None:
            self.ensemble.cancel()
        with self.lock:
            self._building = True
        self.busy.set(True)
        self.status.set(Status(tr("building", self.lang.value)))

        def work() -> None:
            if self._thread is not None:
                self._thread.join(timeout=30)
            try:
                new_run = LiveRun(scenario, seed)
            except Exception as exc:  # a valid scenario the model still rejects
                self._fail("run_error", exc)
                with self.lock:
                    self.queued, self._building = 0, False
                self.busy.set(False)
                return
            then()
            self.followed.set(None)  # a new model: its firms are not the old ones
            with self.lock:
                self.run.set(new_run)
            self.show(new_run.frame)
            self.status.set(Status())
            with self.lock:  # from here a click steps the new run; before, it was queued
                queued, self.queued, self._building = self.queued, 0, False
            self.busy.set(False)
            for _ in range(queued):  # Step clicks made during the build, in order
                self.step()
            if queued:
                self.status.set(Status(trf("queued_done", self.lang.value, n=queued)))
            self.push_url()

        threading.Thread(target=work, name="abm-build", daemon=True).start()

    def push_url(self) -> None:
        if self.url_setter is None:
            return
        try:
            self.url_setter(
                "?" + ctl.to_query(self.choice_key.value, self.base.value, self.applied.value)
            )
        except Exception:  # the address bar is a convenience; never break the page for it
            log.exception("could not update the address")

    def close(self) -> None:
        """The page is gone: stop stepping so the kernel and its model can be freed."""
        self._stop.set()
        if self.ensemble is not None:
            self.ensemble.cancel()


def _date_of(run: LiveRun) -> str:
    date = run.model.date
    return f"{date.year:04d}-{date.month:02d}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{type(exc).__name__}: {first}"[:240]
