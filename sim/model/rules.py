"""Response rules: what a belligerent intends to fire, given what it perceived.

Each rule is one small class, in the manner of the Axelrod library's strategies: a
docstring naming its source, a ``classifier`` describing it, and one vectorised method.
A rule sees three (R, 2) arrays over replicates x target classes (military, civilian):

* ``base``: the side's own intended intensity when it is free to fight;
* ``mirror``: ``mirror_gain`` x the largest intensity it perceived from the other side in
  its memory (the last ``lag_ticks`` ticks);
* ``answer``: the same, counting only perceived *violations* it chose to answer (each
  violation is left unanswered with probability ``forgiveness``);

and ``committed`` (R, 2) bool: whether the side has promised to hold fire in that class
(its own truce, a truce it reciprocated, or an agreement).
"""

from __future__ import annotations

import numpy as np

__all__ = ["RULES", "ResponseRule", "Symmetric", "Retaliatory", "Fixed"]


class ResponseRule:
    """Base class: ``intend`` returns the (R, 2) intended intensity in [0, 1]."""

    name = ""
    classifier: dict = {}
    reciprocates_truces = False

    def intend(self, base: np.ndarray, mirror: np.ndarray, answer: np.ndarray, committed: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class Symmetric(ResponseRule):
    """Ceasefire met with ceasefire, strikes met with strikes of the same class and size.

    Ukraine's stated rule of April 2025 (source article: forces ordered to mirror the
    Russian army's actions). Outside commitments it is tit-for-tat on intensities (Axelrod
    1984); under a truce it answers perceived violations, forgiving each with probability
    ``forgiveness``: generous tit-for-tat (Nowak & Sigmund 1992, Nature 355:250).
    It reciprocates a truce the other side declares.
    """

    name = "symmetric"
    classifier = {"memory_depth": "lag_ticks", "stochastic": True, "reciprocates_truces": True}
    reciprocates_truces = True

    def intend(self, base, mirror, answer, committed):
        return np.where(committed, answer, mirror)


class Retaliatory(ResponseRule):
    """Fights at its own intensity; under a truce, answers perceived violations in kind.

    An assumption for Russia: the source states no response rule for it. This is a
    grim-trigger-like reply bounded to the memory window (Axelrod 1984), with forgiveness.
    It does not join a truce the other side declares.
    """

    name = "retaliatory"
    classifier = {"memory_depth": "lag_ticks", "stochastic": True, "reciprocates_truces": False}

    def intend(self, base, mirror, answer, committed):
        return np.where(committed, answer, base)


class Fixed(ResponseRule):
    """Fights at its own intensity; holds fire when committed; never answers violations.

    The no-response baseline ("always cooperate" under a truce, Axelrod 1984).
    """

    name = "fixed"
    classifier = {"memory_depth": 0, "stochastic": False, "reciprocates_truces": False}

    def intend(self, base, mirror, answer, committed):
        return np.where(committed, 0.0, base)


RULES: dict[str, type[ResponseRule]] = {r.name: r for r in (Symmetric, Retaliatory, Fixed)}
