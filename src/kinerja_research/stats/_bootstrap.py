"""Multiplier bootstrap on influence functions (private helpers).

The bootstrap of an asymptotically linear estimator ``theta_hat - theta ~ mean(psi)`` draws
``theta* - theta_hat = sum_i v_i psi_i / n`` with independent multipliers ``v_i`` (Rademacher,
+1/-1 with probability 1/2, as R ``did``'s ``mboot``); with clustering, one multiplier per
cluster applied to the cluster sums of ``psi`` (Callaway & Sant'Anna 2021, Remark 10).

All draws are one matrix product ``V (n_boot x n) @ Z (n x p)``, computed in chunks of draws so
that ``V`` never exists whole: memory is ``O(chunk x n)``, not ``O(n_boot x n)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy import stats as _st

# Elements of one chunk of the multiplier matrix (float32): 32 MB
_CHUNK_ELEMENTS = 8_000_000


def _multipliers(m: int, n_boot: int, rng: np.random.Generator
                 ) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first_draw, V_chunk)``: Rademacher multipliers, float32, ``rows x m``.

    The multipliers come from the generator's raw 64-bit stream, one bit each, every draw (row)
    consuming whole 64-bit words, so the draws do not depend on the chunk size.
    """
    words = (m + 63) // 64
    chunk = max(1, min(n_boot, _CHUNK_ELEMENTS // max(m, 1)))
    for start in range(0, n_boot, chunk):
        rows = min(chunk, n_boot - start)
        raw = rng.bit_generator.random_raw(rows * words).reshape(rows, words)
        bits = np.unpackbits(raw.view(np.uint8), axis=1, count=m, bitorder="little")
        yield start, np.subtract(1, 2 * bits.view(np.int8), dtype=np.float32)


def rademacher_draws(z: np.ndarray, n_boot: int, rng: np.random.Generator,
                     bounds: np.ndarray | None = None) -> np.ndarray:
    """Return ``V @ z`` for ``n_boot`` rows of Rademacher multipliers ``V`` (one per row of z).

    The product runs in float32 (error ~1e-6 relative, far below the bootstrap's own Monte
    Carlo error) in chunks of draws, and is returned in float64. With ``bounds`` (rows of
    ``z`` grouped in blocks ``bounds[h]:bounds[h+1]``), each block only multiplies the columns
    that are nonzero in it -- influence functions of a cell vanish outside its cohort and its
    comparison units, which halves the work on typical staggered designs.
    """
    m, p = z.shape
    z32 = np.ascontiguousarray(z, dtype=np.float32)
    if bounds is None:
        bounds = np.array([0, m])
    blocks = []
    for h in range(len(bounds) - 1):
        lo, hi = int(bounds[h]), int(bounds[h + 1])
        cols = np.flatnonzero(np.any(z32[lo:hi] != 0, axis=0))
        if hi > lo and len(cols):
            whole = len(cols) == p
            blocks.append((lo, hi, None if whole else cols,
                           z32[lo:hi] if whole else np.ascontiguousarray(z32[lo:hi][:, cols])))
    out = np.zeros((n_boot, p))
    with _single_blas_thread():
        for start, v in _multipliers(m, n_boot, rng):
            rows = slice(start, start + len(v))
            for lo, hi, block_cols, zb in blocks:
                if block_cols is None:
                    out[rows] += v[:, lo:hi] @ zb
                else:
                    out[rows, block_cols] += v[:, lo:hi] @ zb
    return out


def rademacher_draws_blocked(f: np.ndarray, bounds: np.ndarray, n_boot: int,
                             rng: np.random.Generator) -> np.ndarray:
    """``V @ X`` for the block-diagonal ``X`` whose block ``h`` is ``f[bounds[h]:bounds[h+1]]``.

    Returns ``n_boot x (H * q)``; costs ``n_boot x n x q`` multiply-adds instead of
    ``n_boot x n x H q`` for the dense product.
    """
    m, q = f.shape
    n_blocks = len(bounds) - 1
    f32 = np.ascontiguousarray(f, dtype=np.float32)
    out = np.empty((n_boot, n_blocks * q))
    with _single_blas_thread():
        for start, v in _multipliers(m, n_boot, rng):
            rows = slice(start, start + len(v))
            for h in range(n_blocks):
                lo, hi = bounds[h], bounds[h + 1]
                out[rows, h * q:(h + 1) * q] = v[:, lo:hi] @ f32[lo:hi]
    return out


def _single_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """One BLAS thread for the chunked products: they are skinny (few output columns), gain
    little from threads, and on a busy machine thread oversubscription made them 3-30x slower
    (measured with benchmarks/bench_did.py on the shared 2-core CI machine)."""
    try:  # threadpoolctl ships with scikit-learn, a dependency of this package
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def bootstrap_summary(draws: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Bootstrap standard errors and the uniform (sup-t) critical value, as R ``did``'s mboot.

    ``draws`` is ``n_boot x m`` (deviations ``theta* - theta_hat``). The standard error is the
    interquartile range over ``qnorm(.75) - qnorm(.25)`` (robust to heavy tails); the critical
    value is the ``1 - alpha`` quantile of ``max_j |draw_j / se_j|`` over the non-degenerate
    columns (type-1 quantiles, as R). Degenerate columns (all zero) get NaN.
    """
    q75 = np.quantile(draws, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(draws, 0.25, axis=0, method="inverted_cdf")
    se = (q75 - q25) / (_st.norm.ppf(0.75) - _st.norm.ppf(0.25))
    live = np.isfinite(se) & (se > 0) & np.any(draws != 0, axis=0)
    se = np.where(live, se, np.nan)
    if not live.any():
        return se, float("nan")
    sup_t = np.max(np.abs(draws[:, live] / se[live]), axis=1)
    crit = float(np.quantile(sup_t, 1 - alpha, method="inverted_cdf"))
    return se, crit
