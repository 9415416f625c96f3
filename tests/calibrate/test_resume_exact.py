"""A generation read back from its folder is the generation that was in memory, to the bit:
a resumed calibration must draw what an uninterrupted one draws (CI caught a kill test whose
resumed batch differed in its proposals' last bits)."""

from __future__ import annotations

import numpy as np

from abm.calibrate import abc
from abm.calibrate.smc import Population, _save_population, load_population

KEYS = ["a", "b", "c"]
IDS = ["s1", "s2", "s3", "s4"]


def _population(rng: np.random.Generator) -> Population:
    n = 24
    w = rng.random(n)
    return Population(
        t=1,
        params=rng.lognormal(size=(n, len(KEYS))),
        weights=w / w.sum(),
        distances=rng.random(n),
        stats=rng.normal(size=(n, len(IDS))),
        where=[(0, i) for i in range(n)],
        all_stats=rng.normal(size=(3 * n, len(IDS))),
        meta={"t": 1, "epsilon": 0.5, "acceptance_rate": 1 / 3},
    )


def test_a_generation_reads_back_to_the_bit(tmp_path):
    rng = np.random.default_rng(7)
    for _ in range(20):
        pop = _population(rng)
        _save_population(tmp_path, pop, KEYS, IDS)
        back = load_population(tmp_path, 1, KEYS, IDS)
        assert back is not None
        for name in ("params", "weights", "stats", "all_stats"):
            mine, theirs = getattr(pop, name), getattr(back, name)
            assert np.array_equal(mine, theirs), name
            assert theirs.flags.c_contiguous, name  # as in memory: BLAS sums in this order
        kernel, again = (abc.GaussianKernel(p.params, p.weights, 1.0) for p in (pop, back))
        assert np.array_equal(kernel.cov, again.cov)
        draws = [
            np.random.default_rng(1).multivariate_normal(np.zeros(3), k.cov, size=50)
            for k in (kernel, again)
        ]
        assert np.array_equal(*draws)
