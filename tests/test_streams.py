"""The model's random streams (abm/streams.py): draws keyed by purpose, agent, month and seed.

Paired runs (two options of a decision on one seed) must stay paired: a firm present in both
makes the same draws in both, whatever else differs. The unit tests check the streams'
distributions, independence and keying; the model tests run two options side by side.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from abm.dates import months_between
from abm.model import RegionalModel
from abm.nodes import FIRM, OUTSIDE
from abm.scenario import parse_month
from abm.streams import (
    BLOCK,
    GAMMA,
    Draw,
    Streams,
    current_table,
    draw_table,
    first_to_ring,
    lineage,
    mix,
    occurrence,
    pair_keys,
    poisson_quantile,
    text_key,
)
from tests.conftest import FUTURE, small

ROOT = Path(__file__).resolve().parent.parent
N = 200_000
KEYS = lineage("test", np.arange(N))


# ------------------------------------------------------------------ the streams themselves


def test_uniforms_and_normals_have_their_distributions():
    s = Streams(7)
    u = s.uniform(Draw.CLOSURE, 3, KEYS)
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = s.normal(Draw.REVENUE, 3, KEYS)
    assert np.isfinite(z).all()
    assert stats.kstest(z, "norm").pvalue > 1e-3
    below = s.below(Draw.ENCOUNTER, 3, KEYS[:60_000], 6)
    assert set(below.tolist()) == set(range(6))
    assert stats.chisquare(np.bincount(below)).pvalue > 1e-3


def test_draws_of_different_purposes_months_seeds_and_keys_are_uncorrelated():
    """The stream's word is added to the key before the hash: draws of one key for two
    purposes, months or seeds, and of neighbouring keys, must look independent."""
    s = Streams(7)
    base = s.uniform(Draw.CLOSURE, 3, KEYS)
    others = {
        "purpose": s.uniform(Draw.INNOVATION, 3, KEYS),
        "month": s.uniform(Draw.CLOSURE, 4, KEYS),
        "counter": s.uniform(Draw.CLOSURE, 3, KEYS, counter=1),
        "seed": Streams(8).uniform(Draw.CLOSURE, 3, KEYS),
        "next key": np.roll(base, 1),
    }
    bound = 5.0 / np.sqrt(N)  # five standard errors of a correlation
    for what, other in others.items():
        assert abs(np.corrcoef(base, other)[0, 1]) < bound, what
        # and no dependence in the tails (where thresholds such as closure act)
        both = np.mean((base < 0.05) & (other < 0.05))
        assert both == pytest.approx(0.0025, abs=6 * np.sqrt(0.0025 / N)), what


def test_a_keys_draw_depends_on_nothing_but_its_key():
    """The same key draws the same whichever other keys are drawn with it, in any order,
    across block boundaries, and gathered by rows or passed whole."""
    s = Streams(11)
    n = 3 * BLOCK + 17
    keys = KEYS[:n]
    whole = s.uniform(Draw.SEARCH, 9, keys)
    order = np.random.default_rng(0).permutation(n)
    assert np.array_equal(s.uniform(Draw.SEARCH, 9, keys[order]), whole[order])
    assert np.array_equal(s.uniform(Draw.SEARCH, 9, keys[5:40]), whole[5:40])
    assert np.array_equal(s.uniform(Draw.SEARCH, 9, keys, rows=order), whole[order])
    assert np.array_equal(Streams(11).uniform(Draw.SEARCH, 9, keys), whole)  # no hidden state
    normal = s.normal(Draw.REVENUE, 9, keys)
    assert np.array_equal(s.normal(Draw.REVENUE, 9, keys, rows=order), normal[order])


def test_a_draw_is_the_documented_hash_of_its_key_to_the_last_bit():
    """uniform = (mix(key + word) >> 11) * 2**-53 and normal = ndtri(((mix(key + word) >> 12)
    + 0.5) * 2**-52), worked in Python's integers and floats (exact below 2**53): a
    faster vectorised hash or conversion must give the same doubles."""
    s = Streams(3)
    keys = np.array([0, 1, 2**53, 2**63 - 1, 2**63, 2**64 - 1, *KEYS[:200]], dtype=np.uint64)
    word = int(s._stream(Draw.CLOSURE, 7, 2))
    hashed = [mix(int(k) + word) for k in keys.tolist()]
    uniform = np.array([float(h >> 11) * 2.0**-53 for h in hashed])
    assert s.uniform(Draw.CLOSURE, 7, keys, counter=2).tobytes() == uniform.tobytes()
    word = int(s._stream(Draw.CLOSURE, 7, 0))
    hashed = [mix(int(k) + word) for k in keys.tolist()]
    normal = special.ndtri(np.array([(float(h >> 12) + 0.5) * 2.0**-52 for h in hashed]))
    assert s.normal(Draw.CLOSURE, 7, keys).tobytes() == normal.tobytes()


def test_keys_must_be_lineage_words():
    """Unique ids (int64) are not lineage keys: passing them is refused, not hashed."""
    with pytest.raises(TypeError, match="uint64"):
        Streams(1).uniform(Draw.CLOSURE, 0, np.arange(5))


def test_the_poisson_quantile_is_exact_and_monotone_in_the_mean():
    u = np.random.default_rng(3).random(4000)
    for mean in (0.0, 0.004, 0.7, 4.0, 60.0, 2500.0):
        assert np.array_equal(poisson_quantile(u, mean), stats.poisson.ppf(u, mean)), mean
    means = np.linspace(0.0, 40.0, 200)
    counts = np.array([poisson_quantile(u[:50], m) for m in means])
    assert (np.diff(counts, axis=0) >= 0).all()  # a larger mean never gives fewer
    # the coupling: a 1 % larger mean adds one to about 0.2 / 1 of the counts and changes no
    # other (two independent draws would differ by sd 6.3)
    changed = poisson_quantile(u, 20.2) - poisson_quantile(u, 20.0)
    assert changed.min() == 0 and changed.max() == 1
    assert changed.mean() == pytest.approx(0.2, abs=0.03)


@pytest.mark.parametrize(
    "name,draw",
    [
        ("random", lambda g, n: g.random(n)),
        ("standard_normal", lambda g, n: g.standard_normal(n)),
        ("normal 2-D", lambda g, n: g.normal(0.0, 1.0, (n, 5))),
        ("beta", lambda g, n: g.beta(2.0, 7.0, n)),
        ("poisson", lambda g, n: g.poisson(3.0, n)),
        ("integers", lambda g, n: g.integers(0, 7, n)),
        ("choice with p", lambda g, n: g.choice(40, size=n, p=np.full(40, 1 / 40))),
    ],
)
def test_a_cohorts_generator_has_the_prefix_property(name, draw):
    """The k-th member of a cohort draws the same whatever the cohort's size: two options
    whose month has 37 and 52 entrants give the first 37 the same attributes."""
    s = Streams(5)
    short = draw(s.generator(Draw.SIZE, "outside", 12), 37)
    long = draw(s.generator(Draw.SIZE, "outside", 12), 52)
    assert np.array_equal(long[:37], short), name
    other = draw(s.generator(Draw.SIZE, "outside", 13), 37)
    assert not np.array_equal(other, short), name


def _fresh_philox(s: Streams, draw: Draw, *cohort) -> np.random.Generator:
    """What ``Streams.generator`` built before it kept one generator per purpose."""
    x = mix(s._root ^ draw.key)
    for part in cohort:
        x = mix(x + (text_key(part) if isinstance(part, str) else part) * GAMMA)
    return np.random.Generator(np.random.Philox(key=np.array([s._root, x], dtype=np.uint64)))


def test_a_kept_cohort_generator_draws_what_a_fresh_one_draws():
    """A purpose's generator is reset to each cohort's key: after draws that leave its
    buffers part used (32-bit integers and floats, a normal), the next cohort's draws are
    those of a Philox built for it; a generator its caller still holds is not reset."""
    s = Streams(5)
    draws = (
        lambda g: g.integers(0, 7, 5, dtype=np.int32),
        lambda g: g.random(3, dtype=np.float32),
        lambda g: g.standard_normal(3),
        lambda g: g.random(4),
    )
    for month in range(4):
        for draw in draws:
            got = draw(s.generator(Draw.SIZE, "outside", month))
            want = draw(_fresh_philox(s, Draw.SIZE, "outside", month))
            assert got.tobytes() == want.tobytes(), (month, got, want)
    held = s.generator(Draw.TASTE, "outside", 1)
    first = held.random(2)
    s.generator(Draw.TASTE, "outside", 2).random(3)  # another cohort while one is held
    rest = held.random(2)
    want = _fresh_philox(s, Draw.TASTE, "outside", 1).random(4)
    assert np.concatenate([first, rest]).tobytes() == want.tobytes()


def test_first_to_ring_draws_in_proportion_without_replacement():
    """The grant draw: the k firms whose keyed exponential clocks ring first are the k
    smallest clocks (also when the logarithm is skipped for most), and each firm's chance
    to be among them is that of drawing in proportion to weight one by one."""
    rng = np.random.default_rng(4)
    for _ in range(50):
        n, k = int(rng.integers(2, 300)), int(rng.integers(1, 40))
        u, w = rng.random(n), rng.random(n) + 0.01
        clock = -np.log1p(-u) / w
        assert set(first_to_ring(u, w, k).tolist()) == set(np.argsort(clock)[:k].tolist())
    weight = np.array([1.0, 2.0, 3.0, 4.0])
    p = weight / weight.sum()  # exact chance of each of the 2 drawn one by one
    exact = [p[i] + sum(p[j] * weight[i] / (weight.sum() - weight[j]) for j in range(4) if j != i)
             for i in range(4)]  # fmt: skip
    u = Streams(2).uniform(Draw.GRANT, 0, KEYS).reshape(-1, 4)  # 50,000 draws of 4 clocks
    first_two = np.argsort(-np.log1p(-u) / weight, axis=1)[:, :2]
    share = np.bincount(first_two.ravel(), minlength=4) / len(u)
    assert share == pytest.approx(exact, abs=0.01)


def test_lineage_keys_name_how_a_firm_came_to_be():
    a = lineage("outside", 4, np.arange(1000))
    assert len(np.unique(a)) == 1000
    assert np.array_equal(lineage("outside", 4, np.array([7])), lineage("outside", 4, 7).reshape(1))
    assert not np.array_equal(a, lineage("outside", 5, np.arange(1000)))
    assert not np.array_equal(a, lineage("startup", 4, np.arange(1000)))
    x, y = lineage("x", np.arange(50)), lineage("y", np.arange(50))
    assert np.array_equal(pair_keys(x, y), pair_keys(y, x))
    assert occurrence(np.array([5, 3, 5, 5, 3, 9])).tolist() == [0, 0, 1, 2, 1, 0]


def test_the_odd_lists_every_stream():
    assert current_table() == draw_table(), (
        "docs/ODD.md is out of date: run `python -m abm.streams --write`"
    )


def test_the_model_draws_only_from_its_streams():
    """No rule may reach Mesa's generator or make one of its own: every draw is keyed."""
    sources = [ROOT / "abm" / f for f in ("model.py", "location.py", "network.py")]
    sources += sorted((ROOT / "abm" / "rules").glob("*.py"))
    sources += sorted((ROOT / "abm" / "agents").glob("*.py"))
    pattern = re.compile(
        r"\.rng\b|np\.random\.(?!Generator\b)|default_rng|^\s*import random|(self|model)\.random\b"
    )
    for path in sources:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert not pattern.search(line), f"{path.name}:{number}: {line.strip()}"


# ------------------------------------------------------------------ paired runs


class RecordingStreams(Streams):
    """The model's streams, recording each per-agent draw made by rows (a pass-through)."""

    def __init__(self, seed: int):
        super().__init__(seed)
        self.log: list[tuple[tuple[Draw, int, int], np.ndarray, np.ndarray]] = []

    def _draw(self, draw, month, keys, counter, rows, normal):
        out = super()._draw(draw, month, keys, counter, rows, normal)
        if rows is not None:
            self.log.append(((draw, month, counter), rows.copy(), out.copy()))
        return out

    def by_lineage(self, model: RegionalModel) -> dict[tuple[Draw, int, int], dict[int, float]]:
        """Each (purpose, month, counter)'s draws by the lineage of the agent that made it."""
        out: dict[tuple[Draw, int, int], dict[int, float]] = {}
        for stream, rows, values in self.log:
            keys = model.nodes.lineage[rows].tolist()
            out.setdefault(stream, {}).update(zip(keys, values.tolist(), strict=True))
        return out


def _recorded(name: str, steps: int, seed: int = 3, **over) -> RegionalModel:
    """A small run of a scenario from 2025 whose streams record their draws, stepped."""
    model = RegionalModel(small(name, firms=400, steps=steps, **FUTURE, **over), rng=seed)
    model.streams = RecordingStreams(seed)  # a pure function of the seed: nothing changes
    for _ in range(steps):
        model.step()
    return model


def test_paired_options_stay_identical_until_the_first_month_they_differ():
    """baseline and nacc_haenam on one seed: the same initial state and output rows until
    the center's construction starts; then the option acts."""
    base, site = _recorded("baseline", 40), _recorded("nacc_haenam", 40)
    first = months_between(site.config.start, parse_month(site.config.centers["nacc"].build_start))
    assert 0 < first < 30
    rows_base, rows_site = base.history()[0], site.history()[0]
    differs = [not rows_base.iloc[t].equals(rows_site.iloc[t]) for t in range(41)]
    assert not any(differs[: first + 1])  # step t ends month t - 1
    assert any(differs)


PAIRS = {
    # a decision's two options: they differ from the center's construction on
    "baseline / nacc_haenam": (("baseline", {}), ("nacc_haenam", {})),
    # one more entrant a month: every later firm's row and unique id shift
    "5 / 6 entrants a month": (
        ("baseline", {"params.entry.outside_per_step": 5}),
        ("baseline", {"params.entry.outside_per_step": 6}),
    ),
}


@pytest.mark.parametrize("pair", PAIRS.values(), ids=PAIRS.keys())
def test_a_firm_in_both_runs_of_a_pair_makes_the_same_draws_in_both(pair):
    """Every draw a firm or university makes (closure, innovation, revenue shock, spin-off,
    relocation, search, its partner draws, grant, district) is the same in both runs of a
    pair when the agent exists in both (by lineage), whatever else differs. Keying a draw
    by unique id or row, or drawing from a shared generator, fails in the second pair."""
    (name_a, over_a), (name_b, over_b) = pair
    a, b = _recorded(name_a, 40, **over_a), _recorded(name_b, 40, **over_b)
    drawn_a, drawn_b = a.streams.by_lineage(a), b.streams.by_lineage(b)
    checked = 0
    for stream in drawn_a.keys() & drawn_b.keys():
        one, two = drawn_a[stream], drawn_b[stream]
        common = sorted(one.keys() & two.keys())
        assert [one[k] for k in common] == [two[k] for k in common], stream
        checked += len(common)
    assert checked > 50_000
    assert {stream[0] for stream in drawn_a} >= {
        Draw.CLOSURE,
        Draw.INNOVATION,
        Draw.REVENUE,
        Draw.SPINOFF,
        Draw.RELOCATION,
        Draw.SEARCH,
        Draw.SEARCH_RULE,
        Draw.ENCOUNTER,
        Draw.ACCEPT,
        Draw.GRANT,
        Draw.DISTRICT,
    }
    if pair == PAIRS["5 / 6 entrants a month"]:  # the pair tells lineage from id and row
        live_a, live_b = a.nodes.rows(FIRM), b.nodes.rows(FIRM)
        _, i, j = np.intersect1d(
            a.nodes.lineage[live_a], b.nodes.lineage[live_b], return_indices=True
        )
        assert np.mean(a.nodes.uid[live_a[i]] != b.nodes.uid[live_b[j]]) > 0.3
        assert np.mean(live_a[i] != live_b[j]) > 0.3


def _entrant_exits(model: RegionalModel, months: int) -> dict[tuple[int, int], int]:
    """Month of exit of each outside entrant, named by (its month of entry, its place among
    that month's entrants): an identity that does not come from the model's keys."""
    exits: dict[tuple[int, int], int] = {}
    for _ in range(months):
        model.step()
        nodes = model.nodes
        rows = np.flatnonzero((nodes.view("origin") == OUTSIDE) & (nodes.view("kind") == FIRM))
        born = nodes.born[rows]
        for month in np.unique(born).tolist():
            cohort = rows[born == month]  # rows ascend in the order entrants were created
            for k, row in enumerate(cohort.tolist()):
                if not nodes.alive[row]:
                    exits.setdefault((month, k), model.month)
    return exits


def test_one_extra_entrant_a_month_shifts_no_other_firms_draws():
    """Two runs with 5 and 6 outside entrants a month: the 6th shifts every later firm's
    unique id (Mesa's counter) and, with one sequential generator, every later draw. With
    lineage keys the first 5 entrants of each month close in the same month in both runs
    (cash is ample, so only the closure hazard ends them). A rule keyed by unique id, or
    drawing from a shared generator, fails this."""
    over = {
        "params.entry.spinoff_rate": 0.0,
        "params.entry.university_startups_per_year": 0.0,
        "params.firm.initial_cash_months": 600.0,
        "params.network.enabled": False,
    }
    five = RegionalModel(small("baseline", firms=300, steps=48, **FUTURE, **over,
                               **{"params.entry.outside_per_step": 5}), rng=9)  # fmt: skip
    six = RegionalModel(small("baseline", firms=300, steps=48, **FUTURE, **over,
                              **{"params.entry.outside_per_step": 6}), rng=9)  # fmt: skip
    a, b = _entrant_exits(five, 48), _entrant_exits(six, 48)
    shared = {key: month for key, month in b.items() if key[1] < 5}
    assert len(a) > 60  # enough closures to tell
    assert a == shared
