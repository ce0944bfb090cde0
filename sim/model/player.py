"""A human (or scripted) player in place of one actor's decisions.

Without a player the model decides everything itself. With one, at each decision point
of the player's side the model first computes its own choice from the same random
numbers (the *default*) and then asks the player, for every replicate at once. A player
that always returns the default leaves the run exactly as it was.

Decision kinds (the first option is ``True``):

=============  ==================  ==========================================================
kind           side                question
=============  ==================  ==========================================================
join_truce     Ukraine or Russia   the other side declared a truce: join it, or fight on?
answer         Ukraine or Russia   holding fire, it counted violations: answer them, or hold?
sign           Ukraine or Russia   the other side would sign a package: sign it, or reject?
extend_truce   the declarer        its truce's term is up: extend it, or let it lapse?
deadline       the United States   the deadline is due and not met: extend it, or walk away?
=============  ==================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

__all__ = ["KINDS", "Decision", "Player", "Stance", "apply_count", "decide"]

#: The decision kinds and the sides that take them.
KINDS: dict[str, tuple[str, ...]] = {
    "join_truce": ("ukraine", "russia"),
    "answer": ("ukraine", "russia"),
    "sign": ("ukraine", "russia"),
    "extend_truce": ("ukraine", "russia"),
    "deadline": ("united_states",),
}


@dataclass(frozen=True)
class Decision:
    """One decision of ``side``, asked for every replicate at once.

    ``key`` names it uniquely and deterministically within a run (e.g. ``"12:answer:1"``,
    tick 12, first generation of answers), so a replay can find the answer given before.
    ``where`` (R,) marks the replicates in which it arises; ``default`` (R,) is what the
    model would choose; ``context`` holds (R,) numbers for the question's text.
    """

    kind: str
    side: str
    tick: int
    key: str
    where: np.ndarray
    default: np.ndarray
    context: Mapping[str, np.ndarray] = field(default_factory=dict)


class Player(Protocol):
    """Anything with a ``side`` and a vectorised ``decide``."""

    side: str

    def decide(self, decision: Decision) -> np.ndarray:
        """(R,) bool: the choice in each replicate (read only where ``decision.where``)."""
        ...


class Stance:
    """A player that makes the same choice of each kind every time (the model's own for kinds not given).

    A standing order, as a class compares them in Lesson 4 (docs/classroom.md): e.g.
    ``Stance("ukraine", join_truce=True, answer=False, sign=True)`` always joins, holds
    fire and signs. Over many replicates it measures what a policy does across stories.
    """

    def __init__(self, side: str, **choices: bool) -> None:
        unknown = sorted(set(choices) - {k for k, sides in KINDS.items() if side in sides})
        if unknown:
            raise ValueError(f"{side} takes no decision {', '.join(unknown)}; it takes: {', '.join(_kinds(side))}")
        self.side, self.choices = side, choices

    def decide(self, decision: Decision) -> np.ndarray:
        if decision.kind not in self.choices:
            return decision.default
        return np.full(len(decision.where), self.choices[decision.kind], dtype=bool)


def _kinds(side: str) -> list[str]:
    return [k for k, sides in KINDS.items() if side in sides]


def decide(
    player: Player | None,
    kind: str,
    side: str,
    tick: int,
    where: np.ndarray,
    default: np.ndarray,
    key: str = "",
    **context: np.ndarray | float,
) -> np.ndarray:
    """(R,) bool: the player's choice where the decision arises, the model's own elsewhere.

    Without a player for ``side`` (or where the decision arises nowhere) this returns
    ``default`` itself and computes nothing, so a run without a player is unchanged.
    """
    if player is None or player.side != side or not where.any():
        return default
    R = len(where)
    numbers = {name: np.broadcast_to(np.asarray(value), (R,)) for name, value in context.items()}
    decision = Decision(kind, side, tick, key or f"{tick}:{kind}", where.copy(), default.copy(), numbers)
    choice = np.asarray(player.decide(decision), dtype=bool)
    return np.where(where, choice, default)


def apply_count(choice: np.ndarray, default: np.ndarray, own: np.ndarray, yes: np.ndarray) -> np.ndarray:
    """A count after a yes/no choice: the model's ``own`` where the choice is the model's, else ``yes`` or 0.

    Choosing what the model would have chosen keeps exactly what it would have done
    (e.g. its own number of answers, its own agreement level); departing from it means
    ``yes`` (every counted violation answered, the package the other side would sign)
    or nothing.
    """
    return np.where(choice == default, own, np.where(choice, yes, 0)).astype(own.dtype)
