"""Response rules: how a belligerent fights, answers perceived violations, and resumes.

Each rule is one small class, in the manner of the Axelrod library's strategies: a
docstring naming its source, a ``classifier`` describing it, and what it decides. A rule
is a policy, not a tick-by-tick copy of the other side's fire:

* ``fighting(base, gain, answer_civilian)``: the (R, 2) intensity (military, civilian) the
  side fires at when it is not holding fire under a commitment;
* ``answers_violations``: whether a perceived violation of a commitment draws local
  return fire "in defence" (each one left unanswered with probability ``forgiveness``);
* ``waits_for_other``: whether, when a commitment ends, the side resumes fire only one
  answer lag after the other side does (ceasefire met with ceasefire), rather than at once.

Joining a truce the other side declares is a decision every rule takes, with the
probability ``response.join_truce``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["RULES", "ResponseRule", "Symmetric", "Retaliatory", "Fixed"]


class ResponseRule:
    """Base class of the response rules."""

    name = ""
    classifier: dict = {}
    answers_violations = False
    waits_for_other = False

    def fighting(self, base: np.ndarray, gain: np.ndarray | float, answer_civilian: bool) -> np.ndarray:
        """(R, 2) intensity when not holding fire: by default the side's own ``strikes``."""
        return base


class Symmetric(ResponseRule):
    """Ceasefire met with ceasefire; strikes met with strikes on military targets, in defence.

    Ukraine's stated policy of April 2025 (source article: forces ordered to mirror the
    Russian army; "ceasefire will be met with ceasefire, and Russian strikes will be met
    with our own in defence"). Policy-level mirroring: the side holds fire while the other
    holds, resumes one answer lag after the other resumes, and fights military targets at
    its own intensity times ``mirror_gain``. It answers in the civilian class only if
    ``answer_civilian`` is true (off for Ukraine, which proposes to stop strikes on
    civilian targets). Perceived violations draw local return fire, each forgiven with
    probability ``forgiveness``: generous tit-for-tat (Axelrod 1984; Nowak & Sigmund 1992,
    Nature 355:250).
    """

    name = "symmetric"
    classifier = {"mirrors_policy": True, "answers_violations": True, "civilian_class": "optional", "stochastic": True}
    answers_violations = True
    waits_for_other = True

    def fighting(self, base, gain, answer_civilian):
        out = np.empty_like(base)
        out[:, 0] = base[:, 0] * gain
        out[:, 1] = base[:, 1] * gain if answer_civilian else 0.0
        return np.clip(out, 0.0, 1.0)


class Retaliatory(ResponseRule):
    """Fights at its own intensity; under a commitment, answers perceived violations in kind.

    An assumption for Russia: the source states no response rule for it (it resumed
    fighting after its truce). Local return fire to perceived violations, each forgiven
    with probability ``forgiveness`` (Axelrod 1984); it resumes at once when a commitment ends.
    """

    name = "retaliatory"
    classifier = {"mirrors_policy": False, "answers_violations": True, "civilian_class": "own", "stochastic": True}
    answers_violations = True


class Fixed(ResponseRule):
    """Fights at its own intensity; holds fire when committed; never answers violations.

    The no-response baseline ("always cooperate" under a commitment, Axelrod 1984).
    """

    name = "fixed"
    classifier = {"mirrors_policy": False, "answers_violations": False, "civilian_class": "own", "stochastic": False}


RULES: dict[str, type[ResponseRule]] = {r.name: r for r in (Symmetric, Retaliatory, Fixed)}
