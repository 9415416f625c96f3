"""Keep freed memory in the process between a month's numpy temporaries (glibc only).

A month is some hundreds of numpy operations, each making temporaries of one float per
firm (190 KB at 24,000 firms, 8 MB at a million). glibc's malloc hands memory at the
top of its heap back to the kernel once more than a threshold of it is free, and its
adaptive thresholds (twice the largest block it has seen freed) sit just above a
month's temporaries: so it gives the same pages back and takes them again, and every
page taken again costs a page fault when numpy first writes it. Measured on a
24,000-firm baseline run (204 months): ~150,000 minor faults, 0.2-0.4 s of system time
and a slower user side (caches and TLB refilled) against ~3,800 faults and 0.02 s with
the thresholds below, for 2.7-2.8 s of step CPU in all (benchmarks/issue25_figures.md).

:func:`tune` fixes the thresholds: blocks under 32 MB (glibc's own upper bound for
its adaptive threshold, and the most ``mallopt`` accepts) come from the heap, and the
heap keeps up to 1 GB free at its top and grows 16 MB at a time. The heap's top never
holds more than the month's peak left free, so a process holds at most about its peak
between months (the peak itself measured 0.6-4 % higher at a million firms). A month's
temporaries grow with the firms: at a million firms they are some hundreds of MB, and a
64 MB threshold handed them back every month (1.8 million faults and 10 s of system
time in a 132-month run, 12 % of its CPU, where 100,000 firms paid 1 %: the largest part
of the step's growth from 100,000 to a million firms; benchmarks/issue25_figures.md,
section 8). It changes where memory comes from, never a value: outputs are the same bit
for bit. It is a no-op where the C library is not glibc (``mallopt`` is missing) and
when ``ABM_MALLOC=default`` is set.
"""

from __future__ import annotations

import ctypes
import os

# mallopt parameters (glibc's malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 1 << 30
TOP_PAD = 16 << 20

_done: bool | None = None


def tune() -> bool:
    """Set the thresholds once per process; True when they are in force."""
    global _done
    if _done is None:
        _done = _mallopt()
    return _done


def _mallopt() -> bool:
    if os.environ.get("ABM_MALLOC") == "default":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    # the mmap threshold first: setting any of the three turns glibc's adaptive ones off
    return all(
        mallopt(param, value) == 1
        for param, value in (
            (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
            (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
            (M_TOP_PAD, TOP_PAD),
        )
    )
