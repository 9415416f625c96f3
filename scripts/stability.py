"""Is the start a stable or an unstable point of entry? (docs/calibration.md, docs/ODD.md 10)

With the amenities backed out (``preferences = "equilibrium"``) an outside entrant picks each
region with its share of firms at the start. Whether a small displacement of the shares then
dies out or grows is the sign of the leading eigenvalue of dP/ds - I, where P(s) is the expected
entry share of each region when the firm shares are s (agglomeration moves with s, the other
terms stay), taken on the simplex (shares sum to 1). Above 0 the start is unstable: a region that
gets ahead by chance or by policy attracts ever more entrants (Arthur's lock-in), at a rate of
about the eigenvalue times the entry rate.

    python scripts/stability.py scenarios/baseline.toml [--set key=value ...]
    python scripts/stability.py scenarios/baseline.toml --strengths 0.25 0.5 0.94
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from abm import location
from abm.errors import UserError, one_line
from abm.model import RegionalModel
from abm.scenario import load_scenario


def entry_jacobian(model: RegionalModel, eps: float = 1e-5) -> np.ndarray:
    """dP_r/ds_k at the data's shares s, with the amenities for which P(s) = s (agglomeration
    of the data's real firms, not of the agents' rounded counts)."""
    loc = model.config.params.location
    real = np.array([model.config.regions[r].firms_real for r in model.region_ids])
    total = real.sum()
    s = real / total
    status_quo = loc.incentive_weight * model.status_quo_incentives()

    def terms(s: np.ndarray) -> np.ndarray:
        return model.location_terms(policy=False, firms_real=s * total) + status_quo

    amenity = location.amenities(terms(s), s, loc)

    def shares(s: np.ndarray) -> np.ndarray:
        return location.expected_shares(amenity + terms(s), loc)

    jac = np.empty((len(s), len(s)))
    for k in range(len(s)):
        step = np.zeros(len(s))
        step[k] = eps
        jac[:, k] = (shares(s + step) - shares(s - step)) / (2 * eps)
    return jac


def leading_eigenvalue(jac: np.ndarray) -> float:
    """The largest real part of dP/ds - I on the simplex's tangent space."""
    n = len(jac)
    project = np.eye(n) - np.ones((n, n)) / n
    basis = np.linalg.svd(project)[0][:, : n - 1]  # an orthonormal basis of sum(x) = 0
    return float(np.max(np.linalg.eigvals(basis.T @ (jac - np.eye(n)) @ basis).real))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--strengths", type=float, nargs="*", default=None)
    args = ap.parse_args(argv)
    strengths = args.strengths or [None]
    for strength in strengths:
        sets = [*args.set, "population.firms=300"]
        if strength is not None:
            sets.append(f"params.agglomeration.strength={strength}")
        try:
            model = RegionalModel(load_scenario(args.scenario, sets))
        except (UserError, OSError) as exc:
            print(f"stability: error: {one_line(str(exc))}", file=sys.stderr)
            return 2
        value = leading_eigenvalue(entry_jacobian(model))
        shown = model.config.params.agglomeration.strength
        verdict = "unstable" if value > 0 else "stable"
        print(f"agglomeration.strength {shown:g}: leading eigenvalue {value:+.3f} ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
