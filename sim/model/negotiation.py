"""The negotiation layer as functions on arrays over replicates.

Issues are numbers in [0, 1]: 0 is Ukraine's stated position, 1 Russia's (order as in
:data:`sim.scenario.schema.ISSUES`). Positions are (R, 6) arrays: Ukraine's is the *most* it would
accept on each issue now, Russia's the *least*; an issue is in the zone of agreement when
Ukraine's bound is at or above Russia's.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import ISSUES

MORATORIUM, CEASEFIRE, TERRITORY, NEUTRALITY, GUARANTEES, SEQUENCING = range(len(ISSUES))

#: Agreement levels, from none to a full settlement.
NONE, PARTIAL, CEASEFIRE_DEAL, SETTLEMENT = 0, 1, 2, 3
LEVEL_NAMES = ("none", "partial", "ceasefire", "settlement")

#: Issues each agreement settles (design brief §3.2): a civilian-targets moratorium; a
#: ceasefire with its scope and sequencing; a settlement of every issue.
PACKAGES = {
    PARTIAL: np.array([1, 0, 0, 0, 0, 0], dtype=bool),
    CEASEFIRE_DEAL: np.array([1, 1, 0, 0, 0, 1], dtype=bool),
    SETTLEMENT: np.ones(len(ISSUES), dtype=bool),
}
#: (4, 6) bool: the issues settled at each agreement level, none to settlement (index by level).
SETTLED = np.stack([np.zeros(len(ISSUES), dtype=bool), *PACKAGES.values()])
_EPS = 1e-12


def faratin_alpha(tau: np.ndarray, deadline: float | np.ndarray, beta: float, k: float = 0.0) -> np.ndarray:
    """Share of the way from opening to limit conceded at (effective) time ``tau``.

    Faratin, Sierra & Jennings (1998), "Negotiation decision functions for autonomous
    agents", Robotics and Autonomous Systems 24:159, polynomial family:
    ``alpha(t) = k + (1 - k) * (min(t, T) / T) ** (1 / beta)``. ``beta < 1`` is Boulware
    (holds firm, concedes late), ``beta > 1`` Conceder, ``beta = 1`` linear.
    """
    share = np.minimum(np.asarray(tau, dtype=float), deadline) / deadline
    # The exponent as a full array of share's shape: NumPy takes sqrt or square for a
    # scalar (or stride-0) 0.5 or 2, whose last bit differs from pow's, and a replicate's
    # position must not depend on whether beta is given once or per replicate.
    exponent = np.array(np.broadcast_to(1.0 / np.asarray(beta, dtype=float), share.shape))
    return k + (1.0 - k) * np.power(share, exponent)


def positions(opening: np.ndarray, limit: np.ndarray, alpha: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """(R, 6) stated positions: opening moved ``alpha x reach`` of the way to the limit.

    ``reach`` (R,) stretches the limit when no deal gets worse for the party (> 1) and
    shrinks it when no deal gets better (< 1); results are clipped to [0, 1].
    """
    step = (alpha * reach)[:, None]
    return np.clip(opening + step * (limit - opening), 0.0, 1.0)


def effective_guarantee(text: np.ndarray, capacity: float) -> np.ndarray:
    """(R,) guarantee Ukraine would really get: the text's, up to Europe's capacity."""
    return np.minimum(1.0 - text[:, GUARANTEES], capacity)


def ukraine_bounds(position: np.ndarray, text: np.ndarray, offset: float, capacity: float) -> np.ndarray:
    """(R, 6) the most Ukraine accepts on each issue, given the guarantees in ``text``.

    Neutrality costs Ukraine ``x * (1 - offset * g)``: guarantees ``g`` remove part of the
    reason it gives for refusing (being left undefended), so its bound on neutrality
    rises to ``position / (1 - offset * g)``.
    """
    bounds = position.copy()
    relief = 1.0 - offset * effective_guarantee(text, capacity)
    with np.errstate(divide="ignore", invalid="ignore"):
        bounds[:, NEUTRALITY] = np.where(relief > 0, position[:, NEUTRALITY] / relief, 1.0)
    return np.minimum(bounds, 1.0)


def utility_ukraine(terms: np.ndarray, weights: np.ndarray, offset: float, capacity: float) -> np.ndarray:
    """(R,) Ukraine's weighted utility of ``terms`` in [0, 1], neutrality x guarantees."""
    value = 1.0 - terms
    g = effective_guarantee(terms, capacity)
    value[:, NEUTRALITY] = 1.0 - terms[:, NEUTRALITY] * (1.0 - offset * g)
    return _weighted(value, weights)


def utility_russia(terms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(R,) Russia's weighted utility of ``terms`` in [0, 1]."""
    return _weighted(terms, weights)


def _weighted(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(R,) weighted mean of (R, 6) values; ``weights`` (6,) or one row per replicate (R, 6)."""
    weights = np.broadcast_to(weights, values.shape)
    return (values * weights).sum(axis=1) / weights.sum(axis=1)


def mediator_target(bound_ukraine: np.ndarray, position_russia: np.ndarray) -> np.ndarray:
    """(R, 6) the middle of the two parties' positions: inside the zone where there is one."""
    return 0.5 * (bound_ukraine + position_russia)


def in_zone(text: np.ndarray, bound_ukraine: np.ndarray, position_russia: np.ndarray) -> np.ndarray:
    """(R, 6) bool: the text is inside both parties' acceptable sets on each issue."""
    return (text <= bound_ukraine + _EPS) & (text >= position_russia - _EPS)


def gaps(bound_ukraine: np.ndarray, position_russia: np.ndarray) -> np.ndarray:
    """(R, 6) distance between the parties on each issue (0 inside the zone)."""
    return np.maximum(0.0, position_russia - bound_ukraine)


def best_package(acceptable: np.ndarray, settlement_ok: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """(R,) int: the highest agreement level whose issues are all acceptable to both.

    ``allowed`` (6,) bool restricts which issues are on the table (the direct track's
    agenda); ``settlement_ok`` (R,) bool adds the settlement's utility test.
    """
    level = np.zeros(len(acceptable), dtype=np.int8)
    for lvl, issues in PACKAGES.items():
        if not (issues <= allowed).all():
            continue
        ok = acceptable[:, issues].all(axis=1)
        if lvl == SETTLEMENT:
            ok &= settlement_ok
        level = np.where(ok, np.int8(lvl), level)
    return level
