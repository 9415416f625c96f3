"""The model's random streams: every draw keyed by what it is for, whom it concerns and when.

A run compared with a counterfactual on the same seed should differ only where the policy
makes it differ. With one generator drawn from in sequence, a single extra draw (one more
entrant, one more searcher) shifts every later draw of the run, so two options of a
decision share their randomness only until the first month they differ. Here a draw is a
pure function of (the run's seed, its purpose, the month, the agent it concerns):

* **Per agent** (:meth:`Streams.uniform`, :meth:`Streams.normal`, ...): a counter-based
  hash. The agent's *lineage key* (``nodes.lineage``, see :func:`lineage`), the purpose,
  the month and the seed go through SplitMix64's finaliser, vectorised over numpy
  ``uint64`` arrays, and the top 53 bits become a uniform; a normal is the inverse normal
  CDF of one (scipy's ``ndtri``). A firm present in both runs makes the same draws in
  both, whoever else exists.
* **Per cohort** (:meth:`Streams.generator`): the attributes of the k-th member of a
  month's new cohort (size, knowledge, taste, ...) come from numpy's Philox generator keyed
  by (seed, purpose, cohort): its draws are made element by element, so the k-th value is
  the same whatever the cohort's size (the *prefix property*, tested for every
  distribution used).
* **Counts** that depend on the state (Poisson entrants, start-ups) are the Poisson quantile
  of a keyed uniform (:func:`poisson_quantile`): the same state gives the same count, and a
  slightly different mean gives a count that differs by as little as it can.

Identities are lineage keys, not Mesa's ``unique_id``: the id counter shifts for every later
agent once one option creates one extra firm, while a lineage names a firm by how it came
to be (an initial firm by its index, an outside entrant by its month and place among the
month's entrants, a spin-off by its parent and month, ...), which is the same in every
option in which that firm exists.

Why not numpy's generators for everything: a ``Philox`` per agent and month (or
``SeedSequence.spawn``) costs microseconds each, a million times a month; the hash is eleven
numpy passes over the keys, in blocks that stay in the CPU's caches: 1.5-2 times what
``Generator.random`` costs for the same count, plus a few microseconds a call.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import sys
from pathlib import Path

import numpy as np
from scipy import special

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15  # SplitMix64's increment (odd: multiplying by it is a bijection)
_M1, _M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB
_U_M1, _U_M2, _U_GAMMA = np.uint64(_M1), np.uint64(_M2), np.uint64(GAMMA)
_S11, _S12, _S27, _S30, _S31 = (np.uint64(s) for s in (11, 12, 27, 30, 31))
_UNIT, _HALF_UNIT = 2.0**-53, 2.0**-52
# keys are hashed this many at a time, in two scratch arrays that stay in the CPU's caches:
# on whole arrays, each of the hash's passes went to memory and back (at 100,000 keys, 2.5x
# slower than in blocks of 8,192; 16,384 measured a little faster still)
BLOCK = 16384


def mix(x: int) -> int:
    """SplitMix64's finaliser (Stafford's variant 13) on a Python int: a bijection of 64-bit
    words in which every input bit changes about half the output bits."""
    x &= MASK
    x = ((x ^ (x >> 30)) * _M1) & MASK
    x = ((x ^ (x >> 27)) * _M2) & MASK
    return x ^ (x >> 31)


def mix_array(z: np.ndarray, t: np.ndarray | None = None) -> np.ndarray:
    """:func:`mix` of every element of a ``uint64`` array, in place (returns it); ``t``: a
    scratch array of the same length."""
    if t is None:
        t = np.empty_like(z)
    np.right_shift(z, _S30, out=t)
    z ^= t
    z *= _U_M1
    np.right_shift(z, _S27, out=t)
    z ^= t
    z *= _U_M2
    np.right_shift(z, _S31, out=t)
    z ^= t
    return z


@functools.lru_cache(maxsize=256)
def text_key(text: str) -> int:
    """A 64-bit word for a name, the same in every process (``hash()`` of a str is not)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def _word(part: int | str) -> int:
    return text_key(part) if isinstance(part, str) else int(part) & MASK


def lineage(tag: str, *parts: int | str | np.ndarray) -> np.ndarray:
    """Lineage keys (``uint64``): ``tag`` and ``parts`` (ints, names or arrays, broadcast)
    hashed together. A firm's lineage names how it came to be, e.g. ``lineage("outside",
    month, index)`` or ``lineage("spinoff", parent_keys, month)``. The scalar parts are
    hashed first, in Python, then the arrays in order (one pass over them each)."""
    x = text_key(tag)
    arrays = []
    for part in parts:
        if isinstance(part, np.ndarray):
            arrays.append(part)
        else:
            x = mix(x + (_word(part) + 1) * GAMMA)
    h = np.full(np.broadcast_shapes(*(a.shape for a in arrays)), x, dtype=np.uint64)
    for a in arrays:
        h += a.astype(np.uint64, copy=False) * _U_GAMMA
        h += _U_GAMMA
        mix_array(h)
    return h


def pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A key for each unordered pair of lineage keys (the same for (a, b) and (b, a)).

    ``min x GAMMA + max`` wraps around 2**64 without a hash: two pairs share a key only
    by a coincidence of 1 in 2**64, and the draws hash their keys anyway."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    low *= _U_GAMMA
    low += high
    return low


def occurrence(values: np.ndarray) -> np.ndarray:
    """For each element, how many equal elements come before it (0 for the first)."""
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    index = np.arange(len(values))
    first = np.ones(len(values), dtype=bool)
    first[1:] = ranked[1:] != ranked[:-1]
    out = np.empty(len(values), dtype=np.int64)
    out[order] = index - np.maximum.accumulate(np.where(first, index, 0))
    return out


class Draw(enum.Enum):
    """Every stream of the model: what it draws, and what keys it (its label is hashed
    into the stream, so renaming one changes its draws). ``python -m abm.streams --write``
    puts this table in docs/ODD.md."""

    label: str
    by: str
    what: str

    def __new__(cls, label: str, by: str, what: str) -> Draw:
        member = object.__new__(cls)
        member._value_ = label
        member.label, member.by, member.what = label, by, what
        return member

    @property
    def key(self) -> int:
        return _KEYS[self]

    # the initial state and new cohorts (Philox generator per cohort: the k-th member's draw)
    SIZE = ("size", "cohort", "employees of an initial firm or outside entrant (log-normal)")
    KNOWLEDGE = ("knowledge", "cohort", "knowledge of an initial firm or outside entrant")
    INTENSITY = ("intensity", "cohort", "compute intensity of a new firm (Beta)")
    TECH = ("tech", "cohort; lineage", "position on the technology circle (uniform)")
    TASTE = ("taste", "cohort", "a new firm's own taste for each region")
    AGE = ("age", "cohort", "age of an initial firm (survival curve)")
    DISTRICT_START = ("district start", "cohort", "initial firms placed in each district")
    ENTRANTS = ("entrants", "month", "number of outside entrants (Poisson quantile)")
    ENTRY_CHOICE = ("entry choice", "lineage", "an outside entrant's region (logit)")
    STARTUPS = ("startups", "lineage", "start-ups of a university this month (Poisson)")
    SPINOFF_PARENT = ("spinoff parent", "month", "parents in the Polya-urn validation case")
    # decisions of existing agents (hash of the agent's lineage key, purpose, month, seed)
    INNOVATION = ("innovation", "lineage", "whether the firm innovates this month")
    REVENUE = ("revenue", "lineage", "the month's revenue shock (normal)")
    CLOSURE = ("closure", "lineage", "closure by the age hazard")
    SPINOFF = ("spinoff", "lineage", "whether the firm spawns a spin-off")
    OFFSPRING_TECH = ("offspring tech", "lineage", "a spin-off's or start-up's tech shift")
    DISTRICT = ("district", "lineage", "district of a new site (entrant, start-up, branch)")
    DISTRICT_MOVE = ("district move", "lineage", "district of a relocated firm's new site")
    RELOCATION = ("relocation", "lineage", "whether the firm reviews its site")
    BRANCH = ("branch", "lineage", "whether the firm considers a branch")
    GRANT = ("grant", "lineage", "a firm's clock in the knowledge-weighted grant draw")
    FUND = ("fund", "lineage", "a firm's clock in a fund's weighted picks (counter: the fund's id)")
    PLEDGE = ("pledge", "pledge", "whether a recruitment pledge becomes a set-up; a move or branch")
    RECRUIT = ("recruit", "lineage", "a firm's clock in the draw of a programme's recruits")
    SEARCH = ("search", "lineage", "whether a firm or university seeks a partner")
    SEARCH_RULE = ("search rule", "lineage", "triadic, preferential, university or random")
    ENCOUNTER = ("encounter", "lineage", "the partner met at random")
    TRIADIC = ("triadic", "lineage", "the partner whose partner is proposed (triadic)")
    TRIADIC_THIRD = ("triadic third", "lineage", "the partner's partner proposed (triadic)")
    PREFERENTIAL = ("preferential", "lineage", "the partner by degree + 1 (preferential)")
    UNIVERSITY_PARTNER = ("university partner", "lineage", "the university sought by a firm")
    ACCEPT = ("accept", "lineage", "whether the proposed partner accepts")
    RENEWAL = ("renewal", "tie", "whether joint work renews a tie (both ends' lineages)")


_KEYS = {d: text_key(d.label) for d in Draw}


class Streams:
    """The run's draws, a pure function of (seed, purpose, month, key).

    The per-key draws take ``keys`` (``uint64`` lineage keys), or with ``rows`` the keys
    ``keys[rows]`` (pass the whole ``nodes.lineage`` column and the rows)."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._root = mix(mix(self.seed & MASK) ^ text_key("abm.streams"))
        self._constants: dict[tuple[Draw, int, int], np.uint64] = {}
        self._z = np.empty(BLOCK, dtype=np.uint64)
        self._t = np.empty(BLOCK, dtype=np.uint64)
        self._generators: dict[Draw, np.random.Generator] = {}

    def _stream(self, draw: Draw, month: int, counter: int) -> np.uint64:
        """The word that a draw's keys are offset by before the hash."""
        found = self._constants.get((draw, month, counter))
        if found is None:
            x = mix(self._root ^ draw.key)
            x = mix(x + (month & MASK) * GAMMA)
            found = np.uint64(mix(x + (counter & MASK) * GAMMA))
            self._constants[draw, month, counter] = found
        return found

    def _draw(
        self,
        draw: Draw,
        month: int,
        keys: np.ndarray,
        counter: int,
        rows: np.ndarray | None,
        normal: bool,
    ) -> np.ndarray:
        """Hash (keys + the stream's word) block by block into uniforms or normals."""
        c = self._stream(draw, month, counter)
        if rows is not None:  # one gather (np.take into each block was 3x slower)
            keys = keys[rows]
        n = len(keys)
        out = np.empty(n)
        for start in range(0, n, BLOCK):
            stop = min(start + BLOCK, n)
            z, t = self._z[: stop - start], self._t[: stop - start]
            np.add(keys[start:stop], c, out=z)
            mix_array(z, t)
            o = out[start:stop]
            if normal:  # the inverse CDF at a uniform in (0, 1): 52 bits and a half
                np.right_shift(z, _S12, out=z)
                np.add(z, 0.5, out=o)
                o *= _HALF_UNIT
                special.ndtri(o, out=o)
            else:  # 53 bits: a uniform in [0, 1)
                np.right_shift(z, _S11, out=z)
                np.multiply(z, _UNIT, out=o)
        return out

    def uniform(
        self,
        draw: Draw,
        month: int,
        keys: np.ndarray,
        counter: int = 0,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """One uniform in [0, 1) per key; ``counter`` gives further draws of the same kind."""
        return self._draw(draw, month, _as_keys(keys), counter, rows, normal=False)

    def normal(
        self, draw: Draw, month: int, keys: np.ndarray, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """One standard normal per key (the inverse normal CDF of a keyed uniform)."""
        return self._draw(draw, month, _as_keys(keys), 0, rows, normal=True)

    def below(
        self,
        draw: Draw,
        month: int,
        keys: np.ndarray,
        high: np.ndarray | int,
        counter: int = 0,
        rows: np.ndarray | None = None,
    ) -> np.ndarray:
        """One integer in [0, high) per key (``high`` >= 1; broadcast)."""
        high = np.asarray(high)
        pick = (self.uniform(draw, month, keys, counter, rows) * high).astype(np.int64)
        return np.minimum(pick, high - 1)

    def poisson(
        self, draw: Draw, month: int, keys: np.ndarray, mean: np.ndarray | float
    ) -> np.ndarray:
        """One Poisson count per key: the quantile of a keyed uniform (see the module)."""
        return poisson_quantile(self.uniform(draw, month, keys), mean)

    def generator(self, draw: Draw, *cohort: int | str) -> np.random.Generator:
        """A Philox generator for one cohort (e.g. ``"outside", month``): draw a cohort's
        attributes from it with vector draws, one generator per attribute.

        Each purpose keeps one generator, set to the cohort's key and a zero counter on
        each call: the state of a fresh ``Philox(key=...)`` (its counter, key and empty
        buffers), so the same draws, for a tenth of the cost of building one (13 us: a
        ``SeedSequence`` that reads the OS's entropy only to be overridden by the key). A
        generator still held by its caller is never reset: that call gets a new one."""
        x = mix(self._root ^ draw.key)
        for part in cohort:
            x = mix(x + _word(part) * GAMMA)
        key = np.array([self._root, x], dtype=np.uint64)
        kept = self._generators.get(draw)
        # references: the dict's, ``kept`` and getrefcount's argument; one more is a caller's
        if kept is None or sys.getrefcount(kept) > 3:
            kept = np.random.Generator(np.random.Philox(key=key))
            self._generators[draw] = kept
        else:
            kept.bit_generator.state = {
                "bit_generator": "Philox",
                "state": {"counter": _ZERO4, "key": key},
                "buffer": _ZERO4,
                "buffer_pos": 4,  # empty: the next draw runs the counter
                "has_uint32": 0,
                "uinteger": 0,
            }
        return kept

    def count(self, draw: Draw, month: int, mean: float) -> int:
        """One Poisson count that concerns no agent (e.g. a month's outside entrants)."""
        return int(self.poisson(draw, month, _NO_AGENT, mean)[0])


def first_to_ring(u: np.ndarray, rate: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k smallest exponential clocks ``-log(1 - u) / rate``: k draws in
    proportion to ``rate`` without replacement (Efraimidis and Spirakis 2006), each member's
    clock keyed by its own uniform ``u``.

    The logarithm is taken for the candidates only: a clock is at least ``u / rate``, and k
    clocks have rung by the largest of those of the k smallest bounds."""
    if k >= len(u):
        return np.arange(len(u))
    low = u / rate
    some = np.argpartition(low, k - 1)[:k]
    bound = np.max(-np.log1p(-u[some]) / rate[some])
    candidates = np.flatnonzero(low <= bound)
    clock = -np.log1p(-u[candidates]) / rate[candidates]
    return candidates[np.argpartition(clock, k - 1)[:k]]


_NO_AGENT = lineage("no agent").reshape(1)
_ZERO4 = np.zeros(4, dtype=np.uint64)  # a fresh Philox's counter and buffer


def _as_keys(keys: np.ndarray) -> np.ndarray:
    if keys.dtype != np.uint64:
        raise TypeError(f"keys must be uint64 lineage keys, not {keys.dtype}")
    return keys


def poisson_quantile(u: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """The smallest k >= 0 with P(Poisson(mean) <= k) >= u, elementwise (int64).

    For a fixed u the count rises with the mean, and two runs whose means differ a little
    draw counts that differ a little (the monotone coupling). The Cornish-Fisher expansion
    gives a first guess, which steps against ``scipy.special.pdtr`` (the Poisson CDF) to
    the exact answer (usually no step: k is exact whatever the guess).
    """
    u = np.asarray(u, dtype=float)
    mean = np.broadcast_to(np.asarray(mean, dtype=float), u.shape)
    if not np.any(u > np.exp(-mean)):  # all 0 (P(0) = exp(-mean)), as most months' start-ups
        return np.zeros(u.shape, dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = special.ndtri(u)
        guess = np.floor(mean + np.sqrt(mean) * z + (z * z - 1.0) / 6.0)
    k = np.where((mean > 0) & np.isfinite(guess), np.maximum(guess, 0.0), 0.0)
    down = (k > 0) & (special.pdtr(np.maximum(k - 1, 0), mean) >= u)
    while down.any():
        k[down] -= 1
        down = (k > 0) & (special.pdtr(np.maximum(k - 1, 0), mean) >= u)
    up = special.pdtr(k, mean) < u
    while up.any():
        k[up] += 1
        up = special.pdtr(k, mean) < u
    return k.astype(np.int64)


# ------------------------------------------------------------------ docs/ODD.md's table
ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
BEGIN = "<!-- draw-table:begin (generated by python -m abm.streams --write) -->"
END = "<!-- draw-table:end -->"


def draw_table() -> str:
    """The Markdown table of every stream (docs/ODD.md, section 3)."""
    rows = [
        "`lineage`: a hash of the lineage key of the agent the draw concerns (the new firm for",
        "`offspring tech`, the searcher for the network's draws, the university for `startups`);",
        "`cohort`: a Philox generator per cohort (the k-th member's draw); `month`: one draw a",
        "month; `tie`: a hash of the two ends' lineage keys; `pledge`: a hash of the programme",
        "and the pledge's number.",
        "",
        "| stream | keyed by | draws |",
        "|---|---|---|",
    ]
    rows += [f"| `{d.label}` | {d.by} | {d.what} |" for d in Draw]
    return "\n".join(rows)


def current_table() -> str:
    text = ODD.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()


def main(argv: list[str]) -> None:
    if "--write" in argv:
        text = ODD.read_text()
        head, rest = text[: text.index(BEGIN) + len(BEGIN)], text[text.index(END) :]
        ODD.write_text(f"{head}\n{draw_table()}\n{rest}")
    else:
        print(draw_table())


if __name__ == "__main__":
    main(sys.argv[1:])
