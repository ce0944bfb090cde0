"""The military layer as functions on arrays over replicates.

Shapes: ``R`` replicates; intensities are (R, 2) float64 over target classes
(``military``, ``civilian``), each in [0, 1].
"""

from __future__ import annotations

import numpy as np

MILITARY, CIVILIAN = 0, 1


def realised_fire(intended: np.ndarray, incident: np.ndarray, incident_size: float) -> np.ndarray:
    """(R, 2) fire that actually happens: orders plus unordered local incidents.

    Incidents (``incident`` (R,) bool) are local fire no leadership ordered; they add
    ``incident_size`` to the military class, under a truce as at any time.
    """
    fire = intended.copy()
    fire[:, MILITARY] = np.minimum(1.0, fire[:, MILITARY] + incident * incident_size)
    return fire


def perceived_fire(
    fire: np.ndarray,
    missed: np.ndarray,
    false_alarm: np.ndarray,
    incident_size: float,
) -> np.ndarray:
    """(R, 2) what the observer believes the other side fired this tick.

    Real fire is missed where ``missed`` (R, 2) is true; where there was none, a
    ``false_alarm`` (R, 2) makes the observer see fire the size of an incident.
    """
    seen = np.where(missed, 0.0, fire)
    return np.where((fire == 0.0) & false_alarm, incident_size, seen)


def any_class(where: np.ndarray) -> np.ndarray:
    """(R,) bool: true where either target class of an (R, 2) bool array is true.

    Faster than ``where.any(axis=1)``, whose reduction over a length-2 axis dominates
    the tick at 10^5 replicates.
    """
    return where[:, MILITARY] | where[:, CIVILIAN]


def violations(perceived: np.ndarray, truce_on: np.ndarray) -> np.ndarray:
    """(R, 2) bool: perceived fire in a class some commitment covers (an accusation)."""
    return (perceived > 0.0) & truce_on


def battle_step(
    balance: np.ndarray,
    fire_russia: np.ndarray,
    fire_ukraine: np.ndarray,
    ukraine_support: np.ndarray,
    drift: float,
    noise: float,
    days: float,
    shock: np.ndarray,
) -> np.ndarray:
    """(R,) battlefield balance after one tick, in [-1, 1] (positive favours Russia).

    Net military fire moves the front slowly; Ukraine's fire counts in proportion to its
    foreign support (aid). A random shock stands for what neither side controls.
    """
    net = fire_russia[:, MILITARY] - fire_ukraine[:, MILITARY] * ukraine_support
    moved = balance + drift * net * days + noise * np.sqrt(days) * shock
    return np.clip(moved, -1.0, 1.0)


def expected_gain(balance: np.ndarray, optimism: float, learning: float, fighting: np.ndarray) -> np.ndarray:
    """(R,) a side's expectation of what fighting on brings (balance in its favour).

    Optimism decays as fighting reveals information (Fearon 1995; Slantchev 2003,
    "The Principle of Convergence in Wartime Negotiations", APSR 97:621).
    ``fighting`` is the cumulative military strike-days of both sides.
    """
    return balance + optimism * np.exp(-learning * fighting)
