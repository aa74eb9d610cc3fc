"""Coverage of the response-level (repeated cross-section) merit design (issue 12, step 4).

``kinerja_research.analysis.designs_rcs``: SKM responses of the tiny synthetic world as
repeated cross-sections, ``staggered_did(panel=False)`` simple ATT with influence-function SEs
clustered by service unit, against the response-weighted true ATT from the world's potential
outcomes. The nominal 95% interval must cover it in 95% +- 2 percentage points of the
simulations and the bias must be under 10% of the mean SE.
"""

from __future__ import annotations

import pytest

from kinerja_research.analysis.designs_rcs import rcs_designs
from kinerja_research.stats.diagnose import DiagnosisResults, diagnose

pytestmark = pytest.mark.slow

# 1200 simulations: the coverage's Monte-Carlo SE is then 0.63 pp, so the 2 pp bound is over
# 3 MCSE away for a nominal interval (with 400 it would be under 2 MCSE and fail by luck in
# about 7% of seeds); the bias bound is ~3.5 MCSE away for an unbiased estimator.
SIMS = 1200
COVERAGE_TOL = 0.02
BIAS_FRACTION = 0.10
SEED = 20261130


@pytest.fixture(scope="module")
def diagnosis() -> DiagnosisResults:
    return diagnose(rcs_designs("tiny")["merit_did_rcs"], sims=SIMS, seed=SEED, n_jobs=2,
                    progress=False, errors="record")


def _report(res: DiagnosisResults) -> str:
    c = res.coef
    return (f"coverage {c['coverage']:.3f} (MCSE {res.se['coverage']:.3f}), bias "
            f"{c['bias']:.4g} (MCSE {res.se['bias']:.2g}), mean SE {c['mean_se']:.4g}, "
            f"empirical SE {c['empirical_se']:.4g}")


def test_all_simulations_succeed(diagnosis: DiagnosisResults) -> None:
    errors = diagnosis.simulations["error"].dropna()
    assert errors.empty, f"{len(errors)} failed fits, e.g. {errors.iloc[0]}"


def test_coverage_is_nominal(diagnosis: DiagnosisResults) -> None:
    assert abs(diagnosis.coef["coverage"] - 0.95) <= COVERAGE_TOL, _report(diagnosis)


def test_bias_is_small(diagnosis: DiagnosisResults) -> None:
    c = diagnosis.coef
    assert abs(c["bias"]) < BIAS_FRACTION * c["mean_se"], _report(diagnosis)
