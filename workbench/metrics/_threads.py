"""Run numpy/scipy linear algebra on one BLAS thread.

The metric maths (eigen-decompositions, kernel matrices, pairwise distances) usually runs while a training
run keeps both cores busy. OpenBLAS's worker threads then spin against the trainer: an eigen-decomposition of a
128×128 covariance took 0.36 s with 2 BLAS threads on a loaded 2-core machine and 8 ms with one. On an idle
machine one thread costs little at these sizes, so evaluation always uses one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, leave the thread count alone
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
