"""The military layer as functions on arrays over replicates, in hours and days.

Shapes: ``R`` replicates; intensities are (R, 2) float64 over target classes
(``military``, ``civilian``), each in [0, 1]: the share of a side's full-scale strike
activity. At intensity 1 a side makes ``strike_events_per_hour`` strikes the other can
perceive; an unordered incident or a local answer is one such strike.
"""

from __future__ import annotations

import numpy as np

MILITARY, CIVILIAN = 0, 1


def fighting_share(resume_at: np.ndarray, start: float, end: float) -> np.ndarray:
    """(R,) share of the step ``[start, end)`` at or after ``resume_at`` (hours): 0 to 1."""
    return np.clip((end - np.maximum(resume_at, start)) / (end - start), 0.0, 1.0)


def realised_fire(
    intended: np.ndarray, local_strikes: np.ndarray, dt_hours: float, strike_events_per_hour: float | np.ndarray
) -> np.ndarray:
    """(R, 2) mean intensity over the step: ordered fire plus unordered local strikes.

    ``local_strikes`` (R,) counts incidents and local answers, each one strike in the
    military class, i.e. ``1 / strike_events_per_hour`` hours of full-scale fire.
    """
    fire = intended.copy()
    extra = local_strikes / (np.asarray(strike_events_per_hour) * dt_hours)
    fire[:, MILITARY] = np.minimum(1.0, fire[:, MILITARY] + extra)
    return fire


def probability_in(rate_per_hour: np.ndarray | float, dt_hours: float) -> np.ndarray:
    """Probability of at least one event of a Poisson process of ``rate`` in ``dt`` hours."""
    return -np.expm1(-np.asarray(rate_per_hour, dtype=float) * dt_hours)


def decayed(stock: np.ndarray, dt_hours: float, memory_hours: np.ndarray | float) -> np.ndarray:
    """An exponentially weighted count after ``dt`` hours: the recent window of perception.

    A perceived violation weighs 1 when seen and exp(-age / memory) later, so the stock is
    a count over roughly the last ``memory_hours``, updated exactly whatever the step.
    """
    return stock * np.exp(-dt_hours / np.asarray(memory_hours))


def clearance(monitoring: np.ndarray | float, lag_hours: np.ndarray | float, clear_hours: float) -> np.ndarray:
    """Probability that a monitor clears up an unordered incident before the side acts on it.

    The monitor clears at rate ``monitoring / clear_hours``; the side acts ``lag_hours``
    after it perceives the incident: the monitor wins the race with 1 - exp(-m L / c).
    """
    return -np.expm1(-np.asarray(monitoring) * np.asarray(lag_hours) / clear_hours)


def battle_step(
    balance: np.ndarray,
    fire_russia: np.ndarray,
    fire_ukraine: np.ndarray,
    ukraine_support: np.ndarray,
    drift: float | np.ndarray,
    noise: float | np.ndarray,
    days: float,
    shock: np.ndarray,
) -> np.ndarray:
    """(R,) battlefield balance after a step of ``days``, in [-1, 1] (positive favours Russia).

    Net military fire moves the front slowly; Ukraine's fire counts in proportion to its
    foreign support (aid). A Brownian shock (``noise`` per square-root day) stands for
    what neither side controls, so the balance's spread does not depend on the step.
    """
    net = fire_russia[:, MILITARY] - fire_ukraine[:, MILITARY] * ukraine_support
    moved = balance + drift * net * days + noise * np.sqrt(days) * shock
    return np.clip(moved, -1.0, 1.0)


def expected_gain(
    balance: np.ndarray, optimism: float | np.ndarray, learning: float | np.ndarray, fighting: np.ndarray
) -> np.ndarray:
    """(R,) a side's expectation of what fighting on brings (balance in its favour).

    Optimism decays as fighting reveals information (Fearon 1995; Slantchev 2003,
    "The Principle of Convergence in Wartime Negotiations", APSR 97:621).
    ``fighting`` is the cumulative military strike-days of both sides.
    """
    return balance + optimism * np.exp(-learning * fighting)


def any_class(where: np.ndarray) -> np.ndarray:
    """(R,) bool: true where either target class of an (R, 2) bool array is true.

    Faster than ``where.any(axis=1)``, whose reduction over a length-2 axis dominates
    at 10^5 replicates.
    """
    return where[:, MILITARY] | where[:, CIVILIAN]
