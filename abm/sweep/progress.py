"""Progress of a sweep: a tqdm bar on a terminal, plain log lines elsewhere (CI, SLURM logs)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    """Counts runs done (of the total) and failures; shows a rate-based ETA."""

    def __init__(
        self,
        name: str,
        total: int,
        done: int,
        failed: int,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        log_every_s: float = 10.0,
    ):
        self.name, self.total, self.done, self.failed = name, total, done, failed
        self.stream = stream or sys.stderr
        self.enabled = True if enabled is None else enabled
        self._start_done = done
        self._start = time.monotonic()
        self._last_log = self._start
        self._log_every = log_every_s
        self._bar = None
        if self.enabled and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(
                total=total,
                initial=done,
                unit="run",
                desc=f"sweep {name}",
                file=self.stream,
                dynamic_ncols=True,
                postfix={"failed": failed},
            )

    def advance(self, status: str) -> None:
        self.done += 1
        if status != "ok":
            self.failed += 1
        if self._bar is not None:
            self._bar.update(1)
            if status != "ok":
                self._bar.set_postfix(failed=self.failed, refresh=False)
        elif self.enabled and time.monotonic() - self._last_log >= self._log_every:
            self.log()

    def log(self) -> None:
        now = time.monotonic()
        self._last_log = now
        ran = self.done - self._start_done
        rate = ran / (now - self._start) if now > self._start else 0.0
        eta = _clock((self.total - self.done) / rate) if rate > 0 else "?"
        pct = 100.0 * self.done / self.total if self.total else 100.0
        print(
            f"sweep {self.name}: {self.done}/{self.total} runs ({pct:.0f}%), "
            f"{self.failed} failed, {rate:.2f} runs/s, ETA {eta}",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.enabled:
            self.log()
