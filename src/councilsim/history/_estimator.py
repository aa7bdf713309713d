"""The estimator: the posterior mode of :mod:`councilsim.history._likelihood` and its errors.

Standard errors come from the observed information (the Hessian of the negative log posterior).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Executor
from typing import Any

import numpy as np
from scipy import optimize

from councilsim.history._likelihood import Problem

__all__ = ["covariance", "fit", "hessian", "single_threaded_blas"]


def fit(problem: Problem, *, max_iterations: int, tolerance: float = 1e-6) -> Any:
    """L-BFGS-B from the problem's moment-based start; returns scipy's ``OptimizeResult``."""
    with single_threaded_blas():
        return optimize.minimize(
            problem.evaluate,
            problem.start(),
            jac=True,
            method="L-BFGS-B",
            # A relative objective tolerance of 1e-9 stops at the same optimum (log posterior to
            # 1e-3) in half the iterations. A longer memory (maxcor) would save more, but its
            # larger BLAS products thread differently in worker threads, and the estimate's last
            # digits would then depend on the executor.
            options={"maxiter": max_iterations, "maxfun": 2 * max_iterations, "maxcor": 10,
                     "gtol": tolerance, "ftol": 1e-9},
        )


def covariance(problem: Problem, theta: np.ndarray, executor: Executor | None = None):
    """Inverse Hessian of the negative log posterior at ``theta``."""
    with single_threaded_blas():
        hess = hessian(problem, theta, executor)
    try:
        return np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(hess)


def hessian(problem: Problem, theta: np.ndarray, executor: Executor | None = None) -> np.ndarray:
    """Hessian of the negative log posterior by central differences of the analytic gradient.

    Its columns are independent, so an executor can compute them in parallel; each column is
    the same computation wherever it runs, so the result does not depend on the executor.
    """
    tasks = [(problem, theta, i) for i in range(theta.size)]
    columns = list(map(_hessian_column, tasks) if executor is None
                   else executor.map(_hessian_column, tasks))
    hess = np.column_stack(columns)
    return 0.5 * (hess + hess.T)


def _hessian_column(task: tuple[Problem, np.ndarray, int]) -> np.ndarray:
    problem, theta, i = task
    step = 1e-5 * max(1.0, abs(theta[i]))
    up, down = theta.copy(), theta.copy()
    up[i] += step
    down[i] -= step
    with single_threaded_blas():
        return (problem.evaluate(up)[1] - problem.evaluate(down)[1]) / (2 * step)


def single_threaded_blas() -> contextlib.AbstractContextManager[Any]:
    """Keep BLAS to one thread while optimising, when threadpoolctl is installed.

    The optimiser makes thousands of tiny BLAS calls; waking BLAS threads for each costs more
    than the work, about three times the run time on a busy two-core machine. Parallelism
    belongs one level up (the backtest runs years in parallel). The limit is process-wide and
    restoring it from another thread proved unreliable, so it is applied only in the main thread
    (worker processes of a process pool included).
    """
    if threading.current_thread() is not threading.main_thread():
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


