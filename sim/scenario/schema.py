"""What a scenario file may contain: every key path, its type, range and meaning.

The schema is structure, not values: the values (and the sources they come from) live in
the TOML files under ``scenarios/``. ``docs/model.md`` lists the same keys with their
baseline values and sources.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ISSUES = (
    "civilian_moratorium",
    "ceasefire",
    "territory",
    "neutrality",
    "guarantees",
    "sequencing",
)
BELLIGERENTS = ("russia", "ukraine")
ACTORS = ("russia", "ukraine", "united_states", "europe")
TARGET_CLASSES = ("military", "civilian")
RESPONSE_RULES = ("symmetric", "retaliatory", "fixed")
EVENT_KINDS = ("truce", "meeting", "bilateral_offer", "statement")


@dataclass(frozen=True)
class Field:
    """One leaf of the schema.

    ``kind`` is one of ``float``, ``int``, ``bool``, ``str``, ``datetime``, ``str_list``.
    ``required`` fields must be present once inheritance is resolved; the others take
    ``default``.
    """

    kind: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    required: bool = True
    default: object = None

    def allowed(self) -> str:
        """Human words for what this field accepts, for error messages."""
        if self.choices is not None:
            one = "one of" if self.kind != "str_list" else "a list of"
            return f"{one} {', '.join(repr(c) for c in self.choices)}"
        words = {
            "float": "a number",
            "int": "a whole number",
            "bool": "true or false",
            "str": "a string",
            "datetime": "a TOML date-time such as 2025-04-19T18:00:00+03:00",
            "str_list": "a list of strings",
        }[self.kind]
        if self.low is not None and self.high is not None:
            return f"{words} from {self.low:g} to {self.high:g}"
        if self.low is not None:
            return f"{words} >= {self.low:g}"
        return words


def _prob(doc: str) -> Field:
    return Field("float", doc, 0.0, 1.0)


def _issues(doc: str, low: float = 0.0, high: float = 1.0) -> dict[str, Field]:
    return {issue: Field("float", f"{doc} ({issue})", low, high) for issue in ISSUES}


def _belligerent(ukraine: bool) -> dict:
    table = {
        "incident_rate": _prob("per-tick probability of unordered local fire"),
        "strikes": {
            "military": _prob("intended intensity against military targets when fighting"),
            "civilian": _prob("intended intensity against civilian and energy targets"),
        },
        "response": {
            "rule": Field("str", "response rule", choices=RESPONSE_RULES),
            "lag_ticks": Field("int", "ticks of perceived history the rule answers", 1, 28),
            "mirror_gain": Field("float", "answer intensity per perceived intensity", 0.0, 3.0),
            "forgiveness": _prob("probability of not answering a perceived violation"),
        },
        "perception": {
            "false_alarm": _prob("probability of perceiving a strike where none happened"),
            "miss": _prob("probability of missing a strike that happened"),
        },
        "concession": {
            "beta": Field("float", "Faratin et al. (1998) concession exponent", 0.01, 100.0),
            "deadline_days": Field("float", "the party's own perceived deadline", 0.25, 3650.0),
            "pressure_speedup": Field("float", "extra concession speed per unit pressure", 0.0, 10.0),
            "cost_speedup": Field("float", "extra concession speed per strike-day of war cost", 0.0, 10.0),
            "patience_spread": Field(
                "float", "private patience: deadline_days times exp(+/- this), per replicate", 0.0, 3.0
            ),
        },
        "opening": _issues("stated opening position"),
        "limit": _issues("furthest position the party can be brought to"),
        "weights": _issues("importance of the issue", 0.0, 100.0),
        "reservation": {
            "base": Field("float", "value of no deal at the start", -1.0, 2.0),
            "battle_weight": Field("float", "value of no deal per unit of expected battlefield gain", 0.0, 10.0),
            "cost_weight": Field("float", "loss of no-deal value per strike-day of war cost", 0.0, 10.0),
            "pressure_weight": Field("float", "loss of no-deal value under the mediator's pressure", 0.0, 10.0),
            "optimism": Field("float", "initial over-estimate of own battlefield prospects", -1.0, 1.0),
        },
    }
    if ukraine:
        table["reservation"]["aid_weight"] = Field("float", "value of no deal per unit of foreign aid", 0.0, 10.0)
        table["guarantee_offset"] = _prob("share of neutrality's cost that guarantees remove")
        table["bilateral_acceptance"] = _prob("probability of taking up a bilateral offer")
    return table


SCHEMA: dict = {
    "name": Field("str", "short name of the scenario", required=False, default=""),
    "description": Field("str", "one line shown by `ceasefire scenarios`", required=False, default=""),
    "clock": {
        "start": Field("datetime", "calendar time of tick 0"),
        "tick_hours": Field("int", "hours per tick (divides 24)", 1, 24, required=False, default=6),
        "horizon_days": Field("int", "days simulated", 1, 3650),
    },
    "military": {
        "incident_size": Field("float", "intensity of one unordered incident", 0.0, 1.0),
        "collapse_ticks": Field("int", "ticks of ordered fire under a commitment that void it", 1, 1000),
        "battle_drift": Field("float", "battlefield shift per strike-day of net military intensity", 0.0, 1.0),
        "battle_noise": Field("float", "battlefield noise per sqrt(day)", 0.0, 1.0),
        "learning": Field("float", "decay of optimism per strike-day of fighting", 0.0, 10.0),
    },
    "negotiation": {
        "enabled": Field("bool", "false: the military layer alone"),
        "round_days": Field("float", "days between mediated rounds", 0.25, 365.0),
        "text_step": _prob("share of the way the mediator's text moves each round"),
        "ceasefire_days": Field("float", "duration of an agreed ceasefire", 1.0, 3650.0),
        "retry_days": Field("float", "days after a collapse before a new agreement can be signed", 0.0, 3650.0),
        "bilateral_round_days": Field("float", "days between direct rounds", 0.25, 365.0),
    },
    "actors": {
        "russia": _belligerent(ukraine=False),
        "ukraine": _belligerent(ukraine=True),
        "united_states": {
            "deadline_days": Field("float", "days from the start to the walk-away deadline", 0.0, 36500.0),
            "extension_probability": _prob("probability of extending instead of walking away"),
            "extension_days": Field("float", "days added by an extension", 0.25, 3650.0),
            "required_progress": _prob("share of the initial gap closed that counts as progress"),
            "pressure": Field("float", "pressure on both parties while engaged", 0.0, 10.0),
            "deadline_urgency": Field(
                "float", "extra pressure as the deadline nears, times its credibility", 0.0, 10.0
            ),
            "aid": Field("float", "U.S. share of Ukraine's foreign aid", 0.0, 1.0),
            "aid_cut": _prob("share of U.S. aid cut on walking away"),
        },
        "europe": {
            "aid": Field("float", "European share of Ukraine's foreign aid", 0.0, 1.0),
            "backfill": _prob("share of a U.S. aid cut that Europe replaces"),
            "guarantee_capacity": _prob("strongest security guarantee Europe can offer"),
            "sequencing_push": _prob("pull toward 'ceasefire first' at meetings Europe attends"),
        },
    },
}

EVENT_SCHEMA: dict[str, dict[str, Field]] = {
    "truce": {
        "actor": Field("str", "who declares it", choices=BELLIGERENTS),
        "hours": Field("float", "duration", 0.25, 24.0 * 3650),
        "extension_probability": _prob("probability the declarer extends it at its end"),
        "extension_hours": Field(
            "float", "hours added by an extension", 0.25, 24.0 * 3650, required=False, default=24.0
        ),
    },
    "meeting": {
        "name": Field("str", "where", required=False, default="meeting"),
        "participants": Field("str_list", "who attends", choices=ACTORS, required=False, default=()),
    },
    "bilateral_offer": {
        "actor": Field("str", "who offers", choices=BELLIGERENTS),
        "issues": Field(
            "str_list", "issues on the direct track", choices=ISSUES, required=False, default=("civilian_moratorium",)
        ),
    },
    "statement": {
        "actor": Field("str", "who speaks", choices=ACTORS),
        "text": Field("str", "what the narration says"),
    },
}
EVENT_COMMON = {
    "kind": Field("str", "event kind", choices=EVENT_KINDS),
    "at": Field("datetime", "calendar time at which it fires"),
    "source": Field("str", "citation for the event", required=False, default=""),
}

PY_TYPES = {"float": (int, float), "int": (int,), "bool": (bool,), "str": (str,), "datetime": (dt.datetime,)}
